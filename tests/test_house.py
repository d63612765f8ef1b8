"""The house rules: one home per idea, one validator style, friendly edges, rich display."""

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import fcviz
from fcviz._validation import check_bool, check_int, check_option, check_real
from fcviz.registry import BASELINE_METHODS, DATASETS, METHODS, REGULARIZERS, stratified_indices

PACKAGE = Path(fcviz.__file__).parent


def _imported_names(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            for alias in node.names:
                yield node.module, alias.name


def test_no_module_imports_another_modules_private_name():
    offenders = [
        f"{path.relative_to(PACKAGE)}: from {module} import {name}"
        for path in PACKAGE.rglob("*.py")
        for module, name in _imported_names(path)
        if name.startswith("_") and not (name.startswith("__") and name.endswith("__"))
        and (module is None or module.startswith("fcviz") or not module.startswith(("sklearn", "torch")))
    ]
    assert offenders == []


def test_registry_is_the_one_home_and_is_torch_free():
    from fcviz import baselines, models, studies, zoo

    assert models.REGULARIZERS is REGULARIZERS and zoo.REGULARIZERS is REGULARIZERS
    assert studies.METHODS is METHODS and baselines.baseline_methods() is BASELINE_METHODS
    assert METHODS[:2] == ("Top", "Adj") and set(BASELINE_METHODS) < set(METHODS)
    assert list(DATASETS) == list(fcviz.list_datasets())
    code = "import sys, fcviz.registry, fcviz.summary, fcviz.tables; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_stratified_indices_keeps_proportions_and_is_deterministic():
    labels = np.repeat([0, 1, 2], [50, 30, 20])
    a = stratified_indices(labels, 10, np.random.default_rng(1))
    b = stratified_indices(labels, 10, np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    assert np.bincount(labels[a]).tolist() == [5, 3, 2] and np.all(np.diff(a) > 0)
    with pytest.raises(ValueError, match=r"n must be an integer in \[0, 100\]"):
        stratified_indices(labels, 101, np.random.default_rng(0))


@pytest.mark.parametrize("call, message", [
    (lambda: check_int(0, "n_networks", minimum=1), "n_networks must be a positive integer; got 0."),
    (lambda: check_int(True, "seed", minimum=0), "seed must be a non-negative integer; got True."),
    (lambda: check_int(2.0, "k", minimum=2, maximum=5), "k must be an integer in [2, 5]; got 2.0."),
    (lambda: check_int("3", "k", minimum=2, allow_none=True), "k must be an integer >= 2 or None; got '3'."),
    (lambda: check_real(1.5, "w", low=0, high=1), "w must be a number in [0, 1]; got 1.5."),
    (lambda: check_real(0, "lr", low=0, closed="neither"), "lr must be a number in (0, inf); got 0."),
    (lambda: check_real(float("nan"), "x"), "x must be a finite number; got nan."),
    (lambda: check_real(False, "x", low=0), "x must be a number in [0, inf); got False."),
    (lambda: check_option("k-medians", "init", ("k-means++", "random")),
     "init must be one of ['k-means++', 'random']; got 'k-medians'."),
    (lambda: check_option(1, "pool", (None, "channel")), "pool must be one of [None, 'channel']; got 1."),
    (lambda: check_bool("yes", "cache"), "cache must be True or False; got 'yes'."),
])
def test_one_message_style(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value) == message


def test_validators_return_clean_values():
    assert check_int(np.int64(3), "k") == 3 and type(check_int(np.int64(3), "k")) is int
    assert check_real(1, "w", low=0, high=1) == 1.0 and check_real(None, "w", allow_none=True) is None
    assert check_option(None, "pool", (None, "channel")) is None and check_bool(np.bool_(True), "b") is True


def test_train_networks_seed_defaults_to_zero():
    a = fcviz.train_networks("digits", "vanilla", 1, epochs=1, n_train=100, progress=False)
    b = fcviz.train_networks("digits", "vanilla", 1, epochs=1, n_train=100, progress=False, seed=0)
    for p, q in zip(a.models[0].parameters(), b.models[0].parameters()):
        torch.testing.assert_close(p, q, rtol=0, atol=0)


def test_stimuli_of_the_wrong_shape_name_both_shapes():
    model = fcviz.make_model("digits")
    with pytest.raises(ValueError) as info:
        fcviz.functional_connectome(model, torch.rand(10, 1, 28, 28))
    text = str(info.value)
    assert "(10, 1, 28, 28)" in text and "expects 64 values per stimulus" in text
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU())
    with pytest.raises(ValueError, match=r"shape \(5, 1, 8, 8\).*3 input channels at its first convolution"):
        fcviz.functional_connectome(net, torch.rand(5, 1, 8, 8), layers="1")


def test_channel_pooling_makes_one_node_per_channel():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 6, 3), torch.nn.Tanh(), torch.nn.Conv2d(6, 4, 3), torch.nn.Tanh())
    X = torch.rand(30, 1, 10, 10)
    full = fcviz.functional_connectome(net, X, layers=["1", "3"])
    pooled = fcviz.functional_connectome(net, X, layers=["1", "3"], pool="channel")
    assert full.n_nodes == 6 * 8 * 8 + 4 * 6 * 6 and pooled.n_nodes == 10 and pooled.layer_sizes == (6, 4)
    acts = fcviz.record_activations(net, X, ["1"], pool="channel")["1"]
    with torch.no_grad():
        expected = net[1](net[0](X)).mean(dim=(2, 3))
    torch.testing.assert_close(acts, expected)
    with pytest.raises(ValueError, match="pool must be one of"):
        fcviz.functional_connectome(net, X, layers="1", pool="spatial")


