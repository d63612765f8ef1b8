"""Lesson widgets: setting a control's value redraws exactly what the library computes.

Each widget is driven the way a student drives it (``control.value = …``, ``button.click()``); the
tests assert that the drawn artists and readouts equal the output of public fcviz functions, that the
PNG changes, that no pyplot figure appears, and that an exception in a callback lands in the status
line instead of the kernel log.
"""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import fcviz
from fcviz import barycenter, betti_curves, birth_death, mst_edges, pairwise_distances, topological_distance
from fcviz.homology import filtration_components
from fcviz.synthetic import interpolate_graphs, random_modular_graphs
from fcviz.viz import BarycenterSlider, FiltrationExplorer, LayerExplorer, ScalingExplorer
from fcviz.viz import lessons
from fcviz.viz.explorers import available_methods


def _baselines_installed():
    return "WD" in available_methods()  # the explorers' own check of the baselines extra


@pytest.fixture
def graph():
    return random_modular_graphs(1, 10, 2, signal=0.6, random_state=3)[0]


@pytest.fixture
def groups():
    return random_modular_graphs(4, 12, 2, random_state=1), random_modular_graphs(3, 12, 4, random_state=2)


def _break_rendering(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the renderer broke")

    monkeypatch.setattr(lessons, "figure_to_png", broken)


# --------------------------------------------------------------------------- FiltrationExplorer


def test_filtration_draws_the_kept_edges_and_the_library_betti_numbers(graph):
    explorer = FiltrationExplorer(graph, play=False)
    P = birth_death(graph)
    n = graph.shape[0]
    weights = graph[np.triu_indices(n, 1)]
    tree = set(zip(*(idx.tolist() for idx in mst_edges(graph))))
    for k in (0, 1, 4, 9, 17, len(explorer.thresholds_) - 1):
        e = explorer.thresholds_[k]
        explorer.slider.value = e
        assert explorer.threshold_ == e and explorer.status.value == ""
        b0, b1 = (int(v[0]) for v in betti_curves(P, [e]))
        births = explorer.birth_lines_.get_segments()
        deaths = explorer.death_lines_.get_segments()
        assert len(births) + len(deaths) == int((weights > e).sum())
        assert (len(births), len(deaths)) == (n - b0, b1)
        assert explorer.betti_ == (b0, b1)
        assert f"β0 = {b0} " in explorer.readout.value and f"β1 = {b1} " in explorer.readout.value
        assert f"birth edges so far {n - b0} of {n - 1}" in explorer.readout.value
        assert f"death edges so far {b1} of {P.deaths.size}" in explorer.readout.value
        np.testing.assert_array_equal(explorer.components_, filtration_components(graph, e))
        assert len(np.unique(explorer.components_)) == b0
        rows, cols = explorer.edges_
        kept_births = {(int(i), int(j)) for i, j in zip(rows[explorer.kept_ & explorer.is_birth_],
                                                        cols[explorer.kept_ & explorer.is_birth_])}
        assert kept_births <= tree  # every blue edge is a maximum-spanning-tree edge
        for marker, point, value in zip(explorer.markers_, explorer.points_, (b0, b1)):
            assert list(marker.get_xdata()) == [e, e]
            assert point.get_ydata()[0] == value
    assert plt.get_fignums() == []


def test_filtration_sweeps_from_no_edge_to_every_edge_one_edge_per_step(graph):
    explorer = FiltrationExplorer(graph)
    weights = graph[np.triu_indices(graph.shape[0], 1)]
    assert explorer.thresholds_[0] == weights.max() and explorer.thresholds_[-1] == 0.0
    assert np.all(np.diff(explorer.thresholds_) < 0)
    assert explorer.kept_.sum() == 0 and explorer.betti_ == (graph.shape[0], 0)
    explorer.slider.index = 1
    assert explorer.kept_.sum() == 1 and "Last step added edge" in explorer.readout.value
    assert "a <b>birth</b> edge" in explorer.readout.value  # the heaviest edge always joins two nodes
    assert "kills a 0-dimensional class" in explorer.readout.value and "The paper's names" in explorer.readout.value
    assert len(explorer.new_lines_.get_segments()) == 1
    explorer.slider.index = len(explorer.thresholds_) - 1
    assert explorer.kept_.all() and explorer.betti_[0] == 1
    assert explorer.play.max == len(explorer.thresholds_) - 1
    assert explorer.container.children[0].children[0] is explorer.play


def test_filtration_with_evenly_spaced_steps(graph):
    explorer = FiltrationExplorer(graph, n_steps=11, play=False)
    assert len(explorer.thresholds_) == 11 and explorer.play is None
    explorer.slider.index = 5
    assert explorer.betti_ == tuple(int(v[0]) for v in betti_curves(birth_death(graph), [explorer.threshold_]))


def test_filtration_image_changes_and_errors_land_in_the_status_line(graph, monkeypatch):
    explorer = FiltrationExplorer(graph, play=False)
    first = explorer.images_["filtration"].value
    assert first[:4] == b"\x89PNG"
    explorer.slider.index = 6
    at_six = explorer.images_["filtration"].value
    assert at_six != first
    drawn = len(explorer.birth_lines_.get_segments()) + len(explorer.death_lines_.get_segments())
    assert explorer.kept_.sum() == drawn == 6  # one edge per step: the six heaviest edges are drawn
    with monkeypatch.context() as patch:
        _break_rendering(patch)
        explorer.slider.index = 7
        assert "RuntimeError" in explorer.status.value and "the renderer broke" in explorer.status.value
        assert isinstance(explorer.error_, RuntimeError)
        assert explorer.images_["filtration"].value == at_six  # the last good image stays
    explorer.slider.index = 8
    assert explorer.status.value == "" and explorer.error_ is None
    assert explorer.kept_.sum() == 8 and explorer.images_["filtration"].value not in (first, at_six)


def test_filtration_rejects_an_invalid_graph(graph):
    bad = graph.copy()
    bad[0, 1] += 0.5
    with pytest.raises(ValueError, match="symmetric"):
        FiltrationExplorer(bad)
    with pytest.raises(ValueError, match="at most 100 nodes; got 101"):
        FiltrationExplorer(random_modular_graphs(1, 101, 2, random_state=0)[0])


# --------------------------------------------------------------------------- BarycenterSlider


def test_barycenter_slider_highlights_the_moving_network_and_its_distances(groups):
    a, b = groups
    widget = BarycenterSlider(a, b, names=("two", "four"), member_a=1, member_b=2)
    bary = [barycenter(a), barycenter(b)]
    first = widget.images_["barycenters"].value
    for t in (0.0, 0.35, 1.0):
        widget.slider.value = t
        G = interpolate_graphs(a[1], b[2], t)
        P = birth_death(G)
        np.testing.assert_array_equal(widget.graph_, G)
        for which in ("births", "deaths"):
            np.testing.assert_array_equal(widget.persistence_display_.highlight_[which].get_ydata(), getattr(P, which))
            np.testing.assert_allclose(widget.persistence_display_.lines_[which][0].get_ydata(),
                                       getattr(bary[0], which))
        expected = [topological_distance(P, B) for B in bary]
        np.testing.assert_allclose(widget.distances_, expected)
        assert f"to two barycenter = {expected[0]:.4f}" in widget.readout.value
        assert [p.get_xdata()[0] for p in widget.path_points_] == [t, t]
    assert widget.images_["barycenters"].value != first
    widget.slider.value = 0.0  # at t = 0 the moving network is member 1 of group A
    assert np.isclose(widget.distances_[0], bary[0].distances[1])
    assert "nearer to <b>two</b>" in widget.readout.value
    assert plt.get_fignums() == []


def test_barycenter_slider_path_follows_the_chosen_members(groups):
    a, b = groups
    widget = BarycenterSlider(a, b, n_path=11)
    widget.member_b.value = 1
    path = birth_death(interpolate_graphs(a[0], b[1], widget.path_t_))
    expected = pairwise_distances(path, [barycenter(a), barycenter(b)])
    np.testing.assert_allclose(widget.path_distances_, expected)
    np.testing.assert_allclose(widget.path_lines_[1].get_ydata(), expected[:, 1])
    assert widget.status.value == ""


def test_barycenter_slider_errors(groups, monkeypatch):
    a, b = groups
    with pytest.raises(ValueError, match="one size"):
        BarycenterSlider(a, random_modular_graphs(2, 9, 2, random_state=0))
    with pytest.raises(ValueError, match=r"stack of graphs \(N, n, n\)"):
        BarycenterSlider(a[0], b)
    with pytest.raises(ValueError, match=r"member_b must be a member index in \[0, 2\]; got 3"):
        BarycenterSlider(a, b, member_b=3)
    widget = BarycenterSlider(a, b)
    _break_rendering(monkeypatch)
    widget.slider.value = 0.5
    assert "the renderer broke" in widget.status.value


# --------------------------------------------------------------------------- ScalingExplorer


def test_scaling_explorer_accumulates_the_measured_points():
    explorer = ScalingExplorer((10, 20, 40), methods=("WD",), budget=30.0, repeats=1)
    display = explorer.runtime_display_
    for n in (20, 10):
        explorer.size.value = n
        explorer.run_button.click()
        assert explorer.status.value == ""
    assert [t.n_nodes for t in explorer.timings_] == [20, 10]
    nodes, seconds = display.lines_["Top"].get_data()
    assert list(nodes) == [10, 20]
    assert list(seconds) == [explorer.timings_[1].seconds["Top"], explorer.timings_[0].seconds["Top"]]
    assert "<b>n = 10</b>: Top" in explorer.readout.value
    assert explorer.run_button.description == "Run" and not explorer.run_button.disabled
    if _baselines_installed():
        assert set(explorer.estimates_) == {10, 20, 40}
        assert list(display.lines_["WD"].get_data()[0]) == [10, 20]
        assert "WD" in explorer.readout.value and "× Top" in explorer.readout.value
    else:
        assert "fcviz[baselines]" in explorer.plan.value
    assert plt.get_fignums() == []


@pytest.mark.skipif(not _baselines_installed(), reason="needs the baselines extra")
def test_scaling_explorer_marks_and_skips_sizes_over_the_budget():
    explorer = ScalingExplorer((40, 60), methods=("WD",), budget=30.0, repeats=1)
    assert all("Top only" not in label for label, _ in explorer.size.options)
    explorer.budget.value = 1e-5  # every Rips estimate is now over budget
    assert all(label.endswith("(Top only)") for label, _ in explorer.size.options)
    assert "✗ Top only" in explorer.plan.value
    assert list(explorer.budget_line_.get_ydata()) == [1e-5, 1e-5]
    explorer.size.value = 60
    explorer.run_button.click()
    timing = explorer.timings_[-1]
    assert timing.seconds["WD"] is None and "budget" in timing.notes["WD"]
    assert 60 not in explorer.measured_["WD"] and 60 in explorer.measured_["Top"]
    assert "WD skipped" in explorer.readout.value


def test_scaling_explorer_errors(monkeypatch):
    with pytest.raises(ValueError, match="baselines among"):
        ScalingExplorer((10, 20), methods=("Top",))
    with pytest.raises(ValueError, match="at least 3"):
        ScalingExplorer((2, 20), methods=())
    explorer = ScalingExplorer((10, 20), methods=(), repeats=1)

    def broken(*args, **kwargs):
        raise MemoryError("no room for the graphs")

    monkeypatch.setattr(fcviz.runtime, "time_distance", broken)
    explorer.run_button.click()
    assert "MemoryError" in explorer.status.value and "no room for the graphs" in explorer.status.value
    assert explorer.run_button.description == "Run" and not explorer.run_button.disabled


# --------------------------------------------------------------------------- LayerExplorer


@pytest.fixture
def convnet():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Conv2d(4, 6, 3), torch.nn.Tanh())


