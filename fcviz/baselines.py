"""Persistence-diagram baselines: Vietoris–Rips persistence, diagram distances and kernels, clustering.

These are the comparison methods of the paper. A graph's weights (absolute correlations in [0, 1]) are
mapped to a distance, the Vietoris–Rips persistence diagram of that distance matrix is computed
(1-dimensional homology by default, with ``ripser``), and diagrams are compared with

- **BD**: the bottleneck distance (``persim.bottleneck``);
- **WD**: the 1-Wasserstein distance between diagrams (``persim.wasserstein``, Euclidean ground cost);
- **SWK**: the sliced-Wasserstein kernel ``exp(-SW / (2 sigma^2))`` (Carrière, Cuturi & Oudot, 2017);
- **HK**: the heat kernel, i.e. the persistence scale-space kernel (Reininghaus et al., 2015);
- **PI**: persistence images (Adams et al., 2017; ``persim.PersistenceImager``) as vectors.

BD, WD, SWK and HK are clustered with k-medoids (FasterPAM, the ``kmedoids`` package) on a distance
matrix; a kernel ``k`` enters through its induced distance ``sqrt(k(x, x) + k(y, y) - 2 k(x, y))``.
PI vectors are clustered with k-means.

Rips persistence is expensive: its cost grows steeply with the number of nodes and depends on the
structure of the weights (unstructured weights are the slowest). :func:`persistence_diagrams` takes a
``time_budget`` and refuses, with :class:`BaselineBudgetError`, work estimated to exceed it.

The optional packages are imported only when a function needs them; install them with
``pip install "fcviz[baselines]"``.

This module holds the graph side (distances, Rips persistence, its cost estimate) and the clustering;
the diagram side (distances, kernels, images) is :mod:`fcviz._diagrams`, re-exported here.
"""

from __future__ import annotations

import logging
import math
import time
from functools import lru_cache

import numpy as np

from ._diagrams import check_diagrams as _check_diagrams
from ._diagrams import check_method as _check_method
from ._diagrams import (
    diagram_distance,
    diagram_distances,
    diagram_kernel,
    heat_kernel,
    persistence_images,
    sliced_wasserstein_distance,
)
from ._diagrams import require as _require
from ._threads import one_thread_below
from ._validation import check_graphs, check_int, check_option, check_real
from .registry import BASELINE_METHODS

__all__ = [
    "BaselineBudgetError",
    "baseline_methods",
    "weights_to_distance",
    "persistence_diagrams",
    "estimate_baseline_cost",
    "check_baseline_budget",
    "sliced_wasserstein_distance",
    "heat_kernel",
    "diagram_distance",
    "diagram_distances",
    "diagram_kernel",
    "persistence_images",
    "cluster_diagrams",
    "cluster_features",
    "diagram_features",
    "human_seconds",
    "require_baselines",
]

logger = logging.getLogger(__name__)

_TRANSFORMS = ("sqrt", "linear")
# Largest weight overshoot above 1 accepted as rounding (clipped to 1).
_WEIGHT_TOL = 1e-8
# Node counts of the sub-graphs timed to extrapolate the cost of Rips persistence.
_CALIBRATION_SIZES = (40, 60, 80)
# Bounds on the growth exponent of Rips cost in n (measured here: about 2 to 6).
_EXPONENT_RANGE = (2.0, 7.0)
# Added to the exponent fitted on small sub-graphs: the growth accelerates with n (measured here,
# fits on 40-80 nodes under-predicted 250 nodes by 2-12x without it).
_EXPONENT_MARGIN = 1.0


class BaselineBudgetError(RuntimeError):
    """Raised when a persistence-diagram baseline is estimated to take longer than its time budget.

    Attributes
    ----------
    estimate : float
        Estimated seconds.
    budget : float
        The time budget in seconds.
    n_nodes, n_graphs : int
        The size of the work refused.
    """

    def __init__(self, estimate, budget, n_nodes, n_graphs):
        self.estimate = float(estimate)
        self.budget = float(budget)
        self.n_nodes = int(n_nodes)
        self.n_graphs = int(n_graphs)
        super().__init__(
            f"Vietoris-Rips persistence of {n_graphs} graph(s) of {n_nodes} nodes is estimated to take "
            f"about {human_seconds(estimate)}, over the time budget of {human_seconds(budget)}. "
            "Use fewer or smaller graphs, raise time_budget (or pass time_budget=None to run anyway), "
            "or use fcviz's closed-form topology (fcviz.pairwise_distances, fcviz.TopClustering), "
            "which takes milliseconds at this size."
        )


