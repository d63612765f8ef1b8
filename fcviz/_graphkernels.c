/*
 * Compiled kernels of fcviz.birth_death (optional: without them fcviz.homology runs the numpy kernels).
 *
 * Each function takes numpy arrays through the buffer protocol (C-contiguous float64 or float32, all of
 * one dtype), checks their sizes, and runs with the GIL released, so that threads of the calling
 * Python process run them side by side. None allocates; every output array is the caller's.
 *
 *   upper_split(A, r0, r1, pivot, flip, out, check) -> (front, symmetric)
 *       Upper-triangle weights A[i, j] (i < j) of the rows [r0, r1) of one graph (n, n) into out,
 *       which holds exactly that many: the `front` ones under pivot first (with flip: the ones not
 *       under it, NaN included), the others after, each part in no particular order. With
 *       check, also whether A[j, i] == A[i, j] for each of them (NaN makes it False).
 *   merge_remove(a, b, births, out) -> written
 *       The sorted runs a and b merged, without the sorted multiset births, into out; -1 when a
 *       birth is not among them.
 *   prim(A, out)
 *       Maximum-spanning-tree weights (n - 1,) of one symmetric graph (n, n), in the order a dense
 *       Prim's algorithm from node 0 adds them. Every value is a bitwise copy of a weight.
 *   prim_batch(A, out)
 *       prim for every graph of a batch (g, n, n) into out (g, n - 1).
 *   upper_batch(A, out, check, tree=None) -> index
 *       Upper-triangle weights of each graph of a batch (g, n, n) into the first n (n - 1) / 2
 *       columns of the rows of out (g, w): row-major edge order without check; with check, in tile
 *       order, and the index of the first graph that is not exactly symmetric is returned, else -1.
 *       With tree (g, n - 1), also prim of each graph into it, while the graph is in the cache.
 *   finish_batch(A, rows, tree, check) -> status
 *       The end of a batch's decomposition, with rows (g, n (n - 1) / 2) and tree (g, n - 1)
 *       sorted: with check, first the range check of every graph (its diagonal and the bounds of its
 *       sorted row: not negative, finite), -2 if one fails (nothing changed); then each row's tree
 *       weights removed and copied in front of the rest (births | deaths); -1, or the first row
 *       whose tree weights are not among its values.
 *   remove_sorted(values, births, out) -> written
 *       The sorted values without the sorted multiset births (each removed once per occurrence),
 *       copied into out; -1 when a birth is not among the values.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

/* Square tiles of the symmetry check: a tile and its transpose stay in the L1 cache. */
#ifndef TILE
#define TILE 32
#endif

typedef struct {
    Py_buffer view;
    int held;
} Buffer;

static void release(Buffer *b) {
    if (b->held) {
        PyBuffer_Release(&b->view);
        b->held = 0;
    }
}

/* A C-contiguous float buffer; kind is 'd' or 'f'. */
static int get_float_buffer(PyObject *obj, Buffer *b, int writable, const char *name, char *kind) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, &b->view, flags) < 0) {
        return -1;
    }
    b->held = 1;
    const char *f = b->view.format ? b->view.format : "B";
    if (f[0] == '<' || f[0] == '=' || f[0] == '@') {
        f++;
    }
    if (!((f[0] == 'd' && b->view.itemsize == 8) || (f[0] == 'f' && b->view.itemsize == 4)) || f[1]) {
        PyErr_Format(PyExc_TypeError, "%s must hold float64 or float32 values; got format '%s'", name,
                     b->view.format ? b->view.format : "B");
        release(b);
        return -1;
    }
    *kind = f[0];
    return 0;
}

static Py_ssize_t n_items(const Buffer *b) { return b->view.len / b->view.itemsize; }

static int check_kind(char want, char got, const char *name) {
    if (want != got) {
        PyErr_Format(PyExc_TypeError, "%s must have the dtype of the graphs", name);
        return -1;
    }
    return 0;
}

