""":func:`fcviz.birth_death` on the compiled kernels of ``fcviz/_graphkernels.c``, when they are built.

``ENABLED`` says whether they are in use: False where the extension could not be built (no C compiler
at install time, ``BUILT`` is False) or ``FCVIZ_NO_COMPILED=1`` is set; :mod:`fcviz.homology` then
runs the numpy kernels of :mod:`fcviz._decompose`. Both give the same sets, bit for bit.

One large graph on two cores is split by value, so that each core sorts about half of the edges
(the sort is the floor of any method, and splitting it is the only way below one sort):

1. each core copies the upper triangle of its share of the rows into one scratch array, the weights
   below a pivot (a sampled quantile) at one end, the others at the other end, and checks exact
   symmetry on the way; the core with the smaller share then grows the maximum spanning tree (Prim);
2. one core sorts the weights below the pivot (two runs: one per core's rows) and merges them without
   the births below the pivot; the other sorts the weights above (one contiguous run) and copies them
   without the other births. The two results are adjacent parts of the death set.

Each step is a list of tasks shared first come, first served (:func:`fcviz._workshare.run_shared`):
on a busy machine the calling thread does the lot rather than wait for a helper. A batch is shared the
same way in groups of graphs that stay in the cache, each kernel looping over its group in C.
"""

from __future__ import annotations

import os
from functools import partial

import numpy as np

from ._decompose import n_edges, upper_mask
from ._validation import check_sorted_range, check_values
from ._workshare import run_shared

try:
    from ._graphkernels import (
        finish_batch,
        merge_remove,
        prim,
        prim_batch,
        remove_sorted,
        upper_batch,
        upper_split,
    )
except ImportError:  # built without a C compiler: the numpy kernels run
    BUILT = False
else:
    BUILT = True

ENABLED = BUILT and os.environ.get("FCVIZ_NO_COMPILED", "") in ("", "0")


def kernels_enabled():
    """Whether :func:`fcviz.birth_death` runs on the compiled kernels (read at each call)."""
    return ENABLED


# Edges per group of graphs decomposed together in a batch (512 kB of float64): a group and its
# graphs stay in the cache from one kernel to the next.
_GROUP_EDGES = 1 << 16

# The calling core's share of the rows in step 1: it also grows the tree afterwards.
_CALLER_ROW_SHARE = 0.3

# Weights sampled to choose the pivot, and the pivot's rank among them: a little above the median, as
# sorting the one run above the pivot costs a little more than sorting the two below (two shorter
# sorts) and merging them (branch-free from both ends); measured best of 0.47 to 0.6 at 1,000 and
# 2,000 nodes.
_PIVOT_SAMPLE = 4096
_PIVOT_RANK = 0.53


def _pairs_of_rows(n, r0, r1):
    """Upper-triangle pairs (i, j), i < j, with ``r0 <= i < r1``."""
    return (r1 - r0) * (n - 1) - (r1 * (r1 - 1) - r0 * (r0 - 1)) // 2


