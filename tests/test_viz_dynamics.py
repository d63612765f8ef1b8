"""DynamicsExplorer and the GIF export, driven like a user would, without a browser.

A tiny digits zoo recorded at epochs 0, 1, 2 and 3 (the trained networks). Setting ``epoch.value``
fires the callbacks synchronously; each test checks that the panels show exactly what the library
returns at that epoch, that frames are rendered once, that the Play button is linked to the slider
in the browser (each slider value Play sets shows its epoch), and that GIF frame k is the picture of
epoch k.
"""

import io
import threading

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

import fcviz
from fcviz import barycenter, birth_death, mst_edges, spanning_tree_order, training_dynamics
from fcviz.viz import DynamicsExplorer, save_animation
from fcviz.viz import dynamics_explorer as dynamics_module

DPI = 30  # small PNGs: the tests check data and bytes, not looks
EPOCHS = (0, 1, 2, 3)


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    return fcviz.connectome_zoo(n_networks=2, epochs=3, n_stimuli=60, snapshot_epochs=[0, 1, 2],
                                cache_dir=tmp_path_factory.mktemp("zoo"), progress=False)


@pytest.fixture(scope="module")
def dynamics(zoo):
    return training_dynamics(zoo, n_repeats=2, n_permutations=19)


@pytest.fixture
def explorer(zoo, dynamics):
    explorer = DynamicsExplorer(zoo, dynamics=dynamics, dpi=DPI)
    yield explorer
    explorer.close()


def _pngs(explorer):
    return {name: bytes(image.value) for name, image in explorer.images_.items()}


def _renders(explorer):
    return {name: panel.n_renders_ for name, panel in explorer.panels_.items()}


def _graph(zoo, strategy, network, epoch):
    """The connectome of one network at one epoch, found with the zoo's own selection."""
    (graph,) = zoo.select(regularizer=strategy, network=network, epoch=epoch).graphs
    return graph


def test_the_epoch_slider_shows_the_library_output_at_each_epoch(zoo, dynamics, explorer):
    displays = explorer.displays_
    assert explorer.epochs_ == EPOCHS and explorer.dynamics_ is dynamics
    assert explorer.strategy.options == ("vanilla", "batch_norm", "l2", "dropout")
    assert (explorer.epoch.min, explorer.epoch.max, explorer.epoch.value) == (0, 3, 0) and not explorer.epoch.readout
    explorer.strategy.value = "l2"
    explorer.network.value = explorer.network.options[1][1]  # the second l2 network
    previous = start = _pngs(explorer)
    for index in (1, 2, 3):  # first visits: the displays' artists move to the frame, then it is rendered
        epoch = EPOCHS[index]
        explorer.epoch.value = index
        graph = _graph(zoo, "l2", 1, epoch)
        assert explorer.selection_["epoch"] == epoch and explorer.selection_["index"] == index
        assert explorer.selection_["strategy"] == "l2" and explorer.selection_["network"] == 1
        assert zoo.labels[explorer.selection_["row"]]["epoch"] == epoch
        np.testing.assert_array_equal(explorer.graph_, graph)
        np.testing.assert_array_equal(displays["connectome"].im_.get_array(), graph)  # layer order: as recorded
        rows, cols = mst_edges(graph)
        np.testing.assert_array_equal(displays["tree"].weights_, graph[rows, cols])
        P = birth_death(zoo.select(epoch=epoch).graphs)
        regs = zoo.select(epoch=epoch).label_column("regularizer")
        for which in ("births", "deaths"):  # every strategy's barycenter at that epoch, in zoo order
            for line, strategy in zip(displays["persistence"].lines_[which], explorer.strategy.options):
                expected = getattr(barycenter(P[np.flatnonzero(regs == strategy)]), which)
                np.testing.assert_allclose(line.get_ydata(), expected)
            np.testing.assert_array_equal(displays["persistence"].highlight_[which].get_ydata(),
                                          getattr(birth_death(graph), which))
        assert list(explorer.epoch_line_.get_xdata()) == [epoch, epoch]  # the purity marker moved
        assert f"{dynamics.row(epoch)['purity_mean']:.2f}" in displays["purity"].ax_.get_title()
        assert f"epoch {epoch}" in explorer.epoch_label.value and f"({index + 1}/4)" in explorer.epoch_label.value
        now = _pngs(explorer)
        assert all(now[name] != previous[name] for name in now)
        previous = now
    explorer.epoch.value = 0  # a second visit shows the cached frame (the artists keep the last rendered one)
    assert _pngs(explorer) == start and explorer.selection_["epoch"] == 0
    np.testing.assert_array_equal(explorer.graph_, _graph(zoo, "l2", 1, 0))
    np.testing.assert_array_equal(displays["purity"].line_.get_xdata(), EPOCHS)
    np.testing.assert_array_equal(displays["purity"].line_.get_ydata(), [r["purity_mean"] for r in dynamics.per_epoch])
    assert "l2 network 1, epoch 0 (initialisation)" in explorer.status.value and explorer.last_error_ is None


