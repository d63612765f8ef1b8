"""Tests for fcviz.zoo: grid and labels, pairing, cache key, atomic writes, corruption recovery, arguments."""

import logging
import os
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.optim.optimizer import register_optimizer_step_post_hook

import fcviz._zoo_cache as zoo_cache
import fcviz.zoo as zoo_module
from fcviz.progress import BuildCancelled, BuildProgress
from fcviz.zoo import REGULARIZERS, ConnectomeZoo, connectome_zoo, zoo_cache_key

TINY = dict(n_networks=2, epochs=1, n_stimuli=30, n_train=120, progress=False)


def _assert_graphs(G):
    assert G.dtype == np.float64 and G.ndim == 3
    assert np.array_equal(G, G.transpose(0, 2, 1))
    assert not np.diagonal(G, axis1=1, axis2=2).any()
    assert G.min() >= 0 and G.max() <= 1


@pytest.fixture
def fake_build(monkeypatch):
    """Replace training by a fast deterministic stand-in; count the builds."""
    calls = []

    def build(settings, progress):
        calls.append(settings)
        n_sets = 1 if settings["classes"] is None else len(settings["classes"])
        n = len(settings["regularizers"]) * n_sets * settings["n_networks"]
        rng = np.random.default_rng(settings["seed"])
        upper = np.triu(rng.uniform(size=(n, 5, 5)), 1)
        labels = [
            {"regularizer": r, "stimulus_class": c, "network_seed": 100 + k, "network": k,
             "epoch": settings["epochs"], "train_accuracy": 0.5}
            for r in settings["regularizers"]
            for c in (settings["classes"] or [None])
            for k in range(settings["n_networks"])
        ]
        meta = {"settings": settings, "train_accuracy": [0.5] * n, "n_dead": [0] * n, "timings": {}}
        return upper + upper.transpose(0, 2, 1), labels, meta

    monkeypatch.setattr(zoo_module, "_build", build)
    return calls


def _entry(tmp_path):
    files = list((tmp_path / "zoo").iterdir())
    assert len(files) == 1, files
    return files[0]


# ------------------------------------------------------------------------------------------------
# Real (tiny) builds


def test_tiny_zoo_build_and_cache_hit(tmp_path, monkeypatch):
    zoo = connectome_zoo(regularizers=["vanilla", "batch_norm"], cache_dir=tmp_path, **TINY)
    assert isinstance(zoo, ConnectomeZoo) and not zoo.from_cache
    assert zoo.graphs.shape == (4, 48, 48) and len(zoo) == 4 and zoo.n_nodes == 48
    _assert_graphs(zoo.graphs)
    assert [row["regularizer"] for row in zoo.labels] == ["vanilla"] * 2 + ["batch_norm"] * 2
    assert all(row["stimulus_class"] is None for row in zoo.labels)
    assert len({row["network_seed"] for row in zoo.labels}) == 4
    meta = zoo.metadata
    assert meta["settings"]["epochs"] == 1 and meta["settings"]["n_stimuli"] == 30
    assert len(meta["train_accuracy"]) == 4
    counts = np.array(meta["train_accuracy"]) * TINY["n_train"]  # correct images out of the 120 trained on
    np.testing.assert_allclose(counts, np.round(counts), rtol=0, atol=1e-9)
    assert ((counts >= 0) & (counts <= TINY["n_train"])).all()
    assert meta["layer_sizes"] == [32, 16] and sum(meta["layer_sizes"]) == zoo.n_nodes
    assert set(meta["timings"]) >= {"train_s", "connectome_s", "total_s"}
    codes, names = zoo.group_labels()
    assert codes.tolist() == [0, 0, 1, 1] and names == ["vanilla", "batch_norm"]

    def no_training(*args, **kwargs):
        raise AssertionError("a cache hit must not train")

    monkeypatch.setattr(zoo_module, "_build", no_training)
    again = connectome_zoo(regularizers=["vanilla", "batch_norm"], cache_dir=tmp_path, **TINY)
    assert again.from_cache and again.cache_path == zoo.cache_path
    np.testing.assert_array_equal(again.graphs, zoo.graphs)
    assert again.labels == zoo.labels and again.metadata == zoo.metadata
    assert not again.graphs.flags.writeable


