"""The lessons executed into HTML pages, with each one's run time and peak memory (``make gallery``).

:func:`run_notebook` executes one notebook top to bottom in a fresh kernel with nbclient and measures it;
``benchmarks/bench_notebooks.py`` uses it for its targets and :func:`build_gallery` for the pages, so
both report the same numbers. The kernel runs with ``FCVIZ_FAST`` unset (the full lesson, as a student
runs it) unless ``fast=True``, ``MPLBACKEND`` unset (inline figures are rendered, as in JupyterLab) and
``OMP_NUM_THREADS``/``MKL_NUM_THREADS`` set to ``threads``, in a temporary working folder.

How peak memory is measured — two complementary readings; the larger one is the peak:

1. **Exact high-water mark of the kernel process.** A cell appended to the notebook (after the last
   one; never saved, removed from the page) reads ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` inside
   the kernel: the peak resident set size the operating system recorded for that process over its whole
   life. Each notebook gets a fresh kernel, so this is the notebook's own peak, and no spike, however
   short, is missed. (``RUSAGE_CHILDREN`` is not used: a forked child's ``ru_maxrss`` counts the
   parent's pages it inherited, so it reports the kernel's size again for every short-lived fork.)
2. **Sampled total with subprocesses** (needs psutil). A thread polls, every ``interval`` seconds, the
   kernel's resident memory plus the proportional set size (PSS: shared pages split between the
   processes sharing them) of all its live descendants, and keeps the largest total. It counts workers
   (joblib, DataLoader) that run *at the same time* as the kernel, which (1) cannot, at the price of
   missing spikes shorter than the interval. A child's pages shared with the kernel are counted in both
   at least in part, so the total errs on the high side.

Wall time is that of the whole run, kernel start-up included (what "Run All" costs a student).

The pages are nbconvert's HTML export of the executed notebooks: pyplot figures are embedded as
``data:image/png`` images, so a page reads without a server. Widgets need a kernel: a page shows the
figures a lesson draws with pyplot and its printed results, and the widgets' places.
"""

from __future__ import annotations

import datetime
import html
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["NotebookRun", "TreeSampler", "build_gallery", "kernel_env", "run_notebook", "write_index", "write_page"]

GB = 1024**3

# Appended to each notebook (in memory only): the kernel's own high-water mark, in bytes.
PEAK_MARK = "FCVIZ_BENCH_PEAK"
PEAK_CELL = f"""
import resource as _resource, sys as _sys
_scale = 1 if _sys.platform == "darwin" else 1024          # ru_maxrss: bytes on macOS, KiB on Linux
print("{PEAK_MARK}", _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss * _scale)
"""


class TreeSampler(threading.Thread):
    """Poll a process's resident memory plus its descendants' PSS; keep the largest total (bytes)."""

    def __init__(self, interval):
        super().__init__(daemon=True)
        self.interval = interval
        self.pid = None
        self.peak = 0
        self.samples = 0
        self._halt = threading.Event()

    def run(self):
        import psutil

        process = None
        while not self._halt.is_set():
            if process is None and self.pid is not None:
                try:
                    process = psutil.Process(self.pid)
                except psutil.NoSuchProcess:
                    return
            if process is not None:
                try:
                    self.peak = max(self.peak, self._total(process, psutil))
                    self.samples += 1
                except psutil.NoSuchProcess:
                    return
            self._halt.wait(self.interval)

    @staticmethod
    def _total(process, psutil):
        total = process.memory_info().rss
        for child in process.children(recursive=True):
            try:
                info = child.memory_full_info()
                total += getattr(info, "pss", info.rss)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        return total

    def stop(self):
        self._halt.set()
        if self.is_alive():
            self.join()


