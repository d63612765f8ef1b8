"""Persistent graph homology of weighted complete graphs, without thresholds.

Filter a weighted graph by a threshold e, keeping the edges heavier than e, and sweep e from high to
low. Each edge either joins two connected components (a *birth* of a component, in the 0-dimensional
homology) or closes a cycle (a *death* of a cycle, in the 1-dimensional homology). The birth edges are
exactly a maximum spanning tree (MST), so

- the **birth set** is the ``n - 1`` MST edge weights, sorted ascending;
- the **death set** is the ``(n - 1)(n - 2) / 2`` other edge weights, sorted ascending.

Together they re-order all edge weights without loss. Every maximum spanning tree has the same
multiset of weights, so both sets are well defined even with tied weights.

How it is computed, fast and exactly: the edges are sorted once (the floor of any method) and the
MST weights are removed from the sorted edges by value. With the compiled kernels
(:mod:`fcviz._compiled`) one large graph is split by value so that two cores each sort about half of
the edges, and a batch is shared by the cores in cache-sized groups decomposed in place; without them
numpy kernels (:mod:`fcviz._decompose`) and scipy's compiled Prim do the same work. Every weight
returned is a bitwise copy of an input weight, so float64 input gives exact results.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from functools import lru_cache, partial

import numpy as np

from ._compiled import decompose_batch as compiled_batch
from ._compiled import decompose_one as compiled_one
from ._compiled import kernels_enabled
from ._decompose import (
    decompose_chunk,
    prim_weights,
    remove_sorted,
    sorted_edges,
    upper_mask,
)
from ._validation import SYMMETRY_TOL, check_graphs, check_int, check_sorted_range, check_values
from ._workshare import kernel_threads, run_shared, shared_executor

__all__ = [
    "Persistence",
    "as_persistence",
    "betti_curves",
    "birth_death",
    "filtration_components",
    "mst_edges",
    "spanning_tree_order",
    "check_persistence",
    "n_edges",
]

# Below this many edges a graph is sorted on the calling thread: a thread hand-off costs more.
_PARALLEL_MIN_EDGES = 20_000

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
        :func:`fcviz.topological_distance`. Read-only: for a batch from :func:`birth_death` it is
        the buffer that ``births`` and ``deaths`` are views of (no copy), else a new array.
        """
        vector = self.__dict__.get("_vector")
        if vector is None:
            vector = np.concatenate([self.births, self.deaths], axis=-1)
            vector.flags.writeable = False
        return vector

    @classmethod
    def _of_vector(cls, vector, n_nodes):
        """A persistence whose sets are views of ``vector`` (..., m), births first; takes ownership."""
        vector.flags.writeable = False
        P = cls(vector[..., :n_nodes - 1], vector[..., n_nodes - 1:])
        object.__setattr__(P, "_vector", vector)
        return P

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

    def _summary_rows(self):
        """(set, size, min, median, mean, max) per set, over every graph of a batch."""
        rows = []
        for name, values in (("births", self.births), ("deaths", self.deaths)):
            size = values.shape[-1]
            if size:
                stats = (values.min(), np.median(values), values.mean(), values.max())
                rows.append((name, size, *(f"{v:.4f}" for v in stats)))
            else:
                rows.append((name, 0, "-", "-", "-", "-"))
        return rows

    def _repr_html_(self):
        from .tables import html_table

        return html_table(self._summary_rows(), ("set", "size per graph", "min", "median", "mean", "max"),
                          caption=repr(self))

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


@lru_cache(maxsize=1)
def _compiled_prim():
    """scipy's compiled single-linkage Prim (condensed distances, n) -> linkage matrix, or None.

    Single linkage on the distances ``-w`` merges clusters along a maximum spanning tree of ``w``,
    and its merge heights are copies of the input distances, so their negatives are the births
    exactly. A private scipy function: when it is missing or changed, the numpy Prim is used.
    """
    try:
        from scipy.cluster._hierarchy import mst_single_linkage
        probe = mst_single_linkage(np.array([-1.0, -3.0, -2.0]), 3)
        if probe.shape != (2, 4) or sorted(probe[:, 2].tolist()) != [-3.0, -2.0]:
            return None
    except Exception:  # pragma: no cover - scipy without it: the numpy Prim takes over
        return None
    return mst_single_linkage