def test_pairing_fresh_versus_shared(tmp_path):
    common = dict(regularizers="l2", classes=[0, 3], cache=False, **TINY)
    fresh = connectome_zoo(pairing="fresh", **common)
    shared = connectome_zoo(pairing="shared", **common)
    for zoo in (fresh, shared):
        assert zoo.graphs.shape == (4, 48, 48)
        assert [row["stimulus_class"] for row in zoo.labels] == [0, 0, 3, 3]
        _assert_graphs(zoo.graphs)
    assert len({row["network_seed"] for row in fresh.labels}) == 4  # no network appears twice
    assert [row["network"] for row in fresh.labels] == [0, 1, 2, 3]
    assert [row["network_seed"] for row in shared.labels[:2]] == [row["network_seed"] for row in shared.labels[2:]]
    # the shared set is the fresh set of the first class: same networks, same stimuli
    np.testing.assert_array_equal(shared.graphs[:2], fresh.graphs[:2])
    assert not np.allclose(shared.graphs[2:], fresh.graphs[2:], rtol=0, atol=1e-3)  # other networks, stimuli
    codes, names = fresh.group_labels("stimulus_class")
    assert codes.tolist() == [0, 0, 1, 1] and names == [0, 3]


@pytest.mark.slow
def test_classroom_preset_build(tmp_path):
    zoo = connectome_zoo(cache_dir=tmp_path, progress=False)
    assert zoo.graphs.shape == (32, 48, 48)
    _assert_graphs(zoo.graphs)
    assert zoo.group_labels()[1] == list(REGULARIZERS)


# ------------------------------------------------------------------------------------------------
# ConnectomeZoo helpers


def test_group_labels_select_and_columns(fake_build, tmp_path):
    zoo = connectome_zoo(classes=[1, 2], n_networks=3, cache=False, progress=False)
    assert len(zoo) == 4 * 2 * 3
    codes, names = zoo.group_labels(("regularizer", "stimulus_class"))
    assert names[:2] == [("vanilla", 1), ("vanilla", 2)] and codes.max() == 7
    sub = zoo.select(regularizer="l2", stimulus_class=2)
    assert len(sub) == 3 and {row["regularizer"] for row in sub.labels} == {"l2"}
    assert len(sub.metadata["train_accuracy"]) == 3
    assert zoo.label_column("stimulus_class").tolist()[:3] == [1, 1, 1]
    for bad in ("colour", None, ()):
        with pytest.raises(ValueError, match="by must be one of"):
            zoo.group_labels(bad)
    with pytest.raises(ValueError, match="Cannot select by"):
        zoo.select(colour="red")
    with pytest.raises(ValueError, match="No row matches"):
        zoo.select(regularizer="nope")
    with pytest.raises(ValueError, match="Unknown label column"):
        zoo.label_column("colour")
    assert "n_graphs=24" in repr(zoo)


# ------------------------------------------------------------------------------------------------
# Cache key


def _settings(**changes):
    args = dict(dataset="digits", regularizers=REGULARIZERS, classes=None, n_networks=None, preset="classroom",
                seed=0, pairing="fresh")
    overrides = {k: changes.pop(k) for k in list(changes) if k not in args}
    args.update(changes)
    args["classes"] = zoo_module._check_classes(args["classes"])
    return zoo_module._resolve_settings(overrides=overrides, **args)


def test_key_changes_with_every_setting(monkeypatch):
    variants = [
        {}, {"dataset": "mnist"}, {"regularizers": ["vanilla", "l2"]}, {"classes": [0]}, {"classes": [1]},
        {"n_networks": 3}, {"preset": "paper"}, {"seed": 1}, {"pairing": "shared"}, {"epochs": 2},
        {"n_stimuli": 50}, {"n_train": 500}, {"batch_size": 25}, {"lr": 0.02}, {"momentum": 0.5},
        {"device": "cpu"}, {"p": 0.3}, {"weight_decay": 1e-2}, {"hidden": [16, 8]}, {"negative_slope": 0.1},
    ]
    keys = [zoo_cache_key(_settings(**v)) for v in variants]
    assert len(set(keys)) == len(keys)
    monkeypatch.setattr(zoo_cache, "FORMAT_VERSION", zoo_cache.FORMAT_VERSION + 1)
    assert zoo_cache_key(_settings()) not in keys


def test_equivalent_spellings_share_a_key():
    base = zoo_cache_key(_settings())
    assert zoo_cache_key(_settings(regularizers="all")) == base
    assert zoo_cache_key(_settings(dataset="Digits")) == base
    assert zoo_cache_key(_settings(n_networks=8, epochs=15)) == base  # the classroom defaults
    assert zoo_cache_key(_settings(classes="all")) == zoo_cache_key(_settings(classes=list(range(10))))
    assert zoo_cache_key(_settings(classes=4)) == zoo_cache_key(_settings(classes=[4]))