def test_final_tree_order_is_the_same_at_every_epoch(zoo, explorer):
    explorer.order.value = "final"
    order = spanning_tree_order(_graph(zoo, "vanilla", 0, 3))
    for index, epoch in enumerate(EPOCHS):
        explorer.epoch.value = index
        graph = _graph(zoo, "vanilla", 0, epoch)
        np.testing.assert_array_equal(explorer.displays_["connectome"].im_.get_array(), graph[np.ix_(order, order)])
    assert "final tree order" not in explorer.status.value and "final order" in explorer.status.value
    explorer.order.value = "layer"
    np.testing.assert_array_equal(explorer.displays_["connectome"].im_.get_array(), _graph(zoo, "vanilla", 0, 3))


def test_axes_limits_stay_fixed_across_epochs(explorer):
    def limits():
        d = explorer.displays_
        return ([d["persistence"].axes_[w].get_ylim() for w in ("births", "deaths")],
                d["tree"].ax_.get_xlim(), d["tree"].ax_.get_ylim(), d["purity"].ax_.get_xlim(),
                d["connectome"].im_.get_clim(), [ax.get_position().bounds for f in explorer.figures_.values()
                                                 for ax in f.axes])

    first = limits()
    for index in (1, 2, 3):
        explorer.epoch.value = index
        assert limits() == first


def test_frames_are_rendered_once_and_cached(zoo, explorer):
    first = _renders(explorer)
    for index in (1, 2, 3):
        explorer.epoch.value = index
    assert len(explorer.frames_) == 4
    renders = _renders(explorer)
    assert all(renders[name] - first[name] == 3 for name in renders)
    frames = {key: dict(frame) for key, frame in explorer.frames_.items()}
    for index in (0, 2, 1, 3, 0):  # second visits: only bytes are swapped
        explorer.epoch.value = index
        key = (EPOCHS[index], "vanilla", explorer.network.value, "layer")
        assert _pngs(explorer) == frames[key]
    assert _renders(explorer) == renders

    explorer.network.value = explorer.network.options[1][1]  # another network at epoch 0: the purity PNG is shared
    after = _renders(explorer)
    assert after["purity"] == renders["purity"]
    assert all(after[name] == renders[name] + 1 for name in ("connectome", "tree", "persistence"))
    key = (0, "vanilla", explorer.network.value, "layer")
    assert explorer.frames_[key]["purity"] is frames[(0, "vanilla", explorer.network.options[0][1], "layer")]["purity"]

    assert explorer.prerender() == 3  # the other epochs of this network
    assert explorer.prerender() == 0
    stop = threading.Event()
    stop.set()
    explorer.order.value = "final"
    assert explorer.prerender(cancel=stop) == 0
    thread = threading.Thread(target=explorer.prerender)  # as the dashboard does, off the main thread
    shown = _pngs(explorer)
    thread.start()
    thread.join()
    assert _pngs(explorer) == shown  # prerendering never touches the images
    renders = _renders(explorer)
    for index in range(4):
        explorer.epoch.value = index
    assert _renders(explorer) == renders and explorer.last_error_ is None


