"""Persistent graph homology of weighted complete graphs, without thresholds.

Filter a weighted graph by a threshold e, keeping the edges heavier than e, and sweep e from high to
low. Each edge either joins two connected components (a *birth* of a component, in the 0-dimensional
homology) or closes a cycle (a *death* of a cycle, in the 1-dimensional homology). The birth edges are
exactly a maximum spanning tree (MST), so

- the **birth set** is the ``n - 1`` MST edge weights, sorted ascending;
- the **death set** is the ``(n - 1)(n - 2) / 2`` other edge weights, sorted ascending.

Together they re-order all edge weights without loss. Every maximum spanning tree has the same
multiset of weights, so both sets are well defined even with tied weights.

How it is computed, fast and exactly: the edges are sorted once (the floor of any method) in a
worker thread while the main thread checks the input and runs a dense Prim's algorithm on the rows of
the matrix; the MST weights are then removed from the sorted edges by value. Every weight returned is a
bitwise copy of an input weight, so float64 input gives exact results.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from threading import Lock

import numpy as np

from ._validation import SYMMETRY_TOL, check_graphs, check_sorted_range, check_values

__all__ = ["Persistence", "birth_death", "mst_edges", "check_persistence", "n_edges"]

# Below this many edges a graph is sorted on the calling thread: a thread hand-off costs more.
_PARALLEL_MIN_EDGES = 20_000

_pool = None
_pool_lock = Lock()


def _executor():
    """The module's thread pool, created on first use, one thread per available core."""
    global _pool
    with _pool_lock:
        if _pool is None:
            try:
                cores = len(os.sched_getaffinity(0))
            except AttributeError:  # pragma: no cover - macOS, Windows
                cores = os.cpu_count() or 1
            _pool = ThreadPoolExecutor(max_workers=max(1, cores), thread_name_prefix="fcviz-homology")
        return _pool


def n_edges(n_nodes):
    """Number of edges ``n (n - 1) / 2`` of the complete graph on ``n_nodes`` nodes."""
    return n_nodes * (n_nodes - 1) // 2


@dataclass(frozen=True, eq=False)
class Persistence:
    """Birth and death sets of one graph or of a batch of equal-size graphs.

    Parameters
    ----------
    births : ndarray of shape (n_nodes - 1,) or (n_graphs, n_nodes - 1)
        Maximum-spanning-tree edge weights, sorted ascending along the last axis.
    deaths : ndarray of shape ((n_nodes - 1)(n_nodes - 2) / 2,) or (n_graphs, ...)
        All other edge weights, sorted ascending along the last axis.

    Notes
    -----
    The arrays are made read-only: a persistence is a value, shared safely between results.

    Examples
    --------
    >>> import numpy as np
    >>> from fcviz import birth_death
    >>> A = np.array([[0.0, 0.9, 0.2], [0.9, 0.0, 0.5], [0.2, 0.5, 0.0]])
    >>> P = birth_death(A)
    >>> P.births, P.deaths
    (array([0.5, 0.9]), array([0.2]))
    """

    births: np.ndarray
    deaths: np.ndarray

    def __post_init__(self):
        for name in ("births", "deaths"):
            arr = getattr(self, name)
            if not isinstance(arr, np.ndarray) or arr.flags.writeable:
                arr = np.array(arr, copy=True)
                if not np.issubdtype(arr.dtype, np.floating):
                    arr = arr.astype(np.float64)
                arr.flags.writeable = False
                object.__setattr__(self, name, arr)

    @property
    def n_nodes(self):
        """Number of nodes of the graph(s)."""
        return self.births.shape[-1] + 1

    @property
    def is_batch(self):
        """True for a batch of graphs (2-D ``births``)."""
        return self.births.ndim == 2

    @property
    def vector(self):
        """Births then deaths, concatenated: ndarray of shape (..., n_nodes (n_nodes - 1) / 2).

        Each set is sorted, so the squared Euclidean distance between two vectors is
        :func:`fcviz.topological_distance`.
        """
        return np.concatenate([self.births, self.deaths], axis=-1)

    def __len__(self):
        if not self.is_batch:
            raise TypeError("len() of a single graph's Persistence is undefined; it is not a batch.")
        return self.births.shape[0]

    def __getitem__(self, index):
        if not self.is_batch:
            raise TypeError("Only a batch Persistence can be indexed.")
        return Persistence(self.births[index], self.deaths[index])

    def __iter__(self):
        if not self.is_batch:
            raise TypeError("Only a batch Persistence can be iterated over.")
        return (self[i] for i in range(len(self)))

    def __repr__(self):
        shape = f"{len(self)} graphs of " if self.is_batch else ""
        return f"{type(self).__name__}({shape}{self.n_nodes} nodes)"

    @classmethod
    def stack(cls, items):
        """Stack single-graph persistences of equal size into a batch.

        Parameters
        ----------
        items : sequence of Persistence
            Single graphs or batches, all of the same number of nodes.

        Returns
        -------
        Persistence
            A batch of ``sum(len(item))`` graphs.
        """
        items = [check_persistence(p) for p in items]
        if not items:
            raise ValueError("Persistence.stack needs at least one persistence.")
        sizes = sorted({p.n_nodes for p in items})
        if len(sizes) > 1:
            raise ValueError(f"Cannot stack persistences of different graph sizes {sizes} into one batch.")
        births = np.concatenate([np.atleast_2d(p.births) for p in items])
        deaths = np.concatenate([p.deaths.reshape(-1, p.deaths.shape[-1]) for p in items])
        return cls(births, deaths)