def test_strategy_hyperparameters_go_to_their_strategy():
    s = _settings(p=0.3, weight_decay=1e-2, negative_slope=0.1)
    hyper = s["hyperparameters"]
    assert hyper["dropout"] == {"p": 0.3, "negative_slope": 0.1}
    assert hyper["l2"] == {"weight_decay": 0.01, "negative_slope": 0.1}
    assert hyper["vanilla"] == hyper["batch_norm"] == {"negative_slope": 0.1}


# ------------------------------------------------------------------------------------------------
# Cache files: atomic writes, corruption recovery


def test_cache_roundtrip_and_env_dir(fake_build, tmp_path, monkeypatch):
    monkeypatch.setenv("FCVIZ_CACHE_DIR", str(tmp_path))
    zoo = connectome_zoo(classes=[0, 5], progress=False)
    path = _entry(tmp_path)
    assert zoo.cache_path == str(path) and path.name.startswith("digits-classroom-")
    with np.load(path, allow_pickle=False) as npz:  # no pickle needed to read it
        assert {"graphs", "metadata", "key", "checksum"} <= set(npz.files)
    again = connectome_zoo(classes=[0, 5], progress=False)
    assert len(fake_build) == 1 and again.from_cache
    np.testing.assert_array_equal(again.graphs, zoo.graphs)
    assert again.labels == zoo.labels
    assert [row["stimulus_class"] for row in again.labels[:16:8]] == [0, 5]


def test_cache_false_writes_nothing(fake_build, tmp_path):
    zoo = connectome_zoo(cache=False, cache_dir=tmp_path, progress=False)
    assert zoo.cache_path is None and not (tmp_path / "zoo").exists()
    connectome_zoo(cache=False, cache_dir=tmp_path, progress=False)
    assert len(fake_build) == 2


def test_crash_mid_write_leaves_no_partial_file(fake_build, tmp_path, monkeypatch):
    real_savez = np.savez

    def crashing_savez(file, **arrays):
        file.write(b"PK\x03\x04 half a zip file")
        raise KeyboardInterrupt  # e.g. the kernel interrupted while writing

    monkeypatch.setattr(zoo_module.np, "savez", crashing_savez)
    with pytest.raises(KeyboardInterrupt):
        connectome_zoo(cache_dir=tmp_path, progress=False)
    assert list((tmp_path / "zoo").iterdir()) == []  # neither the final name nor a temp file
    monkeypatch.setattr(zoo_module.np, "savez", real_savez)
    connectome_zoo(cache_dir=tmp_path, progress=False)
    assert connectome_zoo(cache_dir=tmp_path, progress=False).from_cache
    assert len(fake_build) == 2


def test_unwritable_cache_is_logged_not_fatal(fake_build, tmp_path, monkeypatch, caplog):
    def fail(path, arrays):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(zoo_cache, "write_atomic", fail)
    with caplog.at_level(logging.WARNING, logger="fcviz.zoo"):
        zoo = connectome_zoo(cache_dir=tmp_path, progress=False)
    assert zoo.cache_path is None and "Could not write" in caplog.text


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _garble(path):
    data = bytearray(path.read_bytes())
    for i in range(200, 260):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _not_a_zip(path):
    path.write_text("hello")


def _rewrite(path, **changes):
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays.update(changes)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def _bad_checksum(path):
    with np.load(path, allow_pickle=False) as npz:
        graphs = npz["graphs"].copy()
    graphs[0, 0, 1] = graphs[0, 1, 0] = 0.123
    _rewrite(path, graphs=graphs)


def _wrong_shapes(path):
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files if k != "checksum"}
    arrays["graphs"] = arrays["graphs"][:3]
    arrays["checksum"] = np.array(zoo_module._checksum(arrays))  # a consistent, but wrong, entry
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def _missing_array(path):
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files if k != "network"}
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def _pickled(path):
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["metadata"] = np.array([{"evil": True}], dtype=object)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


@pytest.mark.parametrize(
    "corrupt, reason",
    [
        (_truncate, "unreadable"),
        (_garble, "unreadable|checksum"),
        (_not_a_zip, "unreadable"),
        (_bad_checksum, "checksum mismatch"),
        (_wrong_shapes, "expected 32 graphs"),
        (_missing_array, "missing arrays"),
        (_pickled, "unreadable"),
    ],
)
def test_corrupt_entry_is_logged_and_rebuilt(fake_build, tmp_path, caplog, corrupt, reason):
    first = connectome_zoo(cache_dir=tmp_path, progress=False)
    path = _entry(tmp_path)
    corrupt(path)
    with caplog.at_level(logging.WARNING, logger="fcviz.zoo"):
        rebuilt = connectome_zoo(cache_dir=tmp_path, progress=False)
    assert not rebuilt.from_cache and len(fake_build) == 2
    assert "corrupt" in caplog.text and str(path) in caplog.text
    assert any(__import__("re").search(reason, r.getMessage()) for r in caplog.records)
    np.testing.assert_array_equal(rebuilt.graphs, first.graphs)
    assert connectome_zoo(cache_dir=tmp_path, progress=False).from_cache  # a valid entry again
    assert zipfile.is_zipfile(path) and len(os.listdir(path.parent)) == 1


