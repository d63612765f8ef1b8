"""Benchmark the tutorial notebooks in full mode: wall time and peak memory of the kernel, one at a time.

Targets (a Binder session or a classroom laptop): at most 1.5 GB peak memory and at most 3 minutes per
notebook on 2 cores. Every notebook runs top to bottom with nbclient in a fresh kernel, with
``FCVIZ_FAST`` unset (the full lesson, as a student runs it), ``MPLBACKEND`` unset (inline figures are
rendered, as in JupyterLab) and ``OMP_NUM_THREADS``/``MKL_NUM_THREADS`` set to ``--threads``, in a
temporary working folder. ``--cold`` gives every notebook a fresh, empty ``FCVIZ_CACHE_DIR``, so cached
connectome zoos are rebuilt and timed; without it the cache of the environment is used.

How peak memory is measured — two complementary readings; the larger one is checked:

1. **Exact high-water mark of the kernel process.** A cell appended to the notebook (after the last
   one; never saved) reads ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` inside the kernel: the peak
   resident set size the operating system recorded for that process over its whole life. Each notebook
   gets a fresh kernel, so this is the notebook's own peak, and no spike, however short, is missed.
   (``RUSAGE_CHILDREN`` is not used: a forked child's ``ru_maxrss`` counts the parent's pages it
   inherited, so it reports the kernel's size again for every short-lived ``fork``/``exec``.)
2. **Sampled total with subprocesses.** A thread polls, every ``--interval`` seconds (default 0.05),
   the kernel's resident memory plus the proportional set size (PSS: shared pages split between the
   processes sharing them) of all its live descendants with psutil, and keeps the largest total. It
   counts workers (joblib, DataLoader) that run *at the same time* as the kernel, which (1) cannot,
   at the price of missing spikes shorter than the interval. A child's pages shared with the kernel
   are counted in both at least in part, so the total errs on the high side.

The "peak" column is the larger of the two. Wall time is that of the whole run, kernel start-up
included (what "Run All" costs a student). Note that ``import torch`` alone is a sizeable part of the
peak of every notebook that uses it (measured here: about 0.5 GB with torchvision).

Usage::

    python benchmarks/bench_notebooks.py                      # every notebook in notebooks/
    python benchmarks/bench_notebooks.py 02_persistent_graph_homology 07_scaling --cold
    python benchmarks/bench_notebooks.py --threads 2 --time-target 180 --memory-target 1.5

Exits with status 1 when a notebook fails, or misses a target.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
TIME_TARGET_S = 180.0
MEMORY_TARGET_GB = 1.5
GB = 1024**3

# Appended to each notebook (in memory only): the kernel's own high-water mark, in bytes.
PEAK_CELL = """
import resource as _resource, sys as _sys
_scale = 1 if _sys.platform == "darwin" else 1024          # ru_maxrss: bytes on macOS, KiB on Linux
print("FCVIZ_BENCH_PEAK", _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss * _scale)
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
                    total = process.memory_info().rss
                    for child in process.children(recursive=True):
                        try:
                            info = child.memory_full_info()
                            total += getattr(info, "pss", info.rss)
                        except (psutil.NoSuchProcess, psutil.AccessDenied):
                            pass
                    self.peak = max(self.peak, total)
                    self.samples += 1
                except psutil.NoSuchProcess:
                    return
            self._halt.wait(self.interval)

    def stop(self):
        self._halt.set()
        self.join()


def kernel_env(threads, cache_dir):
    """The kernel's environment: full mode, inline figures, a thread count, optionally a fresh cache."""
    env = dict(os.environ)
    for name in ("FCVIZ_FAST", "MPLBACKEND"):
        env.pop(name, None)
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[name] = str(threads)
    if cache_dir is not None:
        env["FCVIZ_CACHE_DIR"] = str(cache_dir)
    return env


