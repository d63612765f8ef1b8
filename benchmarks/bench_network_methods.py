"""What the network methods CKA and NP add to the classroom Study 1 (``training_strategies``).

Target (the issue): CKA and NP together add at most 20 % to the classroom Study 1 time, i.e.

    time(every method) / time(every method except CKA and NP) <= 1.20

Both studies run on the same classroom digits zoo (loaded from the cache, or built and cached once;
the load is not timed) with ``n_repeats=20`` and the default ``n_bootstrap=200``. The two are timed
``--repeats`` times, interleaved (the order alternates each round), after one small warm-up run of
each; the medians are compared. The rows the two runs share must agree (same seeds, same labels).

A breakdown then times, also ``--repeats`` times (medians), the work CKA and NP add, step by step,
through the public API: rebuilding the networks from the kept weights (``zoo.models()``), recording
their hidden activations over the shared stimuli (one torch thread, as the study does), ``cka_matrix``,
the neural persistence of every network, the ``n_repeats`` clusterings of each method with their
scores (``run_methods`` without the bootstrap, less the features) and the bootstrap of each
(``run_methods`` with ``n_bootstrap``, less the same without). The steps run with BLAS and OpenMP on
one thread, as ``run_methods`` runs them inside the study; the sum of the steps is printed beside
the measured difference of the two studies as a check.

    python benchmarks/bench_network_methods.py               # 5 interleaved rounds (~1 minute on 2 cores)
    python benchmarks/bench_network_methods.py --quick       # 3 rounds, 5 repeats, 50 resamples
    python benchmarks/bench_network_methods.py --threads 1   # torch, BLAS and OpenMP limited to 1 thread

Exits with status 1 when the target is missed. On a shared machine, compare the wall times with the
CPU times printed beside them: wall well above CPU means the process waited for other work, and CPU
well above wall with 2 threads means OpenMP or BLAS workers spinning (``--threads 1`` is steadier).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

TARGET = 1.20


def _clock(fn):
    """Run ``fn()``; return (wall seconds, CPU seconds of this process, result)."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def _median_times(fns, repeats):
    """Time every callable of the dict ``fns`` ``repeats`` times, interleaved; median wall seconds per name."""
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            times[name].append(_clock(fn)[0])
    return {name: float(np.median(t)) for name, t in times.items()}


def _record(models, stimuli):
    """Hidden activations of every network, as ``studies.training_strategies`` records them (one torch thread)."""
    import torch

    from fcviz.activations import record_activations

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return {key: np.concatenate([a.cpu().numpy() for a in record_activations(model, stimuli).values()], axis=1)
                for key, model in models.items()}
    finally:
        torch.set_num_threads(threads)


def _shared_rows_agree(base, full):
    """The rows of the methods both studies ran: same purity, ARI, NMI and bootstrap interval."""
    keys = ("purity_mean", "ari_mean", "nmi_mean", "purity_ci_low", "purity_ci_high")
    full_rows = {row["method"]: row for row in full.table}
    return all(np.allclose([row[k] for k in keys], [full_rows[row["method"]][k] for k in keys], equal_nan=True)
               for row in base.table)


