"""fcviz._workshare: tasks shared first come, first served, never waiting for an idle helper; the kernels' threads."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from fcviz import _workshare
from fcviz._workshare import run_shared


def test_results_come_back_in_task_order_with_helpers():
    with ThreadPoolExecutor(3) as pool:
        tasks = [lambda i=i: i * i for i in range(50)]
        assert run_shared(tasks, pool.submit, 3) == [i * i for i in range(50)]


def test_without_submit_everything_runs_here():
    seen = []
    tasks = [lambda i=i: seen.append((i, threading.get_ident())) for i in range(5)]
    run_shared(tasks, None, 4)
    assert [i for i, _ in seen] == list(range(5))
    assert {ident for _, ident in seen} == {threading.get_ident()}


def test_the_caller_does_the_work_of_a_helper_that_never_starts():
    release = threading.Event()
    with ThreadPoolExecutor(1) as pool:
        pool.submit(release.wait)  # the only worker is busy: a helper queued behind it never starts
        here = threading.get_ident()
        ran_on = run_shared([lambda: threading.get_ident()] * 4, pool.submit, 1)
        release.set()
    assert ran_on == [here] * 4  # done here, and the queued helper was cancelled, not waited for


def test_the_first_failed_task_raises_after_the_others_ran():
    ran = []

    def fail(i):
        ran.append(i)
        raise ValueError(f"task {i}")

    tasks = [lambda: ran.append(0), lambda: fail(1), lambda: ran.append(2), lambda: fail(3)]
    with ThreadPoolExecutor(2) as pool, pytest.raises(ValueError, match="task 1"):
        run_shared(tasks, pool.submit, 2)
    assert sorted(ran) == [0, 1, 2, 3]


def test_kernel_threads_follow_the_task_budget(monkeypatch):
    monkeypatch.setattr(_workshare, "available_cores", lambda: 4)
    assert _workshare.task_threads() is None and _workshare.kernel_threads() == 4
    before = _workshare.set_task_threads(1)
    try:
        assert _workshare.task_threads() == 1 and _workshare.kernel_threads() == 1
        _workshare.set_task_threads(8)  # more than the machine has: the cores
        assert _workshare.kernel_threads() == 4
    finally:
        _workshare.set_task_threads(before)
    assert _workshare.task_threads() is None


def test_a_task_given_one_thread_keeps_the_kernels_on_it(monkeypatch):
    """birth_death of a large graph and a wide Top fit ask no helper thread inside a one-thread task
    (a Dask or joblib worker sharing the machine), and do outside it."""
    import fcviz._kmeans
    from fcviz import homology
    from fcviz.clustering import TopClustering
    from fcviz.synthetic import random_modular_graphs

    submitted = []
    pool = _workshare.shared_executor()

    class Spy:
        def submit(self, fn):
            submitted.append(fn)
            return pool.submit(fn)

    for module in (homology, fcviz._kmeans):
        monkeypatch.setattr(module, "shared_executor", Spy)
    monkeypatch.setattr(_workshare, "available_cores", lambda: 2)
    monkeypatch.setattr(fcviz._kmeans, "_SPLIT_COLUMNS", 64)
    monkeypatch.setattr(fcviz._kmeans, "_SPLIT_WORK", 0)
    A = random_modular_graphs(1, 300, 3, random_state=0)[0]  # 44,850 edges: shared by two threads
    P = homology.birth_death(random_modular_graphs(12, 40, 2, random_state=1))
    before = _workshare.set_task_threads(1)
    try:
        alone = homology.birth_death(A), TopClustering(2, random_state=0).fit(P).labels_
    finally:
        _workshare.set_task_threads(before)
    assert submitted == []
    shared = homology.birth_death(A), TopClustering(2, random_state=0).fit(P).labels_
    assert len(submitted) >= 2  # one for birth_death, one per kernel pass of the fit
    np.testing.assert_array_equal(alone[0].vector, shared[0].vector)
    np.testing.assert_array_equal(alone[1], shared[1])
