"""Studies: every method scored against the truth, baselines under a budget, tidy tables."""

import numpy as np
import pytest
from clustering_checks import matching_labels

from fcviz import purity_score, studies
from fcviz.studies import METHODS, StudyResult, run_methods, stimulus_classes, training_strategies
from fcviz.synthetic import random_modular_graphs


@pytest.fixture(scope="module")
def groups():
    graphs = np.concatenate([random_modular_graphs(6, 20, k, signal=1.0, random_state=k) for k in (1, 2, 4)])
    return graphs, np.repeat([0, 1, 2], 6)


def _point_cloud_graphs(rng, shape, n_graphs=6, n_nodes=18):
    """Graphs whose correlation distance sqrt(1 - w) is the Euclidean distance of planted points.

    ``"line"``: points along a segment (no cycle); ``"ring"``: one circle (one long-lived H1 class);
    ``"two rings"``: two circles far apart (two shorter ones). The baselines read Rips H1 diagrams
    of exactly these distances, Top and Adj the edge weights and their spanning trees.
    """
    graphs = []
    for _ in range(n_graphs):
        if shape == "line":
            points = np.c_[np.linspace(0, 1, n_nodes), np.zeros(n_nodes)]
        else:
            size = n_nodes if shape == "ring" else n_nodes // 2
            angles = 2 * np.pi * np.arange(size) / size + rng.uniform(-0.05, 0.05, size)
            points = np.c_[np.cos(angles), np.sin(angles)]
            if shape == "two rings":
                points = np.r_[points, points + [3.0, 0.0]]
        points = points + rng.normal(scale=0.01, size=points.shape)
        D = np.sqrt(((points[:, None] - points[None]) ** 2).sum(-1))
        W = 1 - (D / D.max()) ** 2
        np.fill_diagonal(W, 0.0)
        graphs.append(W)
    return np.array(graphs)


@pytest.fixture(scope="module")
def shapes():
    rng = np.random.default_rng(0)
    graphs = np.concatenate([_point_cloud_graphs(rng, s) for s in ("line", "ring", "two rings")])
    return graphs, np.repeat([0, 1, 2], 6)


def test_run_methods_scores_each_method(groups):
    graphs, y = groups
    pytest.importorskip("ripser")
    table, predictions = run_methods(graphs, y, n_repeats=3, random_state=1)
    assert [r["method"] for r in table] == list(METHODS)
    for row in table[-2:]:  # CKA and NP compare networks: raw graphs do not have them
        assert row["method"] in ("CKA", "NP") and row["status"].startswith("n/a: needs the networks'")
        assert np.isnan(row["purity_mean"]) and row["method"] not in predictions
    for row in table[:-2]:
        assert row["status"] == "ok" and row["n_graphs"] == 18
        assert predictions[row["method"]].shape == (3, 18)
        purities = [purity_score(y, labels) for labels in predictions[row["method"]]]  # the row scores its labels
        assert row["purity_mean"] == pytest.approx(np.mean(purities)) and row["purity_std"] == pytest.approx(
            np.std(purities), abs=1e-12)
    assert table[0]["purity_mean"] == 1.0  # Top separates 1, 2 and 4 modules
    text = StudyResult(table, y, ["1", "2", "4"], predictions).to_text()
    assert text.splitlines()[0].split()[:3] == ["method", "purity", "ARI"] and "Top" in text