# ------------------------------------------------------------------------------------------------
# Invalid arguments, all rejected before any training


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"dataset": 3}, "dataset must be a name"),
        ({"dataset": "imagenet"}, "Unknown dataset"),
        ({"regularizers": []}, "regularizers is empty"),
        ({"regularizers": ["vanilla", "sgd"]}, "Unknown regularizer"),
        ({"regularizers": ["l2", "l2"]}, "duplicates"),
        ({"regularizers": 5}, "regularizers must be"),
        ({"classes": []}, "classes is empty"),
        ({"classes": [-1]}, "non-negative integers"),
        ({"classes": [10]}, r"0 \.\. 9"),
        ({"classes": [1.5]}, "non-negative integers"),
        ({"classes": [1, 1]}, "duplicates"),
        ({"classes": "some"}, "classes must be"),
        ({"n_networks": 0}, "n_networks must be"),
        ({"n_networks": 2.0}, "n_networks must be"),
        ({"n_networks": True}, "n_networks must be"),
        ({"preset": "huge"}, "preset must be one of"),
        ({"seed": -1}, "seed must be"),
        ({"seed": 1.5}, "seed must be"),
        ({"cache": "yes"}, "cache must be"),
        ({"cache_dir": 3}, "cache_dir must be"),
        ({"progress": None}, "progress must be"),
        ({"pairing": "paired"}, "pairing must be"),
        ({"epochs": 0}, "epochs must be"),
        ({"n_stimuli": 1}, "n_stimuli must be"),
        ({"n_train": 0}, "n_train must be"),
        ({"batch_size": 0}, "batch_size must be"),
        ({"lr": 0}, "lr must be"),
        ({"lr": "fast"}, "lr must be"),
        ({"momentum": 1.0}, "momentum must be"),
        ({"regularizers": ["vanilla"], "p": 0.3}, "applies only to the \\['dropout'\\]"),
        ({"p": 1.5}, "p must be"),
        ({"colour": "red"}, "Unknown hyperparameter"),
        ({"hidden": "wide"}, "hidden must be"),
        ({"negative_slope": float("nan")}, "must be finite"),
        ({"device": object()}, "cannot be part of the cache key"),
        ({"snapshot_epochs": 5}, "snapshot_epochs must be None or a sequence of epochs"),
        ({"snapshot_epochs": []}, "snapshot_epochs is empty"),
        ({"snapshot_epochs": [0, 16]}, r"snapshot_epochs\[1\] must be an integer in \[0, 15\]; got 16"),
        ({"snapshot_epochs": [0, 3], "epochs": 2}, r"snapshot_epochs\[1\] must be an integer in \[0, 2\]"),
        ({"snapshot_epochs": [2, 2]}, "must not repeat an epoch"),
        ({"snapshot_epochs": ["0"]}, r"snapshot_epochs\[0\] must be an integer"),
    ],
)
def test_invalid_arguments(kwargs, match, monkeypatch, tmp_path):
    def no_build(settings, progress):
        raise AssertionError("built despite an invalid argument")

    monkeypatch.setattr(zoo_module, "_build", no_build)
    with pytest.raises(ValueError, match=match):
        connectome_zoo(**{"cache_dir": tmp_path, "progress": False, **kwargs})
    assert not (tmp_path / "zoo").exists()


# ------------------------------------------------------------------------------------------------
# Progress and cancellation


def _no_entry(tmp_path):
    folder = tmp_path / "zoo"
    return not folder.exists() or list(folder.iterdir()) == []


def test_progress_callback_is_monotone_and_ends_at_the_total(tmp_path):
    settings = dict(regularizers=["vanilla", "l2"], classes=[0, 3], cache_dir=tmp_path, **{**TINY, "epochs": 3})
    reports = []
    connectome_zoo(progress_callback=reports.append, **settings)
    total = 2 * 2 * 3  # pairing="fresh": one training run per (regularizer, class), 3 epochs each
    assert all(isinstance(r, BuildProgress) for r in reports)
    assert {r.total for r in reports} == {total}
    done = [r.done for r in reports]
    assert done == sorted(done) and done[0] == 0
    stages = [r.stage for r in reports]
    assert stages[0] == "stimuli" and stages.count("train") == total and stages.count("record") == 4
    assert (reports[-1].stage, reports[-1].done) == ("done", total)
    again = []  # neither argument is part of the cache key
    zoo = connectome_zoo(progress_callback=again.append, cancel=threading.Event(), **settings)
    assert zoo.from_cache and [(r.stage, r.done, r.total) for r in again] == [("done", total, total)]


