"""k-means on the rows of a table, with scikit-learn's seeding and iterations and without its set-up.

:func:`kmeans` is the public entry point (re-exported by :mod:`fcviz.clustering`); :func:`best_of_runs`
is its engine, shared with :class:`fcviz.TopClustering`, whose centroid updates plug in through
``make_centroids``. Mean centroids with fewer points than features run in the Gram space
(kernel k-means with the linear kernel): the same steps and random draws, in other coordinates.
"""

from __future__ import annotations

import numbers
from functools import lru_cache, partial
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np
from sklearn import config_context
from sklearn.cluster import kmeans_plusplus
from sklearn.utils import check_random_state

from ._linalg import gram_form, squared_euclidean
from ._threads import one_thread_below
from ._validation import check_int, check_option
from ._workshare import kernel_threads, run_shared, shared_executor

try:  # this module's compiled twin (fcviz/_ckmeans.c, built by setup.py); without it the numpy path
    # below takes the same steps
    from ._ckmeans import centre_gram, gram, gram_runs, means_distances
except ImportError:  # pragma: no cover - exercised by the tests with the core hidden
    _ckmeans = None
else:  # the compiled core, one name that the tests can hide
    _ckmeans = SimpleNamespace(centre_gram=centre_gram, gram=gram, gram_runs=gram_runs,
                               means_distances=means_distances)

__all__ = ["kmeans", "best_of_runs", "MeanCentroids", "Runs", "compiled_runs", "direct_distances", "random_source",
           "SeedStream", "distinct_choice"]


# ----------------------------------------------------------------------------------------------
# Random numbers: a seed's first uniform draws without building its RandomState
# ----------------------------------------------------------------------------------------------

#: Uniform draws of a seed kept at hand (k-means++ with 10 runs of 4 clusters takes 100).
_PREFIX = 1024


@lru_cache(maxsize=256)
def _seed_prefix(seed):
    """The first :data:`_PREFIX` values of ``np.random.RandomState(seed).random_sample``, read-only."""
    prefix = np.random.RandomState(seed).random_sample(_PREFIX)
    prefix.flags.writeable = False
    return prefix


class SeedStream:
    """``np.random.RandomState(seed)`` for one fit, built only if more than its first uniform draws are needed.

    A RandomState costs some 0.1 ms to build (numpy first seeds it from the OS, then from the
    seed), as much as a whole k-means of 40 graphs in the compiled core, which reads only uniform
    numbers (:meth:`random_sample`). Those come from a cached prefix of the seed's stream; any
    other use goes to :meth:`random_state`, the RandomState itself advanced past the numbers
    already served: the same numbers either way.
    """

    def __init__(self, seed):
        self.seed = int(seed)
        self._prefix = _seed_prefix(self.seed)
        self._used = 0
        self._rng = None

    def random_sample(self, size):
        """As :meth:`numpy.random.RandomState.random_sample` (``size`` an int or a shape)."""
        count = int(np.prod(size))
        if self._rng is None and self._used + count <= _PREFIX:
            out = self._prefix[self._used:self._used + count].reshape(size)
            self._used += count
            return out.copy()
        return self.random_state().random_sample(size)

    def random_state(self):
        """The RandomState of the seed, past the numbers :meth:`random_sample` has served."""
        if self._rng is None:
            self._rng = np.random.RandomState(self.seed)
            if self._used:
                self._rng.random_sample(self._used)
        return self._rng


