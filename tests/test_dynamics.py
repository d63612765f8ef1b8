"""Tests of fcviz.dynamics: the per-epoch analyses of a zoo with snapshots equal direct library calls."""

import numpy as np
import pytest

import fcviz
from fcviz import (
    TopClustering,
    barycenter,
    birth_death,
    connectome_zoo,
    permutation_test,
    purity_score,
    topological_distance,
)
from fcviz.dynamics import DynamicsResult, training_dynamics
from fcviz.synthetic import random_modular_graphs
from fcviz.zoo import ConnectomeZoo

TINY = dict(regularizers=["vanilla", "batch_norm"], n_networks=3, epochs=2, n_stimuli=60, n_train=200,
            snapshot_epochs=[0, 1, 2], cache=False, progress=False)
ANALYSIS = dict(n_repeats=3, n_permutations=49, random_state=5)


@pytest.fixture(scope="module")
def zoo():
    return connectome_zoo(**TINY)


@pytest.fixture(scope="module")
def result(zoo):
    return training_dynamics(zoo, **ANALYSIS)


def test_shapes_and_rows(zoo, result):
    assert isinstance(result, DynamicsResult) and fcviz.DynamicsResult is DynamicsResult
    assert fcviz.training_dynamics is training_dynamics
    assert result.epochs == (0, 1, 2) and result.group_names == ["vanilla", "batch_norm"]
    assert [r["epoch"] for r in result.per_epoch] == [0, 1, 2]
    assert all(r["n_graphs"] == 6 for r in result.per_epoch)
    assert [(r["epoch"], r["group"], r["n_networks"]) for r in result.per_group] == [
        (e, g, 3) for e in (0, 1, 2) for g in ("vanilla", "batch_norm")]
    assert len(result.per_network) == len(zoo) == 18
    assert result.purities.shape == (3, 3) and not result.purities.flags.writeable
    assert set(result.barycenters) == {(e, g) for e in (0, 1, 2) for g in ("vanilla", "batch_norm")}
    assert result.settings == {"by": "regularizer", **ANALYSIS}
    for e_index, r in enumerate(result.per_epoch):
        # the values a correct score can take: 6 graphs, so a purity counts 3 to 6 of them; a p-value
        # with the +1 correction over 49 relabellings is k / 50 with k = 1 .. 50
        counts = result.purities[e_index] * 6
        np.testing.assert_allclose(counts, np.round(counts), atol=1e-9)
        assert np.all((counts > 3 - 1e-9) & (counts < 6 + 1e-9))
        assert r["pvalue"] * 50 == pytest.approx(round(r["pvalue"] * 50)) and 1 <= round(r["pvalue"] * 50) <= 50


def test_values_equal_direct_library_calls(zoo, result):
    P = birth_death(zoo.graphs)
    epochs = zoo.label_column("epoch")
    codes, _ = zoo.group_labels("regularizer")
    for e_index, epoch in enumerate((0, 1, 2)):
        rows = np.flatnonzero(epochs == epoch)
        purities = [purity_score(codes[rows], TopClustering(2, random_state=5 + r).fit_predict(P[rows]))
                    for r in range(3)]
        np.testing.assert_array_equal(result.purities[e_index], purities)
        assert result.row(epoch)["purity_mean"] == pytest.approx(np.mean(purities), abs=1e-15)
        assert result.row(epoch)["purity_std"] == pytest.approx(np.std(purities), abs=1e-15)
        test = permutation_test(P[rows], codes[rows], n_permutations=49, random_state=5)
        assert result.row(epoch)["statistic"] == test.statistic and result.row(epoch)["pvalue"] == test.pvalue
        for g, name in enumerate(("vanilla", "batch_norm")):
            members = rows[codes[rows] == g]
            B = barycenter(zoo.graphs[members])
            np.testing.assert_allclose(result.barycenters[epoch, name].deaths, B.deaths, rtol=0, atol=1e-15)
            group_row = next(r for r in result.per_group if (r["epoch"], r["group"]) == (epoch, name))
            assert group_row["spread"] == pytest.approx(B.mean_distance, rel=1e-12)
            assert group_row["mean_birth"] == pytest.approx(B.births.mean(), rel=1e-12)
    final = zoo.at_epoch(2)
    for row, net in zip(zoo.labels, result.per_network):
        partner = next(i for i, r in enumerate(final.labels)
                       if (r["regularizer"], r["network"]) == (row["regularizer"], row["network"]))
        expected = topological_distance(zoo.graphs[zoo.labels.index(row)], final.graphs[partner])
        assert net["distance_to_final"] == pytest.approx(expected, rel=1e-12, abs=1e-15)
        assert (net["epoch"], net["regularizer"], net["network"]) == (row["epoch"], row["regularizer"], row["network"])
    assert all(net["distance_to_final"] == 0 for net in result.per_network if net["epoch"] == 2)
    assert all(net["distance_to_final"] > 0 for net in result.per_network if net["epoch"] == 0)


def test_text_and_html_show_every_epoch(result):
    text = result.to_text()
    assert str(result) == text
    lines = text.splitlines()
    assert lines[0].split()[:2] == ["epoch", "Top"] and "batch_norm to final" in lines[0]
    assert [line.split()[0] for line in lines[2:]] == ["0", "1", "2"]
    assert f"{result.per_epoch[0]['purity_mean']:.3f} ± {result.per_epoch[0]['purity_std']:.3f}" in lines[2]
    assert lines[4].split()[-2:] == ["0.000", "0.000"]  # the final epoch is at distance 0 from itself
    html = result._repr_html_()
    assert html.count("<tr>") == 4 and "epochs [0, 1, 2]" in html and "<td>2</td>" in html


