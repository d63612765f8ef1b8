"""Batched versus sequential training of N MNIST-size MLPs (784-128-64-10), one epoch.

Random MNIST-shaped tensors stand in for the data (no download). Both modes run the same networks
(same initial weights, same data order); the script prints both times, the ratio and whether the
issue's target (batched at least 3× faster for N = 20) is met. Each mode is timed ``--repeats`` times,
interleaved, and the best time is kept, which damps noise from other work on a shared machine.

    python benchmarks/bench_training.py            # N=20, 3000 images, 2 repeats (~1 minute on 2 cores)
    python benchmarks/bench_training.py --quick    # N=20, 1000 images, 1 repeat
    python benchmarks/bench_training.py --threads 1
    python benchmarks/bench_training.py --floor    # issue 23: batched step at batch 128 vs the bmm floor

``--floor`` times one batched training step of 20 MLPs at batch 128 at paper scale (a whole
``train_networks`` call over one epoch of 60,000 MNIST-size images, divided by its 469 steps) and,
interleaved in the same run, the matrix products of the same shapes alone (``torch.bmm`` into
preallocated outputs: the forward product of each layer, and the two backward products per layer
except the input gradient of the first), and prints their ratio (target <= 1.2), medians of three
interleaved repeats. A 12-step call timed alongside splits the step into the fixed cost of a call
(building, stacking and copying back the networks) and the marginal cost of one more step.
"""

from __future__ import annotations

import argparse
import time

import torch

from fcviz.training import train_networks

TARGET = 3.0


def _time(batched: bool, data, args) -> float:
    start = time.perf_counter()
    train_networks("mnist", args.regularizer, args.networks, epochs=1, seed=0, data=data, batched=batched,
                   progress=False, device="cpu" if args.cpu else None)
    return time.perf_counter() - start


LAYERS = (784, 128, 64, 10)
FLOOR_TARGET = 1.2


def _bmm_floor(n_net: int, batch: int, steps: int) -> float:
    """Seconds per step of the forward and backward matrix products of the batched MLPs."""
    shapes = list(zip(LAYERS[:-1], LAYERS[1:]))
    x = [torch.rand(n_net, batch, a) for a, _ in shapes]
    w = [torch.rand(n_net, a, b) for a, b in shapes]
    g = [torch.rand(n_net, batch, b) for _, b in shapes]
    out_f = [torch.empty(n_net, batch, b) for _, b in shapes]
    out_w = [torch.empty(n_net, a, b) for a, b in shapes]
    out_x = [torch.empty(n_net, batch, a) for a, _ in shapes]
    start = time.perf_counter()
    for _ in range(steps):
        for k in range(len(shapes)):
            torch.bmm(x[k], w[k], out=out_f[k])
            torch.bmm(x[k].transpose(1, 2), g[k], out=out_w[k])
            if k:
                torch.bmm(g[k], w[k].transpose(1, 2), out=out_x[k])
    return (time.perf_counter() - start) / steps


PAPER_EPOCH = 60_000  # MNIST's training images: one epoch at paper scale


