"""Share a list of tasks between the calling thread and helper threads, first come, first served.

On a busy machine a helper thread may start late, or not before the work is done: a fixed split would
then make the caller wait for it. Here every thread takes the next task nobody has taken yet, so the
caller never waits for a helper that has not started (it cancels it) and never for more than the
tasks a running helper already holds. On an idle machine the tasks spread over the cores.
"""

from __future__ import annotations

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

__all__ = ["available_cores", "kernel_threads", "run_shared", "set_task_threads", "shared_executor", "task_threads"]

_pool = None
_pool_lock = threading.Lock()
_task_threads = threading.local()


def available_cores():
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def task_threads():
    """Threads the running task of :func:`fcviz.parallel.run_tasks` may use on this thread (None: not
    in such a task, leave the pools alone)."""
    return getattr(_task_threads, "value", None)


def set_task_threads(threads):
    """Set :func:`task_threads` for this thread (None: no task); returns the value it replaces."""
    before = task_threads()
    _task_threads.value = threads
    return before


def kernel_threads():
    """Threads the compiled kernels may use here: the available cores, or fewer inside a task that
    was given fewer (a Dask or joblib worker sharing the machine with others)."""
    cores = available_cores()
    budget = task_threads()
    return cores if budget is None else max(1, min(cores, budget))


def shared_executor():
    """The thread pool of fcviz's compiled kernels, created on first use, one thread per available core.

    The kernels release the GIL, so the threads of one pool run them side by side; every caller
    (``birth_death``, the k-means core) shares the pool, so two of them never ask for more threads
    than there are cores.
    """
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=available_cores(), thread_name_prefix="fcviz-kernels")
        return _pool


def run_shared(tasks, submit, helpers):
    """Run zero-argument callables on this thread and up to ``helpers`` others; results in order.

    Parameters
    ----------
    tasks : sequence of callable
        The work, in the order it is handed out: put the caller's preferred first task first.
    submit : callable or None
        ``submit(fn)`` runs ``fn`` on another thread and returns a ``concurrent.futures.Future``
        (an executor's ``submit``); None runs everything here.
    helpers : int
        Helper threads to ask for (at most ``len(tasks) - 1`` are used).

    Returns
    -------
    list
        ``tasks[i]()`` for each i.

    Raises
    ------
    Exception
        The exception of the first failed task (by index), after every started task has finished.
    """
    results = [None] * len(tasks)
    errors = []
    handed_out = itertools.count()  # next() on it is atomic: each index goes to one thread

    def drain():
        for i in handed_out:
            if i >= len(tasks):
                return
            try:
                results[i] = tasks[i]()
            except BaseException as error:  # re-raised on the calling thread
                errors.append((i, error))

    n_helpers = min(helpers, len(tasks) - 1) if submit is not None else 0
    futures = [submit(drain) for _ in range(n_helpers)]
    drain()
    for future in futures:
        if not future.cancel():  # started: it may hold a task still running
            future.result()
    if errors:
        raise min(errors, key=lambda item: item[0])[1]
    return results