def _births_from_negated(neg_edges, n, dtype):
    """Sorted births of one graph from its negated upper-triangle weights (float64, row-major)."""
    heights = _compiled_prim()(neg_edges, n)[:, 2]
    births = np.negative(heights)
    births.sort()
    return births.astype(dtype, copy=False)


def _births(A, edges=None):
    """Sorted births (n - 1,) of one graph (n, n); ``edges``: its unsorted upper triangle, if at hand."""
    n = A.shape[0]
    if _compiled_prim() is None:
        births = prim_weights(A)
        births.sort()
        return births
    if edges is None:  # a fresh copy of ours: negated in place
        neg = A[upper_mask(n)].astype(np.float64, copy=False)
        np.negative(neg, out=neg)
    else:
        neg = np.negative(edges, dtype=np.float64)
    return _births_from_negated(neg, n, A.dtype)


def _decompose_one(A, check_input, tol, parallel):
    """Births and deaths of one graph (n, n); validates it when ``check_input``.

    With ``parallel`` a worker thread extracts and sorts the edges while this thread checks the
    input and finds the tree (numpy's sort releases the GIL, so it runs while scipy's Prim holds it).
    """
    if kernels_enabled():
        return compiled_one(A, check_input, tol, shared_executor().submit if parallel else None)
    future = shared_executor().submit(sorted_edges, A) if parallel else None
    if check_input:  # signs are checked on the sorted edges, in O(1)
        view = A[None]
        checked = check_values(view, tol=tol, signs=False)
        if checked is not view:  # symmetric only within tol: sort the exact, symmetrised copy
            if future is not None:
                future.result()
            A, future = checked[0], None
    if future is not None:
        births = _births(A)
        edges = future.result()
    else:
        edges = A[upper_mask(A.shape[0])]
        births = _births(A, edges)
        edges.sort()
    if check_input:
        check_sorted_range(A[None], edges[None], tol=tol)
    return births, remove_sorted(edges, births)


def _decompose_batch(A, check_input, tol, threads):
    """Births | deaths (B, n (n - 1) / 2) of a batch of graphs (B, n, n): the persistence vectors.

    With ``threads`` > 1 the work is shared by that many threads: groups of graphs on the compiled kernels, one
    chunk per core on the numpy ones (see :func:`fcviz._workshare.run_shared`).
    """
    n_graphs, n = A.shape[:2]
    vector = np.empty((n_graphs, n_edges(n)), dtype=A.dtype)  # births | deaths of each graph
    births, deaths = vector[:, :n - 1], vector[:, n - 1:]
    submit, helpers = (shared_executor().submit, threads - 1) if threads > 1 else (None, 0)
    try:
        if kernels_enabled():  # groups of graphs, shared by the cores
            compiled_batch(A, check_input, tol, vector, submit, helpers)
        else:  # one chunk per core
            cuts = np.linspace(0, n_graphs, helpers + 2).astype(int)
            run_shared([partial(decompose_chunk, A[a:b], check_input, tol, births[a:b], deaths[a:b])
                        for a, b in zip(cuts, cuts[1:]) if b > a], submit, helpers)
    except ValueError:
        if check_input:  # a chunk names its own graphs: name the bad one by its index in the batch
            check_values(A, tol=tol)
        raise
    return vector


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
        Use at most this many threads (1 disables threading). Default: all available cores, or
        the threads of the running task inside :func:`fcviz.parallel.run_tasks` (a Dask or joblib
        worker that shares the machine).

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
    n_jobs = check_int(n_jobs, "n_jobs", minimum=1, allow_none=True)
    threads = kernel_threads()
    threads = min(n_jobs or threads, threads)
    if A.shape[0] * n_edges(A.shape[-1]) < _PARALLEL_MIN_EDGES:
        threads = 1
    if is_batch:  # fresh arrays of ours, made read-only: no defensive copy needed
        return Persistence._of_vector(_decompose_batch(A, check_input, tol, threads), A.shape[-1])
    births, deaths = _decompose_one(A[0], check_input, tol, threads > 1)
    births.flags.writeable = False
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


