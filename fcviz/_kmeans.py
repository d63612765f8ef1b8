"""k-means on the rows of a table, with scikit-learn's seeding and iterations and without its set-up.

:func:`kmeans` is the public entry point (re-exported by :mod:`fcviz.clustering`); :func:`best_of_runs`
is its engine, shared with :class:`fcviz.TopClustering`, whose centroid updates plug in through
``make_centroids``. Mean centroids with fewer points than features run in the Gram space
(kernel k-means with the linear kernel): the same steps and random draws, in other coordinates.
"""

from __future__ import annotations

import numpy as np
from sklearn import config_context
from sklearn.cluster import kmeans_plusplus
from sklearn.utils import check_random_state

from ._linalg import gram_form, squared_euclidean
from ._threads import one_thread_below
from ._validation import check_int, check_option

__all__ = ["kmeans", "best_of_runs", "MeanCentroids"]


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
    labels, inertia, centers, n_iter, centroids, z_mean
        ``centers`` (k, d) are centred (add ``z_mean``); ``centroids`` is the best run's updater.
    """
    n_samples = Z_raw.shape[0]
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
    return labels, inertia, centers, n_iter, centroids, z_mean


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
                             rng=check_random_state(random_state))[0]
