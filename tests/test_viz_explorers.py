"""Explorers of fcviz.viz, driven like a user would, without a browser.

Setting ``control.value`` fires the explorer's callbacks synchronously. Each test checks that the
panels show exactly what the library returns for the new choice, that the PNGs changed, that
failures reach the status line and leave the last good images, that repeated changes add no
artists and no pyplot figures, and that what is drawn or swapped from the frame cache is counted.
How fast the controls answer and how much memory redraws take are measured in
benchmarks/bench_widget_responsiveness.py, not here.
"""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.layout_engine import ConstrainedLayoutEngine
import pytest
from sklearn.metrics import pairwise_distances as sklearn_distances
from sklearn.metrics.cluster import contingency_matrix

import fcviz
from fcviz import (TopClustering, barycenter, betti_curves, birth_death, clustering_scores, mst_edges,
                   pairwise_distances, spanning_tree_order)
from fcviz.synthetic import random_modular_graphs
from fcviz.viz import ClusteringExplorer, ConnectomeExplorer, Explorer, Panel
from fcviz.viz import explorers as explorers_module
from fcviz.viz.explorers import BETTI_THRESHOLDS, available_methods
from fcviz.zoo import ConnectomeZoo

from clustering_checks import matching_labels

DPI = 30  # small PNGs: the tests check data and bytes, not looks


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    return fcviz.connectome_zoo(n_networks=3, epochs=2, n_stimuli=60, cache_dir=tmp_path_factory.mktemp("zoo"),
                                progress=False)


@pytest.fixture(scope="module")
def recorded(zoo):
    return zoo.recorded_over(3, progress=False)


def _png(explorer, name):
    return bytes(explorer.images_[name].value)


def _pngs(explorer):
    return {name: _png(explorer, name) for name in explorer.images_}


def _counts(explorer):
    """Axes and artists per figure: what control changes must not change."""
    return {name: [len(ax.get_children()) for ax in fig.axes] for name, fig in explorer.figures_.items()}


def _rows(zoo, strategy):
    return np.flatnonzero(zoo.label_column("regularizer") == strategy)


def _synthetic_zoo(n_nodes=20, per_group=4):
    """A zoo of another size without training: two groups of random modular graphs."""
    graphs = np.concatenate([random_modular_graphs(per_group, n_nodes, k, random_state=k) for k in (2, 4)])
    labels = [{"regularizer": reg, "stimulus_class": None, "network_seed": i, "network": i, "train_accuracy": None}
              for reg in ("vanilla", "dropout") for i in range(per_group)]
    return ConnectomeZoo(graphs, labels, {"layer_sizes": [n_nodes - 6, 6]})


# ---------------------------------------------------------------------------------------------------
# ConnectomeExplorer


def test_connectome_explorer_shows_the_library_output_for_each_choice(zoo):
    explorer = ConnectomeExplorer(zoo, dpi=DPI)
    displays = explorer.displays_
    assert explorer.strategy.options == ("vanilla", "batch_norm", "l2", "dropout")
    np.testing.assert_array_equal(displays["connectome"].im_.get_array(), zoo.graphs[0])
    P = birth_death(zoo.graphs)
    for name in ("births", "deaths"):  # every strategy's barycenter, in zoo order
        for line, strategy in zip(displays["persistence"].lines_[name], explorer.strategy.options):
            expected = getattr(barycenter(P[_rows(zoo, strategy)]), name)
            np.testing.assert_array_equal(line.get_ydata(), expected)

    before = _pngs(explorer)
    explorer.strategy.value = "l2"
    row = int(_rows(zoo, "l2")[0])
    graph = zoo.graphs[row]
    assert explorer.selection_ == {"strategy": "l2", "stimulus_class": None, "network": 0, "row": row,
                                   "order": "layer"}
    np.testing.assert_array_equal(displays["connectome"].im_.get_array(), graph)
    np.testing.assert_array_equal(displays["persistence"].highlight_["births"].get_ydata(), birth_death(graph).births)
    np.testing.assert_array_equal(displays["persistence"].highlight_["deaths"].get_ydata(), birth_death(graph).deaths)
    b0, b1 = betti_curves(birth_death(graph), BETTI_THRESHOLDS)
    np.testing.assert_array_equal(displays["betti"].lines_["betti0"][0].get_ydata(), b0)
    np.testing.assert_array_equal(displays["betti"].lines_["betti1"][0].get_ydata(), b1)
    rows, cols = mst_edges(graph)
    np.testing.assert_array_equal(displays["tree"].weights_, graph[rows, cols])
    after = _pngs(explorer)
    assert all(after[name] != before[name] for name in after)
    assert "l2, network 0" in explorer.status.value and "⚠" not in explorer.status.value

    explorer.network.value = int(_rows(zoo, "l2")[2])  # the third l2 network
    assert explorer.selection_["network"] == 2
    np.testing.assert_array_equal(displays["connectome"].im_.get_array(), zoo.graphs[_rows(zoo, "l2")[2]])

    before = _pngs(explorer)
    explorer.order.value = "tree"  # only the connectome changes
    graph = explorer.graph_
    order = spanning_tree_order(graph)
    np.testing.assert_array_equal(displays["connectome"].im_.get_array(), graph[np.ix_(order, order)])
    after = _pngs(explorer)
    assert after["connectome"] != before["connectome"]
    assert [after[n] == before[n] for n in ("tree", "persistence", "betti")] == [True] * 3

    explorer.network.value = ConnectomeExplorer.GROUP_MEAN
    members = zoo.graphs[_rows(zoo, "l2")]
    mean = members.mean(axis=0)
    order = spanning_tree_order(mean)
    np.testing.assert_array_equal(displays["connectome"].im_.get_array(), mean[np.ix_(order, order)])
    group = barycenter(birth_death(members))
    np.testing.assert_array_equal(displays["persistence"].highlight_["births"].get_ydata(), group.births)
    np.testing.assert_array_equal(displays["betti"].lines_["betti1"][0].get_ydata(),
                                  betti_curves(group, BETTI_THRESHOLDS)[1])
    assert explorer.selection_["network"] == ConnectomeExplorer.GROUP_MEAN and explorer.selection_["row"] is None

    explorer.strategy.value = "dropout"  # the group mean stays selected across strategies
    assert explorer.network.value == ConnectomeExplorer.GROUP_MEAN
    np.testing.assert_array_equal(displays["persistence"].highlight_["deaths"].get_ydata(),
                                  barycenter(birth_death(zoo.graphs[_rows(zoo, "dropout")])).deaths)
    assert explorer.last_error_ is None