def run_notebook(path, *, threads, cold, timeout, interval):
    """Execute one notebook in a fresh kernel; return a record of its time, memory and outcome."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from nbformat.v4 import new_code_cell

    nb = nbformat.read(path, as_version=4)
    nb.cells.append(new_code_cell(PEAK_CELL.strip()))
    sampler = TreeSampler(interval)
    record = {"name": path.stem, "seconds": None, "kernel": None, "tree": None, "error": ""}
    with tempfile.TemporaryDirectory(prefix="fcviz-bench-nb-") as work:
        cache = Path(work) / "cache" if cold else None
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": work}})

        def started(**kwargs):
            sampler.pid = client.km.provisioner.pid
            sampler.start()

        client.on_notebook_start = started
        t0 = time.perf_counter()
        try:
            client.execute(env=kernel_env(threads, cache))
        except CellExecutionError as exc:
            record["error"] = str(exc).strip().splitlines()[-1][:120]
        except Exception as exc:  # noqa: BLE001 - a timeout or a dead kernel is a result to report
            record["error"] = f"{type(exc).__name__}: {exc}"[:120]
        record["seconds"] = time.perf_counter() - t0
        if sampler.is_alive():
            sampler.stop()
    record["tree"] = sampler.peak / GB if sampler.samples else None
    for output in nb.cells[-1].get("outputs", []):
        text = output.get("text", "")
        if output.get("output_type") == "stream" and text.startswith("FCVIZ_BENCH_PEAK "):
            record["kernel"] = int(text.split()[1]) / GB
    return record


def peak(record):
    """The memory checked against the target, in GB: the larger of the two readings."""
    readings = [r for r in (record["kernel"], record["tree"]) if r is not None]
    return max(readings) if readings else None


def verdict(record, time_target, memory_target):
    problems = []
    if record["error"]:
        problems.append("error: " + record["error"])
    if record["seconds"] is not None and record["seconds"] > time_target:
        problems.append("too slow")
    top = peak(record)
    if top is not None and top > memory_target:
        problems.append("too much memory")
    return "ok" if not problems else "FAIL: " + "; ".join(problems)


def resolve(names):
    if not names:
        return sorted(NOTEBOOKS.glob("*.ipynb"))
    paths = []
    for name in names:
        path = NOTEBOOKS / (name if name.endswith(".ipynb") else f"{name}.ipynb")
        if not path.exists():
            known = ", ".join(p.stem for p in sorted(NOTEBOOKS.glob("*.ipynb")))
            raise SystemExit(f"No notebook {path.name} in {NOTEBOOKS}; the notebooks are: {known}.")
        paths.append(path)
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="notebook names (with or without .ipynb); default: all")
    parser.add_argument("--cold", action="store_true", help="a fresh, empty FCVIZ_CACHE_DIR for every notebook")
    parser.add_argument("--threads", type=int, default=2, help="OMP/MKL threads of the kernel (default 2)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell (default 900)")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between memory samples")
    parser.add_argument("--time-target", type=float, default=TIME_TARGET_S, help="seconds per notebook")
    parser.add_argument("--memory-target", type=float, default=MEMORY_TARGET_GB, help="GB per notebook")
    args = parser.parse_args(argv)
    try:
        import psutil  # noqa: F401
    except ImportError:
        raise SystemExit("bench_notebooks.py needs psutil to sample memory: pip install psutil") from None

    paths = resolve(args.names)
    print(f"Full mode, {args.threads} threads, {'cold (fresh cache per notebook)' if args.cold else 'warm cache'}; "
          f"targets <= {args.time_target:.0f} s and <= {args.memory_target:.1f} GB per notebook.", flush=True)
    records = []
    for path in paths:
        record = run_notebook(path, threads=args.threads, cold=args.cold, timeout=args.timeout,
                              interval=args.interval)
        records.append(record)
        print(f"  {record['name']}: {record['seconds']:.1f} s, peak {_gb(peak(record))} "
              f"-> {verdict(record, args.time_target, args.memory_target)}", flush=True)

    header = ("notebook", "wall (s)", "peak (GB)", "kernel ru_maxrss", "sampled with children", "verdict")
    rows = [(r["name"], f"{r['seconds']:.1f}", _gb(peak(r)), _gb(r["kernel"]), _gb(r["tree"]),
             verdict(r, args.time_target, args.memory_target)) for r in records]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)))
    failed = [r for r in records if verdict(r, args.time_target, args.memory_target) != "ok"]
    print(f"\n{len(records) - len(failed)} of {len(records)} notebooks within targets "
          f"(<= {args.time_target:.0f} s, <= {args.memory_target:.1f} GB).")
    return 1 if failed else 0


def _gb(value):
    return "-" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    sys.exit(main())
