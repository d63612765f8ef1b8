"""Closed-form Wasserstein distances between persistences, barycenters and spread.

For two graphs with the same number of nodes, the optimal matching between their birth sets pairs
them in sorted order (one-dimensional optimal transport), and likewise for the death sets. Hence the
*topological distance*

    d_top(G, H) = sum_i (b_i(G) - b_i(H))^2 + sum_j (d_j(G) - d_j(H))^2      (sorted vectors)

is the squared Euclidean distance between the concatenated sorted vectors
(:attr:`fcviz.Persistence.vector`), the Fréchet mean of a group (its *barycenter*) is the element-wise
mean of those vectors, and a whole (N, N) distance matrix is one Gram-matrix product.

Births versus deaths (``birth_weight``, an fcviz extension). The sum above counts n - 1 birth gaps
and (n - 1)(n - 2) / 2 death gaps, so on a graph of 384 nodes 73,153 deaths outvote 383 births. A
float ``beta`` in [0, 1] instead weighs the two sets as probability distributions:

    d_beta(G, H) = beta * mean_i (b_i(G) - b_i(H))^2 + (1 - beta) * mean_j (d_j(G) - d_j(H))^2,

the beta-weighted sum of the squared 2-Wasserstein distances between the empirical distributions
of births and of deaths. It is the squared Euclidean distance between the sorted vectors scaled rank
by rank (:func:`rank_weights`, :func:`topological_features`), so the per-rank mean is still its
Fréchet mean: barycenters do not depend on beta. ``birth_weight=None`` (the default) is the paper's
distance, unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._linalg import squared_euclidean
from ._validation import check_birth_weight, check_graphs, check_real
from .homology import Persistence, as_persistence

__all__ = [
    "Barycenter",
    "as_persistence",
    "topological_distance",
    "topological_features",
    "rank_weights",
    "wasserstein_distance",
    "pairwise_distances",
    "edge_distances",
    "barycenter",
]


def _as_batch(items, name):
    """A batch Persistence of ``items`` (a single graph becomes a batch of one)."""
    P = as_persistence(items, name=name)
    return P if P.is_batch else Persistence.stack([P])


def _quantile_lp(x, y, p):
    """Integral over ranks t in (0, 1) of |Qx(t) - Qy(t)|^p for sorted samples x, y.

    Qx is the quantile function (a step function) of the empirical distribution of ``x``; the
    integral is computed exactly on the union of both step grids.
    """
    a, b = x.size, y.size
    cuts = np.union1d(np.arange(1, a) / a, np.arange(1, b) / b)
    edges = np.concatenate(([0.0], cuts, [1.0]))
    mids = (edges[:-1] + edges[1:]) / 2
    ix = np.minimum((mids * a).astype(np.intp), a - 1)
    iy = np.minimum((mids * b).astype(np.intp), b - 1)
    return float(np.sum(np.diff(edges) * np.abs(x[ix] - y[iy]) ** p))


def _set_cost(x, y, p):
    """sum |x_i - y_i|^p for equal sizes; for unequal sizes the quantile extension (see below)."""
    if x.size == y.size:
        return float(np.sum(np.abs(x - y) ** p))
    if x.size == 0 or y.size == 0:
        raise ValueError(
            "Cannot compare an empty set with a non-empty one: a 2-node graph has no deaths. "
            "Compare births only (dim=0) or use graphs with at least 3 nodes."
        )
    return max(x.size, y.size) * _quantile_lp(x, y, p)


def _check_p(p):
    return check_real(p, "p", low=1, hint="It is the order of the Wasserstein distance.")


def _sets(P, dim):
    if dim is None:
        return (P.births, P.deaths)
    if dim == 0:
        return (P.births,)
    if dim == 1:
        return (P.deaths,)
    raise ValueError(f"dim must be 0 (births), 1 (deaths) or None (both); got {dim!r}.")


def _single(G, name):
    P = as_persistence(G, name=name)
    if P.is_batch:
        raise ValueError(
            f"Expected one graph or persistence for {name}; got a batch of {len(P)}. "
            "Use fcviz.pairwise_distances for many."
        )
    return P


def wasserstein_distance(G, H, p=2, dim=None):
    """p-Wasserstein distance between the birth and/or death sets of two graphs.

    Parameters
    ----------
    G, H : array-like of shape (n, n) or Persistence
        Two graphs (decomposed on the fly) or their persistences.
    p : float, default=2
        Order of the distance, ``p >= 1``.
    dim : {0, 1, None}, default=None
        0 compares the birth sets, 1 the death sets, None both together:
        ``(sum over births and deaths of |x - y|^p) ** (1 / p)``.

    Returns
    -------
    float
        The (unsquared) distance. ``wasserstein_distance(G, H, p=2) ** 2`` equals
        :func:`topological_distance`.

    Notes
    -----
    Equal node counts: the sorted matching is optimal, so the distance is exact and closed-form.
    Different node counts (an fcviz extension, not in the paper): each set is read as an empirical
    distribution and compared through its quantile function, integrating ``|Qg(t) - Qh(t)|^p`` exactly
    over ranks t in (0, 1), then scaled by the size of the larger set, so that equal sizes give back
    the closed form above.
    """
    p = _check_p(p)
    PG, PH = _single(G, "G"), _single(H, "H")
    cost = sum(_set_cost(x, y, p) for x, y in zip(_sets(PG, dim), _sets(PH, dim)))
    return cost ** (1.0 / p)


def rank_weights(n_nodes, birth_weight=None):
    """Weight of each rank of the sorted (births, deaths) vector in the topological distance.

    Parameters
    ----------
    n_nodes : int
        Number of nodes n of the graphs.
    birth_weight : None or float in [0, 1], default=None
        None: the paper's distance, every rank weighs 1. A float beta: each of the n - 1 births
        weighs ``beta / (n - 1)`` and each of the (n - 1)(n - 2) / 2 deaths ``(1 - beta) / n_deaths``
        (0 for a 2-node graph, which has no deaths).

    Returns
    -------
    ndarray of shape (n (n - 1) / 2,)
        ``d(G, H) = sum_r weights[r] * (v_r(G) - v_r(H))^2`` over the sorted vectors
        :attr:`fcviz.Persistence.vector`.

    Examples
    --------
    >>> rank_weights(3, 0.25).tolist()
    [0.125, 0.125, 0.75]
    """
    birth_weight = check_birth_weight(birth_weight)
    n_births = int(n_nodes) - 1
    n_deaths = n_births * (n_births - 1) // 2
    if birth_weight is None:
        return np.ones(n_births + n_deaths)
    death_weight = (1.0 - birth_weight) / n_deaths if n_deaths else 0.0
    return np.concatenate([np.full(n_births, birth_weight / n_births), np.full(n_deaths, death_weight)])


def topological_features(items, birth_weight=None):
    """Points whose squared Euclidean distances are the topological distance.

    Parameters
    ----------
    items : array-like of shape (N, n, n), list of graphs or persistences, or batch Persistence
        Graphs (decomposed once) or their persistences, all of n nodes.
    birth_weight : None or float in [0, 1], default=None
        See :func:`topological_distance`.

    Returns
    -------
    ndarray of shape (N, n (n - 1) / 2)
        The sorted (births, deaths) vectors, each rank scaled by ``sqrt(rank_weights(n, birth_weight))``
        (a new array; with None a copy of ``Persistence.vector``). k-means on these points is
        :class:`fcviz.TopClustering` at ``top_relative_weight=1`` with the same ``birth_weight``.
    """
    P = _as_batch(items, "items")
    scale = np.sqrt(rank_weights(P.n_nodes, birth_weight))
    return np.asarray(P.vector, dtype=np.float64) * scale


def topological_distance(G, H, birth_weight=None):
    """Topological distance d_top: squared 2-Wasserstein distance summed over births and deaths.

    Parameters
    ----------
    G, H : array-like of shape (n, n) or Persistence
        Two graphs or their persistences. Different node counts are compared through quantile
        functions (an fcviz extension; see :func:`wasserstein_distance`).
    birth_weight : None or float in [0, 1], default=None
        None: the paper's distance, a sum over all ranks. A float beta:
        ``beta * mean_i (b_i(G) - b_i(H))^2 + (1 - beta) * mean_j (d_j(G) - d_j(H))^2``, births and
        deaths each read as a probability distribution (different sizes: the quantile form, without
        the scaling by the larger size). 1 compares births only, 0 deaths only.

    Returns
    -------
    float
        ``sum_i (b_i(G) - b_i(H))^2 + sum_j (d_j(G) - d_j(H))^2`` over sorted sets (birth_weight=None).

    Examples
    --------
    >>> import numpy as np
    >>> from fcviz import topological_distance
    >>> G = np.array([[0, .9, .2], [.9, 0, .5], [.2, .5, 0]])
    >>> H = np.array([[0, .8, .1], [.8, 0, .5], [.1, .5, 0]])
    >>> round(topological_distance(G, H), 10)
    0.02
    >>> round(topological_distance(G, H, birth_weight=0.5), 10)  # 0.5 * (0.01 + 0) / 2 + 0.5 * 0.01 / 1
    0.0075
    """
    birth_weight = check_birth_weight(birth_weight)
    PG, PH = _single(G, "G"), _single(H, "H")
    pairs = zip(_sets(PG, None), _sets(PH, None))
    if birth_weight is None:
        return sum(_set_cost(x, y, 2.0) for x, y in pairs)
    total = 0.0
    for weight, (x, y) in zip((birth_weight, 1.0 - birth_weight), pairs):
        if weight == 0.0 or (x.size == 0 and y.size == 0):
            continue  # a set of weight 0 is not compared; two empty death sets are equal
        total += weight * _set_cost(x, y, 2.0) / max(x.size, y.size)
    return float(total)


def pairwise_distances(items, other=None, birth_weight=None):
    """Matrix of topological distances between every pair of graphs.

    Parameters
    ----------
    items : array-like of shape (N, n, n), list of graphs or persistences, or batch Persistence
        The graphs (decomposed once) or their persistences.
    other : same kinds as ``items``, optional
        A second collection; by default ``items`` against itself.
    birth_weight : None or float in [0, 1], default=None
        None: the paper's d_top. A float beta weighs births against deaths as in
        :func:`topological_distance`.

    Returns
    -------
    ndarray of shape (N, N) or (N, M)
        ``D[i, j] = topological_distance(items[i], other[j], birth_weight)``. Against itself the
        matrix is exactly symmetric with a zero diagonal.

    Notes
    -----
    Equal sizes use the Gram form ``|x|^2 + |y|^2 - 2 x.y`` of the sorted vectors (scaled rank by
    rank for a float ``birth_weight``): one matrix product instead of a double loop. Collections of
    different sizes fall back to the quantile extension pair by pair.
    """
    birth_weight = check_birth_weight(birth_weight)
    X = _as_batch(items, "items")
    Y = X if other is None else _as_batch(other, "other")
    if X.n_nodes != Y.n_nodes:
        return np.array([[topological_distance(g, h, birth_weight) for h in Y] for g in X])
    if birth_weight is None:
        vx, vy = X.vector, None if other is None else Y.vector
    else:
        vx = topological_features(X, birth_weight)
        vy = None if other is None else topological_features(Y, birth_weight)
    D = squared_euclidean(vx, vy)
    if other is None:
        D = (D + D.T) / 2
        np.fill_diagonal(D, 0.0)
    return D


def edge_distances(graphs):
    """Squared Euclidean distances between the edge weights of every pair of graphs (geometry only).

    This is the geometric term ``||A_G - A_H||^2`` of Top clustering's objective over the
    upper-triangle edges, the distance of the paper's "Adj" baseline (``top_relative_weight=0``); it
    compares edge by edge, so it depends on how nodes are numbered, unlike the topological distance.

    Parameters
    ----------
    graphs : array-like of shape (N, n, n) or list of (n, n)
        Graphs with the same number of nodes (validated as in :func:`fcviz.birth_death`).

    Returns
    -------
    ndarray of shape (N, N)
        Exactly symmetric, zero diagonal.

    Examples
    --------
    >>> import numpy as np
    >>> G = np.array([[0, .9, .2], [.9, 0, .5], [.2, .5, 0]])
    >>> H = np.array([[0, .8, .1], [.8, 0, .5], [.1, .5, 0]])
    >>> edge_distances([G, H]).round(10).tolist()
    [[0.0, 0.02], [0.02, 0.0]]
    """
    A, _ = check_graphs(graphs, name="graph")
    rows, cols = np.triu_indices(A.shape[-1], 1)
    edges = A[:, rows, cols].astype(np.float64, copy=False)
    D = squared_euclidean(edges)
    D = (D + D.T) / 2
    np.fill_diagonal(D, 0.0)
    return D


@dataclass(frozen=True, eq=False, repr=False)
class Barycenter(Persistence):
    """Fréchet mean of a group of persistences under d_top, with its spread.

    Attributes
    ----------
    births, deaths : ndarray of shape (n - 1,) and ((n - 1)(n - 2) / 2,)
        Element-wise means of the members' sorted birth and death vectors.
    births_std, deaths_std : ndarray, same shapes
        Element-wise standard deviations at each rank (the shaded band of a barycenter plot).
    distances : ndarray of shape (n_members,)
        d_top from each member to the barycenter.
    """

    births_std: np.ndarray = None
    deaths_std: np.ndarray = None
    distances: np.ndarray = None

    def __post_init__(self):
        super().__post_init__()
        for name in ("births_std", "deaths_std", "distances"):
            arr = np.array(getattr(self, name), dtype=np.float64, copy=True)
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)

    @property
    def n_members(self):
        """Number of graphs averaged."""
        return self.distances.shape[0]

    @property
    def mean_distance(self):
        """The group's spread as one number: mean d_top from the members to the barycenter."""
        return float(self.distances.mean())


