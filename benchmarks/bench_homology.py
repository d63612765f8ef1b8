"""Benchmark of birth_death against the paper's approach and against the floor of a single sort.

For n in {192, 384, 1000, 2000} it times, in one process on the same graph:
- baseline: scipy's minimum_spanning_tree on the negated upper triangle, then sorting the MST
  weights and the non-MST weights (the paper's approach);
- floor: one np.sort of the n(n-1)/2 edge weights (every method must order the edges);
- fcviz.birth_death (validated, default threads) and with n_jobs=1 (one core).
Then a batch of 200 graphs of 384 nodes: decomposition and pairwise_distances.

Last, the ratios of issue 23, each timed interleaved with its floor in the same run (medians of
``--repeats``): birth_death of one graph of 1,000 and 2,000 nodes against one np.sort of its edges
(target <= 1.0), and of batches of 200 x 384 and 1,000 x 64 against the sum of the per-graph sorts
(target <= 1.1); each line also gives the ratio on one thread and with the compiled kernels off (the
numpy kernels). Every line gives the load average: on a shared machine two threads rarely both run.

Run: python benchmarks/bench_homology.py [--repeats R] [--quick] [--ratios-only]
"""

import argparse
import os
import time

import numpy as np
from scipy.sparse.csgraph import minimum_spanning_tree

from fcviz import _compiled, birth_death, pairwise_distances
from fcviz.synthetic import random_modular_graphs


def best_time(func, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)


def interleaved_medians(funcs, repeats):
    """Median seconds of each function, timed in turn ``repeats`` times (same load for all)."""
    times = [[] for _ in funcs]
    for _ in range(repeats):
        for func, out in zip(funcs, times):
            t0 = time.perf_counter()
            func()
            out.append(time.perf_counter() - t0)
    return [float(np.median(t)) for t in times]


def numpy_kernels(func):
    """``func`` run with fcviz's compiled kernels turned off (what an install without a C compiler runs)."""
    def run():
        enabled, _compiled.ENABLED = _compiled.ENABLED, False
        try:
            return func()
        finally:
            _compiled.ENABLED = enabled
    return run


def load():
    return f"load {os.getloadavg()[0]:.2f}"


def issue_ratios(repeats):
    """The ratios of issue 23 for birth_death; prints one RATIO line each and returns them."""
    ratios = {}
    for n in (1000, 2000):
        A = random_modular_graphs(1, n, 8, random_state=n)[0]
        edges = A[np.triu_indices(n, 1)]
        t_sort, t_bd, t_one, t_numpy = interleaved_medians(
            [lambda: np.sort(edges), lambda: birth_death(A), lambda: birth_death(A, n_jobs=1),
             numpy_kernels(lambda: birth_death(A))], repeats)
        ratios[f"one graph {n}"] = r = t_bd / t_sort
        print(f"RATIO birth_death(one graph of {n}) / np.sort of its edges = {r:.2f}  (target <= 1.0; "
              f"{t_bd * 1e3:.2f} ms vs {t_sort * 1e3:.2f} ms; one thread {t_one / t_sort:.2f}x; "
              f"numpy kernels {t_numpy / t_sort:.2f}x; {load()})")
    for n_graphs, n in ((200, 384), (1000, 64)):
        graphs = random_modular_graphs(n_graphs, n, 8, random_state=1)
        edges = graphs[:, np.triu(np.ones((n, n), bool), 1)]

        def per_graph_sorts():
            for e in edges:
                np.sort(e)

        t_sorts, t_bd, t_one, t_numpy = interleaved_medians(
            [per_graph_sorts, lambda: birth_death(graphs), lambda: birth_death(graphs, n_jobs=1),
             numpy_kernels(lambda: birth_death(graphs))], max(3, repeats // 2))
        ratios[f"batch {n_graphs}x{n}"] = r = t_bd / t_sorts
        print(f"RATIO birth_death(batch {n_graphs} x {n}) / sum of per-graph sorts = {r:.2f}  (target <= 1.1; "
              f"{t_bd * 1e3:.1f} ms vs {t_sorts * 1e3:.1f} ms; one thread {t_one / t_sorts:.2f}x; "
              f"numpy kernels {t_numpy / t_sorts:.2f}x; {load()})")
    return ratios


def scipy_baseline(A):
    upper = np.triu(A, 1)
    tree = minimum_spanning_tree(-upper)
    rows, cols = tree.nonzero()
    births = np.sort(A[rows, cols])
    mask = np.triu(np.ones(A.shape, bool), 1)
    mask[rows, cols] = False
    deaths = np.sort(A[mask])
    return births, deaths


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    parser.add_argument("--ratios-only", action="store_true", help="only the ratios of issue 23")
    args = parser.parse_args()
    if args.ratios_only:
        print(f"cores available: {len(os.sched_getaffinity(0))}; medians of {args.repeats} interleaved runs")
        issue_ratios(args.repeats)
        return
    sizes = (192, 384) if args.quick else (192, 384, 1000, 2000)
    repeats = 3 if args.quick else args.repeats
    print(f"cores available: {len(os.sched_getaffinity(0))}; best of {repeats} runs; times in ms")
    header = ("n", "scipy MST", "np.sort", "fcviz", "fcviz 1 core", "vs scipy", "vs sort", "1 core vs sort")
    print("  ".join(f"{h:>14}" for h in header))
    for n in sizes:
        A = random_modular_graphs(1, n, 8, random_state=n)[0]
        edges = A[np.triu_indices(n, 1)]
        P = birth_death(A)
        b, d = scipy_baseline(A)
        if n <= 1000:  # exactness check (the scipy baseline drops zero weights, so skip graphs with zeros)
            assert np.array_equal(P.births, b) and np.array_equal(P.deaths, d), "mismatch with the baseline"
        t_scipy = best_time(lambda: scipy_baseline(A), repeats)
        t_sort = best_time(lambda: np.sort(edges), repeats)
        t_fcviz = best_time(lambda: birth_death(A), repeats)
        t_one = best_time(lambda: birth_death(A, n_jobs=1), repeats)
        row = (n, t_scipy * 1e3, t_sort * 1e3, t_fcviz * 1e3, t_one * 1e3,
               t_scipy / t_fcviz, t_fcviz / t_sort, t_one / t_sort)
        print(f"{row[0]:>14}" + "".join(f"  {v:>14.2f}" for v in row[1:5]) + "".join(f"  {v:>13.2f}x" for v in row[5:]))
    print("targets: vs scipy >= 4x at n = 1000 and 2000; vs sort <= 1.3x")

    n_graphs = 50 if args.quick else 200
    graphs = random_modular_graphs(n_graphs, 384, 8, random_state=1)
    t_batch = best_time(lambda: birth_death(graphs), max(1, repeats // 3))
    P = birth_death(graphs)
    t_pairs = best_time(lambda: pairwise_distances(P), max(1, repeats // 3))
    print(f"batch of {n_graphs} graphs of 384 nodes: birth_death {t_batch:.3f} s (target < 0.5 s for 200), "
          f"pairwise_distances {t_pairs:.3f} s (target: less than the decomposition) -> "
          f"{'OK' if t_pairs < t_batch else 'SLOWER'}")
    if not args.quick:
        issue_ratios(repeats)


if __name__ == "__main__":
    main()