def test_choosing_a_stimulus_class_shows_the_recorded_zoo(zoo, recorded, monkeypatch):
    calls = []
    original = ConnectomeZoo.recorded_over

    def counting(self, classes=None, **kwargs):
        calls.append(classes)
        return original(self, classes, **kwargs)

    monkeypatch.setattr(ConnectomeZoo, "recorded_over", counting)
    explorer = ConnectomeExplorer(zoo, dpi=DPI)
    labels = dict(explorer.stimulus_class.options)
    assert labels["all"] == "all" and [labels[str(c)] for c in range(10)] == list(range(10))
    explorer.strategy.value = "batch_norm"
    explorer.network.value = int(_rows(zoo, "batch_norm")[1])
    before = _pngs(explorer)

    explorer.stimulus_class.value = 3
    row = int(_rows(recorded, "batch_norm")[1])
    assert explorer.selection_["network"] == 1 and explorer.selection_["row"] == row  # the same network
    assert explorer.selection_["stimulus_class"] == 3
    np.testing.assert_array_equal(explorer.zoo_.graphs, recorded.graphs)
    np.testing.assert_array_equal(explorer.displays_["connectome"].im_.get_array(), recorded.graphs[row])
    P = birth_death(recorded.graphs)
    for line, strategy in zip(explorer.displays_["persistence"].lines_["deaths"], explorer.strategy.options):
        np.testing.assert_array_equal(line.get_ydata(), barycenter(P[_rows(recorded, strategy)]).deaths)
    after = _pngs(explorer)
    assert all(after[name] != before[name] for name in after)

    explorer.stimulus_class.value = "all"  # the zoo's own stimuli (shown as "all"; None selects them too)
    assert explorer.selection_["stimulus_class"] is None
    np.testing.assert_array_equal(explorer.displays_["connectome"].im_.get_array(), zoo.graphs[_rows(zoo, "batch_norm")[1]])
    explorer.stimulus_class.value = 3  # cached in the explorer: no second recording
    assert calls == [3] and explorer.last_error_ is None


def test_the_group_choice_names_its_two_averages(zoo):
    """The connectome and tree show the edge-wise mean; persistence and Betti the topological barycenter."""
    explorer = ConnectomeExplorer(zoo, dpi=DPI)
    explorer.strategy.value = "l2"
    labels = dict(explorer.network.options)
    assert labels["group: edge-wise mean"] == ConnectomeExplorer.GROUP_MEAN == "edgewise mean"
    assert "edge-wise mean" in explorer.averages_help.value and "topological" in explorer.averages_help.value
    assert explorer.averages_help in explorer.show().children
    explorer.network.value = ConnectomeExplorer.GROUP_MEAN
    displays = explorer.displays_
    assert displays["connectome"].ax_.get_title().startswith("l2, edge-wise mean connectome")
    assert displays["tree"].ax_.get_title() == "maximum spanning tree of the edge-wise mean"
    mean = zoo.graphs[_rows(zoo, "l2")].mean(axis=0)
    np.testing.assert_array_equal(displays["tree"].weights_, mean[mst_edges(mean)])  # the mean graph's tree
    legend = displays["persistence"].axes_["deaths"].get_legend()
    assert legend.get_texts()[-1].get_text() == "l2 topological barycenter"
    assert explorer.figures_["persistence"]._suptitle.get_text() == (
        "Topological barycenter (mean of sorted births/deaths) ± std per strategy; black: the l2 barycenter")
    assert "l2 topological barycenter (mean of sorted births/deaths)" in explorer.figures_["betti"]._suptitle.get_text()
    assert "edge-wise mean connectome, topological barycenter" in explorer.status.value
    explorer.network.value = int(_rows(zoo, "l2")[1])
    assert displays["tree"].ax_.get_title() == "maximum spanning tree (birth edges)"
    assert legend.get_texts()[-1].get_text() == "l2 network 1"

    with pytest.warns(FutureWarning, match='"barycenter" is deprecated.*Use "edgewise mean"') as caught:
        explorer.network.value = "barycenter"  # the old value still selects the group
    assert caught[0].filename == __file__  # the warning names the line that set it
    assert explorer.network.value == ConnectomeExplorer.GROUP_MEAN
    assert explorer.selection_["network"] == ConnectomeExplorer.GROUP_MEAN and explorer.selection_["row"] is None
    assert explorer.last_error_ is None


