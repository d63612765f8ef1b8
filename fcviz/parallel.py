"""One seam for fcviz's independent loops: in this process, in local processes, or on a Dask cluster.

Every loop of fcviz whose steps do not depend on each other goes through :func:`run_tasks`: the
zoo's training groups (each trained and recorded, snapshots included, in one task), the Rips
diagram of each graph, the blocks of the baselines' distance matrices, the bootstrap resamples of
the studies, the points of the β curve and the sizes of the runtime study. Three backends run them:

* ``n_jobs=None`` (or 1) and no client: one after the other in this process, as fcviz always did;
* ``n_jobs=N``: N local processes through joblib (loky), no Dask needed;
* ``client=``: a :class:`distributed.Client` (or a scheduler address, or :func:`using` for a whole
  block of code): the tasks run on that Dask cluster (``pip install "fcviz[distributed]"``).

Why an explicit client rather than only joblib's Dask backend (``joblib.parallel_config(backend=
"dask")``): with the client itself, fcviz scatters its large arrays once to every worker
(``scatter(broadcast=True)``) instead of shipping them with each task, names every task after its
group or graph (the Dask dashboard shows ``fcviz-train-vanilla-…``), asks for ``resources={"GPU": 1}``
where the workers declare GPUs, counts finished tasks as they complete (``as_completed``-style waits)
for progress bars, and cancels the queued tasks and stops the running ones when Cancel is pressed
(:class:`ClusterCancel`, a ``distributed.Event``). joblib gives none of these. joblib stays the
local backend: it needs no Dask, and its loky processes memory-map large arrays (travelling once).

The guarantees, whatever the backend, the number of workers or the order in which tasks finish:

* **The same bits.** Each task carries everything it needs, its seed included, and results are
  put back in task order; no task reads a random state that another task advanced. So a study or a
  zoo is identical, bit for bit, to the serial path (tested on a real local cluster). Floating-point
  sums depend on the number of threads that split them: tasks that the serial path runs on one
  thread (the digits zoo, every k-means and distance of the studies) run on one thread here too.
* **Threads per task.** A worker's BLAS, OpenMP and torch size their pools from the machine's
  cores, so two workers on two cores would run four threads. Each task runs under
  ``cores of its machine // threads of all workers on that machine`` threads (at least one);
  locally ``cores // n_jobs``.
* **Errors.** The first task that raises cancels the others, and its exception reaches the caller
  with its own type and message, prefixed (or, for a non-builtin type, annotated) with the task's
  name, e.g. ``ValueError: training group 'l2' (run 0): ...``. A worker that dies is not an error:
  the scheduler runs its tasks again elsewhere (up to ``distributed.scheduler.allowed-failures``
  times, then :class:`distributed.KilledWorker`). Tasks are deterministic, so an exception would
  recur: fcviz asks for no ``retries`` by default.
* **The allocator.** Dask starts its workers with ``MALLOC_TRIM_THRESHOLD_`` set, which on glibc
  makes every array above 128 KiB a fresh mmap, zero-filled page by page: fcviz's tasks ran 1.6x
  slower there than in the client. :func:`local_cluster` starts its workers without it, and the first
  task in any other process puts glibc's thresholds back (:mod:`fcviz._allocator`).
* **Nothing is written by a task.** Tasks return results; the caller (e.g. the zoo's cache) writes,
  in one place, atomically.

Examples
--------
>>> run_tasks(pow, [(2, 3), (3, 2)], labels=["2**3", "3**2"])
[8, 9]
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
import uuid

from ._allocator import keep_freed_memory
from ._workshare import available_cores, set_task_threads, task_threads

__all__ = ["run_tasks", "split", "using", "active_client", "connect", "local_cluster", "task_threads", "wants_gpu",
           "describe", "ClusterCancel", "DISTRIBUTED_EXTRA"]

logger = logging.getLogger(__name__)

#: What to install for a cluster.
DISTRIBUTED_EXTRA = 'pip install "fcviz[distributed]"'
#: Seconds between two looks at the cancel event while tasks run.
POLL_S = 0.1
#: Seconds to wait for a scheduler before giving up.
CONNECT_TIMEOUT_S = 10.0

_lock = threading.Lock()
_default_clients: list = []  # the clients of the open using() blocks, innermost last


def _require_distributed(what: str = "A Dask cluster"):
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(f"{what} needs dask.distributed, which is not installed ({exc}). Install it with "
                          f"{DISTRIBUTED_EXTRA}, or leave client/--workers/--scheduler out to run here.") from None
    return distributed


def connect(address: str, timeout: float = CONNECT_TIMEOUT_S):
    """A :class:`distributed.Client` of the scheduler at ``address``; fails within ``timeout`` seconds naming it.

    Parameters
    ----------
    address : str
        E.g. ``"tcp://10.0.0.5:8786"`` (what ``dask scheduler`` or ``cluster.scheduler_address`` says).
    timeout : float, default=10
        Seconds to wait for the scheduler.

    Raises
    ------
    ImportError
        Without dask.distributed (the message says which extra to install).
    OSError
        When no scheduler answers at ``address`` within ``timeout``.
    """
    distributed = _require_distributed(f"The scheduler {address}")
    try:
        return distributed.Client(address, timeout=timeout)
    except Exception as exc:  # refused, timed out, a malformed address, or something else answering there
        raise OSError(f"No Dask scheduler answered at {address!r} within {timeout:g} s ({type(exc).__name__}: "
                      f"{str(exc)[:200]}). Start one "
                      "(dask scheduler, or a dask-jobqueue cluster) and pass its address, e.g. "
                      "tcp://HOST:8786.") from None


def local_cluster(n_workers: int, *, dashboard: bool = True):
    """A client of a new local cluster: ``n_workers`` processes of one thread each.

    Returns
    -------
    distributed.Client
        Closing it (``client.close()``, or a ``with`` block) also closes the cluster it made.
    """
    distributed = _require_distributed(f"--workers {n_workers}")
    from ._validation import check_int

    n_workers = check_int(n_workers, "n_workers", minimum=1)
    import dask

    # Dask's nanny sets MALLOC_TRIM_THRESHOLD_ in its workers, which costs fcviz's tasks a page fault per
    # page of every large array (see fcviz._allocator); the workers started here leave glibc's heuristic on.
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                           dashboard_address=":0" if dashboard else None)
    client = distributed.Client(cluster, set_as_default=False)
    client._fcviz_owns_cluster = True  # see close
    return client


def close(client) -> None:
    """Close ``client`` and, when :func:`local_cluster` made it, its cluster."""
    cluster = getattr(client, "cluster", None) if getattr(client, "_fcviz_owns_cluster", False) else None
    client.close()
    if cluster is not None:
        cluster.close()


def describe(client) -> str:
    """One line about a cluster: workers, threads, GPUs and the Dask dashboard's link when it has one."""
    info = client.scheduler_info()
    workers = info.get("workers", {})
    threads = sum(w.get("nthreads", 0) for w in workers.values())
    gpus = sum(w.get("resources", {}).get("GPU", 0) for w in workers.values())
    line = f"Dask cluster {info.get('address', '?')}: {len(workers)} workers, {threads} threads"
    if gpus:
        line += f", {gpus:g} GPUs"
    if info.get("services", {}).get("dashboard"):
        line += f"; dashboard {client.dashboard_link}"
    return line


