"""Benchmark the tutorial notebooks in full mode: wall time and peak memory of the kernel, one at a time.

Targets (a Binder session or a classroom laptop): at most 1.5 GB peak memory and at most 3 minutes per
notebook on 2 cores. Every notebook runs top to bottom with nbclient in a fresh kernel, with
``FCVIZ_FAST`` unset (the full lesson, as a student runs it), ``MPLBACKEND`` unset (inline figures are
rendered, as in JupyterLab) and ``OMP_NUM_THREADS``/``MKL_NUM_THREADS`` set to ``--threads``, in a
temporary working folder. ``--cold`` gives every notebook a fresh, empty ``FCVIZ_CACHE_DIR``, so cached
connectome zoos are rebuilt and timed; without it the cache of the environment is used.

How it is measured (wall time, the kernel's ru_maxrss and the sampled total with its subprocesses,
the larger being the peak) is written once, in :mod:`fcviz.teach.gallery`, which ``make gallery`` uses
too: both report the same numbers. Note that ``import torch`` alone is a sizeable part of the peak of
every notebook that uses it (measured here: about 0.5 GB with torchvision).

Usage::

    python benchmarks/bench_notebooks.py                      # every notebook in notebooks/
    python benchmarks/bench_notebooks.py 02_persistent_graph_homology 07_scaling --cold
    python benchmarks/bench_notebooks.py --threads 2 --time-target 180 --memory-target 1.5

Exits with status 1 when a notebook fails, or misses a target.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fcviz.teach.assign import lesson_paths
from fcviz.teach.gallery import run_notebook

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
TIME_TARGET_S = 180.0
MEMORY_TARGET_GB = 1.5


def verdict(run, time_target, memory_target):
    problems = []
    if run.error:
        problems.append("error: " + run.error)
    if run.seconds is not None and run.seconds > time_target:
        problems.append("too slow")
    top = run.peak_gb
    if top is not None and top > memory_target:
        problems.append("too much memory")
    return "ok" if not problems else "FAIL: " + "; ".join(problems)


def resolve(names):
    try:
        return lesson_paths(names or None, folder=NOTEBOOKS)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None


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
        print(f"  {record.name}: {record.seconds:.1f} s, peak {_gb(record.peak_gb)} "
              f"-> {verdict(record, args.time_target, args.memory_target)}", flush=True)

    header = ("notebook", "wall (s)", "peak (GB)", "kernel ru_maxrss", "sampled with children", "verdict")
    rows = [(r.name, f"{r.seconds:.1f}", _gb(r.peak_gb), _gb(r.kernel_gb), _gb(r.tree_gb),
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