def distinct_choice(rng, n, size):
    """``RandomState.choice(n, size, replace=False, p=np.full(n, 1 / n))`` by numpy's own steps.

    The steps of numpy's (legacy) ``choice`` without replacement and with probabilities, reading
    only ``rng.random_sample``: so a :class:`SeedStream` serves them from its prefix, without
    building its RandomState (tests/test_clustering.py checks the result against ``choice``).
    """
    p = np.full(n, 1.0 / n)
    found = np.zeros(size, dtype=np.int64)
    n_found = 0
    while n_found < size:
        x = rng.random_sample((size - n_found,))
        if n_found > 0:
            p[found[:n_found]] = 0
        cdf = np.cumsum(p)
        cdf /= cdf[-1]
        # numpy keeps each distinct draw once, in the order of its first occurrence
        # (np.unique(..., return_index=True), indices sorted): a few values, kept here by a dict
        new = list(dict.fromkeys(cdf.searchsorted(x, side="right").tolist()))
        found[n_found:n_found + len(new)] = new
        n_found += len(new)
    return found


def random_source(random_state):
    """:func:`sklearn.utils.check_random_state`, with a :class:`SeedStream` for an int seed."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool) \
            and 0 <= random_state < 2**32:
        return SeedStream(random_state)
    return check_random_state(random_state)


def _as_random_state(rng):
    """A RandomState (or Generator) for the numpy path: a :class:`SeedStream` gives its RandomState."""
    return rng.random_state() if isinstance(rng, SeedStream) else rng


# ----------------------------------------------------------------------------------------------
# Mean centroids: as points, or as weights over the points (Gram space)
# ----------------------------------------------------------------------------------------------


class MeanCentroids:
    """Centroids at w = 0 or w = 1: the closed-form mean of the members' features."""

    def __init__(self, Z):
        self.Z = Z

    def start(self, seeds):
        self.centers = self.Z[seeds].copy()
        return self.centers

    def relocate(self, cluster, sample):
        self.centers[cluster] = self.Z[sample]

    def update(self, labels, counts):
        new = self.centers.copy()  # an empty cluster keeps its centre
        filled = np.flatnonzero(counts)
        # every member's row summed into its cluster by one product with the (N, k) membership matrix
        members = (labels[:, None] == filled[None, :]).astype(self.Z.dtype)
        new[filled] = (members.T @ self.Z) / counts[filled, None]
        self.centers = new
        return new


class _GramMeans:
    """Mean centroids held as weights over the points, for Lloyd's iterations in the Gram space.

    Column c of ``weights`` (n_samples, k) gives the centre ``Z.T @ weights[:, c]``: 1 on one point
    (a seed, or the sample given to an empty cluster) or ``1 / |c|`` on each member. Every column is
    uniform on its support, so the centre is the mean of the points it weighs (:func:`_weighted_means`).
    """

    def __init__(self, n_samples, n_clusters):
        self.shape = (n_samples, n_clusters)

    def start(self, seeds):
        self.weights = np.zeros(self.shape)
        self.weights[seeds, np.arange(self.shape[1])] = 1.0
        return self.weights

    def relocate(self, cluster, sample):
        self.weights[:, cluster] = 0.0
        self.weights[sample, cluster] = 1.0

    def update(self, labels, counts):
        if counts.all():  # the usual case: every point weighs 1 / |its cluster| in its own column only
            new = np.zeros(self.shape)
            new[np.arange(self.shape[0]), labels] = 1.0 / counts[labels]
        else:
            new = self.weights.copy()  # an empty cluster keeps its centre
            filled = np.flatnonzero(counts)
            new[:, filled] = (labels[:, None] == filled[None, :]) / counts[filled]
        self.weights = new
        return new


def _weighted_means(Z, weights):
    """The centres (k, d) of :class:`_GramMeans` weights as points: the mean of each column's support."""
    return np.stack([Z[column != 0].mean(axis=0) for column in weights.T])


# ----------------------------------------------------------------------------------------------
# Lloyd iterations
# ----------------------------------------------------------------------------------------------


def _same_clustering(a, b, k):
    """True when two labelings are the same partition up to renaming the clusters."""
    mapping = np.full(k, -1)
    for x, y in zip(a, b):
        if mapping[x] == -1:
            mapping[x] = y
        elif mapping[x] != y:
            return False
    return True


