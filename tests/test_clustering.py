"""Tests of fcviz.clustering: TopClustering and the clustering scores."""

import pickle
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from fcviz.clustering import (
    TopClustering,
    clustering_scores,
    normalized_mutual_info_score,
    purity_score,
)
from fcviz.homology import birth_death
from fcviz.synthetic import random_modular_graphs
from fcviz.wasserstein import topological_distance


@pytest.fixture(scope="module")
def two_groups():
    """Two clearly distinct groups: 2-module and 4-module correlation graphs on 16 nodes."""
    X = np.concatenate([
        random_modular_graphs(8, 16, 2, signal=2.0, random_state=0),
        random_modular_graphs(8, 16, 4, signal=2.0, random_state=1),
    ])
    return X, np.repeat([0, 1], 8)


@pytest.fixture(scope="module")
def four_groups():
    """Four overlapping groups (1, 2, 4, 8 modules, weak signal) on 20 nodes: a harder problem."""
    X = np.concatenate([
        random_modular_graphs(8, 20, m, signal=0.6, random_state=10 + i) for i, m in enumerate([1, 2, 4, 8])
    ])
    return X, np.repeat(np.arange(4), 8)


def _edges(X):
    rows, cols = np.triu_indices(X.shape[-1], 1)
    return X[:, rows, cols]


def _objective(X, labels, center_graphs, w):
    """The paper's objective, computed naively graph by graph."""
    total = 0.0
    for G, k in zip(X, labels):
        C = center_graphs[k]
        geo = ((_edges(G[None]) - _edges(C[None])) ** 2).sum()
        total += (1 - w) * geo + w * topological_distance(G, C)
    return total


# --- equivalences ---------------------------------------------------------------------------------


@pytest.mark.parametrize("init, n_init", [("k-means++", 10), ("random", 1), ("random", 5)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weight_one_is_kmeans_on_persistence_vectors(four_groups, init, n_init, seed):
    X, _ = four_groups
    V = birth_death(X).vector
    ours = TopClustering(4, init=init, n_init=n_init, random_state=seed).fit(X)
    ref = KMeans(4, init=init, n_init=n_init, tol=1e-6, algorithm="lloyd", random_state=seed).fit(V)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-9)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.cluster_centers_.vector, ref.cluster_centers_, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 3])
def test_weight_zero_is_kmeans_on_edge_weights(four_groups, seed):
    X, _ = four_groups
    ours = TopClustering(4, top_relative_weight=0, random_state=seed).fit(X)
    ref = KMeans(4, n_init=10, tol=1e-6, algorithm="lloyd", random_state=seed).fit(_edges(X))
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-9)
    np.testing.assert_allclose(_edges(ours.cluster_center_graphs_), ref.cluster_centers_, atol=1e-12)


def test_weight_one_centers_are_barycenters(two_groups):
    X, _ = two_groups
    est = TopClustering(2, random_state=0).fit(X)
    P = birth_death(X)
    for k in range(2):
        members = est.labels_ == k
        np.testing.assert_allclose(est.cluster_centers_.births[k], P.births[members].mean(axis=0), atol=1e-12)
        np.testing.assert_allclose(est.cluster_centers_.deaths[k], P.deaths[members].mean(axis=0), atol=1e-12)
        assert np.all(np.diff(est.cluster_centers_.deaths[k]) >= 0)
    assert not hasattr(est, "cluster_center_graphs_")


@pytest.mark.parametrize("w", [0.0, 0.3, 0.9])
def test_inertia_is_the_papers_objective(two_groups, w):
    X, _ = two_groups
    est = TopClustering(2, top_relative_weight=w, n_init=2, random_state=0).fit(X)
    expected = _objective(X, est.labels_, est.cluster_center_graphs_, w)
    assert est.inertia_ == pytest.approx(expected, rel=1e-9)


class _FeatureSpaceTop(TopClustering):
    """TopClustering with Lloyd's iterations and k-means++ on the features (the plain reference)."""

    _gram_space = False