def test_play_is_linked_to_the_slider_in_the_browser(zoo, explorer):
    link = explorer.link_
    assert isinstance(link, widgets.widget_link.Link)  # jslink: the front end steps the slider, no kernel round trip
    assert link.source == (explorer.play, "value") and link.target == (explorer.epoch, "value")
    play, epoch = explorer.play, explorer.epoch
    assert (play.min, play.max, play.step) == (epoch.min, epoch.max, epoch.step) == (0, 3, 1)  # Play's values fit
    assert play.interval == 500  # fps=2
    play.value = 2  # the link lives in the browser: in the kernel, the slider does not follow Play
    assert epoch.value == 0 and explorer.selection_["epoch"] == 0
    # What the browser's link does on each tick of Play: set the slider to the next value. Each value
    # shows its epoch: the artists hold that epoch's data, and the images are those figures.
    network = explorer.network.value
    start = _pngs(explorer)
    for index in (0, 1, 2, 3):
        epoch.value = index
        when = "epoch 0 (initialisation)" if EPOCHS[index] == 0 else f"epoch {EPOCHS[index]}"
        graph = _graph(zoo, "vanilla", 0, EPOCHS[index])
        assert explorer.selection_["epoch"] == EPOCHS[index]
        assert f"<b>{when}</b> of 3" in explorer.epoch_label.value and f"({index + 1}/4)" in explorer.epoch_label.value
        np.testing.assert_array_equal(explorer.graph_, graph)
        np.testing.assert_array_equal(explorer.displays_["connectome"].im_.get_array(), graph)
        assert explorer.displays_["connectome"].ax_.get_title().endswith(f"connectome at {when}")
        assert list(explorer.epoch_line_.get_xdata()) == [EPOCHS[index]] * 2
        shown = _pngs(explorer)
        assert shown == explorer.frames_[(EPOCHS[index], "vanilla", network, "layer")]
        for name, figure in explorer.figures_.items():
            assert shown[name] == fcviz.viz.figure_to_png(figure, dpi=DPI), (index, name)
    assert len({_pngs(explorer)["connectome"]} | {frame["connectome"] for frame in explorer.frames_.values()}) == 4
    epoch.value = 0  # Play's repeat: back to the first frame, from the cache
    assert _pngs(explorer) == start and explorer.selection_["epoch"] == 0
    box = explorer.show()
    assert isinstance(box, widgets.VBox)
    controls = box.children[0].children
    assert controls[:3] == (explorer.play, explorer.epoch, explorer.epoch_label)
    explorer.close()
    assert explorer.link_.comm is None and explorer.play.comm is None


def test_strategy_change_keeps_the_network_position(zoo, explorer):
    explorer.network.value = explorer.network.options[1][1]
    explorer.epoch.value = 2
    explorer.strategy.value = "dropout"
    assert explorer.selection_["strategy"] == "dropout" and explorer.selection_["network"] == 1
    assert explorer.selection_["epoch"] == 2
    np.testing.assert_array_equal(explorer.displays_["connectome"].im_.get_array(), _graph(zoo, "dropout", 1, 2))
    assert [label.split(" · ")[0] for label, _ in explorer.network.options] == ["network 0", "network 1"]