def test_progress_bar_advances_per_epoch(capsys):
    connectome_zoo(regularizers="vanilla", cache=False, **{**TINY, "epochs": 3, "progress": True})
    err = capsys.readouterr().err
    assert "3/3 [" in err and "epoch" in err  # one step per epoch, not one per training run


def test_cancel_stops_a_build_at_the_next_batch_and_caches_nothing(tmp_path):
    settings = dict(regularizers=["vanilla", "l2"], cache_dir=tmp_path)
    stop, reports, steps = threading.Event(), [], []
    handle = register_optimizer_step_post_hook(lambda optimizer, args, kwargs: steps.append(1))

    def on_report(report):
        reports.append((report.stage, report.done, len(steps)))
        if report.stage == "train":
            stop.set()  # cancel at the end of the first training epoch

    try:
        with pytest.raises(BuildCancelled, match="cancelled"):
            connectome_zoo(cancel=stop, progress_callback=on_report, **settings, **{**TINY, "epochs": 100_000})
    finally:
        handle.remove()
    # one epoch of 120 images in batches of 50, 50, 20 was trained; nothing after the cancel
    assert reports == [("stimuli", 0, 0), ("train", 1, 3)] and len(steps) == 3
    assert _no_entry(tmp_path)  # neither an entry nor a temporary file
    zoo = connectome_zoo(cancel=threading.Event(), **settings, **TINY)  # a normal build afterwards
    assert not zoo.from_cache and _entry(tmp_path) == Path(zoo.cache_path)
    assert connectome_zoo(**settings, **TINY).from_cache


def test_cancel_at_the_last_step_writes_nothing(tmp_path):
    stop = threading.Event()

    def on_report(report):
        if report.stage == "record" and report.done == report.total:
            stop.set()  # the build is complete, but it was cancelled before it returned

    with pytest.raises(BuildCancelled):
        connectome_zoo(regularizers="vanilla", cache_dir=tmp_path, cancel=stop, progress_callback=on_report, **TINY)
    assert _no_entry(tmp_path)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"progress_callback": "print"}, "progress_callback must be None or a callable"),
     ({"cancel": True}, "cancel must be None or an object with an is_set")],
)
def test_invalid_progress_arguments(kwargs, match, monkeypatch, tmp_path):
    def no_build(settings, progress):
        raise AssertionError("built despite an invalid argument")

    monkeypatch.setattr(zoo_module, "_build", no_build)
    with pytest.raises(ValueError, match=match):
        connectome_zoo(cache_dir=tmp_path, progress=False, **kwargs)


# ------------------------------------------------------------------------------------------------
# Trained weights: models() and recorded_over()

WEIGHTED = dict(regularizers=["batch_norm", "dropout"], **TINY)


@pytest.fixture(scope="module")
def weighted_zoo(tmp_path_factory):
    return connectome_zoo(cache_dir=tmp_path_factory.mktemp("weighted"), **WEIGHTED)


def test_cache_entry_keeps_the_trained_weights(tmp_path):
    zoo = connectome_zoo(cache_dir=tmp_path, **WEIGHTED)
    assert zoo_module.FORMAT_VERSION == 2
    with np.load(zoo.cache_path, allow_pickle=False) as npz:
        assert "state/batch_norm/hidden1.norm.running_mean" in npz.files
        assert npz["state/dropout/hidden1.linear.weight"].dtype == np.float32
        assert npz["state/dropout/hidden1.linear.weight"].shape == (2, 32, 64)
    cached = connectome_zoo(cache_dir=tmp_path, **WEIGHTED)
    assert cached.from_cache
    built, loaded = zoo.models(), cached.models()
    assert list(built) == list(loaded) == [("batch_norm", 0), ("batch_norm", 1), ("dropout", 0), ("dropout", 1)]
    for key, model in built.items():
        assert not model.training and not loaded[key].training
        for name, tensor in model.state_dict().items():
            assert torch.equal(tensor, loaded[key].state_dict()[name]), (key, name)
    before = torch.random.get_rng_state()
    zoo.models()
    assert torch.equal(torch.random.get_rng_state(), before)  # the caller's random state is untouched