def _fill_empty(D, labels, counts, centroids):
    """Give each empty cluster the sample farthest from its centre, taken from a cluster of >= 2."""
    far = np.argsort(D[np.arange(len(labels)), labels], kind="stable")[::-1]
    for cluster in np.flatnonzero(counts == 0):
        for sample in far:
            if counts[labels[sample]] > 1:
                counts[labels[sample]] -= 1
                labels[sample] = cluster
                counts[cluster] = 1
                centroids.relocate(cluster, sample)
                break


class _FeatureSpace:
    """Distances and centre shifts for centres stored as points (rows of features, like Z)."""

    def __init__(self, Z, z_norms):
        self.Z = Z
        self.z_norms = z_norms

    def distances(self, centers):
        return squared_euclidean(self.Z, centers, x_norms=self.z_norms)

    def shift(self, new, old):
        return float(((new - old) ** 2).sum())


class _GramSpace:
    """Distances and centre shifts for centres stored as weights over the points (kernel k-means).

    With the linear kernel ``K = Z Z^T`` (n_samples, n_samples) a centre ``c = Z^T v`` is known by
    its weights v, and ``|z_i - c|^2 = K_ii - 2 (K v)_i + v^T K v``: each Lloyd round costs
    ``O(N^2 k)`` instead of ``O(N d k)`` with ``d`` the (wide) feature dimension. Exactly the
    feature-space iteration, in other coordinates.
    """

    def __init__(self, K, z_norms):
        self.K = K
        self.z_norms = z_norms

    def distances(self, weights):
        Kv = self.K @ weights
        return gram_form(Kv, self.z_norms, np.einsum("ij,ij->j", weights, Kv))

    def shift(self, new, old):
        delta = new - old
        return float(np.einsum("ij,ij->", delta, self.K @ delta))


def _kmeans_plusplus_gram(K, z_norms, n_clusters, random_state):
    """Indices of k-means++ seeds, drawn from the Gram matrix ``K`` (n_samples, n_samples).

    scikit-learn's greedy k-means++ (:func:`sklearn.cluster.kmeans_plusplus`, unit sample weights)
    written on the rows of K: it consumes ``random_state`` exactly as scikit-learn does and takes
    the same steps, so a seed picks the same points; the distances from the candidates to all points
    come from rows of K rather than from products with the wide features.
    """
    n_samples = K.shape[0]
    sample_weight = np.ones(n_samples)
    n_local_trials = 2 + int(np.log(n_clusters))
    first = random_state.choice(n_samples, p=sample_weight / sample_weight.sum())
    indices = np.full(n_clusters, -1, dtype=int)
    indices[0] = first
    closest = gram_form(K[[first]], z_norms[[first]], z_norms)  # (1, N)
    potential = closest @ sample_weight
    for c in range(1, n_clusters):
        # candidates drawn with probability proportional to the squared distance to the nearest seed
        draws = random_state.uniform(size=n_local_trials) * potential
        candidates = np.searchsorted(np.cumsum(sample_weight * closest), draws)
        np.minimum(candidates, n_samples - 1, out=candidates)  # rounding can overshoot the sum
        to_candidates = gram_form(K[candidates], z_norms[candidates], z_norms)
        np.minimum(closest, to_candidates, out=to_candidates)
        potentials = to_candidates @ sample_weight.reshape(-1, 1)
        best = np.argmin(potentials)  # the candidate that lowers the potential most
        potential = potentials[best]
        closest = to_candidates[best]
        indices[c] = candidates[best]
    return indices


