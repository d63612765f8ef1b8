"""The dashboard, driven kernel-side without a browser: Build, Cancel, errors, Export.

Buttons are clicked with ``Button.click()`` (which fires ``on_click`` as a browser click would) and
the build thread is joined with ``Dashboard.wait``; the assertions read the dashboard's public state
and widget values (status text, progress, PNG bytes, files on disk) and the artists the explorers
drew (compared with what the library computes), never private ipywidgets fields. Only the function
is tested (the click returns while the build runs, Cancel stops it inside the epoch under way); how
fast is measured in benchmarks/bench_widget_responsiveness.py.
A tiny zoo (4 strategies x 2 networks, 2 epochs, 60 stimuli) keeps every build to a few seconds.
"""

import csv
import threading
from urllib.error import URLError

import ipywidgets as widgets
import numpy as np
import pytest
from sklearn.metrics.cluster import contingency_matrix

import fcviz
from fcviz import TopClustering, birth_death, clustering_scores, mst_edges, pairwise_distances
from fcviz.registry import REGULARIZERS
from fcviz.viz import figure_to_png
from fcviz.viz.dashboard import Dashboard
from fcviz.viz.dynamics_explorer import DynamicsExplorer
from fcviz.viz.explorers import ClusteringExplorer, ConnectomeExplorer
from fcviz.zoo import PRESETS

from clustering_checks import matching_labels

TINY = {"n_networks": 2, "epochs": 2, "n_stimuli": 60}
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("dashboard-cache")


@pytest.fixture(scope="module")
def built(cache_dir):
    """One dashboard with a built tiny zoo, shared by the tests that only read it or restore it."""
    dash = Dashboard(cache_dir=str(cache_dir), **TINY)
    dash.build_button.click()
    assert dash.wait(300), "the build did not finish"
    assert dash.last_error_ is None, dash.last_error_
    return dash


def npz_files(folder):
    return sorted(p.name for p in folder.rglob("*.npz"))


def test_dashboard_is_one_widget_with_its_controls():
    dash = fcviz.dashboard(n_networks=3)
    assert isinstance(dash, Dashboard) and isinstance(dash.widget, widgets.VBox)
    assert dash.show() is dash.widget
    assert "application/vnd.jupyter.widget-view+json" in dash._repr_mimebundle_()
    assert dash.dataset.value == "digits"
    assert dict(dash.dataset.options)["digits (offline)"] == "digits"  # availability shown in the label
    assert dash.strategies.value == REGULARIZERS
    assert dash.n_networks.value == 3 and not dash.n_networks.continuous_update
    assert fcviz.dashboard().n_networks.value == PRESETS["classroom"]["n_networks"]
    assert dash.tabs.titles == ("Connectomes", "Clustering", "Dynamics") and len(dash.tabs.children) == 3
    assert dash.zoo_kwargs["snapshot_epochs"] == [0, 1, 2, 5, 10]  # the classroom's 15 epochs, for Dynamics
    assert not dash.build_button.disabled and dash.cancel_button.disabled
    assert dash.zoo_ is None and not dash.building_ and dash.thread_ is None and dash.wait(0)
    assert "Build" in dash.status.value