def test_recording_over_the_zoos_own_stimuli_reproduces_it(tmp_path):
    zoo = connectome_zoo(cache_dir=tmp_path, **WEIGHTED)
    cached = connectome_zoo(cache_dir=tmp_path, **WEIGHTED)
    for source in (zoo, cached):  # built now, and read back from the cache
        again = source.recorded_over(None, cache=False, progress=False)
        np.testing.assert_allclose(again.graphs, zoo.graphs, rtol=0, atol=1e-12)
        assert again.labels == zoo.labels and again.network_states is source.network_states
    sub = zoo.select(regularizer="dropout")
    assert list(sub.models()) == [("dropout", 0), ("dropout", 1)]
    np.testing.assert_allclose(sub.recorded_over(None, cache=False, progress=False).graphs, sub.graphs,
                               rtol=0, atol=1e-12)


def test_class_specific_recording_differs_and_is_cached(weighted_zoo, monkeypatch):
    from fcviz.connectome import functional_connectomes
    from fcviz.datasets import load_stimuli

    zoo = weighted_zoo
    threes = zoo.recorded_over(3, progress=False)
    assert not threes.from_cache and threes.graphs.shape == zoo.graphs.shape
    _assert_graphs(threes.graphs)
    assert [row["stimulus_class"] for row in threes.labels] == [3] * 4
    assert [row["network_seed"] for row in threes.labels] == [row["network_seed"] for row in zoo.labels]
    assert not np.allclose(threes.graphs, zoo.graphs)
    assert threes.metadata["recorded_from"] == zoo.metadata["key"] and threes.metadata["recorded_over"] == [3]
    assert Path(threes.cache_path).parent == Path(zoo.cache_path).parent != Path(threes.cache_path)
    # the zoo's stimulus rules: held-out images of class 3, at most n_stimuli of them, split by the zoo's seed
    X, y = load_stimuli("digits", classes=3, n=TINY["n_stimuli"], seed=0)
    direct = functional_connectomes(list(zoo.models().values()), X, warn_dead=False)
    np.testing.assert_allclose(threes.graphs, np.stack([c.weights for c in direct]), rtol=0, atol=1e-6)
    both = zoo.recorded_over([3, 5], progress=False)
    assert [row["stimulus_class"] for row in both.labels] == [3, 3, 5, 5, 3, 3, 5, 5]
    np.testing.assert_allclose(both.graphs[[0, 1, 4, 5]], threes.graphs, rtol=0, atol=1e-12)

    def no_recording(*args, **kwargs):
        raise AssertionError("a cache hit must not record")

    monkeypatch.setattr(zoo_module, "_record_networks", no_recording)
    again = zoo.recorded_over(3, progress=False)
    assert again.from_cache and again.labels == threes.labels
    np.testing.assert_array_equal(again.graphs, threes.graphs)
    assert list(again.models()) == list(zoo.models())  # the weights stay in the zoo's own entry


def test_recorded_over_a_fresh_study2_zoo():
    zoo = connectome_zoo(regularizers="l2", classes=[0, 3], cache=False, **TINY)  # networks 0, 1 | 2, 3
    both = zoo.recorded_over([0, 3], cache=False, progress=False)
    assert [(row["stimulus_class"], row["network"]) for row in both.labels] == [
        (0, 0), (0, 1), (0, 2), (0, 3), (3, 0), (3, 1), (3, 2), (3, 3)]
    np.testing.assert_allclose(both.graphs[[0, 1, 6, 7]], zoo.graphs, rtol=0, atol=1e-12)
    assert zoo.recorded_over(5, progress=False).cache_path is None  # an uncached zoo: no cache by default


def test_recorded_over_reports_progress_and_can_be_cancelled(weighted_zoo, tmp_path):
    reports = []
    weighted_zoo.recorded_over(5, cache_dir=tmp_path, progress=False, progress_callback=reports.append)
    assert [(r.stage, r.done, r.total) for r in reports] == [
        ("stimuli", 0, 4), ("record", 2, 4), ("record", 4, 4), ("done", 4, 4)]
    stop = threading.Event()
    stop.set()
    with pytest.raises(BuildCancelled):
        weighted_zoo.recorded_over(6, cache_dir=tmp_path, progress=False, cancel=stop)
    assert len(list((tmp_path / "zoo").iterdir())) == 1  # only the class-5 entry