def kernel_env(threads, cache_dir=None, *, fast=False, autobuild=False):
    """The kernel's environment: full (or fast) mode, inline figures, a thread count, optionally a cache.

    Parameters
    ----------
    threads : int
        OMP/MKL/OpenBLAS threads of the kernel.
    cache_dir : path-like, optional
        ``FCVIZ_CACHE_DIR`` of the kernel; default: this process's.
    fast : bool, default=False
        Set ``FCVIZ_FAST=1`` (small data, same code path).
    autobuild : bool, default=False
        Set ``FCVIZ_NOTEBOOK_AUTOBUILD=1``: the dashboard of 00 builds from code (no one clicks Build).

    Returns
    -------
    dict of str to str
        A copy of ``os.environ`` with those changes.
    """
    env = dict(os.environ)
    for name in ("FCVIZ_FAST", "MPLBACKEND", "FCVIZ_NOTEBOOK_AUTOBUILD"):
        env.pop(name, None)
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[name] = str(threads)
    if cache_dir is not None:
        env["FCVIZ_CACHE_DIR"] = str(cache_dir)
    if fast:
        env["FCVIZ_FAST"] = "1"
    if autobuild:
        env["FCVIZ_NOTEBOOK_AUTOBUILD"] = "1"
    return env


@dataclass
class NotebookRun:
    """One executed notebook: how long, how much memory, whether it failed, and its outputs.

    Attributes
    ----------
    name : str
        The notebook's file name without ``.ipynb``.
    seconds : float
        Wall time of the run, kernel start-up included.
    kernel_gb : float or None
        The kernel's own high-water mark (ru_maxrss), in GB; None if the run ended before it was read.
    tree_gb : float or None
        The sampled peak of the kernel and its children, in GB; None without psutil.
    error : str
        The last line of the first error, or "" when every cell ran.
    fast : bool
        Whether it ran in fast mode.
    notebook : nbformat.NotebookNode
        The executed notebook, without the measuring cell.
    """

    name: str
    seconds: float = None
    kernel_gb: float = None
    tree_gb: float = None
    error: str = ""
    fast: bool = False
    notebook: object = field(default=None, repr=False)

    @property
    def peak_gb(self):
        """The larger of the two memory readings, in GB (None when neither was taken)."""
        readings = [r for r in (self.kernel_gb, self.tree_gb) if r is not None]
        return max(readings) if readings else None


def _psutil_available():
    try:
        import psutil  # noqa: F401
    except ImportError:
        return False
    return True


def run_notebook(path, *, threads=2, fast=False, cold=False, cache_dir=None, autobuild=False, timeout=900,
                 interval=0.05):
    """Execute one notebook in a fresh kernel and measure it.

    Parameters
    ----------
    path : path-like
        The notebook.
    threads : int, default=2
        OMP/MKL threads of the kernel.
    fast : bool, default=False
        Run in fast mode (``FCVIZ_FAST=1``); default the full lesson.
    cold : bool, default=False
        A fresh, empty ``FCVIZ_CACHE_DIR`` in the temporary working folder, so cached zoos are rebuilt
        and timed. Otherwise ``cache_dir``, or the cache of the environment.
    cache_dir : path-like, optional
        The kernel's cache when not ``cold``.
    autobuild : bool, default=False
        Let the dashboard of 00 build from code (see :func:`kernel_env`).
    timeout : int, default=900
        Seconds allowed per cell.
    interval : float, default=0.05
        Seconds between memory samples (with psutil).

    Returns
    -------
    NotebookRun
        A failed cell or a timeout is recorded in ``error``, not raised.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from nbformat.v4 import new_code_cell

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(new_code_cell(PEAK_CELL.strip()))
    sampler = TreeSampler(interval) if _psutil_available() else None
    run = NotebookRun(path.stem, fast=fast)
    with tempfile.TemporaryDirectory(prefix="fcviz-nb-") as work:
        cache = Path(work) / "cache" if cold else cache_dir
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": work}})

        def started(**kwargs):
            if sampler is not None:
                sampler.pid = client.km.provisioner.pid
                sampler.start()

        client.on_notebook_start = started
        t0 = time.perf_counter()
        try:
            client.execute(env=kernel_env(threads, cache, fast=fast, autobuild=autobuild))
        except CellExecutionError as exc:
            run.error = str(exc).strip().splitlines()[-1][:120]
        except Exception as exc:  # noqa: BLE001 - a timeout or a dead kernel is a result to report
            run.error = f"{type(exc).__name__}: {exc}"[:120]
        run.seconds = time.perf_counter() - t0
        if sampler is not None:
            sampler.stop()
    if sampler is not None and sampler.samples:
        run.tree_gb = sampler.peak / GB
    for output in nb.cells[-1].get("outputs", []):
        text = output.get("text", "")
        if output.get("output_type") == "stream" and text.startswith(PEAK_MARK + " "):
            run.kernel_gb = int(text.split()[1]) / GB
    nb.cells.pop()
    run.notebook = nb
    return run


def _gb(value):
    return "-" if value is None else f"{value:.2f}"


def _banner(run):
    mode = "fast mode (FCVIZ_FAST=1, small data)" if run.fast else "full size"
    status = f" It stopped with an error: {run.error}" if run.error else ""
    return (f"*Executed {datetime.date.today().isoformat()} at {mode} in {run.seconds:.0f} s, peak memory "
            f"{_gb(run.peak_gb)} GB, by `make gallery`.{status} [All lessons](index.html)*")


def write_page(run, out):
    """Write ``out/<name>.html``: the executed notebook with its outputs, figures embedded; return its path."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.from_dict(run.notebook)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(_banner(run)))
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    page = Path(out) / f"{run.name}.html"
    page.write_text(body, encoding="utf-8")
    return page


