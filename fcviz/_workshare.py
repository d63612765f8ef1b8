"""Share a list of tasks between the calling thread and helper threads, first come, first served.

On a busy machine a helper thread may start late, or not before the work is done: a fixed split would
then make the caller wait for it. Here every thread takes the next task nobody has taken yet, so the
caller never waits for a helper that has not started (it cancels it) and never for more than the
tasks a running helper already holds. On an idle machine the tasks spread over the cores.
"""

from __future__ import annotations

import itertools

__all__ = ["run_shared"]


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
