"""The threading rule under load: a dashboard whose controls are hit while a build and a fit run behind.

A small digits dashboard (2 strategies, 2 networks, 2 epochs, 40 stimuli) is built once; then a
second build (3 networks, not cached) starts in the background and 300 seeded random interactions
hit the controls — strategy, stimulus class, network, clustering method and weight (every weight
0 < w < 1 is fitted in a background thread), the Dynamics tab's epoch, Cancel, Build and Export — as
fast as the kernel takes them. Afterwards (once the background work is done): no exception in any
thread, nothing in any error log, and every tab's views show what its controls ask for now, checked
on the displays' artists, the public state and the image bytes (each image is its panel's frame of
the current choice).
"""

import threading

import numpy as np
import pytest
from sklearn.metrics.cluster import contingency_matrix

import fcviz
from fcviz import TopClustering, birth_death, clustering_scores, pairwise_distances
from fcviz.viz.widgets.clustering import ClusteringExplorer
from fcviz.viz.widgets.connectome import ConnectomeExplorer
from fcviz.viz.widgets.dashboard import Dashboard
from fcviz.viz.widgets.dynamics import DynamicsExplorer

DPI = 30
N_INTERACTIONS = 300
SEED = 19
SMALL = {"strategies": ("vanilla", "l2"), "epochs": 2, "n_stimuli": 40}


# A new tab is a subclass and one line in the dashboard: these draw small PNGs (and the clustering
# tab fits every 0 < w < 1 in the background, as it does for a large zoo).
class Connectomes(ConnectomeExplorer):
    def __init__(self, zoo, *, persistence=None):
        super().__init__(zoo, persistence=persistence, dpi=DPI)


class Clustering(ClusteringExplorer):
    def __init__(self, zoo, *, persistence=None):
        super().__init__(zoo, persistence=persistence, dpi=DPI, background=True)


class Dynamics(DynamicsExplorer):
    def __init__(self, zoo):
        super().__init__(zoo, dynamics=self._quick(zoo), dpi=DPI)

    def set_zoo(self, zoo, *, dynamics=None, persistence=None):
        return super().set_zoo(zoo, dynamics=dynamics or self._quick(zoo), persistence=persistence)

    @staticmethod
    def _quick(zoo):
        return fcviz.training_dynamics(zoo, n_repeats=2, n_permutations=9)


TABS = (("Connectomes", Connectomes), ("Clustering", Clustering), ("Dynamics", Dynamics))


@pytest.fixture
def thread_errors():
    """Exceptions that escaped any thread (they would otherwise only be printed)."""
    seen, previous = [], threading.excepthook
    threading.excepthook = lambda args: seen.append(args)
    yield seen
    threading.excepthook = previous


def _interactions(dash, rng, folder):
    """One random interaction at a time, as a user at the controls."""
    connectomes, clustering, dynamics = (dash.explorers_[t] for t in ("Connectomes", "Clustering", "Dynamics"))

    def pick(control):
        options = [value for _, value in control.options] if isinstance(control.options[0], tuple) else list(
            control.options)
        control.value = options[rng.integers(len(options))]

    actions = {
        "strategy": lambda: pick(connectomes.strategy),
        "stimulus class": lambda: None if connectomes.stimulus_class.disabled else pick(connectomes.stimulus_class),
        "network": lambda: pick(connectomes.network),
        "method": lambda: setattr(clustering.method, "value", ("Top", "Adj")[rng.integers(2)]),
        "weight": lambda: setattr(clustering.weight, "value", round(0.05 * rng.integers(21), 2)),
        "frame": lambda: setattr(dynamics.epoch, "value", int(rng.integers(dynamics.epoch.max + 1))),
        "Cancel": dash.cancel_button.click,
        "Build": dash.build_button.click,
        "Export": lambda: (setattr(dash.export_dir, "value", str(folder / f"export-{rng.integers(3)}")),
                           dash.export_button.click()),
    }
    names = list(actions)
    weights = np.array([2, 0.25, 2, 2, 6, 3, 0.3, 0.1, 0.05])  # drawing, builds and exports cost: rarer
    chosen = rng.choice(len(names), size=N_INTERACTIONS, p=weights / weights.sum())
    for k, late in zip(range(6, 9), (150, 200, 250)):  # Cancel, Build and Export at least once each
        if k not in chosen:
            chosen[late] = k
    for k in chosen:
        yield names[k], actions[names[k]]


