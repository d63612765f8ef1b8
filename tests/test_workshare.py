"""fcviz._workshare.run_shared: tasks shared first come, first served, never waiting for an idle helper."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

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