def _gram_cases():
    """Data shapes for the Gram-space checks: (name, graphs, n_clusters)."""
    def groups(per, n, modules, signal, seed):
        return np.concatenate([random_modular_graphs(per, n, m, signal=signal, random_state=seed + i)
                               for i, m in enumerate(modules)])
    many_small = groups(10, 12, (1, 2, 3, 4), 0.5, 20)  # N = 40 close to d = 66
    repeated = np.repeat(groups(3, 10, (1, 2, 5), 1.0, 30), 2, axis=0)  # duplicate graphs: exact ties
    return [
        ("40x12", many_small, 4),
        ("16x40", groups(4, 40, (1, 2, 4, 8), 0.6, 40), 4),
        ("18x10 repeated", repeated, 5),
        ("40x64", groups(10, 64, (1, 2, 4, 8), 0.8, 100), 4),
        ("9x16 k=8", groups(3, 16, (1, 2, 4), 0.3, 50), 8),
    ]


@pytest.mark.parametrize("name, X, k", _gram_cases(), ids=[c[0] for c in _gram_cases()])
@pytest.mark.parametrize("w", [1.0, 0.0])
def test_gram_space_fit_equals_feature_space_kmeans(name, X, k, w):
    """The Gram-space fit (seeding and Lloyd on K = Z Z^T) is k-means on the features, seed for seed.

    Against the feature-space iterations on 30 seeds, and against scikit-learn's KMeans on every
    sixth seed (slower to run).
    """
    P = birth_death(X)
    V, data = (P.vector, P) if w == 1 else (_edges(X), X)
    assert len(V) <= V.shape[1]  # the Gram path is taken
    for seed in range(30):
        for init, n_init in (("k-means++", 10), ("random", 3)):
            params = dict(top_relative_weight=w, init=init, n_init=n_init, random_state=seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)  # duplicates may leave a cluster empty
                ours = TopClustering(k, **params).fit(data)
                references = [_FeatureSpaceTop(k, **params).fit(data)]
                if seed % 6 == 0:
                    references.append(KMeans(k, init=init, n_init=n_init, tol=1e-6, algorithm="lloyd",
                                             random_state=seed).fit(V))
            plain = references[0]
            for other in references:
                np.testing.assert_array_equal(ours.labels_, other.labels_, err_msg=f"seed {seed}, {init}")
                assert ours.inertia_ == pytest.approx(other.inertia_, rel=1e-9, abs=1e-12)
                assert ours.n_iter_ == other.n_iter_
            np.testing.assert_allclose(ours.cluster_centers_.vector, plain.cluster_centers_.vector, atol=1e-12)
            np.testing.assert_array_equal(ours.predict(data), ours.labels_)


def test_squared_euclidean_forms_agree():
    """fcviz._linalg.squared_euclidean from rows, from rows and norms, and from a Gram matrix alone."""
    from fcviz._linalg import squared_euclidean

    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((7, 5)), rng.standard_normal((3, 5))
    naive = ((X[:, None, :] - Y[None, :, :]) ** 2).sum(axis=2)
    np.testing.assert_allclose(squared_euclidean(X, Y), naive, atol=1e-12)
    np.testing.assert_allclose(squared_euclidean(X, Y, x_norms=(X**2).sum(1), y_norms=(Y**2).sum(1)), naive,
                               atol=1e-12)
    np.testing.assert_allclose(squared_euclidean(inner=X @ Y.T, x_norms=(X**2).sum(1), y_norms=(Y**2).sum(1)),
                               naive, atol=1e-12)
    K = X @ X.T
    D = squared_euclidean(inner=K, x_norms=np.diag(K))
    np.testing.assert_allclose(D, squared_euclidean(X), atol=1e-12)
    assert D.min() >= 0 and D.shape == (7, 7)
    np.testing.assert_allclose(np.diag(squared_euclidean(np.vstack([X, X]))), 0, atol=1e-12)
    with pytest.raises(ValueError, match="x_norms"):
        squared_euclidean(inner=K)
    with pytest.raises(ValueError, match="do not match"):
        squared_euclidean(inner=K, x_norms=np.ones(3))