def barycenter(items, birth_weight=None):
    """Wasserstein barycenter (Fréchet mean under d_top) of a group of graphs, with its spread.

    Parameters
    ----------
    items : array-like of shape (N, n, n), list of graphs or persistences, or batch Persistence
        The group; all graphs must have the same number of nodes.
    birth_weight : None or float in [0, 1], default=None
        The distance of the spread (``distances``), as in :func:`topological_distance`. The
        barycenter itself does not depend on it: the distance is a sum of squared gaps rank by rank
        with positive weights, minimised rank by rank by the mean.

    Returns
    -------
    Barycenter
        A :class:`Persistence` holding the element-wise mean of the sorted birth and death vectors,
        which minimises ``sum_G d(G, C)`` over persistences C, plus ``births_std``,
        ``deaths_std``, per-member ``distances`` and ``mean_distance``.
    """
    P = _as_batch(items, "items")
    births, deaths = P.births.mean(axis=0), P.deaths.mean(axis=0)
    if birth_weight is None:
        distances = ((P.births - births) ** 2).sum(axis=1) + ((P.deaths - deaths) ** 2).sum(axis=1)
    else:
        weights = rank_weights(P.n_nodes, birth_weight)
        distances = ((P.vector - np.concatenate([births, deaths])) ** 2) @ weights
    return Barycenter(
        births, deaths,
        births_std=P.births.std(axis=0), deaths_std=P.deaths.std(axis=0), distances=distances,
    )