def human_seconds(seconds):
    """Format a duration for messages: '12.3 s', '4.2 min', '3.1 h', '2.0 days'."""
    seconds = float(seconds)
    if not math.isfinite(seconds):
        return "forever"
    for unit, size in (("days", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.3g} s"


def baseline_methods():
    """Names of the persistence-diagram baselines accepted by :func:`cluster_diagrams`.

    Returns
    -------
    tuple of str
        ``("BD", "WD", "SWK", "HK", "PI")``.
    """
    return BASELINE_METHODS


# --------------------------------------------------------------------------- graphs -> diagrams


def weights_to_distance(A, *, transform="sqrt"):
    """Map edge weights in [0, 1] (absolute correlations) to a distance matrix.

    Parameters
    ----------
    A : array-like of shape (n, n) or (B, n, n)
        Symmetric non-negative weights, at most 1 (overshoots up to 1e-8 are clipped).
    transform : {"sqrt", "linear"}, default="sqrt"
        ``"sqrt"``: ``d = sqrt(1 - w)``, the correlation distance; for standardised signals
        ``sqrt(2 (1 - r))`` is their Euclidean distance, so this is a metric up to a factor
        ``sqrt(2)``. ``"linear"``: ``d = 1 - w``, which keeps the order of the edges but is not
        always a metric. Both send strong edges to short distances, so Rips filtrations add edges
        in the same order as the graph filtration of :func:`fcviz.birth_death` (heaviest first).

    Returns
    -------
    ndarray of shape (n, n) or (B, n, n)
        New float64 distances in [0, 1] with a zero diagonal. ``A`` is not modified.

    Raises
    ------
    ValueError
        If ``A`` is not a valid graph (see :func:`fcviz.birth_death`), has a weight above 1, or
        ``transform`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> weights_to_distance(np.array([[0.0, 0.75], [0.75, 0.0]]))
    array([[0. , 0.5],
           [0.5, 0. ]])
    """
    check_option(transform, "transform", _TRANSFORMS)
    W, is_batch = check_graphs(A)
    top = float(W.max())
    if top > 1 + _WEIGHT_TOL:
        raise ValueError(
            f"Weights must lie in [0, 1] to become distances; the largest weight is {top:.6g}. "
            "Pass absolute correlations (a functional connectome), or rescale the weights, e.g. A / A.max()."
        )
    D = 1.0 - np.minimum(W.astype(np.float64), 1.0)  # a new array: the input is never written
    if transform == "sqrt":
        np.sqrt(D, out=D)
    idx = np.arange(D.shape[-1])
    D[:, idx, idx] = 0.0
    return D if is_batch else D[0]


def _rips_diagram(D, dim):
    """Rips persistence diagram of one distance matrix in dimension ``dim``, finite points only."""
    ripser = _require("ripser").ripser
    dgm = ripser(D, distance_matrix=True, maxdim=dim)["dgms"][dim]
    dgm = np.asarray(dgm, dtype=np.float64).reshape(-1, 2)
    return dgm[np.isfinite(dgm[:, 1])]


def persistence_diagrams(graphs, *, dim=1, transform="sqrt", time_budget=None, n_jobs=None, client=None):
    """Vietoris–Rips persistence diagrams of graphs, through :func:`weights_to_distance`.

    Parameters
    ----------
    graphs : array-like of shape (n, n) or (B, n, n), or list of (n, n)
        Weighted graphs with weights in [0, 1].
    dim : {0, 1}, default=1
        Homology dimension of the diagrams (1: cycles, the baselines of the paper).
    transform : {"sqrt", "linear"}, default="sqrt"
        Weight-to-distance map, see :func:`weights_to_distance`.
    time_budget : float or None, default=None
        Seconds allowed. When given, the cost is first estimated from timed sub-graphs of the first
        graph (:func:`estimate_baseline_cost`) and :class:`BaselineBudgetError` is raised, before any
        diagram is computed, if the estimate exceeds the budget. With several graphs the first
        diagram's measured time is then multiplied by the number of graphs and checked again, so
        at most one diagram's time is spent on work that cannot finish in the budget. Both checks
        are predictions, not a hard limit: a single diagram is never interrupted.
    n_jobs : int or None, default=None
        Local processes for the graphs (:func:`fcviz.parallel.run_tasks`); None runs in this process.
    client : distributed.Client or str, optional
        Compute the diagrams on this Dask cluster, one task per graph (default: the client of an
        enclosing :func:`fcviz.parallel.using` block). The diagrams are the same either way.

    Returns
    -------
    list of ndarray of shape (k_i, 2)
        One diagram per graph (a one-element list for a single graph): (birth, death) distance pairs.
        Points that never die (the one infinite class in dimension 0) are left out.

    Raises
    ------
    BaselineBudgetError
        If ``time_budget`` is given and the estimate exceeds it.
    ImportError
        If ``ripser`` is not installed (``pip install "fcviz[baselines]"``).
    ValueError
        For invalid graphs, weights above 1, or an unknown ``dim`` or ``transform``.
    """
    check_option(dim, "dim", (0, 1), hint="It is the homology dimension.")
    _require("ripser")
    D = weights_to_distance(graphs, transform=transform)
    if D.ndim == 2:
        D = D[None]
    n_graphs, n_nodes = D.shape[0], D.shape[-1]
    if time_budget is not None:
        check_baseline_budget(n_nodes, n_graphs, time_budget, dim=dim, distance=D[0])
    from .parallel import run_tasks

    start, diagrams, first = time.perf_counter(), [], 0
    if time_budget is not None:  # the first diagram here, timed, to project the others before they start
        diagrams, first = [_rips_diagram(D[0], dim)], 1
        projected = (time.perf_counter() - start) * n_graphs
        if n_graphs > 1 and projected > time_budget:
            raise BaselineBudgetError(projected, time_budget, n_nodes, n_graphs)
    if n_graphs > first:  # without a budget, every diagram is a task (none waits for the first)
        diagrams += run_tasks(_rips_diagram, [(d, dim) for d in D[first:]], n_jobs=n_jobs, client=client,
                              name="rips", labels=[f"Rips diagram of graph {i}" for i in range(first, n_graphs)])
    logger.info(
        "Rips H%d of %d graphs of %d nodes took %.3f s", dim, n_graphs, n_nodes, time.perf_counter() - start
    )
    return diagrams


# --------------------------------------------------------------------------- cost estimate


def _best_time(D, dim, min_total=0.05, max_repeats=5):
    """Shortest of a few timed Rips runs on the distance matrix ``D``."""
    best, total, repeats = math.inf, 0.0, 0
    while repeats < max_repeats and (repeats == 0 or total < min_total):
        t0 = time.perf_counter()
        _rips_diagram(D, dim)
        elapsed = time.perf_counter() - t0
        best, total, repeats = min(best, elapsed), total + elapsed, repeats + 1
    return best


def _calibrate(D, dim):
    """Time Rips persistence on random sub-graphs of ``D``; return ``(n_ref, t_ref, exponent)``.

    The exponent is the least-squares slope of log time against log size over the sub-graphs.
    """
    n = D.shape[0]
    order = np.random.default_rng(0).permutation(n)
    sizes = sorted({min(n, s) for s in _CALIBRATION_SIZES})
    largest = sizes[-1]
    sub = D[np.ix_(order[:largest], order[:largest])]
    times = [_best_time(sub[:m, :m], dim) for m in sizes]
    if len(sizes) < 2:
        return largest, times[-1], _EXPONENT_RANGE[1]
    slope = np.polyfit(np.log(sizes), np.log(np.maximum(times, 1e-9)), 1)[0] + _EXPONENT_MARGIN
    exponent = min(max(float(slope), _EXPONENT_RANGE[0]), _EXPONENT_RANGE[1])
    return largest, times[-1], exponent


@lru_cache(maxsize=4)
def _reference_calibration(dim, transform):
    """Calibration on a fixed graph with unstructured uniform weights (the slowest kind seen)."""
    rng = np.random.default_rng(12345)
    n = _CALIBRATION_SIZES[1]
    U = np.triu(rng.random((n, n)), 1)
    return _calibrate(weights_to_distance(U + U.T, transform=transform), dim)


def estimate_baseline_cost(n_nodes, n_graphs=1, *, dim=1, graph=None, transform="sqrt"):
    """Estimate the seconds that Rips persistence of ``n_graphs`` graphs of ``n_nodes`` nodes takes.

    The cost is measured on this machine on random sub-graphs of 40, 60 and 80 nodes and
    extrapolated as ``t(n) = t_80 (n / 80) ** a``, with ``a`` the slope of the timings in log-log
    scale plus 1, kept in [2, 7]. The added 1 is a deliberate bias upwards: the growth of Rips cost
    accelerates with n, and fits on small sub-graphs alone under-predict large graphs several-fold.
    Treat the result as an order of magnitude only; graphs with unstructured weights are
    under-predicted the most.

    The cost depends strongly on the structure of the weights (unstructured weights are far slower
    than modular correlation graphs), so pass a representative ``graph`` when you have one; without
    one a fixed graph with unstructured uniform weights is used, the slowest kind.

    Parameters
    ----------
    n_nodes : int
        Nodes per graph (at least 2).
    n_graphs : int, default=1
        Number of diagrams to compute.
    dim : {0, 1}, default=1
        Homology dimension.
    graph : array-like of shape (m, m), optional
        A representative graph (weights in [0, 1]) to calibrate on; any size.
    transform : {"sqrt", "linear"}, default="sqrt"
        Weight-to-distance map, see :func:`weights_to_distance`.

    Returns
    -------
    float
        Estimated seconds.

    Raises
    ------
    ImportError
        If ``ripser`` is not installed.
    """
    _check_work(n_nodes, n_graphs, dim)
    _require("ripser")
    if graph is None:
        n_ref, t_ref, exponent = _reference_calibration(dim, transform)
    else:
        D = weights_to_distance(graph, transform=transform)
        if D.ndim != 2:
            raise ValueError(f"graph must be one (m, m) graph; got shape {np.shape(graph)}.")
        n_ref, t_ref, exponent = _calibrate(D, dim)
    return _extrapolate(n_ref, t_ref, exponent, n_nodes, n_graphs)


def _check_work(n_nodes, n_graphs, dim):
    check_int(n_nodes, "n_nodes", minimum=2)
    check_int(n_graphs, "n_graphs", minimum=1)
    check_option(dim, "dim", (0, 1), hint="It is the homology dimension.")


def _extrapolate(n_ref, t_ref, exponent, n_nodes, n_graphs):
    return float(n_graphs * t_ref * (n_nodes / n_ref) ** exponent)


def check_baseline_budget(n_nodes, n_graphs, time_budget, *, dim=1, graph=None, distance=None, transform="sqrt"):
    """Raise :class:`BaselineBudgetError` when Rips persistence is estimated to exceed ``time_budget``.

    Parameters
    ----------
    n_nodes, n_graphs : int
        Size of the work.
    time_budget : float
        Seconds allowed (positive).
    dim : {0, 1}, default=1
        Homology dimension.
    graph : array-like of shape (m, m), optional
        Representative graph to calibrate on (see :func:`estimate_baseline_cost`).
    distance : ndarray of shape (m, m), optional
        A representative distance matrix instead of ``graph`` (already transformed).
    transform : {"sqrt", "linear"}, default="sqrt"
        Weight-to-distance map for ``graph``.

    Returns
    -------
    float
        The estimate in seconds, when within budget.
    """
    check_real(time_budget, "time_budget", low=0, closed="neither",
               hint="It is in seconds; pass None to run whatever the cost.")
    if distance is not None:
        _check_work(n_nodes, n_graphs, dim)
        estimate = _extrapolate(*_calibrate(np.asarray(distance, dtype=np.float64), dim), n_nodes, n_graphs)
    else:
        estimate = estimate_baseline_cost(n_nodes, n_graphs, dim=dim, graph=graph, transform=transform)
    logger.info("Rips H%d of %d graphs of %d nodes: estimated %.3g s", dim, n_graphs, n_nodes, estimate)
    if estimate > time_budget:
        raise BaselineBudgetError(estimate, time_budget, n_nodes, n_graphs)
    return estimate


# --------------------------------------------------------------------------- clustering


def _check_n_clusters(n_clusters, n_samples):
    check_int(n_clusters, "n_clusters", minimum=1, maximum=n_samples,
              hint=f"There are {n_samples} diagrams to cluster.")


def _kmedoids_labels(D, n_clusters, random_state, n_init):
    kmedoids = _require("kmedoids")
    from sklearn.utils import check_random_state

    rng = check_random_state(random_state)
    best = None
    for seed in rng.randint(0, 2**31 - 1, size=n_init):
        result = kmedoids.fasterpam(D, n_clusters, max_iter=100, init="random", random_state=int(seed), n_cpu=1)
        if best is None or result.loss < best.loss:
            best = result
    return np.asarray(best.labels, dtype=np.int64)


def cluster_diagrams(
    diagrams, n_clusters, *, method="WD", random_state=None, n_init=10, sigma=None, n_directions=50, resolution=20
):
    """Cluster persistence diagrams with one of the paper's baselines.

    BD, WD, SWK, HK: k-medoids (FasterPAM, ``kmedoids.fasterpam``) on :func:`diagram_distances`,
    best of ``n_init`` random initialisations. PI: k-means (scikit-learn) on persistence-image vectors.

    Parameters
    ----------
    diagrams : list of array-like of shape (k_i, 2)
        N persistence diagrams (e.g. from :func:`persistence_diagrams`).
    n_clusters : int
        Number of clusters, 1 to N.
    method : {"BD", "WD", "SWK", "HK", "PI"}, default="WD"
        The baseline, see :func:`baseline_methods`.
    random_state : int, numpy.random.RandomState or None
        Seed; the same seed gives the same labels.
    n_init : int, default=10
        Random restarts; the lowest-cost clustering is kept.
    sigma, n_directions, resolution
        Passed to :func:`diagram_distances`.

    Returns
    -------
    ndarray of shape (N,)
        Integer cluster labels in ``0 .. n_clusters - 1``.

    Raises
    ------
    ImportError
        If the baselines extra is missing (``pip install "fcviz[baselines]"``).
    """
    features = diagram_features(diagrams, method=method, sigma=sigma, n_directions=n_directions,
                                resolution=resolution)
    return cluster_features(features, n_clusters, method=method, random_state=random_state, n_init=n_init)


def diagram_features(diagrams, *, method="WD", sigma=None, n_directions=50, resolution=20, n_jobs=None,
                     client=None):
    """What a baseline clusters: a distance matrix (BD, WD, SWK, HK) or persistence images (PI).

    Compute it once and call :func:`cluster_features` for each restart or seed.

    Parameters
    ----------
    diagrams : list of array-like of shape (k_i, 2)
        N persistence diagrams.
    method : {"BD", "WD", "SWK", "HK", "PI"}, default="WD"
    sigma, n_directions, resolution
        Passed to :func:`diagram_distances` or :func:`persistence_images`.
    n_jobs, client
        Where the pairs of a distance or kernel matrix are computed, in blocks
        (:func:`fcviz.parallel.run_tasks`); the matrix is the same, bit for bit. PI is always
        computed here (one image per diagram, cheap).

    Returns
    -------
    ndarray of shape (N, N) or (N, n_pixels)
    """
    from .parallel import active_client

    _check_method(method)
    dgms = _check_diagrams(diagrams)
    if method == "PI":
        return persistence_images(dgms, resolution=resolution)
    if n_jobs in (None, 1) and active_client(client) is None:
        return diagram_distances(dgms, method=method, sigma=sigma, n_directions=n_directions)
    return _distributed_distances(dgms, method, sigma, n_directions, n_jobs, client)


#: Blocks of pairs per distance matrix on several processes or a cluster (enough for a few dozen workers).
DISTANCE_BLOCKS = 32


def _distributed_distances(dgms, method, sigma, n_directions, n_jobs, client):
    """:func:`diagram_distances` (BD, WD, SWK, HK) with its pairs computed as tasks; the same numbers."""
    from ._diagrams import sw_directions, heat_sigma, kernel_to_distance, positive, swk_sigma
    from .parallel import run_tasks, split

    n = len(dgms)
    pairs = [(i, j) for i in range(n) for j in range(i if method == "HK" else i + 1, n)]  # HK: its diagonal too
    directions = sw_directions(n_directions) if method == "SWK" else None
    if method == "SWK":
        sigma = swk_sigma(dgms, directions) if sigma is None else positive(sigma, "sigma")
    elif method == "HK":
        sigma = heat_sigma(dgms) if sigma is None else positive(sigma, "sigma")
    blocks = split(len(pairs), DISTANCE_BLOCKS)
    values = run_tasks(_pair_values, [(pairs[a:b],) for a, b in blocks], n_jobs=n_jobs, client=client,
                       shared={"method": method, "diagrams": dgms, "sigma": sigma, "directions": directions},
                       labels=[f"{method} distances of diagram pairs {pairs[a]}..{pairs[b - 1]}" for a, b in blocks],
                       name=f"distances-{method}")
    M = np.zeros((n, n))
    for (a, b), block in zip(blocks, values):
        for (i, j), value in zip(pairs[a:b], block):
            M[i, j] = M[j, i] = value
    if method == "SWK":
        return kernel_to_distance(np.exp(-M / (2.0 * sigma**2)))
    return kernel_to_distance(M) if method == "HK" else M


def _pair_values(pairs, *, method, diagrams, sigma, directions):
    """A task of :func:`_distributed_distances`: the distance (BD, WD, SWK's sliced Wasserstein) or the
    kernel value (HK) of each pair ``(i, j)`` of ``diagrams``, exactly as :func:`diagram_distances` computes it."""
    from ._diagrams import persim_distance, pss, sw
    from ._threads import one_thread

    with one_thread(fresh=True):
        if method in ("BD", "WD"):
            persim = _require("persim")
            func = persim.bottleneck if method == "BD" else persim.wasserstein
            return [persim_distance(func, diagrams[i], diagrams[j]) for i, j in pairs]
        if method == "SWK":
            return [sw(diagrams[i], diagrams[j], directions) for i, j in pairs]
        return [pss(diagrams[i], diagrams[j], sigma) for i, j in pairs]


def cluster_features(features, n_clusters, *, method="WD", random_state=None, n_init=10):
    """Cluster the output of :func:`diagram_features`: k-medoids on distances, k-means on images.

    Parameters
    ----------
    features : ndarray of shape (N, N) or (N, n_pixels)
        From :func:`diagram_features` with the same ``method``.
    n_clusters : int
        Number of clusters, 1 to N.
    method : {"BD", "WD", "SWK", "HK", "PI"}, default="WD"
    random_state : int, numpy.random.RandomState or None
    n_init : int, default=10
        Random restarts; the lowest-cost clustering is kept.

    Returns
    -------
    ndarray of shape (N,)
        Integer cluster labels.
    """
    _check_method(method)
    features = np.asarray(features, dtype=np.float64)
    _check_n_clusters(n_clusters, len(features))
    check_int(n_init, "n_init", minimum=1)
    if method == "PI":
        from .clustering import kmeans

        # scikit-learn's KMeans (default tol) labels, without its per-call set-up
        return kmeans(features, n_clusters, n_init=n_init, tol=1e-4, random_state=random_state).astype(np.int64)
    if features.ndim != 2 or features.shape[0] != features.shape[1]:
        raise ValueError(f"method {method!r} clusters a square distance matrix; got shape {features.shape}.")
    with one_thread_below(features.size * len(features)):  # a few dozen points: see fcviz._threads
        return _kmedoids_labels(features, n_clusters, random_state, n_init)


def require_baselines():
    """Import the packages of the baselines extra; raise an ImportError naming the extra if one is missing."""
    for module in ("ripser", "persim", "kmedoids"):
        _require(module)
