"""Tests of fcviz.clustering: TopClustering and the clustering scores."""

import copy
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

import fcviz._kmeans
import fcviz._workshare
from clustering_checks import ReferenceTop, assert_lloyd_fixed_point, assert_same_clustering, reference_split
from fcviz._kmeans import SeedStream, best_of_runs, distinct_choice, random_source
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


_COMPILED = fcviz._kmeans._ckmeans


@pytest.fixture(params=["compiled", "numpy"])
def core(request, monkeypatch):
    """Run a test with the compiled k-means core (fcviz._ckmeans) and with the numpy path it replaces."""
    if request.param == "compiled" and _COMPILED is None:
        pytest.skip("fcviz._ckmeans is not built (python setup.py build_ext --inplace)")
    if request.param == "numpy":
        monkeypatch.setattr(fcviz._kmeans, "_ckmeans", None)
    return request.param


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
def test_weight_one_is_kmeans_on_persistence_vectors(four_groups, init, n_init, seed, core):
    X, _ = four_groups
    V = birth_death(X).vector
    ours = TopClustering(4, init=init, n_init=n_init, random_state=seed).fit(X)
    ref = KMeans(4, init=init, n_init=n_init, tol=1e-6, algorithm="lloyd", random_state=seed).fit(V)
    assert_same_clustering(ours, ref, centers=ours.cluster_centers_.vector, reference_centers=ref.cluster_centers_)


@pytest.mark.parametrize("seed", [0, 3])
def test_weight_zero_is_kmeans_on_edge_weights(four_groups, seed, core):
    X, _ = four_groups
    ours = TopClustering(4, top_relative_weight=0, random_state=seed).fit(X)
    ref = KMeans(4, n_init=10, tol=1e-6, algorithm="lloyd", random_state=seed).fit(_edges(X))
    assert_same_clustering(ours, ref, centers=_edges(ours.cluster_center_graphs_),
                           reference_centers=ref.cluster_centers_)


def test_weight_one_centers_are_barycenters(two_groups, core):
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
def test_gram_space_fit_equals_feature_space_kmeans(name, X, k, w, core):
    """The Gram-space fit (seeding and Lloyd on K = Z Z^T) is k-means on the features.

    Against the feature-space iterations on 30 seeds, and against scikit-learn's KMeans on every
    sixth seed (slower to run): the same partition, inertia and centres (tests/clustering_checks.py;
    label numbers may differ where a near-tie in k-means++ rounds another way on another BLAS kernel).
    With duplicate graphs distances tie exactly, any tie-break is correct and the partition itself
    depends on rounding: there every fit must be a k-means fixed point with its own inertia.
    """
    P = birth_death(X)
    V, data = (P.vector, P) if w == 1 else (_edges(X), X)
    assert len(V) <= V.shape[1]  # the Gram path is taken
    exact_ties = len(np.unique(V, axis=0)) < len(V)  # duplicate graphs: the partition depends on rounding

    def centers_in_feature_space(est):
        if isinstance(est, KMeans):
            return est.cluster_centers_
        return est.cluster_centers_.vector if w == 1 else _edges(est.cluster_center_graphs_)

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
            message = f"seed {seed}, {init}"
            for other in references:
                if exact_ties:
                    # Any tie-break is correct here; each fit must still be a k-means solution.
                    assert_lloyd_fixed_point(V, other.labels_, centers_in_feature_space(other), other.inertia_,
                                             err_msg=message)
                else:
                    assert_same_clustering(ours, other, centers=centers_in_feature_space(ours),
                                           reference_centers=centers_in_feature_space(other), err_msg=message)
            assert_lloyd_fixed_point(V, ours.labels_, centers_in_feature_space(ours), ours.inertia_, err_msg=message)
            np.testing.assert_array_equal(ours.predict(data), ours.labels_)


@pytest.mark.skipif(_COMPILED is None, reason="fcviz._ckmeans is not built")
@pytest.mark.parametrize("w", [1.0, 0.0])
def test_compiled_core_gives_the_numpy_paths_fits(w, monkeypatch):
    """The compiled runs take the numpy path's draws and steps: the same labels, iterations, inertia
    and centres, for k-means++ and random seeding, from 1 to 7 clusters, duplicates included up to 4.

    The groups are well separated, so that no assignment is a near-tie that the BLAS's rounding of
    the numpy path's products could flip (OPENBLAS_CORETYPE=Prescott did flip some with noisier groups).
    """
    X = np.concatenate([random_modular_graphs(5, 12, m, signal=0.8, random_state=100 + i)
                        for i, m in enumerate([1, 2, 4, 8])])
    with_duplicates = np.concatenate([X, X[:3]])
    for k in (1, 2, 4, 7):
        # seven centres drawn from 23 graphs can start on two copies of one graph: an exact tie that
        # either path may break either way, so k = 7 runs on distinct graphs
        graphs = X if k == 7 else with_duplicates
        data = birth_death(graphs) if w == 1 else graphs
        for init, n_init in (("k-means++", 10), ("random", 3)):
            for seed in range(4):
                fits = []
                for module in (_COMPILED, None):
                    monkeypatch.setattr(fcviz._kmeans, "_ckmeans", module)
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", ConvergenceWarning)
                        fits.append(TopClustering(k, top_relative_weight=w, init=init, n_init=n_init,
                                                  random_state=seed).fit(data))
                compiled, plain = fits
                message = f"k={k}, {init}, seed {seed}"
                if k == 7:  # seven centres on four groups: near-ties, which the rounding of the numpy
                    # path's products (which BLAS kernel runs) may break another way; as good a fit, not the same
                    assert len(set(compiled.labels_.tolist())) == 7, message
                    np.testing.assert_allclose(compiled.inertia_, plain.inertia_, rtol=0.05, err_msg=message)
                    continue
                np.testing.assert_array_equal(compiled.labels_, plain.labels_, err_msg=message)
                assert compiled.n_iter_ == plain.n_iter_, message
                np.testing.assert_allclose(compiled.inertia_, plain.inertia_, rtol=1e-9, err_msg=message)
                np.testing.assert_allclose(compiled.cluster_centers_.vector, plain.cluster_centers_.vector,
                                           rtol=1e-9, atol=1e-12, err_msg=message)


