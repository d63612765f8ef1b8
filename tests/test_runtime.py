"""The runtime study (fcviz.runtime): what is timed, what is skipped under a budget, and the tables."""

import numpy as np
import pytest

from fcviz import topological_distance
from fcviz.runtime import DistanceTiming, RuntimeStudy, runtime_graphs, runtime_study, time_distance
from fcviz.synthetic import random_modular_graphs, random_modular_networks
from fcviz.viz.explorers import available_methods


def _baselines_installed():
    return "WD" in available_methods()  # the explorers' own check of the baselines extra


needs_baselines = pytest.mark.skipif(not _baselines_installed(), reason="needs the baselines extra")


def test_runtime_graphs_are_the_synthetic_generators():
    np.testing.assert_array_equal(runtime_graphs(12, random_state=4), random_modular_graphs(2, 12, 4, random_state=4))
    np.testing.assert_array_equal(runtime_graphs(12, kind="modular", n_modules=3, random_state=4),
                                  random_modular_networks(2, 12, 3, random_state=4))
    with pytest.raises(ValueError, match="kind must be one of"):
        runtime_graphs(12, kind="uniform")


def test_top_timing_and_value():
    timing = time_distance(16, ["Top"], repeats=2, random_state=1)
    G, H = runtime_graphs(16, random_state=1)
    assert timing.values["Top"] == topological_distance(G, H)
    assert timing.seconds["Top"] > 0 and timing.notes == {"Top": ""}
    assert timing.rips_estimate is None and timing.methods == ("Top",)
    assert "Top" in timing.to_text() and "<table>" in timing._repr_html_()


@needs_baselines
def test_baseline_within_and_over_budget():
    from fcviz.baselines import diagram_distance, persistence_diagrams

    timing = time_distance(20, ["WD", "Top"], time_budget=60.0)
    assert timing.methods == ("WD", "Top")
    G, H = runtime_graphs(20)
    dgms = persistence_diagrams(np.stack([G, H]))
    assert timing.values["WD"] == pytest.approx(diagram_distance(dgms[0], dgms[1], method="WD"))
    assert timing.seconds["WD"] >= timing.rips_seconds > 0 and timing.rips_estimate > 0
    skipped = time_distance(40, ["Top", "WD"], time_budget=1e-9)
    assert skipped.seconds["WD"] is None and "> budget" in skipped.notes["WD"]
    assert skipped.seconds["Top"] > 0


@needs_baselines
def test_runtime_study_stops_the_baselines_after_the_first_size_over_budget():
    study = runtime_study([30, 10, 60], ["Top", "WD"], time_budget=1e-9)
    assert isinstance(study, RuntimeStudy) and [t.n_nodes for t in study.timings] == [10, 30, 60]
    assert "> budget" in study.timings[0].notes["WD"]
    assert study.timings[2].notes["WD"] == "skipped: over budget at 10 nodes"
    nodes, seconds = study.curves()["WD"]
    assert nodes.tolist() == [10, 30, 60] and np.isnan(seconds).all()
    assert np.all(study.curves()["Top"][1] > 0)
    text = study.to_text()
    assert text.splitlines()[0].split()[:4] == ["n", "Top", "WD", "WD/Top"]


def test_runtime_validation():
    with pytest.raises(ValueError, match="method must be one of"):
        time_distance(10, ["Adj"])
    with pytest.raises(ValueError, match="time_budget must be a number in"):
        time_distance(10, ["Top"], time_budget=0)
    with pytest.raises(ValueError, match="sizes is empty"):
        runtime_study([], ["Top"])
    assert isinstance(runtime_study([8], "Top").timings[0], DistanceTiming)
