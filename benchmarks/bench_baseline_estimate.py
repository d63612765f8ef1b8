"""How well the Rips cost estimate of fcviz.baselines predicts, and how much it varies between runs.

The unit tests check the extrapolation and the fit with fixed calibration numbers (tests/test_baselines.py);
this script times the real thing on this machine:

1. Calibration noise: ``--repeats`` calibrations on the same graph; the spread (max / min) of the
   reference time t_80 and the range of the fitted exponent. Two calibrations are separate timings, so
   two estimates are only comparable within this spread.
2. Prediction: the estimate for one diagram of an ``--n``-node modular graph against the measured time
   (the shortest of a few runs); the ratio estimate / measured (the estimate is biased upwards on purpose).
3. The budget check of a 1500-node graph against a 1 s budget (expected: refused).

    python benchmarks/bench_baseline_estimate.py            # needs the extra: pip install "fcviz[baselines]"
    python benchmarks/bench_baseline_estimate.py --n 150 --repeats 3
"""

from __future__ import annotations

import argparse
import sys
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=120, help="nodes of the graph whose diagram is timed")
    parser.add_argument("--repeats", type=int, default=5, help="calibrations on the same graph")
    args = parser.parse_args(argv)

    from fcviz import baselines as B
    from fcviz.synthetic import random_modular_graphs

    graph = random_modular_graphs(1, args.n, 3, random_state=0)[0]
    D = B.weights_to_distance(graph)
    calibrations = [B._calibrate(D, 1) for _ in range(args.repeats)]
    t_ref = [c[1] for c in calibrations]
    exponents = [c[2] for c in calibrations]
    print(f"{args.repeats} calibrations on one {args.n}-node modular graph (sub-graphs of {B._CALIBRATION_SIZES}):")
    print(f"  t_{calibrations[0][0]}: {', '.join(f'{t * 1000:.2f}' for t in t_ref)} ms; "
          f"spread max/min {max(t_ref) / min(t_ref):.2f}x")
    print(f"  exponent: {', '.join(f'{a:.2f}' for a in exponents)}; range {min(exponents):.2f} .. {max(exponents):.2f}")

    estimate = B.estimate_baseline_cost(args.n, 1, graph=graph)
    runs = []
    for _ in range(3):
        tic = time.perf_counter()
        B._rips_diagram(D, 1)
        runs.append(time.perf_counter() - tic)
    measured = min(runs)
    print(f"one diagram of {args.n} nodes: estimated {estimate:.4f} s, measured {measured:.4f} s; "
          f"estimate / measured = {estimate / measured:.2f}x (biased upwards on purpose)")

    big = random_modular_graphs(1, 1500, 4, random_state=0)[0]
    tic = time.perf_counter()
    try:
        B.check_baseline_budget(1500, 1, 1.0, graph=big)
    except B.BaselineBudgetError as exc:
        verdict = f"refused, estimated {exc.estimate:.1f} s = {exc.estimate / 1.0:.0f}x the budget"
        refused = True
    else:
        verdict = "accepted (expected a refusal)"
        refused = False
    print(f"1500-node graph, 1 s budget: {verdict} (the check took {time.perf_counter() - tic:.2f} s)")
    return 0 if refused else 1


if __name__ == "__main__":
    sys.exit(main())