def write_index(runs, out):
    """Write ``out/index.html``: every lesson with its page, run time, peak memory and status; return its path."""
    rows = []
    for run in runs:
        status = "ok" if not run.error else f"error: {run.error}"
        rows.append(f"<tr><td><a href=\"{html.escape(run.name)}.html\">{html.escape(run.name)}</a></td>"
                    f"<td>{run.seconds:.1f}</td><td>{_gb(run.peak_gb)}</td><td>{html.escape(status)}</td></tr>")
    modes = {run.fast for run in runs}
    mode = "fast mode (FCVIZ_FAST=1)" if modes == {True} else "full size" if modes == {False} else "mixed modes"
    page = Path(out) / "index.html"
    page.write_text(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>fcviz lessons</title>\n"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em 1em;text-align:left}</style></head>\n"
        f"<body><h1>fcviz lessons, executed</h1>\n<p>Run at {mode} on {datetime.date.today().isoformat()}, one "
        "fresh kernel each; run time includes the kernel's start, peak memory is the larger of the kernel's "
        "high-water mark and the sampled total with its subprocesses.</p>\n"
        "<table><thead><tr><th>notebook</th><th>run time (s)</th><th>peak memory (GB)</th><th>status</th></tr>"
        "</thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table></body></html>\n",
        encoding="utf-8")
    return page


def build_gallery(out="gallery", names=None, *, fast=False, threads=2, timeout=900, folder=None, log=None):
    """Execute the lessons and write their pages and the index into ``out`` (``make gallery``).

    Parameters
    ----------
    out : path-like, default="gallery"
        The folder for the pages, created if missing.
    names : iterable of str, optional
        Which lessons (names or prefixes, see :func:`fcviz.teach.assign.lesson_paths`). Default: all.
    fast : bool, default=False
        Fast mode (small data): a quick look, not the lesson's real numbers.
    threads : int, default=2
        OMP/MKL threads of each kernel.
    timeout : int, default=900
        Seconds allowed per cell.
    folder : path-like, optional
        Where the lessons are; default ``notebooks/`` of the source checkout.
    log : callable, optional
        Called with one line per notebook as it finishes (e.g. ``print``).

    Returns
    -------
    list of NotebookRun
        One per lesson, in order. A lesson that fails still gets its page, saying where it stopped.
    """
    from .assign import lesson_paths

    paths = lesson_paths(names, folder=folder)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    runs = []
    for path in paths:
        run = run_notebook(path, threads=threads, fast=fast, timeout=timeout, autobuild=True)
        write_page(run, out)
        runs.append(run)
        if log is not None:
            log(f"  {run.name}: {run.seconds:.1f} s, peak {_gb(run.peak_gb)} GB"
                + (f" -> error: {run.error}" if run.error else ""))
    write_index(runs, out)
    return runs