def check_persistence(P, *, name="persistence"):
    """Check that ``P`` is a :class:`Persistence` with consistent set sizes; return it.

    Raises
    ------
    ValueError
        If the death set does not have ``(n - 1)(n - 2) / 2`` values for the ``n - 1`` births, or
        the batch sizes of births and deaths differ.
    TypeError
        If ``P`` is not a Persistence.
    """
    if not isinstance(P, Persistence):
        raise TypeError(f"Expected a fcviz.Persistence for the {name}; got {type(P).__name__}.")
    n = P.n_nodes
    if P.births.shape[:-1] != P.deaths.shape[:-1] or P.deaths.shape[-1] != n_edges(n - 1):
        raise ValueError(
            f"Inconsistent {name}: births of shape {P.births.shape} imply {n} nodes and "
            f"{n_edges(n - 1)} deaths per graph, but deaths have shape {P.deaths.shape}."
        )
    return P


@lru_cache(maxsize=4)
def _upper_mask(n):
    """Boolean (n, n) mask of the strict upper triangle, row-major edge order."""
    mask = np.zeros((n, n), dtype=bool)
    rows, cols = np.triu_indices(n, 1)
    mask[rows, cols] = True
    mask.flags.writeable = False
    return mask


def _sorted_edges(A):
    """Sorted edge weights of one graph (n, n): a new array of shape (n (n - 1) / 2,)."""
    weights = A[_upper_mask(A.shape[0])]
    weights.sort()
    return weights


def _prim_weights(A):
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


def _prim_weights_batch(A):
    """:func:`_prim_weights` for a batch (B, n, n), vectorised across the batch: (B, n - 1)."""
    n_graphs, n = A.shape[:2]
    batch = np.arange(n_graphs)
    remaining = np.tile(np.arange(1, n), (n_graphs, 1))
    best = A[:, 0, 1:].copy()
    out = np.empty((n_graphs, n - 1), dtype=A.dtype)
    for k in range(n - 1):
        j = best.argmax(axis=1)
        out[:, k] = best[batch, j]
        nodes = remaining[batch, j]
        last = n - 2 - k
        remaining[batch, j] = remaining[:, last]
        best[batch, j] = best[:, last]
        remaining = remaining[:, :last]
        best = best[:, :last]
        np.maximum(best, A[batch[:, None], nodes[:, None], remaining], out=best)
    return out


def _remove_sorted(edges, births):
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


def _decompose_one(A, check_input, tol, parallel):
    """Births and deaths of one graph (n, n); validates it when ``check_input``."""
    future = _executor().submit(_sorted_edges, A) if parallel else None
    if check_input:  # signs are checked on the sorted edges, in O(1)
        view = A[None]
        checked = check_values(view, tol=tol, signs=False)
        if checked is not view:  # symmetric only within tol: sort the exact, symmetrised copy
            if future is not None:
                future.result()
            A, future = checked[0], None
    births = _prim_weights(A)
    births.sort()
    edges = future.result() if future is not None else _sorted_edges(A)
    if check_input:
        check_sorted_range(A[None], edges[None], tol=tol)
    return births, _remove_sorted(edges, births)


def _decompose_batch(A, check_input, tol, parallel):
    """Births (B, n - 1) and deaths (B, m) of a batch of graphs (B, n, n)."""
    if check_input:
        A = check_values(A, tol=tol, signs=False)
    if parallel:
        sorted_edges = _executor().map(_sorted_edges, A)
    else:
        sorted_edges = map(_sorted_edges, A)
    births = _prim_weights_batch(A)
    births.sort(axis=1)
    n = A.shape[-1]
    deaths = np.empty((A.shape[0], n_edges(n) - (n - 1)), dtype=A.dtype)
    bounds = np.empty((A.shape[0], 2), dtype=A.dtype)  # smallest and largest weight of each graph
    for b, edges in enumerate(sorted_edges):
        bounds[b] = edges[0], edges[-1]
        deaths[b] = _remove_sorted(edges, births[b])
    if check_input:
        check_sorted_range(A, bounds, tol=tol)
    return births, deaths