def test_zoos_and_dynamics_that_do_not_fit_are_refused(zoo, dynamics, explorer):
    trained = zoo.at_epoch(3)
    with pytest.raises(ValueError, match=r"has epoch \[3\] only.*snapshot_epochs=\[0, 1, 2, 5, 10, 15\]"):
        DynamicsExplorer(trained, dpi=DPI)
    with pytest.raises(ValueError, match="needs a fcviz.ConnectomeZoo recorded at several epochs"):
        DynamicsExplorer(zoo.graphs, dpi=DPI)
    unlabelled = type(zoo)(trained.graphs, [{k: v for k, v in r.items() if k != "epoch"} for r in trained.labels],
                           trained.metadata)
    with pytest.raises(ValueError, match="this zoo has no epoch label. Build it with"):
        DynamicsExplorer(unlabelled, dpi=DPI)
    with pytest.raises(ValueError, match="dynamics must be fcviz.training_dynamics"):
        DynamicsExplorer(zoo, dynamics=training_dynamics(zoo, by="network", n_repeats=1, n_permutations=9), dpi=DPI)
    with pytest.raises(ValueError, match="dynamics must be fcviz.training_dynamics"):
        explorer.set_zoo(zoo, dynamics=zoo.summary())
    with pytest.raises(ValueError, match="has epoch"):
        explorer.set_zoo(trained)
    assert explorer.zoo is zoo and explorer.dynamics_ is dynamics  # unchanged

    two = zoo.select(epoch=0).graphs, zoo.at_epoch(3).graphs  # a smaller zoo: epochs 0 and 3 of the same networks
    small = type(zoo)(np.concatenate(two), zoo.at_epoch(0).labels + zoo.at_epoch(3).labels, zoo.metadata)
    figures = dict(explorer.figures_)
    assert explorer.set_zoo(small) is explorer
    assert explorer.epochs_ == (0, 3) and explorer.epoch.max == explorer.play.max == 1 and explorer.frames_.keys() == {
        (0, "vanilla", explorer.network.value, "layer")}
    assert explorer.dynamics_.epochs == (0, 3) and explorer.figures_ == figures
    explorer.epoch.value = 1
    np.testing.assert_array_equal(explorer.displays_["connectome"].im_.get_array(), _graph(zoo, "vanilla", 0, 3))


def test_a_failing_frame_reports_in_the_status_line_and_keeps_the_last_view(zoo, explorer, monkeypatch):
    explorer.epoch.value = 1
    before, selection = _pngs(explorer), dict(explorer.selection_)

    def broken(graph):
        raise RuntimeError("no layout today")

    monkeypatch.setattr(dynamics_module, "spanning_tree_layout", broken)  # the tree panel's limits of a new network
    explorer.network.value = explorer.network.options[1][1]
    assert "⚠ no layout today" in explorer.status.value and "RuntimeError" in explorer.last_error_
    assert _pngs(explorer) == before and explorer.selection_ == selection
    assert "epoch 1" in explorer.epoch_label.value
    monkeypatch.undo()
    explorer.epoch.value = 2  # the next change works again
    assert "⚠" not in explorer.status.value and explorer.selection_["network"] == 1
    np.testing.assert_array_equal(explorer.graph_, _graph(zoo, "vanilla", 1, 2))


def test_many_changes_add_no_artists_and_no_pyplot_figure(explorer):
    counts = {name: [len(ax.get_children()) for ax in fig.axes] for name, fig in explorer.figures_.items()}
    strategies = explorer.strategy.options
    for i in range(40):
        control, value = [(explorer.epoch, i % 4), (explorer.strategy, strategies[i % 4]),
                          (explorer.network, explorer.network.options[i % 2][1]),
                          (explorer.order, ("final", "layer")[i % 2])][i % 4]
        control.value = value
    assert {name: [len(ax.get_children()) for ax in fig.axes] for name, fig in explorer.figures_.items()} == counts
    assert explorer.last_error_ is None and plt.get_fignums() == []


def _gif_frames(path):
    """Every frame of a GIF, decoded to RGB arrays, and their durations in ms."""
    frames, durations = [], []
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        for k in range(gif.n_frames):
            gif.seek(k)
            frames.append(np.asarray(gif.convert("RGB"), dtype=float))
            durations.append(gif.info["duration"])
    return frames, durations


