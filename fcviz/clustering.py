"""Top clustering: k-means of graphs under geometry and topology.

Songdechakraiwut et al. (ICLR 2022, "Fast topological clustering with Wasserstein distance") cluster
weighted graphs with a k-means whose objective, for a relative weight ``w`` in [0, 1], is

    sum over clusters k, members G:  (1 - w) ||A_G - A_k||^2  +  w d_top(G, C_k)

where ``A`` is the vector of upper-triangle edge weights, ``C_k`` is the centroid *graph* and
``d_top`` the topological distance (squared 2-Wasserstein distance of the sorted birth and death
sets, :func:`fcviz.topological_distance`).

Every term is a squared Euclidean distance: a graph G is the point
``z(G) = [sqrt(1 - w) A_G, sqrt(w) P_G]`` with ``P_G`` its sorted (births, deaths) vector, and the
objective is ``sum ||z(G) - z(C_k)||^2``. So

- ``w = 1`` (the default) is exactly k-means on the persistence vectors: the centroid's persistence
  is the barycenter of its members, in closed form;
- ``w = 0`` is k-means on the edge weights (the paper's "Adj" baseline);
- ``0 < w < 1`` needs a centroid graph whose own persistence enters the objective: it is found by the
  paper's topological interpolation (gradient steps from the previous centroid).

``birth_weight`` (an fcviz extension) replaces d_top by the distance that weighs the births and the
deaths as probability distributions (:func:`fcviz.topological_distance`): each rank of ``P_G`` is
scaled by ``sqrt`` of its weight (:func:`fcviz.rank_weights`), and everything above holds for the
scaled points. The barycenter of a cluster is unchanged.

The k-means engine (seeding, Lloyd's iterations, the Gram space) is :mod:`fcviz._kmeans`; the scores
(purity and friends) are :mod:`fcviz.scores`. Both are re-exported here.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import warnings
from collections import OrderedDict
from functools import lru_cache

import numpy as np
from scipy.sparse import issparse
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from ._kmeans import MeanCentroids, best_of_runs, compiled_runs, direct_distances, kmeans, random_source
from ._linalg import squared_euclidean
from ._threads import one_thread, one_thread_below
from ._validation import RANDOM_STATE, IntIn, OneOf, RealIn, check_birth_weight, check_estimator_params, check_graphs
from .homology import Persistence, birth_death, check_persistence, mst_edges
from .scores import adjusted_rand_score, clustering_scores, normalized_mutual_info_score, purity_score
from .wasserstein import rank_weights

__all__ = [
    "TopClustering",
    "kmeans",
    "purity_score",
    "adjusted_rand_score",
    "normalized_mutual_info_score",
    "clustering_scores",
]

logger = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------------
# Feature maps: graphs -> points whose squared distances are the clustering objective
# ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _triu_indices(n):
    rows, cols = np.triu_indices(n, 1)
    rows.flags.writeable = False
    cols.flags.writeable = False
    return rows, cols


def _edge_index(rows, cols, n):
    """Position of edge (rows[i], cols[i]), rows < cols, in the row-major upper-triangle vector."""
    rows = np.asarray(rows, dtype=np.intp)
    cols = np.asarray(cols, dtype=np.intp)
    return rows * n - rows * (rows + 1) // 2 + (cols - rows - 1)


_MAX_TIE_RUNS = 256  # runs of equal values re-sorted one by one before the plain stable sort is cheaper


def _stable_argsort(values):
    """``np.argsort(values, kind="stable")`` of a 1-D float array, from numpy's faster default sort.

    An introsort (numpy's default) orders distinct values exactly as a stable sort does; only runs
    of equal values may come out in another order, so each run is put back in index order. Many
    runs (heavily tied data) go to the stable sort itself. Same result, bit for bit.
    """
    order = np.argsort(values)
    ordered = values[order]
    tied = np.flatnonzero(ordered[1:] == ordered[:-1])  # position i: ordered[i] == ordered[i + 1]
    if tied.size:
        breaks = np.flatnonzero(np.diff(tied) > 1)
        starts = tied[np.r_[0, breaks + 1]]
        ends = tied[np.r_[breaks, tied.size - 1]] + 2
        if starts.size > _MAX_TIE_RUNS:
            return np.argsort(values, kind="stable")
        for start, end in zip(starts, ends):
            order[start:end].sort()
    return order


def _rows_sorted(a):
    """True when every row of a 2-D array is non-decreasing."""
    return bool((a[:, 1:] >= a[:, :-1]).all())


def _sqnorm(x):
    """``x @ x`` of a 1-D array without BLAS, whose thread wake-ups cost more than the sum here.

    On a machine with busy cores a threaded BLAS dot of some 10^5 numbers can wait for its helper
    threads longer than the sum takes; the interpolation below takes a few of them per step.
    """
    return float(np.einsum("i,i->", x, x))


def _to_graphs(edges, n):
    """Upper-triangle edge vectors (k, E) back to symmetric graphs (k, n, n) with a zero diagonal."""
    rows, cols = _triu_indices(n)
    G = np.zeros((edges.shape[0], n, n), dtype=np.float64)
    G[:, rows, cols] = edges
    G[:, cols, rows] = edges
    return G


#: Fits of at most this many graphs run on one BLAS thread whatever their size (see TopClustering.fit).
_FEW_SAMPLES = 512


class _Data:
    """The validated input of one fit or predict call, as the features the objective needs.

    Attributes
    ----------
    n_nodes : int
    edges : ndarray of shape (N, n (n - 1) / 2) or None
        Upper-triangle edge weights (present when ``w < 1``).
    topo : ndarray of shape (N, n (n - 1) / 2) or None
        Sorted (births, deaths) vectors (present when ``w > 0``).
    rank_weights : ndarray of shape (n (n - 1) / 2,) or None
        Weight of each rank of ``topo`` in the topological distance (None: all 1, the paper's d_top).
    """

    def __init__(self, n_nodes, edges, topo, rank_weights=None):
        self.n_nodes = n_nodes
        self.edges = edges
        self.topo = topo
        self.rank_weights = rank_weights
        self.topo_scale = None if rank_weights is None else np.sqrt(rank_weights)

    @property
    def n_samples(self):
        return (self.topo if self.topo is not None else self.edges).shape[0]

    def features(self, w):
        """Points z(G) = [sqrt(1 - w) A_G, sqrt(w) s P_G] (only the parts with a non-zero weight), with
        s = ``topo_scale`` the square roots of the rank weights (1 for the paper's d_top).

        At ``w = 0``, or ``w = 1`` with the paper's d_top, this is the stored array itself (no
        copy): treat it as read-only.
        """
        if w == 1:
            return self.topo if self.topo_scale is None else self.topo * self.topo_scale
        if w == 0:
            return self.edges
        n_edges = self.edges.shape[1]
        z = np.empty((self.n_samples, n_edges + self.topo.shape[1]))  # written in place: no temporaries
        np.multiply(np.sqrt(1.0 - w), self.edges, out=z[:, :n_edges])
        np.multiply(np.sqrt(w), self.topo, out=z[:, n_edges:])
        if self.topo_scale is not None:
            z[:, n_edges:] *= self.topo_scale
        return z


def _read_input(X, w, estimator_name, birth_weight=None):
    """Validate X (graphs or a batch Persistence) and build the features needed at weight w."""
    if isinstance(X, Persistence):
        P = check_persistence(X, name="X")
        if not P.is_batch:
            raise ValueError(
                f"{estimator_name} needs a batch of persistences; got a single graph's Persistence. "
                "Wrap it with fcviz.Persistence.stack([P])."
            )
        if w < 1:
            raise ValueError(
                f"A precomputed Persistence can only be clustered at top_relative_weight=1 (got {w!r}): "
                "the geometric term needs the edge weights. Pass the graphs (n_graphs, n_nodes, "
                "n_nodes) instead."
            )
        return _Data(P.n_nodes, None, np.asarray(P.vector, dtype=np.float64), _rank_weights(P.n_nodes, birth_weight))
    if issparse(X) or (isinstance(X, (list, tuple)) and any(issparse(item) for item in X)):
        seen = type(X).__name__ if issparse(X) else "a list of sparse matrices"
        raise ValueError(
            f"{estimator_name} takes dense graphs; got scipy sparse input ({seen}). Pass dense arrays, "
            "e.g. np.stack([G.toarray() for G in graphs])."
        )
    ndim = None
    if isinstance(X, (list, tuple)):
        if len(X) > 0 and not isinstance(X[0], Persistence):
            ndim = np.ndim(X[0]) + 1
        elif len(X) > 0:
            return _read_input(Persistence.stack(list(X)), w, estimator_name, birth_weight)
    else:
        ndim = np.ndim(X)
    if ndim is not None and ndim != 3:
        shape = np.shape(X) if not isinstance(X, (list, tuple)) else f"list of {len(X)} items"
        raise ValueError(
            f"{estimator_name} expects a stack of graphs of shape (n_graphs, n_nodes, n_nodes), a list "
            f"of (n_nodes, n_nodes) graphs, or a batch fcviz.Persistence; got input with {ndim} "
            f"dimension(s) ({shape}). For a single graph A pass A[None]; tabular (n_samples, "
            "n_features) data is not a stack of graphs."
        )
    # with w > 0 birth_death checks the weights (the same checks and messages, at less cost)
    A, _ = check_graphs(X, name="graph", check_input=w == 0)
    n = A.shape[-1]
    edges = topo = None
    if w > 0:
        topo = np.asarray(birth_death(A).vector, dtype=np.float64)
    if w < 1:  # the upper triangle: the weights birth_death reads, also of a graph symmetric within tol
        rows, cols = _triu_indices(n)
        edges = A[:, rows, cols].astype(np.float64)
    return _Data(n, edges, topo, _rank_weights(n, birth_weight))


def _rank_weights(n_nodes, birth_weight):
    """:func:`fcviz.rank_weights`, or None for the paper's d_top (every rank weighs 1: no scaling)."""
    return None if birth_weight is None else rank_weights(n_nodes, birth_weight)


# ----------------------------------------------------------------------------------------------
# Centroid updates
# ----------------------------------------------------------------------------------------------


def _barycenters(topo, labels, n_clusters, scaled_centers, scale):
    """Per cluster, the mean of its members' unscaled persistence vectors (their barycenter).

    An empty cluster (only after a warned degenerate fit) keeps its scaled centre divided by the
    scale, with the ranks of scale 0 (weight 0: births at ``birth_weight=0``, deaths at 1) taken
    from the mean of all graphs.
    """
    out = np.empty_like(scaled_centers)
    fallback = topo.mean(axis=0)
    for k in range(n_clusters):
        members = labels == k
        if members.any():
            out[k] = topo[members].mean(axis=0)
        else:
            out[k] = np.where(scale > 0, scaled_centers[k] / np.where(scale > 0, scale, 1.0), fallback)
    return out


def _digest(array):
    """A 128-bit fingerprint of an array's values (for memo keys; collisions are not a concern)."""
    return hashlib.blake2b(np.ascontiguousarray(array).view(np.uint8), digest_size=16).digest()


class _CentroidMemo:
    """Centroid updates of one fit at 0 < w < 1, by member set (least recently used dropped first).

    Per member set (a boolean mask, packed into the key): ``"args"`` (the members' mean edges and
    barycenter), ``"jump"`` (the jump start and its cost), ``"descent"`` (the descent from the
    jump) and ``"from"``: fingerprint of a previous centroid -> the update from it. Bounded, as
    an entry holds a few edge vectors (0.6 MB each at 384 nodes).
    """

    def __init__(self, max_sets=16, max_starts=2):
        self.max_sets = max_sets
        self.max_starts = max_starts
        self.sets = OrderedDict()

    def entry(self, members):
        """The dict of one member set, created empty when new."""
        key = np.packbits(members).tobytes() + len(members).to_bytes(8, "little")
        entry = self.sets.pop(key, None)
        self.sets[key] = entry = {"from": OrderedDict()} if entry is None else entry
        while len(self.sets) > self.max_sets:
            self.sets.popitem(last=False)
        return entry

    def remember(self, table, key, value):
        """``table[key] = value``, keeping the ``max_starts`` newest entries of ``table``."""
        table[key] = value
        while len(table) > self.max_starts:
            table.popitem(last=False)


class _InterpolatedCentroids:
    """Centroid graphs at 0 < w < 1, updated by the topological interpolation of the ICLR paper.

    The cost of a cluster is ``N_k f(C) + const`` with
    ``f(C) = (1 - w) ||C - mean A||^2 + w d_top(C, barycenter)``. From the previous centroid (or
    the jump from the members' mean graph, when that costs less), each step splits C's edges into
    its maximum spanning tree (births) and the rest (deaths), maps each edge to the barycenter value
    at its rank inside its own set (the target), and moves along the gradient
    ``2 (1 - w)(C - mean A) + 2 w (C - target)``. Steps that would raise ``f`` are rejected, so an
    update never increases the cluster's cost.

    ``n_steps`` counts the interpolation steps taken (one maximum spanning tree each).
    """

    def __init__(self, data, w, *, step_size, max_iter, tol, z_mean, memo=None):
        self.edges = data.edges
        self.topo = data.topo
        self.rank_weights = data.rank_weights  # None: the paper's d_top
        self.topo_scale = data.topo_scale
        self.n = data.n_nodes
        self.w = w
        self.step = step_size
        self.max_iter = max_iter
        self.tol = tol
        self.z_mean = z_mean
        self.memo = memo  # a _CentroidMemo shared by the runs of one fit, or None
        self.n_steps = 0

    def _features(self, graphs_edges, topo):
        """Centred points z of centroid graphs (k, E) with their persistence vectors (k, E)."""
        n_edges = graphs_edges.shape[1]
        z = np.empty((len(graphs_edges), n_edges + topo.shape[1]))
        np.multiply(np.sqrt(1.0 - self.w), graphs_edges, out=z[:, :n_edges])
        np.multiply(np.sqrt(self.w), topo, out=z[:, n_edges:])
        if self.topo_scale is not None:
            z[:, n_edges:] *= self.topo_scale
        z -= self.z_mean
        return z

    def start(self, seeds):
        # A seed is a graph of the data: its persistence is the data's (validated graphs are exactly
        # symmetric, so the upper triangle is the whole graph).
        self.graphs = self.edges[seeds].copy()
        self.centers = self._features(self.graphs, self.topo[seeds])
        return self.centers

    def relocate(self, cluster, sample):
        self.graphs[cluster] = self.edges[sample]
        self.centers[cluster] = self._features(self.edges[[sample]], self.topo[[sample]])[0]

    def update(self, labels, counts):
        new = self.centers.copy()  # an empty cluster keeps its centre
        for k in np.flatnonzero(counts):
            c, topo = self._update_cluster(labels == k, self.graphs[k])
            self.graphs[k] = c
            new[k] = self._features(c[None], topo[None])[0]
        self.centers = new
        return self.centers

    def _update_cluster(self, members, c):
        """The next centroid of the cluster ``members`` from its previous centroid ``c``, and its
        persistence vector.

        The result depends on the member set and ``c`` only (the interpolation is deterministic), so
        a fit keeps it in :class:`_CentroidMemo`: the ``n_init`` runs of a fit mostly meet the same
        clusters again, and then their updates are looked up, not recomputed. Same result, bit for bit.
        """
        n_births = self.n - 1
        entry = None if self.memo is None else self.memo.entry(members)
        if entry is not None and "args" in entry:
            args = entry["args"]
        else:
            bary = self.topo[members].mean(axis=0)
            args = (self.edges[members].mean(axis=0), bary[:n_births], bary[n_births:])
            if entry is not None:
                entry["args"] = args
        if entry is None:
            return self._interpolate_with_persistence(c, *args)
        start = _digest(c)
        result = entry["from"].get(start)
        if result is None:  # a copy of c: c is a row of self.graphs
            result = self._interpolate_with_persistence(c.copy(), *args, memo=entry)
            self.memo.remember(entry["from"], start, result)
        return result

    def _score(self, c, mean_edges, bary_births, bary_deaths):
        """Objective f(c), the differences to the targets, and the persistence vector of c.

        The target of an edge is the barycenter value at the edge's rank inside c's own birth
        (maximum spanning tree) set or death set; ``||c - target||^2`` is then ``d_top(c, bary)``.
        One stable sort of all edges gives both ranks: restricted to the births (or the deaths) it is
        their own stable order. The sorted (births, deaths) of c come with it: every maximum
        spanning tree has the same weights, so this is ``birth_death(c).vector`` exactly.

        With rank weights (a float ``birth_weight``) an edge's topological gap weighs ``s_e``, the
        weight of its rank in its own set: ``f(c) = (1 - w) ||c - mean A||^2 + w sum_e s_e (c_e - target_e)^2``.

        Returns
        -------
        f, geo, top, topo
            ``f(c)``, ``c - mean_edges``, ``c - target`` and the persistence vector of c. With rank
            weights ``top`` is ``s (c - target)`` and both ``geo`` and ``top`` are divided edge by edge
            by ``(1 - w) + w s_e``: the half gradient ``(1 - w) geo + w top`` is then preconditioned so
            that a step of 0.5 still jumps to the minimiser for c's birth/death split.
        """
        n = self.n
        rows, cols = mst_edges(_to_graphs(c[None], n)[0], check_input=False)
        is_birth = np.zeros(c.size, dtype=bool)
        is_birth[_edge_index(rows, cols, n)] = True
        order = _stable_argsort(c)
        born = is_birth[order]
        births, deaths = order[born], order[~born]
        target = np.empty_like(c)
        target[births] = bary_births
        target[deaths] = bary_deaths
        geo = c - mean_edges
        top = c - target
        topo = np.concatenate([c[births], c[deaths]])
        if self.rank_weights is None:
            return (1.0 - self.w) * _sqnorm(geo) + self.w * _sqnorm(top), geo, top, topo
        weight = np.empty_like(c)  # s_e: the weight of the edge's rank in its own set
        weight[births] = self.rank_weights[: n - 1]
        weight[deaths] = self.rank_weights[n - 1:]
        top_weighted = weight * top
        f = (1.0 - self.w) * _sqnorm(geo) + self.w * float(np.einsum("i,i->", top_weighted, top))
        scale = (1.0 - self.w) + self.w * weight
        return f, geo / scale, top_weighted / scale, topo

    def _interpolate(self, c, mean_edges, bary_births, bary_deaths):
        """Gradient steps on f from the previous centroid c; returns the last accepted iterate.

        A step that would increase f is rejected and the step size halved (the birth/death split of
        c changed under it); after an accepted step the size grows back towards ``step_size``. So f
        never increases. Stops when a step would change c by at most ``tol`` relative to its norm,
        when an accepted step lowers f by at most ``tol`` relative to f, or after ``max_iter`` steps.
        """
        return self._interpolate_with_persistence(c, mean_edges, bary_births, bary_deaths)[0]

    def _interpolate_with_persistence(self, c, mean_edges, bary_births, bary_deaths, memo=None):
        """:meth:`_interpolate`, returning the centroid and its persistence vector.

        ``memo`` (a dict of the member set, from :class:`_CentroidMemo`) keeps the jump below and
        the descent from it, which depend on the member set only.
        """
        w = self.w
        args = (mean_edges, bary_births, bary_deaths)
        # Second candidate start: the minimiser of f for the birth/death split of the members' mean
        # graph. From the previous centroid alone, the edge order (hence the split) moves only by a
        # factor (1 - w) per step: slow, and often stuck in a worse minimum when w is close to 1.
        jump = None if memo is None else memo.get("jump")
        scored = None
        if jump is None:
            point = mean_edges - w * self._score(mean_edges, *args)[2]
            scored = self._score(point, *args)
            jump = (point, scored[0])
            if memo is not None:
                memo["jump"] = jump
        geo = c - mean_edges
        # f(c) >= (1 - w) ||c - mean A||^2: when that bound already exceeds the jump's cost, the
        # jump wins without the spanning tree and sort of c (a seed graph, typically).
        bound = (1.0 - w) * _sqnorm(geo)
        if not jump[1] < bound:
            f, geo, top, topo = self._score(c, *args)
            if not jump[1] < f:
                return self._descend(c, f, geo, top, topo, *args)
        if memo is not None and "descent" in memo:
            return memo["descent"]
        result = self._descend(jump[0], *(scored or self._score(jump[0], *args)), *args)
        if memo is not None:
            memo["descent"] = result
        return result

    def _descend(self, c, f, geo, top, topo, mean_edges, bary_births, bary_deaths):
        """The gradient steps of :meth:`_interpolate` from ``c`` (with its f, geo, top and topo)."""
        w, step = self.w, self.step
        for _ in range(self.max_iter):
            new = np.maximum(c - 2.0 * step * ((1.0 - w) * geo + w * top), 0.0)  # weights stay >= 0
            if np.sqrt(_sqnorm(new - c)) <= self.tol * max(np.sqrt(_sqnorm(c)), np.finfo(float).tiny):
                break
            self.n_steps += 1
            f_new, geo_new, top_new, topo_new = self._score(new, mean_edges, bary_births, bary_deaths)
            if f_new <= f:
                converged = f - f_new <= self.tol * f
                c, f, geo, top, topo = new, f_new, geo_new, top_new, topo_new
                step = min(2.0 * step, self.step)
                if converged:
                    break
            else:
                step /= 2.0
        else:
            logger.debug("Centroid interpolation stopped at centroid_max_iter=%d.", self.max_iter)
        return c, topo


# ----------------------------------------------------------------------------------------------
# The estimator
# ----------------------------------------------------------------------------------------------


class TopClustering(ClusterMixin, BaseEstimator):
    """Topological clustering of weighted graphs (Songdechakraiwut et al., ICLR 2022).

    k-means whose objective, for a relative weight ``w = top_relative_weight``, is
    ``sum_k sum_{G in k} (1 - w) ||A_G - A_k||^2 + w d_top(G, C_k)``, with ``A`` the upper-triangle
    edge weights, ``C_k`` the centroid graph and ``d_top`` the topological distance.

    Parameters
    ----------
    n_clusters : int, default=2
        Number of clusters.
    top_relative_weight : float in [0, 1], default=1.0
        Weight ``w`` of the topological term. ``1`` (fast path): exactly k-means on the sorted
        (births, deaths) vectors, whose centroid is their barycenter in closed form. ``0``: k-means
        on the edge weights (the paper's "Adj" baseline). In between: the paper's centroid graphs,
        found by topological interpolation.
    birth_weight : None or float in [0, 1], default=None
        The topological distance of the objective. None: the paper's d_top, a sum over all
        (n - 1) births and (n - 1)(n - 2) / 2 deaths, so deaths outvote births on large graphs. A
        float beta: ``beta * mean (birth gaps)^2 + (1 - beta) * mean (death gaps)^2`` (see
        :func:`fcviz.topological_distance`); at ``w = 1`` this is k-means on
        :func:`fcviz.topological_features`, and the centroids are still the clusters' barycenters.
        That distance is on the scale of one edge while the geometric term sums over all edges, so
        for ``0 < w < 1`` a w close to 1 balances the two. Ignored at ``w = 0``.
    init : {"k-means++", "random"}, default="k-means++"
        Seeding: greedy k-means++ on the points ``[sqrt(1 - w) A, sqrt(w) P]`` (whose squared
        distances are the objective between two graphs), or ``n_clusters`` distinct graphs drawn
        at random. The paper's protocol is ``init="random", n_init=1``.
    n_init : int, default=10
        Number of seedings; the run with the lowest inertia is kept.
    max_iter : int, default=300
        Maximum number of assignment/update rounds per run.
    tol : float, default=1e-6
        Convergence tolerance. A run stops when the labels no longer change or when the total
        squared shift of the centroids (in the feature space above) is at most ``tol`` times the
        mean feature variance, as in :class:`sklearn.cluster.KMeans`. For ``0 < w < 1`` the
        centroid interpolation also stops once a step changes the centroid by at most ``tol``
        relative to its norm.
    centroid_step_size : float in (0, 1), default=0.5
        Gradient step of the centroid interpolation (``0 < w < 1`` only). The gradient is
        ``2 (1 - w)(C - mean A) + 2 w (C - target)``, so 0.5 jumps to the minimiser for the current
        birth/death split of C; smaller values (the paper uses 0.05) take damped steps.
    centroid_max_iter : int, default=300
        Maximum number of interpolation steps per centroid update (``0 < w < 1`` only).
    random_state : int, RandomState instance or None, default=None
        Seed of the seedings. The same seed gives the same labels.

    Attributes
    ----------
    labels_ : ndarray of shape (n_graphs,)
        Cluster of each training graph.
    cluster_centers_ : Persistence
        Batch of ``n_clusters`` centroid persistences. At ``w = 1`` the barycenters of the
        clusters; otherwise the persistence of each centroid graph.
    cluster_center_graphs_ : ndarray of shape (n_clusters, n_nodes, n_nodes)
        Centroid graphs (only when ``top_relative_weight < 1``).
    inertia_ : float
        Value of the objective: sum over graphs of the weighted distance to their centroid.
    n_iter_ : int
        Number of rounds of the best run.
    n_nodes_in_ : int
        Number of nodes of the training graphs.
    n_features_in_ : int
        Number of edge weights per graph, ``n (n - 1) / 2`` (the length of a persistence vector).

    See Also
    --------
    fcviz.barycenter : the centroid persistence at ``w = 1``.
    sklearn.cluster.KMeans : the same algorithm on tabular data.

    Notes
    -----
    Each graph is a point ``z(G) = [sqrt(1 - w) A_G, sqrt(w) P_G]`` and the objective is
    ``sum ||z(G) - z(C_k)||^2``; distances are computed for all graphs and centroids at once by the
    Gram form. At ``w = 0`` and ``w = 1`` (mean centroids), with fewer graphs than features, the
    k-means++ seeding and Lloyd's iterations run in the ``n_graphs x n_graphs`` Gram space
    ``K = Z Z^T`` (kernel k-means with the linear kernel): the same steps and random draws as on the
    wide vectors, hence the same labels, with the centroids formed once at the end. The paper's code
    runs a fixed number of interpolation steps (one spanning tree each) from the previous centroid.
    Here the interpolation also tries the jump from the members' mean graph and starts from whichever
    of the two has the lower cost (from the previous centroid alone the edge order moves only by a
    factor ``1 - w`` per step: slow, and often a worse minimum when ``w`` is close to 1); it rejects
    any step that would raise the cost (halving the step size) and stops once converged. So every
    update, and every round, never increases the objective.

    Examples
    --------
    >>> from fcviz.synthetic import random_modular_graphs
    >>> from fcviz.clustering import TopClustering
    >>> import numpy as np
    >>> X = np.concatenate([random_modular_graphs(5, 12, 2, random_state=0),
    ...                     random_modular_graphs(5, 12, 4, random_state=1)])
    >>> TopClustering(2, random_state=0).fit(X).labels_.shape
    (10,)
    """

    # What each parameter accepts, checked by fit (scikit-learn's message style; fcviz's own validators).
    _allowed_params: dict = {
        "n_clusters": [IntIn(1)],
        "top_relative_weight": [RealIn(0, 1)],
        "birth_weight": [None, RealIn(0, 1)],
        "init": [OneOf(("k-means++", "random"))],
        "n_init": [IntIn(1)],
        "max_iter": [IntIn(1)],
        "tol": [RealIn(0, None, closed="left")],
        "centroid_step_size": [RealIn(0, 1, closed="neither")],
        "centroid_max_iter": [IntIn(1)],
        "random_state": [RANDOM_STATE, None],
    }

    def __init__(
        self,
        n_clusters=2,
        *,
        top_relative_weight=1.0,
        birth_weight=None,
        init="k-means++",
        n_init=10,
        max_iter=300,
        tol=1e-6,
        centroid_step_size=0.5,
        centroid_max_iter=300,
        random_state=None,
    ):
        self.n_clusters = n_clusters
        self.top_relative_weight = top_relative_weight
        self.birth_weight = birth_weight
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.centroid_step_size = centroid_step_size
        self.centroid_max_iter = centroid_max_iter
        self.random_state = random_state

    # Lloyd's iterations at w = 0 or 1 in the Gram space when that is smaller (the default). False
    # iterates on the features: the plain reference that the tests and benchmark compare against.
    _gram_space = True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # X is a stack of graphs (n_graphs, n_nodes, n_nodes), never a table
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.input_tags.positive_only = True
        return tags

    def fit(self, X, y=None):
        """Cluster graphs.

        Parameters
        ----------
        X : array-like of shape (n_graphs, n_nodes, n_nodes), list of graphs, or Persistence
            Weighted graphs (square, symmetric, finite, non-negative), or their batch persistence
            (only at ``top_relative_weight=1``). Never modified.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : TopClustering
            The fitted estimator.

        Raises
        ------
        ValueError
            For an invalid parameter, invalid graphs, or fewer graphs than clusters.
        """
        check_estimator_params(self, self._allowed_params)
        w = float(self.top_relative_weight)
        data = _read_input(X, w, type(self).__name__, self._birth_weight())
        rng = random_source(self.random_state)
        with self._thread_limit(data, w, rng):
            return self._fit_data(data, w, rng)

    def _thread_limit(self, data, w, rng):
        """The BLAS / OpenMP thread limit of a fit (see fcviz._threads), or none where none is needed.

        A small fit runs on one thread: its thousands of small products, and with a few hundred
        graphs its Gram products too, which are bound by memory, not arithmetic (a second BLAS thread
        gains nothing there, and on a busy machine waiting for it has turned a 15 ms fit of 40 graphs
        of 384 nodes into 1.8 s). The compiled Gram-space runs call no BLAS: no limit, whose set-up
        alone would cost more than such a fit of 40 graphs of 64 nodes.
        """
        n_features = data.topo.shape[1] if data.topo is not None else data.edges.shape[1]
        if compiled_runs(data.n_samples, n_features, init=self.init, rng=rng, gram_space=self._gram_space,
                         mean_centroids=w in (0.0, 1.0)):
            return contextlib.nullcontext()
        if data.n_samples <= _FEW_SAMPLES:
            return one_thread()
        return one_thread_below(data.n_samples ** 2 * n_features * (1 + (0.0 < w < 1.0)))

    def _fit_data(self, data, w, rng):
        """:meth:`fit` on validated data."""
        n_samples = data.n_samples
        if n_samples < self.n_clusters:
            raise ValueError(
                f"n_samples={n_samples} should be >= n_clusters={self.n_clusters}: got {n_samples} "
                f"graphs to split into {self.n_clusters} clusters. Pass more graphs or lower n_clusters."
            )
        memo = _CentroidMemo() if 0.0 < w < 1.0 else None  # centroid updates shared by the n_init runs
        runs = best_of_runs(
            data.features(w), self.n_clusters, init=self.init, n_init=self.n_init, max_iter=self.max_iter,
            tol=self.tol, rng=rng, gram_space=self._gram_space, mean_centroids=w in (0.0, 1.0),
            make_centroids=lambda Z, z_mean: self._centroids(data, w, Z, z_mean, memo=memo),
        )
        labels = runs.labels
        n_distinct = np.count_nonzero(np.bincount(labels, minlength=self.n_clusters))
        if n_distinct < self.n_clusters:
            warnings.warn(
                f"Number of distinct clusters ({n_distinct}) found smaller than "
                f"n_clusters ({self.n_clusters}). Possibly due to duplicate graphs in X.",
                ConvergenceWarning,
                stacklevel=3  # the caller of fit,
            )
        self._z_mean = runs.z_mean
        self._z_centers = runs.centers
        self._means = runs.means  # set: predict measures as the compiled fit did (direct_distances)
        self.labels_ = labels
        self.inertia_ = runs.inertia
        self.n_iter_ = runs.n_iter
        self.n_nodes_in_ = data.n_nodes
        self.n_features_in_ = data.n_nodes * (data.n_nodes - 1) // 2
        points = runs.centers + runs.z_mean if runs.means is None else runs.means
        if w == 1:
            self.cluster_centers_ = self._barycenter_persistences(data, labels, points, runs.means is not None)
            if hasattr(self, "cluster_center_graphs_"):
                del self.cluster_center_graphs_
        else:
            if w == 0:
                edges = np.maximum(points, 0.0)
            else:
                edges = runs.centroids.graphs
            self.cluster_center_graphs_ = _to_graphs(edges, data.n_nodes)
            self.cluster_centers_ = birth_death(self.cluster_center_graphs_, check_input=False)
        return self

    def _barycenter_persistences(self, data, labels, points, summed_in_order=False):
        """``cluster_centers_`` at w = 1 from the cluster means ``points`` (k, E) of the fit's features
        (``summed_in_order``: the compiled core's, sorted by construction, see _ckmeans.means_distances)."""
        n_births = data.n_nodes - 1
        if data.topo_scale is not None:
            points = _barycenters(data.topo, labels, self.n_clusters, points, data.topo_scale)
            summed_in_order = False
        births, deaths = points[:, :n_births], points[:, n_births:]
        # means of sorted vectors summed in row order are sorted; sort what the centring left unsorted
        if not summed_in_order and (not _rows_sorted(births) or not _rows_sorted(deaths)):
            births, deaths = np.sort(births, axis=1), np.sort(deaths, axis=1)
        births.flags.writeable = deaths.flags.writeable = False  # a Persistence keeps read-only arrays as they are
        return Persistence(births, deaths)

    def _birth_weight(self):
        return check_birth_weight(self.birth_weight)

    def _centroids(self, data, w, Z, z_mean, memo=None):
        if w in (0.0, 1.0):
            return MeanCentroids(Z)
        return _InterpolatedCentroids(
            data, w, step_size=float(self.centroid_step_size), max_iter=self.centroid_max_iter,
            tol=float(self.tol), z_mean=z_mean, memo=memo,
        )

    def _features(self, X):
        """The points z(G) of graphs X (validated, of the training size) at the fitted weight."""
        check_is_fitted(self, "labels_")
        w = float(self.top_relative_weight)
        data = _read_input(X, w, type(self).__name__, self._birth_weight())
        if data.n_nodes != self.n_nodes_in_:
            raise ValueError(
                f"X has graphs of {data.n_nodes} nodes, but {type(self).__name__} was fitted on graphs "
                f"of {self.n_nodes_in_} nodes. Pass graphs of the training size."
            )
        return data.features(w)

    def predict(self, X):
        """Nearest centroid of each graph under the weighted objective.

        Parameters
        ----------
        X : array-like of shape (n_graphs, n_nodes, n_nodes), list of graphs, or Persistence
            Graphs of the training size (a batch Persistence only at ``top_relative_weight=1``).

        Returns
        -------
        labels : ndarray of shape (n_graphs,)
            Index of the cluster each graph belongs to.
        """
        if getattr(self, "_means", None) is not None:
            return direct_distances(self._features(X), self._means).argmin(axis=1)
        return squared_euclidean(self._features(X) - self._z_mean, self._z_centers).argmin(axis=1)

    def fit_predict(self, X, y=None):
        """Fit and return ``labels_``.

        Parameters
        ----------
        X : array-like of shape (n_graphs, n_nodes, n_nodes), list of graphs, or Persistence
            The graphs to cluster.
        y : None
            Ignored.

        Returns
        -------
        labels : ndarray of shape (n_graphs,)
        """
        return self.fit(X).labels_
