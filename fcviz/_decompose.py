"""The array kernels of :func:`fcviz.birth_death`: edge extraction, Prim's tree, tree removal.

Each works on graphs already validated and shaped ``(n, n)`` or ``(g, n, n)`` and returns new arrays;
none writes into its inputs except where its docstring says so (arrays owned by the caller).
:mod:`fcviz.homology` splits the work into threads and checks the input.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ._validation import check_sorted_range, check_values

# Graphs of at least this many edges have their tree edges removed one graph at a time.
_ROW_SEARCH_MIN_EDGES = 8_000

# Edges per group of graphs decomposed together (8 MB of float64): numpy calls span many graphs.
_GROUP_EDGES = 1 << 20


def n_edges(n):
    """Edges of the complete graph on ``n`` nodes."""
    return n * (n - 1) // 2


@lru_cache(maxsize=4)
def upper_mask(n):
    """Boolean (n, n) mask of the strict upper triangle, row-major edge order."""
    mask = np.zeros((n, n), dtype=bool)
    rows, cols = np.triu_indices(n, 1)
    mask[rows, cols] = True
    mask.flags.writeable = False
    return mask


def sorted_edges(A):
    """Sorted edge weights of one graph (n, n): a new array of shape (n (n - 1) / 2,)."""
    weights = A[upper_mask(A.shape[0])]
    weights.sort()
    return weights


def prim_weights(A):
    """Maximum-spanning-tree edge weights of one graph (n, n), in the order Prim adds them.

    Dense Prim's algorithm over a shrinking set of unvisited nodes: ``best[k]`` is the heaviest
    edge from the tree to unvisited node ``remaining[k]``. O(n^2) work in n vectorised steps.
    """
    n = A.shape[0]
    remaining = np.arange(1, n)
    best = A[0, 1:].copy()
    out = np.empty(n - 1, dtype=A.dtype)
    for k in range(n - 1):
        j = best.argmax()
        out[k] = best[j]
        node = remaining[j]
        last = n - 2 - k
        remaining[j] = remaining[last]
        best[j] = best[last]
        remaining = remaining[:last]
        best = best[:last]
        np.maximum(best, A[node].take(remaining), out=best)
    return out


def prim_weights_batch(A):
    """:func:`prim_weights` for a batch (B, n, n), vectorised across the batch: (B, n - 1).

    Full-width rows so that every step gathers whole contiguous rows of the flattened batch. The
    visited nodes keep being updated (one plain ``maximum``) but carry a ``-inf`` penalty in the
    ``argmax``; the weights are read from ``best`` itself, so they are bitwise copies of edges.
    """
    n_graphs, n = A.shape[:2]
    rows_of = A.reshape(n_graphs * n, n)
    base = np.arange(n_graphs) * n
    best = A[:, 0, :].copy()
    penalty = np.zeros((n_graphs, n), dtype=A.dtype)
    penalty[:, 0] = -np.inf
    flat_best, flat_penalty = best.reshape(-1), penalty.reshape(-1)
    scratch = np.empty_like(best)
    out = np.empty((n_graphs, n - 1), dtype=A.dtype)
    with np.errstate(invalid="ignore"):  # inf - inf in unchecked input: a wrong tree, not a warning
        for k in range(n - 1):
            np.add(best, penalty, out=scratch)
            added = base + scratch.argmax(axis=1)
            out[:, k] = flat_best.take(added)
            flat_penalty[added] = -np.inf
            np.maximum(best, rows_of.take(added, axis=0), out=best)
    return out


def remove_sorted(edges, births):
    """Remove the multiset ``births`` (sorted) from the sorted ``edges``; return the rest, sorted.

    Works in place on ``edges`` (owned by the caller) from the first removed position on, and
    returns a view of its first ``len(edges) - len(births)`` values. Tied values are removed once
    per occurrence in ``births``; every birth value is a bitwise copy of an edge weight.
    """
    if births.size == 0:
        return edges
    # Position of the k-th birth: first occurrence of its value, plus its rank among equal births.
    ties = np.arange(births.size) - np.searchsorted(births, births, side="left")
    positions = np.searchsorted(edges, births, side="left") + ties
    start = int(positions[0])
    keep = np.ones(edges.size - start, dtype=bool)
    keep[positions - start] = False
    tail = edges[start:][keep]
    n_deaths = edges.size - births.size
    edges[start:n_deaths] = tail
    return edges[:n_deaths]


@lru_cache(maxsize=4)
def _lower_flat(n):
    """Positions of ``A[j, i]`` for the edges ``(i, j)`` of the upper triangle (row-major): the transposed triangle."""
    rows, cols = np.triu_indices(n, 1)
    flat = cols * n + rows
    flat.flags.writeable = False
    return flat


def _upper_triangles(A):
    """Upper-triangle weights (g, n (n - 1) / 2) of the graphs ``A`` (g, n, n), row-major edge order.

    One slice copy per row, across all graphs at once: contiguous reads, faster than a gather.
    """
    n_graphs, n = A.shape[:2]
    out = np.empty((n_graphs, n_edges(n)), dtype=A.dtype)
    start = 0
    for i in range(n - 1):
        out[:, start:start + n - 1 - i] = A[:, i, i + 1:]
        start += n - 1 - i
    return out


def remove_sorted_rows(edges, births):
    """:func:`remove_sorted` for every row of ``edges`` (g, m) and ``births`` (g, k): the rest, (g, m - k).

    Graphs of many edges are searched one row at a time; for small ones one vectorised binary search
    covers every row (:func:`_remove_sorted_batch`), as a per-row call would cost more than its search.
    """
    if edges.shape[1] < _ROW_SEARCH_MIN_EDGES:
        return _remove_sorted_batch(edges, births)
    deaths = np.empty((edges.shape[0], edges.shape[1] - births.shape[1]), dtype=edges.dtype)
    for b in range(edges.shape[0]):
        deaths[b] = remove_sorted(edges[b], births[b])
    return deaths


def _first_at_least(rows, needles):
    """``np.searchsorted(rows[r], needles[r], side="left")`` for every row r at once: (g, k) positions.

    One binary search over all rows in lock step, ``log2(m)`` vectorised halvings of (g, k) bounds;
    exact, as it only compares the values themselves.
    """
    n_rows, m = rows.shape
    flat = rows.reshape(-1)
    base = (np.arange(n_rows) * m)[:, None]
    lo = np.zeros(needles.shape, dtype=np.intp)
    hi = np.full(needles.shape, m, dtype=np.intp)
    mid = np.empty_like(lo)
    below = np.empty(needles.shape, dtype=bool)
    for _ in range(int(m).bit_length()):
        np.add(lo, hi, out=mid)
        mid >>= 1
        np.less(flat.take(np.minimum(mid, m - 1) + base), needles, out=below)
        below &= mid < hi
        np.copyto(lo, mid + 1, where=below)
        np.copyto(hi, mid, where=~below)
    return lo


def _remove_sorted_batch(edges, births):
    """:func:`remove_sorted` for every row of ``edges`` (g, m) and ``births`` (g, k): the rest, (g, m - k).

    Positions by :func:`_first_at_least`, plus each birth's rank among the equal births of its row,
    so that tied values are removed once per occurrence.
    """
    n_rows, m = edges.shape
    k = births.shape[1]
    if k == 0:
        return edges
    order = np.arange(k)
    run_start = np.zeros((n_rows, k), dtype=np.intp)  # first index of each birth's run of equal values
    np.copyto(run_start[:, 1:], order[1:], where=births[:, 1:] != births[:, :-1])
    np.maximum.accumulate(run_start, axis=1, out=run_start)
    positions = _first_at_least(edges, births) + order - run_start
    keep = np.ones((n_rows, m), dtype=bool)
    np.put_along_axis(keep, positions, False, axis=1)
    return edges[keep].reshape(n_rows, m - k)


def _exactly_symmetric(A, edges):
    """Whether every graph of ``A`` (g, n, n) has a lower triangle equal to its upper one, ``edges`` (g, m).

    The lower triangle is gathered in the order of the upper one: one gather and one comparison. NaN
    compares unequal, so a batch with NaN is not "exactly symmetric" either; such batches go through
    :func:`check_values`, which raises or symmetrises them from the upper triangle (``edges``).
    """
    n_graphs, n = A.shape[:2]
    return np.array_equal(edges, np.take(A.reshape(n_graphs, n * n), _lower_flat(n), axis=1))


def decompose_chunk(A, check_input, tol, births, deaths):
    """Decompose the graphs ``A`` (b, n, n) into the rows ``births`` and ``deaths`` given.

    Groups of graphs that fit in the cache get one batched extraction, symmetry check, sort, range
    check, Prim and tree removal each (for small graphs numpy calls spanning many graphs beat
    per-graph calls). The weights are checked before the tree is grown from them.
    """
    n_graphs, n = A.shape[:2]
    step = max(1, _GROUP_EDGES // n_edges(n))
    for a in range(0, n_graphs, step):
        group = A[a:a + step]
        edges = _upper_triangles(group)
        if check_input and not _exactly_symmetric(group, edges):  # the numpy Prim reads both triangles
            group = check_values(group, tol=tol, signs=False)
        edges.sort(axis=1)
        if check_input:  # signs and infinities, from the smallest and largest edge of each graph
            check_sorted_range(group, edges, tol=tol)
        tree = prim_weights_batch(group)
        tree.sort(axis=1)
        births[a:a + group.shape[0]] = tree
        deaths[a:a + group.shape[0]] = remove_sorted_rows(edges, tree)
