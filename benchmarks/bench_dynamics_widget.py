"""Benchmark the training-dynamics widget: switching epochs from the frame cache, and the first renders.

On the classroom digits zoo recorded at epochs 0, 1, 2, 5, 10 and 15 (built into a temporary cache
folder first, not timed), a :class:`fcviz.viz.DynamicsExplorer` at the default 100 dpi:

- setup: ``fcviz.training_dynamics`` (default 20 repeats, 999 permutations) and the explorer itself
  (persistence of every connectome, the displays, the layouts settled, the first frame);
- first render: every frame of the first network of each strategy, visited once in playback order
  (epoch slider moves, and the strategy changes that land on a new frame), timed through
  ``control.value = ...``;
- cached switch: the same frames visited again, as the Play button would step them (only PNG
  bytes are swapped into the images). Target: median <= 50 ms per frame;
- prerender: :meth:`DynamicsExplorer.prerender` of a network not visited yet (its 6 frames);
- GIF: :meth:`DynamicsExplorer.save_gif` of a selection whose frames are cached.

    python benchmarks/bench_dynamics_widget.py [--loops 20] [--dpi 100]

Headless: no front end is connected, so an image's new bytes go nowhere; in JupyterLab each switch
also sends the PNGs of the panels that changed (about 40–70 kB each at 100 dpi) over the websocket.
Exits with status 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import numpy as np  # noqa: E402

import fcviz  # noqa: E402
from fcviz.viz import DynamicsExplorer  # noqa: E402

SNAPSHOT_EPOCHS = [0, 1, 2, 5, 10, 15]
SWITCH_TARGET_S = 0.050


def timed(set_value):
    tic = time.perf_counter()
    set_value()
    return time.perf_counter() - tic


def row(name, seconds, note=""):
    ms = 1000 * np.asarray(seconds)
    return (f"{name:<34} {len(ms):>5} {np.median(ms):>10.1f} {np.percentile(ms, 95):>9.1f} {ms.max():>9.1f}  "
            f"{note}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loops", type=int, default=20, help="passes over the cached frames")
    parser.add_argument("--dpi", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads of the (untimed) build")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as folder:
        zoo = fcviz.connectome_zoo("digits", "all", preset="classroom", snapshot_epochs=SNAPSHOT_EPOCHS,
                                   cache_dir=folder, progress=False)
        print(f"{zoo!r}: {len(zoo)} connectomes of {zoo.n_nodes} neurons, epochs {zoo.epochs}")

        tic = time.perf_counter()
        dynamics = fcviz.training_dynamics(zoo)
        dynamics_s = time.perf_counter() - tic
        tic = time.perf_counter()
        explorer = DynamicsExplorer(zoo, dynamics=dynamics, dpi=args.dpi)
        setup_s = time.perf_counter() - tic

        strategies = list(explorer.strategy.options)
        n_epochs = len(explorer.epochs_)
        playback = [(s, i) for s in strategies for i in range(n_epochs)]  # epoch 0 … 15, strategy by strategy

        def changes(strategy, index):
            """The control changes that show (strategy, epoch index), one frame each."""
            if explorer.strategy.value != strategy:
                yield lambda: setattr(explorer.epoch, "value", index)  # a frame of the previous strategy
                yield lambda: setattr(explorer.strategy, "value", strategy)  # its first network, same epoch
            elif explorer.epoch.value != index:
                yield lambda: setattr(explorer.epoch, "value", index)

        first = []
        for strategy, index in playback:
            for change in changes(strategy, index):
                before = len(explorer.frames_)
                seconds = timed(change)
                if len(explorer.frames_) > before:
                    first.append(seconds)
        renders = {name: panel.n_renders_ for name, panel in explorer.panels_.items()}
        cached = []
        for _ in range(args.loops):
            for strategy, index in playback:
                for change in changes(strategy, index):
                    cached.append(timed(change))
        assert {name: panel.n_renders_ for name, panel in explorer.panels_.items()} == renders, "a cached frame rendered"
        assert explorer.last_error_ is None, explorer.last_error_

        explorer.network.value = explorer.network.options[1][1]
        tic = time.perf_counter()
        n_prerendered = explorer.prerender()
        prerender_s = time.perf_counter() - tic
        tic = time.perf_counter()
        gif = explorer.save_gif(Path(folder) / "dynamics.gif")
        gif_s = time.perf_counter() - tic
        gif_kb = gif.stat().st_size / 1024
        sizes = [len(png) for frame in explorer.frames_.values() for png in frame.values()]

    median = statistics.median(cached)
    print(f"\nDynamicsExplorer at {args.dpi} dpi, {n_epochs} epochs x {len(strategies)} strategies "
          f"({len(first)} frames rendered, then {len(cached)} cached switches):")
    print(f"{'':<34} {'n':>5} {'median ms':>10} {'p95 ms':>9} {'max ms':>9}")
    print(row("setup: training_dynamics", [dynamics_s], "default 20 repeats, 999 permutations"))
    print(row("setup: DynamicsExplorer(zoo, ...)", [setup_s], "displays, layouts settled, first frame"))
    print(row("first render of a frame", first, "3-4 panels drawn and encoded"))
    print(row("cached switch (Play step)", cached,
              f"target <= {1000 * SWITCH_TARGET_S:.0f} ms: {'met' if median <= SWITCH_TARGET_S else 'MISSED'}"))
    print(row("prerender(): one network", [prerender_s], f"{n_prerendered} frames"))
    print(row("save_gif (frames cached)", [gif_s], f"{n_epochs} frames, {gif_kb:.0f} kB"))
    print(f"PNG per panel: median {statistics.median(sizes) / 1024:.0f} kB; {len(explorer.frames_)} frames cached")
    explorer.close()
    return 0 if median <= SWITCH_TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