def test_the_tree_panel_draws_every_network_without_crossings(zoo):
    from fcviz.viz.displays.tree_layout import count_crossings

    explorer = ConnectomeExplorer(zoo, dpi=DPI)
    for strategy in ("vanilla", "dropout"):
        explorer.strategy.value = strategy
        for value in [int(r) for r in _rows(zoo, strategy)] + [ConnectomeExplorer.GROUP_MEAN]:
            explorer.network.value = value
            segments = np.array(explorer.displays_["tree"].edges_.get_segments())
            assert len(segments) == zoo.n_nodes - 1
            np.testing.assert_array_equal(segments, _segments_of(explorer.graph_))
            assert count_crossings(segments) == 0, (strategy, value)


def _segments_of(graph):
    from fcviz.viz.displays.network import spanning_tree_layout

    (rows, cols), xy = spanning_tree_layout(graph)
    return np.stack([xy[rows], xy[cols]], axis=1)


def test_connectome_explorer_set_zoo_swaps_everything(zoo):
    explorer = ConnectomeExplorer(zoo, dpi=DPI)
    explorer.network.value = ConnectomeExplorer.GROUP_MEAN
    figures, images = dict(explorer.figures_), dict(explorer.images_)
    small = _synthetic_zoo()
    assert explorer.set_zoo(small) is explorer
    assert explorer.strategy.options == ("vanilla", "dropout") and explorer.stimulus_class.disabled
    assert explorer.network.value == 0 and explorer.zoo_ is small
    np.testing.assert_array_equal(explorer.persistence_.births, birth_death(small.graphs).births)
    np.testing.assert_array_equal(explorer.displays_["connectome"].im_.get_array(), small.graphs[0])
    assert len(explorer.displays_["connectome"].lines_) == 2  # the layer separator of layer_sizes [14, 6]
    assert explorer.figures_ == figures and all(explorer.images_[n] is images[n] for n in images)
    explorer.strategy.value = "dropout"
    np.testing.assert_array_equal(explorer.displays_["connectome"].im_.get_array(), small.graphs[4])

    with pytest.raises(ValueError, match="persistence must be fcviz.birth_death"):
        explorer.set_zoo(zoo, persistence=birth_death(small.graphs))
    assert explorer.zoo is small  # unchanged
    with pytest.raises(ValueError, match="needs a fcviz.ConnectomeZoo"):
        explorer.set_zoo(small.graphs)
    explorer.set_zoo(zoo, persistence=birth_death(zoo.graphs))
    assert explorer.zoo is zoo and not explorer.stimulus_class.disabled


# ---------------------------------------------------------------------------------------------------
# ClusteringExplorer


def test_clustering_explorer_shows_the_library_output(zoo):
    explorer = ClusteringExplorer(zoo, dpi=DPI)
    truth, names = zoo.group_labels("regularizer")
    P = birth_death(zoo.graphs)
    assert explorer.n_clusters.value == 4 and explorer.n_clusters.max == 10 and explorer.method.value == "Top"
    assert not explorer.weight.continuous_update and not explorer.n_clusters.continuous_update

    def check(expected_labels, expected_distances):
        np.testing.assert_array_equal(explorer.labels_, expected_labels)
        assert explorer.scores_ == clustering_scores(truth, expected_labels)
        np.testing.assert_array_equal(explorer.displays_["contingency"].im_.get_array(),
                                      contingency_matrix(truth, expected_labels))
        np.testing.assert_allclose(explorer.distances_, expected_distances)
        order = np.argsort(expected_labels, kind="stable")
        np.testing.assert_allclose(explorer.displays_["distances"].im_.get_array(),
                                   expected_distances[np.ix_(order, order)])
        assert f"{explorer.scores_['purity']:.3f}" in explorer.readout.value

    check(TopClustering(4, random_state=0).fit_predict(P), pairwise_distances(P))
    before = _pngs(explorer)
    explorer.seed.value = 5
    check(TopClustering(4, random_state=5).fit_predict(P), pairwise_distances(P))

    explorer.method.value = "Adj"
    assert explorer.weight.disabled
    rows, cols = np.triu_indices(zoo.n_nodes, 1)
    edges = zoo.graphs[:, rows, cols]
    check(TopClustering(4, top_relative_weight=0.0, random_state=5).fit_predict(zoo.graphs),
          sklearn_distances(edges, metric="sqeuclidean"))
    assert _png(explorer, "distances") != before["distances"]

    explorer.method.value = "Top"
    explorer.weight.value = 0.5
    assert not explorer.weight.disabled
    check(TopClustering(4, top_relative_weight=0.5, random_state=5).fit_predict(zoo.graphs), pairwise_distances(P))

    explorer.n_clusters.value = 3
    assert explorer.displays_["contingency"].im_.get_array().shape == (4, 3)
    check(TopClustering(3, top_relative_weight=0.5, random_state=5).fit_predict(zoo.graphs), pairwise_distances(P))
    assert explorer.last_error_ is None and "purity" in explorer.status.value