def test_gram_kmeans_plusplus_draws_like_scikit_learn():
    """The Gram-space k-means++ picks scikit-learn's seeds and leaves the generator in the same state."""
    from sklearn.cluster import kmeans_plusplus

    from fcviz._kmeans import _kmeans_plusplus_gram

    rng = np.random.default_rng(0)
    for n, d, k in ((40, 300, 4), (25, 25, 7), (10, 1000, 1), (60, 80, 12)):
        Z = rng.standard_normal((n, d)) * rng.uniform(0.1, 3.0, size=(n, 1))
        Z -= Z.mean(axis=0)
        norms = np.einsum("ij,ij->i", Z, Z)
        for seed in range(30):
            ours, theirs = np.random.RandomState(seed), np.random.RandomState(seed)
            idx = _kmeans_plusplus_gram(Z @ Z.T, norms, k, ours)
            _, expected = kmeans_plusplus(Z, k, x_squared_norms=norms, random_state=theirs)
            np.testing.assert_array_equal(idx, expected)
            assert ours.randint(2**31) == theirs.randint(2**31)


def test_persistence_input_equals_graph_input(four_groups):
    X, _ = four_groups
    a = TopClustering(4, random_state=0).fit(X)
    b = TopClustering(4, random_state=0).fit(birth_death(X))
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.predict(birth_death(X)), a.labels_)


def test_list_input_equals_array_input(two_groups):
    X, _ = two_groups
    a = TopClustering(2, top_relative_weight=0.5, n_init=1, random_state=0).fit(X)
    b = TopClustering(2, top_relative_weight=0.5, n_init=1, random_state=0).fit(list(X))
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert a.inertia_ == b.inertia_


# --- behaviour -------------------------------------------------------------------------------------


@pytest.mark.parametrize("w", [0.0, 0.5, 1.0])
def test_deterministic_with_random_state(four_groups, w):
    X, _ = four_groups
    params = dict(top_relative_weight=w, n_init=3, init="random")
    a = TopClustering(4, random_state=7, **params).fit(X)
    b = TopClustering(4, random_state=7, **params).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert a.inertia_ == b.inertia_
    rs = np.random.RandomState(7)
    c = TopClustering(4, random_state=rs, **params).fit(X)
    np.testing.assert_array_equal(a.labels_, c.labels_)


@pytest.mark.parametrize("w", [0.0, 0.5, 0.99, 1.0])
def test_clearly_distinct_groups_are_separated(two_groups, w):
    X, y = two_groups
    labels = TopClustering(2, top_relative_weight=w, n_init=3, random_state=0).fit_predict(X)
    assert purity_score(y, labels) == 1.0
    assert adjusted_rand_score(y, labels) == 1.0


@pytest.mark.parametrize("w", [0.0, 0.5, 1.0])
def test_predict_on_training_data_gives_labels(four_groups, w):
    X, _ = four_groups
    est = TopClustering(4, top_relative_weight=w, n_init=2, random_state=1).fit(X)
    np.testing.assert_array_equal(est.predict(X), est.labels_)
    # and order / subset invariance of predict
    perm = np.random.default_rng(0).permutation(len(X))
    np.testing.assert_array_equal(est.predict(X[perm]), est.labels_[perm])
    np.testing.assert_array_equal(est.predict(X[:5]), est.labels_[:5])


def test_intermediate_weight_converges_and_decreases_objective(four_groups):
    X, _ = four_groups
    w = 0.7
    params = dict(top_relative_weight=w, init="random", n_init=1, random_state=3)
    one_round = TopClustering(4, max_iter=1, **params).fit(X)
    full = TopClustering(4, **params).fit(X)
    assert full.n_iter_ < full.max_iter  # converged before the cap
    assert full.inertia_ <= one_round.inertia_ + 1e-9
    # Lloyd with never-increasing centroid updates: the objective falls round after round
    by_rounds = [TopClustering(4, max_iter=m, **params).fit(X).inertia_ for m in (1, 2, 3)]
    assert all(a >= b - 1e-9 for a, b in zip(by_rounds, by_rounds[1:]))


def test_centroid_update_never_increases_its_cost(two_groups):
    from fcviz.clustering import _Data, _InterpolatedCentroids

    X, _ = two_groups
    n = X.shape[-1]
    data = _Data(n, _edges(X), birth_death(X).vector)
    w = 0.8
    for step in (0.05, 0.5, 0.9):
        cent = _InterpolatedCentroids(data, w, step_size=step, max_iter=300, tol=1e-6, z_mean=0.0)
        mean_edges = data.edges.mean(axis=0)
        bary = data.topo.mean(axis=0)
        start = data.edges[0]
        f0 = cent._score(start, mean_edges, bary[: n - 1], bary[n - 1:])[0]
        c = cent._interpolate(start, mean_edges, bary[: n - 1], bary[n - 1:])
        f1 = cent._score(c, mean_edges, bary[: n - 1], bary[n - 1:])[0]
        assert f1 < f0
        assert cent.n_steps < 300
        assert np.all(c >= 0) and np.all(np.isfinite(c))


