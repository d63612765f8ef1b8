"""``birth_weight``: births and deaths weighed as probability distributions, wherever d_top is used.

Every fast path is compared with a slow reference written here from the definition:
``beta * mean_i (b_i - b'_i)^2 + (1 - beta) * mean_j (d_j - d'_j)^2`` over sorted sets, and for sets of
different sizes the integral over ranks of the squared difference of the quantile functions.
"""

from math import lcm

import numpy as np
import pytest
from sklearn.cluster import KMeans

from fcviz import (
    Persistence,
    TopClustering,
    barycenter,
    birth_death,
    pairwise_distances,
    permutation_test,
    rank_weights,
    topological_distance,
    topological_features,
)
from clustering_checks import ReferenceTop, assert_same_clustering
from fcviz.synthetic import random_modular_graphs

BETAS = [0.0, 0.25, 0.5, 0.9, 1.0]


def _mean_gap(x, y):
    """Mean squared gap of two sets read as distributions: expand both onto a common grid of ranks."""
    x, y = sorted(x), sorted(y)
    if not x and not y:
        return 0.0
    size = lcm(len(x), len(y))
    xs = [v for v in x for _ in range(size // len(x))]
    ys = [v for v in y for _ in range(size // len(y))]
    return sum((a - b) ** 2 for a, b in zip(xs, ys)) / size


def _reference(G, H, beta):
    PG, PH = birth_death(G), birth_death(H)
    if beta is None:
        b = sorted(PG.births), sorted(PH.births)
        d = sorted(PG.deaths), sorted(PH.deaths)
        return sum((u - v) ** 2 for u, v in zip(*b)) + sum((u - v) ** 2 for u, v in zip(*d))
    births = _mean_gap(PG.births.tolist(), PH.births.tolist())
    deaths = _mean_gap(PG.deaths.tolist(), PH.deaths.tolist()) if beta < 1 else 0.0
    return beta * births + (1 - beta) * deaths


@pytest.fixture(scope="module")
def groups():
    """Three groups of 10-node correlation graphs with 1, 2 and 4 modules."""
    X = np.concatenate([random_modular_graphs(6, 10, m, signal=0.8, random_state=i)
                        for i, m in enumerate([1, 2, 4])])
    return X, np.repeat(np.arange(3), 6)


@pytest.mark.parametrize("beta", [None, *BETAS])
def test_distance_equals_the_definition(groups, beta):
    X, _ = groups
    for i, j in [(0, 1), (0, 7), (5, 16), (3, 3)]:
        assert topological_distance(X[i], X[j], birth_weight=beta) == pytest.approx(_reference(X[i], X[j], beta),
                                                                                      rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("beta", BETAS)
def test_different_node_counts_use_the_quantile_form(beta):
    G = random_modular_graphs(1, 7, 2, random_state=0)[0]
    H = random_modular_graphs(1, 5, 2, random_state=1)[0]
    assert topological_distance(G, H, birth_weight=beta) == pytest.approx(_reference(G, H, beta), rel=1e-12)
    assert topological_distance(H, G, birth_weight=beta) == pytest.approx(_reference(G, H, beta), rel=1e-12)


def test_two_node_graphs_have_no_deaths_to_compare():
    G, H = np.array([[0, 0.3], [0.3, 0]]), np.array([[0, 0.7], [0.7, 0]])
    assert topological_distance(G, H, birth_weight=0.5) == pytest.approx(0.5 * 0.16)
    assert rank_weights(2, 0.5).tolist() == [0.5]


def test_none_is_the_papers_distance_and_the_extremes_read_one_set(groups):
    X, _ = groups
    P = birth_death(X[:2])
    assert topological_distance(X[0], X[1]) == topological_distance(X[0], X[1], birth_weight=None)
    births = np.mean((P.births[0] - P.births[1]) ** 2)
    deaths = np.mean((P.deaths[0] - P.deaths[1]) ** 2)
    assert topological_distance(X[0], X[1], birth_weight=1) == pytest.approx(births, rel=1e-12)
    assert topological_distance(X[0], X[1], birth_weight=0) == pytest.approx(deaths, rel=1e-12)


@pytest.mark.parametrize("n", [2, 3, 10, 40])
@pytest.mark.parametrize("beta", BETAS)
def test_rank_weights_give_each_set_its_share(n, beta):
    w = rank_weights(n, beta)
    assert w.shape == (n * (n - 1) // 2,)
    assert w[: n - 1].sum() == pytest.approx(beta)
    assert w[n - 1:].sum() == pytest.approx(1 - beta if n > 2 else 0.0)
    assert np.all(rank_weights(n) == 1.0)


@pytest.mark.parametrize("beta", [None, 0.3, 1.0])
def test_pairwise_distances_are_the_pairwise_loop(groups, beta):
    X, _ = groups
    D = pairwise_distances(X, birth_weight=beta)
    loop = np.array([[_reference(g, h, beta) for h in X] for g in X])
    np.testing.assert_allclose(D, loop, rtol=1e-9, atol=1e-12)
    assert np.array_equal(D, D.T) and np.all(np.diag(D) == 0)
    np.testing.assert_allclose(pairwise_distances(X[:4], X[10:], birth_weight=beta), loop[:4, 10:], rtol=1e-9,
                               atol=1e-12)
    F = topological_features(X, beta)
    np.testing.assert_allclose(((F[:, None] - F[None]) ** 2).sum(-1), loop, rtol=1e-9, atol=1e-12)


def test_mixed_sizes_in_pairwise_distances():
    small = random_modular_graphs(2, 6, 2, random_state=0)
    large = random_modular_graphs(2, 9, 3, random_state=1)
    D = pairwise_distances(small, large, birth_weight=0.4)
    np.testing.assert_allclose(D, [[_reference(g, h, 0.4) for h in large] for g in small], rtol=1e-12)


@pytest.mark.parametrize("beta", BETAS)
def test_barycenter_is_unchanged_and_still_the_minimiser(groups, beta):
    X, _ = groups
    P = birth_death(X)
    B, B_paper = barycenter(P, birth_weight=beta), barycenter(P)
    assert np.array_equal(B.births, B_paper.births) and np.array_equal(B.deaths, B_paper.deaths)
    np.testing.assert_allclose(B.distances, [topological_distance(p, B, birth_weight=beta) for p in P], rtol=1e-9,
                               atol=1e-15)

    def cost(C):
        return sum(topological_distance(p, C, birth_weight=beta) for p in P)

    best = cost(B)
    rng = np.random.default_rng(0)
    for scale in (1e-3, 1e-2, 1e-1):
        for _ in range(10):
            C = Persistence(np.sort(B.births + scale * rng.standard_normal(B.births.shape)),
                            np.sort(B.deaths + scale * rng.standard_normal(B.deaths.shape)))
            assert cost(C) >= best - 1e-12


@pytest.mark.parametrize("beta", [0.0, 0.2, 0.7, 1.0])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weight_one_is_kmeans_on_the_rescaled_vectors(groups, beta, seed):
    X, _ = groups
    est = TopClustering(3, birth_weight=beta, random_state=seed).fit(X)
    ref = KMeans(3, n_init=10, tol=1e-6, algorithm="lloyd", random_state=seed).fit(topological_features(X, beta))
    # scikit-learn's arithmetic differs from fcviz's in the last bits: the same partition, inertia and
    # centres (the barycenters, rescaled like the features), not the same label numbers
    scale = np.sqrt(rank_weights(X.shape[-1], beta))
    assert_same_clustering(est, ref, centers=est.cluster_centers_.vector * scale,
                           reference_centers=ref.cluster_centers_, err_msg=f"beta {beta}, seed {seed}")
    assert np.array_equal(est.predict(X), est.labels_)  # the same arithmetic on the same array
    assert np.array_equal(TopClustering(3, birth_weight=beta, random_state=seed).fit_predict(birth_death(X)),
                          est.labels_)
    P = birth_death(X)
    for k in range(3):  # the centroids are the barycenters of the clusters, whatever beta
        B = barycenter(P[est.labels_ == k])
        np.testing.assert_allclose(est.cluster_centers_.births[k], B.births, atol=1e-12)
        np.testing.assert_allclose(est.cluster_centers_.deaths[k], B.deaths, atol=1e-12)


def test_the_extremes_ignore_the_other_set(groups):
    """At beta = 1 the deaths do not matter; at beta = 0 the births do not."""
    X, _ = groups
    P = birth_death(X)
    rng = np.random.default_rng(1)
    scrambled_deaths = Persistence(P.births, np.sort(rng.random(P.deaths.shape), axis=1))
    scrambled_births = Persistence(np.sort(rng.random(P.births.shape), axis=1), P.deaths)
    births_only = TopClustering(3, birth_weight=1.0, random_state=0)
    deaths_only = TopClustering(3, birth_weight=0.0, random_state=0)
    assert np.array_equal(births_only.fit_predict(P), births_only.fit_predict(scrambled_deaths))
    assert np.array_equal(deaths_only.fit_predict(P), deaths_only.fit_predict(scrambled_births))
    assert not np.array_equal(births_only.fit(P).inertia_, births_only.fit(scrambled_births).inertia_)


@pytest.mark.parametrize("w", [0.5, 0.99])
def test_intermediate_weight_inertia_is_the_weighted_objective(groups, w):
    X, _ = groups
    est = TopClustering(3, top_relative_weight=w, birth_weight=0.5, n_init=2, random_state=0).fit(X)
    rows, cols = np.triu_indices(X.shape[-1], 1)
    expected = 0.0
    for G, k in zip(X, est.labels_):
        C = est.cluster_center_graphs_[k]
        expected += (1 - w) * ((G[rows, cols] - C[rows, cols]) ** 2).sum()
        expected += w * topological_distance(G, C, birth_weight=0.5)
    assert est.inertia_ == pytest.approx(expected, rel=1e-9)
    assert np.array_equal(est.predict(X), est.labels_)
    assert np.all(est.cluster_center_graphs_ >= 0)


@pytest.mark.parametrize("beta", [0.2, 0.5, 0.9])
@pytest.mark.parametrize("w, eta, steps", [(0.5, 0.5, 300), (0.99, 0.5, 300), (0.99, 0.05, 300), (0.99, 0.05, 3)])
def test_intermediate_weight_fit_is_the_papers_algorithm_with_rank_weights(groups, beta, w, eta, steps):
    """Against ReferenceTop (tests/clustering_checks.py), written from the equations: the topological
    gradient at edge e is 2 s_e (C_e - target_e), s_e the weight of e's rank, and the step divides the
    gradient edge by edge by (1 - w) + w s_e (so that a step of 0.5 lands on the minimiser)."""
    X, _ = groups
    params = dict(birth_weight=beta, n_init=2, centroid_step_size=eta, centroid_max_iter=steps, random_state=1)
    ref = ReferenceTop(3, w, **params).fit(X)
    est = TopClustering(3, top_relative_weight=w, init="random", **params).fit(X)
    rows, cols = np.triu_indices(X.shape[-1], 1)
    assert_same_clustering(est, ref, centers=est.cluster_center_graphs_[:, rows, cols],
                           reference_centers=ref.centroid_edges_, atol=1e-10, err_msg=f"beta {beta}")


def test_intermediate_weight_centroid_updates_never_raise_their_cost(groups):
    """Each interpolated centroid is no worse than the members' mean graph under the weighted cost."""
    X, _ = groups
    w, beta = 0.95, 0.5
    est = TopClustering(3, top_relative_weight=w, birth_weight=beta, n_init=1, random_state=0).fit(X)
    rows, cols = np.triu_indices(X.shape[-1], 1)
    P = birth_death(X)

    def cost(C, members):
        geo = ((X[members][:, rows, cols] - C[rows, cols]) ** 2).sum(axis=1).mean()
        bary = barycenter(P[members])
        return (1 - w) * geo + w * topological_distance(C, bary, birth_weight=beta)

    for k in range(3):
        members = est.labels_ == k
        assert cost(est.cluster_center_graphs_[k], members) <= cost(X[members].mean(axis=0), members) + 1e-12


def test_permutation_test_uses_the_weighted_distance(groups):
    X, labels = groups
    paper = permutation_test(X, labels, n_permutations=99, random_state=0)
    births = permutation_test(X, labels, n_permutations=99, random_state=0, birth_weight=1.0)
    D = pairwise_distances(X, birth_weight=1.0)
    same = labels[:, None] == labels[None]
    upper = np.triu(np.ones_like(same), 1)
    expected = D[~same & upper].mean() / D[same & upper].mean()
    assert births.statistic == pytest.approx(expected, rel=1e-12)
    assert births.statistic != paper.statistic


@pytest.mark.parametrize("bad", [-0.1, 1.5, "half", True, np.nan])
def test_invalid_birth_weight_is_refused_clearly(groups, bad):
    X, _ = groups
    with pytest.raises(ValueError, match="birth_weight"):
        topological_distance(X[0], X[1], birth_weight=bad)
    with pytest.raises(ValueError, match="birth_weight"):
        pairwise_distances(X, birth_weight=bad)
    with pytest.raises(ValueError, match="birth_weight"):
        TopClustering(3, birth_weight=bad).fit(X)


def test_inputs_are_not_modified(groups):
    X, _ = groups
    before = X.copy()
    P = birth_death(X)
    vector = P.vector.copy()
    TopClustering(3, birth_weight=0.3, random_state=0).fit(P)
    TopClustering(3, top_relative_weight=0.9, birth_weight=0.3, n_init=1, random_state=0).fit(X)
    topological_features(P, 0.3)
    assert np.array_equal(X, before) and np.array_equal(P.vector, vector)


def test_dynamics_summary_and_display_use_the_weighted_distance(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from fcviz import connectome_zoo, training_dynamics
    from fcviz.viz import DistanceMatrixDisplay

    zoo = connectome_zoo(regularizers=["vanilla", "batch_norm"], n_networks=2, epochs=2, n_stimuli=60,
                         snapshot_epochs=[0, 1], cache=False, progress=False)
    P = birth_death(zoo.graphs)
    result = training_dynamics(zoo, n_repeats=2, n_permutations=19, birth_weight=0.7)
    epoch_of = np.asarray(zoo.label_column("epoch"))
    final = {(r["regularizer"], r["network"]): i for i, r in enumerate(zoo.labels) if r["epoch"] == 2}
    for row in result.per_network:
        i = next(j for j, r in enumerate(zoo.labels)
                 if r["epoch"] == row["epoch"] and r["regularizer"] == row["regularizer"]
                 and r["network"] == row["network"])
        expected = topological_distance(P[i], P[final[(row["regularizer"], row["network"])]], birth_weight=0.7)
        assert row["distance_to_final"] == pytest.approx(expected, rel=1e-12, abs=1e-15)
    trained = np.flatnonzero(epoch_of == 2)
    summary = zoo.summary(birth_weight=0.7)
    codes, names = zoo.at_epoch(2).group_labels("regularizer")
    for g, row in enumerate(summary.rows):
        members = P[trained[codes == g]]
        assert row["spread"] == pytest.approx(barycenter(members, birth_weight=0.7).mean_distance, rel=1e-12)
    display = DistanceMatrixDisplay.from_persistence(P[trained], birth_weight=0.7)
    np.testing.assert_allclose(display.distances, pairwise_distances(P[trained], birth_weight=0.7))
    with pytest.raises(ValueError, match="birth_weight"):
        training_dynamics(zoo, birth_weight=2)