/* Side n of a graph buffer of n * n items (per graph, with g graphs); -1 if not square. */
static Py_ssize_t side_of(Py_ssize_t items, Py_ssize_t graphs) {
    if (graphs <= 0 || items % graphs) {
        return -1;
    }
    Py_ssize_t per = items / graphs, n = 0;
    while ((n + 1) * (n + 1) <= per) {
        n++;
    }
    return n * n == per ? n : -1;
}

/* ---------------------------------------------------------------------------------------------- */
/* Type-generic kernels: one copy for double, one for float.                                        */

#define DEFINE_KERNELS(T, SUFFIX)                                                                      \
    /* Upper-triangle weights of rows [r0, r1) into out, those below pivot from the front and the     \
       others (NaN included) from the back (flip: the other way round), branch-free; returns how\
       many are in front. With check,      \
       clears *symmetric if some A[j, i] != A[i, j] (tiles keep the transposed reads in the cache). */ \
    static Py_ssize_t upper_split_##SUFFIX(const T *A, Py_ssize_t n, Py_ssize_t r0, Py_ssize_t r1,      \
                                           double pivot, int flip, T *out, Py_ssize_t size, int check,\
                                           int *symmetric) {                                          \
        Py_ssize_t low = 0, high = size - 1;                                                           \
        int asymmetric = 0;                                                                            \
        for (Py_ssize_t I = r0; I < r1; I += TILE) {                                                   \
            Py_ssize_t i_end = I + TILE < r1 ? I + TILE : r1;                                          \
            for (Py_ssize_t J = I; J < n; J += TILE) {                                                 \
                Py_ssize_t j_end = J + TILE < n ? J + TILE : n;                                        \
                for (Py_ssize_t i = I; i < i_end; i++) {                                               \
                    const T *row = A + i * n;                                                          \
                    Py_ssize_t j0 = J > i + 1 ? J : i + 1;                                             \
                    if (check) {                                                                       \
                        for (Py_ssize_t j = j0; j < j_end; j++) {                                      \
                            asymmetric |= row[j] != A[j * n + i];                                      \
                        }                                                                              \
                    }                                                                                  \
                    for (Py_ssize_t j = j0; j < j_end; j++) {                                          \
                        T v = row[j];                                                                  \
                        int front = ((double)v < pivot) ^ flip;                                        \
                        out[low] = v;                                                                  \
                        out[high] = v;                                                                 \
                        low += front;                                                                  \
                        high -= !front;                                                                \
                    }                                                                                  \
                }                                                                                      \
            }                                                                                          \
        }                                                                                              \
        if (asymmetric) {                                                                              \
            *symmetric = 0;                                                                            \
        }                                                                                              \
        return low;                                                                                    \
    }                                                                                                  \
                                                                                                       \
    /* The two sorted runs a and b merged, without the sorted multiset births, into out; -1 when a    \
       birth is not among them. Every check is made; merge_remove below runs most of the merge    \
       first, branch-free from both ends, and leaves the middle to this function. */               \
    static Py_ssize_t merge_remove_checked_##SUFFIX(const T *a, Py_ssize_t na, const T *b, Py_ssize_t nb, \
                                                    const T *births, Py_ssize_t k, T *out) {          \
        Py_ssize_t i = 0, j = 0, q = 0, w = 0, limit = na + nb - k;                                    \
        while (i < na && j < nb) {                                                                     \
            T v;                                                                                       \
            if (b[j] < a[i]) {                                                                         \
                v = b[j++];                                                                            \
            } else {                                                                                   \
                v = a[i++];                                                                            \
            }                                                                                          \
            if (q < k && v == births[q]) {                                                             \
                q++;                                                                                   \
            } else if (w < limit) {                                                                    \
                out[w++] = v;                                                                          \
            } else {                                                                                   \
                return -1; /* more values kept than fit: a birth is missing */                        \
            }                                                                                          \
        }                                                                                              \
        const T *rest = i < na ? a + i : b + j;                                                        \
        Py_ssize_t left = i < na ? na - i : nb - j;                                                    \
        for (Py_ssize_t r = 0; r < left; r++) {                                                        \
            T v = rest[r];                                                                             \
            if (q < k && v == births[q]) {                                                             \
                q++;                                                                                   \
            } else if (w < limit) {                                                                    \
                out[w++] = v;                                                                          \
            } else {                                                                                   \
                return -1; /* more values kept than fit: a birth is missing */                        \
            }                                                                                          \
        }                                                                                              \
        return q == k ? w : -1;                                                                        \
    }                                                                                                  \
                                                                                                       \
    /* merge_remove_checked, faster: which run goes next is a coin toss for the branch predictor, so  \
       the choice runs branch-free (every value stored, the store kept unless it was a birth: rare,  \
       a branch predicted right), from the front (smallest first, a before b on ties) and from the  \
       back (largest first, b before a) at once, two independent chains, while both runs keep two   \
       values and two places are left. A birth is removed by one end only (front q <= back r). The  \
       middle goes to the checked merge. */                                                         \
    static Py_ssize_t merge_remove_##SUFFIX(const T *a, Py_ssize_t na, const T *b, Py_ssize_t nb,       \
                                            const T *births, Py_ssize_t k, T *out) {                  \
        Py_ssize_t i = 0, j = 0, q = 0, w = 0;                     /* front */                        \
        Py_ssize_t i2 = na - 1, j2 = nb - 1, r = k - 1, w2 = na + nb - k - 1; /* back */               \
        while (i < i2 && j < j2 && w < w2) {                                                           \
            const T x = a[i], y = b[j];                                                                \
            const Py_ssize_t from_b = y < x;                                                           \
            const T v = from_b ? y : x;                                                                \
            j += from_b;                                                                               \
            i += 1 - from_b;                                                                           \
            out[w] = v;                                                                                \
            if (q <= r && v == births[q]) { /* rare: a branch the predictor gets right */              \
                q++;                                                                                   \
            } else {                                                                                   \
                w++;                                                                                   \
            }                                                                                          \
            const T x2 = a[i2], y2 = b[j2];                                                            \
            const Py_ssize_t from_a = x2 > y2;                                                         \
            const T v2 = from_a ? x2 : y2;                                                             \
            i2 -= from_a;                                                                              \
            j2 -= 1 - from_a;                                                                          \
            out[w2] = v2;                                                                              \
            if (q <= r && v2 == births[r]) {                                                           \
                r--;                                                                                   \
            } else {                                                                                   \
                w2--;                                                                                  \
            }                                                                                          \
        }                                                                                              \
        Py_ssize_t middle = merge_remove_checked_##SUFFIX(a + i, i2 + 1 - i, b + j, j2 + 1 - j,        \
                                                          births + q, r + 1 - q, out + w);             \
        return middle < 0 ? -1 : na + nb - k; /* the middle filled out[w, w2] exactly */              \
    }                                                                                                  \
                                                                                                       \
    /* Dense Prim over the shrinking list of nodes outside the tree: remaining[k] is such a node and  \
       best[k] its heaviest edge to the tree. One pass per step updates best from the new node's row \
       and finds the next node to add. */                                                            \
    static void prim_##SUFFIX(const T *A, Py_ssize_t n, T *out, T *best, Py_ssize_t *remaining) {       \
        Py_ssize_t r = n - 1, j = 0;                                                                   \
        for (Py_ssize_t k = 0; k < r; k++) {                                                           \
            remaining[k] = k + 1;                                                                      \
            best[k] = A[k + 1];                                                                        \
            if (best[k] > best[j]) {                                                                   \
                j = k;                                                                                 \
            }                                                                                          \
        }                                                                                              \
        for (Py_ssize_t step = 0; step < n - 1; step++) {                                              \
            out[step] = best[j];                                                                       \
            const T *row = A + remaining[j] * n;                                                       \
            r--;                                                                                       \
            remaining[j] = remaining[r];                                                               \
            best[j] = best[r];                                                                         \
            Py_ssize_t next = 0;                                                                       \
            T top = 0;                                                                                 \
            if (r) {                                                                                   \
                T v0 = row[remaining[0]];                                                              \
                top = best[0] = v0 > best[0] ? v0 : best[0];                                           \
            }                                                                                          \
            for (Py_ssize_t k = 1; k < r; k++) {                                                       \
                T v = row[remaining[k]];                                                               \
                T b = v > best[k] ? v : best[k];                                                       \
                best[k] = b;                                                                           \
                if (b > top) {                                                                         \
                    top = b;                                                                           \
                    next = k;                                                                          \
                }                                                                                      \
            }                                                                                          \
            j = next;                                                                                  \
        }                                                                                              \
    }                                                                                                  \
                                                                                                       \
    /* The upper-triangle weights of one graph into out: row by row without check; with check tile  \
       by tile (the order the sort downstream does not care about), comparing each with its mirror. \
       Returns whether the graph is exactly symmetric (NaN makes it not). */                         \
    static int upper_##SUFFIX(const T *A, Py_ssize_t n, T *out, int check) {                           \
        if (!check) {                                                                                  \
            for (Py_ssize_t i = 0; i + 1 < n; i++) {                                                   \
                memcpy(out, A + i * n + i + 1, (size_t)(n - 1 - i) * sizeof(T));                       \
                out += n - 1 - i;                                                                      \
            }                                                                                          \
            return 1;                                                                                  \
        }                                                                                              \
        int asymmetric = 0;                                                                            \
        for (Py_ssize_t I = 0; I < n; I += TILE) {                                                     \
            Py_ssize_t i_end = I + TILE < n ? I + TILE : n;                                            \
            for (Py_ssize_t J = I; J < n; J += TILE) {                                                 \
                Py_ssize_t j_end = J + TILE < n ? J + TILE : n;                                        \
                for (Py_ssize_t i = I; i < i_end; i++) {                                               \
                    const T *row = A + i * n;                                                          \
                    for (Py_ssize_t j = J > i + 1 ? J : i + 1; j < j_end; j++) {                       \
                        T v = row[j];                                                                  \
                        asymmetric |= v != A[j * n + i];                                               \
                        *out++ = v;                                                                    \
                    }                                                                                  \
                }                                                                                      \
            }                                                                                          \
        }                                                                                              \
        return !asymmetric;                                                                            \
    }                                                                                                  \
                                                                                                       \
    /* Removes the sorted multiset births from the sorted row[0, m), in place, keeping the rest       \
       right-aligned in row[k, m) (a backward pass: the write position never passes the read one).  \
       Returns 0, or -1 when a birth is not among the values. */                                     \
    static int remove_backward_##SUFFIX(T *row, Py_ssize_t m, const T *births, Py_ssize_t k) {         \
        Py_ssize_t b = k - 1, w = m - 1;                                                               \
        for (Py_ssize_t i = m - 1; i >= 0; i--) {                                                      \
            T v = row[i];                                                                              \
            if (b >= 0 && v == births[b]) {                                                            \
                b--;                                                                                   \
            } else if (w >= k) {                                                                       \
                row[w--] = v;                                                                          \
            } else {                                                                                   \
                return -1;                                                                             \
            }                                                                                          \
        }                                                                                              \
        return b < 0 ? 0 : -1;                                                                         \
    }                                                                                                  \
                                                                                                       \
    static Py_ssize_t remove_sorted_##SUFFIX(const T *values, Py_ssize_t m, const T *births,           \
                                             Py_ssize_t k, T *out) {                                   \
        Py_ssize_t b = 0, w = 0;                                                                       \
        for (Py_ssize_t i = 0; i < m; i++) {                                                           \
            T v = values[i];                                                                           \
            if (b < k && v == births[b]) {                                                             \
                b++;                                                                                   \
            } else if (w < m - k) {                                                                    \
                out[w++] = v;                                                                          \
            } else {                                                                                   \
                return -1; /* more values kept than fit: a birth is missing */                        \
            }                                                                                          \
        }                                                                                              \
        return b == k ? w : -1;                                                                        \
    }                                                                                                  \
                                                                                                       \
    /* Whether one graph's weights are in range: its diagonal and its sorted upper-triangle weights    \
       row[0, m), bounded by row[0] and row[m - 1], not negative and finite (NaN fails both). */     \
    static int in_range_##SUFFIX(const T *A, Py_ssize_t n, const T *row, Py_ssize_t m) {              \
        int ok = m == 0 || (row[0] >= 0 && isfinite(row[m - 1]));                                      \
        for (Py_ssize_t i = 0; i < n; i++) {                                                           \
            const T v = A[i * n + i];                                                                  \
            ok &= v >= 0 && isfinite(v);                                                               \
        }                                                                                              \
        return ok;                                                                                     \
    }