def test_gif_shows_each_epoch_in_turn(zoo, dynamics, explorer, tmp_path):
    path = save_animation(zoo, tmp_path / "anim" / "l2.gif", strategy="l2", network=1, order="final",
                          dynamics=dynamics, fps=4, dpi=DPI)
    assert path == tmp_path / "anim" / "l2.gif"
    decoded, durations = _gif_frames(path)
    assert len(decoded) == 4 and durations == [250, 250, 250, 500]  # the trained network stays twice as long

    # the same selection in the explorer: every epoch drawn from that epoch's data
    explorer.strategy.value = "l2"
    explorer.network.value = explorer.network.options[1][1]
    explorer.order.value = "final"
    order = spanning_tree_order(_graph(zoo, "l2", 1, 3))
    for index, epoch in enumerate(EPOCHS):
        explorer.epoch.value = index
        graph = _graph(zoo, "l2", 1, epoch)
        np.testing.assert_array_equal(explorer.displays_["connectome"].im_.get_array(), graph[np.ix_(order, order)])
        np.testing.assert_array_equal(explorer.displays_["persistence"].highlight_["deaths"].get_ydata(),
                                      birth_death(graph).deaths)
    frames = explorer.animation_frames()  # those PNGs, composed as on screen
    assert len(frames) == 4 and len(explorer.frames_) >= 4
    width = explorer.panels_["connectome"].image.layout.width  # the panels composed as on screen
    assert frames[0].width == 2 * int(width.removesuffix("px"))
    key = (EPOCHS[2], "l2", explorer.network.value, "final")
    top_left = np.asarray(Image.open(io.BytesIO(explorer.frames_[key]["connectome"])).convert("RGB"))
    np.testing.assert_array_equal(np.asarray(frames[2])[:top_left.shape[0], :top_left.shape[1]], top_left)
    expected = [np.asarray(frame, dtype=float) for frame in frames]
    # GIF frame k is the picture of epoch k: equal up to the GIF palette's rounding (mean error well
    # under 2 of 255), and far from every other epoch's picture (the epochs' pictures differ)
    error = np.array([[np.abs(gif - picture).mean() for picture in expected] for gif in decoded])
    assert np.all(np.diag(error) < 2.0), error
    assert np.all(error[~np.eye(4, dtype=bool)] > 4.0), error

    renders = _renders(explorer)
    explorer.save_gif(tmp_path / "again.gif")
    assert _renders(explorer) == renders  # from the cache
    again, _ = _gif_frames(tmp_path / "again.gif")
    assert len(again) == 4
    assert all(np.abs(a - e).mean() < 2.0 for a, e in zip(again, expected))

    with pytest.raises(ValueError, match="strategy must be one of"):
        save_animation(zoo, tmp_path / "x.gif", strategy="sgd", dynamics=dynamics, dpi=DPI)
    with pytest.raises(ValueError, match=r"network must be an integer in \[0, 1\]; got 2. It is a position"):
        save_animation(zoo, tmp_path / "x.gif", network=2, dynamics=dynamics, dpi=DPI)
    with pytest.raises(ValueError, match="snapshot_epochs"):
        save_animation(zoo.at_epoch(3), tmp_path / "x.gif", dpi=DPI)
    assert not (tmp_path / "x.gif").exists()


def test_command_line_writes_the_table_and_the_gif(tmp_path, monkeypatch, capsys):
    from fcviz.__main__ import main

    monkeypatch.setenv("FCVIZ_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "out"
    assert main(["dynamics", "--regularizers", "vanilla,l2", "--networks", "2", "--epochs", "2", "--repeats", "2",
                 "--permutations", "19", "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"Table written to {(out / 'dynamics.txt').resolve()}" in printed
    assert f"Animation written to {(out / 'dynamics.gif').resolve()}" in printed
    assert (out / "dynamics.txt").read_text().startswith("epoch")
    frames, _ = _gif_frames(out / "dynamics.gif")
    assert len(frames) == 3  # epochs 0, 1, 2, each its own picture
    assert all(np.abs(frames[i] - frames[j]).mean() > 1.0 for i, j in ((0, 1), (0, 2), (1, 2)))