def as_persistence(items, *, name="items"):
    """Turn graphs or persistences into one :class:`Persistence` (single graph or batch).

    Parameters
    ----------
    items : Persistence, array-like of shape (n, n) or (N, n, n), or list of graphs or persistences
        What to decompose. Lists may mix graphs and persistences of the same size.

    name : str, default="items"
        What to call the input in messages.

    Returns
    -------
    Persistence
        ``items`` itself when it is a valid Persistence; otherwise the decomposition of the graphs
        (a batch when several were given).

    Examples
    --------
    >>> import numpy as np
    >>> P = as_persistence([np.ones((3, 3)) - np.eye(3)] * 2)
    >>> P.is_batch, P.births.shape
    (True, (2, 2))
    """
    if isinstance(items, Persistence):
        return check_persistence(items, name=name)
    if isinstance(items, (list, tuple)):
        if not items:
            raise ValueError(f"Got an empty list of {name}; pass at least one graph or persistence.")
        if any(isinstance(it, Persistence) for it in items):
            return Persistence.stack([as_persistence(it, name=name) for it in items])
    return birth_death(items)


def spanning_tree_order(graph, *, check_input=True):
    """Nodes in the order they join a maximum spanning tree grown from the heaviest edge.

    Prim's algorithm started at the heaviest edge adds, at every step, the heaviest edge from the
    tree to a new node. Strongly connected modules are therefore added one after the other, so a
    connectome re-ordered this way shows its modules as blocks along the diagonal.

    Parameters
    ----------
    graph : array-like of shape (n, n)
        One weighted graph (validated as in :func:`birth_death`).
    check_input : bool, default=True
        Validate the weights.

    Returns
    -------
    ndarray of int of shape (n,)
        A permutation of ``range(n)``: ``order[0]`` and ``order[1]`` are the endpoints of the
        heaviest edge (smaller index first), then each node in the order it joins the tree. Ties
        are broken towards the smaller node index, so the order is deterministic.

    Notes
    -----
    The join order is read off the tree of :func:`mst_edges` by running Prim's algorithm on the
    tree's edges only. By the cut property, the heaviest edge from the visited to the unvisited nodes
    of the full graph is a tree edge, so (with distinct weights) both runs add the nodes in the same
    order; with tied weights the order is one that Prim's algorithm can produce.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[0, .1, .9, .2], [.1, 0, .3, .8], [.9, .3, 0, .4], [.2, .8, .4, 0]])
    >>> spanning_tree_order(A).tolist()
    [0, 2, 3, 1]
    """
    A, is_batch = check_graphs(graph, check_input=check_input)
    if is_batch:
        raise ValueError(f"spanning_tree_order takes one graph (n, n); got a batch of shape {A.shape}.")
    A = A[0]
    rows, cols = mst_edges(A, check_input=False)
    weights = A[rows, cols]
    neighbours = [[] for _ in range(A.shape[0])]
    for u, v, w in zip(rows.tolist(), cols.tolist(), weights.tolist()):
        neighbours[u].append((-w, v))
        neighbours[v].append((-w, u))
    first = int(np.argmax(weights))
    start = int(rows[first])
    order, seen = [start], {start}
    frontier = list(neighbours[start])
    heapq.heapify(frontier)
    while frontier:
        _, node = heapq.heappop(frontier)
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        for item in neighbours[node]:
            if item[1] not in seen:
                heapq.heappush(frontier, item)
    return np.asarray(order, dtype=np.intp)


