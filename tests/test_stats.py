"""Tests of fcviz.stats.permutation_test."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fcviz.homology import birth_death
from fcviz.stats import PermutationTestResult, permutation_test
from fcviz.synthetic import random_modular_graphs
from fcviz.wasserstein import pairwise_distances


@pytest.fixture(scope="module")
def distinct():
    X = np.concatenate([
        random_modular_graphs(8, 12, 2, signal=2.0, random_state=0),
        random_modular_graphs(8, 12, 4, signal=2.0, random_state=1),
    ])
    return X, np.repeat(["two", "four"], 8)


def _naive_statistic(D, groups):
    groups = np.asarray(groups)
    n = len(groups)
    within, between = [], []
    for i in range(n):
        for j in range(i + 1, n):
            (within if groups[i] == groups[j] else between).append(D[i, j])
    return np.mean(between) / np.mean(within)


def test_distinct_groups_give_small_pvalue(distinct):
    X, groups = distinct
    result = permutation_test(X, groups, n_permutations=199, random_state=0)
    assert isinstance(result, PermutationTestResult)
    assert result.statistic > 1.5
    assert result.pvalue == pytest.approx(1 / 200)  # the smallest possible with the +1 correction
    assert result.null_distribution.shape == (199,) and result.n_permutations == 199


def test_same_distribution_gives_large_pvalue():
    X = random_modular_graphs(16, 12, 3, signal=1.0, random_state=5)
    groups = np.repeat([0, 1], 8)
    result = permutation_test(X, groups, n_permutations=199, random_state=0)
    assert result.pvalue > 0.2
    assert 0.8 < result.statistic < 1.2


def test_statistic_matches_naive_definition(distinct):
    X, groups = distinct
    D = pairwise_distances(X)
    result = permutation_test(X, groups, n_permutations=10, random_state=0)
    assert result.statistic == pytest.approx(_naive_statistic(D, groups), rel=1e-12)
    three = np.repeat([0, 1, 2], [5, 5, 6])
    result = permutation_test(birth_death(X), three, n_permutations=10, random_state=0)
    assert result.statistic == pytest.approx(_naive_statistic(D, three), rel=1e-12)


def test_null_is_the_statistic_of_shuffled_labels(distinct):
    X, groups = distinct
    D = pairwise_distances(X)
    result = permutation_test(X, groups, n_permutations=20, random_state=3)
    _, codes = np.unique(groups, return_inverse=True)
    rng = np.random.default_rng(3)
    expected = [_naive_statistic(D, rng.permutation(codes)) for _ in range(20)]
    np.testing.assert_allclose(result.null_distribution, expected, rtol=1e-12)
    assert result.pvalue == (1 + np.sum(result.null_distribution >= result.statistic)) / 21


def test_deterministic_and_input_unchanged(distinct):
    X, groups = distinct
    X = X.copy()
    before = X.copy()
    a = permutation_test(X, groups, n_permutations=50, random_state=1)
    b = permutation_test(list(X), list(groups), n_permutations=50, random_state=1)
    np.testing.assert_array_equal(a.null_distribution, b.null_distribution)
    assert a.pvalue == b.pvalue
    np.testing.assert_array_equal(X, before)
    with pytest.raises(ValueError):
        a.null_distribution[0] = 0.0


def test_identical_graphs_within_groups():
    G = random_modular_graphs(2, 8, 2, random_state=0)
    X = np.repeat(G, 3, axis=0)
    result = permutation_test(X, [0, 0, 0, 1, 1, 1], n_permutations=50, random_state=0)
    assert result.statistic > 1e6  # within-group distances are 0 up to the Gram form's rounding
    assert result.pvalue < 0.2


def test_ratio_edge_cases():
    from fcviz.stats import _ratio

    rows, cols = np.triu_indices(4, 1)
    codes = np.array([[0, 0, 1, 1]])
    assert _ratio(codes, rows, cols, np.zeros(6))[0] == 1.0  # all graphs identical: no separation
    d = np.array([0.0, 1, 1, 1, 1, 0])  # pairs (0,1) and (2,3) within, at distance 0
    with np.errstate(all="raise"):
        assert _ratio(codes, rows, cols, d)[0] == np.inf


@pytest.mark.parametrize("groups, match", [
    ([0] * 16, "at least two groups"),
    ([0, 1] * 7, "one label per network"),
    (np.zeros((16, 1)), "1-D"),
])
def test_invalid_groups(distinct, groups, match):
    X, _ = distinct
    with pytest.raises(ValueError, match=match):
        permutation_test(X, groups, n_permutations=5)


def test_singleton_groups_rejected(distinct):
    X, _ = distinct
    with pytest.raises(ValueError, match="two or more"):
        permutation_test(X[:3], [0, 1, 2], n_permutations=5)


@pytest.mark.parametrize("n_permutations", [0, -5, 2.5, True, "100"])
def test_invalid_n_permutations(distinct, n_permutations):
    X, groups = distinct
    with pytest.raises(ValueError, match="n_permutations"):
        permutation_test(X, groups, n_permutations=n_permutations)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 60))
def test_pvalue_bounds(seed, n_permutations):
    X = random_modular_graphs(6, 6, 2, random_state=seed % 1000)
    result = permutation_test(X, [0, 0, 0, 1, 1, 1], n_permutations=n_permutations, random_state=seed)
    assert 1 / (n_permutations + 1) <= result.pvalue <= 1
    assert np.all(np.isfinite(result.null_distribution))