def _lloyd(space, centroids, seeds, k, max_iter, tol_abs):
    """One k-means run from ``seeds``: returns labels, inertia, centers, number of iterations.

    ``space`` measures distances and centre shifts for the centres ``centroids`` keeps (points,
    :class:`_FeatureSpace`, or weights over the points, :class:`_GramSpace`). The stopping rule
    follows scikit-learn's KMeans: stop when the labels no longer change, or when the total squared
    centre shift falls to ``tol_abs``; then re-assign once to the final centres.
    """
    centers = centroids.start(seeds)
    labels_old = None
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        D = space.distances(centers)
        labels = D.argmin(axis=1)
        counts = np.bincount(labels, minlength=k)
        if (counts == 0).any():
            _fill_empty(D, labels, counts, centroids)
        new_centers = centroids.update(labels, counts)
        shift = space.shift(new_centers, centers)
        centers = new_centers
        if labels_old is not None and np.array_equal(labels, labels_old):
            break
        if shift <= tol_abs:
            break
        labels_old = labels
    # final assignment to the final centres (a no-op for means after strict convergence), so that
    # predict on the training graphs gives back labels_
    D = space.distances(centers)
    labels = D.argmin(axis=1)
    inertia = float(D[np.arange(len(D)), labels].sum())
    return labels, inertia, centers, n_iter


class Runs(NamedTuple):
    """The best of :func:`best_of_runs`'s runs.

    Attributes
    ----------
    labels : ndarray of shape (N,)
    inertia : float
    centers : ndarray of shape (k, d) or None
        Centred (add ``z_mean``); None from the compiled core, which gives ``means`` instead.
    n_iter : int
    centroids : object or None
        The best run's centroid updater (None from the compiled core).
    z_mean : ndarray of shape (d,) or None
        The points' mean (None from the compiled core, whose ``means`` need none).
    means : ndarray of shape (k, d) or None
        From the compiled core: the centres, uncentred, each the mean of its members summed in row
        order (so means of sorted rows are sorted), against which ``labels`` and ``inertia`` were
        measured by :func:`direct_distances`. None from the numpy path (Gram-form distances of the
        centred points to ``centers``).
    """

    labels: np.ndarray
    inertia: float
    centers: np.ndarray
    n_iter: int
    centroids: object
    z_mean: np.ndarray
    means: np.ndarray | None = None


def compiled_runs(n_samples, n_features, *, init, rng, gram_space=True, mean_centroids=True):
    """Whether :func:`best_of_runs` runs in the compiled core (``fcviz._ckmeans``) for these arguments.

    It does for the Gram-space runs (mean centroids, fewer points than features) with a
    :class:`numpy.random.RandomState` (whose draws it takes in one batch) when the module is built.
    Those runs make no BLAS calls: callers need no thread limit around them.
    """
    return (_ckmeans is not None and gram_space and mean_centroids and n_samples <= n_features
            and init in ("k-means++", "random") and isinstance(rng, (np.random.RandomState, SeedStream)))


def direct_distances(points, centers):
    """Squared distances (N, k) from rows to centres, summed directly (the compiled core).

    The arithmetic of the final assignment of a compiled fit (:attr:`Runs.means`), for predict.
    Without the compiled module (a fit unpickled elsewhere) numpy sums the same squares.

    Parameters
    ----------
    points : ndarray of shape (N, d)
    centers : ndarray of shape (k, d)

    Returns
    -------
    ndarray of shape (N, k)
    """
    points = np.ascontiguousarray(points, dtype=np.float64)
    centers = np.ascontiguousarray(centers, dtype=np.float64)
    if _ckmeans is None:
        return np.stack([np.einsum("ij,ij->i", points - center, points - center) for center in centers], axis=1)
    return _means_and_distances(points, np.empty((0, 0)), centers, with_means=False)