def test_every_method_recovers_planted_shapes(shapes):
    """Line, ring and two rings differ in their spanning trees and in their H1 diagrams: every graph
    method must find the three groups. Purity 1 is far from what a broken method reaches: constant
    features (all graphs at distance 0) give one cluster, purity 1/3; purity 1 with 3 clusters is the true
    partition, which random labels hit with probability 3! / 3^18 (about 2e-8) per run."""
    pytest.importorskip("ripser")
    graphs, y = shapes
    table, predictions = run_methods(graphs, y, methods=["Top", "Adj", "BD", "WD", "SWK", "HK", "PI"], n_repeats=3,
                                     random_state=1, n_bootstrap=0)
    assert [r["method"] for r in table] == ["Top", "Adj", "BD", "WD", "SWK", "HK", "PI"]
    for row in table:
        assert row["status"] == "ok" and row["purity_mean"] == 1.0 and row["ari_mean"] == pytest.approx(1.0), row
        for labels in predictions[row["method"]]:
            matching_labels(labels, y, row["method"])  # the true partition, up to relabelling


def test_same_seed_same_table_and_paper_protocol(groups):
    graphs, y = groups
    a, pa = run_methods(graphs, y, methods=["Top", "Adj"], n_repeats=2, protocol="paper", random_state=3)
    b, pb = run_methods(graphs, y, methods=["Top", "Adj"], n_repeats=2, protocol="paper", random_state=3)
    assert [r["purity_mean"] for r in a] == [r["purity_mean"] for r in b]
    np.testing.assert_array_equal(pa["Top"], pb["Top"])


def test_baselines_over_budget_are_skipped_or_subsampled(groups):
    pytest.importorskip("ripser")
    graphs, y = groups
    table, _ = run_methods(graphs, y, methods=["WD"], n_repeats=1, baseline_budget=1e-9)
    assert table[0]["status"].startswith("skipped: Rips estimated")
    table, predictions = run_methods(graphs, y, methods=["WD"], n_repeats=1, baseline_budget=60,
                                     baseline_subsample=9)
    assert table[0]["status"] == "ok" and table[0]["n_graphs"] == 18


def test_baselines_over_budget_run_on_a_stratified_subsample(groups, monkeypatch):
    pytest.importorskip("ripser")
    from fcviz import baselines

    graphs, y = groups
    seen = []

    def budget_for_nine(n_nodes, n_graphs, budget, **kwargs):  # the full set is over budget, 9 graphs are not
        seen.append(n_graphs)
        if n_graphs > 9:
            raise baselines.BaselineBudgetError(1e4, budget, n_nodes, n_graphs)

    monkeypatch.setattr(baselines, "check_baseline_budget", budget_for_nine)
    table, predictions = run_methods(graphs, y, methods=["WD"], n_repeats=2, baseline_budget=60,
                                     baseline_subsample=9)
    assert seen == [18, 9]
    assert table[0]["status"] == "subsample" and table[0]["n_graphs"] == 9
    assert predictions["WD"].shape == (2, 9)
    with pytest.raises(ValueError, match="baseline_subsample must be an integer in \\[3, 18\\]"):
        run_methods(graphs, y, methods=["WD"], baseline_subsample=2)