def test_corrupt_recorded_entry_is_rebuilt(weighted_zoo, tmp_path, caplog):
    first = weighted_zoo.recorded_over(7, cache_dir=tmp_path, progress=False)
    _truncate(Path(first.cache_path))
    with caplog.at_level(logging.WARNING, logger="fcviz.zoo"):
        rebuilt = weighted_zoo.recorded_over(7, cache_dir=tmp_path, progress=False)
    assert not rebuilt.from_cache and "corrupt" in caplog.text and first.cache_path in caplog.text
    np.testing.assert_array_equal(rebuilt.graphs, first.graphs)
    assert weighted_zoo.recorded_over(7, cache_dir=tmp_path, progress=False).from_cache


def test_entry_with_inconsistent_weights_is_rebuilt(tmp_path, caplog):
    zoo = connectome_zoo(cache_dir=tmp_path, **WEIGHTED)
    path = Path(zoo.cache_path)
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files if k != "checksum"}
    arrays["state/dropout/output.bias"] = arrays["state/dropout/output.bias"][:1]
    arrays["checksum"] = np.array(zoo_module._checksum(arrays))  # consistent, but wrong
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    with caplog.at_level(logging.WARNING, logger="fcviz.zoo"):
        rebuilt = connectome_zoo(cache_dir=tmp_path, **WEIGHTED)
    assert not rebuilt.from_cache and "weights" in caplog.text
    np.testing.assert_array_equal(rebuilt.graphs, zoo.graphs)
    assert len(rebuilt.models()) == 4


def test_zoo_without_weights_says_how_to_fix(fake_build):
    zoo = connectome_zoo(cache=False, progress=False)
    with pytest.raises(ValueError, match="needs the trained weights.*rebuild the zoo"):
        zoo.models()
    with pytest.raises(ValueError, match="needs the trained weights"):
        zoo.recorded_over(3)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"classes": [10]}, r"0 \.\. 9"), ({"classes": "some"}, "classes must be"), ({"classes": [2, 2]}, "duplicates"),
     ({"cache": 1}, "cache must be"), ({"progress": "yes"}, "progress must be"),
     ({"cache_dir": 3}, "cache_dir must be"), ({"progress_callback": 1}, "progress_callback must be"), ({"cancel": 1}, "cancel must be")],
)
def test_recorded_over_invalid_arguments(weighted_zoo, kwargs, match, monkeypatch):
    def no_recording(*args, **kw):
        raise AssertionError("recorded despite an invalid argument")

    monkeypatch.setattr(zoo_module, "_record_networks", no_recording)
    with pytest.raises(ValueError, match=match):
        weighted_zoo.recorded_over(**{"classes": 1, "progress": False, **kwargs})


# ------------------------------------------------------------------------------------------------
# Snapshots during training: the epoch column

SNAPSHOT = dict(regularizers=["vanilla", "batch_norm"], n_networks=2, epochs=2, n_stimuli=30, n_train=120,
                progress=False)


def test_snapshot_zoo_records_each_epoch_and_caches(tmp_path, monkeypatch):
    from fcviz.connectome import functional_connectome
    from fcviz.datasets import load_stimuli
    from fcviz.models import make_model

    zoo = connectome_zoo(cache_dir=tmp_path, snapshot_epochs=[2, 0, 1], **SNAPSHOT)
    assert zoo.epochs == [0, 1, 2] and zoo.graphs.shape == (12, 48, 48)
    _assert_graphs(zoo.graphs)
    assert [row["epoch"] for row in zoo.labels] == [0] * 4 + [1] * 4 + [2] * 4  # by epoch, then grid order
    assert zoo.metadata["settings"]["snapshot_epochs"] == [0, 1]  # the last epoch is the trained networks
    assert zoo.label_column("epoch").tolist() == [row["epoch"] for row in zoo.labels]
    assert [row["train_accuracy"] for row in zoo.labels[:4]] == [None] * 4
    assert zoo.metadata["train_accuracy"] == [row["train_accuracy"] for row in zoo.labels]
    assert "snapshot_s" in zoo.metadata["timings"] and "epochs=[0, 1, 2]" in repr(zoo)
    assert "at epochs [0, 1, 2]" in zoo._repr_html_() and "<td>2</td>" in zoo._repr_html_()

    # the last epoch is exactly the zoo built without snapshots: snapshots change nothing
    plain = connectome_zoo(cache=False, **SNAPSHOT)
    final = zoo.at_epoch(2)
    np.testing.assert_array_equal(final.graphs, plain.graphs)
    assert final.labels == plain.labels and [row["epoch"] for row in plain.labels] == [2] * 4
    # epoch 1 is the zoo trained for one epoch (a network's seeds do not depend on the epochs)
    one = connectome_zoo(cache=False, **{**SNAPSHOT, "epochs": 1})
    np.testing.assert_allclose(zoo.at_epoch(1).graphs, one.graphs, rtol=0, atol=1e-12)
    # epoch 0 is the untrained network: same init seed, same make_model path, same stimuli
    X, _ = load_stimuli("digits", split="stimuli", n=30, seed=0)
    for row, graph in zip(zoo.at_epoch(0).labels, zoo.at_epoch(0).graphs):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(row["network_seed"])
            untrained = make_model("digits", row["regularizer"])
        np.testing.assert_allclose(graph, functional_connectome(untrained, X).weights, rtol=0, atol=1e-12)
    assert not np.allclose(zoo.at_epoch(0).graphs, final.graphs)

    def no_training(*args, **kwargs):
        raise AssertionError("a cache hit must not train")

    monkeypatch.setattr(zoo_module, "_build", no_training)
    again = connectome_zoo(cache_dir=tmp_path, snapshot_epochs=[0, 1], **SNAPSHOT)  # same zoo, same key
    assert again.from_cache and again.cache_path == zoo.cache_path and again.epochs == [0, 1, 2]
    np.testing.assert_array_equal(again.graphs, zoo.graphs)
    assert again.labels == zoo.labels and again.metadata == zoo.metadata
    # recording the stored (trained) networks again: the last epoch's rows
    recorded = again.recorded_over(None, cache=False, progress=False)
    assert recorded.labels == final.labels and "snapshot_epochs" not in recorded.metadata["settings"]
    np.testing.assert_allclose(recorded.graphs, final.graphs, rtol=0, atol=1e-12)
    first = again.at_epoch(0).recorded_over(None, cache=False, progress=False)
    assert [row["epoch"] for row in first.labels] == [2] * 4 and first.labels[0]["train_accuracy"] is None