def test_clustering_explorer_births_deaths_slider_and_curve(zoo, monkeypatch):
    from fcviz import studies

    explorer = ClusteringExplorer(zoo, dpi=DPI)
    truth, _ = zoo.group_labels("regularizer")
    P = birth_death(zoo.graphs)
    slider = explorer.birth_weight
    assert slider.value == "paper" and slider.options[0] == ("paper", "paper") and slider.options[-1] == ("1.00", 1.0)
    assert not slider.continuous_update and not slider.disabled
    assert "curve" not in explorer.figures_  # nothing to export before the curve is asked for
    slider.value = 0.3
    expected = TopClustering(4, birth_weight=0.3, random_state=0).fit_predict(P)
    np.testing.assert_array_equal(explorer.labels_, expected)
    np.testing.assert_allclose(explorer.distances_, pairwise_distances(P, birth_weight=0.3))
    assert "β = 0.30" in explorer.readout.value and "β-weighted distance (β = 0.30)" in \
        explorer.displays_["distances"].ax_.get_title()
    assert ("Top", 4, 0, 1.0, 0.3) in explorer.fits_
    explorer.weight.value = 0.0  # no topology: the slider does not apply
    assert slider.disabled and ("Top", 4, 0, 0.0, None) in explorer.fits_
    explorer.weight.value = 1.0
    explorer.method.value = "Adj"
    assert slider.disabled
    explorer.method.value = "Top"

    calls = []
    real = studies.birth_weight_curve
    monkeypatch.setattr(studies, "birth_weight_curve", lambda *a, **k: calls.append(k) or real(*a, **k))
    curve = explorer.show_curve()
    assert explorer.show_curve() is curve and len(calls) == 1  # computed once, then cached
    assert curve.birth_weights.tolist() == [round(0.05 * i, 2) for i in range(21)]
    assert explorer.last_error_ is None and "curve" in explorer.figures_
    marker = explorer._curve_marker
    assert marker.get_visible() and marker.get_xdata()[0] == 0.3
    np.testing.assert_allclose(explorer.displays_["curve"].line_.get_ydata(), curve.purity_mean)
    drawn = _png(explorer, "curve")
    slider.value = 0.8
    assert marker.get_xdata()[0] == 0.8 and _png(explorer, "curve") != drawn
    slider.value = "paper"
    assert not marker.get_visible()
    explorer.set_zoo(zoo)  # another zoo: the curve is not known yet
    assert explorer.curve_ is None and "curve" not in explorer.panels_ and not explorer._curve_box.children


def test_a_missing_baselines_extra_gets_a_clear_error(zoo, monkeypatch):
    """Without ripser/persim (simulated), "WD" is not offered and asking for it says what to install."""
    import traitlets

    import fcviz.baselines
    from fcviz.viz.widgets.clustering import MethodUnavailableError

    def missing():
        raise ImportError("The persistence-diagram baselines need the optional package 'ripser', which could not "
                          "be imported (No module named 'ripser'). Install fcviz's baselines extra: ...")

    monkeypatch.setattr(fcviz.baselines, "require_baselines", missing)
    assert available_methods() == ("Top", "Adj")
    explorer = ClusteringExplorer(zoo, by="regularizer", dpi=DPI)
    assert explorer.available_methods == ("Top", "Adj")
    before, labels = _pngs(explorer), explorer.labels_.copy()
    for error in (MethodUnavailableError, ImportError, traitlets.TraitError):  # catchable as any of them
        with pytest.raises(error) as caught:
            explorer.method.value = "WD"
    message = str(caught.value)
    assert '"WD" is a persistence-diagram baseline' in message and "No module named 'ripser'" in message
    assert 'pip install "fcviz[baselines]"' in message and '"Top", "Adj"' in message
    assert explorer.method.value == "Top" and _pngs(explorer) == before  # nothing changed
    np.testing.assert_array_equal(explorer.labels_, labels)
    with pytest.raises(MethodUnavailableError, match=r"one of the available methods \"Top\", \"Adj\"; got 'Topp'"):
        explorer.method.value = "Topp"
    monkeypatch.undo()  # the extra installed after the explorer was made
    if "WD" in available_methods():
        with pytest.raises(MethodUnavailableError, match="made before the baselines extra was installed"):
            explorer.method.value = "WD"
        assert "WD" in ClusteringExplorer(zoo, dpi=DPI).available_methods
    explorer.method.value = "Adj"  # the explorer still works
    assert explorer.last_error_ is None and "Adj" in explorer.status.value and _pngs(explorer) != before