def test_missing_extra_is_reported_not_raised(groups, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ripser", None)
    graphs, y = groups
    table, _ = run_methods(graphs, y, methods=["Top", "PI"], n_repeats=1)
    assert table[1]["status"] == 'skipped: needs pip install "fcviz[baselines]"'
    assert np.isnan(table[1]["purity_mean"]) and table[0]["status"] == "ok"


@pytest.mark.parametrize("kwargs, match", [
    ({"methods": ["Top", "XYZ"]}, "methods must be"),
    ({"methods": []}, "methods must be"),
    ({"n_repeats": 0}, "n_repeats"),
    ({"protocol": "fast"}, "protocol"),
])
def test_invalid_arguments(groups, kwargs, match):
    graphs, y = groups
    with pytest.raises(ValueError, match=match):
        run_methods(graphs, y, **kwargs)
    with pytest.raises(ValueError, match="Need graphs"):
        run_methods(graphs, y[:-1])


def test_studies_on_a_tiny_zoo(tmp_path):
    kwargs = dict(n_networks=2, epochs=1, n_stimuli=60, cache_dir=str(tmp_path), progress=False)
    result = training_strategies("digits", methods=["Top", "Adj"], n_repeats=2, **kwargs)
    assert result.zoo.graphs.shape[0] == 8 and len(result.group_names) == 4
    assert result.row("Top")["n_graphs"] == 8
    assert studies.stimuli is stimulus_classes  # the former name still works
    result2 = stimulus_classes("digits", "vanilla", classes=[0, 1], methods=["Top"], n_repeats=2, **kwargs)
    assert result2.group_names == [0, 1] and result2.zoo.graphs.shape[0] == 4
    with pytest.raises(KeyError):
        result2.row("PI")


def test_bootstrap_interval_of_purity(groups):
    graphs, y = groups
    a, _ = run_methods(graphs, y, methods=["Top", "Adj"], n_repeats=2, random_state=5, n_bootstrap=50)
    b, _ = run_methods(graphs, y, methods=["Top", "Adj"], n_repeats=2, random_state=5, n_bootstrap=50)
    for row, again in zip(a, b):
        assert row["purity_ci_low"] <= row["purity_mean"] <= row["purity_ci_high"]
        boot = row["purity_bootstrap"]  # the percentile interval shifted by the bootstrap's bias estimate
        expected = np.clip(np.percentile(boot, [2.5, 97.5]) + row["purity_mean"] - boot.mean(), 0, 1)
        np.testing.assert_allclose([row["purity_ci_low"], row["purity_ci_high"]], expected)
        assert (row["purity_ci_low"], row["purity_ci_high"]) == (again["purity_ci_low"], again["purity_ci_high"])
        # 1, 2 and 4 modules are clear groups for both: every resample is clustered perfectly
        assert boot.shape == (50,) and np.all(boot == 1.0), row["method"]
        assert (row["purity_ci_low"], row["purity_ci_high"]) == (1.0, 1.0)
    text = StudyResult(a, y, ["1", "2", "4"], {}).to_text()
    assert "1.000 ± 0.000 [1.00, 1.00]" in text
    off, _ = run_methods(graphs, y, methods=["Top"], n_repeats=1, n_bootstrap=0)
    assert np.isnan(off[0]["purity_ci_low"]) and "[" not in StudyResult(off, y, ["1", "2", "4"], {}).to_text()
    with pytest.raises(ValueError, match="n_bootstrap"):
        run_methods(graphs, y, n_bootstrap=-1)


def test_bootstrap_interval_follows_a_subsample(groups, monkeypatch):
    pytest.importorskip("ripser")
    from fcviz import baselines

    def over_budget(n_nodes, n_graphs, budget, **kwargs):
        if n_graphs > 9:
            raise baselines.BaselineBudgetError(1e4, budget, n_nodes, n_graphs)

    monkeypatch.setattr(baselines, "check_baseline_budget", over_budget)
    graphs, y = groups
    table, _ = run_methods(graphs, y, methods=["WD"], n_repeats=1, baseline_budget=60, baseline_subsample=9,
                           n_bootstrap=20)
    row = table[0]
    assert row["status"] == "subsample" and row["n_graphs"] == 9
    boot = row["purity_bootstrap"]
    # resamples of the 9 subsampled graphs (3 per group), not of all 18: purity counts 9 draws, so every
    # value is a multiple of 1/9, at least 3/9; resampling the 18 rows would give odd multiples of 1/18
    assert boot.shape == (20,)
    np.testing.assert_allclose(boot * 9, np.round(boot * 9), atol=1e-9)
    assert np.all(boot >= 3 / 9 - 1e-12)
    expected = np.clip(np.percentile(boot, [2.5, 97.5]) + row["purity_mean"] - boot.mean(), 0, 1)
    np.testing.assert_allclose([row["purity_ci_low"], row["purity_ci_high"]], expected)


def test_study_command_writes_a_report(tmp_path, monkeypatch, capsys):
    import csv

    from fcviz.__main__ import main

    monkeypatch.setenv("FCVIZ_CACHE_DIR", str(tmp_path / "cache"))
    report = tmp_path / "report"
    assert main(["study", "1", "--networks", "2", "--epochs", "1", "--repeats", "2", "--methods", "Top,CKA,NP",
                 "--bootstrap", "20", "--report", str(report)]) == 0
    assert "Report written" in capsys.readouterr().out
    with open(report / "training_strategies.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["method"] for r in rows] == ["Top", "CKA", "NP"]
    # the report holds the study's own numbers: the same study again (the zoo from the cache, the same seeds)
    study = training_strategies("digits", methods=["Top", "CKA", "NP"], n_repeats=2, n_bootstrap=20, n_networks=2,
                                epochs=1, progress=False)
    for r in rows:
        row = study.row(r["method"])
        assert r["status"] == row["status"] == "ok" and int(r["n_graphs"]) == row["n_graphs"] == 8
        for key in ("purity_mean", "purity_std", "purity_ci_low", "purity_ci_high", "ari_mean", "nmi_mean"):
            assert float(r[key]) == pytest.approx(row[key], rel=1e-12, abs=1e-12), (r["method"], key)
    markdown = (report / "training_strategies.md").read_text()
    assert markdown.startswith("training_strategies: 8 graphs in 4 groups") and "| CKA |" in markdown


def test_bootstrap_clusters_the_distinct_networks(groups):
    from fcviz.methods import _bootstrap_purities, _group_resamples

    _, y = groups
    seen = []

    def cluster(index, seed):
        seen.append(index)
        return y[index]  # a perfect clustering

    resamples = _group_resamples(y, 10, 0)
    purities = _bootstrap_purities(cluster, y, y, resamples, 0)
    assert np.all(purities == 1.0)
    for index, resample in zip(seen, resamples):
        assert np.array_equal(index, np.unique(resample))
    from fcviz import purity_score

    halves = _bootstrap_purities(lambda index, seed: index % 2, y, y, resamples, 0)  # every drawn copy counts
    expected = [purity_score(y[r], r % 2) for r in resamples]
    np.testing.assert_allclose(halves, expected)


def test_paired_comparison_of_two_methods(groups):
    pytest.importorskip("ripser")
    graphs, y = groups
    # Top splits 1, 2 and 4 modules on every resample, PI (k-means on H1 images) does not: two methods
    # whose resampled purities differ, so the paired difference is not 0 everywhere
    table, predictions = run_methods(graphs, y, methods=["Top", "PI"], n_repeats=2, random_state=5,
                                     n_bootstrap=40)
    result = StudyResult(table, y, ["1", "2", "4"], predictions)
    top, pi = result.row("Top")["purity_bootstrap"], result.row("PI")["purity_bootstrap"]
    assert top.shape == pi.shape == (40,) and np.all(top == 1.0) and np.any(pi < 1.0)
    c = result.compare("Top", "PI")
    assert c["difference"] == pytest.approx(result.row("Top")["purity_mean"] - result.row("PI")["purity_mean"])
    assert c["difference"] > 0 and c["share_better"] > 0.5  # Top ahead
    diff = top - pi - (top - pi).mean() + c["difference"]  # bias-corrected as the intervals
    assert c["share_better"] == pytest.approx(np.mean(diff > 0) + 0.5 * np.mean(diff == 0))
    assert [c["ci_low"], c["ci_high"]] == pytest.approx(np.percentile(diff, [2.5, 97.5]), rel=1e-12, abs=1e-12)
    back = result.compare("PI", "Top")  # the same comparison seen from the other side
    assert back["difference"] == pytest.approx(-c["difference"])
    assert back["share_better"] == pytest.approx(1 - c["share_better"])
    assert (back["ci_low"], back["ci_high"]) == pytest.approx((-c["ci_high"], -c["ci_low"]))
    # paired: a method against itself differs by exactly 0 on every resample (unpaired draws would not)
    assert result.compare("PI", "PI") == {"difference": 0.0, "ci_low": 0.0, "ci_high": 0.0, "share_better": 0.5}
    off, _ = run_methods(graphs, y, methods=["Top", "Adj"], n_repeats=1, n_bootstrap=0)
    with pytest.raises(ValueError, match="n_bootstrap > 0"):
        StudyResult(off, y, ["1", "2", "4"], {}).compare("Top", "Adj")
    na, _ = run_methods(graphs, y, methods=["Top", "CKA"], n_repeats=1, n_bootstrap=10)  # raw graphs: CKA is n/a
    with pytest.raises(ValueError, match="'CKA' has status .n/a"):
        StudyResult(na, y, ["1", "2", "4"], {}).compare("Top", "CKA")


def test_birth_weight_reaches_top_only(groups):
    from fcviz import TopClustering, birth_death

    graphs, y = groups
    table, predictions = run_methods(graphs, y, methods=["Top", "Adj"], n_repeats=2, random_state=7, n_bootstrap=0,
                                     birth_weight=1.0)
    P = birth_death(graphs)
    for r in range(2):
        expected = TopClustering(3, birth_weight=1.0, random_state=7 + r).fit_predict(P)
        # exact by construction: the same estimator, data and seed (a partition check could not tell
        # birth_weight=1 from the paper's distance here, both split the groups)
        assert np.array_equal(predictions["Top"][r], expected)
    paper, paper_predictions = run_methods(graphs, y, methods=["Adj"], n_repeats=2, random_state=7, n_bootstrap=0)
    assert np.array_equal(paper_predictions["Adj"], predictions["Adj"])


def test_birth_weight_curve_on_a_tiny_zoo(tmp_path):
    from fcviz import TopClustering, birth_death, purity_score
    from fcviz.studies import BirthWeightCurve, birth_weight_curve

    kwargs = dict(n_networks=3, epochs=1, n_stimuli=60, cache_dir=str(tmp_path), progress=False)
    result = training_strategies("digits", methods=["Top"], n_repeats=3, random_state=2, n_bootstrap=0, **kwargs)
    curve = birth_weight_curve(result.zoo, birth_weights=[1, 0.5, 0, 0.5], n_repeats=3, random_state=2)
    assert isinstance(curve, BirthWeightCurve)
    assert curve.birth_weights.tolist() == [0.0, 0.5, 1.0]
    assert curve.purity_mean.shape == curve.purity_std.shape == curve.ari_mean.shape == (3,)
    assert curve.paper_purity == pytest.approx(result.row("Top")["purity_mean"])  # the same clusterings
    P = birth_death(result.zoo.graphs)
    direct = [purity_score(curve.labels_true, TopClustering(4, birth_weight=0.5, random_state=2 + r).fit_predict(P))
              for r in range(3)]
    assert curve.purity_mean[1] == pytest.approx(np.mean(direct))
    assert curve.settings["study"] == "training_strategies" and curve.settings["dataset"] == "digits"
    assert curve.best_birth_weight in curve.birth_weights
    text = curve.to_text()
    assert "None (paper)" in text and "0.50" in text and "None (paper)" in curve._repr_html_()
    path = curve.write_csv(tmp_path / "report")
    assert path.name == "training_strategies_birth_weight.csv"
    assert path.read_text().splitlines()[0] == "birth_weight,purity_mean,purity_std,ari_mean"
    assert len(path.read_text().splitlines()) == 5
    for bad, match in [([], "non-empty"), ([None, 0.5], "None"), ([1.5], "birth_weight"), (["x"], "birth_weight")]:
        with pytest.raises(ValueError, match=match):
            birth_weight_curve(result.zoo, birth_weights=bad)
    with pytest.raises(ValueError, match="n_repeats"):
        birth_weight_curve(result.zoo, n_repeats=0)
