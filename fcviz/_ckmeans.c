/* Compiled core of fcviz._kmeans: Gram matrices, support means and distances of wide rows, and the
 * k-means++ seedings and Lloyd iterations of n_init runs in the Gram space.
 *
 * Plain CPython C API and the buffer protocol (no numpy headers): every array is allocated by the
 * caller (numpy) and passed in; random numbers are drawn by the caller's numpy RandomState and
 * passed in, so a random_state gives the same runs as the pure-numpy path (fcviz._kmeans). The
 * GIL is released during the computations.
 *
 * The wide kernels (gram, means_distances) are written with GCC/Clang vector types; on x86-64
 * they are compiled twice, for the baseline and for AVX2 + FMA, the latter chosen at run time
 * when the CPU has it (AVX-512 tiles measured no faster: these passes are bound by memory). Both
 * take a range of columns, so that two threads can each take one part of a wide table
 * (fcviz._kmeans adds their partial sums). The k-means loop is scalar and compiled without FMA contraction (the
 * baseline target), following the numpy expressions it replaces operation by operation.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define FCVIZ_DISPATCH 1
#endif

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi" /* vector types stay inside always-inlined helpers */
#define FCVIZ_VECTORS 1
typedef double v4d __attribute__((vector_size(32)));
#define INLINE static inline __attribute__((always_inline))
#else
#define INLINE static inline
#endif

#if defined(_MSC_VER) && !defined(restrict)
#define restrict __restrict
#endif

#define CHUNK 1024 /* columns per slab: N rows x 512 doubles stay in L2 for the tiles of a slab */

/* ---------------------------------------------------------------------------------------------- */
/* Buffers                                                                                         */
/* ---------------------------------------------------------------------------------------------- */

