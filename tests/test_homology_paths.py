"""Every code path of birth_death gives the same exact sets: threads or not; fcviz's compiled kernels,
scipy's compiled Prim, or numpy alone."""

import os
import subprocess
import sys

import numpy as np
import pytest

from fcviz import _compiled, _decompose, homology
from fcviz.homology import birth_death
from fcviz.synthetic import random_modular_graphs


def _reference(A):
    """Births by the plain numpy Prim, deaths as the sorted rest: per graph, no threads."""
    births = np.sort(_decompose.prim_weights(A))
    edges = np.sort(A[np.triu_indices(A.shape[0], 1)])
    return births, _decompose.remove_sorted(edges, births)


def _graph_sets():
    tied = np.round(random_modular_graphs(5, 40, 3, random_state=2), 1)  # many tied weights
    return [
        random_modular_graphs(6, 50, 4, random_state=1),
        tied,
        np.ones((3, 12, 12)),  # every weight tied
        random_modular_graphs(4, 30, 2, random_state=3).astype(np.float32),
        random_modular_graphs(3, 250, 8, random_state=4),  # above the threading threshold
        np.round(random_modular_graphs(2, 230, 4, random_state=5), 2).astype(np.float32),  # split, tied, float32
        np.zeros((2, 220, 220)),  # one graph split by value: every weight on one side of the pivot
    ]


# The three implementations, fastest first: fcviz's kernels, scipy's Prim with numpy, numpy alone.
PATHS = ["kernels", "scipy", "numpy"]


def use_path(monkeypatch, path):
    """Run birth_death on ``path`` for the rest of a test."""
    if path == "kernels" and not _compiled.ENABLED:
        pytest.skip("fcviz's compiled kernels are not built here (no C compiler at install time)")
    if path != "kernels":
        monkeypatch.setattr(_compiled, "ENABLED", False)
    if path == "numpy":
        monkeypatch.setattr(homology, "_compiled_prim", lambda: None)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("n_jobs", [None, 1])
def test_single_and_batch_paths_are_exact(monkeypatch, path, n_jobs):
    use_path(monkeypatch, path)
    for A in _graph_sets():
        before = A.copy()
        P = birth_death(A, n_jobs=n_jobs)
        assert P.births.dtype == A.dtype and P.deaths.dtype == A.dtype
        for g in range(A.shape[0]):
            births, deaths = _reference(A[g])
            assert np.array_equal(P.births[g], births) and np.array_equal(P.deaths[g], deaths)
            Q = birth_death(A[g], n_jobs=n_jobs)
            assert np.array_equal(Q.births, births) and np.array_equal(Q.deaths, deaths)
        assert np.array_equal(A, before)  # the input is never modified


def test_batched_prim_matches_the_single_graph_prim():
    A = random_modular_graphs(7, 33, 3, random_state=5)
    batched = np.sort(_decompose.prim_weights_batch(A), axis=1)
    single = np.stack([np.sort(_decompose.prim_weights(a)) for a in A])
    assert np.array_equal(batched, single)


def test_compiled_prim_gives_the_maximum_spanning_tree_weights():
    if homology._compiled_prim() is None:
        pytest.skip("this scipy has no compiled single-linkage Prim")
    A = random_modular_graphs(1, 120, 5, random_state=6)[0]
    assert np.array_equal(homology._births(A), np.sort(_decompose.prim_weights(A)))


@pytest.mark.parametrize("path", PATHS)
def test_batch_chunks_report_the_right_graph_on_bad_input(monkeypatch, path):
    use_path(monkeypatch, path)
    A = random_modular_graphs(30, 40, 2, random_state=7)  # above the threading threshold: two chunks
    A[24, 2, 3] = A[24, 3, 2] = -0.5
    with pytest.raises(ValueError, match="non-negative.*graph 24, entry"):
        birth_death(A)
    A[24, 2, 3] = A[24, 3, 2] = 0.5
    A[25, 1, 2] += 0.1
    with pytest.raises(ValueError, match="symmetric.*graph 25, entries"):
        birth_death(A)
    A[25, 1, 2] -= 0.1
    A[26, 4, 5] = np.nan
    with pytest.raises(ValueError, match="finite.*graph 26, entry"):
        birth_death(A)


@pytest.mark.parametrize("path", PATHS)
def test_batch_symmetric_within_tol_is_read_from_the_upper_triangle(monkeypatch, path):
    use_path(monkeypatch, path)
    A = random_modular_graphs(30, 40, 2, random_state=8)
    B = A.copy()
    B[3, 1, 7] += 1e-12  # lower triangle entry (7, 1) keeps the exact weight
    B[20, 9, 2] -= 1e-12
    P, Q = birth_death(B), birth_death(np.triu(B, 1) + np.triu(B, 1).transpose(0, 2, 1))
    assert np.array_equal(P.births, Q.births) and np.array_equal(P.deaths, Q.deaths)


@pytest.mark.parametrize("n", [12, 150])  # one binary search for all rows, and one per row
def test_tree_removal_of_every_row_matches_one_row_at_a_time(n):
    rng = np.random.default_rng(n)
    edges = np.sort(np.round(rng.random((9, homology.n_edges(n))), 2), axis=1)  # many ties
    births = np.sort(np.stack([rng.choice(row, n - 1, replace=False) for row in edges]), axis=1)
    expected = np.stack([_decompose.remove_sorted(row.copy(), b) for row, b in zip(edges, births)])
    assert np.array_equal(_decompose.remove_sorted_rows(edges, births), expected)


