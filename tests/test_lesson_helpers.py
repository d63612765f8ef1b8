"""Small library helpers of the lessons: filtration components and graph interpolation."""

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

from fcviz import betti_curves, birth_death
from fcviz.homology import filtration_components
from fcviz.synthetic import interpolate_graphs, random_modular_graphs


def test_filtration_components_match_a_brute_force_and_beta0(rng):
    G = random_modular_graphs(1, 14, 3, random_state=rng)[0]
    thresholds = np.r_[np.linspace(0, 1, 23), G[0, 1]]
    labels = filtration_components(G, thresholds)
    b0, _ = betti_curves(birth_death(G), thresholds)
    for e, row, beta0 in zip(thresholds, labels, b0):
        n_comp, brute = connected_components(G > e, directed=False)
        assert n_comp == beta0 == len(np.unique(row))
        # same partition, and every component is named by its smallest node
        for c in range(n_comp):
            members = np.flatnonzero(brute == c)
            assert np.all(row[members] == members.min())
    assert filtration_components(G, 0.3).shape == (14,)
    np.testing.assert_array_equal(filtration_components(G, 0.3), filtration_components(G, [0.3])[0])


def test_filtration_components_errors():
    G = random_modular_graphs(2, 5, 2, random_state=0)
    with pytest.raises(ValueError, match="one graph"):
        filtration_components(G, 0.5)
    with pytest.raises(ValueError, match="non-finite"):
        filtration_components(G[0], [np.inf])


def test_interpolate_graphs_is_the_segment_between_two_graphs():
    G, H = random_modular_graphs(2, 9, 3, random_state=1)
    path = interpolate_graphs(G, H, [0.0, 0.25, 1.0])
    np.testing.assert_array_equal(path[0], G)
    np.testing.assert_array_equal(path[2], H)
    np.testing.assert_allclose(path[1], 0.75 * G + 0.25 * H)
    assert np.array_equal(path[1], path[1].T)
    with pytest.raises(ValueError, match="same number of nodes"):
        interpolate_graphs(G, H[:5, :5], 0.5)
    with pytest.raises(ValueError, match=r"t must be a number in \[0, 1\]"):
        interpolate_graphs(G, H, -0.1)
