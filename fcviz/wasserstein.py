"""Closed-form Wasserstein distances between persistences, barycenters and spread.

For two graphs with the same number of nodes, the optimal matching between their birth sets pairs
them in sorted order (one-dimensional optimal transport), and likewise for the death sets. Hence the
*topological distance*

    d_top(G, H) = sum_i (b_i(G) - b_i(H))^2 + sum_j (d_j(G) - d_j(H))^2      (sorted vectors)

is the squared Euclidean distance between the concatenated sorted vectors
(:attr:`fcviz.Persistence.vector`), the Fréchet mean of a group (its *barycenter*) is the element-wise
mean of those vectors, and a whole (N, N) distance matrix is one Gram-matrix product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._linalg import squared_euclidean
from ._validation import check_graphs, check_real
from .homology import Persistence, as_persistence

__all__ = [
    "Barycenter",
    "as_persistence",
    "topological_distance",
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


def topological_distance(G, H):
    """Topological distance d_top: squared 2-Wasserstein distance summed over births and deaths.

    Parameters
    ----------
    G, H : array-like of shape (n, n) or Persistence
        Two graphs or their persistences. Different node counts are compared through quantile
        functions (an fcviz extension; see :func:`wasserstein_distance`).

    Returns
    -------
    float
        ``sum_i (b_i(G) - b_i(H))^2 + sum_j (d_j(G) - d_j(H))^2`` over sorted sets.

    Examples
    --------
    >>> import numpy as np
    >>> from fcviz import topological_distance
    >>> G = np.array([[0, .9, .2], [.9, 0, .5], [.2, .5, 0]])
    >>> H = np.array([[0, .8, .1], [.8, 0, .5], [.1, .5, 0]])
    >>> round(topological_distance(G, H), 10)
    0.02
    """
    PG, PH = _single(G, "G"), _single(H, "H")
    return sum(_set_cost(x, y, 2.0) for x, y in zip(_sets(PG, None), _sets(PH, None)))


def pairwise_distances(items, other=None):
    """Matrix of topological distances between every pair of graphs.

    Parameters
    ----------
    items : array-like of shape (N, n, n), list of graphs or persistences, or batch Persistence
        The graphs (decomposed once) or their persistences.
    other : same kinds as ``items``, optional
        A second collection; by default ``items`` against itself.

    Returns
    -------
    ndarray of shape (N, N) or (N, M)
        ``D[i, j] = topological_distance(items[i], other[j])``. Against itself the matrix is exactly
        symmetric with a zero diagonal.

    Notes
    -----
    Equal sizes use the Gram form ``|x|^2 + |y|^2 - 2 x.y`` of the sorted vectors: one matrix
    product instead of a double loop. Collections of different sizes fall back to the quantile
    extension pair by pair.
    """
    X = _as_batch(items, "items")
    Y = X if other is None else _as_batch(other, "other")
    if X.n_nodes != Y.n_nodes:
        return np.array([[topological_distance(g, h) for h in Y] for g in X])
    vx = X.vector
    D = squared_euclidean(vx, None if other is None else Y.vector)
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


def barycenter(items):
    """Wasserstein barycenter (Fréchet mean under d_top) of a group of graphs, with its spread.

    Parameters
    ----------
    items : array-like of shape (N, n, n), list of graphs or persistences, or batch Persistence
        The group; all graphs must have the same number of nodes.

    Returns
    -------
    Barycenter
        A :class:`Persistence` holding the element-wise mean of the sorted birth and death vectors,
        which minimises ``sum_G d_top(G, C)`` over persistences C, plus ``births_std``,
        ``deaths_std``, per-member ``distances`` and ``mean_distance``.
    """
    P = _as_batch(items, "items")
    births, deaths = P.births.mean(axis=0), P.deaths.mean(axis=0)
    distances = ((P.births - births) ** 2).sum(axis=1) + ((P.deaths - deaths) ** 2).sum(axis=1)
    return Barycenter(
        births, deaths,
        births_std=P.births.std(axis=0), deaths_std=P.deaths.std(axis=0), distances=distances,
    )