def floor_ratio(n_net: int = 20, batch: int = 128, samples: int = PAPER_EPOCH, repeats: int = 3) -> float:
    """Median seconds per batched training step over the bmm floor of the same shapes (same run).

    The step is a whole ``train_networks`` call over one epoch of ``samples`` images divided by its
    steps (paper scale: MNIST's 60,000 images, 469 steps); a short call of 12 steps, timed alongside,
    splits it into the fixed cost of a call and the marginal cost of a step.
    """
    import os

    import numpy as np

    gen = torch.Generator().manual_seed(0)
    data = (torch.rand(samples, 1, 28, 28, generator=gen), torch.randint(0, 10, (samples,), generator=gen))
    short = (data[0][:batch * 12], data[1][:batch * 12])
    steps, short_steps = -(-samples // batch), 12
    train_networks("mnist", "vanilla", n_net, epochs=1, seed=0, data=(data[0][:batch * 4], data[1][:batch * 4]),
                   batch_size=batch, progress=False, device="cpu")  # warm-up
    t_call, t_short, t_floor = [], [], []
    for _ in range(repeats):
        t_call.append(_time_call(n_net, batch, data))
        t_floor.append(_bmm_floor(n_net, batch, 40))
        t_short.append(_time_call(n_net, batch, short))
    call, short_call, floor = (float(np.median(t)) for t in (t_call, t_short, t_floor))
    step = call / steps
    marginal = (call - short_call) / (steps - short_steps)  # each call = fixed cost + steps x marginal step
    fixed = call - steps * marginal
    print(f"batched step of {n_net} MLPs {'-'.join(map(str, LAYERS))} at batch {batch}, one epoch of {samples:,} "
          f"images ({steps} steps): {step * 1e3:.2f} ms; bmm floor of the same shapes: {floor * 1e3:.2f} ms "
          f"(torch threads {torch.get_num_threads()})")
    print(f"  per call (build, stack, copy back {n_net} networks): {fixed * 1e3:.1f} ms; marginal step "
          f"{marginal * 1e3:.2f} ms = {marginal / floor:.2f} x floor; a {short_steps}-step call: "
          f"{short_call / short_steps * 1e3:.2f} ms per step = {short_call / short_steps / floor:.2f} x floor")
    print(f"RATIO batched training step / bmm floor = {step / floor:.2f}  (target <= {FLOOR_TARGET}; "
          f"load {os.getloadavg()[0]:.2f})")
    return step / floor


def _time_call(n_net: int, batch: int, data) -> float:
    """Seconds of one ``train_networks`` call of the floor's setting (one epoch over ``data``)."""
    start = time.perf_counter()
    train_networks("mnist", "vanilla", n_net, epochs=1, seed=0, data=data, batch_size=batch, progress=False,
                   device="cpu")
    return time.perf_counter() - start


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1000 images, one repeat")
    parser.add_argument("--networks", type=int, default=20)
    parser.add_argument("--samples", type=int, default=None, help="training images (default 3000; quick 1000)")
    parser.add_argument("--repeats", type=int, default=None, help="timings per mode (default 2; quick 1)")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--regularizer", default="vanilla")
    parser.add_argument("--cpu", action="store_true", help="force the CPU even when CUDA is available")
    parser.add_argument("--floor", action="store_true", help="only the ratio to the bmm floor (issue 23)")
    args = parser.parse_args(argv)
    if args.floor:
        if args.threads:
            torch.set_num_threads(args.threads)
        return floor_ratio()
    samples = args.samples or (1000 if args.quick else 3000)
    repeats = args.repeats or (1 if args.quick else 2)
    if args.threads:
        torch.set_num_threads(args.threads)

    gen = torch.Generator().manual_seed(0)
    data = (torch.rand(samples, 1, 28, 28, generator=gen), torch.randint(0, 10, (samples,), generator=gen))
    warm = (data[0][:200], data[1][:200])
    for batched in (True, False):  # warm-up: allocator, kernels, lazy imports
        train_networks("mnist", args.regularizer, 2, epochs=1, seed=0, data=warm, batched=batched,
                       progress=False, device="cpu" if args.cpu else None)

    t_batched, t_sequential = [], []
    for _ in range(repeats):
        t_batched.append(_time(True, data, args))
        t_sequential.append(_time(False, data, args))
    tb, ts = min(t_batched), min(t_sequential)
    ratio = ts / tb
    device = "cpu" if args.cpu or not torch.cuda.is_available() else "cuda"
    print(f"{args.networks} × MLP 784-128-64-10 ({args.regularizer}), 1 epoch of {samples} images, "
          f"batch 50, device {device}, torch threads {torch.get_num_threads()}")
    print(f"sequential: {ts:.3f} s   (all: {', '.join(f'{t:.3f}' for t in t_sequential)})")
    print(f"batched:    {tb:.3f} s   (all: {', '.join(f'{t:.3f}' for t in t_batched)})")
    print(f"speedup batched/sequential: {ratio:.2f}×")
    print(f"target ≥ {TARGET:.0f}×: {'PASS' if ratio >= TARGET else 'FAIL'}")
    return ratio


if __name__ == "__main__":
    main()
