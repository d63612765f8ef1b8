"""Every bad input gets a ValueError that names the problem and what was seen."""

import numpy as np
import pytest

from conftest import symmetric
from fcviz import barycenter, birth_death, mst_edges, pairwise_distances, topological_distance, wasserstein_distance


@pytest.fixture
def good(rng):
    return symmetric(rng.random((6, 6)))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda A: A[:, :5], r"square matrix .* shape \(6, 5\)"),
        (lambda A: A[0], r"shape \(6,\)"),
        (lambda A: A[None, None], r"shape \(1, 1, 6, 6\)"),
        (lambda A: A[:1, :1], "at least 2 nodes"),
        (lambda A: np.where(np.eye(6, k=2) + np.eye(6, k=-2), np.nan, A), r"finite .* nan at entry \(0, 2\)"),
        (lambda A: np.where(np.eye(6, k=1) + np.eye(6, k=-1), np.inf, A), r"finite .* inf at entry \(0, 1\)"),
        (lambda A: np.where(np.eye(6, k=3) + np.eye(6, k=-3), -0.5, A), r"non-negative.*entry \(0, 3\)"),
        (lambda A: A + 0.1 * np.eye(6, k=4), r"symmetric .* \(0, 4\) and \(4, 0\)"),
        (lambda A: A.astype(complex), "real-valued"),
        (lambda A: np.array([["a"] * 6] * 6), "numeric"),
        (lambda A: A[:0], "square matrix"),
    ],
)
def test_bad_graphs_raise_clear_errors(good, make, match):
    bad = make(good)
    for call in (birth_death, mst_edges, lambda g: topological_distance(g, good)):
        with pytest.raises(ValueError, match=match):
            call(bad)


def test_bad_graph_in_a_batch_names_its_index(rng):
    graphs = symmetric(rng.random((4, 5, 5)))
    graphs[2, 1, 3] = -1
    with pytest.raises(ValueError, match=r"graph 2, entry \(1, 3\)"):
        birth_death(graphs)


def test_list_of_unequal_sizes(rng):
    with pytest.raises(ValueError, match=r"same number of nodes; got sizes \[5, 6\] .*graph 1 is 6x6"):
        birth_death([symmetric(rng.random((5, 5))), symmetric(rng.random((6, 6)))])
    with pytest.raises(ValueError, match="empty list"):
        birth_death([])


def test_bad_options(good):
    with pytest.raises(ValueError, match="n_jobs"):
        birth_death(good, n_jobs=0)
    with pytest.raises(ValueError, match="p must be"):
        wasserstein_distance(good, good, p=0.5)
    with pytest.raises(ValueError, match="dim must be"):
        wasserstein_distance(good, good, dim=2)
    with pytest.raises(ValueError, match="batch"):
        topological_distance(good[None].repeat(2, 0), good)
    with pytest.raises(ValueError, match="batch"):
        mst_edges(good[None].repeat(2, 0))
    with pytest.raises(ValueError, match="empty list"):
        pairwise_distances([])
    with pytest.raises(ValueError, match="same number of nodes"):
        barycenter([good, good[:5, :5]])


def test_check_input_false_still_checks_shape(good):
    with pytest.raises(ValueError, match="square"):
        birth_death(good[:, :4], check_input=False)
    np.testing.assert_array_equal(birth_death(good, check_input=False).births, birth_death(good).births)