def _seedings(rng, n_samples, n_clusters, init, n_init):
    """The random draws of ``n_init`` seedings, in the order the numpy path consumes ``rng``.

    k-means++ (:func:`_kmeans_plusplus_gram`) draws, per run, its first seed by
    ``rng.choice(n_samples, p=uniform)`` (one uniform number, which the compiled core reads through
    the same cumulative sum and search as ``choice``) and then ``rng.uniform(size=trials)`` per
    further seed: the same doubles as one ``rng.random_sample`` of them all. Random seeding calls
    ``choice`` itself.

    Returns
    -------
    seeds : ndarray of shape (n_init, n_clusters), int64
        The seeds of random seeding (zeros for k-means++).
    draws : ndarray of shape (n_init, 1 + (n_clusters - 1) * trials)
        Each k-means++ run's uniform numbers (no columns for random seeding).
    trials : int
        Candidates per k-means++ seed (0: random seeding).
    """
    seeds = np.zeros((n_init, n_clusters), dtype=np.int64)
    if init != "k-means++":
        uniform = np.full(n_samples, 1.0 / n_samples)
        for run in range(n_init):
            seeds[run] = (distinct_choice(rng, n_samples, n_clusters) if isinstance(rng, SeedStream)
                          else rng.choice(n_samples, size=n_clusters, replace=False, p=uniform))
        return seeds, np.empty((n_init, 0)), 0
    trials = 2 + int(np.log(n_clusters))
    return seeds, rng.random_sample((n_init, 1 + (n_clusters - 1) * trials)), trials


#: Columns from which the wide compiled kernels take a table in two halves, and multiply-adds of a
#: Gram product (n^2 d / 2) from which two threads take one half each (below, the hand-off to a
#: helper thread, tens of microseconds, costs more than it saves: the halves run one after the other).
_SPLIT_COLUMNS = 8192
_SPLIT_WORK = 4e6


def _column_parts(n_features):
    """Column ranges ``[c0, c1)`` of the wide compiled kernels' parts: two halves of a wide table
    (the second starting on a whole vector), else the whole. The parts depend on the width alone,
    so that a fit and a later prediction on the same rows add the same partial sums."""
    if n_features < _SPLIT_COLUMNS:
        return [(0, n_features)]
    half = n_features // 16 * 8
    return [(0, half), (half, n_features)]


def _summed_over_parts(V, shape, kernel):
    """The sum over the parts of :func:`_column_parts` of ``kernel(out, c0, c1)``, a GIL-free kernel
    writing its part's share into a fresh ``out`` of ``shape``: side by side on this thread and the
    shared pool where the work is large enough and two threads are free (:func:`kernel_threads`),
    else one after the other."""
    n_samples, n_features = V.shape
    parts = _column_parts(n_features)
    outs = [np.empty(shape) for _ in parts]
    calls = [partial(kernel, out, c0, c1) for out, (c0, c1) in zip(outs, parts)]
    if len(calls) > 1 and kernel_threads() > 1 and n_samples * n_samples * n_features / 2 >= _SPLIT_WORK:
        run_shared(calls, shared_executor().submit, len(calls) - 1)
    else:
        for call in calls:
            call()
    return outs[0] if len(outs) == 1 else np.add(outs[0], outs[1], out=outs[0])


def _centred_gram(V):
    """The Gram matrix of the centred rows of V (n, d), its diagonal and trace.

    ``K = V V^T`` comes from the compiled core, the columns of a large V shared by two threads (their
    two partial products added); the centring is algebraic, ``Kc = K - r 1^T - 1 r^T + mean(r)`` with
    ``r = K 1 / n`` (``r_i = v_i . mean``).
    """
    n = V.shape[0]
    K = _summed_over_parts(V, (n, n), lambda out, c0, c1: _ckmeans.gram(V, out, None, c0, c1))
    z_norms = np.empty(n)
    trace = _ckmeans.centre_gram(K, z_norms)
    return K, z_norms, trace


def _means_and_distances(V, weights, means, with_means=True):
    """Squared distances (n, k) of the rows of V (n, d) to the rows of ``means`` (k, d), summed
    directly in the parts of :func:`_column_parts`; first, with ``with_means``, ``means`` = the means
    of the members of each centre (``weights`` (n, k) non-zero)."""
    return _summed_over_parts(V, (V.shape[0], means.shape[0]), lambda out, c0, c1: _ckmeans.means_distances(
        V, weights, means, out, with_means, c0, c1))