def betti_curves(persistence, thresholds):
    """Betti numbers of the graph(s) filtered at each threshold, exact from the sorted sets.

    Filtering a graph at threshold ``e`` keeps the edges of weight greater than ``e``. Its number of
    connected components is ``beta0(e) = n - #{births > e}`` (every birth edge above ``e`` merges two
    components) and its number of independent cycles is ``beta1(e) = #{deaths > e}`` (every death
    edge above ``e`` closes one). No homology is recomputed: both counts are binary searches in the
    sorted birth and death sets.

    Parameters
    ----------
    persistence : Persistence or array-like of shape (n, n) or (B, n, n)
        Birth and death sets of one graph or a batch (graphs are decomposed first).
    thresholds : array-like of shape (T,)
        Finite thresholds ``e``, in any order.

    Returns
    -------
    betti0 : ndarray of int of shape (T,) or (B, T)
        Connected components of each filtered graph: ``n`` for ``e`` at or above the largest weight,
        1 below the smallest birth.
    betti1 : ndarray of int of shape (T,) or (B, T)
        Independent cycles: 0 at or above the largest death. ``betti0 - betti1`` is the Euler
        characteristic ``n - #{edges > e}``.

    Raises
    ------
    ValueError
        If ``thresholds`` is not a 1-D array of finite numbers, or the persistence is inconsistent.

    Examples
    --------
    >>> import numpy as np
    >>> from fcviz import betti_curves, birth_death
    >>> A = np.array([[0, .9, .2, .4], [.9, 0, .5, .1], [.2, .5, 0, .7], [.4, .1, .7, 0]])
    >>> b0, b1 = betti_curves(birth_death(A), [0.0, 0.3, 0.6, 0.95])
    >>> b0.tolist(), b1.tolist()
    ([1, 1, 2, 4], [3, 1, 0, 0])
    """
    P = as_persistence(persistence, name="persistence")
    e = np.asarray(thresholds, dtype=np.float64)
    if e.ndim != 1 or not np.all(np.isfinite(e)):
        seen = f"an array of shape {e.shape}" if e.ndim != 1 else f"non-finite values {e[~np.isfinite(e)][:3]}"
        raise ValueError(
            f"thresholds must be a 1-D array of finite numbers; got {seen}. Pass e.g. np.linspace(0, 1, 101)."
        )
    births = np.asarray(P.births, dtype=np.float64).reshape(-1, P.births.shape[-1])
    deaths = np.asarray(P.deaths, dtype=np.float64).reshape(births.shape[0], P.deaths.shape[-1])
    n = P.n_nodes
    betti0 = np.empty((births.shape[0], e.size), dtype=np.int64)
    betti1 = np.empty_like(betti0)
    for b in range(births.shape[0]):  # counts above e: size minus the values <= e
        betti0[b] = n - births.shape[1] + np.searchsorted(births[b], e, side="right")
        betti1[b] = deaths.shape[1] - np.searchsorted(deaths[b], e, side="right")
    if not P.is_batch:
        return betti0[0], betti1[0]
    return betti0, betti1


def filtration_components(graph, thresholds, *, check_input=True):
    """Connected components of one graph filtered at each threshold (edges heavier than e kept).

    Two nodes are connected in the filtered graph exactly when the path between them in the maximum
    spanning tree uses only edges heavier than ``e`` (the tree edges are the birth edges), so the
    components are read off the tree of :func:`mst_edges` with a union-find, heaviest edge first.

    Parameters
    ----------
    graph : array-like of shape (n, n)
        One weighted graph (validated as in :func:`birth_death`).
    thresholds : float or array-like of shape (T,)
        Finite thresholds ``e``, in any order.
    check_input : bool, default=True
        Validate the weights.

    Returns
    -------
    ndarray of int of shape (n,) for one threshold, or (T, n)
        The component of every node, named by the smallest node index in it. A component keeps its
        name as ``e`` decreases until it merges into one that holds a smaller index, so colours
        chosen by label stay put in an animation. The number of distinct labels in a row is
        ``beta0(e)`` of :func:`betti_curves`.

    Raises
    ------
    ValueError
        If the graph is not one valid (n, n) graph, or a threshold is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[0, .9, .2], [.9, 0, .5], [.2, .5, 0]])
    >>> filtration_components(A, [0.95, 0.7, 0.3]).tolist()
    [[0, 1, 2], [0, 0, 2], [0, 0, 0]]
    """
    A, is_batch = check_graphs(graph, check_input=check_input)
    if is_batch:
        raise ValueError(f"filtration_components takes one graph (n, n); got a batch of shape {A.shape}.")
    e = np.asarray(thresholds, dtype=np.float64)
    if e.ndim > 1 or not np.all(np.isfinite(e)):
        raise ValueError(
            "thresholds must be a finite number or a 1-D array of finite numbers; got "
            + (f"an array of shape {e.shape}." if e.ndim > 1 else f"non-finite values {e[~np.isfinite(e)][:3]}.")
        )
    scalar = e.ndim == 0
    e = np.atleast_1d(e)
    A = A[0]
    n = A.shape[0]
    rows, cols = mst_edges(A, check_input=False)
    weights = A[rows, cols]
    by_weight = np.argsort(-weights, kind="stable")
    parent = np.arange(n)

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    out = np.empty((e.size, n), dtype=np.intp)
    k = 0
    for t in np.argsort(-e, kind="stable"):  # thresholds from high to low: edges only ever join
        while k < by_weight.size and weights[by_weight[k]] > e[t]:
            a, b = find(rows[by_weight[k]]), find(cols[by_weight[k]])
            parent[max(a, b)] = min(a, b)  # the root is the smallest index of its component
            k += 1
        out[t] = [find(i) for i in range(n)]
    return out[0] if scalar else out