def test_layer_explorer_shows_the_connectome_of_the_chosen_layers(convnet):
    X = torch.randn(30, 3, 8, 8)
    explorer = LayerExplorer(convnet, X, {"first": "1", "both": ["1", "3"]}, order="layer")
    expected = fcviz.functional_connectome(convnet, X, layers=["1"], pool="channel")
    np.testing.assert_array_equal(explorer.connectome_display_.im_.get_array(), np.asarray(expected))
    assert "4 nodes" in explorer.readout.value
    first = explorer.images_["connectome"].value
    explorer.layers.value = "both"
    both = fcviz.functional_connectome(convnet, X, layers=["1", "3"], pool="channel")
    np.testing.assert_array_equal(explorer.connectome_display_.im_.get_array(), np.asarray(both))
    P = birth_death(both)
    np.testing.assert_array_equal(explorer.persistence_display_.lines_["deaths"][0].get_ydata(), P.deaths)
    assert "10 nodes, 1 (4) + 3 (6)" in explorer.readout.value
    assert f"{P.births.size} births" in explorer.readout.value
    assert explorer.images_["connectome"].value != first
    explorer.order.value = "tree"
    np.testing.assert_array_equal(explorer.connectome_display_.order_, fcviz.spanning_tree_order(np.asarray(both)))
    assert set(explorer.connectomes_) == {"first", "both"} and explorer.status.value == ""
    assert plt.get_fignums() == []


def test_layer_explorer_errors(convnet, monkeypatch):
    X = torch.randn(30, 3, 8, 8)
    with pytest.raises(ValueError, match="Unknown layer"):
        LayerExplorer(convnet, X, ["1", "conv9"])
    explorer = LayerExplorer(convnet, X, ["1", ["1", "3"]])
    assert list(explorer.choices_) == ["1", "1 + 3"]
    _break_rendering(monkeypatch)
    explorer.layers.value = "1 + 3"
    assert "the renderer broke" in explorer.status.value


def test_widgets_display_their_container(graph):
    explorer = FiltrationExplorer(graph, play=False)
    assert explorer.show() is explorer.container
    shown = []
    monkeypatch_display = pytest.MonkeyPatch()
    monkeypatch_display.setattr("IPython.display.display", lambda obj: shown.append(obj))
    try:
        explorer._ipython_display_()
    finally:
        monkeypatch_display.undo()
    assert shown == [explorer.container]