class _PlainInterpolationTop(TopClustering):
    """TopClustering at 0 < w < 1 the plain way: k-means++ on the features, every centroid update
    computed afresh (no memo shared by the runs), persistence of the centroids by birth_death."""

    _gram_space = False

    def _centroids(self, data, w, Z, z_mean, memo=None):
        from fcviz.clustering import _InterpolatedCentroids

        class Plain(_InterpolatedCentroids):
            def update(self, labels, counts):
                for k in np.flatnonzero(counts):
                    members = labels == k
                    bary = self.topo[members].mean(axis=0)
                    self.graphs[k] = self._interpolate(self.graphs[k], self.edges[members].mean(axis=0),
                                                       bary[: self.n - 1], bary[self.n - 1:])
                topo = birth_death(np.stack([_to_square(g, self.n) for g in self.graphs])).vector
                self.centers = self._features(self.graphs, topo)
                return self.centers

        return Plain(data, w, step_size=float(self.centroid_step_size), max_iter=self.centroid_max_iter,
                     tol=float(self.tol), z_mean=z_mean)


def _to_square(edges, n):
    G = np.zeros((n, n))
    G[np.triu_indices(n, 1)] = edges
    return G + G.T


@pytest.mark.parametrize("w", [0.3, 0.7, 0.95])
def test_intermediate_weight_fit_equals_the_plain_computation(four_groups, w):
    """Gram-space seeding, the centroid memo shared by the n_init runs and the persistence read off
    the interpolation change nothing: labels, inertia and centroids are the plain ones, bit for bit."""
    X, _ = four_groups
    dead = X[:16].copy()
    dead[:, 3, :] = dead[:, :, 3] = 0.0  # a dead neuron: tied weights
    for data, k in ((X, 4), (dead, 2)):
        for seed in range(3):
            for init, n_init in (("k-means++", 6), ("random", 3)):
                params = dict(top_relative_weight=w, init=init, n_init=n_init, random_state=seed)
                ours = TopClustering(k, **params).fit(data)
                plain = _PlainInterpolationTop(k, **params).fit(data)
                np.testing.assert_array_equal(ours.labels_, plain.labels_)
                assert ours.inertia_ == plain.inertia_ and ours.n_iter_ == plain.n_iter_
                np.testing.assert_array_equal(ours.cluster_center_graphs_, plain.cluster_center_graphs_)