@pytest.mark.skipif("WD" not in available_methods(), reason='needs pip install "fcviz[baselines]"')
def test_clustering_explorer_runs_baselines_lazily(zoo):
    from fcviz.baselines import cluster_features, diagram_distances, diagram_features, persistence_diagrams

    explorer = ClusteringExplorer(zoo, by="regularizer", dpi=DPI)
    assert explorer.diagrams_ is None and explorer.method.options[:2] == ("Top", "Adj")
    messages = []
    explorer.status.observe(lambda change: messages.append(change["new"]), names="value")
    explorer.method.value = "WD"
    assert any("computing persistence diagrams" in m for m in messages)
    diagrams = persistence_diagrams(zoo.graphs)
    features = diagram_features(diagrams, method="WD")
    np.testing.assert_allclose(explorer.distances_, features)
    # the explorer clusters the features it computed, equal to these up to rounding: the same partition
    matching_labels(explorer.labels_, cluster_features(features, 4, method="WD", random_state=0), "WD")
    np.testing.assert_array_equal(explorer.displays_["contingency"].im_.get_array(),
                                  contingency_matrix(zoo.group_labels("regularizer")[0], explorer.labels_))
    assert explorer.weight.disabled
    first = explorer.diagrams_
    explorer.method.value = "PI"  # images to cluster, their distances to show; the diagrams are reused
    assert explorer.diagrams_ is first
    np.testing.assert_allclose(explorer.distances_, diagram_distances(diagrams, method="PI"))
    assert explorer.last_error_ is None


def test_clustering_explorer_set_zoo_and_by(zoo, recorded):
    explorer = ClusteringExplorer(zoo, dpi=DPI)
    small = _synthetic_zoo()
    explorer.set_zoo(small)
    assert explorer.n_clusters.value == 2 and explorer.n_clusters.max == 8
    assert explorer.displays_["contingency"].im_.get_array().shape == (2, 2)
    assert explorer.distances_.shape == (8, 8) and explorer.class_names_ == ["vanilla", "dropout"]
    explorer.set_zoo(recorded)
    np.testing.assert_allclose(explorer.distances_, pairwise_distances(birth_death(recorded.graphs)))
    by_network = ClusteringExplorer(zoo, by="network", dpi=DPI)
    assert by_network.class_names_ == ["0", "1", "2"] and by_network.n_clusters.value == 3
    with pytest.raises(ValueError, match="by must be one of"):
        ClusteringExplorer(zoo, by="colour")


# ---------------------------------------------------------------------------------------------------
# Failures, in-place updates, memory


def test_a_failing_callback_reports_in_the_status_line_and_keeps_the_last_view(zoo, monkeypatch):
    explorer = ConnectomeExplorer(zoo, dpi=DPI)
    explorer.strategy.value = "l2"
    before, selection = _pngs(explorer), dict(explorer.selection_)

    def broken(*args, **kwargs):
        raise RuntimeError("Betti curves are broken today")

    monkeypatch.setattr(explorers_module, "betti_curves", broken)
    explorer.network.value = int(_rows(zoo, "l2")[1])
    assert "⚠ Betti curves are broken today" in explorer.status.value
    assert "RuntimeError: Betti curves are broken today" in explorer.last_error_
    assert "broken" in explorer.log.children[0].value and explorer.log.get_title(0) == "Log (1 error)"
    assert _pngs(explorer) == before and explorer.selection_ == selection
    monkeypatch.undo()
    explorer.network.value = int(_rows(zoo, "l2")[2])  # the next change works again
    assert "⚠" not in explorer.status.value and explorer.selection_["network"] == 2

    clustering = ClusteringExplorer(zoo, dpi=DPI)
    labels, pngs = clustering.labels_.copy(), _pngs(clustering)

    class Exploding(TopClustering):
        def fit_predict(self, X, y=None):
            raise ValueError(f"cannot cluster with random_state={self.random_state}")

    monkeypatch.setattr(explorers_module, "TopClustering", Exploding)
    clustering.seed.value = 7
    assert "⚠ cannot cluster with random_state=7" in clustering.status.value
    assert "ValueError" in clustering.last_error_
    np.testing.assert_array_equal(clustering.labels_, labels)
    assert _pngs(clustering) == pngs


def test_fifty_changes_add_no_artists_and_no_pyplot_figure(zoo):
    explorer = ConnectomeExplorer(zoo, dpi=DPI)
    explorer.stimulus_class.value = 3
    explorer.stimulus_class.value = None
    counts = _counts(explorer)
    strategies = explorer.strategy.options
    for i in range(50):
        control, value = [
            (explorer.strategy, strategies[i % len(strategies)]),
            (explorer.network, explorer.network.options[i % len(explorer.network.options)][1]),
            (explorer.order, ("tree", "layer")[i % 2]),
            (explorer.stimulus_class, (3, None)[i % 2]),
        ][i % 4]
        control.value = value
    assert _counts(explorer) == counts and explorer.last_error_ is None

    clustering = ClusteringExplorer(zoo, dpi=DPI)
    counts = _counts(clustering)
    for i in range(50):
        control, value = [(clustering.seed, i), (clustering.method, ("Adj", "Top")[i % 2]),
                          (clustering.weight, (1.0, 0.95)[i % 2]), (clustering.n_clusters, (3, 4)[i % 2])][i % 4]
        control.value = value
    clustering.n_clusters.value = 4
    assert _counts(clustering) == counts and clustering.last_error_ is None
    assert plt.get_fignums() == []