DEFINE_KERNELS(double, d)
DEFINE_KERNELS(float, f)

/* ---------------------------------------------------------------------------------------------- */
/* Python entry points                                                                              */

static PyObject *py_upper_split(PyObject *self, PyObject *args) {
    PyObject *a_obj, *out_obj;
    Py_ssize_t r0, r1;
    double pivot;
    int flip, check;
    if (!PyArg_ParseTuple(args, "OnndpOp", &a_obj, &r0, &r1, &pivot, &flip, &out_obj, &check)) {
        return NULL;
    }
    Buffer a = {0}, out = {0};
    char ka, ko;
    PyObject *result = NULL;
    if (get_float_buffer(a_obj, &a, 0, "A", &ka) < 0 || get_float_buffer(out_obj, &out, 1, "out", &ko) < 0 ||
        check_kind(ka, ko, "out") < 0) {
        goto done;
    }
    Py_ssize_t n = side_of(n_items(&a), 1);
    /* pairs (i, j), i < j, of the rows [r0, r1) */
    Py_ssize_t size = (r1 - r0) * (n - 1) - (r1 * (r1 - 1) - r0 * (r0 - 1)) / 2;
    if (n < 0 || r0 < 0 || r1 < r0 || r1 > n || n_items(&out) != size) {
        PyErr_SetString(PyExc_ValueError, "A must be (n, n), 0 <= r0 <= r1 <= n, and out hold the pairs of the rows");
        goto done;
    }
    Py_ssize_t low = 0;
    int symmetric = 1;
    if (size) {
        Py_BEGIN_ALLOW_THREADS
        if (ka == 'd') {
            low = upper_split_d(a.view.buf, n, r0, r1, pivot, flip, out.view.buf, size, check, &symmetric);
        } else {
            low = upper_split_f(a.view.buf, n, r0, r1, pivot, flip, out.view.buf, size, check, &symmetric);
        }
        Py_END_ALLOW_THREADS
    }
    result = Py_BuildValue("nO", low, symmetric ? Py_True : Py_False);
done:
    release(&a);
    release(&out);
    return result;
}