def test_at_epoch_select_and_group_by_epoch(fake_build):
    zoo = connectome_zoo(cache=False, progress=False)
    assert zoo.epochs == [15] and len(zoo.at_epoch(15)) == len(zoo) == len(zoo.select(epoch=15))
    codes, names = zoo.group_labels(("epoch", "regularizer"))
    assert names[0] == (15, "vanilla") and codes.max() == 3
    for bad in (3, "15", 15.0, True):
        with pytest.raises(ValueError, match=r"epoch must be one of this zoo's epochs \[15\]"):
            zoo.at_epoch(bad)
    with pytest.raises(ValueError, match="No row matches"):
        zoo.select(epoch=3)


def _settings_hash_at_0_1_0(settings):
    # the key hashes the fcviz version too; pin it, so this test watches the layout of the settings only
    return zoo_cache_key({**settings, "fcviz_version": "0.1.0"})


def test_snapshots_enter_the_cache_key_only_when_given():
    # computed before snapshots existed (fcviz 0.1.0, format 2): a zoo without snapshots keeps its key
    assert _settings_hash_at_0_1_0(_settings()) == "411dc4a72e5c695c368f0f924a0c70806b8a62721c2f4eaa25128c6b9eeadeb4"
    tiny = _settings(regularizers=("vanilla", "l2"), n_networks=2, epochs=2, n_stimuli=60, n_train=200)
    assert _settings_hash_at_0_1_0(tiny) == "7eb73c570be109fcc8e943b48e08cdf7d28baba845adadd9e7a2edfcfe461e0e"
    assert "snapshot_epochs" not in _settings()

    def key(snapshot_epochs):
        return zoo_cache_key(zoo_module._resolve_settings("digits", "all", None, None, "classroom", 0, "fresh", {},
                                                          snapshot_epochs=snapshot_epochs))

    base = zoo_cache_key(_settings())
    assert key(None) == base
    with_snapshots = key([0, 5])
    assert with_snapshots != base and with_snapshots != key([0, 6])
    assert key([5, 0, 15]) == with_snapshots  # any order; the last epoch is the trained networks anyway
    assert key([15]) == base  # only the trained networks: no snapshot


def test_entry_without_an_epoch_column_reads_as_trained_networks(fake_build, tmp_path, caplog):
    zoo = connectome_zoo(cache_dir=tmp_path, progress=False)
    path = _entry(tmp_path)
    with np.load(path, allow_pickle=False) as npz:  # as written before the epoch column existed
        arrays = {k: npz[k] for k in npz.files if k not in ("checksum", "epoch")}
    arrays["checksum"] = np.array(zoo_module._checksum(arrays))
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    with caplog.at_level(logging.WARNING, logger="fcviz.zoo"):
        again = connectome_zoo(cache_dir=tmp_path, progress=False)
    assert again.from_cache and "corrupt" not in caplog.text and len(fake_build) == 1
    assert again.labels == zoo.labels and again.epochs == [15]