def _check_connectomes(explorer):
    s = explorer.selection_
    assert (s["strategy"], s["order"]) == (explorer.strategy.value, explorer.order.value)
    assert s["stimulus_class"] == explorer._stimuli()
    zoo = explorer.zoo_
    if explorer.network.value == ConnectomeExplorer.GROUP_MEAN:
        assert s["row"] is None and s["network"] == ConnectomeExplorer.GROUP_MEAN
        graph = zoo.graphs[zoo.label_column("regularizer") == s["strategy"]].mean(axis=0)
    else:
        assert s["row"] == explorer.network.value
        graph = zoo.graphs[s["row"]]
    np.testing.assert_array_equal(explorer.graph_, graph)
    display = explorer.displays_["connectome"]
    assert display.ax_.get_title().startswith(f"{s['strategy']}, ")
    if s["order"] == "layer":
        np.testing.assert_array_equal(display.im_.get_array(), graph)
    np.testing.assert_array_equal(explorer.displays_["persistence"].highlight_["births"].get_ydata(),
                                  birth_death(graph).births if s["row"] is not None
                                  else explorer.barycenters_[s["strategy"]].births)


def _check_clustering(explorer):
    method, k, seed, w = (explorer.method.value, explorer.n_clusters.value, explorer.seed.value,
                          float(explorer.weight.value))
    beta = explorer._beta() if method == "Top" and w > 0 else None
    settings = (method, k, seed, w if method == "Top" else None, beta)
    assert explorer._shown_settings == settings and explorer._wanted == settings
    if method == "Top":
        data = explorer.persistence_ if w == 1.0 else explorer.zoo.graphs
        expected = TopClustering(k, top_relative_weight=w, random_state=seed).fit_predict(data)
        distances = pairwise_distances(explorer.persistence_)
    else:
        expected = TopClustering(k, top_relative_weight=0.0, random_state=seed).fit_predict(explorer.zoo.graphs)
        distances = explorer.distances_
    np.testing.assert_array_equal(explorer.labels_, expected)
    truth = explorer.labels_true_
    assert explorer.scores_ == clustering_scores(truth, expected)
    np.testing.assert_array_equal(explorer.displays_["contingency"].im_.get_array(),
                                  contingency_matrix(truth, expected))
    order = np.argsort(expected, kind="stable")
    np.testing.assert_allclose(explorer.displays_["distances"].im_.get_array(), distances[np.ix_(order, order)])
    assert "computing" not in explorer.status.value


def _check_dynamics(explorer):
    key = explorer._key()
    s = explorer.selection_
    assert (s["epoch"], s["strategy"], s["final_row"], s["order"]) == key
    assert explorer.epoch_label.value.startswith(f"<b>{explorer._when(key[0])}")
    frame = explorer.frames_[key]
    assert all(bytes(explorer.images_[name].value) == png for name, png in frame.items())


@pytest.mark.slow
def test_the_views_end_on_the_last_choices_while_builds_and_fits_run(tmp_path, thread_errors):
    dash = Dashboard(cache_dir=str(tmp_path / "cache"), tabs=TABS, n_networks=2, **SMALL)
    dash.build()
    assert dash.wait(300) and dash.last_error_ is None, dash.last_error_
    dash.n_networks.value = 3  # a zoo not cached yet: this build trains while the controls are hit
    dash.build()
    rng = np.random.default_rng(SEED)
    during_build = during_fit = 0
    clustering = dash.explorers_["Clustering"]
    for _, interact in _interactions(dash, rng, tmp_path):
        interact()
        during_build += dash.building_
        during_fit += not clustering.wait(0)
    assert during_build > 10 and during_fit > 10, (during_build, during_fit)  # the work really ran behind
    assert dash.wait(300), "the build did not end"
    for explorer in dash.explorers_.values():
        assert explorer.wait(120), "a background fit did not end"

    assert not thread_errors, [f"{e.exc_type.__name__}: {e.exc_value}" for e in thread_errors]
    for widget in (dash, *dash.explorers_.values()):
        log = widget.error_log.value
        assert widget.last_error_ is None and log == "", (type(widget).__name__, log[-2000:])
    assert "⚠" not in dash.status.value
    _check_connectomes(dash.explorers_["Connectomes"])
    _check_clustering(dash.explorers_["Clustering"])
    _check_dynamics(dash.explorers_["Dynamics"])
    connectomes, clustering = dash.explorers_["Connectomes"], dash.explorers_["Clustering"]
    labels = clustering.labels_.tobytes()
    method, k, beta = clustering.method.value, clustering.n_clusters.value, clustering._shown_settings[4]
    expected = {connectomes: connectomes._keys(connectomes.selection_),
                clustering: {"contingency": (k, labels), "distances": (method, beta, labels)}}
    for explorer, keys in expected.items():  # each image shows the frame of the current choice
        assert explorer.shown_ == keys
        for name, key in keys.items():
            assert bytes(explorer.images_[name].value) == explorer.panels_[name].frames_[key], name