@contextlib.contextmanager
def using(client):
    """Run every fcviz loop inside the block on ``client`` (a Client or an address) unless told otherwise.

    A ``client=`` or ``n_jobs=`` argument still wins. The default holds for every thread of the
    process (a dashboard builds in a background thread). An address is connected here and closed
    at the end of the block.
    """
    owned = isinstance(client, str)
    client = connect(client) if owned else client
    with _lock:
        _default_clients.append(client)
    try:
        yield client
    finally:
        with _lock:
            _default_clients.remove(client)
        if owned:
            client.close()


def active_client(client=None):
    """``client`` if given, else the innermost :func:`using` block's client, else None."""
    if client is not None:
        return client
    with _lock:
        return _default_clients[-1] if _default_clients else None


def wants_gpu(scheduler_info: dict) -> bool:
    """Whether a cluster's workers declare GPUs (``dask worker --resources "GPU=1"``).

    ``scheduler_info`` is ``client.scheduler_info()``. Training tasks then ask for
    ``resources={"GPU": 1}`` (one task per GPU at a time) and train on CUDA there (the zoo's
    ``device=None`` means CUDA where available); CPU workers run everything otherwise.
    """
    return any(w.get("resources", {}).get("GPU", 0) > 0 for w in scheduler_info.get("workers", {}).values())


