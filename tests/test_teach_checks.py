"""The lessons' self-checks: right answers pass and say so, each kind of wrong answer says what is off."""

import subprocess
import sys

import numpy as np
import pytest

import fcviz
from fcviz.teach import checks
from conftest import symmetric


@pytest.fixture
def graph(rng):
    return symmetric(rng.random((7, 7)))


@pytest.fixture
def group(rng):
    return symmetric(rng.random((5, 6, 6)))


def _raises(match, call, *args, **kwargs):
    with pytest.raises(AssertionError, match=match) as info:
        call(*args, **kwargs)
    assert "\nHint: " in str(info.value), f"no hint in: {info.value}"
    return str(info.value)


def test_import_fcviz_does_not_import_teach():
    code = "import sys, fcviz; print(any(m.startswith('fcviz.teach') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_checks_import_neither_nbgrader_nor_nbconvert():
    code = ("import sys; from fcviz.teach import checks; "
            "print(','.join(m for m in ('nbgrader', 'nbconvert', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


# --- births and deaths ------------------------------------------------------------------------------


def test_births_deaths_right_in_any_order_prints_true(graph, capsys):
    P = fcviz.birth_death(graph)
    before = graph.copy()
    births, deaths = P.births[::-1].copy(), np.random.default_rng(1).permutation(P.deaths)
    assert checks.births_deaths(graph, list(births), deaths) is True
    out = capsys.readouterr().out
    assert out.startswith("✓ ") and out.rstrip().endswith(": True")
    assert np.array_equal(graph, before)
    assert np.array_equal(births, P.births[::-1])


def test_births_deaths_ordered_requires_ascending(graph):
    P = fcviz.birth_death(graph)
    _raises("not in ascending order", checks.births_deaths, graph, P.births[::-1], P.deaths, ordered=True)
    assert checks.births_deaths(graph, P.births, P.deaths, ordered=True)


def test_births_deaths_swapped(rng):
    A = symmetric(rng.random((4, 4)))  # 3 births and 3 deaths: same sizes, so only the values tell
    P = fcviz.birth_death(A)
    _raises("swapped", checks.births_deaths, A, P.deaths, P.births)
    B = symmetric(rng.random((5, 5)))
    Q = fcviz.birth_death(B)
    _raises("swapped", checks.births_deaths, B, Q.deaths, Q.births)


def test_births_as_heaviest_edges_or_minimum_tree_get_their_own_hints(graph):
    n = graph.shape[0]
    edges = np.sort(graph[np.triu_indices(n, 1)])
    P = fcviz.birth_death(graph)
    heaviest = edges[-(n - 1):]
    if not np.allclose(np.sort(heaviest), P.births):
        message = _raises(r"births \(sorted\)", checks.births_deaths, graph, heaviest, P.deaths)
        assert "heaviest edges" in message and "Kruskal" in message
    rows, cols = fcviz.mst_edges(graph.max() - graph)
    message = _raises("births", checks.births_deaths, graph, graph[rows, cols], P.deaths)
    assert "minimum spanning tree" in message


def test_births_deaths_wrong_counts_and_values(graph):
    n = graph.shape[0]
    P = fcviz.birth_death(graph)
    message = _raises("births has 7 values", checks.births_deaths, graph, np.r_[P.births, 0.5], P.deaths)
    assert "6 births" in message
    every = graph[np.triu_indices(n, 1)]
    assert "remove the n - 1" in _raises("deaths has", checks.births_deaths, graph, P.births, every)
    assert "upper triangle" in _raises("deaths has", checks.births_deaths, graph, P.births, graph.ravel())
    wrong = P.deaths.copy()
    wrong[-1] += 0.25  # the largest stays the largest: one sorted value off
    message = _raises(r"deaths \(sorted\) 1 of 15 values are off", checks.births_deaths, graph, P.births, wrong)
    assert "largest gap" in message


def test_placeholders_and_bad_shapes(graph):
    P = fcviz.birth_death(graph)
    for births in (..., None, [..., 1.0]):
        with pytest.raises(AssertionError, match=r"births: not answered yet: replace the \.\.\. in the exercise"):
            checks.births_deaths(graph, births, P.deaths)
    with pytest.raises(AssertionError, match="births must be a 1-D array; got shape"):
        checks.births_deaths(graph, P.births[None], P.deaths)
    with pytest.raises(AssertionError, match="must be numbers"):
        checks.births_deaths(graph, "0.1 0.2", P.deaths)
    with pytest.raises(AssertionError, match="not finite"):
        checks.births_deaths(graph, np.r_[P.births[:-1], np.nan], P.deaths)
    with pytest.raises(ValueError, match="one \\(n, n\\) graph"):
        checks.births_deaths(np.stack([graph, graph]), P.births, P.deaths)
    with pytest.raises(ValueError, match="symmetric|square"):
        checks.births_deaths(graph[:, :-1], P.births, P.deaths)
    with pytest.raises(ValueError, match="rtol"):
        checks.births_deaths(graph, P.births, P.deaths, rtol=-1)


# --- Betti numbers ----------------------------------------------------------------------------------


def test_betti_numbers_scalar_and_arrays(graph, capsys):
    thresholds = np.linspace(0, 1, 11)
    b0, b1 = fcviz.betti_curves(fcviz.birth_death(graph), thresholds)
    assert checks.betti_numbers(graph, float(thresholds[4]), int(b0[4]), int(b1[4]))
    assert checks.betti_numbers(graph, thresholds, list(b0), b1)
    assert checks.betti_numbers(fcviz.birth_death(graph), thresholds, b0, b1)
    assert capsys.readouterr().out.count(": True") == 3


def test_betti_numbers_wrong_ones_get_the_right_hint(graph):
    P = fcviz.birth_death(graph)
    e = np.r_[P.births[2], P.deaths[5]]  # thresholds on a weight: > and >= differ there
    b0, b1 = fcviz.betti_curves(P, e)
    n = graph.shape[0]
    if not (np.array_equal(b0, b1)):
        _raises("swapped", checks.betti_numbers, graph, e, b1, b0)
    message = _raises("beta0 is off", checks.betti_numbers, graph, e, n - (P.births[:, None] >= e).sum(0), b1)
    assert "not those >= e" in message
    message = _raises("beta1 is off", checks.betti_numbers, graph, e, b0, (P.deaths[:, None] >= e).sum(0))
    assert "not those >= e" in message
    above = (P.births[:, None] > e).sum(0)
    assert "not tree edges" in _raises("beta0 is off", checks.betti_numbers, graph, e, above, b1)
    every = above + (P.deaths[:, None] > e).sum(0)
    assert "every edge kept" in _raises("beta1 is off", checks.betti_numbers, graph, e, b0, every)
    message = _raises("at threshold", checks.betti_numbers, graph, e, b0 + 1, b1)
    assert "connected components" in message


def test_betti_numbers_bad_input(graph):
    with pytest.raises(AssertionError, match="one count per threshold means shape \\(3,\\)"):
        checks.betti_numbers(graph, [0.1, 0.2, 0.3], [1, 1], [0, 0])
    with pytest.raises(AssertionError, match="beta1: not answered yet"):
        checks.betti_numbers(graph, 0.5, 2, ...)
    with pytest.raises(ValueError, match="threshold must be a finite number"):
        checks.betti_numbers(graph, np.nan, 1, 0)


# --- distances and barycenters ----------------------------------------------------------------------


def test_distance_kinds(group, capsys):
    G, H = group[0], group[1]
    d_top = fcviz.topological_distance(G, H)
    assert checks.distance(G, H, d_top)
    assert checks.distance(fcviz.birth_death(G), H, d_top)
    births = fcviz.wasserstein_distance(G, H, p=2, dim=0) ** 2
    deaths = fcviz.wasserstein_distance(G, H, p=2, dim=1) ** 2
    assert checks.distance(G, H, births, kind="births")
    assert checks.distance(G, H, np.array([deaths]), kind="deaths")
    assert capsys.readouterr().out.count(": True") == 4
    assert np.isclose(births + deaths, d_top)


def test_distance_wrong_ones_get_the_right_hint(group):
    G, H = group[0], group[1]
    PG, PH = fcviz.birth_death(G), fcviz.birth_death(H)
    d_top = fcviz.topological_distance(G, H)
    assert "its square" in _raises("d_top is", checks.distance, G, H, np.sqrt(d_top))
    births = fcviz.wasserstein_distance(G, H, p=2, dim=0) ** 2
    assert "both parts" in _raises("d_top is", checks.distance, G, H, births)
    mean = np.mean((PG.births - PH.births) ** 2) + np.mean((PG.deaths - PH.deaths) ** 2)
    assert "do not average" in _raises("d_top is", checks.distance, G, H, mean)
    rev = np.sum((PG.births - PH.births[::-1]) ** 2)
    assert "sort both" in _raises("squared W2 of the births is", checks.distance, G, H, rev, kind="births")
    rows, cols = np.triu_indices(6, 1)
    edgewise = np.sum((G[rows, cols] - H[rows, cols]) ** 2)
    assert "edge by edge" in _raises("d_top is", checks.distance, G, H, edgewise)
    with pytest.raises(AssertionError, match="value must be one number"):
        checks.distance(G, H, [d_top, d_top])
    with pytest.raises(AssertionError, match="value: not answered yet"):
        checks.distance(G, H, ...)
    with pytest.raises(ValueError, match="kind must be one of"):
        checks.distance(G, H, d_top, kind="bottleneck")


def test_barycenter(group, capsys):
    B = fcviz.barycenter(group)
    before = group.copy()
    assert checks.barycenter(group, B.births, B.deaths)
    assert checks.barycenter(list(fcviz.birth_death(group)), B.births, B.deaths)
    assert capsys.readouterr().out.count(": True") == 2
    assert np.array_equal(group, before)
    mean_graph = fcviz.birth_death(group.mean(axis=0))
    message = _raises("barycenter births", checks.barycenter, group, mean_graph.births, B.deaths)
    assert "edge-wise mean" in message
    P = fcviz.birth_death(group)
    message = _raises("barycenter deaths", checks.barycenter, group, B.births, np.median(P.deaths, axis=0))
    assert "median" in message
    assert "rank by rank" in _raises("barycenter births", checks.barycenter, group, B.births + 0.01, B.deaths)
    with pytest.raises(AssertionError, match="has shape \\(4,\\); expected \\(5,\\)"):
        checks.barycenter(group, B.births[:-1], B.deaths)


def test_barycenter_swapped(rng):
    group = symmetric(rng.random((3, 4, 4)))
    B = fcviz.barycenter(group)
    _raises("swapped", checks.barycenter, group, B.deaths, B.births)


# --- purity and the generic checks ------------------------------------------------------------------


def test_purity():
    true = np.array([0, 0, 0, 1, 1, 1, 2, 2])
    pred = np.array([0, 0, 0, 0, 0, 0, 1, 2])  # purity 5/8, the other way round 7/8
    p = fcviz.purity_score(true, pred)
    assert checks.purity(true, pred, p)
    assert "other way round" in _raises("purity is", checks.purity, true, pred, fcviz.purity_score(pred, true))
    assert "divide by the number" in _raises("purity is", checks.purity, true, pred, p * true.size)
    assert "percentage" in _raises("purity is", checks.purity, true, pred, 100 * p)
    assert "arbitrary names" in _raises("purity is", checks.purity, true, pred, np.mean(true == pred))
    with pytest.raises(AssertionError, match="labels_pred: not answered yet"):
        checks.purity(true, ..., p)
    with pytest.raises(ValueError, match="same length"):
        checks.purity(true, pred[:-1], p)


def test_close_and_is_true(capsys):
    assert checks.close("the p-value", 0.25, np.float64(0.25))
    assert checks.close("the curve", [1.0, 2.0], np.array([1.0, 2.0 + 1e-12]))
    assert capsys.readouterr().out.splitlines() == ["✓ the p-value = 0.25: True", "✓ the curve (2 values): True"]
    message = _raises("the ratio is 0.5; expected 0.6", checks.close, "the ratio", 0.5, 0.6, hint="divide")
    assert message.endswith("Hint: divide")
    with pytest.raises(AssertionError, match="has shape \\(3,\\); expected \\(2,\\)"):
        checks.close("the curve", [1, 2, 3], [1, 2])
    with pytest.raises(AssertionError, match="the ratio: not answered yet"):
        checks.close("the ratio", ..., 0.6)
    assert checks.is_true("1 < 2", 1 < 2) and checks.is_true("all", np.array([True]))
    assert "Hint: look again" in str(pytest.raises(AssertionError, checks.is_true, "claim", False,
                                                   hint="look again").value)
    with pytest.raises(AssertionError, match="Reduce it with .all\\(\\) or .any\\(\\)"):
        checks.is_true("claim", np.array([True, False]))
    with pytest.raises(AssertionError, match="must be True or False"):
        checks.is_true("claim", 1)
    with pytest.raises(AssertionError, match="claim: not answered yet"):
        checks.is_true("claim", ...)