@pytest.mark.filterwarnings("ignore:.*zero variance:RuntimeWarning")  # random weights, 8 images: a few dead units
def test_channel_pooling_on_a_torchvision_resnet():
    torchvision = pytest.importorskip("torchvision")
    torch.manual_seed(0)
    net = torchvision.models.resnet18(weights=None)
    C = fcviz.functional_connectome(net, torch.rand(8, 3, 64, 64), layers=["layer3", "layer4"], pool="channel")
    assert C.layer_sizes == (256, 512) and np.asarray(C).shape == (768, 768)


def test_group_summary_matches_the_library(tmp_path):
    zoo = fcviz.connectome_zoo(n_networks=2, epochs=1, n_stimuli=40, cache_dir=tmp_path, progress=False)
    summary = zoo.summary()
    P = fcviz.birth_death(zoo.graphs)
    codes, names = zoo.group_labels()
    assert [row["group"] for row in summary.rows] == names
    for g, row in enumerate(summary.rows):
        B = fcviz.barycenter(P[np.flatnonzero(codes == g)])
        assert row["n_networks"] == 2
        assert row["spread"] == pytest.approx(B.mean_distance) and row["mean_birth"] == pytest.approx(B.births.mean())
        assert row["mean_weight"] == pytest.approx(zoo.graphs[codes == g].mean())
    assert summary.to_text().splitlines()[0].split()[:2] == ["strategy", "networks"]
    with pytest.raises(ValueError, match="persistence must be"):
        zoo.summary(persistence=P[:3])

    html = zoo._repr_html_()
    assert html.startswith("<p>ConnectomeZoo: 8 connectomes of 48 hidden neurons") and "<td>dropout</td>" in html
    assert "<th>mean birth</th>" in summary._repr_html_()
    assert "<td>births</td><td>47</td>" in P._repr_html_()

    from fcviz.studies import training_strategies

    study = training_strategies(zoo=zoo, methods=["Top"], n_repeats=2)
    assert "<td>Top</td>" in study._repr_html_() and "8 graphs in 4 groups" in study._repr_html_()


def test_summaries_and_studies_of_a_snapshot_zoo_use_the_trained_networks(tmp_path):
    zoo = fcviz.connectome_zoo(n_networks=2, epochs=2, n_stimuli=40, snapshot_epochs=[0, 1], cache_dir=tmp_path,
                               progress=False)
    final = zoo.at_epoch(2)
    assert zoo.epochs == [0, 1, 2] and len(final) == 8
    np.testing.assert_array_equal(zoo.graphs[zoo.rows(epoch=2)], final.graphs)
    assert zoo.rows(epoch=7).size == 0
    assert zoo.summary().rows == final.summary().rows
    P = fcviz.birth_death(zoo.graphs)
    assert zoo.summary(persistence=P).rows == final.summary().rows
    by_epoch = zoo.summary(("epoch", "regularizer")).rows
    assert len(by_epoch) == 12 and sum(row["n_networks"] for row in by_epoch) == len(zoo)

    from fcviz.studies import training_strategies

    study = training_strategies(zoo=zoo, methods=["Top"], n_repeats=2)
    assert study.row("Top")["n_graphs"] == 8 and len(study.labels_true) == 8