static PyObject *py_merge_remove(PyObject *self, PyObject *args) {
    PyObject *a_obj, *b_obj, *births_obj, *out_obj;
    if (!PyArg_ParseTuple(args, "OOOO", &a_obj, &b_obj, &births_obj, &out_obj)) {
        return NULL;
    }
    Buffer a = {0}, b = {0}, bi = {0}, out = {0};
    char ka, kb, kk, ko;
    PyObject *result = NULL;
    if (get_float_buffer(a_obj, &a, 0, "a", &ka) < 0 || get_float_buffer(b_obj, &b, 0, "b", &kb) < 0 ||
        get_float_buffer(births_obj, &bi, 0, "births", &kk) < 0 || get_float_buffer(out_obj, &out, 1, "out", &ko) < 0 ||
        check_kind(ka, kb, "b") < 0 || check_kind(ka, kk, "births") < 0 || check_kind(ka, ko, "out") < 0) {
        goto done;
    }
    Py_ssize_t na = n_items(&a), nb = n_items(&b), k = n_items(&bi);
    if (k > na + nb || n_items(&out) < na + nb - k) {
        PyErr_SetString(PyExc_ValueError, "out must hold the merged runs less the births");
        goto done;
    }
    Py_ssize_t written;
    Py_BEGIN_ALLOW_THREADS
    if (ka == 'd') {
        written = merge_remove_d(a.view.buf, na, b.view.buf, nb, bi.view.buf, k, out.view.buf);
    } else {
        written = merge_remove_f(a.view.buf, na, b.view.buf, nb, bi.view.buf, k, out.view.buf);
    }
    Py_END_ALLOW_THREADS
    result = PyLong_FromSsize_t(written);
done:
    release(&a);
    release(&b);
    release(&bi);
    release(&out);
    return result;
}

