"""Runtime of one distance between two graphs: Top against persistence-diagram baselines (Figure 3).

For each size n, two random modular graphs are compared (by default edge-level random modular graphs,
``fcviz.synthetic.random_modular_networks``, like the paper's runtime study) by

- **Top**: ``birth_death`` of both graphs plus ``topological_distance`` (closed form);
- each baseline (BD, WD, SWK, HK, PI): Vietoris–Rips H1 persistence of both graphs (``ripser`` on
  ``sqrt(1 - w)`` distances) plus the diagram distance (kernel-induced distance for SWK and HK,
  Euclidean distance between persistence images for PI).

Rips persistence and each diagram distance run in child processes under a time budget
(``--budget``, per baseline and size: Rips of both graphs plus that distance must fit in it). A size
whose estimated Rips cost is far over the budget is skipped up front, a child that runs past the
budget is killed, and once Rips alone is over budget larger sizes are skipped. Such cells print
"> budget" and the ratio is then a lower bound (">"). Times are medians over at least
``--repeats`` runs (and 0.5 s) for Top and single runs for the baselines, measured inside the
child after a warm-up call (imports and process start-up are not timed). ``--kind correlation`` uses
modular correlation graphs (``random_modular_graphs``), whose low-rank structure makes Rips far
cheaper; ``--kind uniform`` unstructured uniform weights.

Usage::

    python benchmarks/bench_runtime.py            # n = 30 ... 1000, budget 60 s per baseline and size
    python benchmarks/bench_runtime.py --quick    # n = 30, 60, 120, budget 10 s: a smoke run
    python benchmarks/bench_runtime.py --kind uniform --sizes 60 120 250
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

DEFAULT_SIZES = (30, 60, 120, 250, 500, 1000)
QUICK_SIZES = (30, 60, 120)
METHODS = ("BD", "WD", "SWK", "HK", "PI")
# Skip a size without trying when the estimate exceeds the budget by this factor (estimates are rough).
SKIP_FACTOR = 10.0
# Seconds a child process may take beyond the budget to start (imports and warm-up are not timed).
STARTUP_ALLOWANCE = 5.0


def make_graphs(n_nodes, seed, kind="modular"):
    """Two graphs of ``n_nodes`` nodes (4 modules where modular)."""
    if kind == "uniform":
        upper = np.triu(np.random.default_rng(seed).random((2, n_nodes, n_nodes)), 1)
        return upper + upper.transpose(0, 2, 1)
    from fcviz.synthetic import random_modular_graphs, random_modular_networks

    if kind == "correlation":
        return random_modular_graphs(2, n_nodes, 4, random_state=seed)
    return random_modular_networks(2, n_nodes, 4, random_state=seed)


def time_top(G, H, repeats, min_seconds=0.5):
    """Median seconds of birth_death of both graphs plus topological_distance, and the distance.

    Runs at least ``repeats`` times and at least ``min_seconds`` in all (at most 1000 runs).
    """
    from fcviz import birth_death, topological_distance

    topological_distance(birth_death(G), birth_death(H))  # warm-up (thread pool, caches)
    times = []
    while len(times) < repeats or (sum(times) < min_seconds and len(times) < 1000):
        t0 = time.perf_counter()
        value = topological_distance(birth_death(G), birth_death(H))
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), float(value)


def _child_rips(path, out):
    """Child process: Rips H1 diagrams of both graphs in ``path``, saved to ``out``; prints seconds."""
    from ripser import ripser

    from fcviz.baselines import weights_to_distance

    graphs = np.load(path)
    ripser(weights_to_distance(graphs[0, :5, :5]), distance_matrix=True, maxdim=1)  # warm-up
    t0 = time.perf_counter()
    diagrams = []
    for D in weights_to_distance(graphs):
        dgm = ripser(D, distance_matrix=True, maxdim=1)["dgms"][1]
        diagrams.append(dgm[np.isfinite(dgm[:, 1])])
    seconds = time.perf_counter() - t0
    np.savez(out, a=diagrams[0], b=diagrams[1])
    print(json.dumps({"seconds": seconds, "points": [len(d) for d in diagrams]}), flush=True)


def _child_distance(path, method):
    """Child process: one diagram distance between the two diagrams in ``path``; prints seconds."""
    from fcviz.baselines import diagram_distance

    tiny = np.array([[0.1, 0.4], [0.2, 0.3]])
    diagram_distance(tiny, tiny[:1], method=method)  # warm-up: imports stay out of the timing
    with np.load(path) as data:
        a, b = data["a"], data["b"]
    t0 = time.perf_counter()
    value = diagram_distance(a, b, method=method)
    print(json.dumps({"seconds": time.perf_counter() - t0, "value": value}), flush=True)


def _run_child(args, timeout):
    """Run this script with ``args`` in a child process; return its JSON record, or None if killed."""
    cmd = [sys.executable, os.path.abspath(__file__), *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:  # subprocess.run kills the child
        return None
    if proc.returncode != 0:
        raise RuntimeError(f"The baseline child process {args} failed (exit {proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_baselines(G, H, budget, methods):
    """Time Rips of both graphs, then each diagram distance, each baseline within ``budget`` seconds.

    Returns
    -------
    rips : dict or None
        ``{"seconds", "points"}``, or None when Rips alone ran past the budget.
    totals : dict
        Method -> Rips plus distance seconds, or None when that baseline ran past the budget.
    """
    with tempfile.TemporaryDirectory() as tmp:
        graphs, diagrams = os.path.join(tmp, "graphs.npy"), os.path.join(tmp, "diagrams.npz")
        np.save(graphs, np.stack([G, H]))
        rips = _run_child(["--_rips", graphs, diagrams], budget + STARTUP_ALLOWANCE)
        if rips is None or rips["seconds"] > budget:
            return rips, {m: None for m in methods}
        totals = {}
        for method in methods:
            left = budget - rips["seconds"]
            record = _run_child(["--_distance", diagrams, "--methods", method], left + STARTUP_ALLOWANCE)
            total = None if record is None else rips["seconds"] + record["seconds"]
            totals[method] = total if total is not None and total <= budget else None
    return rips, totals


def _fmt_ms(seconds):
    ms = seconds * 1000
    return f"{ms:.3g}" if ms < 100 else f"{ms:,.0f}"


def _fmt_ratio(ratio, lower_bound=False):
    text = f"{ratio:,.0f}x" if ratio >= 10 else f"{ratio:.2g}x"
    return (">" + text) if lower_bound else text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", help=f"node counts (default {DEFAULT_SIZES})")
    parser.add_argument("--budget", type=float, help="seconds allowed per size for the baselines (default 60)")
    parser.add_argument("--repeats", type=int, default=5, help="least number of timed runs for Top (median; at least 0.5 s in all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--quick", action="store_true", help="small sizes and a 10 s budget: a smoke run")
    parser.add_argument("--kind", choices=("modular", "correlation", "uniform"), default="modular",
                        help="modular: edge-level random modular graphs as in the paper's runtime study "
                             "(fcviz.synthetic.random_modular_networks, default); correlation: modular "
                             "correlation graphs (random_modular_graphs), cheap for Rips; uniform: "
                             "unstructured uniform weights")
    parser.add_argument("--_rips", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--_distance", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args._rips:
        _child_rips(*args._rips)
        return 0
    if args._distance:
        _child_distance(args._distance, args.methods[0])
        return 0

    from fcviz.baselines import estimate_baseline_cost

    sizes = args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    budget = args.budget if args.budget is not None else (10.0 if args.quick else 60.0)
    methods = args.methods
    print(f"One distance between two {args.kind} graphs; Top: birth_death of both + topological_distance; "
          f"baselines: Rips H1 of both + diagram distance, budget {budget:g} s per baseline and size. "
          "Times in ms.")
    header = ["n", "Top"] + list(methods) + [f"{m}/Top" for m in methods] + ["Rips", "Rips pts"]
    rows = []
    skip_rest = False
    start = time.perf_counter()
    for n in sizes:
        G, H = make_graphs(n, args.seed + n, args.kind)
        top, _ = time_top(G, H, args.repeats)
        rips, totals, note = None, {m: None for m in methods}, ""
        if skip_rest:
            note = "skipped: Rips of a smaller size was over budget"
        else:
            estimate = estimate_baseline_cost(n, 2, graph=G)
            if estimate > SKIP_FACTOR * budget:
                note = f"skipped: Rips estimated at {estimate:,.0f} s"
            else:
                rips, totals = run_baselines(G, H, budget, methods)
                if rips is None or rips["seconds"] > budget:
                    note = "Rips ran past the budget"
        skip_rest = skip_rest or rips is None or rips["seconds"] > budget
        cells_ms = [_fmt_ms(totals[m]) if totals[m] is not None else "> budget" for m in methods]
        cells_ratio = [
            _fmt_ratio(totals[m] / top) if totals[m] is not None else _fmt_ratio(budget / top, lower_bound=True)
            for m in methods
        ]
        rips_ms = _fmt_ms(rips["seconds"]) if rips is not None else "> budget"
        points = "/".join(str(p) for p in rips["points"]) if rips is not None else "-"
        rows.append([str(n), _fmt_ms(top)] + cells_ms + cells_ratio + [rips_ms, points] + ([note] if note else []))
        print("  " + " | ".join(rows[-1]), flush=True)

    print()
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(header))]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    for r in rows:
        line = "  ".join(c.rjust(w) for c, w in zip(r, widths))
        print(line + ("  # " + r[len(header)] if len(r) > len(header) else ""))
    print(f"\nTotal wall time {time.perf_counter() - start:.0f} s. Ratios are baseline/Top; '>' marks a lower "
          f"bound from the budget.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