@pytest.mark.skipif(_COMPILED is None, reason="fcviz._ckmeans is not built")
@pytest.mark.parametrize("n, d, k", [(1, 5, 1), (2, 3, 2), (7, 13, 3), (40, 2016, 4), (41, 1030, 5), (9, 4099, 9)])
def test_compiled_kernels_equal_numpy(n, d, k):
    """gram: V V^T and the column sums; means_distances: the support means and direct squared distances."""
    rng = np.random.default_rng(n * d)
    V = rng.random((n, d))
    K, sums = np.empty((n, n)), np.empty(d)
    _COMPILED.gram(V, K, sums)
    np.testing.assert_allclose(K, V @ V.T, rtol=1e-13)
    np.testing.assert_allclose(sums, V.sum(axis=0), rtol=1e-13)
    W = np.zeros((n, k))
    labels = np.arange(n) % k
    W[np.arange(n), labels] = 1.0
    C, D = np.empty((k, d)), np.empty((n, k))
    _COMPILED.means_distances(V, W, C, D, True)
    means = np.stack([V[labels == c].mean(axis=0) for c in range(k)])
    np.testing.assert_allclose(C, means, rtol=1e-14)
    np.testing.assert_allclose(D, ((V[:, None] - means[None]) ** 2).sum(axis=-1), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="float64"):
        _COMPILED.gram(V.astype(np.float32), K, sums)
    with pytest.raises(ValueError, match="do not match"):
        _COMPILED.means_distances(V, W, C, np.empty((n + 1, k)), True)