/* prim of one graph of either kind ('d' or 'f'); best and remaining: n items of scratch. */
static void grow_tree(char kind, const void *A, Py_ssize_t n, void *out, void *best, Py_ssize_t *remaining) {
    if (kind == 'd') {
        prim_d(A, n, out, best, remaining);
    } else {
        prim_f(A, n, out, best, remaining);
    }
}

/* prim or prim_batch: g graphs of A into out (g, n - 1). */
static PyObject *prim_graphs(PyObject *args, int batch) {
    PyObject *a_obj, *out_obj;
    if (!PyArg_ParseTuple(args, "OO", &a_obj, &out_obj)) {
        return NULL;
    }
    Buffer a = {0}, out = {0};
    char ka, ko;
    PyObject *result = NULL;
    void *best = NULL;
    Py_ssize_t *remaining = NULL;
    if (get_float_buffer(a_obj, &a, 0, "A", &ka) < 0 || get_float_buffer(out_obj, &out, 1, "out", &ko) < 0 ||
        check_kind(ka, ko, "out") < 0) {
        goto done;
    }
    Py_ssize_t g = batch ? (a.view.ndim == 3 ? a.view.shape[0] : -1) : 1;
    Py_ssize_t n = side_of(n_items(&a), g);
    if (n < 2 || n_items(&out) != g * (n - 1)) {
        PyErr_SetString(PyExc_ValueError, "A must be (n, n) or (g, n, n) with n >= 2, and out (g, n - 1)");
        goto done;
    }
    best = PyMem_RawMalloc((size_t)n * a.view.itemsize);
    remaining = PyMem_RawMalloc((size_t)n * sizeof(Py_ssize_t));
    if (!best || !remaining) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t b = 0; b < g; b++) {
        grow_tree(ka, (const char *)a.view.buf + b * n * n * a.view.itemsize, n,
                  (char *)out.view.buf + b * (n - 1) * out.view.itemsize, best, remaining);
    }
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    PyMem_RawFree(best);
    PyMem_RawFree(remaining);
    release(&a);
    release(&out);
    return result;
}

