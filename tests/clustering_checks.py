"""What two k-means computations must share when their arithmetic differs in the last bits.

Two fits of the same data with the same seed but different code paths (Gram space against feature
space, fcviz against scikit-learn) or different BLAS kernels (``OPENBLAS_CORETYPE``) compute the same
squared distances up to rounding. Where two candidates of k-means++ are nearly tied, that rounding can
change which one is drawn, and the same partition comes out under other label numbers. What is
mathematically promised is the partition, its inertia and its centres, not the label numbers:

- the same partition up to a relabelling (a bijection between the two label sets);
- the same inertia (relative 1e-9);
- the same centre for every non-empty cluster, once labels are matched;
- the same number of Lloyd iterations where the two fits followed the same sequence of partitions,
  which is observable only when the labels are identical (the same seeds were drawn).
"""

import numpy as np
import pytest


def matching_labels(labels, reference, err_msg=""):
    """The relabelling ``{label: reference label}`` under which two labellings are one partition.

    Parameters
    ----------
    labels, reference : array-like of shape (n_samples,)
        Two labellings of the same samples.
    err_msg : str
        Prefixed to the assertion message.

    Returns
    -------
    dict
        The bijection from the labels of ``labels`` to those of ``reference``.
    """
    labels, reference = np.asarray(labels), np.asarray(reference)
    assert labels.shape == reference.shape, f"{err_msg}: {labels.shape} labels against {reference.shape}"
    pairs = set(zip(labels.tolist(), reference.tolist()))
    forward = dict(pairs)
    backward = {b: a for a, b in pairs}
    assert len(forward) == len(pairs) == len(backward), (
        f"{err_msg}: different partitions\n  labels    {labels.tolist()}\n  reference {reference.tolist()}")
    return forward


def assert_same_clustering(ours, reference, *, centers=None, reference_centers=None, atol=1e-12, err_msg=""):
    """Assert that two fitted k-means-like estimators found the same clustering.

    Parameters
    ----------
    ours, reference : fitted estimators
        With ``labels_`` and ``inertia_``; ``n_iter_`` is compared when both have it and the labels
        are identical.
    centers, reference_centers : ndarray of shape (n_clusters, n_features), optional
        The centres of each fit, row ``k`` for label ``k``; compared after matching labels.
    atol : float
        Absolute tolerance on the centres.
    err_msg : str
        Names the case in assertion messages.
    """
    mapping = matching_labels(ours.labels_, reference.labels_, err_msg)
    assert ours.inertia_ == pytest.approx(reference.inertia_, rel=1e-9, abs=1e-12), err_msg
    if centers is not None:
        for label, ref_label in mapping.items():
            np.testing.assert_allclose(np.asarray(centers)[label], np.asarray(reference_centers)[ref_label],
                                       atol=atol, err_msg=f"{err_msg}: centre of cluster {label}")
    same_labels = np.array_equal(ours.labels_, reference.labels_)
    if same_labels and hasattr(ours, "n_iter_") and hasattr(reference, "n_iter_"):
        assert ours.n_iter_ == reference.n_iter_, err_msg


# ----------------------------------------------------------------------------------------------
# Top clustering written from the paper's equations, for 0 < w < 1 (no fcviz code inside)
# ----------------------------------------------------------------------------------------------
#
# Songdechakraiwut et al. (ICLR 2022). A graph G is its upper-triangle edge vector A_G (row-major,
# i < j) and its sorted birth set (maximum spanning tree weights) and death set (the other edges).
# Objective: sum over clusters k, members G of (1 - w) ||A_G - A_k||^2 + w d_top(G, C_k), with
# d_top(G, H) = sum_r s_r (P_G,r - P_H,r)^2 over the concatenated sorted (births, deaths) P, s_r = 1
# (the paper) or fcviz's birth_weight rank weights. The conventions TopClustering documents (its
# docstring, parameters tol / centroid_step_size / centroid_max_iter) are written out below.