def _compiled_best_of_runs(Z_raw, n_clusters, *, init, n_init, max_iter, tol, rng):
    """:func:`best_of_runs` in the Gram space by the compiled core: the same draws and steps."""
    V = np.ascontiguousarray(Z_raw, dtype=np.float64)
    n_samples = V.shape[0]
    K, z_norms, trace = _centred_gram(V)
    tol_abs = trace / V.size * tol
    seeds, draws, trials = _seedings(rng, n_samples, n_clusters, init, n_init)
    labels = np.empty(n_samples, dtype=np.int64)
    weights = np.empty((n_samples, n_clusters))
    _, n_iter, _ = _ckmeans.gram_runs(K, z_norms, seeds, draws, trials, max_iter, tol_abs, labels, weights)
    # the centres as points (means of the best run's weights) and the final assignment to them, as
    # predict does it (direct_distances), in one more pass over the points
    means = np.empty((n_clusters, V.shape[1]))
    D = _means_and_distances(V, weights, means)
    labels = D.argmin(axis=1)
    inertia = float(D[np.arange(n_samples), labels].sum())
    return Runs(labels, inertia, None, int(n_iter), None, None, means)


#: Up to this many points, k-means++ seeds from the N x N Gram matrix even when it is larger than the features.
_SMALL_GRAM = 512


def best_of_runs(Z_raw, n_clusters, *, init, n_init, max_iter, tol, rng, gram_space=True, mean_centroids=True,
                  make_centroids=None):
    """Lloyd's k-means from ``n_init`` seedings on the rows of ``Z_raw``; the run of lowest inertia.

    Parameters
    ----------
    Z_raw : ndarray of shape (N, d)
        The points. With ``mean_centroids=False`` it may be overwritten (centred in place).
    mean_centroids : bool
        Centroids are the means of their members (k-means proper). With fewer points than
        features, seeding and iterations then run in the N x N Gram space (see :class:`TopClustering`).
    make_centroids : callable, optional
        ``make_centroids(Z, z_mean)`` gives the centroid updater of a run when not in the Gram space;
        default: the members' mean (:class:`MeanCentroids`).

    Returns
    -------
    Runs
        labels, inertia, centers, n_iter, centroids, z_mean, means: ``centers`` (k, d) are centred
        (add ``z_mean``); ``centroids`` is the best run's updater. The Gram-space runs go to the
        compiled core where :func:`compiled_runs` says so (then ``means`` replaces ``centers``).
    """
    n_samples = Z_raw.shape[0]
    if compiled_runs(n_samples, Z_raw.shape[1], init=init, rng=rng, gram_space=gram_space,
                     mean_centroids=mean_centroids):
        return _compiled_best_of_runs(Z_raw, n_clusters, init=init, n_init=n_init, max_iter=max_iter, tol=tol,
                                      rng=rng)
    rng = _as_random_state(rng)
    z_mean = Z_raw.mean(axis=0)
    # centred for accurate Gram-form distances; in place where the features are a fresh array
    Z = Z_raw - z_mean if mean_centroids else np.subtract(Z_raw, z_mean, out=Z_raw)
    z_norms = np.einsum("ij,ij->i", Z, Z)
    # mean feature variance (Z is centred), without another pass over the wide features
    tol_abs = float(z_norms.sum()) / Z.size * tol
    # Mean centroids with fewer points than features: seed and iterate in the Gram space (N x N)
    # and touch the wide features only to build K and, at the end, the centres.
    gram = gram_space and mean_centroids and n_samples <= Z.shape[1]
    # k-means++ reads only distances between the points: it draws its seeds from K when K is the
    # smaller matrix, or small anyway (the same draws, see _kmeans_plusplus_gram; scikit-learn's
    # seeding checks its input on every call, most of a restart's time for a few dozen points).
    gram_seeds = gram_space and init == "k-means++" and (n_samples <= Z.shape[1] or n_samples <= _SMALL_GRAM)
    K = Z @ Z.T if gram or gram_seeds else None
    space = _GramSpace(K, z_norms) if gram else _FeatureSpace(Z, z_norms)
    if make_centroids is None:
        make_centroids = lambda Z, z_mean: MeanCentroids(Z)  # noqa: E731

    best = None
    for _ in range(n_init):
        if gram_seeds:
            seeds = _kmeans_plusplus_gram(K, z_norms, n_clusters, rng)
        elif init == "k-means++":
            # Z was validated above: skip sklearn's per-call checks, half the cost of a restart here.
            with config_context(skip_parameter_validation=True, assume_finite=True):
                _, seeds = kmeans_plusplus(Z, n_clusters, x_squared_norms=z_norms, random_state=rng)
        else:
            seeds = rng.choice(n_samples, size=n_clusters, replace=False, p=np.full(n_samples, 1.0 / n_samples))
        centroids = _GramMeans(n_samples, n_clusters) if gram else make_centroids(Z, z_mean)
        labels, inertia, centers, n_iter = _lloyd(space, centroids, seeds, n_clusters, max_iter, tol_abs)
        if best is None or (inertia < best[1] and not _same_clustering(labels, best[0], n_clusters)):
            best = (labels, inertia, centers, n_iter, centroids)

    labels, inertia, centers, n_iter, centroids = best
    if gram:
        # The centres as points, formed once from the best run's weights; then the final
        # assignment again in the feature space, as predict does it, so predict(X) gives labels_.
        centers = _weighted_means(Z, centers)
        D = squared_euclidean(Z, centers, x_norms=z_norms)
        labels = D.argmin(axis=1)
        inertia = float(D[np.arange(n_samples), labels].sum())
    return Runs(labels, inertia, centers, n_iter, centroids, z_mean)