static PyObject *py_prim(PyObject *self, PyObject *args) { return prim_graphs(args, 0); }

static PyObject *py_prim_batch(PyObject *self, PyObject *args) { return prim_graphs(args, 1); }

static PyObject *py_upper_batch(PyObject *self, PyObject *args) {
    PyObject *a_obj, *out_obj, *tree_obj = Py_None;
    int check;
    if (!PyArg_ParseTuple(args, "OOp|O", &a_obj, &out_obj, &check, &tree_obj)) {
        return NULL;
    }
    Buffer a = {0}, out = {0}, tree = {0};
    char ka, ko, kt;
    PyObject *result = NULL;
    void *best = NULL;
    Py_ssize_t *remaining = NULL;
    int grow = tree_obj != Py_None;
    if (get_float_buffer(a_obj, &a, 0, "A", &ka) < 0 || get_float_buffer(out_obj, &out, 1, "out", &ko) < 0 ||
        check_kind(ka, ko, "out") < 0 ||
        (grow && (get_float_buffer(tree_obj, &tree, 1, "tree", &kt) < 0 || check_kind(ka, kt, "tree") < 0))) {
        goto done;
    }
    Py_ssize_t g = a.view.ndim == 3 ? a.view.shape[0] : -1;
    Py_ssize_t n = side_of(n_items(&a), g);
    Py_ssize_t m = n * (n - 1) / 2;
    Py_ssize_t width = g > 0 ? n_items(&out) / g : 0; /* row width of out: the weights go first */
    if (n < 1 || width < m || n_items(&out) != g * width || (grow && (n < 2 || n_items(&tree) != g * (n - 1)))) {
        PyErr_SetString(PyExc_ValueError,
                        "A must be (g, n, n), out (g, w), w >= n (n - 1) / 2, and tree None or (g, n - 1), n >= 2");
        goto done;
    }
    if (grow) {
        best = PyMem_RawMalloc((size_t)n * a.view.itemsize);
        remaining = PyMem_RawMalloc((size_t)n * sizeof(Py_ssize_t));
        if (!best || !remaining) {
            PyErr_NoMemory();
            goto done;
        }
    }
    Py_ssize_t bad = -1;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t b = 0; b < g; b++) { /* the tree grown while the graph is still in the cache */
        const char *graph = (const char *)a.view.buf + b * n * n * a.view.itemsize;
        int symmetric = ka == 'd'
            ? upper_d((const double *)graph, n, (double *)out.view.buf + b * width, check)
            : upper_f((const float *)graph, n, (float *)out.view.buf + b * width, check);
        if (grow) {
            grow_tree(ka, graph, n, (char *)tree.view.buf + b * (n - 1) * tree.view.itemsize, best, remaining);
        }
        if (!symmetric && bad < 0) {
            bad = b;
        }
    }
    Py_END_ALLOW_THREADS
    result = PyLong_FromSsize_t(bad);