def test_batch_vector_is_the_buffer_of_births_and_deaths():
    A = random_modular_graphs(5, 30, 2, random_state=9)
    P = birth_death(A)
    V = P.vector
    assert not V.flags.writeable and np.shares_memory(V, P.births) and np.shares_memory(V, P.deaths)
    assert np.array_equal(V, np.concatenate([P.births, P.deaths], axis=1))
    assert not P[2].vector.flags.writeable  # a graph of the batch: its own, concatenated copy
    assert np.array_equal(P[2].vector, V[2])
    Q = birth_death(A[0])
    assert not Q.vector.flags.writeable and np.array_equal(Q.vector, np.r_[Q.births, Q.deaths])


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("n_jobs", [None, 1])
def test_one_large_graph_rejects_bad_weights_and_reads_near_symmetric_ones(monkeypatch, path, n_jobs):
    use_path(monkeypatch, path)
    A = random_modular_graphs(1, 240, 4, random_state=10)[0]  # split by value on two cores
    exact = birth_death(A, n_jobs=n_jobs)
    near = A.copy()
    near[200, 3] += 1e-12  # the lower triangle: the upper one is read
    P = birth_death(near, n_jobs=n_jobs)
    assert np.array_equal(P.births, exact.births) and np.array_equal(P.deaths, exact.deaths)
    for (i, j), value, message in [((5, 9), -0.5, "non-negative"), ((7, 200), np.inf, "finite"),
                                   ((180, 30), np.nan, "finite")]:
        bad = A.copy()
        bad[i, j] = bad[j, i] = value
        with pytest.raises(ValueError, match=message):
            birth_death(bad, n_jobs=n_jobs)
    far = A.copy()
    far[100, 150] += 0.1
    with pytest.raises(ValueError, match="symmetric"):
        birth_death(far, n_jobs=n_jobs)
    diagonal = A.copy()
    diagonal[4, 4] = -1.0
    with pytest.raises(ValueError, match="non-negative"):
        birth_death(diagonal, n_jobs=n_jobs)


def test_the_kernels_reject_wrong_buffers():
    if not _compiled.BUILT:
        pytest.skip("fcviz's compiled kernels are not built here")
    from fcviz import _graphkernels as K
    A = random_modular_graphs(1, 8, 2, random_state=11)[0]
    with pytest.raises(TypeError, match="float64 or float32"):
        K.prim(A.astype(np.int64), np.empty(7))
    with pytest.raises(TypeError, match="dtype of the graphs"):
        K.prim(A, np.empty(7, dtype=np.float32))
    with pytest.raises(ValueError, match="n - 1"):
        K.prim(A, np.empty(6))
    with pytest.raises(ValueError, match="not C-contiguous"):
        K.prim(A[:, ::2][:4], np.empty(3))
    with pytest.raises(ValueError, match="pairs of the rows"):
        K.upper_split(A, 0, 9, 0.5, False, np.empty(28), True)
    births = np.sort(np.array([A[0, 1]]))
    assert K.remove_sorted(np.sort(A[0]), np.array([-1.0]), np.empty(7)) == -1  # not among the values
    assert K.remove_sorted(np.sort(A[0, 1:]), births, np.empty(6)) == 6


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_merge_remove_matches_a_sort_and_a_multiset_difference(dtype):
    """merge_remove (branch-free from both ends, the middle checked) on runs with many ties, births
    that repeat a value on both sides of the middle, empty runs, and a birth that is missing."""
    if not _compiled.BUILT:
        pytest.skip("fcviz's compiled kernels are not built here")
    from fcviz import _graphkernels as K
    rng = np.random.default_rng(0)
    for case in range(400):
        na, nb = rng.integers(0, 60, 2) if case % 4 else rng.integers(0, 3000, 2)
        levels = int(rng.integers(1, 12)) if case % 3 == 0 else 10**6  # few distinct values: ties
        a = np.sort(rng.integers(0, levels, na)).astype(dtype)
        b = np.sort(rng.integers(0, levels, nb)).astype(dtype)
        merged = np.sort(np.concatenate([a, b]), kind="stable")
        births = np.sort(rng.choice(merged, size=int(rng.integers(0, merged.size + 1)), replace=False)
                         if merged.size else merged[:0])
        kept = list(merged)
        for value in births:
            kept.remove(value)
        out = np.full(merged.size - births.size, np.nan, dtype=dtype)
        assert K.merge_remove(a, b, births, out) == out.size, case
        np.testing.assert_array_equal(out, np.array(kept, dtype=dtype), err_msg=str(case))
        if merged.size:  # a value that is not there, in place of a birth: -1, and nothing written past out
            missing = np.sort(np.append(births[1:], merged.max() + 1)) if births.size else merged[-1:] + 1
            room = np.full(merged.size - missing.size + 1, np.nan, dtype=dtype)
            assert K.merge_remove(a, b, missing, room[:-1]) == -1, case
            assert np.isnan(room[-1]), case


def test_compiled_kernels_are_built_where_the_project_builds_them():
    """make test sets FCVIZ_REQUIRE_COMPILED=1: its install must have compiled both C extensions."""
    if os.environ.get("FCVIZ_REQUIRE_COMPILED", "") in ("", "0"):
        pytest.skip("FCVIZ_REQUIRE_COMPILED is not set (make test sets it)")
    from fcviz import _kmeans

    assert _compiled.BUILT and _compiled.ENABLED and _kmeans._ckmeans is not None, (
        "fcviz's C extensions are not built: pip install -e . compiles fcviz/_graphkernels.c and "
        "fcviz/_ckmeans.c with the C compiler; install gcc (or set no FCVIZ_REQUIRE_COMPILED to run "
        "the numpy kernels)")


def test_the_compiled_kernels_can_be_turned_off():
    code = "from fcviz import _compiled, birth_death; print(_compiled.kernels_enabled(), _compiled.BUILT)"
    env = dict(os.environ, FCVIZ_NO_COMPILED="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split()[0] == "False"