def test_first_separation(result):
    from dataclasses import replace

    # purities set by hand, so that every branch is taken whatever the tiny zoo's clusterings gave
    rows = [{**r, "purity_mean": p} for r, p in zip(result.per_epoch, (0.5, 5 / 6, 2 / 3))]
    made = replace(result, per_epoch=rows)
    assert made.first_separation(0.0) == 0 and made.first_separation(0.5) == 0
    assert made.first_separation(0.6) == 1  # the first epoch to reach it, not the last
    assert made.first_separation(5 / 6) == 1 and made.first_separation(0.84) is None
    assert made.first_separation() == 1  # default threshold 0.6
    assert replace(result, per_epoch=[{**r, "purity_mean": 1.0} for r in rows]).first_separation(1.0) == 0
    for bad in (1.5, -0.1, "high", None):
        with pytest.raises(ValueError, match="threshold must be a number in \\[0, 1\\]"):
            result.first_separation(bad)


def _planted_zoo(n_networks=6):
    """Two groups whose connectomes are alike at epoch 0 and far apart at epoch 3, as training could make them.

    Epoch 0: every network's graph is drawn from one distribution (2 modules). Epoch 3: group "one"
    has 1 module, group "four" 4 modules, with a strong signal.
    """
    graphs, labels = [], []
    for epoch in (0, 3):
        for g, (name, modules) in enumerate((("one", 1), ("four", 4))):
            k = 2 if epoch == 0 else modules
            graphs.append(random_modular_graphs(n_networks, 20, k, signal=2.0, random_state=10 * epoch + g))
            labels += [{"regularizer": name, "stimulus_class": None, "network": i, "network_seed": i, "epoch": epoch,
                        "train_accuracy": None} for i in range(n_networks)]
    return ConnectomeZoo(np.concatenate(graphs), labels, {})


def test_separation_found_when_training_separates_the_groups():
    """Top must split groups built to differ (purity 1, every repeat) and the permutation test must
    reject; before, where the groups share one distribution, purity 1 would need k-means to hit the one
    true split of 12 graphs out of 462 by chance in every repeat."""
    zoo = _planted_zoo()
    result = training_dynamics(zoo, n_repeats=3, n_permutations=99, random_state=0)
    assert result.epochs == (0, 3)
    final = result.row(3)
    assert final["purity_mean"] == 1.0 and np.all(result.purities[1] == 1.0)
    # the true split is the largest between/within ratio there is; a relabelling draws it back with
    # probability 1/462, so p stays at or next to its smallest value 1/100 (uniform under no effect)
    assert final["pvalue"] <= 0.03 and final["statistic"] > 1.5
    assert 0.8 < result.row(0)["statistic"] < 1.25  # one distribution: between and within alike
    assert result.first_separation(1.0) == 3 and result.row(0)["purity_mean"] < 1.0


def test_same_seed_same_result_and_a_zoo_without_snapshots(zoo, result):
    again = training_dynamics(zoo, **ANALYSIS)
    assert again.per_epoch == result.per_epoch and again.per_group == result.per_group
    only_final = training_dynamics(zoo.at_epoch(2), **ANALYSIS)
    assert only_final.epochs == (2,) and only_final.per_epoch == result.per_epoch[2:]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"by": "epoch"}, "by must not contain 'epoch'"),
        ({"by": ("regularizer", "epoch")}, "by must not contain 'epoch'"),
        ({"by": "colour"}, "by must be one of"),
        ({"by": "stimulus_class"}, "at least two groups"),
        ({"n_repeats": 0}, "n_repeats must be a positive integer; got 0"),
        ({"n_permutations": 1.5}, "n_permutations must be a positive integer"),
        ({"random_state": None}, "random_state must be a non-negative integer; got None"),
    ],
)
def test_invalid_arguments(zoo, kwargs, match):
    with pytest.raises(ValueError, match=match):
        training_dynamics(zoo, **{**ANALYSIS, **kwargs})


def test_zoo_without_final_connectomes_is_rejected(zoo):
    early = zoo.select(regularizer="vanilla")
    mixed = type(zoo)(np.concatenate([zoo.at_epoch(0).graphs, early.at_epoch(2).graphs]),
                      zoo.at_epoch(0).labels + early.at_epoch(2).labels, zoo.metadata)
    with pytest.raises(ValueError, match=r"3 networks have no connectome at the final epoch 2.*batch_norm"):
        training_dynamics(mixed, **ANALYSIS)


def test_command_line_prints_the_table(tmp_path, monkeypatch, capsys):
    from fcviz.__main__ import main

    monkeypatch.setenv("FCVIZ_CACHE_DIR", str(tmp_path / "cache"))
    output = tmp_path / "out" / "dynamics.txt"
    args = ["dynamics", "--regularizers", "vanilla,l2", "--networks", "2", "--epochs", "2", "--repeats", "2",
            "--permutations", "19", "--output", str(output)]
    assert main(args) == 0  # default epochs: those of 0,1,2,5,10,15 up to --epochs
    out = capsys.readouterr().out
    assert "epochs=[0, 1, 2]" in out and "First separation (Top purity >= 0.6):" in out
    table = output.read_text().splitlines()
    assert table[0].startswith("epoch") and [line.split()[0] for line in table[2:]] == ["0", "1", "2"]
    assert main([*args[:-2], "--epochs-list", "2,0", "--no-cache"]) == 0
    assert "epochs=[0, 2]" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["dynamics", "--epochs-list", "zero"])