def kmeans(X, n_clusters, *, init="k-means++", n_init=10, max_iter=300, tol=1e-6, random_state=None):
    """k-means of the rows of a small table: the labels of scikit-learn's ``KMeans(algorithm="lloyd")``.

    The same seeding, iterations and stopping rule as :class:`sklearn.cluster.KMeans` (hence, for
    the same ``random_state``, the same labels up to ties in floating point), without its per-call
    set-up: studies cluster a few dozen networks thousands of times (repeats and bootstrap
    resamples), where that set-up costs more than the clustering.

    Parameters
    ----------
    X : array-like of shape (N, d)
        Finite values; not modified.
    n_clusters : int
        At most N.
    init : {"k-means++", "random"}, default="k-means++"
    n_init : int, default=10
        Seedings; the run with the lowest inertia is kept.
    max_iter : int, default=300
    tol : float, default=1e-6
        As in scikit-learn: relative to the mean variance of the features.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    labels : ndarray of shape (N,)

    Examples
    --------
    >>> import numpy as np
    >>> from fcviz.clustering import kmeans
    >>> X = np.array([[0.0], [0.1], [5.0], [5.2]])
    >>> labels = kmeans(X, 2, random_state=0)
    >>> bool(labels[0] == labels[1] != labels[2] == labels[3])
    True
    """
    Z = np.array(X, dtype=np.float64)  # a copy: centring never touches the caller's array
    if Z.ndim != 2 or Z.shape[0] == 0 or not np.all(np.isfinite(Z)):
        raise ValueError(f"kmeans needs a finite, non-empty table of shape (n_samples, n_features); got shape "
                         f"{Z.shape}{'' if Z.ndim != 2 or Z.size == 0 else ' with non-finite values'}.")
    n_clusters = check_int(n_clusters, "n_clusters", minimum=1, maximum=Z.shape[0],
                           hint="There must be at least as many rows as clusters.")
    check_option(init, "init", ("k-means++", "random"))
    n_init = check_int(n_init, "n_init", minimum=1)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    with one_thread_below(Z.shape[0] ** 2 * Z.shape[1]):
        return best_of_runs(Z, n_clusters, init=init, n_init=n_init, max_iter=max_iter, tol=float(tol),
                             rng=random_source(random_state)).labels