done:
    PyMem_RawFree(best);
    PyMem_RawFree(remaining);
    release(&a);
    release(&out);
    release(&tree);
    return result;
}

static PyObject *py_finish_batch(PyObject *self, PyObject *args) {
    PyObject *a_obj, *v_obj, *t_obj;
    int check;
    if (!PyArg_ParseTuple(args, "OOOp", &a_obj, &v_obj, &t_obj, &check)) {
        return NULL;
    }
    Buffer a = {0}, v = {0}, t = {0};
    char ka, kv, kt;
    PyObject *result = NULL;
    if (get_float_buffer(a_obj, &a, 0, "A", &ka) < 0 || get_float_buffer(v_obj, &v, 1, "rows", &kv) < 0 ||
        get_float_buffer(t_obj, &t, 0, "tree", &kt) < 0 || check_kind(ka, kv, "rows") < 0 ||
        check_kind(ka, kt, "tree") < 0) {
        goto done;
    }
    Py_ssize_t g = a.view.ndim == 3 ? a.view.shape[0] : -1;
    Py_ssize_t n = side_of(n_items(&a), g), m = n * (n - 1) / 2;
    if (n < 2 || v.view.ndim != 2 || v.view.shape[0] != g || v.view.shape[1] != m || t.view.ndim != 2 ||
        t.view.shape[0] != g || t.view.shape[1] != n - 1) {
        PyErr_SetString(PyExc_ValueError, "A must be (g, n, n), n >= 2, rows (g, n (n - 1) / 2) and tree (g, n - 1)");
        goto done;
    }
    Py_ssize_t status = -1, size = a.view.itemsize;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t r = 0; check && r < g && status == -1; r++) { /* all first: no row changed if one fails */
        const char *graph = (const char *)a.view.buf + r * n * n * size, *row = (const char *)v.view.buf + r * m * size;
        if (!(ka == 'd' ? in_range_d((const double *)graph, n, (const double *)row, m)
                        : in_range_f((const float *)graph, n, (const float *)row, m))) {
            status = -2;
        }
    }
    for (Py_ssize_t r = 0; r < g && status == -1; r++) {
        char *row = (char *)v.view.buf + r * m * size;
        const char *births = (const char *)t.view.buf + r * (n - 1) * size;
        int missing = ka == 'd' ? remove_backward_d((double *)row, m, (const double *)births, n - 1)
                                : remove_backward_f((float *)row, m, (const float *)births, n - 1);
        if (missing < 0) {
            status = r;
        } else {
            memcpy(row, births, (size_t)(n - 1) * size); /* births | deaths */
        }
    }
    Py_END_ALLOW_THREADS
    result = PyLong_FromSsize_t(status);
