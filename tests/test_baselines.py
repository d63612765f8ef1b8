"""Tests of the persistence-diagram baselines (optional extra ``fcviz[baselines]``)."""

import subprocess
import sys

import numpy as np
import pytest

ripser = pytest.importorskip("ripser")
persim = pytest.importorskip("persim")
pytest.importorskip("kmedoids")

from fcviz import baselines as B  # noqa: E402
from fcviz.baselines import (  # noqa: E402
    BaselineBudgetError,
    baseline_methods,
    check_baseline_budget,
    cluster_diagrams,
    diagram_distance,
    diagram_distances,
    diagram_kernel,
    estimate_baseline_cost,
    heat_kernel,
    persistence_diagrams,
    persistence_images,
    sliced_wasserstein_distance,
    weights_to_distance,
)
from fcviz.synthetic import random_modular_graphs  # noqa: E402

EXTRA_HINT = 'pip install "fcviz[baselines]"'


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _purity(y_true, y_pred):
    return sum(np.bincount(y_true[y_pred == k]).max() for k in np.unique(y_pred)) / len(y_true)


@pytest.fixture(scope="module")
def two_groups():
    """Weakly coupled 2-module graphs against strongly coupled 4-module graphs: 6 each, n = 24."""
    weak = random_modular_graphs(6, 24, 2, signal=0.5, random_state=1)
    strong = random_modular_graphs(6, 24, 4, signal=2.0, random_state=2)
    graphs = np.concatenate([weak, strong])
    return graphs, np.repeat([0, 1], 6), persistence_diagrams(graphs)


def _random_diagram(rng, k):
    births = rng.uniform(0.2, 0.8, k)
    return np.stack([births, births + rng.uniform(0.0, 0.2, k)], axis=1)


# --------------------------------------------------------------------------- names and distances


def test_baseline_methods():
    assert baseline_methods() == ("BD", "WD", "SWK", "HK", "PI")


def test_weights_to_distance_values_and_properties(rng):
    A = random_modular_graphs(1, 12, 3, random_state=0)[0]
    before = A.copy()
    D = weights_to_distance(A)
    np.testing.assert_array_equal(A, before)  # input not modified
    assert D is not A and not np.shares_memory(D, A)
    off = ~np.eye(12, dtype=bool)
    np.testing.assert_allclose(D[off], np.sqrt(1 - A[off]))
    assert np.all(np.diag(D) == 0)
    np.testing.assert_array_equal(D, D.T)
    assert D.min() >= 0 and D.max() <= 1
    # heavier edge, shorter distance
    iu = np.triu_indices(12, 1)
    order = np.argsort(A[iu])
    assert np.all(np.diff(D[iu][order]) <= 0)
    np.testing.assert_allclose(weights_to_distance(A, transform="linear")[off], 1 - A[off])


def test_weights_to_distance_batch_and_diagonal():
    A = random_modular_graphs(3, 8, 2, random_state=0)
    A = A + np.eye(8)  # a non-zero diagonal is ignored
    D = weights_to_distance(A)
    assert D.shape == (3, 8, 8)
    assert np.all(np.diagonal(D, axis1=1, axis2=2) == 0)


