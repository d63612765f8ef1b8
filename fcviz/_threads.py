"""Thread pools of BLAS and OpenMP for the many small computations of fcviz.

fcviz clusters dozens of networks thousands of times (repeats, bootstrap resamples, birth weights).
Each k-means or Gram product is tiny, and with threaded BLAS or OpenMP every one of them wakes the
pools' helper threads. On a busy 2-core machine, or under a container's CPU quota (Binder), they wait
for those threads, far longer than the work itself takes (a k-means fit of a few dozen points is many
times slower with two OpenMP threads than with one). These contexts run such work on one thread.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from functools import lru_cache

__all__ = ["one_thread", "one_thread_below", "on_one_thread", "current_controller", "ONE_THREAD_WORK"]

#: Multiply-adds below which a computation runs on one thread (see :func:`one_thread_below`).
ONE_THREAD_WORK = 5e7


@lru_cache(maxsize=1)
def _cached_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


_current = {"modules": -1, "controller": None}
_current_lock = threading.Lock()


def current_controller():
    """A threadpoolctl controller of every pool loaded now, looked up again only after new imports.

    Looking the pools up costs about 3 ms (every loaded library is inspected), which a task of a
    parallel loop would pay at each start. BLAS and OpenMP libraries arrive with the import of the
    extension module that links them, so the lookup is reused while ``sys.modules`` keeps its size.
    """
    with _current_lock:
        if _current["modules"] != len(sys.modules):
            from threadpoolctl import ThreadpoolController

            _current["controller"] = ThreadpoolController()
            _current["modules"] = len(sys.modules)  # after the import of threadpoolctl itself
        return _current["controller"]


def one_thread(*, fresh=False):
    """A context that limits BLAS and OpenMP to one thread, restoring them after.

    Parameters
    ----------
    fresh : bool, default=False
        Limit every pool loaded by now (:func:`current_controller`: looked up again after new
        imports) instead of those of the first lookup, so that libraries loaded since (e.g. by a
        later import) are limited too. Use it for a whole study or a task; the default (cheapest)
        suits a context entered per fit.
    """
    return (current_controller() if fresh else _cached_controller()).limit(limits=1)


def one_thread_below(work):
    """:func:`one_thread` when ``work`` (multiply-adds) is below :data:`ONE_THREAD_WORK`, else no limit."""
    return one_thread() if work <= ONE_THREAD_WORK else contextlib.nullcontext()


def on_one_thread(function):
    """Decorate ``function`` to run under :func:`one_thread` (``fresh``: every pool loaded by then)."""
    import functools

    @functools.wraps(function)
    def run(*args, **kwargs):
        with one_thread(fresh=True):
            return function(*args, **kwargs)

    return run
