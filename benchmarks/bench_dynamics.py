"""Benchmark snapshots during training: the classroom digits zoo with and without snapshot_epochs.

Target: building the zoo with ``snapshot_epochs=[0, 1, 2, 5, 10, 15]`` (six times the connectomes) takes
at most 1.5x the time of the plain build. Builds are uncached and interleaved (plain, snapshots, plain,
...) after one warm-up of each, so both see the same machine load; the ratio is of the medians.
Then prints the per-epoch :func:`fcviz.training_dynamics` table of the snapshot zoo and the first epoch
whose Top purity reaches 0.6.

    python benchmarks/bench_dynamics.py [--repeats 5] [--threads 2]

Exits with status 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

RATIO_TARGET = 1.5
SNAPSHOT_EPOCHS = [0, 1, 2, 5, 10, 15]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed builds of each kind")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--analysis-repeats", type=int, default=20, help="Top clusterings per epoch")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    from fcviz import connectome_zoo, training_dynamics

    def build(snapshot_epochs):
        tic = time.perf_counter()
        zoo = connectome_zoo("digits", "all", preset="classroom", cache=False, progress=False,
                             snapshot_epochs=snapshot_epochs)
        return time.perf_counter() - tic, zoo

    build(None)  # warm-up: imports, first kernels, stimuli
    build(SNAPSHOT_EPOCHS)
    times = {"plain": [], "snapshots": []}
    zoo = None
    for _ in range(args.repeats):
        seconds, _ = build(None)
        times["plain"].append(seconds)
        seconds, zoo = build(SNAPSHOT_EPOCHS)
        times["snapshots"].append(seconds)

    plain, snap = statistics.median(times["plain"]), statistics.median(times["snapshots"])
    ratio = snap / plain
    print(f"classroom digits zoo, {len(zoo.at_epoch(zoo.epochs[-1]))} networks x 15 epochs, "
          f"{args.repeats} interleaved builds each, torch threads {args.threads}:")
    print("  without snapshots: median {:.3f} s  ({})".format(plain, ", ".join(f"{t:.2f}" for t in times["plain"])))
    print("  snapshots {}: median {:.3f} s  ({})".format(SNAPSHOT_EPOCHS, snap,
                                                         ", ".join(f"{t:.2f}" for t in times["snapshots"])))
    print(f"  {len(zoo)} connectomes; of the last build: train {zoo.metadata['timings']['train_s']:.3f} s, "
          f"snapshot connectomes {zoo.metadata['timings']['snapshot_s']:.3f} s")
    print(f"  ratio {ratio:.2f}x (target <= {RATIO_TARGET}x): {'ok' if ratio <= RATIO_TARGET else 'MISSED'}")

    tic = time.perf_counter()
    result = training_dynamics(zoo, n_repeats=args.analysis_repeats)
    analysis = time.perf_counter() - tic
    print(f"\ntraining_dynamics ({args.analysis_repeats} Top clusterings and "
          f"{result.settings['n_permutations']} permutations per epoch, {analysis:.2f} s):")
    print(result.to_text())
    first = result.first_separation(0.6)
    print(f"first_separation(0.6): {first}")
    return 0 if ratio <= RATIO_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
