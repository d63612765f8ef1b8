"""Benchmark what the widget tests check only by function: how fast the controls answer, and memory.

The unit tests (tests/test_viz_dashboard.py, tests/test_viz_explorers.py) check that a click on Build
returns while the build runs in a thread, that Cancel stops it inside the epoch under way, that a slow
clustering runs in a background thread and that redraws hold a bounded number of frames and artists.
How *fast* those happen, and how much memory the redraws take, depend on the machine and its load,
so they are measured here, on a tiny digits zoo (4 strategies x 2 networks, 2 epochs, 60 stimuli,
built into a temporary cache folder first, not timed):

(1) Build click: ``dash.build_button.click()`` until it returns, with the zoo in the cache (the
    build runs in a thread). Target: < 0.5 s (worst of ``--repeats``).
(2) Cancel: a build of 1,200 epochs under way, ``dash.cancel_button.click()`` until the build thread
    has ended. Target: < 1.0 s (worst of ``--repeats``).
(3) Background clustering: ``explorer.weight.value = w`` (Top clustering at 0 < w < 1, a new fit
    each time, ``background=True``) until the callback returns, and until the fit is shown.
    Target: the callback < 1.0 s (worst).
(4) Memory: 200 node-order changes of a ConnectomeExplorer (30 dpi, after 20 warm-up changes), with
    the frame cache off (every change drawn) and on (64 frames: every change swapped): growth of the
    resident set size. Target: < 20 MiB each.

    python benchmarks/bench_widget_responsiveness.py [--repeats 5]

Each line prints the number, the target and measured/target (under 1 is within the target). Exits
with status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import psutil  # noqa: E402

import fcviz  # noqa: E402
from fcviz.viz import ClusteringExplorer, ConnectomeExplorer, Dashboard  # noqa: E402

TINY = {"n_networks": 2, "epochs": 2, "n_stimuli": 60}
CLICK_TARGET_S = 0.5
CANCEL_TARGET_S = 1.0
CALLBACK_TARGET_S = 1.0
MEMORY_TARGET_MIB = 20.0


def build_click(cache_dir, repeats):
    """Seconds for the Build click to return (zoo in the cache), one per repeat."""
    dash = Dashboard(cache_dir=cache_dir, **TINY)
    dash.build_button.click()
    if not dash.wait(600) or dash.zoo_ is None:
        raise RuntimeError(f"the first build failed: {dash.status.value}\n{dash.last_error_}")
    seconds = []
    for _ in range(repeats):
        tic = time.perf_counter()
        dash.build_button.click()
        seconds.append(time.perf_counter() - tic)
        if not dash.wait(600):
            raise RuntimeError("a cached build did not end")
    return seconds


def cancel_latency(cache_dir, repeats):
    """Seconds from the Cancel click until the build thread has ended, one per repeat."""
    seconds = []
    for _ in range(repeats):
        dash = Dashboard(cache_dir=cache_dir, **{**TINY, "epochs": 300})
        dash.build_button.click()
        deadline = time.perf_counter() + 300
        while dash.progress.value < 2 and dash.building_ and time.perf_counter() < deadline:
            time.sleep(0.005)
        if not dash.building_ or dash.progress.value < 2:
            raise RuntimeError(f"the build did not get under way: {dash.status.value}")
        tic = time.perf_counter()
        dash.cancel_button.click()
        if not dash.wait(60):
            raise RuntimeError("Cancel did not stop the build within a minute")
        seconds.append(time.perf_counter() - tic)
        if "Cancelled" not in dash.status.value:
            raise RuntimeError(f"the build ended otherwise: {dash.status.value}")
    return seconds


def background_callback(zoo, repeats):
    """(callback seconds, seconds until shown) of new Top fits at 0 < w < 1 in the background."""
    explorer = ClusteringExplorer(zoo, dpi=30, background=True)
    callbacks, shown = [], []
    for i in range(repeats):
        tic = time.perf_counter()
        explorer.weight.value = round(0.5 + 0.05 * (i % 9), 2)  # a weight not fitted before
        callbacks.append(time.perf_counter() - tic)
        if not explorer.wait(600):
            raise RuntimeError("the background fit did not end")
        shown.append(time.perf_counter() - tic)
        if explorer.last_error_ is not None:
            raise RuntimeError(explorer.last_error_)
    return callbacks, shown


def memory_growth(zoo, frame_cache, changes=200):
    """Growth of the resident set (MiB) over ``changes`` node-order changes, after 20 warm-up changes."""
    explorer = ConnectomeExplorer(zoo, dpi=30, frame_cache=frame_cache)
    process = psutil.Process()
    for i in range(20):  # caches, fonts, the layout
        explorer.order.value = ("tree", "layer")[i % 2]
    gc.collect()
    start = process.memory_info().rss
    tic = time.perf_counter()
    for i in range(changes):
        explorer.order.value = ("tree", "layer")[i % 2]
    seconds = time.perf_counter() - tic
    gc.collect()
    growth = (process.memory_info().rss - start) / 2**20
    explorer.close()
    return growth, seconds / changes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="repeats of (1), (2) and (3) (default 5)")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="fcviz-bench-responsiveness-") as cache_dir:
        tic = time.perf_counter()
        clicks = build_click(cache_dir, args.repeats)
        print(f"tiny zoo built and loaded {args.repeats} times in {time.perf_counter() - tic:.1f} s")
        rows.append(("(1) Build click returns, worst s", max(clicks), CLICK_TARGET_S))
        rows.append(("(2) Cancel -> build ended, worst s", max(cancel_latency(cache_dir, args.repeats)),
                     CANCEL_TARGET_S))
        zoo = fcviz.connectome_zoo(cache_dir=cache_dir, progress=False, **TINY).trained()
    callbacks, shown = background_callback(zoo, args.repeats)
    rows.append(("(3) background fit: callback, worst s", max(callbacks), CALLBACK_TARGET_S))
    rows.append(("(3) background fit: shown, median s", sorted(shown)[len(shown) // 2], None))
    for frame_cache in (0, 64):
        growth, per_change = memory_growth(zoo, frame_cache)
        rows.append((f"(4) 200 redraws, frame_cache={frame_cache}: MiB", growth, MEMORY_TARGET_MIB))
        rows.append((f"(4) 200 redraws, frame_cache={frame_cache}: s/change", per_change, None))

    print(f"\n{'measurement':<42} {'value':>9} {'target':>8} {'value/target':>13}  result")
    ok = True
    for name, value, target in rows:
        if target is None:
            print(f"{name:<42} {value:>9.3f} {'(info)':>8}")
            continue
        passed = value < target
        ok &= passed
        print(f"{name:<42} {value:>9.3f} {target:>8.2f} {value / target:>13.2f}  {'PASS' if passed else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