@pytest.mark.skipif(_COMPILED is None, reason="fcviz._ckmeans is not built")
@pytest.mark.parametrize("n, d, k", [(5, 37, 2), (13, 16, 3), (40, 9001, 4)])
def test_compiled_kernels_take_column_ranges(n, d, k):
    """gram and means_distances over columns [c0, c1): two threads' parts add up to the whole, and
    nothing outside the range is written."""
    rng = np.random.default_rng(d)
    V = rng.random((n, d))
    labels = np.arange(n) % k
    W = np.zeros((n, k))
    W[np.arange(n), labels] = 1.0
    means = np.stack([V[labels == c].mean(axis=0) for c in range(k)])
    for c0, c1 in ((0, d // 16 * 8), (d // 16 * 8, d), (3, d - 2), (4, 4)):
        part = V[:, c0:c1]
        K, sums = np.full((n, n), np.nan), np.full(d, np.nan)
        _COMPILED.gram(V, K, sums, c0, c1)
        np.testing.assert_allclose(K, part @ part.T, rtol=1e-13, atol=1e-300)
        np.testing.assert_allclose(sums[c0:c1], part.sum(axis=0), rtol=1e-13)
        assert np.isnan(np.delete(sums, np.arange(c0, c1))).all()
        _COMPILED.gram(V, K, None, c0, c1)  # no column sums
        np.testing.assert_allclose(K, part @ part.T, rtol=1e-13, atol=1e-300)
        C, D = np.full((k, d), np.nan), np.full((n, k), np.nan)
        _COMPILED.means_distances(V, W, C, D, True, c0, c1)
        np.testing.assert_allclose(C[:, c0:c1], means[:, c0:c1], rtol=1e-14)
        assert np.isnan(np.delete(C, np.arange(c0, c1), axis=1)).all()
        expected = ((part[:, None] - means[None, :, c0:c1]) ** 2).sum(axis=-1)
        np.testing.assert_allclose(D, expected, rtol=1e-12, atol=1e-12)
    for c0, c1 in ((-1, d), (5, 4), (0, d + 1)):
        with pytest.raises(ValueError, match="0 <= c0 <= c1 <= d"):
            _COMPILED.gram(V, np.empty((n, n)), None, c0, c1)
        with pytest.raises(ValueError, match="0 <= c0 <= c1 <= d"):
            _COMPILED.means_distances(V, W, np.empty((k, d)), np.empty((n, k)), True, c0, c1)


@pytest.mark.skipif(_COMPILED is None, reason="fcviz._ckmeans is not built")
def test_wide_fits_split_their_columns_over_two_threads(monkeypatch):
    """A wide table's Gram product and final distances run in two column halves on two threads:
    the same clustering as in one piece, and predict (the same halves) gives the labels back."""
    X = np.concatenate([random_modular_graphs(6, 40, m, signal=0.8, random_state=m) for m in (1, 2, 4)])
    P = birth_death(X)  # 780 values per graph
    whole = TopClustering(3, random_state=0).fit(P)
    calls = []
    real_run_shared = fcviz._kmeans.run_shared

    def spy(tasks, submit, helpers):
        calls.append((len(tasks), submit is not None, helpers))
        return real_run_shared(tasks, submit, helpers)

    monkeypatch.setattr(fcviz._kmeans, "_SPLIT_COLUMNS", 64)
    monkeypatch.setattr(fcviz._kmeans, "_SPLIT_WORK", 0)
    monkeypatch.setattr(fcviz._workshare, "available_cores", lambda: 2)
    monkeypatch.setattr(fcviz._kmeans, "run_shared", spy)
    halves = TopClustering(3, random_state=0).fit(P)
    assert calls and all(call == (2, True, 1) for call in calls)
    np.testing.assert_array_equal(halves.labels_, whole.labels_)
    np.testing.assert_allclose(halves.inertia_, whole.inertia_, rtol=1e-12)
    np.testing.assert_array_equal(halves.cluster_centers_.vector, whole.cluster_centers_.vector)
    np.testing.assert_array_equal(halves.predict(P), halves.labels_)
    np.testing.assert_array_equal(halves.predict(P[::-1]), halves.labels_[::-1])


@pytest.mark.skipif(_COMPILED is None, reason="fcviz._ckmeans is not built")
def test_compiled_means_of_sorted_rows_are_sorted():
    """Means summed in row order keep each row's order: no re-sorting of the barycenters is needed."""
    rng = np.random.default_rng(0)
    V = np.sort(rng.random((30, 3001)) * rng.random((30, 1)) * 1e3, axis=1)
    W = np.zeros((30, 3))
    W[np.arange(30), rng.integers(0, 3, 30)] = 1.0
    C, D = np.empty((3, 3001)), np.empty((30, 3))
    _COMPILED.means_distances(V, W, C, D, True)
    assert (np.diff(C, axis=1) >= 0).all()


@pytest.mark.skipif(_COMPILED is None, reason="fcviz._ckmeans is not built")
def test_compiled_fit_predicts_without_the_compiled_module(four_groups, monkeypatch):
    """A compiled fit unpickled where the module is missing: numpy sums the same squared distances."""
    X, _ = four_groups
    est = TopClustering(4, random_state=0).fit(X)
    monkeypatch.setattr(fcviz._kmeans, "_ckmeans", None)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(X), est.labels_)


def test_distinct_choice_is_numpys_choice():
    """distinct_choice takes numpy's steps: the same seeds and the same numbers consumed as choice."""
    for seed in range(40):
        for n, size in ((5, 5), (12, 3), (40, 4), (40, 39), (7, 1)):
            ours, theirs = np.random.RandomState(seed), np.random.RandomState(seed)
            expected = theirs.choice(n, size=size, replace=False, p=np.full(n, 1.0 / n))
            np.testing.assert_array_equal(distinct_choice(ours, n, size), expected)
            assert ours.random_sample() == theirs.random_sample()
            np.testing.assert_array_equal(distinct_choice(random_source(seed), n, size), expected)


def test_seed_stream_serves_the_seeds_numbers():
    """A SeedStream gives RandomState(seed)'s numbers, from its cached prefix and past it."""
    stream = random_source(7)
    assert isinstance(stream, SeedStream)
    reference = np.random.RandomState(7)
    np.testing.assert_array_equal(stream.random_sample(5), reference.random_sample(5))
    np.testing.assert_array_equal(stream.random_sample((2, 3)), reference.random_sample((2, 3)))
    # any other use: the RandomState itself, past the numbers served
    assert stream.random_state().choice(10, size=3, replace=False).tolist() == \
        reference.choice(10, size=3, replace=False).tolist()
    np.testing.assert_array_equal(stream.random_sample(2000), reference.random_sample(2000))
    state = np.random.RandomState(3)
    assert random_source(state) is state
    with pytest.raises(ValueError):
        random_source(-1)


@pytest.mark.parametrize("init", ["k-means++", "random"])
def test_best_of_runs_from_a_seed_stream_or_a_random_state(init, core):
    """A seed as a SeedStream or as a RandomState: the same runs, on either path."""
    V = birth_death(random_modular_graphs(12, 10, 2, random_state=0)).vector
    a = best_of_runs(V, 3, init=init, n_init=4, max_iter=300, tol=1e-6, rng=random_source(5))
    b = best_of_runs(V, 3, init=init, n_init=4, max_iter=300, tol=1e-6, rng=np.random.RandomState(5))
    np.testing.assert_array_equal(a.labels, b.labels)
    assert a.inertia == pytest.approx(b.inertia, rel=1e-12)
    assert (a.means is not None) == (core == "compiled")


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
            ours, theirs, plain = (np.random.RandomState(seed) for _ in range(3))
            idx = _kmeans_plusplus_gram(Z @ Z.T, norms, k, ours)
            _, expected = kmeans_plusplus(Z, k, x_squared_norms=norms, random_state=theirs)
            reference, margin = _greedy_kmeans_plusplus(Z, k, plain)
            # Exact index equality is promised only where no choice was within rounding of a tie:
            # every draw is far from a boundary of the cumulative sum and every best candidate wins
            # clearly, so any correct arithmetic makes the same choices.
            assert margin > 1e-9, f"n={n}, seed {seed}: a near-tie ({margin:.1e}); pick data without one"
            np.testing.assert_array_equal(expected, reference, err_msg=f"n={n}, seed {seed}: scikit-learn")
            np.testing.assert_array_equal(idx, reference, err_msg=f"n={n}, seed {seed}: Gram space")
            assert ours.randint(2**31) == theirs.randint(2**31) == plain.randint(2**31)


def _greedy_kmeans_plusplus(Z, k, random_state):
    """Greedy k-means++ (Arthur and Vassilvitskii; 2 + log k trials a step) from its definition.

    Returns the seed indices and the smallest relative margin by which any choice was made (a draw's
    distance to a boundary of the cumulative potential, or the gap from the best candidate's
    potential to the runner-up's).
    """
    n = len(Z)
    squared = ((Z[:, None, :] - Z[None, :, :]) ** 2).sum(axis=2)
    trials = 2 + int(np.log(k))
    chosen = [random_state.choice(n, p=np.full(n, 1 / n))]
    closest = squared[chosen[0]]
    margin = np.inf
    for _ in range(1, k):
        total = closest.sum()
        draws = random_state.uniform(size=trials) * total
        bounds = np.cumsum(closest)
        candidates = np.minimum(np.searchsorted(bounds, draws), n - 1)
        margin = min(margin, np.abs(draws[:, None] - bounds[None, :]).min() / total)
        potentials = np.minimum(closest, squared[candidates]).sum(axis=1)
        order = np.argsort(potentials)
        if len(set(candidates.tolist())) > 1:
            distinct = potentials[order][potentials[order] != potentials[order[0]]]
            if len(distinct):
                margin = min(margin, (distinct[0] - potentials[order[0]]) / total)
        chosen.append(candidates[order[0]])
        closest = np.minimum(closest, squared[chosen[-1]])
    return np.array(chosen), margin


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
def test_predict_on_training_data_gives_labels(four_groups, w, core):
    X, _ = four_groups
    est = TopClustering(4, top_relative_weight=w, n_init=2, random_state=1).fit(X)
    # the final assignment of fit is predict's arithmetic on the same array: exact by construction
    # (order and subset invariance: test_predict_is_invariant_to_sample_order_and_subsets)
    np.testing.assert_array_equal(est.predict(X), est.labels_)


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
    """The centroid memo shared by the n_init runs and the persistence read off the interpolation
    change nothing: with random seeds (the same draws, the same Lloyd arithmetic) labels, inertia and
    centroids are the plain ones, bit for bit. The Gram-space k-means++ computes its distances by
    other arithmetic than scikit-learn's seeding on the features: there, the same partition, inertia
    and centroid graphs (tests/clustering_checks.py)."""
    X, _ = four_groups
    dead = X[:16].copy()
    dead[:, 3, :] = dead[:, :, 3] = 0.0  # a dead neuron: tied weights
    for data, k in ((X, 4), (dead, 2)):
        for seed in range(3):
            for init, n_init in (("k-means++", 6), ("random", 3)):
                params = dict(top_relative_weight=w, init=init, n_init=n_init, random_state=seed)
                ours = TopClustering(k, **params).fit(data)
                plain = _PlainInterpolationTop(k, **params).fit(data)
                if init == "random":
                    np.testing.assert_array_equal(ours.labels_, plain.labels_)
                    assert ours.inertia_ == plain.inertia_ and ours.n_iter_ == plain.n_iter_
                    np.testing.assert_array_equal(ours.cluster_center_graphs_, plain.cluster_center_graphs_)
                else:
                    assert_same_clustering(ours, plain, centers=_edges(ours.cluster_center_graphs_),
                                           reference_centers=_edges(plain.cluster_center_graphs_),
                                           err_msg=f"seed {seed}, {init}")


# The paper's algorithm written from its equations (tests/clustering_checks.py: ReferenceTop, its own
# Kruskal spanning tree, ranks, targets and gradient steps; nothing of fcviz inside).
_REFERENCE_CASES = [(w, eta, steps, seed, n_init) for w in (0.3, 0.8, 0.95)
                    for eta, steps in ((0.5, 300), (0.05, 300), (0.05, 3)) for seed, n_init in ((0, 1), (4, 3))]


@pytest.fixture(scope="module")
def overlapping_groups():
    """Four weakly separated groups of 10-node graphs (no tied weights), split into 3 clusters."""
    return np.concatenate([random_modular_graphs(4, 10, m, signal=0.5, random_state=20 + i)
                           for i, m in enumerate([1, 2, 3, 5])])


@pytest.mark.parametrize("w, eta, steps, seed, n_init", _REFERENCE_CASES)
def test_intermediate_weight_fit_is_the_papers_algorithm(overlapping_groups, w, eta, steps, seed, n_init):
    """Labels (up to relabelling), inertia, centroid graphs and rounds agree with the reference.

    ``centroid_max_iter=3`` stops the damped descent (step 0.05) far from convergence: the centroids
    then depend on every step, start and step-size rule of the update, not only on its fixed point.
    """
    X = overlapping_groups
    params = dict(n_init=n_init, centroid_step_size=eta, centroid_max_iter=steps, random_state=seed)
    ref = ReferenceTop(3, w, **params).fit(X)
    est = TopClustering(3, top_relative_weight=w, init="random", **params).fit(X)
    assert_same_clustering(est, ref, centers=_edges(est.cluster_center_graphs_),
                           reference_centers=ref.centroid_edges_, atol=1e-10)
    # the distances of the reference to the fitted centroids: the fitted labels are their argmin
    D = ref.distances(_edges(est.cluster_center_graphs_))
    assert est.inertia_ == pytest.approx(D.min(axis=1).sum(), rel=1e-9)
    clear = _clear_margins(D)
    assert clear.all(), "a graph is within rounding of two centroids: choose other data"
    np.testing.assert_array_equal(D.argmin(axis=1), est.labels_)


def _clear_margins(D, rel=1e-9):
    """Per row: its nearest column beats the next one by more than rounding could move them, so that an
    argmin computed by other arithmetic must pick the same column."""
    part = np.sort(D, axis=1)
    return part[:, 1] - part[:, 0] > rel * np.abs(D).max()


def test_reference_gradient_is_the_derivative_of_the_cost(overlapping_groups):
    """The reference's own check: away from a change of split, f(C + t u) - f(C) ~ t <grad f, u>, with
    grad f = 2 (1 - w)(C - mean A) + 2 w (C - target); so ReferenceTop descends the paper's objective."""
    X = overlapping_groups
    w = 0.7
    ref = ReferenceTop(3, w).fit(X)
    members = ref.labels_ == 0
    c = ref.centroid_edges_[0] + 0.01
    mean, bary = ref.A_[members].mean(axis=0), ref.P_[members].mean(axis=0)
    position = reference_split(c, 10)[1]
    gradient = 2 * (1 - w) * (c - mean) + 2 * w * (c - bary[position])
    u = np.random.default_rng(0).standard_normal(c.size)
    for t in (1e-5, 1e-6):  # central differences: exact for a quadratic, as f is for a fixed split
        assert reference_split(c + t * u, 10)[1].tolist() == reference_split(c - t * u, 10)[1].tolist() == position.tolist()
        slope = (ref.cost(c + t * u, members) - ref.cost(c - t * u, members)) / (2 * t)
        assert slope == pytest.approx(gradient @ u, rel=1e-6)


@pytest.mark.parametrize("w", [0.9, 0.95, 0.99])
def test_centroid_persistence_moves_to_the_barycenter_not_the_mean_graph(overlapping_groups, w):
    """Close to w = 1 the centroid graph's persistence nears its members' barycenter B.

    Were the birth/death split of the jump point (1 - w) mean A + w target(mean A) that of mean A, it
    would cost f = w (1 - w) d_top(mean A, B) = (1 - w) f(mean A), with d_top(jump, B) =
    (1 - w)^2 d_top(mean A, B); the update costs no more than its start. The split can move, so the
    bounds asserted are looser: d_top(C, B) <= (1 - w) d_top(mean A, B) and f(C) <= 2 (1 - w) f(mean A).
    A centroid equal to the members' mean graph has ratio 1 in both."""
    X = overlapping_groups
    est = TopClustering(3, top_relative_weight=w, init="random", n_init=1, random_state=0).fit(X)
    ref = ReferenceTop(3, w).fit(X)  # its persistence and cost, independent of fcviz
    for k in range(3):
        members = est.labels_ == k
        centroid = _edges(est.cluster_center_graphs_[k][None])[0]
        mean_graph = ref.A_[members].mean(axis=0)
        bary = ref.P_[members].mean(axis=0)
        to_bary = ((reference_split(centroid, 10)[0] - bary) ** 2).sum()
        mean_to_bary = ((reference_split(mean_graph, 10)[0] - bary) ** 2).sum()
        assert to_bary <= (1 - w) * mean_to_bary * (1 + 1e-9), k
        assert ref.cost(centroid, members) <= 2 * (1 - w) * ref.cost(mean_graph, members), k
        assert not np.allclose(centroid, mean_graph, atol=1e-3), k


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


def test_duplicate_graphs_warn(core):
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
    (np.ones(5), "stack of graphs"),  # check_fit1d
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


# --- scikit-learn's estimator checks, on graphs ---------------------------------------------------
#
# TopClustering's tags say 3-D input (stacks of graphs), for which scikit-learn runs only its API
# checks (below, on the estimator itself). Each data check of scikit-learn is written here on graphs;
# the check it stands for is named in the test's docstring.

_API_CHECKS = [
    "check_estimator_cloneable", "check_estimator_repr", "check_no_attributes_set_in_init",
    "check_estimators_unfitted", "check_do_not_raise_errors_in_init_or_set_params", "check_mixin_order",
    "check_parameters_default_constructible", "check_get_params_invariance", "check_set_params",
    "check_valid_tag_types", "check_estimator_tags_renamed",
]


def test_true_tags_declare_graph_input():
    tags = TopClustering().__sklearn_tags__()
    assert tags.input_tags.three_d_array and not tags.input_tags.two_d_array


@pytest.mark.parametrize("check", _API_CHECKS)
def test_sklearn_api_checks(check):
    from sklearn.utils import estimator_checks

    getattr(estimator_checks, check)("TopClustering", TopClustering(n_init=2))


WEIGHTS = [0.0, 0.5, 1.0]


def _state(est):
    """Deep snapshot of an estimator's attributes (arrays copied, persistences as their arrays)."""
    out = {}
    for name, value in vars(est).items():
        if hasattr(value, "births") and hasattr(value, "deaths"):
            value = ("Persistence", value.births.copy(), value.deaths.copy())
        out[name] = copy.deepcopy(value)
    return out


def _assert_same_state(a, b):
    assert a.keys() == b.keys()
    for name in a:
        x, y = a[name], b[name]
        if isinstance(x, tuple) and x and x[0] == "Persistence":
            np.testing.assert_array_equal(x[1], y[1], err_msg=name)
            np.testing.assert_array_equal(x[2], y[2], err_msg=name)
        elif isinstance(x, np.ndarray):
            assert x.dtype == y.dtype, name
            np.testing.assert_array_equal(x, y, err_msg=name)
        else:
            assert x == y, name


def _nearest_centroid_margins(est, X):
    """Per graph, (second nearest - nearest) objective term to the fitted centroids, from the public
    attributes; an argmin by other arithmetic (another batch shape) can only differ where it is ~0."""
    w = est.top_relative_weight
    P, C = birth_death(X).vector, est.cluster_centers_.vector
    D = w * ((P[:, None] - C[None]) ** 2).sum(-1)
    if w < 1:
        D = D + (1 - w) * ((_edges(X)[:, None] - _edges(est.cluster_center_graphs_)[None]) ** 2).sum(-1)
    part = np.sort(D, axis=1)
    return part[:, 1] - part[:, 0], D


@pytest.mark.parametrize("w", WEIGHTS)
def test_fit_leaves_parameters_alone_and_returns_self(two_groups, w):
    """check_estimators_overwrite_params, check_dont_overwrite_parameters, check_estimators_fit_returns_self,
    check_fit_score_takes_y: fit(X) and fit(X, y) return the estimator, change no parameter and add only
    public attributes ending in "_"."""
    X, y = two_groups
    est = TopClustering(2, top_relative_weight=w, n_init=2, random_state=0)
    params = copy.deepcopy(est.get_params())
    before = set(vars(est))
    assert est.fit(X) is est
    assert est.get_params() == params
    added = set(vars(est)) - before
    assert added and all(name.endswith("_") or name.startswith("_") for name in added), added
    assert {"labels_", "cluster_centers_", "inertia_", "n_iter_", "n_features_in_"} <= added
    labels = est.labels_.copy()
    assert est.fit(X, y) is est and est.get_params() == params  # y is accepted and ignored
    np.testing.assert_array_equal(est.labels_, labels)
    np.testing.assert_array_equal(TopClustering(2, top_relative_weight=w, n_init=2, random_state=0).fit_predict(X, y),
                                  labels)


@pytest.mark.parametrize("w", WEIGHTS)
def test_predict_leaves_the_fitted_state_alone(two_groups, w):
    """check_dict_unchanged: predict on the training graphs or on others changes no attribute."""
    X, _ = two_groups
    other = random_modular_graphs(3, 16, 8, random_state=5)
    est = TopClustering(2, top_relative_weight=w, n_init=2, random_state=0).fit(X)
    before = _state(est)
    est.predict(X)
    est.predict(other)
    est.predict(list(other))
    _assert_same_state(before, _state(est))


@pytest.mark.parametrize("w", WEIGHTS)
def test_refit(two_groups, four_groups, w):
    """check_fit_idempotent: fitting again on the same graphs gives the same state, bit for bit (the
    same arithmetic on the same input); a fit on other graphs replaces the whole state, as if fresh."""
    X, _ = two_groups
    Y, _ = four_groups
    params = dict(top_relative_weight=w, n_init=2, random_state=0)
    est = TopClustering(2, **params).fit(X)
    first, predicted = _state(est), est.predict(Y[:, :16, :16])
    est.fit(X)
    _assert_same_state(first, _state(est))
    np.testing.assert_array_equal(est.predict(Y[:, :16, :16]), predicted)
    est.fit(Y)  # 20 nodes now
    _assert_same_state(_state(est), _state(TopClustering(2, **params).fit(Y)))
    assert est.n_nodes_in_ == 20 and est.labels_.shape == (32,)
    with pytest.raises(ValueError, match="fitted on graphs of 20 nodes"):
        est.predict(X)


@pytest.mark.parametrize("w", WEIGHTS)
@pytest.mark.parametrize("empty", [np.zeros((0, 16, 16)), [], np.zeros((3, 0, 0))], ids=["no graphs", "[]", "0 nodes"])
def test_empty_input_is_refused_clearly(two_groups, w, empty):
    """check_estimators_empty_data_messages, on graphs."""
    X, _ = two_groups
    with pytest.raises(ValueError, match="empty|at least 2 nodes"):
        TopClustering(2, top_relative_weight=w).fit(empty)
    est = TopClustering(2, top_relative_weight=w, n_init=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="empty|at least 2 nodes"):
        est.predict(empty)


def _as_memmap(X, tmp_path):
    path = tmp_path / "graphs.dat"
    writable = np.memmap(path, dtype=X.dtype, mode="w+", shape=X.shape)
    writable[:] = X
    writable.flush()
    del writable
    return np.memmap(path, dtype=X.dtype, mode="r", shape=X.shape)


@pytest.mark.parametrize("w", WEIGHTS)
def test_int_fortran_and_read_only_memmap_input_work_like_float64(w, tmp_path):
    """check_estimators_dtypes, check_f_contiguous_array_estimator, check_readonly_memmap_input,
    check_estimators_pickle(readonly_memmap=True), check_clustering(readonly_memmap=True): the same
    weights as integers, in Fortran order, or in a read-only memory map give the float64 C-ordered fit,
    bit for bit (the values are converted exactly, then the same arithmetic runs)."""
    weights = np.round(random_modular_graphs(10, 8, 2, random_state=3) * 20)  # integer-valued weights
    weights[5:] = np.round(random_modular_graphs(5, 8, 4, random_state=4) * 20)
    params = dict(top_relative_weight=w, n_init=2, random_state=0)
    ref = TopClustering(2, **params).fit(weights)
    variants = {dtype: weights.astype(dtype) for dtype in (np.int64, np.int32, np.uint8)}
    variants["fortran"] = np.asfortranarray(weights)
    variants["fortran int"] = np.asfortranarray(weights.astype(np.int64))
    variants["memmap"] = _as_memmap(weights, tmp_path)
    for name, data in variants.items():
        est = TopClustering(2, **params).fit(data)
        np.testing.assert_array_equal(est.labels_, ref.labels_, err_msg=str(name))
        assert est.inertia_ == ref.inertia_, name
        np.testing.assert_array_equal(est.cluster_centers_.vector, ref.cluster_centers_.vector, err_msg=str(name))
        np.testing.assert_array_equal(ref.predict(data), ref.labels_, err_msg=str(name))
    memmapped = variants["memmap"]
    est = pickle.loads(pickle.dumps(TopClustering(2, **params).fit(memmapped)))
    np.testing.assert_array_equal(est.predict(memmapped), ref.labels_)
    np.testing.assert_array_equal(memmapped, weights)


@pytest.mark.parametrize("make, match", [
    (lambda X: X.astype(complex), "real-valued"),
    (lambda X: X.astype(str), "numeric"),
    (lambda X: X.astype(object), "numeric array"),
], ids=["complex", "strings", "object"])
def test_complex_string_and_object_input_are_refused_clearly(two_groups, make, match):
    """check_complex_data, check_dtype_object: fcviz reads numeric arrays only (an object array, even of
    numbers, is refused with a message saying what to pass), in fit and in predict."""
    X, _ = two_groups
    with pytest.raises(ValueError, match=match):
        TopClustering(2).fit(make(X))
    est = TopClustering(2, n_init=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match=match):
        est.predict(make(X))


def test_sparse_input_is_refused_clearly(two_groups):
    """check_estimator_sparse_tag, check_estimator_sparse_array, check_estimator_sparse_matrix: the tags
    say no sparse input, and sparse graphs are refused with a message naming them."""
    import scipy.sparse as sp

    X, _ = two_groups
    assert TopClustering().__sklearn_tags__().input_tags.sparse is False
    est = TopClustering(2, n_init=1, random_state=0).fit(X)
    for data in ([sp.csr_matrix(G) for G in X], [sp.csr_array(G) for G in X], sp.coo_array(X)):
        with pytest.raises(ValueError, match="sparse"):
            TopClustering(2).fit(data)
        with pytest.raises(ValueError, match="sparse"):
            est.predict(data)


@pytest.mark.parametrize("w", WEIGHTS)
@pytest.mark.parametrize("bad, match", [(np.nan, "finite.*nan"), (np.inf, "finite.*inf"), (-np.inf, "finite.*inf"),
                                        (-0.5, "non-negative")])
def test_nan_inf_and_negative_weights_are_refused_clearly(two_groups, w, bad, match):
    """check_estimators_nan_inf, check_positive_only_tag_during_fit: in fit and in predict."""
    X, _ = two_groups
    spoiled = X.copy()
    spoiled[3, 2, 5] = spoiled[3, 5, 2] = bad
    with pytest.raises(ValueError, match=match):
        TopClustering(2, top_relative_weight=w).fit(spoiled)
    est = TopClustering(2, top_relative_weight=w, n_init=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match=match):
        est.predict(spoiled)


@pytest.mark.parametrize("w", WEIGHTS)
def test_pickle_round_trip_predicts_the_same(two_groups, w, core):
    """check_estimators_pickle: the unpickled estimator has the same state and predicts the same."""
    X, _ = two_groups
    other = random_modular_graphs(4, 16, 8, random_state=9)
    est = TopClustering(2, top_relative_weight=w, n_init=2, random_state=0).fit(X)
    again = pickle.loads(pickle.dumps(est))
    _assert_same_state(_state(est), _state(again))
    for data in (X, other):
        np.testing.assert_array_equal(again.predict(data), est.predict(data))


@pytest.mark.parametrize("w", WEIGHTS)
def test_predict_is_invariant_to_sample_order_and_subsets(four_groups, w, core):
    """check_methods_sample_order_invariance, check_methods_subset_invariance: predict labels each graph
    on its own. Batches of another shape run other matrix-product kernels, so the labels are compared
    where the nearest centroid wins by more than rounding (every graph here, asserted)."""
    X, _ = four_groups
    est = TopClustering(4, top_relative_weight=w, n_init=2, random_state=1).fit(X)
    margins, D = _nearest_centroid_margins(est, X)
    assert np.all(margins > 1e-9 * D.max())
    labels = est.predict(X)
    np.testing.assert_array_equal(labels, D.argmin(axis=1))
    perm = np.random.default_rng(0).permutation(len(X))
    np.testing.assert_array_equal(est.predict(X[perm]), labels[perm])
    for size in (1, 3, 7):
        for start in range(0, len(X), size):
            np.testing.assert_array_equal(est.predict(X[start:start + size]), labels[start:start + size])


@pytest.mark.parametrize("w", WEIGHTS)
@pytest.mark.parametrize("max_iter", [1, 2, 300])
def test_n_iter_is_at_least_one_and_at_most_max_iter(four_groups, w, max_iter, core):
    """check_non_transformer_estimators_n_iter, and the cap itself."""
    X, _ = four_groups
    est = TopClustering(4, top_relative_weight=w, init="random", n_init=2, max_iter=max_iter, random_state=3).fit(X)
    assert isinstance(est.n_iter_, (int, np.integer))
    assert 1 <= est.n_iter_ <= max_iter
    if max_iter == 1:
        assert est.n_iter_ == 1


@pytest.mark.parametrize("w", WEIGHTS)
def test_one_graph(two_groups, w, core):
    """check_fit2d_1sample: one graph makes one cluster whose centroid is that graph; two clusters of
    one graph are refused clearly."""
    X, _ = two_groups
    G = X[:1]
    est = TopClustering(1, top_relative_weight=w, random_state=0).fit(G)
    np.testing.assert_array_equal(est.labels_, [0])
    assert est.inertia_ == pytest.approx(0.0, abs=1e-20)
    np.testing.assert_allclose(est.cluster_centers_.vector, birth_death(G).vector, atol=1e-15)
    if w < 1:
        np.testing.assert_allclose(est.cluster_center_graphs_, G, atol=1e-15)
    np.testing.assert_array_equal(est.predict(X), np.zeros(len(X)))
    with pytest.raises(ValueError, match="n_samples=1 should be >= n_clusters=2"):
        TopClustering(2, top_relative_weight=w).fit(G)


@pytest.mark.parametrize("w", WEIGHTS)
def test_two_node_graphs_have_one_feature(w):
    """check_fit2d_1feature: a 2-node graph has one edge (one birth, no death); clusters split its weight."""
    weights = np.array([0.1, 0.12, 0.11, 0.8, 0.82, 0.79])
    X = np.zeros((6, 2, 2))
    X[:, 0, 1] = X[:, 1, 0] = weights
    est = TopClustering(2, top_relative_weight=w, n_init=2, random_state=0).fit(X)
    assert est.n_features_in_ == 1 and est.n_nodes_in_ == 2
    assert est.labels_[0] == est.labels_[1] == est.labels_[2] != est.labels_[3] == est.labels_[4] == est.labels_[5]
    low = est.labels_[0]
    np.testing.assert_allclose(est.cluster_centers_.births[low], [weights[:3].mean()], atol=1e-12)
    np.testing.assert_allclose(est.cluster_centers_.births[1 - low], [weights[3:].mean()], atol=1e-12)


@pytest.mark.parametrize("w", WEIGHTS)
def test_fitted_only_after_fit(two_groups, w):
    """check_fit_check_is_fitted, check_n_features_in, check_clustering: unfitted until fit; then labels
    are integers 0 .. k - 1, fit_predict gives labels_, and n_features_in_ is the number of edges."""
    from sklearn.utils.validation import check_is_fitted

    X, y = two_groups
    est = TopClustering(2, top_relative_weight=w, n_init=2, random_state=0)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    assert not hasattr(est, "n_features_in_")
    est.fit(X)
    check_is_fitted(est)
    assert est.n_features_in_ == 16 * 15 // 2
    assert est.labels_.dtype.kind in "iu" and set(est.labels_.tolist()) == {0, 1}
    np.testing.assert_array_equal(clone(est).fit_predict(X), est.labels_)
    assert adjusted_rand_score(y, est.labels_) == 1.0


def test_pipeline_gives_the_estimators_labels(two_groups):
    """check_pipeline_consistency: in a one-step Pipeline, the same labels and predictions."""
    from sklearn.pipeline import make_pipeline

    X, _ = two_groups
    est = TopClustering(2, top_relative_weight=0.5, n_init=2, random_state=0)
    pipe = make_pipeline(clone(est))
    np.testing.assert_array_equal(pipe.fit_predict(X), est.fit_predict(X))
    np.testing.assert_array_equal(pipe.predict(X[:5]), est.predict(X[:5]))


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
    # The persistence vectors are the same numbers, bit for bit: a spanning tree's weights and the
    # sorted sets are selected from the weights, never computed. So both fits run the same arithmetic on
    # the same input, and exact equality of their labels is by construction (not a float comparison).
    np.testing.assert_array_equal(birth_death(shuffled).vector, birth_death(X).vector)
    a = TopClustering(2, n_init=2, random_state=0).fit(X)
    b = TopClustering(2, n_init=2, random_state=0).fit(shuffled)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert b.inertia_ == pytest.approx(a.inertia_, rel=1e-9, abs=1e-12)


def test_torch_and_list_of_tensors_input(two_groups):
    torch = pytest.importorskip("torch")
    X, _ = two_groups
    # a float64 tensor is read as the same float64 numbers: the same fit, bit for bit, by construction
    np.testing.assert_array_equal(torch.from_numpy(X).numpy(), X)
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