def test_weights_to_distance_clips_rounding_and_rejects_large_weights():
    A = np.array([[0.0, 1.0 + 1e-12], [1.0 + 1e-12, 0.0]])
    np.testing.assert_array_equal(weights_to_distance(A), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        weights_to_distance(np.array([[0.0, 2.0], [2.0, 0.0]]))
    with pytest.raises(ValueError, match="transform"):
        weights_to_distance(np.zeros((3, 3)), transform="log")
    with pytest.raises(ValueError, match="symmetric"):
        weights_to_distance(np.array([[0.0, 0.1], [0.5, 0.0]]))


# --------------------------------------------------------------------------- diagrams


def test_persistence_diagrams_shapes(two_groups):
    graphs, _, diagrams = two_groups
    assert len(diagrams) == len(graphs)
    for dgm in diagrams:
        assert dgm.ndim == 2 and dgm.shape[1] == 2
        assert np.isfinite(dgm).all()
        assert np.all(dgm[:, 1] >= dgm[:, 0])
        assert dgm.min() >= 0 and dgm.max() <= 1
    assert sum(len(d) for d in diagrams) > 0


def test_persistence_diagrams_single_graph_and_dim0():
    A = random_modular_graphs(1, 15, 3, random_state=3)[0]
    before = A.copy()
    (h1,) = persistence_diagrams(A)
    expected = ripser.ripser(weights_to_distance(A), distance_matrix=True, maxdim=1)["dgms"][1]
    np.testing.assert_allclose(h1, expected)
    (h0,) = persistence_diagrams(A, dim=0)
    assert h0.shape == (14, 2)  # n - 1 finite classes; the infinite one is left out
    assert np.all(h0[:, 0] == 0)
    np.testing.assert_array_equal(A, before)
    with pytest.raises(ValueError, match="dim"):
        persistence_diagrams(A, dim=2)


def test_sliced_wasserstein_matches_persim(rng):
    a, b = _random_diagram(rng, 7), _random_diagram(rng, 4)
    expected = persim.sliced_wasserstein(a, b, M=50)
    assert sliced_wasserstein_distance(a, b) == pytest.approx(expected, rel=1e-6)
    assert sliced_wasserstein_distance(a, a) == pytest.approx(0.0, abs=1e-12)


def test_heat_kernel_matches_persim(rng):
    a, b = _random_diagram(rng, 6), _random_diagram(rng, 5)
    k = heat_kernel(a, a, sigma=0.3) + heat_kernel(b, b, sigma=0.3) - 2 * heat_kernel(a, b, sigma=0.3)
    assert np.sqrt(k) == pytest.approx(persim.heat(a, b, sigma=0.3), rel=1e-10)


@pytest.mark.parametrize("method", ["BD", "WD", "SWK", "HK", "PI"])
def test_diagram_distances_are_symmetric(rng, method):
    dgms = [_random_diagram(rng, k) for k in (3, 5, 4, 6)] + [np.zeros((0, 2))]
    D = diagram_distances(dgms, method=method)
    assert D.shape == (5, 5)
    np.testing.assert_allclose(D, D.T)
    assert np.all(np.diag(D) == 0) and D.min() >= 0
    assert D[0, 1] > 0
    if method == "BD":
        assert D[0, 1] == pytest.approx(persim.bottleneck(dgms[0], dgms[1]))
    if method == "WD":
        assert D[0, 1] == pytest.approx(persim.wasserstein(dgms[0], dgms[1]))
    if method != "PI":  # PI's grid is fitted to the diagrams given
        assert diagram_distance(dgms[0], dgms[1], method=method, sigma=0.5) == pytest.approx(
            diagram_distances(dgms[:2], method=method, sigma=0.5)[0, 1]
        )


@pytest.mark.parametrize("method", ["SWK", "HK"])
def test_kernels_are_positive_semidefinite(rng, method):
    dgms = [_random_diagram(rng, k) for k in (3, 5, 4, 6, 2)]
    K = diagram_kernel(dgms, method=method)
    np.testing.assert_allclose(K, K.T)
    assert np.linalg.eigvalsh(K).min() > -1e-10


def test_persistence_images_shape(rng):
    dgms = [_random_diagram(rng, k) for k in (3, 5)] + [np.zeros((0, 2))]
    X = persistence_images(dgms, resolution=10)
    assert X.shape[0] == 3 and X.shape[1] >= 10
    assert np.all(X[2] == 0) and X[0].sum() > 0


# --------------------------------------------------------------------------- clustering


@pytest.mark.parametrize("method", ["BD", "WD", "SWK", "HK", "PI"])
def test_cluster_diagrams_separates_groups_deterministically(two_groups, method):
    _, y, diagrams = two_groups
    labels = cluster_diagrams(diagrams, 2, method=method, random_state=0)
    assert labels.shape == (12,) and set(labels) <= {0, 1}
    assert _purity(y, labels) >= 0.8
    np.testing.assert_array_equal(labels, cluster_diagrams(diagrams, 2, method=method, random_state=0))


def test_cluster_diagrams_validates(two_groups):
    _, _, diagrams = two_groups
    with pytest.raises(ValueError, match="method"):
        cluster_diagrams(diagrams, 2, method="XX")
    with pytest.raises(ValueError, match="n_clusters"):
        cluster_diagrams(diagrams, 13)
    with pytest.raises(ValueError, match=r"\(k, 2\)"):
        cluster_diagrams([np.zeros((3, 3))] * 3, 2)
    with pytest.raises(ValueError, match="list of diagrams"):
        cluster_diagrams(diagrams[0], 2)


# --------------------------------------------------------------------------- optional extra


@pytest.mark.parametrize("module", ["ripser", "persim", "kmedoids"])
def test_missing_extra_names_the_install_command(monkeypatch, two_groups, module):
    _, _, diagrams = two_groups
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError, match=r'pip install "fcviz\[baselines\]"'):
        if module == "ripser":
            persistence_diagrams(np.zeros((4, 4)))
        elif module == "persim":
            diagram_distances(diagrams[:3], method="BD")
        else:
            cluster_diagrams(diagrams, 2, method="WD")