class ClusterCancel:
    """The cancel flag of a build's tasks on a cluster: a ``distributed.Event``, read at most every 0.5 s.

    Tasks receive it as their ``cancel`` argument (an object with ``is_set()``, as
    :func:`fcviz.progress.check_cancel` wants), so a running training task stops at its next batch.
    """

    def __init__(self, name: str):
        self.name, self._seen, self._checked = name, False, 0.0

    def __getstate__(self):
        return {"name": self.name}

    def __setstate__(self, state):
        self.__init__(state["name"])

    def is_set(self) -> bool:
        now = time.monotonic()
        if not self._seen and now - self._checked > 0.5:
            from distributed import Event

            self._checked, self._seen = now, Event(self.name).is_set()
        return self._seen


def _name_error(exc: BaseException, label: str) -> None:
    """Put the task's name into ``exc``: into the message of a builtin exception, else as a note."""
    from .progress import BuildCancelled

    if isinstance(exc, BuildCancelled) or getattr(exc, "_fcviz_named", False):
        return
    if type(exc).__module__ == "builtins" and exc.args and isinstance(exc.args[0], str):
        exc.args = (f"{label}: {exc.args[0]}", *exc.args[1:])
    elif hasattr(exc, "add_note"):
        exc.add_note(f"(in fcviz task {label})")
    with contextlib.suppress(AttributeError, TypeError):
        exc._fcviz_named = True