@pytest.mark.parametrize("frame_cache, changes", [(0, 20), (64, 200)])
def test_redraws_draw_or_swap_and_keep_what_they_hold_bounded(zoo, frame_cache, changes):
    """Node-order changes: drawn every time without a frame cache, swapped from it with one.

    What the redraws hold stays bounded: the same artists, at most two cached frames, no pyplot
    figure. The process's memory over 200 such redraws is measured in
    benchmarks/bench_widget_responsiveness.py, not here.
    """
    explorer = ConnectomeExplorer(zoo, dpi=DPI, frame_cache=frame_cache)
    panel = explorer.panels_["connectome"]
    for i in range(4):  # the first frames: layout, background, cache
        explorer.order.value = ("tree", "layer")[i % 2]
    counts = _counts(explorer)
    renders, hits = panel.n_renders_, panel.cache_hits_
    graph = zoo.graphs[0]
    tree = spanning_tree_order(graph)
    for i in range(changes):
        explorer.order.value = ("tree", "layer")[i % 2]
        if i >= changes - 2:  # the artists follow the control, whether the frame is drawn or swapped
            expected = graph[np.ix_(tree, tree)] if i % 2 == 0 else graph
            np.testing.assert_array_equal(explorer.displays_["connectome"].im_.get_array(), expected)
    drawn = changes if frame_cache == 0 else 0
    assert (panel.n_renders_, panel.cache_hits_) == (renders + drawn, hits + changes - drawn)
    assert len(panel.frames_) == (0 if frame_cache == 0 else 2)
    assert _counts(explorer) == counts and explorer.last_error_ is None
    assert bytes(panel.image.value) == fcviz.viz.figure_to_png(panel.figure, dpi=DPI)
    assert plt.get_fignums() == []


def _renders(explorer):
    return {name: panel.n_renders_ for name, panel in explorer.panels_.items()}


def test_connectome_explorer_renders_what_changed_and_caches_frames(zoo):
    explorer = ConnectomeExplorer(zoo, dpi=DPI)
    l2 = _rows(zoo, "l2")
    explorer.strategy.value = "l2"
    first = _pngs(explorer)
    renders = _renders(explorer)
    explorer.order.value = "tree"  # one panel depends on the node order
    assert _renders(explorer) == {**renders, "connectome": renders["connectome"] + 1}
    explorer.order.value = "layer"  # back: from the cache, nothing drawn
    assert _renders(explorer) == {**renders, "connectome": renders["connectome"] + 1}
    assert _pngs(explorer) == first
    explorer.network.value = int(l2[1])
    assert all(n == renders[name] + 1 + (name == "connectome") for name, n in _renders(explorer).items())
    second = _pngs(explorer)
    hits = {name: panel.cache_hits_ for name, panel in explorer.panels_.items()}
    explorer.network.value = int(l2[0])  # a revisit swaps bytes; the figures still follow the selection
    assert _pngs(explorer) == first
    assert all(explorer.panels_[name].cache_hits_ == hits[name] + 1 for name in hits)
    np.testing.assert_array_equal(explorer.displays_["connectome"].im_.get_array(), zoo.graphs[l2[0]])
    for name, figure in explorer.figures_.items():  # figure and image agree: exports show what is seen
        assert fcviz.viz.figure_to_png(figure, dpi=DPI) == _png(explorer, name), name
    explorer.network.value = int(l2[1])
    assert _pngs(explorer) == second
    for control, value in ((explorer.strategy, "dropout"), (explorer.network, ConnectomeExplorer.GROUP_MEAN), (explorer.order, "tree"),
                           (explorer.strategy, "vanilla"), (explorer.network, int(_rows(zoo, "vanilla")[2]))):
        control.value = value  # drawn over kept backgrounds: the same bytes as full renders
        for name, figure in explorer.figures_.items():
            assert fcviz.viz.figure_to_png(figure, dpi=DPI) == _png(explorer, name), (value, name)
    assert all(panel.blits_ > 0 for panel in explorer.panels_.values())

    small = ConnectomeExplorer(zoo, dpi=DPI, frame_cache=2)  # bounded
    for row in _rows(zoo, "vanilla"):
        small.network.value = int(row)
    assert all(len(panel.frames_) <= 2 for panel in small.panels_.values())
    small.set_zoo(_synthetic_zoo())  # another zoo: no frame of the old one survives
    assert all(len(panel.frames_) == 1 for panel in small.panels_.values())
    assert small.last_error_ is None and explorer.last_error_ is None


