"""Closed-form distances, the quantile extension, pairwise matrices and barycenters."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import symmetric
from fcviz import barycenter, birth_death, pairwise_distances, topological_distance, wasserstein_distance
from fcviz.synthetic import random_modular_graphs
from fcviz.wasserstein import _quantile_lp


def brute_force_wasserstein(x, y, p):
    """Optimal matching by trying every permutation (tiny sets only)."""
    from itertools import permutations

    return min(sum(abs(a - b) ** p for a, b in zip(x, perm)) for perm in permutations(y)) ** (1 / p)


def test_sorted_matching_is_optimal(rng):
    for _ in range(5):
        G, H = symmetric(rng.random((2, 4, 4)))  # 3 births and 3 deaths each
        PG, PH = birth_death(G), birth_death(H)
        for p in (1, 2, 3):
            assert wasserstein_distance(G, H, p=p, dim=0) == pytest.approx(
                brute_force_wasserstein(PG.births, PH.births, p))
            assert wasserstein_distance(G, H, p=p, dim=1) == pytest.approx(
                brute_force_wasserstein(PG.deaths, PH.deaths, p))


def test_topological_distance_is_squared_w2_over_both_sets(rng):
    G, H = random_modular_graphs(2, 20, 2, random_state=1)
    PG, PH = birth_death(G), birth_death(H)
    expected = np.sum((PG.births - PH.births) ** 2) + np.sum((PG.deaths - PH.deaths) ** 2)
    assert topological_distance(G, H) == pytest.approx(expected, rel=1e-12)
    assert topological_distance(PG, PH) == pytest.approx(expected, rel=1e-12)
    assert wasserstein_distance(G, H) ** 2 == pytest.approx(expected, rel=1e-12)
    w0, w1 = wasserstein_distance(G, H, dim=0), wasserstein_distance(G, H, dim=1)
    assert w0 ** 2 + w1 ** 2 == pytest.approx(expected, rel=1e-12)


def test_quantile_extension_equals_closed_form_for_equal_sizes(rng):
    for size in (1, 2, 7, 50):
        x, y = np.sort(rng.random(size)), np.sort(rng.random(size))
        for p in (1.0, 2.0):
            assert size * _quantile_lp(x, y, p) == pytest.approx(np.sum(np.abs(x - y) ** p), rel=1e-12)


def test_different_sizes_use_quantile_functions(rng):
    small, large = random_modular_graphs(1, 12, 2, random_state=3)[0], random_modular_graphs(1, 23, 2, random_state=4)[0]
    d = topological_distance(small, large)
    assert d > 0 and d == pytest.approx(topological_distance(large, small))
    # A set repeated k times is the same distribution: distance 0 between x and its k-fold copy.
    x = np.sort(rng.random(5))
    assert _quantile_lp(x, np.repeat(x, 3), 2.0) == pytest.approx(0.0, abs=1e-15)
    D = pairwise_distances([small], [large])
    assert D.shape == (1, 1) and D[0, 0] == pytest.approx(d)


def test_pairwise_matches_loop(rng):
    graphs = random_modular_graphs(9, 25, 3, random_state=5)
    D = pairwise_distances(graphs)
    loop = np.array([[topological_distance(g, h) for h in graphs] for g in graphs])
    np.testing.assert_allclose(D, loop, rtol=1e-9, atol=1e-12)
    assert np.array_equal(D, D.T) and np.all(np.diag(D) == 0)
    P = birth_death(graphs)
    np.testing.assert_allclose(pairwise_distances(P, P[:4]), loop[:, :4], rtol=1e-9, atol=1e-12)


def test_barycenter_is_mean_of_sorted_vectors_with_spread(rng):
    graphs = random_modular_graphs(6, 15, 3, random_state=6)
    P = birth_death(graphs)
    B = barycenter(graphs)
    np.testing.assert_allclose(B.births, P.births.mean(0))
    np.testing.assert_allclose(B.deaths, P.deaths.mean(0))
    np.testing.assert_allclose(B.births_std, P.births.std(0))
    assert B.n_members == 6
    distances = [topological_distance(p, B) for p in P]
    np.testing.assert_allclose(B.distances, distances, rtol=1e-9)
    assert B.mean_distance == pytest.approx(np.mean(distances))
    assert np.all(np.diff(B.births) >= 0) and np.all(np.diff(B.deaths) >= 0)  # still sorted


def test_inputs_not_modified(rng):
    graphs = random_modular_graphs(4, 10, 2, random_state=7)
    graphs[:, 0, 1] = graphs[:, 1, 0] = 0.0
    before = graphs.copy()
    pairwise_distances(graphs)
    barycenter(graphs)
    topological_distance(graphs[0], graphs[1])
    np.testing.assert_array_equal(graphs, before)


graph_sets = st.integers(0, 2**32 - 1).map(
    lambda seed: symmetric(np.random.default_rng(seed).random((3, 7, 7))))


@settings(max_examples=60, deadline=None)
@given(graph_sets, st.sampled_from([1.0, 2.0, 3.0]))
def test_metric_axioms(graphs, p):
    G, H, K = graphs
    assert topological_distance(G, G) == 0
    assert wasserstein_distance(G, H, p=p) == pytest.approx(wasserstein_distance(H, G, p=p))
    assert wasserstein_distance(G, K, p=p) <= wasserstein_distance(G, H, p=p) + wasserstein_distance(H, K, p=p) + 1e-12


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_barycenter_minimises_summed_distance(seed):
    rng = np.random.default_rng(seed)
    P = birth_death(symmetric(rng.random((5, 8, 8))))
    B = barycenter(P)
    best = sum(topological_distance(p, B) for p in P)
    for _ in range(5):  # any other sorted candidate does no better
        cand_b = np.sort(B.births + rng.normal(0, 0.05, B.births.shape))
        cand_d = np.sort(B.deaths + rng.normal(0, 0.05, B.deaths.shape))
        from fcviz import Persistence

        C = Persistence(cand_b, cand_d)
        assert sum(topological_distance(p, C) for p in P) >= best - 1e-12


def test_edge_distances_are_squared_edge_differences(rng):
    from fcviz import edge_distances
    from fcviz.synthetic import random_modular_graphs

    graphs = random_modular_graphs(5, 12, 3, random_state=0)
    D = edge_distances(graphs)
    rows, cols = np.triu_indices(12, 1)
    brute = np.array([[np.sum((g[rows, cols] - h[rows, cols]) ** 2) for h in graphs] for g in graphs])
    np.testing.assert_allclose(D, brute, atol=1e-12)
    assert np.array_equal(D, D.T) and not D.diagonal().any()
    with pytest.raises(ValueError, match="symmetric"):
        edge_distances(rng.random((2, 4, 4)))