def _kruskal_birth_mask(edges, n):
    """Which upper-triangle edges form a maximum spanning tree (Kruskal: heaviest first, union-find)."""
    rows, cols = np.triu_indices(n, 1)
    parent = list(range(n))

    def root(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    mask = np.zeros(len(edges), dtype=bool)
    for e in sorted(range(len(edges)), key=lambda e: -edges[e]):
        a, b = root(rows[e]), root(cols[e])
        if a != b:
            parent[a] = b
            mask[e] = True
    return mask


def reference_rank_weights(n, birth_weight):
    """s_r of each rank of (births, deaths): 1 for the paper; beta / (n - 1) and (1 - beta) / n_deaths."""
    n_births, n_deaths = n - 1, (n - 1) * (n - 2) // 2
    if birth_weight is None:
        return np.ones(n_births + n_deaths)
    return np.concatenate([np.full(n_births, birth_weight / n_births),
                           np.full(n_deaths, (1 - birth_weight) / n_deaths if n_deaths else 0.0)])


def reference_split(edges, n):
    """(persistence vector, ranks): sorted births then sorted deaths of a graph given by its edges, and
    for each edge its position in that vector (its rank inside its own birth or death set)."""
    born = _kruskal_birth_mask(edges, n)
    births = sorted(np.flatnonzero(born), key=lambda e: (edges[e], e))
    deaths = sorted(np.flatnonzero(~born), key=lambda e: (edges[e], e))
    position = np.empty(len(edges), dtype=int)
    position[births + deaths] = np.arange(len(edges))
    return edges[births + deaths], position


class ReferenceTop:
    """TopClustering(init="random") at 0 < w < 1, from the equations, with the same seeds.

    Assignment: nearest centroid under (1 - w) ||A_G - A_C||^2 + w d_top(G, C). Update of cluster k
    (members M, mean graph mean A, barycenter B = mean of the members' persistence vectors): minimise
    f(C) = (1 - w) ||C - mean A||^2 + w d_top(C, B) by gradient steps, the topological gradient at edge
    e being 2 s_e (C_e - B[rank of e in C's own set]). Conventions (TopClustering's documentation):

    - start from the previous centroid, or from the jump point (the minimiser of f for the birth/death
      split of mean A) when that costs less;
    - step C <- max(C - 2 eta g / ((1 - w) + w s), 0) with g = (1 - w)(C - mean A) + w s (C - target),
      eta = centroid_step_size (so eta = 1/2 lands on the minimiser for C's current split);
    - a step raising f is rejected and eta halved; after an accepted step eta doubles, capped at
      centroid_step_size; stop when ||step|| <= tol ||C||, when an accepted step lowers f by at most
      tol f, or after centroid_max_iter steps;
    - Lloyd rounds stop when the labels repeat or the squared centroid shift in the features
      [sqrt(1 - w) A, sqrt(w s) P] is at most tol times their mean variance; a last assignment follows;
    - seeds: ``RandomState(seed).choice(N, k, replace=False, p=uniform)`` per run (scikit-learn's
      random init); of n_init runs the first with the lowest inertia is kept.
    """

    def __init__(self, n_clusters, w, *, birth_weight=None, n_init=1, max_iter=300, tol=1e-6,
                 centroid_step_size=0.5, centroid_max_iter=300, random_state=0):
        self.k, self.w, self.birth_weight = n_clusters, w, birth_weight
        self.n_init, self.max_iter, self.tol = n_init, max_iter, tol
        self.eta, self.centroid_max_iter, self.seed = centroid_step_size, centroid_max_iter, random_state

    def fit(self, X):
        X = np.asarray(X, dtype=np.float64)
        N, n = X.shape[0], X.shape[-1]
        rows, cols = np.triu_indices(n, 1)
        self.n_ = n
        self.s_ = reference_rank_weights(n, self.birth_weight)
        self.A_ = X[:, rows, cols]
        self.P_ = np.array([reference_split(a, n)[0] for a in self.A_])
        w = self.w
        Z = np.hstack([np.sqrt(1 - w) * self.A_, np.sqrt(w * self.s_) * self.P_])
        tol_abs = self.tol * Z.var(axis=0).mean()
        rng = np.random.RandomState(self.seed)
        best = None
        for _ in range(self.n_init):
            seeds = rng.choice(N, size=self.k, replace=False, p=np.full(N, 1.0 / N))
            run = self._lloyd(seeds, tol_abs)
            if best is None or (run[1] < best[1] and not _same_partition(run[0], best[0])):
                best = run
        self.labels_, self.inertia_, self.centroid_edges_, self.n_iter_ = best
        self.cluster_center_graphs_ = np.zeros((self.k, n, n))
        self.cluster_center_graphs_[:, rows, cols] = self.centroid_edges_
        self.cluster_center_graphs_[:, cols, rows] = self.centroid_edges_
        return self

    def distances(self, centroid_edges):
        """(N, k) objective terms of every training graph to every centroid graph."""
        P_C = np.array([reference_split(c, self.n_)[0] for c in centroid_edges])
        geo = ((self.A_[:, None, :] - centroid_edges[None]) ** 2).sum(-1)
        top = (self.s_ * (self.P_[:, None, :] - P_C[None]) ** 2).sum(-1)
        return (1 - self.w) * geo + self.w * top

    def _lloyd(self, seeds, tol_abs):
        w = self.w
        C = self.A_[seeds].copy()
        old_labels = None
        for n_iter in range(1, self.max_iter + 1):
            labels = self.distances(C).argmin(axis=1)
            assert len(np.unique(labels)) == self.k, "the reference does not handle empty clusters"
            new = np.stack([self.update(C[j], labels == j) for j in range(self.k)])
            P_old = np.array([reference_split(c, self.n_)[0] for c in C])
            P_new = np.array([reference_split(c, self.n_)[0] for c in new])
            shift = (1 - w) * ((new - C) ** 2).sum() + w * (self.s_ * (P_new - P_old) ** 2).sum()
            C = new
            if old_labels is not None and np.array_equal(labels, old_labels):
                break
            if shift <= tol_abs:
                break
            old_labels = labels
        D = self.distances(C)
        labels = D.argmin(axis=1)
        return labels, float(D[np.arange(len(D)), labels].sum()), C, n_iter

    def cost(self, c, members):
        """f(c) for the cluster ``members``: (1 - w) ||c - mean A||^2 + w d_top(c, barycenter)."""
        P_c = reference_split(c, self.n_)[0]
        bary = self.P_[members].mean(axis=0)
        return ((1 - self.w) * ((c - self.A_[members].mean(axis=0)) ** 2).sum()
                + self.w * (self.s_ * (P_c - bary) ** 2).sum())

    def update(self, previous, members):
        """The next centroid (edge vector) of cluster ``members`` from the ``previous`` one."""
        w = self.w
        mean = self.A_[members].mean(axis=0)
        bary = self.P_[members].mean(axis=0)

        def parts(c):
            position = reference_split(c, self.n_)[1]
            target, s = bary[position], self.s_[position]  # s_e: the weight of e's rank
            f = (1 - w) * ((c - mean) ** 2).sum() + w * (s * (c - target) ** 2).sum()
            gradient = ((1 - w) * (c - mean) + w * s * (c - target)) / ((1 - w) + w * s)
            return f, gradient

        position = reference_split(mean, self.n_)[1]  # the jump: f's minimiser for mean A's split
        jump = (((1 - w) * mean + w * self.s_[position] * bary[position])
                / ((1 - w) + w * self.s_[position]))
        c = previous.copy()
        f, g = parts(c)
        f_jump, g_jump = parts(jump)
        if f_jump < f:
            c, f, g = jump, f_jump, g_jump
        eta = self.eta
        for _ in range(self.centroid_max_iter):
            new = np.maximum(c - 2 * eta * g, 0.0)
            if np.linalg.norm(new - c) <= self.tol * np.linalg.norm(c):
                break
            f_new, g_new = parts(new)
            if f_new <= f:
                done = f - f_new <= self.tol * f
                c, f, g = new, f_new, g_new
                eta = min(2 * eta, self.eta)
                if done:
                    break
            else:
                eta /= 2
        return c


def _same_partition(a, b):
    pairs = set(zip(np.asarray(a).tolist(), np.asarray(b).tolist()))
    return len(pairs) == len(dict(pairs)) == len({v: u for u, v in pairs})


def assert_lloyd_fixed_point(features, labels, centers, inertia, *, rtol=1e-9, err_msg=""):
    """Assert that a k-means result is consistent in itself, whichever way its ties were broken.

    Where distances tie exactly in exact arithmetic (duplicate samples, two identical centres), the
    last bits of each computation decide, and two correct fits may leave Lloyd's iterations at
    different partitions. What every correct fit still promises: each sample sits with a nearest
    centre (up to rounding), and the inertia is the sum of those squared distances.

    Parameters
    ----------
    features : ndarray of shape (n_samples, n_features)
    labels : ndarray of shape (n_samples,)
    centers : ndarray of shape (n_clusters, n_features)
    inertia : float
    rtol : float
        Relative slack on distances, against the largest squared norm in the data.
    err_msg : str
    """
    features, centers, labels = np.asarray(features), np.asarray(centers), np.asarray(labels)
    squared = ((features[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    scale = max(float((features ** 2).sum(axis=1).max()), np.finfo(float).tiny)
    own = squared[np.arange(len(labels)), labels]
    farther = own - squared.min(axis=1)
    assert farther.max() <= rtol * scale, (
        f"{err_msg}: sample {int(farther.argmax())} is {farther.max():.3g} farther from its own centre "
        "than from the nearest one")
    assert inertia == pytest.approx(own.sum(), rel=rtol, abs=rtol * scale), err_msg