def birth_death(graphs, *, check_input=True, tol=SYMMETRY_TOL, n_jobs=None):
    """Birth and death sets of the persistent graph homology of weighted graphs.

    Parameters
    ----------
    graphs : array-like or torch.Tensor of shape (n, n) or (B, n, n), or list of (n, n)
        Weighted adjacency matrices: square, symmetric, finite, non-negative weights; the diagonal
        plays no role. A list or batch must hold graphs with the same number of nodes.
    check_input : bool, default=True
        Validate the weights. With False, graphs must be exactly symmetric with valid weights;
        the shape is still checked.
    tol : float, default=1e-8
        Largest accepted ``|A[i, j] - A[j, i]|``; a graph symmetric only within ``tol`` is read from
        its upper triangle.
    n_jobs : int, optional
        Use at most this many threads (1 disables threading). Default: all available cores.

    Returns
    -------
    Persistence
        ``births`` of shape (n - 1,) and ``deaths`` of shape ((n - 1)(n - 2) / 2,), both sorted
        ascending, or (B, ...) for a batch or list. Dtype float64, or float32 for float32 input.

    Raises
    ------
    ValueError
        If the input is not one square graph or a batch of equal-size ones, has fewer than 2 nodes,
        or has a non-finite, negative or asymmetric weight.

    Notes
    -----
    The input is never modified. The births are the weights of a maximum spanning tree; the deaths
    are the remaining edge weights. Exact: every value returned is one of the input's weights.

    Examples
    --------
    >>> import numpy as np
    >>> from fcviz import birth_death
    >>> rng = np.random.default_rng(0)
    >>> W = rng.random((6, 6)); A = np.triu(W, 1) + np.triu(W, 1).T
    >>> P = birth_death(A)
    >>> P.births.shape, P.deaths.shape
    ((5,), (10,))
    >>> bool(np.array_equal(np.sort(np.r_[P.births, P.deaths]), np.sort(A[np.triu_indices(6, 1)])))
    True
    """
    A, is_batch = check_graphs(graphs, tol=tol, check_input=False)
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1):
        raise ValueError(f"n_jobs must be a positive integer or None; got {n_jobs!r}.")
    parallel = (n_jobs is None or n_jobs > 1) and A.shape[0] * n_edges(A.shape[-1]) >= _PARALLEL_MIN_EDGES
    if is_batch:
        births, deaths = _decompose_batch(A, check_input, tol, parallel)
    else:
        births, deaths = _decompose_one(A[0], check_input, tol, parallel)
    births.flags.writeable = False  # fresh arrays of ours: no defensive copy needed
    deaths.flags.writeable = False
    return Persistence(births, deaths)


def mst_edges(graph, *, check_input=True):
    """Edges of a maximum spanning tree of one graph.

    Parameters
    ----------
    graph : array-like of shape (n, n)
        A weighted graph (validated as in :func:`birth_death`).
    check_input : bool, default=True
        Validate the weights.

    Returns
    -------
    rows, cols : ndarray of int of shape (n - 1,)
        Endpoints of the tree's edges with ``rows < cols``, in the order Prim's algorithm adds them
        (starting from node 0). Their weights are the birth set.
    """
    A, is_batch = check_graphs(graph, check_input=check_input)
    if is_batch:
        raise ValueError(f"mst_edges takes one graph (n, n); got a batch of shape {A.shape}.")
    A = A[0]
    n = A.shape[0]
    remaining = np.arange(1, n)
    best = A[0, 1:].copy()
    parent = np.zeros(n - 1, dtype=np.intp)
    rows = np.empty(n - 1, dtype=np.intp)
    cols = np.empty(n - 1, dtype=np.intp)
    for k in range(n - 1):
        j = best.argmax()
        node, src = remaining[j], parent[j]
        rows[k], cols[k] = min(node, src), max(node, src)
        last = n - 2 - k
        for arr in (remaining, best, parent):
            arr[j] = arr[last]
        remaining, best, parent = remaining[:last], best[:last], parent[:last]
        candidate = A[node].take(remaining)
        better = candidate > best
        best[better] = candidate[better]
        parent[better] = node
    return rows, cols