def test_clustering_explorer_caches_fits_and_draws_what_changed(zoo, monkeypatch):
    fits = []
    fixed = {}  # weight -> labels that the fit at that weight returns (the cases the test needs)

    class Counting(TopClustering):
        def fit_predict(self, X, y=None):
            fits.append((self.n_clusters, self.random_state, self.top_relative_weight))
            if self.top_relative_weight in fixed:
                return fixed[self.top_relative_weight].copy()
            return super().fit_predict(X)

    P = birth_death(zoo.graphs)
    seed0, seed3 = (TopClustering(4, random_state=seed).fit_predict(P) for seed in (0, 3))
    monkeypatch.setattr(explorers_module, "TopClustering", Counting)
    explorer = ClusteringExplorer(zoo, dpi=DPI)
    first, renders = _pngs(explorer), _renders(explorer)
    explorer.seed.value = 3
    np.testing.assert_array_equal(explorer.labels_, seed3)
    # a panel is drawn when what it shows changed: the labels (a new partition or other label numbers)
    drawn = 0 if np.array_equal(seed3, seed0) else 1
    assert _renders(explorer) == {"contingency": renders["contingency"] + drawn,
                                  "distances": renders["distances"] + drawn}
    explorer.seed.value = 0  # cached: no fit, no drawing
    assert fits == [(4, 0, 1.0), (4, 3, 1.0)]
    assert _pngs(explorer) == first and _renders(explorer) == {name: n + drawn for name, n in renders.items()}
    np.testing.assert_array_equal(explorer.labels_, seed0)
    assert list(explorer.fits_) == [("Top", 4, 3, 1.0, None), ("Top", 4, 0, 1.0, None)]
    fixed[0.95] = explorer.labels_.copy()  # a fit with the same labels as the one shown ...
    renders = _renders(explorer)
    explorer.weight.value = 0.95
    assert fits[-1] == (4, 0, 0.95)
    np.testing.assert_array_equal(explorer.labels_, fixed[0.95])
    assert _renders(explorer) == renders and _pngs(explorer) == first  # ... redraws nothing
    assert "Top (w = 0.95)" in explorer.readout.value  # only the readout says what was asked for
    del fixed[0.95]
    explorer.method.value = "Adj"
    np.testing.assert_array_equal(explorer.labels_, TopClustering(4, top_relative_weight=0.0,
                                                                  random_state=0).fit_predict(zoo.graphs))
    explorer.method.value = "Top"  # the cached fit at w = 0.95 comes back
    assert len(fits) == 4 and explorer.last_error_ is None
    np.testing.assert_array_equal(explorer.labels_, seed0)
    for control, value in ((explorer.seed, 5), (explorer.n_clusters, 3), (explorer.seed, 6), (explorer.seed, 7)):
        control.value = value  # drawn over kept backgrounds: the same bytes as full renders
        for name in ("contingency", "distances"):  # the curve panel is drawn only when asked for
            assert fcviz.viz.figure_to_png(explorer.figures_[name], dpi=DPI) == _png(explorer, name), (value, name)
    explorer.n_clusters.value = 4
    assert explorer.panels_["contingency"].blits_ > 0 and explorer.panels_["distances"].blits_ > 0
    explorer.set_zoo(zoo)
    assert len(explorer.fits_) == 1
    assert len(explorer.panels_["contingency"].frames_) == len(explorer.panels_["distances"].frames_) == 1


def test_clustering_explorer_fits_in_the_background(zoo, monkeypatch):
    import threading

    gate, entered, fitted_in = threading.Event(), threading.Event(), []

    class Slow(TopClustering):
        def fit_predict(self, X, y=None):
            if 0 < self.top_relative_weight < 1:
                fitted_in.append((self.random_state, threading.current_thread()))
                entered.set()
                assert gate.wait(30)
            return super().fit_predict(X)

    monkeypatch.setattr(explorers_module, "TopClustering", Slow)
    explorer = ClusteringExplorer(zoo, dpi=DPI, background=True)
    labels, pngs = explorer.labels_.copy(), _pngs(explorer)
    explorer.weight.value = 0.5
    # the callback has returned while the fit is held: it runs in another thread (how fast the callback
    # returns is measured in benchmarks/bench_widget_responsiveness.py)
    assert entered.wait(30) and not explorer.wait(0)
    assert "computing Top (w = 0.50), 4 clusters, seed 0 in the background" in explorer.status.value
    np.testing.assert_array_equal(explorer.labels_, labels)
    explorer.seed.value = 2  # the controls move on while the first fit runs: it is kept, the second shown
    assert "seed 2 in the background" in explorer.status.value and _pngs(explorer) == pngs
    gate.set()
    assert explorer.wait(60)
    assert [seed for seed, _ in fitted_in] == [0, 2]
    assert all(thread is not threading.main_thread() for _, thread in fitted_in)
    expected = TopClustering(4, top_relative_weight=0.5, random_state=2).fit_predict(zoo.graphs)
    np.testing.assert_array_equal(explorer.labels_, expected)
    assert explorer.scores_ == clustering_scores(zoo.group_labels("regularizer")[0], expected)
    np.testing.assert_array_equal(explorer.displays_["contingency"].im_.get_array(),
                                  contingency_matrix(zoo.group_labels("regularizer")[0], expected))
    assert "Top (w = 0.50): 4 clusters, seed 2" in explorer.status.value and "computing" not in explorer.status.value
    first_fit, _ = explorer.fits_[("Top", 4, 0, 0.5, None)]  # the fit the controls left is remembered
    np.testing.assert_array_equal(first_fit, TopClustering(4, top_relative_weight=0.5,
                                                           random_state=0).fit_predict(zoo.graphs))
    np.testing.assert_array_equal(explorer.fits_[("Top", 4, 2, 0.5, None)][0], expected)
    explorer.seed.value = 0
    explorer.seed.value = 2  # cached now: shown in the callback, no thread
    assert explorer.wait(0) and "computing" not in explorer.status.value
    np.testing.assert_array_equal(explorer.labels_, expected)

    class Broken(TopClustering):
        def fit_predict(self, X, y=None):
            raise ValueError("no clustering in the background today")

    monkeypatch.setattr(explorers_module, "TopClustering", Broken)
    explorer.weight.value = 0.55
    assert explorer.wait(60)
    assert "⚠ no clustering in the background today" in explorer.status.value
    assert "ValueError" in explorer.last_error_
    np.testing.assert_array_equal(explorer.labels_, expected)  # the last good view stays
    monkeypatch.undo()
    assert not ClusteringExplorer(zoo, dpi=DPI)._in_background("Top", 0.5)  # "auto": a small zoo fits at once
    with pytest.raises(ValueError, match="background must be True or False"):
        ClusteringExplorer(zoo, background="sometimes")


