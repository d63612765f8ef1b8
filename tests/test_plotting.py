"""Plot functions draw on the given axes and return them; assertions on what was drawn."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from fcviz import barycenter, birth_death
from fcviz.plotting import plot_connectome, plot_distance_matrix, plot_persistence
from fcviz.synthetic import random_modular_graphs


@pytest.fixture
def graphs():
    return random_modular_graphs(4, 12, 2, random_state=0)


def test_plot_persistence_single_batch_and_barycenter(graphs):
    fig, ax = plt.subplots()
    P = birth_death(graphs[0])
    assert plot_persistence(P, ax=ax) is ax
    xy = ax.lines[0].get_xydata()
    np.testing.assert_array_equal(xy[:, 1], P.births)
    assert np.all((xy[:, 0] > 0) & (xy[:, 0] < 1))

    ax2 = plot_persistence(graphs, which="deaths")  # batch: one curve per graph, new figure
    assert len(ax2.lines) == 4 and ax2.figure is not fig
    for line, graph in zip(ax2.lines, graphs):
        np.testing.assert_array_equal(line.get_ydata(), birth_death(graph).deaths)

    B = barycenter(graphs)
    ax3 = plot_persistence(B, which="deaths", label="group")
    np.testing.assert_allclose(ax3.lines[0].get_ydata(), B.deaths)
    band = ax3.collections[0].get_paths()[0].vertices[:, 1]
    assert band.max() == pytest.approx((B.deaths + B.deaths_std).max())
    assert ax3.get_legend() is not None

    with pytest.raises(ValueError, match="which"):
        plot_persistence(P, which="edges")
    plt.close("all")


def test_plot_connectome_and_distance_matrix(graphs):
    ax = plot_connectome(graphs[0], boundaries=[6], title="net")
    np.testing.assert_array_equal(ax.images[0].get_array(), graphs[0])
    assert ax.get_title() == "net" and len(ax.lines) == 2
    with pytest.raises(ValueError, match="square"):
        plot_connectome(graphs)
    D = np.arange(16.0).reshape(4, 4)
    ax = plot_distance_matrix(D, labels=["a", "a", "b", "b"], colorbar=False)
    np.testing.assert_array_equal(ax.images[0].get_array(), D)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    with pytest.raises(ValueError, match="labels"):
        plot_distance_matrix(D, labels=["a"])
    plt.close("all")