def _row_holding(n, share):
    """The first row r such that the rows [0, r) hold at least ``share`` of the edges."""
    target = share * n_edges(n)
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if _pairs_of_rows(n, 0, mid) < target:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _pivot(A):
    """A weight of the graph A (n, n) near the quantile ``_PIVOT_RANK``, from an evenly strided sample."""
    flat = A.reshape(-1)
    step = max(1, flat.size // _PIVOT_SAMPLE)
    if step % A.shape[0] == 0:  # a multiple of n would sample one column
        step += 1
    sample = flat[::step].astype(np.float64)
    rank = int(_PIVOT_RANK * (sample.size - 1))
    return float(np.partition(sample, rank)[rank])


def decompose_one(A, check_input, tol, submit=None):
    """Sorted births (n - 1,) and deaths of one graph (n, n); ``submit`` runs work on another core.

    With ``check_input`` the graph is validated as :func:`check_values` does: a graph symmetric only
    within ``tol`` is decomposed from its symmetrised copy, and a bad one raises.
    """
    if submit is None:
        return _serial(A, check_input, tol)
    births, deaths, symmetric = _split(A, check_input, submit)
    if not symmetric:  # raises beyond tol; else the exact copy built from the upper triangle
        return _split(check_values(A[None], tol=tol, signs=False)[0], check_input, submit)[:2]
    return births, deaths


def decompose_batch(A, check_input, tol, vectors, submit=None, helpers=0):
    """Decompose the graphs ``A`` (B, n, n) into the rows of ``vectors`` (B, n (n - 1) / 2).

    Groups of graphs that stay in the cache (:func:`decompose_group`) are tasks shared by this
    thread and ``helpers`` others.
    """
    step = max(1, _GROUP_EDGES // max(1, n_edges(A.shape[1])))
    tasks = [partial(decompose_group, A[a:a + step], check_input, tol, vectors[a:a + step])
             for a in range(0, A.shape[0], step)]
    run_shared(tasks, submit, helpers)


def _serial(A, check_input, tol):
    """:func:`decompose_one` on the calling thread: views of one persistence vector."""
    vector = np.empty((1, n_edges(A.shape[0])), dtype=A.dtype)
    decompose_group(A[None], check_input, tol, vector)
    n_births = A.shape[0] - 1
    return vector[0, :n_births], vector[0, n_births:]


def _split(A, check_input, submit):
    """:func:`decompose_one` on two cores, split by value (see the module's docstring).

    Returns the births, the deaths and whether A is exactly symmetric (if not, the sets are None).
    """
    n = A.shape[0]
    n_all = n_edges(n)
    row = _row_holding(n, _CALLER_ROW_SHARE)
    mine = _pairs_of_rows(n, 0, row)
    pivot = _pivot(A)
    # scratch: [below pivot | above] for the rows < row, then [above | below pivot] for the others
    scratch = np.empty(n_all, dtype=A.dtype)
    births = np.empty(n - 1, dtype=A.dtype)
    (below_mine, symmetric_mine), (above_theirs, symmetric_theirs), _ = run_shared([
        partial(upper_split, A, 0, row, pivot, False, scratch[:mine], check_input),
        partial(upper_split, A, row, n, pivot, True, scratch[mine:], check_input),
        partial(prim, A, births),
    ], submit, 1)
    if not (symmetric_mine and symmetric_theirs):
        return None, None, False
    births.sort()
    below_theirs = n_all - mine - above_theirs
    low_a, low_b = scratch[:below_mine], scratch[n_all - below_theirs:]
    high = scratch[below_mine:n_all - below_theirs]
    cut = int(np.searchsorted(births, pivot, side="left"))  # births below the pivot
    n_low = below_mine + below_theirs - cut
    deaths = np.empty(n_all - (n - 1), dtype=A.dtype)
    written = run_shared([
        partial(_sort_and_merge_without, low_a, low_b, births[:cut], deaths[:n_low]),
        partial(_sort_and_copy_without, high, births[cut:], deaths[n_low:]),
    ], submit, 1)
    if min(written) < 0:
        raise _unchecked_error()
    if check_input:  # signs and infinities, from the smallest and largest weight
        lowest = min(part[0] for part in (low_a, low_b, high) if part.size)
        highest = max(part[-1] for part in (low_a, low_b, high) if part.size)
        check_sorted_range(A[None], np.array([[lowest, highest]]), name="graph")
    return births, deaths, True


def _unchecked_error():
    """The error of a tree weight missing from the edges: only unchecked, invalid input gets there."""
    return ValueError(
        "birth_death got graphs that are not exactly symmetric with finite weights (a spanning-tree "
        "weight is not among the upper-triangle weights); check_input=False skips that check. "
        "Call it with check_input=True to see which weight is wrong.")


def _sort_and_merge_without(a, b, births, out):
    """Sort the runs ``a`` and ``b`` in place and merge them without the sorted ``births`` into ``out``."""
    a.sort()
    b.sort()
    return merge_remove(a, b, births, out)


def _sort_and_copy_without(values, births, out):
    """Sort ``values`` in place and copy them without the sorted ``births`` into ``out``."""
    values.sort()
    return remove_sorted(values, births, out)


def decompose_group(group, check_input, tol, rows):
    """Decompose the graphs ``group`` (b, n, n) into ``rows`` (b, n (n - 1) / 2): births | deaths.

    The edges are copied into the rows (with the exact symmetry check) and the tree weights found
    (one Prim per graph) in one call over the group, both sorted, and one more call range-checks
    the weights and removes the tree weights in place, which leaves the deaths at the end of each
    row for the births to go first. Few calls per group: each one a thread makes takes the GIL
    again, which costs tens of microseconds when the other thread holds it.
    """
    n = group.shape[1]
    tree = np.empty((group.shape[0], n - 1), dtype=group.dtype)
    if upper_batch(group, rows, check_input, tree) >= 0:  # not exactly symmetric: symmetrise or raise
        group = check_values(group, tol=tol, signs=False)
        rows[:] = group[:, upper_mask(n)]
        prim_batch(group, tree)
    rows.sort(axis=1)
    tree.sort(axis=1)
    status = finish_batch(group, rows, tree, check_input)
    if status == -2:  # a weight out of range: the rows are only sorted, and this raises the diagnosis
        check_sorted_range(group, rows)
    if status != -1:
        raise _unchecked_error()