def breakdown(zoo, labels, n_repeats, n_bootstrap, repeats):
    """Median seconds of each step CKA and NP add to the study (see the module docstring)."""
    from fcviz.datasets import load_stimuli
    from fcviz.similarity import cka_matrix, network_neural_persistence
    from fcviz.studies import CKA_MAX_STIMULI, run_methods

    settings = zoo.metadata["settings"]
    n = CKA_MAX_STIMULI if settings.get("n_stimuli") is None else min(settings["n_stimuli"], CKA_MAX_STIMULI)
    stimuli, _ = load_stimuli(settings["dataset"], split="stimuli", n=n, seed=settings["seed"])
    models = zoo.models()
    keys = [(row["regularizer"], row["network"]) for row in zoo.labels]
    recorded = _record(models, stimuli)
    activations = [recorded[key] for key in keys]
    weights = [zoo.network_states[key] for key in keys]
    widths = sorted({a.shape[1] for a in activations})

    def clustering(method, bootstrap):
        inputs = {"activations": activations} if method == "CKA" else {"network_weights": weights}
        return lambda: run_methods(zoo.graphs, labels, methods=[method], n_repeats=n_repeats,
                                   n_bootstrap=bootstrap, **inputs)

    steps = {
        "load stimuli": lambda: load_stimuli(settings["dataset"], split="stimuli", n=n, seed=settings["seed"]),
        "rebuild networks (zoo.models())": zoo.models,
        "record activations": lambda: _record(models, stimuli),
        "cka_matrix": lambda: cka_matrix(activations),
        "neural persistence (NP features)": lambda: [network_neural_persistence(w) for w in weights],
        "CKA run_methods, no bootstrap": clustering("CKA", 0),
        "NP run_methods, no bootstrap": clustering("NP", 0),
        "CKA run_methods with bootstrap": clustering("CKA", n_bootstrap),
        "NP run_methods with bootstrap": clustering("NP", n_bootstrap),
    }
    t = _median_times(steps, repeats)
    parts = {
        "load stimuli": t["load stimuli"],
        "rebuild networks (zoo.models())": t["rebuild networks (zoo.models())"],
        "record activations": t["record activations"],
        "cka_matrix": t["cka_matrix"],
        "neural persistence (NP features)": t["neural persistence (NP features)"],
        f"CKA clustering + scoring x {n_repeats}": max(0.0, t["CKA run_methods, no bootstrap"] - t["cka_matrix"]),
        f"NP clustering + scoring x {n_repeats}": max(0.0, t["NP run_methods, no bootstrap"]
                                            - t["neural persistence (NP features)"]),
        f"CKA bootstrap x {n_bootstrap}": max(0.0, t["CKA run_methods with bootstrap"]
                                              - t["CKA run_methods, no bootstrap"]),
        f"NP bootstrap x {n_bootstrap}": max(0.0, t["NP run_methods with bootstrap"]
                                             - t["NP run_methods, no bootstrap"]),
    }
    shape = f"{len(activations)} networks, {len(stimuli)} stimuli, widths {widths}"
    return parts, shape, len(stimuli)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds, n_repeats=5, n_bootstrap=50")
    parser.add_argument("--repeats", type=int, default=None, help="interleaved rounds (default 5; quick 3)")
    parser.add_argument("--n-repeats", type=int, default=None, help="clustering runs per method (default 20)")
    parser.add_argument("--n-bootstrap", type=int, default=None, help="bootstrap resamples (default 200)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch, BLAS and OpenMP threads (default: leave them as they are)")
    parser.add_argument("--dataset", default="digits")
    parser.add_argument("--preset", default="classroom")
    parser.add_argument("--seed", type=int, default=0, help="base seed of the clustering runs")
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 5)
    n_repeats = args.n_repeats or (5 if args.quick else 20)
    n_bootstrap = args.n_bootstrap if args.n_bootstrap is not None else (50 if args.quick else 200)

    import sklearn.cluster  # noqa: F401  (loads scikit-learn's OpenMP runtime before the limits are set)
    import torch
    from threadpoolctl import threadpool_info, threadpool_limits

    import fcviz
    from fcviz.registry import METHODS, NETWORK_METHODS
    from fcviz.studies import training_strategies

    if args.threads:
        torch.set_num_threads(args.threads)
        threadpool_limits(limits=args.threads)  # every BLAS and OpenMP runtime loaded so far, for the whole run
    pools = sorted({f"{p['internal_api']}={p['num_threads']}" for p in threadpool_info()})

    wall, _, zoo = _clock(lambda: fcviz.connectome_zoo(args.dataset, "all", preset=args.preset, progress=False))
    labels, names = zoo.group_labels("regularizer")
    print(f"zoo: {args.dataset} {args.preset}, {zoo.graphs.shape[0]} graphs of {zoo.graphs.shape[1]} nodes, groups "
          f"{names}; {'loaded from the cache' if zoo.from_cache else 'built'} in {wall:.1f} s (not timed below)")
    print(f"threads: torch {torch.get_num_threads()}, {', '.join(pools)}")

    base_methods = [m for m in METHODS if m not in NETWORK_METHODS]
    all_methods = list(METHODS)

    def study(methods, reps=n_repeats, boot=n_bootstrap):
        return training_strategies(zoo=zoo, methods=methods, n_repeats=reps, random_state=args.seed,
                                   progress=False, n_bootstrap=boot)

    for methods in (base_methods, all_methods):  # warm-up: imports, thread pools, first-call costs
        study(methods, reps=2, boot=2)

    times = {"base": [], "full": []}
    cpu = {"base": [], "full": []}
    results = {}
    for r in range(repeats):
        order = ("base", "full") if r % 2 == 0 else ("full", "base")
        for name in order:
            wall, cpu_s, results[name] = _clock(lambda: study(base_methods if name == "base" else all_methods))
            times[name].append(wall)
            cpu[name].append(cpu_s)
        print(f"round {r + 1}/{repeats}: without CKA/NP {times['base'][-1]:6.2f} s, "
              f"with CKA/NP {times['full'][-1]:6.2f} s")
    if not _shared_rows_agree(results["base"], results["full"]):
        raise AssertionError("the methods both studies ran give different results with and without CKA/NP")

    t_base, t_full = np.median(times["base"]), np.median(times["full"])
    ratio = t_full / t_base
    print()
    print(f"Study 1 ({args.preset}, n_repeats={n_repeats}, n_bootstrap={n_bootstrap}), median of {repeats} "
          f"interleaved rounds:")
    print(f"  {'methods':<46}{'wall (s)':>10}{'CPU (s)':>10}")
    print(f"  {', '.join(base_methods):<46}{t_base:10.2f}{np.median(cpu['base']):10.2f}")
    print(f"  {', '.join(all_methods):<46}{t_full:10.2f}{np.median(cpu['full']):10.2f}")
    print(f"  CKA + NP add {t_full - t_base:.2f} s: ratio {ratio:.3f} (target <= {TARGET:.2f}) "
          f"{'PASS' if ratio <= TARGET else 'MISS'}")
    if (n_repeats, n_bootstrap) != (20, 200):
        print(f"  NOTE: the target is for n_repeats=20, n_bootstrap=200; this run used {n_repeats}, {n_bootstrap}.")
    rows = {row["method"]: row for row in results["full"].table}
    print(f"  study's own rows (last run): CKA prep {rows['CKA']['prep_seconds']:.3f} s (recording included), "
          f"NP prep {rows['NP']['prep_seconds']:.3f} s")

    from threadpoolctl import ThreadpoolController

    with ThreadpoolController().limit(limits=1):  # as run_methods: its features and fits run on one thread
        parts, shape, _ = breakdown(zoo, labels, n_repeats, n_bootstrap, repeats)
    total = sum(parts.values())
    print()
    print(f"Where the CKA/NP time goes ({shape}), median of {repeats} rounds:")
    print(f"  {'step':<40}{'seconds':>9}{'share':>8}{'of base':>9}")
    for name, seconds in parts.items():
        print(f"  {name:<40}{seconds:9.3f}{seconds / total:8.0%}{seconds / t_base:9.1%}")
    print(f"  {'sum of the steps':<40}{total:9.3f}{'':>8}{total / t_base:9.1%}  (measured difference "
          f"{t_full - t_base:.3f} s)")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
