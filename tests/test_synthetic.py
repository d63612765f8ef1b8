"""Synthetic modular graphs: valid graphs, reproducible, with the requested structure."""

import numpy as np
import pytest

from fcviz import birth_death
from fcviz.synthetic import random_modular_graphs, random_modular_networks


@pytest.mark.parametrize("make", [random_modular_graphs, random_modular_networks])
def test_valid_reproducible_graphs(make):
    G = make(3, 24, 4, random_state=1)
    assert G.shape == (3, 24, 24)
    assert np.array_equal(G, G.transpose(0, 2, 1)) and np.all(np.diagonal(G, axis1=1, axis2=2) == 0)
    assert G.min() >= 0 and G.max() <= 1
    np.testing.assert_array_equal(G, make(3, 24, 4, random_state=1))
    birth_death(G)  # passes validation
    inside = np.kron(np.eye(4), np.ones((6, 6))).astype(bool) & ~np.eye(24, dtype=bool)
    assert G[:, inside].mean() > G[:, ~inside & ~np.eye(24, dtype=bool)].mean()  # modules are denser


@pytest.mark.parametrize("make", [random_modular_graphs, random_modular_networks])
@pytest.mark.parametrize("args, match", [((0, 5), "n_graphs"), ((1, 1), "n_nodes"), ((1, 5, 6), "n_modules")])
def test_invalid_sizes(make, args, match):
    with pytest.raises(ValueError, match=match):
        make(*args)


def test_invalid_parameters():
    with pytest.raises(ValueError, match="p must be"):
        random_modular_networks(1, 5, 2, p=1.5)
    with pytest.raises(ValueError, match="sigma"):
        random_modular_networks(1, 5, 2, sigma=-1)
    with pytest.raises(ValueError, match="signal"):
        random_modular_graphs(1, 5, 2, signal=-1)