done:
    release(&a);
    release(&v);
    release(&t);
    return result;
}

static PyObject *py_remove_sorted(PyObject *self, PyObject *args) {
    PyObject *v_obj, *b_obj, *out_obj;
    if (!PyArg_ParseTuple(args, "OOO", &v_obj, &b_obj, &out_obj)) {
        return NULL;
    }
    Buffer v = {0}, bi = {0}, out = {0};
    char kv, kb, ko;
    PyObject *result = NULL;
    if (get_float_buffer(v_obj, &v, 0, "values", &kv) < 0 || get_float_buffer(b_obj, &bi, 0, "births", &kb) < 0 ||
        get_float_buffer(out_obj, &out, 1, "out", &ko) < 0 || check_kind(kv, kb, "births") < 0 ||
        check_kind(kv, ko, "out") < 0) {
        goto done;
    }
    Py_ssize_t m = n_items(&v), k = n_items(&bi);
    if (k > m || n_items(&out) < m - k) {
        PyErr_SetString(PyExc_ValueError, "out must hold the values less the births");
        goto done;
    }
    Py_ssize_t written;
    Py_BEGIN_ALLOW_THREADS
    written = kv == 'd' ? remove_sorted_d(v.view.buf, m, bi.view.buf, k, out.view.buf)
                        : remove_sorted_f(v.view.buf, m, bi.view.buf, k, out.view.buf);
    Py_END_ALLOW_THREADS
    result = PyLong_FromSsize_t(written);
done:
    release(&v);
    release(&bi);
    release(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"upper_split", py_upper_split, METH_VARARGS,
     "upper_split(A, r0, r1, pivot, flip, out, check) -> (front, symmetric)"},
    {"merge_remove", py_merge_remove, METH_VARARGS,
     "merge_remove(a, b, births, out) -> values written, or -1 if a birth is missing"},
    {"prim", py_prim, METH_VARARGS, "prim(A, out): maximum-spanning-tree weights of one graph, in Prim's order"},
    {"prim_batch", py_prim_batch, METH_VARARGS, "prim_batch(A, out): prim for each graph of (g, n, n)"},
    {"upper_batch", py_upper_batch, METH_VARARGS,
     "upper_batch(A, out, check, tree=None) -> index of the first graph not exactly symmetric, or -1"},
    {"finish_batch", py_finish_batch, METH_VARARGS,
     "finish_batch(A, rows, tree, check) -> -1, -2 if the range check fails, or the first row missing a tree weight"},
    {"remove_sorted", py_remove_sorted, METH_VARARGS,
     "remove_sorted(values, births, out) -> values written, or -1 if a birth is missing"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_graphkernels",
    "Compiled kernels of fcviz.birth_death (see fcviz/_graphkernels.c).", -1, methods,
};

PyMODINIT_FUNC PyInit__graphkernels(void) { return PyModule_Create(&module); }