static int
get_buffer(PyObject *obj, Py_buffer *view, int writable, int ndim, const char *fmt, const char *name)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) {
        return -1;
    }
    const char *f = view->format ? view->format : "B";
    if (*f == '<' || *f == '=' || *f == '@') {
        f++;
    }
    int ok = view->ndim == ndim;
    if (fmt[0] == 'd') {
        ok = ok && f[0] == 'd' && f[1] == '\0' && view->itemsize == 8;
    }
    else { /* 'q': a 64-bit signed integer (numpy int64: 'l' on LP64, 'q' elsewhere) */
        ok = ok && (f[0] == 'l' || f[0] == 'q') && f[1] == '\0' && view->itemsize == 8;
    }
    if (!ok) {
        PyErr_Format(PyExc_ValueError, "_ckmeans: %s must be a C-contiguous %d-D array of %s.", name, ndim,
                     fmt[0] == 'd' ? "float64" : "int64");
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static Py_ssize_t
dim(Py_buffer *view, int axis)
{
    return view->shape[axis];
}

/* ---------------------------------------------------------------------------------------------- */
/* Wide kernels                                                                                    */
/* ---------------------------------------------------------------------------------------------- */

#ifdef FCVIZ_VECTORS
INLINE v4d
load4(const double *p)
{
    v4d v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* the sum of a vector's lanes (a macro: no vector passed by value, whose ABI GCC warns about) */
#define hsum(v) (((v)[0] + (v)[2]) + ((v)[1] + (v)[3]))
#endif

/* K[a][b] += rows a0..a0+2 . rows b0..b0+2 over columns [c0, c1); rows past n point to zeros. */
INLINE void
gram_tile(const double *const *rows, Py_ssize_t a0, Py_ssize_t b0, Py_ssize_t c0, Py_ssize_t c1, double *acc)
{
    const double *x0 = rows[a0], *x1 = rows[a0 + 1], *x2 = rows[a0 + 2];
    const double *y0 = rows[b0], *y1 = rows[b0 + 1], *y2 = rows[b0 + 2];
    Py_ssize_t c = c0;
#ifdef FCVIZ_VECTORS
    v4d s00 = {0}, s01 = {0}, s02 = {0}, s10 = {0}, s11 = {0}, s12 = {0}, s20 = {0}, s21 = {0}, s22 = {0};
    for (; c + 4 <= c1; c += 4) {
        v4d q0 = load4(y0 + c), q1 = load4(y1 + c), q2 = load4(y2 + c);
        v4d p = load4(x0 + c);
        s00 += p * q0; s01 += p * q1; s02 += p * q2;
        p = load4(x1 + c);
        s10 += p * q0; s11 += p * q1; s12 += p * q2;
        p = load4(x2 + c);
        s20 += p * q0; s21 += p * q1; s22 += p * q2;
    }
    acc[0] += hsum(s00); acc[1] += hsum(s01); acc[2] += hsum(s02);
    acc[3] += hsum(s10); acc[4] += hsum(s11); acc[5] += hsum(s12);
    acc[6] += hsum(s20); acc[7] += hsum(s21); acc[8] += hsum(s22);
#endif
    for (; c < c1; c++) {
        acc[0] += x0[c] * y0[c]; acc[1] += x0[c] * y1[c]; acc[2] += x0[c] * y2[c];
        acc[3] += x1[c] * y0[c]; acc[4] += x1[c] * y1[c]; acc[5] += x1[c] * y2[c];
        acc[6] += x2[c] * y0[c]; acc[7] += x2[c] * y1[c]; acc[8] += x2[c] * y2[c];
    }
}

/* K (n, n) = V V^T and sums[c_start:c_stop] = column sums of V (n, d) (none when sums is NULL), both
 * over the columns [c_start, c_stop); rows holds n_pad >= n row pointers. */
INLINE void
gram_impl(const double *const *rows, Py_ssize_t n, Py_ssize_t n_pad, Py_ssize_t c_start, Py_ssize_t c_stop,
          double *K, double *sums, double *tiles)
{
    Py_ssize_t n_blocks = n_pad / 3;
    memset(tiles, 0, sizeof(double) * 9 * n_blocks * n_blocks);
    for (Py_ssize_t c = c_start; sums && c < c_stop; c++) {
        sums[c] = 0.0;
    }
    for (Py_ssize_t c0 = c_start; c0 < c_stop; c0 += CHUNK) {
        Py_ssize_t c1 = c0 + CHUNK < c_stop ? c0 + CHUNK : c_stop;
        for (Py_ssize_t i = 0; sums && i < n; i++) { /* row by row, as numpy's mean over axis 0 adds them */
            const double *x = rows[i];
            for (Py_ssize_t c = c0; c < c1; c++) {
                sums[c] += x[c];
            }
        }
        for (Py_ssize_t a = 0; a < n_blocks; a++) {
            for (Py_ssize_t b = a; b < n_blocks; b++) {
                gram_tile(rows, 3 * a, 3 * b, c0, c1, tiles + 9 * (a * n_blocks + b));
            }
        }
    }
    for (Py_ssize_t a = 0; a < n_blocks; a++) {
        for (Py_ssize_t b = a; b < n_blocks; b++) {
            const double *t = tiles + 9 * (a * n_blocks + b);
            for (int u = 0; u < 3; u++) {
                for (int v = 0; v < 3; v++) {
                    Py_ssize_t i = 3 * a + u, j = 3 * b + v;
                    if (i < n && j < n && i <= j) {
                        K[i * n + j] = K[j * n + i] = t[3 * u + v];
                    }
                }
            }
        }
    }
}

/* D[i + u][c + v] += sum over columns [c0, c1) of (V[i + u] - C[c + v])^2 for u < 2, v < 4: the
 * 2 x 4 tile loads 6 vectors per 8 differences (rows past n and centres past k read zeros). */
INLINE void
distance_tile(const double *V, Py_ssize_t n, Py_ssize_t d, const double *C, Py_ssize_t k, Py_ssize_t i,
              Py_ssize_t c, Py_ssize_t c0, Py_ssize_t c1, const double *zeros, double *D)
{
    const double *x[2], *y[4];
    for (int u = 0; u < 2; u++) {
        x[u] = i + u < n ? V + (i + u) * d : zeros - c0;
    }
    for (int v = 0; v < 4; v++) {
        y[v] = c + v < k ? C + (c + v) * d : zeros - c0;
    }
    double acc[2][4] = {{0.0}};
    Py_ssize_t j = c0;
#ifdef FCVIZ_VECTORS
    v4d s[2][4] = {{{0}}};
    for (; j + 4 <= c1; j += 4) {
        v4d p0 = load4(x[0] + j), p1 = load4(x[1] + j);
        for (int v = 0; v < 4; v++) {
            v4d q = load4(y[v] + j), e0 = p0 - q, e1 = p1 - q;
            s[0][v] += e0 * e0;
            s[1][v] += e1 * e1;
        }
    }
    for (int u = 0; u < 2; u++) {
        for (int v = 0; v < 4; v++) {
            acc[u][v] = hsum(s[u][v]);
        }
    }
#endif
    for (; j < c1; j++) {
        for (int u = 0; u < 2; u++) {
            for (int v = 0; v < 4; v++) {
                double e = x[u][j] - y[v][j];
                acc[u][v] += e * e;
            }
        }
    }
    for (int u = 0; u < 2 && i + u < n; u++) {
        for (int v = 0; v < 4 && c + v < k; v++) {
            D[(i + u) * k + c + v] += acc[u][v];
        }
    }
}

/* Columns [c0, c1) of C[c] = the mean of the rows i with W[i][c] != 0, summed in row order (rows
 * read in memory order, each added to the centres it belongs to). */
INLINE void
support_means(const double *V, Py_ssize_t n, Py_ssize_t d, const double *W, Py_ssize_t k, double *C,
              const double *counts, Py_ssize_t c0, Py_ssize_t c1)
{
    for (Py_ssize_t c = 0; c < k; c++) {
        memset(C + c * d + c0, 0, sizeof(double) * (c1 - c0));
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        const double *restrict x = V + i * d;
        for (Py_ssize_t c = 0; c < k; c++) {
            if (W[i * k + c] != 0.0) {
                double *restrict out = C + c * d;
                for (Py_ssize_t j = c0; j < c1; j++) {
                    out[j] += x[j];
                }
            }
        }
    }
    for (Py_ssize_t c = 0; c < k; c++) {
        double *restrict out = C + c * d;
        const double count = counts[c];
        for (Py_ssize_t j = c0; j < c1; j++) {
            out[j] /= count; /* as numpy's mean: the sum divided by the count */
        }
    }
}

/* For each centre c, C[c] = mean of the rows i with W[i][c] != 0 (when with_means), then
 * D[i][c] = sum_j (V[i][j] - C[c][j])^2, over the columns [c_start, c_stop) slab by slab (one pass
 * over them). */
INLINE void
means_distances_impl(const double *V, Py_ssize_t n, Py_ssize_t d, const double *W, Py_ssize_t k, double *C,
                     double *D, int with_means, const double *counts, const double *zeros, Py_ssize_t c_start,
                     Py_ssize_t c_stop)
{
    memset(D, 0, sizeof(double) * n * k);
    for (Py_ssize_t c0 = c_start; c0 < c_stop; c0 += CHUNK) {
        Py_ssize_t c1 = c0 + CHUNK < c_stop ? c0 + CHUNK : c_stop;
        if (with_means) {
            support_means(V, n, d, W, k, C, counts, c0, c1);
        }
        for (Py_ssize_t i = 0; i < n; i += 2) {
            for (Py_ssize_t c = 0; c < k; c += 4) {
                distance_tile(V, n, d, C, k, i, c, c0, c1, zeros, D);
            }
        }
    }
}

static void gram_base(const double *const *rows, Py_ssize_t n, Py_ssize_t n_pad, Py_ssize_t c0, Py_ssize_t c1,
                      double *K, double *sums, double *tiles)
{
    gram_impl(rows, n, n_pad, c0, c1, K, sums, tiles);
}

static void means_distances_base(const double *V, Py_ssize_t n, Py_ssize_t d, const double *W, Py_ssize_t k,
                                 double *C, double *D, int with_means, const double *counts, const double *zeros,
                                 Py_ssize_t c0, Py_ssize_t c1)
{
    means_distances_impl(V, n, d, W, k, C, D, with_means, counts, zeros, c0, c1);
}

#ifdef FCVIZ_DISPATCH
__attribute__((target("avx2,fma"))) static void
gram_avx2(const double *const *rows, Py_ssize_t n, Py_ssize_t n_pad, Py_ssize_t c0, Py_ssize_t c1, double *K,
          double *sums, double *tiles)
{
    gram_impl(rows, n, n_pad, c0, c1, K, sums, tiles);
}

__attribute__((target("avx2,fma"))) static void
means_distances_avx2(const double *V, Py_ssize_t n, Py_ssize_t d, const double *W, Py_ssize_t k, double *C,
                     double *D, int with_means, const double *counts, const double *zeros, Py_ssize_t c0,
                     Py_ssize_t c1)
{
    means_distances_impl(V, n, d, W, k, C, D, with_means, counts, zeros, c0, c1);
}

static int
has_avx2(void)
{
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return known;
}
#endif

/* ---------------------------------------------------------------------------------------------- */
/* k-means in the Gram space                                                                       */
/* ---------------------------------------------------------------------------------------------- */

typedef struct {
    Py_ssize_t n, k;
    const double *K, *zn;
    double *KW, *vKv, *D, *W, *Wn, *delta, *tmp, *nz_val;
    int64_t *labels, *old, *counts, *far, *mapping, *nz_row, *nz_start;
} Work;

/* The non-zero entries of W (n, k), column by column: rows nz_row[nz_start[c] .. nz_start[c + 1]). */
static void
nonzeros(Work *w, const double *W)
{
    Py_ssize_t n = w->n, k = w->k, m = 0;
    for (Py_ssize_t c = 0; c < k; c++) {
        w->nz_start[c] = m;
        for (Py_ssize_t i = 0; i < n; i++) {
            if (W[i * k + c] != 0.0) {
                w->nz_row[m] = i;
                w->nz_val[m++] = W[i * k + c];
            }
        }
    }
    w->nz_start[k] = m;
}

/* out[0..n) = sum over the non-zeros t in [a, b) (one column c of W, from nonzeros) of
   nz_val[t] * K[nz_row[t]][:], the rows of K added in order: the column (K W)[:, c], as K is
   symmetric, read from contiguous rows (a loop the compiler vectorises). */
static void
column_product(const Work *w, Py_ssize_t a, Py_ssize_t b, double *restrict out)
{
    Py_ssize_t n = w->n;
    memset(out, 0, sizeof(double) * n);
    for (Py_ssize_t t = a; t < b; t++) {
        const double *restrict Kj = w->K + w->nz_row[t] * n;
        const double v = w->nz_val[t];
        for (Py_ssize_t i = 0; i < n; i++) {
            out[i] += v * Kj[i];
        }
    }
}

/* D = max((-2 K W + zn_i) + (W^T K W)_cc, 0), as fcviz._linalg.gram_form, from W's non-zeros
   (one per row in the usual case: n^2 multiply-adds instead of n^2 k). KW holds K W by columns. */
static void
gram_distances(Work *w, const double *W)
{
    Py_ssize_t n = w->n, k = w->k;
    nonzeros(w, W);
    for (Py_ssize_t c = 0; c < k; c++) {
        Py_ssize_t a = w->nz_start[c], b = w->nz_start[c + 1];
        double *KWc = w->KW + c * n, vkv = 0.0;
        column_product(w, a, b, KWc);
        for (Py_ssize_t t = a; t < b; t++) {
            vkv += w->nz_val[t] * KWc[w->nz_row[t]];
        }
        w->vKv[c] = vkv;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        for (Py_ssize_t c = 0; c < k; c++) {
            double v = -2.0 * w->KW[c * n + i];
            v += w->zn[i];
            v += w->vKv[c];
            w->D[i * k + c] = v > 0.0 ? v : 0.0;
        }
    }
}

static void
assign(Work *w)
{
    Py_ssize_t n = w->n, k = w->k;
    memset(w->counts, 0, sizeof(int64_t) * k);
    for (Py_ssize_t i = 0; i < n; i++) {
        const double *Di = w->D + i * k;
        Py_ssize_t best = 0;
        for (Py_ssize_t c = 1; c < k; c++) {
            if (Di[c] < Di[best]) {
                best = c;
            }
        }
        w->labels[i] = best;
        w->counts[best]++;
    }
}

static const double *far_values;

/* np.argsort(values, kind="stable")[::-1]: by value, descending; equal values, larger index first. */
static int
far_order(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    double va = far_values[a], vb = far_values[b];
    if (va != vb) {
        return va < vb ? 1 : -1;
    }
    return a < b ? 1 : (a > b ? -1 : 0);
}

/* fcviz._kmeans._fill_empty with _GramMeans.relocate (runs under the GIL: qsort uses a static). */
static void
fill_empty(Work *w, double *W)
{
    Py_ssize_t n = w->n, k = w->k;
    for (Py_ssize_t i = 0; i < n; i++) {
        w->tmp[i] = w->D[i * k + w->labels[i]];
        w->far[i] = i;
    }
    far_values = w->tmp;
    qsort(w->far, (size_t)n, sizeof(int64_t), far_order);
    for (Py_ssize_t c = 0; c < k; c++) {
        if (w->counts[c] != 0) {
            continue;
        }
        for (Py_ssize_t t = 0; t < n; t++) {
            int64_t s = w->far[t];
            if (w->counts[w->labels[s]] > 1) {
                w->counts[w->labels[s]]--;
                w->labels[s] = c;
                w->counts[c] = 1;
                for (Py_ssize_t i = 0; i < n; i++) {
                    W[i * k + c] = 0.0;
                }
                W[s * k + c] = 1.0;
                break;
            }
        }
    }
}

/* _GramMeans.update: every point weighs 1 / |its cluster| in its own column (empty ones kept). */
static void
update(Work *w, const double *W, double *Wn)
{
    Py_ssize_t n = w->n, k = w->k;
    int all = 1;
    for (Py_ssize_t c = 0; c < k; c++) {
        all = all && w->counts[c] != 0;
    }
    if (all) {
        memset(Wn, 0, sizeof(double) * n * k);
    }
    else {
        memcpy(Wn, W, sizeof(double) * n * k);
    }
    for (Py_ssize_t c = 0; c < k; c++) {
        if (w->counts[c] == 0) {
            continue;
        }
        double inv = 1.0 / (double)w->counts[c];
        for (Py_ssize_t i = 0; i < n; i++) {
            Wn[i * k + c] = w->labels[i] == c ? inv : 0.0;
        }
    }
}

/* sum over columns of delta^T K delta, delta = Wn - W (_GramSpace.shift), over delta's non-zeros
   (K delta by contiguous rows into tmp). */
static double
shift(Work *w, const double *Wn, const double *W)
{
    Py_ssize_t n = w->n, k = w->k;
    for (Py_ssize_t i = 0; i < n * k; i++) {
        w->delta[i] = Wn[i] - W[i];
    }
    nonzeros(w, w->delta);
    double total = 0.0;
    for (Py_ssize_t c = 0; c < k; c++) {
        Py_ssize_t a = w->nz_start[c], b = w->nz_start[c + 1];
        column_product(w, a, b, w->tmp);
        for (Py_ssize_t t = a; t < b; t++) {
            total += w->nz_val[t] * w->tmp[w->nz_row[t]];
        }
    }
    return total;
}

static double
point_to_row(Work *w, int64_t f, Py_ssize_t j)
{
    double v = -2.0 * w->K[f * w->n + j];
    v += w->zn[f];
    v += w->zn[j];
    return v > 0.0 ? v : 0.0;
}

/* fcviz._kmeans._kmeans_plusplus_gram from its draws: u[(c - 1) * trials + t], uniform in [0, 1). */
static void
kmeans_plusplus(Work *w, int64_t first, const double *u, Py_ssize_t trials, int64_t *seeds, double *closest,
                double *cand_dist)
{
    Py_ssize_t n = w->n;
    seeds[0] = first;
    double potential = 0.0;
    for (Py_ssize_t j = 0; j < n; j++) {
        closest[j] = point_to_row(w, first, j);
        potential += closest[j];
    }
    for (Py_ssize_t c = 1; c < w->k; c++) {
        double cum = 0.0;
        for (Py_ssize_t j = 0; j < n; j++) {
            cum += closest[j];
            w->tmp[j] = cum;
        }
        Py_ssize_t best = -1;
        double best_potential = 0.0;
        int64_t best_candidate = 0;
        for (Py_ssize_t t = 0; t < trials; t++) {
            double draw = u[(c - 1) * trials + t] * potential;
            Py_ssize_t lo = 0, hi = n; /* np.searchsorted(cum, draw, side="left") */
            while (lo < hi) {
                Py_ssize_t mid = lo + (hi - lo) / 2;
                if (w->tmp[mid] < draw) {
                    lo = mid + 1;
                }
                else {
                    hi = mid;
                }
            }
            int64_t cand = lo < n - 1 ? lo : n - 1;
            double *row = cand_dist + t * n;
            double pot = 0.0;
            for (Py_ssize_t j = 0; j < n; j++) {
                double v = point_to_row(w, cand, j);
                row[j] = closest[j] < v ? closest[j] : v;
                pot += row[j];
            }
            if (best < 0 || pot < best_potential) {
                best = t;
                best_potential = pot;
                best_candidate = cand;
            }
        }
        potential = best_potential;
        memcpy(closest, cand_dist + best * n, sizeof(double) * n);
        seeds[c] = best_candidate;
    }
}

/* rng.choice(n, p=np.ones(n) / n) from its uniform draw u, as numpy computes it: the cumulative sum of
 * the probabilities, divided by its last value, searched with side="right". cdf: n doubles of work. */
static int64_t
first_seed(double u, Py_ssize_t n, double *cdf)
{
    double p = 1.0 / (double)n, total = 0.0;
    for (Py_ssize_t j = 0; j < n; j++) {
        total += p;
        cdf[j] = total;
    }
    Py_ssize_t lo = 0, hi = n; /* the first j with cdf[j] / total > u */
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (cdf[mid] / total <= u) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return lo;
}

static int
same_clustering(Work *w, const int64_t *a, const int64_t *b)
{
    for (Py_ssize_t c = 0; c < w->k; c++) {
        w->mapping[c] = -1;
    }
    for (Py_ssize_t i = 0; i < w->n; i++) {
        if (w->mapping[a[i]] == -1) {
            w->mapping[a[i]] = b[i];
        }
        else if (w->mapping[a[i]] != b[i]) {
            return 0;
        }
    }
    return 1;
}

/* One Lloyd run (fcviz._kmeans._lloyd) from seeds; the final weights are left in w->W. */
static double
lloyd(Work *w, const int64_t *seeds, Py_ssize_t max_iter, double tol_abs, Py_ssize_t *n_iter_out)
{
    Py_ssize_t n = w->n, k = w->k, n_iter = 0;
    int have_old = 0;
    memset(w->W, 0, sizeof(double) * n * k);
    for (Py_ssize_t c = 0; c < k; c++) {
        w->W[seeds[c] * k + c] = 1.0;
    }
    for (n_iter = 1; n_iter <= max_iter; n_iter++) {
        gram_distances(w, w->W);
        assign(w);
        int empty = 0;
        for (Py_ssize_t c = 0; c < k; c++) {
            empty = empty || w->counts[c] == 0;
        }
        if (empty) {
            fill_empty(w, w->W);
        }
        update(w, w->W, w->Wn);
        double s = shift(w, w->Wn, w->W);
        double *swap = w->W;
        w->W = w->Wn;
        w->Wn = swap;
        if (have_old && memcmp(w->labels, w->old, sizeof(int64_t) * n) == 0) {
            break;
        }
        if (s <= tol_abs) {
            break;
        }
        memcpy(w->old, w->labels, sizeof(int64_t) * n);
        have_old = 1;
    }
    if (n_iter > max_iter) {
        n_iter = max_iter;
    }
    gram_distances(w, w->W);
    assign(w);
    double inertia = 0.0;
    for (Py_ssize_t i = 0; i < n; i++) {
        inertia += w->D[i * k + w->labels[i]];
    }
    *n_iter_out = n_iter;
    return inertia;
}

/* ---------------------------------------------------------------------------------------------- */
/* Python functions                                                                                */
/* ---------------------------------------------------------------------------------------------- */

PyDoc_STRVAR(gram_doc,
             "gram(V, K, sums, c0=0, c1=d)\n--\n\n"
             "K (n, n) = V[:, c0:c1] @ V[:, c0:c1].T and sums[c0:c1] = V[:, c0:c1].sum(axis=0) of V (n, d),\n"
             "float64, in one pass over those columns (two threads can each take a range of columns); sums\n"
             "may be None.");

static PyObject *
py_gram(PyObject *self, PyObject *args)
{
    PyObject *ov, *ok, *os;
    Py_buffer v, kb, sb;
    Py_ssize_t c0 = 0, c1 = -1;
    if (!PyArg_ParseTuple(args, "OOO|nn", &ov, &ok, &os, &c0, &c1)) {
        return NULL;
    }
    if (get_buffer(ov, &v, 0, 2, "d", "V") < 0) {
        return NULL;
    }
    if (get_buffer(ok, &kb, 1, 2, "d", "K") < 0) {
        PyBuffer_Release(&v);
        return NULL;
    }
    int with_sums = os != Py_None;
    if (with_sums && get_buffer(os, &sb, 1, 1, "d", "sums") < 0) {
        PyBuffer_Release(&v);
        PyBuffer_Release(&kb);
        return NULL;
    }
    Py_ssize_t n = dim(&v, 0), d = dim(&v, 1);
    PyObject *result = NULL;
    if (c1 < 0) {
        c1 = d;
    }
    if (dim(&kb, 0) != n || dim(&kb, 1) != n || (with_sums && dim(&sb, 0) != d)) {
        PyErr_SetString(PyExc_ValueError, "_ckmeans.gram: K must be (n, n) and sums (d,) or None for V (n, d).");
        goto done;
    }
    if (c0 < 0 || c0 > c1 || c1 > d) {
        PyErr_SetString(PyExc_ValueError, "_ckmeans.gram: the columns must satisfy 0 <= c0 <= c1 <= d.");
        goto done;
    }
    Py_ssize_t n_pad = (n + 2) / 3 * 3, n_blocks = n_pad / 3;
    const double **rows = malloc(sizeof(double *) * (n_pad > 0 ? n_pad : 1));
    double *zeros = calloc(d > 0 ? d : 1, sizeof(double));
    double *tiles = malloc(sizeof(double) * 9 * (n_blocks > 0 ? n_blocks * n_blocks : 1));
    if (!rows || !zeros || !tiles) {
        free(rows);
        free(zeros);
        free(tiles);
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n_pad; i++) {
        rows[i] = i < n ? (const double *)v.buf + i * d : zeros;
    }
    double *sums = with_sums ? sb.buf : NULL;
    Py_BEGIN_ALLOW_THREADS
#ifdef FCVIZ_DISPATCH
    if (has_avx2()) {
        gram_avx2(rows, n, n_pad, c0, c1, kb.buf, sums, tiles);
    }
    else
#endif
    {
        gram_base(rows, n, n_pad, c0, c1, kb.buf, sums, tiles);
    }
    Py_END_ALLOW_THREADS
    free(rows);
    free(zeros);
    free(tiles);
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&v);
    PyBuffer_Release(&kb);
    if (with_sums) {
        PyBuffer_Release(&sb);
    }
    return result;
}

PyDoc_STRVAR(centre_doc,
             "centre_gram(K, z_norms) -> float\n--\n\n"
             "Centre the Gram matrix K (n, n) of rows in place, K - r 1^T - 1 r^T + mean(r) with r the\n"
             "row means of K (the Gram matrix of the rows minus their mean); z_norms (n,) = its\n"
             "diagonal. Returns the sum of z_norms.");

static PyObject *
py_centre_gram(PyObject *self, PyObject *args)
{
    PyObject *ok, *oz;
    Py_buffer kb, zb;
    if (!PyArg_ParseTuple(args, "OO", &ok, &oz)) {
        return NULL;
    }
    if (get_buffer(ok, &kb, 1, 2, "d", "K") < 0) {
        return NULL;
    }
    if (get_buffer(oz, &zb, 1, 1, "d", "z_norms") < 0) {
        PyBuffer_Release(&kb);
        return NULL;
    }
    Py_ssize_t n = dim(&kb, 0);
    PyObject *result = NULL;
    double *r = NULL;
    if (dim(&kb, 1) != n || dim(&zb, 0) != n || n < 1) {
        PyErr_SetString(PyExc_ValueError, "_ckmeans.centre_gram: K must be (n, n), n >= 1, and z_norms (n,).");
        goto done;
    }
    r = malloc(sizeof(double) * n);
    if (!r) {
        PyErr_NoMemory();
        goto done;
    }
    double *K = kb.buf, *zn = zb.buf, mean = 0.0, total = 0.0;
    for (Py_ssize_t i = 0; i < n; i++) {
        double s = 0.0;
        for (Py_ssize_t j = 0; j < n; j++) {
            s += K[i * n + j];
        }
        r[i] = s / (double)n;
        mean += r[i];
    }
    mean /= (double)n;
    for (Py_ssize_t i = 0; i < n; i++) { /* the same value on both sides: K stays exactly symmetric */
        for (Py_ssize_t j = i; j < n; j++) {
            K[i * n + j] = K[j * n + i] = (K[i * n + j] - (r[i] + r[j])) + mean;
        }
        zn[i] = K[i * n + i];
        total += zn[i];
    }
    result = PyFloat_FromDouble(total);
done:
    free(r);
    PyBuffer_Release(&kb);
    PyBuffer_Release(&zb);
    return result;
}

PyDoc_STRVAR(means_distances_doc,
             "means_distances(V, W, C, D, means, c0=0, c1=d)\n--\n\n"
             "With means true, C (k, d) = mean of the rows of V (n, d) with W[:, c] != 0 (sums in row\n"
             "order, so means of sorted rows are sorted); then D (n, k) = squared distances from the\n"
             "rows of V to those of C, summed directly (not by the Gram form). One pass over the columns\n"
             "[c0, c1) of V: C[:, c0:c1] and the part of D that they add (two threads can each take a range).");

static PyObject *
py_means_distances(PyObject *self, PyObject *args)
{
    PyObject *ov, *ow, *oc, *od;
    int with_means;
    Py_buffer v, wb, cb, db;
    Py_ssize_t c0 = 0, c1 = -1;
    if (!PyArg_ParseTuple(args, "OOOOp|nn", &ov, &ow, &oc, &od, &with_means, &c0, &c1)) {
        return NULL;
    }
    if (get_buffer(ov, &v, 0, 2, "d", "V") < 0) {
        return NULL;
    }
    if (get_buffer(ow, &wb, 0, 2, "d", "W") < 0) {
        PyBuffer_Release(&v);
        return NULL;
    }
    if (get_buffer(oc, &cb, with_means, 2, "d", "C") < 0) {
        PyBuffer_Release(&v);
        PyBuffer_Release(&wb);
        return NULL;
    }
    if (get_buffer(od, &db, 1, 2, "d", "D") < 0) {
        PyBuffer_Release(&v);
        PyBuffer_Release(&wb);
        PyBuffer_Release(&cb);
        return NULL;
    }
    Py_ssize_t n = dim(&v, 0), d = dim(&v, 1), k = dim(&cb, 0);
    PyObject *result = NULL;
    double *counts = NULL, *zeros = NULL;
    if (dim(&cb, 1) != d || dim(&db, 0) != n || dim(&db, 1) != k
        || (with_means && (dim(&wb, 0) != n || dim(&wb, 1) != k))) {
        PyErr_SetString(PyExc_ValueError,
                        "_ckmeans.means_distances: V (n, d), W (n, k), C (k, d) and D (n, k) do not match.");
        goto done;
    }
    if (c1 < 0) {
        c1 = d;
    }
    if (c0 < 0 || c0 > c1 || c1 > d) {
        PyErr_SetString(PyExc_ValueError, "_ckmeans.means_distances: the columns must satisfy 0 <= c0 <= c1 <= d.");
        goto done;
    }
    counts = calloc(k > 0 ? k : 1, sizeof(double));
    zeros = calloc(CHUNK, sizeof(double));
    if (!counts || !zeros) {
        PyErr_NoMemory();
        goto done;
    }
    if (with_means) {
        const double *W = wb.buf;
        for (Py_ssize_t c = 0; c < k; c++) {
            for (Py_ssize_t i = 0; i < n; i++) {
                counts[c] += W[i * k + c] != 0.0;
            }
            if (counts[c] == 0.0) {
                PyErr_SetString(PyExc_ValueError, "_ckmeans.means_distances: a column of W has no support.");
                goto done;
            }
        }
    }
    Py_BEGIN_ALLOW_THREADS
#ifdef FCVIZ_DISPATCH
    if (has_avx2()) {
        means_distances_avx2(v.buf, n, d, wb.buf, k, cb.buf, db.buf, with_means, counts, zeros, c0, c1);
    }
    else
#endif
    {
        means_distances_base(v.buf, n, d, wb.buf, k, cb.buf, db.buf, with_means, counts, zeros, c0, c1);
    }
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    free(counts);
    free(zeros);
    PyBuffer_Release(&v);
    PyBuffer_Release(&wb);
    PyBuffer_Release(&cb);
    PyBuffer_Release(&db);
    return result;
}

PyDoc_STRVAR(runs_doc,
             "gram_runs(K, z_norms, seeds, draws, trials, max_iter, tol_abs, labels, W)\n--\n\n"
             "Lloyd's k-means in the Gram space K (n, n), exactly symmetric (as centre_gram leaves it),\n"
             "from each row of seeds (n_init, k), int64; with\n"
             "trials > 0, greedy k-means++ seedings from the rows of uniform draws (n_init, 1 + (k - 1)\n"
             "trials) instead: the first seed, then trials per further seed. The best run (lowest inertia, a new partition)\n"
             "leaves its labels (n,) and weights W (n, k); returns (inertia, n_iter, best_run).");

static PyObject *
py_gram_runs(PyObject *self, PyObject *args)
{
    PyObject *oK, *oz, *os, *od, *ol, *oW;
    Py_ssize_t trials, max_iter;
    double tol_abs;
    Py_buffer Kb, zb, sb, db, lb, Wb;
    if (!PyArg_ParseTuple(args, "OOOOnndOO", &oK, &oz, &os, &od, &trials, &max_iter, &tol_abs, &ol, &oW)) {
        return NULL;
    }
    Py_buffer *views[6] = {&Kb, &zb, &sb, &db, &lb, &Wb};
    PyObject *objs[6] = {oK, oz, os, od, ol, oW};
    const int writable[6] = {0, 0, 0, 0, 1, 1}, ndims[6] = {2, 1, 2, 2, 1, 2};
    const char *fmts[6] = {"d", "d", "q", "d", "q", "d"};
    const char *names[6] = {"K", "z_norms", "seeds", "draws", "labels", "W"};
    int got = 0;
    PyObject *result = NULL;
    void *block = NULL;
    for (; got < 6; got++) {
        if (get_buffer(objs[got], views[got], writable[got], ndims[got], fmts[got], names[got]) < 0) {
            goto done;
        }
    }
    Py_ssize_t n = dim(&Kb, 0), n_init = dim(&sb, 0), k = dim(&sb, 1);
    if (dim(&Kb, 1) != n || dim(&zb, 0) != n || dim(&lb, 0) != n || dim(&Wb, 0) != n || dim(&Wb, 1) != k
        || k < 1 || k > n || trials < 0 || max_iter < 1 || dim(&db, 0) != n_init
        || (trials > 0 && dim(&db, 1) != 1 + (k - 1) * trials)) {
        PyErr_SetString(PyExc_ValueError, "_ckmeans.gram_runs: inconsistent shapes.");
        goto done;
    }
    const int64_t *seed_rows = sb.buf;
    for (Py_ssize_t i = 0; trials == 0 && i < n_init * k; i++) {
        if (seed_rows[i] < 0 || seed_rows[i] >= n) {
            PyErr_SetString(PyExc_ValueError, "_ckmeans.gram_runs: a seed is out of range.");
            goto done;
        }
    }
    /* doubles: KW, D, W, Wn, delta, bestW, nz_val (n k each); vKv (k); tmp, closest (n); cand_dist
       (trials n); int64: labels, old, far, best_labels (n); nz_row (n k); counts, mapping, seeds, nz_start
       (k + 1 each) */
    size_t n_doubles = 7 * (size_t)n * k + k + 2 * (size_t)n + (size_t)(trials > 0 ? trials : 1) * n;
    size_t n_ints = 4 * (size_t)n + (size_t)n * k + 4 * ((size_t)k + 1);
    block = malloc(sizeof(double) * n_doubles + sizeof(int64_t) * n_ints);
    if (!block) {
        PyErr_NoMemory();
        goto done;
    }
    double *p = block;
    Work w = {.n = n, .k = k, .K = Kb.buf, .zn = zb.buf};
    w.KW = p; p += n * k;
    w.D = p; p += n * k;
    w.W = p; p += n * k;
    w.Wn = p; p += n * k;
    w.delta = p; p += n * k;
    double *bestW = p; p += n * k;
    w.nz_val = p; p += n * k;
    w.vKv = p; p += k;
    w.tmp = p; p += n;
    double *closest = p; p += n;
    double *cand_dist = p; p += (trials > 0 ? trials : 1) * n;
    int64_t *q = (int64_t *)p;
    w.labels = q; q += n;
    w.old = q; q += n;
    w.far = q; q += n;
    int64_t *best_labels = q; q += n;
    w.nz_row = q; q += n * k;
    w.counts = q; q += k + 1;
    w.mapping = q; q += k + 1;
    w.nz_start = q; q += k + 1;
    int64_t *seeds = q;

    double best_inertia = 0.0;
    Py_ssize_t best_iter = 0, best_run = -1;
    /* the GIL stays held: runs of a few dozen points take microseconds, and fill_empty's qsort
       reads a static */
    for (Py_ssize_t r = 0; r < n_init; r++) {
        if (trials > 0) {
            const double *u = (const double *)db.buf + r * (1 + (k - 1) * trials);
            kmeans_plusplus(&w, first_seed(u[0], n, w.tmp), u + 1, trials, seeds, closest, cand_dist);
        }
        else {
            memcpy(seeds, seed_rows + r * k, sizeof(int64_t) * k);
        }
        Py_ssize_t n_iter;
        double inertia = lloyd(&w, seeds, max_iter, tol_abs, &n_iter);
        if (best_run < 0 || (inertia < best_inertia && !same_clustering(&w, w.labels, best_labels))) {
            best_run = r;
            best_inertia = inertia;
            best_iter = n_iter;
            memcpy(best_labels, w.labels, sizeof(int64_t) * n);
            memcpy(bestW, w.W, sizeof(double) * n * k);
        }
    }
    memcpy(lb.buf, best_labels, sizeof(int64_t) * n);
    memcpy(Wb.buf, bestW, sizeof(double) * n * k);
    result = Py_BuildValue("dnn", best_inertia, best_iter, best_run);
done:
    free(block);
    for (int i = 0; i < got; i++) {
        PyBuffer_Release(views[i]);
    }
    return result;
}

static PyMethodDef methods[] = {
    {"gram", py_gram, METH_VARARGS, gram_doc},
    {"means_distances", py_means_distances, METH_VARARGS, means_distances_doc},
    {"centre_gram", py_centre_gram, METH_VARARGS, centre_doc},
    {"gram_runs", py_gram_runs, METH_VARARGS, runs_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_ckmeans",
    "Compiled k-means core of fcviz._kmeans (Gram matrices, distances, Gram-space runs).", -1, methods,
};

PyMODINIT_FUNC
PyInit__ckmeans(void)
{
    return PyModule_Create(&module);
}