def _host_threads(host_threads) -> int | None:
    """This worker's share of its machine's cores (see the module docstring)."""
    if host_threads is None:
        return None
    if isinstance(host_threads, int):
        return host_threads
    try:
        from distributed import get_worker

        host = get_worker().address.split("://")[-1].rsplit(":", 1)[0]
    except (ImportError, ValueError):
        return None
    return max(1, available_cores() // max(1, host_threads.get(host, 1)))


def _call(function, args: tuple, label: str, host_threads, shared: dict, cancel=None):
    """Run one task: ``function(*args, **shared)`` under its thread count, its errors named after ``label``."""
    threads = _host_threads(host_threads)
    if host_threads is not None:  # in another process: a Dask worker's allocator (see fcviz._allocator)
        keep_freed_memory()
    kwargs = dict(shared) if cancel is None else {**shared, "cancel": cancel}
    before = set_task_threads(threads)
    try:
        if threads is None:
            return function(*args, **kwargs)
        from ._threads import current_controller

        torch = sys.modules.get("torch")
        torch_before = torch.get_num_threads() if torch is not None else None
        try:
            with current_controller().limit(limits=threads):
                return function(*args, **kwargs)
        finally:
            if torch_before is not None:
                torch.set_num_threads(torch_before)
    except Exception as exc:
        _name_error(exc, label)
        raise
    finally:
        set_task_threads(before)


def split(n_items: int, n_blocks: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of at most ``n_blocks`` consecutive blocks of sizes differing by at most one.

    >>> split(5, 2)
    [(0, 2), (2, 5)]
    """
    n_blocks = max(1, min(int(n_blocks), int(n_items)))
    edges = [b * int(n_items) // n_blocks for b in range(n_blocks + 1)]
    return [(a, b) for a, b in zip(edges, edges[1:]) if b > a]


def run_tasks(function, tasks, *, labels=None, shared=None, n_jobs=None, client=None, on_done=None, cancel=None,
              gpu: bool = False, pass_cancel: bool = False, local_kwargs=None, name: str = "task",
              retries: int = 0, what: str = "The fcviz tasks", priorities=None) -> list:
    """Run ``function(*task, **shared)`` for every task; return the results in task order.

    Parameters
    ----------
    function : callable
        A module-level function (it travels to other processes by reference).
    tasks : sequence of tuple
        The arguments of each call; each task carries its own seeds.
    labels : sequence of str, optional
        A name per task for errors and the Dask dashboard, e.g. ``"Rips diagram of graph 3"``.
    shared : dict, optional
        Keyword arguments common to every task (large arrays): sent once to each worker.
    n_jobs : int or None, default=None
        Local processes when no client is given or active (None or 1: this process; -1: every core).
    client : distributed.Client or str, optional
        A Dask cluster's client or scheduler address; default: the :func:`using` block's, if any.
    on_done : callable, optional
        ``on_done(n_finished, n_tasks, index, result)`` in the calling thread after each task, in
        the order tasks finish (progress bars count finished tasks with it).
    cancel : threading.Event-like, optional
        Checked while the tasks run; once set, queued tasks are cancelled, running ones are told
        to stop (with ``pass_cancel``) and :class:`fcviz.BuildCancelled` is raised.
    gpu : bool, default=False
        Ask for ``resources={"GPU": 1}`` on a cluster whose workers declare GPUs.
    pass_cancel : bool, default=False
        Give ``function`` a ``cancel=`` argument that is set when the caller cancels.
    local_kwargs : callable, optional
        ``local_kwargs(index)`` → extra keyword arguments of task ``index`` when it runs in this
        process (serial path only): what cannot travel, such as a per-epoch progress callback.
    name : str, default="task"
        Prefix of the Dask keys (``fcviz-<name>-<index>-<token>``).
    retries : int, default=0
        Dask retries of a task that raised (not needed for a lost worker; see the module docstring).
    what : str
        Subject of the cancel message.
    priorities : sequence of float, optional
        A task's expected cost, relatively: where tasks wait for a free process or worker, the
        costliest start first (longest first, so that the last to finish are short ones). Results
        and their order do not depend on it; the serial path runs the tasks in order.

    Returns
    -------
    list
        ``function``'s results, in the order of ``tasks``.
    """
    from .progress import check_cancel

    tasks = [tuple(t) for t in tasks]
    labels = [f"{name} {i}" for i in range(len(tasks))] if labels is None else list(labels)
    if len(labels) != len(tasks):
        raise ValueError(f"labels must name every task: {len(labels)} labels for {len(tasks)} tasks.")
    shared, cancel = dict(shared or {}), check_cancel(cancel)
    client = active_client(client)
    if client is not None:
        owned = isinstance(client, str)  # an address: connect for this call only
        client = connect(client) if owned else client
        try:
            return _run_dask(function, tasks, labels, shared, client, on_done, cancel, gpu, pass_cancel, name,
                             retries, what, _start_order(priorities, len(tasks)))
        finally:
            if owned:
                client.close()
    n_jobs = 1 if n_jobs is None else (available_cores() if n_jobs == -1 else int(n_jobs))
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be None, -1 or a positive number of processes; got {n_jobs}.")
    if n_jobs == 1 or len(tasks) <= 1:
        return _run_serial(function, tasks, labels, shared, on_done, cancel, pass_cancel, local_kwargs, what)
    return _run_joblib(function, tasks, labels, shared, n_jobs, on_done, cancel, pass_cancel, what,
                       _start_order(priorities, len(tasks)))


def _start_order(priorities, n_tasks: int) -> list[int]:
    """Task indices, costliest first (ties in task order); task order without ``priorities``."""
    if priorities is None:
        return list(range(n_tasks))
    priorities = [float(p) for p in priorities]
    if len(priorities) != n_tasks:
        raise ValueError(f"priorities must give one number per task: {len(priorities)} for {n_tasks} tasks.")
    return sorted(range(n_tasks), key=lambda i: -priorities[i])


def _report(on_done, finished: int, total: int, index: int, result) -> None:
    if on_done is not None:
        on_done(finished, total, index, result)


def _run_serial(function, tasks, labels, shared, on_done, cancel, pass_cancel, local_kwargs, what) -> list:
    from .progress import raise_if_cancelled

    results = []
    for i, (args, label) in enumerate(zip(tasks, labels)):
        raise_if_cancelled(cancel, what)
        extra = {**shared, **(local_kwargs(i) if local_kwargs is not None else {})}
        results.append(_call(function, args, label, None, extra, cancel if pass_cancel else None))
        _report(on_done, i + 1, len(tasks), i, results[-1])
    return results


def _indexed(function, index, args, label, threads, shared):
    """A joblib task: ``(index, result)`` so that results finishing in any order find their place."""
    return index, _call(function, args, label, threads, shared)


def _run_joblib(function, tasks, labels, shared, n_jobs, on_done, cancel, pass_cancel, what, order) -> list:
    from joblib import Parallel, delayed

    from .progress import BuildCancelled

    if pass_cancel:  # a threading.Event does not cross processes; between tasks it is still honoured
        logger.debug("n_jobs=%d: running tasks finish before a cancel is seen", n_jobs)
    threads = max(1, available_cores() // n_jobs)
    results, finished = [None] * len(tasks), 0
    calls = (delayed(_indexed)(function, i, tasks[i], labels[i], threads, shared) for i in order)
    outputs = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(calls)
    try:
        for index, result in outputs:
            results[index], finished = result, finished + 1
            _report(on_done, finished, len(tasks), index, result)
            if cancel is not None and cancel.is_set():
                raise BuildCancelled(f"{what} was cancelled (its cancel event was set).")
    finally:
        outputs.close()  # joblib drops the tasks not started yet
    return results


def _host_thread_counts(info: dict) -> dict:
    counts = {}
    for worker in info.get("workers", {}).values():
        counts[worker.get("host")] = counts.get(worker.get("host"), 0) + worker.get("nthreads", 1)
    return counts


def _run_dask(function, tasks, labels, shared, client, on_done, cancel, gpu, pass_cancel, name, retries,
              what, order) -> list:
    distributed = _require_distributed()
    from .progress import BuildCancelled

    info = client.scheduler_info()
    resources = {"GPU": 1} if gpu and wants_gpu(info) else None
    token = uuid.uuid4().hex[:8]
    flag = ClusterCancel(f"fcviz-cancel-{token}") if pass_cancel else None
    scattered = dict(zip(shared, client.scatter(list(shared.values()), broadcast=True, hash=False))) if shared \
        else {}
    host_threads = _host_thread_counts(info)
    # submitted costliest first (an idle worker takes what arrives first), and so prioritised in the queue
    submitted = {i: client.submit(_call, function, tasks[i], labels[i], host_threads, scattered, flag,
                                  key=f"fcviz-{name}-{i}-{token}", pure=False, retries=retries, resources=resources,
                                  priority=len(order) - rank) for rank, i in enumerate(order)}
    futures = [submitted[i] for i in range(len(tasks))]
    index_of = {f.key: i for i, f in enumerate(futures)}
    results, pending, finished = [None] * len(tasks), set(futures), 0
    stopped, over = threading.Event(), threading.Event()

    def stop():
        if not stopped.is_set():
            stopped.set()
            if flag is not None:
                distributed.Event(flag.name, client=client).set()
            client.cancel(futures)

    def watch():  # the caller's cancel event, seen within POLL_S while the loop below waits for tasks
        while not over.wait(POLL_S):
            if cancel.is_set():
                stop()
                return

    watcher = None
    if cancel is not None:
        watcher = threading.Thread(target=watch, name="fcviz-cancel-watch", daemon=True)
        watcher.start()
    try:
        for future in distributed.as_completed(futures, loop=client.loop):
            i = index_of[future.key]
            pending.discard(future)
            if stopped.is_set() or future.status == "cancelled":
                stop()
                raise BuildCancelled(f"{what} was cancelled (its cancel event was set); its cluster tasks were "
                                     "cancelled." if cancel is not None and cancel.is_set() else
                                     f"{what} was cancelled: task {labels[i]!r} was cancelled on the cluster.")
            if future.status == "error":
                exc, traceback = future.exception(), future.traceback()  # before stop() forgets them
                stop()
                _name_error(exc, labels[i])  # already named on the worker; an unpicklable one is not
                raise exc.with_traceback(traceback)
            results[i], finished = future.result(), finished + 1
            future.release()
            _report(on_done, finished, len(tasks), i, results[i])
    finally:
        over.set()
        if pending:
            client.cancel(list(pending))
        if scattered:
            client.cancel(list(scattered.values()))
    return results