def test_stable_argsort_and_the_persistence_of_a_score():
    from fcviz.clustering import _Data, _InterpolatedCentroids, _stable_argsort

    rng = np.random.default_rng(3)
    for size in (0, 1, 17, 300, 5000):
        for kind in ("distinct", "few values", "zeros", "many runs"):
            v = rng.random(size)
            if kind == "few values":
                v = np.round(v * 3) / 3
            elif kind == "zeros":
                v[rng.random(size) < 0.4] = 0.0
            elif kind == "many runs":
                v = np.round(v * (size // 3 + 1)) / (size // 3 + 1)
            np.testing.assert_array_equal(_stable_argsort(v), np.argsort(v, kind="stable"), err_msg=kind)
    X = random_modular_graphs(3, 12, 2, random_state=0)
    X[:, 2, :] = X[:, :, 2] = 0.0
    data = _Data(12, _edges(X), birth_death(X).vector)
    cent = _InterpolatedCentroids(data, 0.5, step_size=0.5, max_iter=10, tol=1e-6, z_mean=0.0)
    for c in data.edges:
        topo = cent._score(c, c, data.topo[0, :11], data.topo[0, 11:])[3]
        np.testing.assert_array_equal(topo, birth_death(_to_square(c, 12)).vector)


@pytest.mark.parametrize("w", [0.0, 0.4, 0.95])
def test_centroids_are_valid_graphs(two_groups, w):
    X, _ = two_groups
    est = TopClustering(2, top_relative_weight=w, n_init=2, centroid_step_size=0.9, random_state=0).fit(X)
    C = est.cluster_center_graphs_
    assert C.shape == (2, 16, 16)
    assert np.all(np.isfinite(C)) and np.all(C >= 0)
    np.testing.assert_array_equal(C, C.transpose(0, 2, 1))
    np.testing.assert_array_equal(np.diagonal(C, axis1=1, axis2=2), 0)
    P = birth_death(C)
    np.testing.assert_array_equal(est.cluster_centers_.births, P.births)
    np.testing.assert_array_equal(est.cluster_centers_.deaths, P.deaths)
    assert len(est.cluster_centers_) == 2


def test_fitted_attributes(two_groups):
    X, _ = two_groups
    est = TopClustering(2, random_state=0)
    assert est.fit(X) is est
    assert est.labels_.shape == (16,)
    assert est.n_nodes_in_ == 16 and est.n_features_in_ == 16 * 15 // 2
    assert isinstance(est.inertia_, float) and est.n_iter_ >= 1
    refit = TopClustering(2, top_relative_weight=0.5, n_init=1, random_state=0).fit(X)
    refit.set_params(top_relative_weight=1.0).fit(X)
    assert not hasattr(refit, "cluster_center_graphs_")


def test_input_is_not_modified_and_read_only_input_works(two_groups):
    X, _ = two_groups
    X = X.copy()
    before = X.copy()
    X.flags.writeable = False
    for w in (0.0, 0.5, 1.0):
        TopClustering(2, top_relative_weight=w, n_init=1, random_state=0).fit(X).predict(X)
    np.testing.assert_array_equal(X, before)


def test_float32_input(two_groups):
    X, y = two_groups
    labels = TopClustering(2, random_state=0).fit_predict(X.astype(np.float32))
    assert purity_score(y, labels) == 1.0


def test_pickle_and_clone_round_trip(two_groups):
    X, _ = two_groups
    est = TopClustering(2, top_relative_weight=0.5, n_init=1, random_state=0).fit(X)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict(X), est.predict(X))
    fresh = clone(est)
    assert fresh.get_params() == est.get_params() and not hasattr(fresh, "labels_")
    fresh.set_params(n_clusters=3, tol=1e-3)
    assert fresh.get_params()["n_clusters"] == 3 and est.n_clusters == 2


def test_duplicate_graphs_warn():
    G = random_modular_graphs(1, 8, 2, random_state=0)
    X = np.repeat(G, 4, axis=0)
    with pytest.warns(ConvergenceWarning, match="distinct clusters"):
        TopClustering(2, random_state=0).fit(X)


# --- errors ------------------------------------------------------------------------------------------


def test_not_fitted():
    with pytest.raises(NotFittedError):
        TopClustering().predict(np.zeros((2, 3, 3)))


def test_parameter_message_matches_scikit_learn_style(two_groups):
    X, _ = two_groups
    msg = ("The 'top_relative_weight' parameter of TopClustering must be a float in the range [0, 1]. "
           "Got 1.5 instead.")
    with pytest.raises(ValueError, match=re.escape(msg)):
        TopClustering(top_relative_weight=1.5).fit(X)


@pytest.mark.parametrize("params, name", [
    ({"n_clusters": 0}, "n_clusters"),
    ({"n_clusters": 2.5}, "n_clusters"),
    ({"top_relative_weight": -0.1}, "top_relative_weight"),
    ({"top_relative_weight": "1"}, "top_relative_weight"),
    ({"init": "kmeans"}, "init"),
    ({"n_init": 0}, "n_init"),
    ({"max_iter": 0}, "max_iter"),
    ({"tol": -1.0}, "tol"),
    ({"centroid_step_size": 0.0}, "centroid_step_size"),
    ({"centroid_step_size": 1.0}, "centroid_step_size"),
    ({"centroid_max_iter": 0}, "centroid_max_iter"),
    ({"random_state": "seed"}, "random_state"),
])
def test_invalid_parameters(two_groups, params, name):
    X, _ = two_groups
    est = TopClustering(**params)  # __init__ only stores
    with pytest.raises(ValueError, match=f"The '{name}' parameter of TopClustering must be"):
        est.fit(X)


@pytest.mark.parametrize("X, match", [
    (np.ones((5, 4)), "stack of graphs"),
    (np.ones((2, 3, 4, 4)), "stack of graphs"),
    ([[0.0, 1.0], [1.0, 0.0]], "stack of graphs"),
    (np.zeros((3, 4, 5)), "square"),
    (np.full((3, 4, 4), np.nan), "finite"),
    (-np.ones((3, 4, 4)), "non-negative"),
    (np.triu(np.ones((3, 4, 4)), 1), "symmetric"),
    ([np.zeros((4, 4)), np.zeros((5, 5))], "same number of nodes"),
])
def test_invalid_graphs(X, match):
    with pytest.raises(ValueError, match=match):
        TopClustering(2).fit(X)


def test_too_few_graphs():
    with pytest.raises(ValueError, match="n_samples=2 should be >= n_clusters=3"):
        TopClustering(3).fit(random_modular_graphs(2, 6, 2, random_state=0))


def test_persistence_needs_weight_one(two_groups):
    X, _ = two_groups
    with pytest.raises(ValueError, match="top_relative_weight=1"):
        TopClustering(2, top_relative_weight=0.5).fit(birth_death(X))
    with pytest.raises(ValueError, match="batch"):
        TopClustering(2).fit(birth_death(X[0]))


def test_predict_checks_graph_size(two_groups):
    X, _ = two_groups
    est = TopClustering(2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="fitted on graphs of 16 nodes"):
        est.predict(random_modular_graphs(2, 10, 2, random_state=0))
    with pytest.raises(ValueError, match="stack of graphs"):
        est.predict(X[0])


# --- scikit-learn's estimator checks ---------------------------------------------------------------


class _TabularView(TopClustering):
    """TopClustering whose tags claim 2-D input, only so that scikit-learn runs its generic checks.

    TopClustering's true tags say 3-D input (stacks of graphs), for which scikit-learn runs no check
    at all. The checks that feed tabular ``(n_samples, n_features)`` data fail by design (the
    estimator rejects tables with a clear message); their graph-valued equivalents are tested above.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = True
        tags.input_tags.three_d_array = False
        return tags


_TABULAR = "feeds tabular (n_samples, n_features) data; TopClustering takes stacks of graphs (tested above)"
EXPECTED_FAILED_CHECKS = {
    name: _TABULAR for name in [
        "check_fit_score_takes_y", "check_estimators_overwrite_params", "check_dont_overwrite_parameters",
        "check_estimators_fit_returns_self", "check_readonly_memmap_input", "check_n_features_in_after_fitting",
        "check_positive_only_tag_during_fit", "check_estimators_dtypes", "check_complex_data",
        "check_dtype_object", "check_estimators_empty_data_messages", "check_pipeline_consistency",
        "check_estimators_nan_inf", "check_estimator_sparse_tag", "check_estimator_sparse_array",
        "check_estimator_sparse_matrix", "check_estimators_pickle", "check_f_contiguous_array_estimator",
        "check_clustering", "check_non_transformer_estimators_n_iter", "check_methods_sample_order_invariance",
        "check_methods_subset_invariance", "check_fit2d_1sample", "check_fit2d_1feature", "check_dict_unchanged",
        "check_fit_idempotent", "check_fit_check_is_fitted", "check_n_features_in", "check_fit2d_predict1d",
    ]
}


def test_true_tags_declare_graph_input():
    tags = TopClustering().__sklearn_tags__()
    assert tags.input_tags.three_d_array and not tags.input_tags.two_d_array


@parametrize_with_checks(
    [_TabularView(n_init=2)], expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS, xfail_strict=True
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# --- scores ------------------------------------------------------------------------------------------


def test_purity_examples_and_asymmetry():
    y_true = [0, 0, 1, 1]
    y_pred = [0, 0, 0, 1]
    assert purity_score(y_true, y_pred) == 0.75
    assert purity_score([0, 0, 1, 1], [0, 0, 0, 0]) == 0.5
    assert purity_score([0, 0, 0, 0], [0, 0, 1, 1]) == 1.0  # swapping the arguments changes the value
    assert purity_score(y_true, y_true) == 1.0
    assert purity_score(["a", "b", "c"], [5, 5, 5]) == pytest.approx(1 / 3)


def test_purity_is_the_definition():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 3, 50), rng.integers(0, 4, 50)
    expected = sum(np.bincount(y_true[y_pred == k]).max() for k in np.unique(y_pred)) / 50
    assert purity_score(y_true, y_pred) == pytest.approx(expected)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 4)), min_size=1, max_size=40))
def test_purity_properties(pairs):
    y_true, y_pred = (np.array(v) for v in zip(*pairs))
    p = purity_score(y_true, y_pred)
    assert 0 < p <= 1
    # at least the largest class fraction, and one cluster per sample is perfectly pure
    assert p >= np.bincount(y_true).max() / len(y_true) - 1e-12
    assert purity_score(y_true, np.arange(len(y_true))) == 1.0
    # renaming clusters or classes changes nothing
    assert purity_score(y_true + 10, 4 - y_pred) == pytest.approx(p)


def test_clustering_scores():
    scores = clustering_scores([0, 0, 1, 1], [1, 1, 0, 0])
    assert scores == {"purity": 1.0, "adjusted_rand": 1.0, "normalized_mutual_info": 1.0}
    assert normalized_mutual_info_score([0, 1], [0, 1]) == 1.0


@pytest.mark.parametrize("a, b, match", [
    ([0, 1], [0, 1, 1], "same length"),
    ([[0, 1]], [[0, 1]], "1-D"),
    ([], [], "empty"),
])
def test_score_validation(a, b, match):
    with pytest.raises(ValueError, match=match):
        purity_score(a, b)
    with pytest.raises(ValueError, match=match):
        clustering_scores(a, b)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_weight_one_ignores_node_labelling(seed):
    """Topology does not see node names: relabelling each graph's nodes leaves the clustering unchanged."""
    X = np.concatenate([random_modular_graphs(4, 10, m, random_state=seed % 997 + m) for m in (1, 3)])
    rng = np.random.default_rng(seed)
    shuffled = np.stack([G[np.ix_(p, p)] for G, p in ((G, rng.permutation(10)) for G in X)])
    a = TopClustering(2, n_init=2, random_state=0).fit(X)
    b = TopClustering(2, n_init=2, random_state=0).fit(shuffled)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert b.inertia_ == pytest.approx(a.inertia_, rel=1e-9, abs=1e-12)


def test_torch_and_list_of_tensors_input(two_groups):
    torch = pytest.importorskip("torch")
    X, _ = two_groups
    a = TopClustering(2, random_state=0).fit(X)
    np.testing.assert_array_equal(TopClustering(2, random_state=0).fit(torch.from_numpy(X)).labels_, a.labels_)
    np.testing.assert_array_equal(a.predict([torch.from_numpy(G) for G in X]), a.labels_)


@pytest.mark.parametrize("shape, k", [((32, 3), 4), ((80, 5), 10), ((12, 40), 3), ((50, 2), 2)])
@pytest.mark.parametrize("init, n_init", [("k-means++", 10), ("random", 1), ("random", 5)])
def test_kmeans_gives_scikit_learns_labels(shape, k, init, n_init):
    from fcviz.clustering import kmeans

    rng = np.random.default_rng(shape[0])
    X = rng.normal(size=shape) + np.repeat(rng.normal(scale=3, size=(k, shape[1])), -(-shape[0] // k), axis=0)[:shape[0]]
    before = X.copy()
    for seed in range(8):
        ref = KMeans(k, init=init, n_init=n_init, tol=1e-6, algorithm="lloyd", random_state=seed).fit(X)
        labels = kmeans(X, k, init=init, n_init=n_init, random_state=seed)
        assert adjusted_rand_score(labels, ref.labels_) == 1.0, seed
    assert np.array_equal(X, before)


@pytest.mark.parametrize("X, k, match", [(np.zeros((3, 2)), 4, "n_clusters"), (np.zeros(5), 2, "shape"),
                                         (np.array([[0.0], [np.nan]]), 1, "non-finite"),
                                         (np.zeros((0, 2)), 1, "non-empty")])
def test_kmeans_refuses_bad_input(X, k, match):
    from fcviz.clustering import kmeans

    with pytest.raises(ValueError, match=match):
        kmeans(X, k)