@pytest.mark.parametrize("kwargs, match", [
    ({"dataset": "imagenet"}, "Unknown dataset 'imagenet'"),
    ({"preset": "huge"}, "preset must be one of"),
    ({"strategies": ("vanilla", "lasso")}, "unknown \\['lasso'\\]"),
    ({"n_networks": 0}, "n_networks must be a positive integer"),
    ({"progress_callback": print}, "sets \\['progress_callback'\\] itself"),
])
def test_invalid_arguments_say_what_was_wrong(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Dashboard(**kwargs)


def test_build_runs_in_the_background_and_fills_the_tabs(built):
    dash = built
    zoo = dash.zoo_
    assert zoo.epochs == [0, 1, 2] and zoo.graphs.shape == (24, 48, 48)  # snapshots at 0 and 1 of 2 epochs
    trained = zoo.at_epoch(2)
    assert [row["regularizer"] for row in trained.labels] == [r for r in REGULARIZERS for _ in range(2)]
    assert zoo.metadata["settings"]["epochs"] == 2 and zoo.metadata["settings"]["n_stimuli"] == 60
    # progress counted every training epoch (4 runs x 2 epochs) and ended full
    assert dash.progress.max == 8 and dash.progress.value == dash.progress.max
    assert dash.progress.bar_style == "success"
    assert "Built: 8 connectomes of 48 neurons recorded at 3 epochs" in dash.status.value
    assert not dash.building_ and not dash.build_button.disabled and dash.cancel_button.disabled
    assert dash.last_build_seconds_ > 0 and dash.last_render_seconds_ > 0
    # one explorer per tab, showing PNG images of this zoo
    connectomes, clustering = dash.explorers_["Connectomes"], dash.explorers_["Clustering"]
    dynamics = dash.explorers_["Dynamics"]
    assert isinstance(connectomes, ConnectomeExplorer) and isinstance(clustering, ClusteringExplorer)
    assert isinstance(dynamics, DynamicsExplorer)
    assert list(dash.tabs.children) == [connectomes.widget, clustering.widget, dynamics.widget]
    for explorer in (connectomes, clustering):  # the trained networks
        np.testing.assert_array_equal(explorer.zoo.graphs, trained.graphs)
    assert dash.persistence_.births.shape == (24, 47)
    final = [i for i, row in enumerate(zoo.labels) if row["epoch"] == 2]
    np.testing.assert_array_equal(connectomes.persistence_.births, dash.persistence_.births[final])
    # what each tab draws is the library's output for its first selection, and its images show those figures
    graph = trained.graphs[0]  # the first vanilla network
    assert connectomes.selection_["strategy"] == "vanilla" and connectomes.selection_["row"] == 0
    np.testing.assert_array_equal(connectomes.displays_["connectome"].im_.get_array(), graph)
    for which in ("births", "deaths"):
        np.testing.assert_array_equal(connectomes.displays_["persistence"].highlight_[which].get_ydata(),
                                      getattr(birth_death(graph), which))
    P = birth_death(trained.graphs)
    truth = trained.group_labels("regularizer")[0]
    labels = clustering.labels_  # the library's partition (the dashboard's persistence is sliced, not recomputed)
    matching_labels(labels, TopClustering(4, random_state=0).fit_predict(P), "Top clustering of the trained zoo")
    assert clustering.scores_ == clustering_scores(truth, labels)
    np.testing.assert_array_equal(clustering.displays_["contingency"].im_.get_array(), contingency_matrix(truth, labels))
    np.testing.assert_allclose(clustering.distances_, pairwise_distances(P))
    for explorer in (connectomes, clustering):
        for name, figure in explorer.figures_.items():
            assert bytes(explorer.images_[name].value) == figure_to_png(figure, dpi=explorer.dpi), name
    # the Dynamics tab: every epoch of the first vanilla network, its frames drawn ahead for a smooth Play
    assert dynamics.zoo is zoo and dynamics.selection_["epoch"] == 0 and dynamics.selection_["strategy"] == "vanilla"
    (start,) = zoo.select(regularizer="vanilla", network=0, epoch=0).graphs
    np.testing.assert_array_equal(dynamics.graph_, start)
    keys = [(epoch, "vanilla", dynamics.network.value, dynamics.order.value) for epoch in zoo.epochs]
    assert set(keys) <= set(dynamics.frames_)
    assert {name: bytes(image.value) for name, image in dynamics.images_.items()} == dynamics.frames_[keys[0]]
    assert all(bytes(image.value[:8]) == PNG for image in dynamics.images_.values())
    connectome_frames = [dynamics.frames_[key]["connectome"] for key in keys]
    assert len(set(connectome_frames)) == len(keys)  # one picture per epoch, no two alike


def test_controls_redraw_from_the_built_zoo(built):
    explorer = built.explorers_["Connectomes"]
    trained = built.zoo_.at_epoch(2)
    explorer.strategy.value = "l2"
    try:
        row = int(np.flatnonzero(trained.label_column("regularizer") == "l2")[0])
        assert explorer.selection_ == {"strategy": "l2", "stimulus_class": None, "network": 0, "row": row,
                                       "order": "layer"}
        assert explorer.last_error_ is None
        graph = trained.graphs[row]  # the first l2 network, as the library selects it
        displays = explorer.displays_
        np.testing.assert_array_equal(displays["connectome"].im_.get_array(), graph)
        np.testing.assert_array_equal(displays["persistence"].highlight_["deaths"].get_ydata(), birth_death(graph).deaths)
        rows, cols = mst_edges(graph)
        np.testing.assert_array_equal(displays["tree"].weights_, graph[rows, cols])
        for name, figure in explorer.figures_.items():  # and the images show those figures
            assert bytes(explorer.images_[name].value) == figure_to_png(figure, dpi=explorer.dpi), name
    finally:
        explorer.strategy.value = "vanilla"


def test_build_again_loads_from_the_cache_and_reuses_the_explorers(built, cache_dir, monkeypatch):
    dash = built
    explorers, children, old = dict(dash.explorers_), list(dash.tabs.children), dash.zoo_
    gate, callers = threading.Event(), []
    real = fcviz.zoo.connectome_zoo

    def held(*args, **kwargs):  # the build waits here until the test lets it go on
        callers.append(threading.current_thread())
        assert gate.wait(30), "the test never let the build go on"
        return real(*args, **kwargs)

    monkeypatch.setattr("fcviz.zoo.connectome_zoo", held)
    dash.build_button.click()
    # the click has returned while the build is held: the work runs in another thread
    # (how fast the click returns is measured in benchmarks/bench_widget_responsiveness.py)
    assert dash.building_ and dash.thread_.is_alive() and not dash.wait(0)
    assert dash.build_button.disabled and not dash.cancel_button.disabled
    gate.set()
    assert dash.wait(60)
    assert callers == [dash.thread_] and dash.thread_ is not threading.main_thread()
    assert dash.zoo_ is not old and dash.zoo_.from_cache
    assert np.array_equal(dash.zoo_.graphs, old.graphs)
    assert "Loaded from the cache" in dash.status.value
    assert dash.progress.value == dash.progress.max
    assert dash.explorers_ == explorers and list(dash.tabs.children) == children  # set_zoo, not new ones
    assert dash.explorers_["Dynamics"].zoo is dash.zoo_
    assert all(np.array_equal(dash.explorers_[t].zoo.graphs, dash.zoo_.at_epoch(2).graphs)
               for t in ("Connectomes", "Clustering"))
    assert len(npz_files(cache_dir)) == 1


def test_cancel_stops_the_build_and_keeps_the_previous_zoo(built, cache_dir):
    dash = built
    old_zoo, old_image = dash.zoo_, bytes(dash.explorers_["Connectomes"].images_["connectome"].value)
    entries = npz_files(cache_dir)
    under_way = threading.Event()

    def watch(change):
        if change["new"] >= 2:
            under_way.set()

    dash.zoo_kwargs["epochs"] = 300  # 1,200 epochs in all: far longer than the test waits
    dash.progress.observe(watch, names="value")
    try:
        dash.build_button.click()
        assert dash.building_ and dash.build_button.disabled and not dash.cancel_button.disabled
        assert dash.build() is dash.thread_  # a second Build while one runs does nothing
        assert under_way.wait(120)  # training is under way (a bound only so that the suite cannot hang)
        assert dash.building_ and 2 <= dash.progress.value < dash.progress.max == 1200
        dash.cancel_button.click()
        at_cancel = dash.progress.value
        assert dash.wait(120)  # only so that a broken Cancel cannot hang the suite
    finally:
        dash.progress.unobserve(watch, names="value")
        dash.zoo_kwargs["epochs"] = TINY["epochs"]
    # stopped inside the epoch under way: at most that one epoch was counted after the click (how soon
    # the build ends is measured in benchmarks/bench_widget_responsiveness.py)
    assert at_cancel <= dash.progress.value <= at_cancel + 1 < dash.progress.max
    assert "Cancelled" in dash.status.value and "previous zoo" in dash.status.value
    assert dash.progress.bar_style == "warning"
    assert dash.zoo_ is old_zoo
    assert bytes(dash.explorers_["Connectomes"].images_["connectome"].value) == old_image
    assert npz_files(cache_dir) == entries  # nothing of the cancelled build was written
    assert not [p for p in cache_dir.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
    assert not dash.building_ and not dash.build_button.disabled and dash.cancel_button.disabled


def test_cancel_right_after_the_click(tmp_path, monkeypatch):
    monkeypatch.setenv("FCVIZ_CACHE_DIR", str(tmp_path))
    dash = Dashboard(**{**TINY, "epochs": 300})
    timer = threading.Timer(0.05, dash.cancel_button.click)
    dash.build_button.click()
    timer.start()
    assert dash.wait(120)  # only so that a broken Cancel cannot hang the suite
    assert "Cancelled" in dash.status.value and "no zoo yet" in dash.status.value
    assert dash.zoo_ is None and dash.explorers_ == {} and npz_files(tmp_path) == []


def test_a_dataset_that_cannot_be_loaded_shows_the_library_message(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise URLError("no network in this test")

    monkeypatch.setenv("FCVIZ_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FCVIZ_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setattr("fcviz.datasets._download", offline)
    dash = Dashboard("mnist", n_networks=2, epochs=1, n_stimuli=60)
    assert dict(dash.dataset.options)["mnist (needs download)"] == "mnist"
    dash.build_button.click()
    assert dash.wait(60)
    assert "Build failed" in dash.status.value and "is not available" in dash.status.value
    assert "&#x27;mnist&#x27;" in dash.status.value  # the message is escaped HTML
    assert "DatasetNotAvailableError" in dash.last_error_ and "Traceback" in dash.last_error_
    assert "DatasetNotAvailableError" in dash.error_log.value and "1 error" in dash.log.titles[0]
    assert dash.log.selected_index is None  # the log stays collapsed
    assert dash.progress.bar_style == "danger"
    assert dash.zoo_ is None and not dash.building_ and not dash.build_button.disabled
    assert all(isinstance(child, widgets.HTML) for child in dash.tabs.children)  # placeholders stay


def test_any_build_error_keeps_the_last_good_view(built, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom <b>not bold</b>")

    dash = built
    old_zoo, children = dash.zoo_, list(dash.tabs.children)
    monkeypatch.setattr("fcviz.zoo.connectome_zoo", broken)
    dash.build_button.click()
    assert dash.wait(60)
    assert "boom &lt;b&gt;not bold&lt;/b&gt;" in dash.status.value
    assert "RuntimeError: boom" in dash.last_error_
    assert dash.zoo_ is old_zoo and list(dash.tabs.children) == children
    assert not dash.build_button.disabled and not dash.building_


def test_a_third_tab_is_one_entry_and_a_failing_view_spares_the_others(cache_dir):
    class Broken:
        def __init__(self, zoo):
            raise ValueError("this view cannot show that zoo")

    dash = Dashboard(cache_dir=str(cache_dir), tabs=(*Dashboard.TABS[:2], ("Dynamics", Broken)), **TINY)
    assert dash.tabs.titles == ("Connectomes", "Clustering", "Dynamics")
    dash.build()  # the same settings as `built`: a cache hit
    assert dash.wait(60)
    assert dash.zoo_.from_cache and set(dash.explorers_) == {"Connectomes", "Clustering"}
    assert "the Dynamics view failed: this view cannot show that zoo" in dash.status.value
    assert "ValueError" in dash.last_error_
    assert isinstance(dash.tabs.children[2], widgets.HTML)


def test_export_writes_figures_and_tables_atomically(built, tmp_path):
    dash = built
    dash.export_dir.value = str(tmp_path / "out")
    paths = dash.export()
    folder = tmp_path / "out"
    assert {p.parent for p in paths} == {folder}
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in paths)  # no temporary files
    expected = {f"{tab}-{name}.{fmt}" for tab, key in (("connectomes", "Connectomes"), ("clustering", "Clustering"),
                                                        ("dynamics", "Dynamics"))
                for name in dash.explorers_[key].figures_ for fmt in ("png", "svg")}
    expected |= {"zoo-summary.csv", "clustering-scores.csv", "clustering-clusters.csv"}
    assert {p.name for p in paths} == expected
    assert "connectomes-connectome.png" in expected and "clustering-contingency.svg" in expected
    for p in paths:
        data = p.read_bytes()
        assert data.startswith(PNG) if p.suffix == ".png" else (b"<svg" in data if p.suffix == ".svg" else data)
    with open(folder / "zoo-summary.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [row["group"] for row in rows] == list(REGULARIZERS)
    assert all(row["n_networks"] == "2" for row in rows)
    with open(folder / "clustering-scores.csv", newline="") as f:
        (scores,) = list(csv.DictReader(f))
    assert float(scores["purity"]) == pytest.approx(dash.explorers_["Clustering"].scores_["purity"])
    with open(folder / "clustering-clusters.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == len(dash.zoo_.at_epoch(2))
    assert f"Exported {len(paths)} files to {folder}" in dash.status.value


def test_export_button_uses_a_timestamped_folder_by_default(built, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    built.export_dir.value = ""
    built.export_button.click()
    (folder,) = (tmp_path / "fcviz-output").iterdir()
    assert folder.name.startswith("dashboard-") and any(folder.glob("*.png")) and any(folder.glob("*.csv"))
    assert str(folder) in built.status.value
    built.export_button.click()  # a second export in the same second gets a folder of its own
    assert len(list((tmp_path / "fcviz-output").iterdir())) == 2


def test_export_before_a_build_and_export_errors_go_to_the_status_line(tmp_path):
    dash = Dashboard(**TINY)
    assert dash.export(tmp_path / "out") == [] and "click Build first" in dash.status.value
    assert not (tmp_path / "out").exists()
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    dash.zoo_ = object()  # anything but None: the folder is made first and fails
    dash.export_dir.value = str(blocker / "sub")
    dash.export_button.click()
    assert "Export failed" in dash.status.value and dash.last_error_


def test_settings_changed_after_a_build_says_so(built):
    built.n_networks.value = 3
    try:
        assert "Settings changed" in built.status.value and built.zoo_.graphs.shape[0] == 24
    finally:
        built.n_networks.value = TINY["n_networks"]