def test_importing_fcviz_does_not_need_the_extra():
    code = (
        "import sys\n"
        "for m in ('ripser', 'persim', 'kmedoids'): sys.modules[m] = None\n"
        "import fcviz, fcviz.baselines\n"
        "assert fcviz.baselines.baseline_methods()\n"
        "try:\n"
        "    fcviz.baselines.persistence_diagrams([[0.0, 0.5], [0.5, 0.0]])\n"
        "except ImportError as exc:\n"
        "    assert 'fcviz[baselines]' in str(exc), exc\n"
        "else:\n"
        "    raise AssertionError('no ImportError')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# --------------------------------------------------------------------------- time budget


FIXED = (80, 0.02, 3.0)  # a calibration: 80 nodes took 20 ms and the cost grows as n ** 3


@pytest.fixture
def fixed_calibration(monkeypatch):
    """Calibrations return FIXED instead of timing anything; records what was calibrated on."""
    seen = []

    def calibrate(D, dim):
        seen.append((np.array(D), dim))
        return FIXED

    def reference(dim, transform):
        seen.append(("reference", dim, transform))
        return FIXED

    monkeypatch.setattr(B, "_calibrate", calibrate)
    monkeypatch.setattr(B, "_reference_calibration", reference)
    return seen


def test_estimate_extrapolates_the_calibration(fixed_calibration):
    A = random_modular_graphs(1, 30, 3, random_state=0)[0]
    n_ref, t_ref, a = FIXED
    assert estimate_baseline_cost(100, 1, graph=A) == pytest.approx(t_ref * (100 / n_ref) ** a, rel=1e-12)
    assert estimate_baseline_cost(1000, 10, graph=A) == pytest.approx(10 * t_ref * (1000 / n_ref) ** a, rel=1e-12)
    assert estimate_baseline_cost(80, 3, graph=A) == pytest.approx(3 * t_ref, rel=1e-12)
    assert len(fixed_calibration) == 3
    for D, dim in fixed_calibration:  # calibrated on the graph given, as distances
        np.testing.assert_array_equal(D, weights_to_distance(A))
        assert dim == 1
    assert estimate_baseline_cost(160, dim=0, transform="linear") == pytest.approx(t_ref * 2**a, rel=1e-12)
    assert fixed_calibration[-1] == ("reference", 0, "linear")  # no graph: the fixed reference graph


@pytest.mark.parametrize("growth, exponent", [(3.0, 4.0), (0.5, 2.0), (6.5, 7.0)])
def test_calibration_fits_the_growth_of_the_timings(monkeypatch, growth, exponent):
    # timings that grow exactly as n ** growth: the exponent is growth + 1 (the margin), kept in [2, 7]
    timed = []

    def best_time(D, dim):
        timed.append(len(D))
        return 1e-4 * len(D) ** growth

    monkeypatch.setattr(B, "_best_time", best_time)
    D = weights_to_distance(random_modular_graphs(1, 100, 2, random_state=0)[0])
    n_ref, t_ref, a = B._calibrate(D, 1)
    assert timed == [40, 60, 80] and n_ref == 80
    assert t_ref == pytest.approx(1e-4 * 80**growth, rel=1e-12)
    assert a == pytest.approx(exponent, rel=1e-9)
    timed.clear()  # a graph smaller than every calibration size: timed whole, the largest exponent
    assert B._calibrate(D[:30, :30], 1) == pytest.approx((30, 1e-4 * 30**growth, 7.0), rel=1e-12)
    assert timed == [30]


def test_real_calibration_runs():
    # the timed path itself (what it measures is reported by benchmarks/bench_baseline_estimate.py)
    A = random_modular_graphs(1, 30, 3, random_state=0)[0]
    n_ref, t_ref, a = B._calibrate(weights_to_distance(A), 1)
    assert n_ref == 30 and a == 7.0 and np.isfinite(t_ref) and t_ref > 0
    assert np.isfinite(estimate_baseline_cost(100, 2, graph=A))


def _no_diagram(D, dim):
    raise AssertionError("a diagram was computed despite the budget")


def test_budget_error_for_huge_graphs(fixed_calibration, monkeypatch):
    monkeypatch.setattr(B, "_rips_diagram", _no_diagram)
    n_ref, t_ref, a = FIXED
    with pytest.raises(BaselineBudgetError, match="time budget") as info:
        check_baseline_budget(100_000, 10, 60.0)
    assert info.value.estimate == pytest.approx(10 * t_ref * (100_000 / n_ref) ** a, rel=1e-12)
    assert (info.value.budget, info.value.n_nodes, info.value.n_graphs) == (60.0, 100_000, 10)
    assert check_baseline_budget(100, 1, 1.0) == pytest.approx(t_ref * (100 / n_ref) ** a, rel=1e-12)  # within
    big = random_modular_graphs(1, 200, 4, random_state=0)[0]  # estimated 0.02 * 2.5 ** 3 = 0.3125 s
    with pytest.raises(BaselineBudgetError, match="200 nodes") as info:
        persistence_diagrams(big, time_budget=0.3)
    assert info.value.estimate == pytest.approx(0.3125, rel=1e-12)
    np.testing.assert_array_equal(fixed_calibration[-1][0], weights_to_distance(big))  # calibrated on it
    with pytest.raises(ValueError, match="time_budget"):
        check_baseline_budget(10, 1, -1.0)


class FakeClock:
    """Stands in for the time module: every perf_counter() call advances by ``step`` seconds."""

    def __init__(self, step):
        self.now, self.step = 0.0, step

    def perf_counter(self):
        self.now += self.step
        return self.now


def test_budget_rechecked_after_first_diagram(monkeypatch):
    # The up-front estimate says "instant"; the first real diagram "takes" 1 s on a fake clock, so the
    # three graphs are projected at 3 s.
    monkeypatch.setattr(B, "_calibrate", lambda D, dim: (80, 1e-12, 2.0))
    monkeypatch.setattr(B, "time", FakeClock(1.0))
    computed, real = [], B._rips_diagram
    monkeypatch.setattr(B, "_rips_diagram", lambda D, dim: computed.append(len(D)) or real(D, dim))
    graphs = random_modular_graphs(3, 20, 2, random_state=0)
    with pytest.raises(BaselineBudgetError, match="3 graph") as info:
        persistence_diagrams(graphs, time_budget=2.9)
    assert info.value.estimate == pytest.approx(3.0) and computed == [20]  # only the first diagram
    assert len(persistence_diagrams(graphs, time_budget=3.1)) == 3 and computed == [20] * 4


@pytest.mark.parametrize("method", ["WD", "SWK", "PI"])
def test_features_once_then_clustering_equals_cluster_diagrams(two_groups, method):
    dgms = B.persistence_diagrams(two_groups[0])
    features = B.diagram_features(dgms, method=method)
    n = len(dgms)
    assert features.shape[0] == n and (method == "PI" or features.shape == (n, n))
    for seed in (0, 1):
        np.testing.assert_array_equal(
            B.cluster_features(features, 2, method=method, random_state=seed, n_init=3),
            B.cluster_diagrams(dgms, 2, method=method, random_state=seed, n_init=3),
        )
    if method != "PI":
        with pytest.raises(ValueError, match="square distance matrix"):
            B.cluster_features(features[:, :3], 2, method=method)