# ---------------------------------------------------------------------------------------------------
# The widget machinery


def test_explorer_is_a_widget_with_fixed_size_panels(zoo):
    explorer = ConnectomeExplorer(zoo, dpi=DPI)
    box = explorer.show()
    assert isinstance(box, widgets.VBox) and box is explorer.widget
    bundle = explorer._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == box.model_id
    for name, image in explorer.images_.items():
        width, height = explorer.figures_[name].get_size_inches() * DPI
        assert isinstance(image, widgets.Image) and image.format == "png"
        assert (image.layout.width, image.layout.height) == (f"{round(width)}px", f"{round(height)}px")
        assert bytes(image.value[:4]) == b"\x89PNG"
        assert explorer.panels_[name].render_seconds_ > 0
    assert explorer.log.selected_index is None  # the log starts collapsed
    explorer.close()


def test_panel_and_guard():
    panel = Panel(2, figsize=(3, 1.5), dpi=DPI)
    assert len(panel.axes) == 2 and panel.image is panel.widget
    first = bytes(panel.render().image.value)
    panel.axes[0].plot([0, 1], [0, 1])
    assert bytes(panel.render().image.value) != first and panel.n_renders_ == 2
    old = panel.axes
    assert panel.reset() is panel.axes and panel.axes[0] is not old[0] and len(panel.figure.axes) == 2
    with pytest.raises(ValueError, match="backend must be one of"):
        Panel(backend="svg")
    frozen = Panel(figsize=(2, 1.5), dpi=DPI, freeze_layout_after=2)
    frozen.axes[0].set_ylabel("y")
    frozen.render().render()
    position = frozen.axes[0].get_position().bounds
    assert not isinstance(frozen.figure.get_layout_engine(), ConstrainedLayoutEngine)
    frozen.axes[0].set_ylabel("a much longer label\non two lines")
    frozen.render()
    assert frozen.axes[0].get_position().bounds == position  # frozen: the axes stay put
    frozen.reset()
    assert isinstance(frozen.figure.get_layout_engine(), ConstrainedLayoutEngine)

    explorer = Explorer(dpi=DPI)
    with explorer.guard("outer"):
        with explorer.guard("inner"):  # nested: the outermost guard reports
            raise KeyError("missing")
    assert "⚠ &#x27;missing&#x27;" in explorer.status.value and "KeyError" in explorer.last_error_
    with explorer.guard("fine"):
        pass
    assert "ready" in explorer.status.value and explorer.redraw_seconds_ >= 0
    control = widgets.IntSlider()
    seen = []
    explorer.on_change(control, lambda: seen.append(control.value))
    control.value = 3
    with explorer.muted():
        control.value = 4
    assert seen == [3]


def test_panel_thaws_caches_frames_and_blits_what_a_full_render_draws():
    from fcviz.viz import figure_to_png

    frozen = Panel(figsize=(2, 1.5), dpi=DPI, freeze_layout_after=1)
    frozen.render()
    assert frozen.figure.get_layout_engine() is None  # frozen: no engine, not even a placeholder
    frozen.thaw()
    assert isinstance(frozen.figure.get_layout_engine(), ConstrainedLayoutEngine)
    frozen.render()
    assert frozen.figure.get_layout_engine() is None

    panel = Panel(2, figsize=(5, 2.2), dpi=DPI, freeze_layout_after=1, cache_size=2, blit=True)
    ax, ax2 = panel.axes
    x = np.linspace(0, 1, 50)
    (line,) = ax.plot(x, x)
    ax.set_ylim(-1, 2)
    image = ax2.imshow(np.eye(4), vmin=0, vmax=1)
    panel.figure.colorbar(image, ax=ax2)
    for i in range(5):  # the line, the image and the title move; nothing else
        line.set_ydata(x ** (i + 1))
        image.set_data(np.roll(np.eye(4), i, axis=1))
        ax.set_title(f"step {i}")
        shown = bytes(panel.render(key=i).image.value)
        assert shown == figure_to_png(panel.figure, dpi=DPI)  # the same bytes as a full render
    assert panel.blits_ == 3  # render 1: layout, render 2: the background, then blits
    assert list(panel.frames_) == [3, 4] and panel.cache_hits_ == 0  # bounded
    assert bytes(panel.render(key=3).image.value) != shown and panel.cache_hits_ == 1  # a frame from the cache
    ax.set_ylim(-1, 3)  # the ticks move: the background is drawn again
    panel.render()
    assert panel.blits_ == 3 and bytes(panel.image.value) == figure_to_png(panel.figure, dpi=DPI)
    ax2.set_yticks([0, 1], ["a", "b"])
    panel.follow_data(ax2.yaxis)  # ticks that follow the data are drawn with it
    panel.render()
    for labels in (["c", "d"], ["a much longer", "e"]):
        ax2.set_yticks([1, 3], labels)
        assert bytes(panel.render().image.value) == figure_to_png(panel.figure, dpi=DPI)
    assert panel.blits_ == 5
    panel.clear_cache()
    assert not panel.frames_
