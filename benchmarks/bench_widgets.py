"""Benchmark the live widgets: redraw per control change, and the dashboard's build overhead.

(a) Classroom digits zoo (cached; built once if missing): every control change of the explorers
    (strategy, network, node order; clustering method, weight, clusters, seed), timed through
    ``control.value = ...`` until the view shows the result (a clustering running in the background
    is waited for), against the same panels re-plotted the usual notebook way: the same
    library calls, then fresh pyplot figures drawn into an ``ipywidgets.Output`` after
    ``clear_output(wait=True)`` and rendered as the inline backend does (PNG, ``bbox_inches="tight"``),
    then closed. Targets: median <= 0.25 s per change and >= 3x faster than pyplot.
(b) Paper-size zoo: 80 synthetic connectomes of 384 nodes (``fcviz.synthetic.random_modular_graphs``,
    4 groups of 20, wrapped in a ``ConnectomeZoo``; no training), the same changes. Target: p95 <= 1 s.
(c) Cold build of the classroom digits zoo from the dashboard (click Build, background thread,
    progress bar) against ``fcviz.connectome_zoo`` alone, each in a fresh cache folder, interleaved
    after one warm-up build, median of ``--repeats``. Target: at most +10 %.

The explorers keep a frame cache per panel and the clusterings they computed, so a selection seen
before comes back without drawing. Both are measured apart: **first visits** empty every panel's
frame cache and the clustering cache before each change (checked: no cache hit), so each change draws
what it changes and fits what it clusters, as on a selection never seen; **revisits** replay the
same changes once all their frames are cached. The targets are judged on first visits; revisits are
printed for information. The pyplot way has nothing to cache: one pass.

    python benchmarks/bench_widgets.py                 # all three (a few minutes on 2 cores)
    python benchmarks/bench_widgets.py --skip-build    # (a) and (b) only
    python benchmarks/bench_widgets.py --repeats 9

Headless: no kernel is running, so ``Output`` captures nothing and images go nowhere; both sides pay
the same kernel-side work (drawing and PNG encoding), which is what the ratio compares. Exits with
status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from io import BytesIO

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import pairwise_distances as sklearn_distances  # noqa: E402

import fcviz  # noqa: E402
from fcviz.registry import REGULARIZERS  # noqa: E402
from fcviz.synthetic import random_modular_graphs  # noqa: E402
from fcviz.viz import (  # noqa: E402
    BettiCurveDisplay,
    ClusteringDisplay,
    ClusteringExplorer,
    ConnectomeDisplay,
    ConnectomeExplorer,
    Dashboard,
    DistanceMatrixDisplay,
    PersistenceDisplay,
    SpanningTreeDisplay,
)
from fcviz.viz.widgets.explorers import BETTI_THRESHOLDS  # noqa: E402
from fcviz.viz.widgets.connectome import GROUP_MEAN  # noqa: E402
from fcviz.viz.displays.matrices import layer_boundaries  # noqa: E402
from fcviz.zoo import ConnectomeZoo  # noqa: E402

MEDIAN_TARGET_S = 0.25
SPEEDUP_TARGET = 3.0
P95_TARGET_S = 1.0
BUILD_OVERHEAD_TARGET = 0.10


# ------------------------------------------------------------------------------------------------
# The pyplot way: what a notebook callback typically does on every change


def show_inline(fig):
    """What ``display(fig)`` costs under the inline backend: a tight-bbox PNG; then close the figure."""
    fig.savefig(BytesIO(), format="png", bbox_inches="tight")
    plt.close(fig)


def clear(out):
    """``out.clear_output(wait=True)``; without a kernel IPython prints a terminal escape instead: hide it."""
    with contextlib.redirect_stdout(io.StringIO()):
        out.clear_output(wait=True)


class PyplotConnectomes:
    """The ConnectomeExplorer's four panels, re-plotted from scratch with pyplot on every change."""

    def __init__(self, zoo):
        self.zoo, self.out = zoo, widgets.Output()
        self.P = fcviz.birth_death(zoo.graphs)
        self.regs = zoo.label_column("regularizer")
        self.strategies = list(dict.fromkeys(self.regs.tolist()))
        self.barycenters = {s: fcviz.barycenter(self.P[np.flatnonzero(self.regs == s)]) for s in self.strategies}
        sizes = zoo.metadata.get("layer_sizes")
        self.boundaries = layer_boundaries(zoo.n_nodes, layer_sizes=sizes) if sizes else None

    def draw(self, strategy, row, order):
        if row is None:  # the strategy's mean connectome and barycenter
            graph = self.zoo.graphs[self.regs == strategy].mean(axis=0)
            P = self.barycenters[strategy]
        else:
            graph, P = self.zoo.graphs[row], self.P[row]
        betti = fcviz.betti_curves(P, BETTI_THRESHOLDS)
        clear(self.out)
        with self.out:
            fig, ax = plt.subplots(figsize=(4.6, 4.0))
            ConnectomeDisplay(graph, boundaries=self.boundaries, order=order, title=strategy).plot(ax=ax)
            show_inline(fig)
            fig, ax = plt.subplots(figsize=(4.6, 4.0))
            SpanningTreeDisplay(graph, boundaries=self.boundaries, title="maximum spanning tree").plot(ax=ax)
            show_inline(fig)
            fig, axes = plt.subplots(1, 2, figsize=(9.2, 3.3))
            PersistenceDisplay([self.barycenters[s] for s in self.strategies], names=self.strategies,
                               highlight=P).plot(ax=list(axes))
            show_inline(fig)
            fig, axes = plt.subplots(1, 2, figsize=(9.2, 3.0))
            BettiCurveDisplay(BETTI_THRESHOLDS, *betti).plot(ax=list(axes))
            show_inline(fig)


class PyplotClustering:
    """The ClusteringExplorer's two panels, re-plotted from scratch with pyplot on every change."""

    def __init__(self, zoo):
        self.zoo, self.out = zoo, widgets.Output()
        self.P = fcviz.birth_death(zoo.graphs)
        self.truth, names = zoo.group_labels("regularizer")
        self.names = [str(n) for n in names]
        rows, cols = np.triu_indices(zoo.n_nodes, 1)
        self.distances = {"Top": fcviz.pairwise_distances(self.P),
                          "Adj": sklearn_distances(zoo.graphs[:, rows, cols], metric="sqeuclidean")}

    def draw(self, method, weight, k, seed):
        w = weight if method == "Top" else 0.0
        data = self.P if w == 1.0 else self.zoo.graphs
        labels = fcviz.TopClustering(k, top_relative_weight=w, random_state=seed).fit_predict(data)
        fcviz.clustering_scores(self.truth, labels)
        D = self.distances[method]
        clear(self.out)
        with self.out:
            fig, ax = plt.subplots(figsize=(4.6, 4.0))
            ClusteringDisplay.from_predictions(self.truth, labels, class_names=self.names, n_clusters=k, ax=ax)
            show_inline(fig)
            fig, ax = plt.subplots(figsize=(5.0, 4.4))
            DistanceMatrixDisplay(D, labels=[f"c{c}" for c in labels], order=np.argsort(labels, kind="stable"),
                                  title=method).plot(ax=ax)
            show_inline(fig)


# ------------------------------------------------------------------------------------------------
# The change sequences, applied to both sides


def connectome_changes(zoo):
    """(control name, value) pairs for the ConnectomeExplorer: strategies, networks, node order."""
    regs = zoo.label_column("regularizer")
    strategies = list(dict.fromkeys(regs.tolist()))
    changes = [("strategy", s) for s in strategies[1:] + strategies[:1]]
    rows = np.flatnonzero(regs == strategies[0])
    changes += [("network", int(r)) for r in rows[1:5]] + [("network", GROUP_MEAN), ("network", int(rows[0]))]
    changes += [("order", "tree"), ("network", int(rows[1])), ("order", "layer")]
    return changes


def clustering_changes(zoo):
    """(control name, value) pairs for the ClusteringExplorer: weight, clusters, seed, method."""
    k = len(set(zoo.label_column("regularizer").tolist()))
    return [("weight", 0.5), ("weight", 0.0), ("weight", 1.0), ("n_clusters", k + 1), ("n_clusters", k),
            ("seed", 1), ("seed", 2), ("method", "Adj"), ("method", "Top")]


def forget(explorer):
    """Empty the explorer's caches of past work: every panel's frames and the clusterings."""
    for panel in explorer.panels_.values():
        panel.clear_cache()
    fits = getattr(explorer, "fits_", None)
    if fits is not None:
        fits.clear()


def cache_hits(explorer):
    return sum(panel.cache_hits_ for panel in explorer.panels_.values())


def time_explorer(explorer, changes, *, cold=False):
    """Seconds per change through ``control.value = ...`` until the view shows it (the explorer's own
    redraw, and a background clustering waited for); ``cold``: the caches emptied before each change."""
    times = []
    for name, value in changes:
        if cold:
            forget(explorer)
            hits = cache_hits(explorer)
        tic = time.perf_counter()
        getattr(explorer, name).value = value
        wait = getattr(explorer, "wait", None)
        if wait is not None:
            wait()
        times.append(time.perf_counter() - tic)
        if explorer.last_error_:
            raise RuntimeError(f"{type(explorer).__name__} failed on {name}={value!r}:\n{explorer.last_error_}")
        if cold and cache_hits(explorer) != hits:
            raise RuntimeError(f"a first visit of {name}={value!r} was served from a cache")
    return times


def controls(explorer, changes):
    """The values of the controls that ``changes`` touch, in the order they were first touched."""
    return {name: getattr(explorer, name).value for name in dict.fromkeys(name for name, _ in changes)}


def restore(explorer, start):
    """Set the controls back to ``start`` (untimed), to replay the same changes."""
    for name, value in start.items():
        getattr(explorer, name).value = value
    wait = getattr(explorer, "wait", None)
    if wait is not None:
        wait()


def visits(explorer, changes):
    """Seconds per change on first visits (cold caches), then on revisits (every frame cached)."""
    start = controls(explorer, changes)
    first = time_explorer(explorer, changes, cold=True)
    restore(explorer, start)
    time_explorer(explorer, changes)  # fills the caches with every frame of the sequence
    restore(explorer, start)
    hits = cache_hits(explorer)
    again = time_explorer(explorer, changes)
    return first, again, cache_hits(explorer) - hits


def time_pyplot_connectomes(zoo, changes):
    side = PyplotConnectomes(zoo)
    regs = side.regs
    state = {"strategy": side.strategies[0], "row": int(np.flatnonzero(regs == side.strategies[0])[0]),
             "order": "layer"}
    times = []
    for name, value in changes:
        tic = time.perf_counter()
        if name == "strategy":  # the explorer keeps the network's place (or the group mean) in the new strategy
            if state["row"] is not None:
                index = list(np.flatnonzero(regs == state["strategy"])).index(state["row"])
                state["row"] = int(np.flatnonzero(regs == value)[index])
            state["strategy"] = value
        elif name == "network":
            state["row"] = None if value == GROUP_MEAN else value
        else:
            state["order"] = value
        side.draw(state["strategy"], state["row"], state["order"])
        times.append(time.perf_counter() - tic)
    return times


def time_pyplot_clustering(zoo, changes):
    side = PyplotClustering(zoo)
    state = {"method": "Top", "weight": 1.0, "n_clusters": len(side.names), "seed": 0}
    times = []
    for name, value in changes:
        tic = time.perf_counter()
        state[name] = value
        side.draw(state["method"], state["weight"], state["n_clusters"], state["seed"])
        times.append(time.perf_counter() - tic)
    return times


def redraw_comparison(zoo, label):
    """Per-change seconds of the explorers and of the pyplot way on one zoo, with a short report."""
    tic = time.perf_counter()
    P = fcviz.birth_death(zoo.graphs)
    connectomes = ConnectomeExplorer(zoo, persistence=P)
    clustering = ClusteringExplorer(zoo, persistence=P)
    first = time.perf_counter() - tic
    c_changes, k_changes = connectome_changes(zoo), clustering_changes(zoo)
    first_visits, revisits, hits = {}, {}, {}
    for name, explorer, changes in (("connectomes", connectomes, c_changes), ("clustering", clustering, k_changes)):
        first_visits[name], revisits[name], hits[name] = visits(explorer, changes)
    slow = {"connectomes": time_pyplot_connectomes(zoo, c_changes),
            "clustering": time_pyplot_clustering(zoo, k_changes)}
    print(f"\n{label}: {len(zoo)} connectomes of {zoo.n_nodes} nodes; explorers created and drawn in {first:.2f} s")
    print(f"  {'explorer':<12} {'changes':>7} {'first visit: median':>20} {'p95':>8} {'max':>8}   "
          f"{'revisit: median':>15} {'p95':>8}   {'pyplot: median':>14} {'p95':>8}")
    for name in first_visits:
        f, r, s = np.array(first_visits[name]), np.array(revisits[name]), np.array(slow[name])
        print(f"  {name:<12} {len(f):>7} {np.median(f):>19.3f}s {np.percentile(f, 95):>7.3f}s {f.max():>7.3f}s   "
              f"{np.median(r):>14.3f}s {np.percentile(r, 95):>7.3f}s   {np.median(s):>13.3f}s "
              f"{np.percentile(s, 95):>7.3f}s")
    renders = ", ".join(f"{name} {1000 * panel.render_seconds_:.0f} ms"
                        for explorer in (connectomes, clustering) for name, panel in explorer.panels_.items())
    print(f"  last PNG render per panel (part of every first visit that changes it): {renders}")
    print(f"  revisits served panels from the frame cache {sum(hits.values())} times (first visits: never)")
    return (np.concatenate(list(first_visits.values())), np.concatenate(list(revisits.values())),
            np.concatenate(list(slow.values())))


# ------------------------------------------------------------------------------------------------
# (b) a paper-size zoo without training


def synthetic_paper_zoo(n_per_group=20, n_nodes=384, seed=0):
    """80 modular connectomes of 384 nodes in four groups that differ in module count and strength."""
    strategies = REGULARIZERS
    graphs = np.concatenate([
        random_modular_graphs(n_per_group, n_nodes, 2 + g, signal=0.6 + 0.2 * g, random_state=seed + g)
        for g in range(len(strategies))
    ])
    labels = [{"regularizer": s, "stimulus_class": None, "network_seed": seed + i, "network": i,
               "train_accuracy": None} for s in strategies for i in range(n_per_group)]
    metadata = {"settings": {"dataset": "synthetic", "preset": "paper"}, "layer_sizes": [256, 128],
                "layer_names": ["fc1", "fc2"]}
    return ConnectomeZoo(graphs, labels, metadata)


# ------------------------------------------------------------------------------------------------
# (c) build overhead of the dashboard


def build_comparison(repeats):
    """Cold builds of the same zoo: ``connectome_zoo`` alone against a click on the dashboard's Build.

    Both sides build exactly the dashboard's settings (``Dashboard.zoo_arguments()``, which include the
    training snapshots its Dynamics tab plays). "zoo ready" is the click until the dashboard holds the
    zoo (polled every millisecond from this thread); "views" adds drawing every tab and the frames
    drawn ahead for Play.
    """
    arguments = Dashboard("digits", "classroom").zoo_arguments()
    with tempfile.TemporaryDirectory(prefix="fcviz-bench-widgets-") as tmp:  # warm-up: imports, first kernels
        fcviz.connectome_zoo(**arguments, cache_dir=tmp, progress=False)
    alone, dashboard, views = [], [], []
    for r in range(repeats):
        for side in (("alone", "dashboard") if r % 2 == 0 else ("dashboard", "alone")):
            with tempfile.TemporaryDirectory(prefix="fcviz-bench-widgets-") as tmp:
                if side == "alone":
                    tic = time.perf_counter()
                    fcviz.connectome_zoo(**arguments, cache_dir=tmp, progress=False)
                    alone.append(time.perf_counter() - tic)
                else:
                    dash = Dashboard("digits", "classroom", cache_dir=tmp)
                    tic = time.perf_counter()
                    dash.build_button.click()
                    while dash.zoo_ is None and dash.building_:
                        time.sleep(0.001)
                    ready = time.perf_counter() - tic
                    if not dash.wait(1800) or dash.zoo_ is None:
                        raise RuntimeError(f"the dashboard build failed: {dash.status.value}\n{dash.last_error_}")
                    dashboard.append(ready)  # click -> zoo ready
                    views.append(time.perf_counter() - tic)  # click -> every view drawn
            print(f"  build {r + 1}/{repeats} {side:<9}: {(alone if side == 'alone' else dashboard)[-1]:.2f} s")
    return statistics.median(alone), statistics.median(dashboard), statistics.median(views)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-build", action="store_true", help="skip (c), the cold builds")
    parser.add_argument("--repeats", type=int, default=5, help="cold builds per side in (c) (default 5)")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    args = parser.parse_args(argv)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)

    tic = time.perf_counter()
    zoo = fcviz.connectome_zoo("digits", preset="classroom", progress=False)
    print(f"classroom digits zoo: {zoo!r} ({'cache hit' if zoo.from_cache else 'built'} in "
          f"{time.perf_counter() - tic:.1f} s)")
    a_fast, a_again, a_slow = redraw_comparison(zoo, "(a) classroom digits")
    b_fast, b_again, b_slow = redraw_comparison(synthetic_paper_zoo(), "(b) paper-size synthetic")

    def ratio(slow, fast):
        return f"{slow / fast:.1f}x faster"

    rows = []
    a_med = np.median(a_fast)
    a_ratio = np.median(a_slow) / a_med
    rows.append(("(a) first visit: median s/change", a_med, np.median(a_slow), ratio(np.median(a_slow), a_med),
                 f"<= {MEDIAN_TARGET_S} s, >= {SPEEDUP_TARGET:.0f}x",
                 a_med <= MEDIAN_TARGET_S and a_ratio >= SPEEDUP_TARGET))
    rows.append(("(a) first visit: p95 s/change", np.percentile(a_fast, 95), np.percentile(a_slow, 95),
                 ratio(np.percentile(a_slow, 95), np.percentile(a_fast, 95)), "(info)", None))
    rows.append(("(a) revisit: median s/change", np.median(a_again), np.median(a_slow),
                 ratio(np.median(a_slow), np.median(a_again)), "(info: frame cache)", None))
    b_p95 = np.percentile(b_fast, 95)
    rows.append(("(b) first visit: p95 s/change", b_p95, np.percentile(b_slow, 95),
                 ratio(np.percentile(b_slow, 95), b_p95), f"<= {P95_TARGET_S} s", b_p95 <= P95_TARGET_S))
    rows.append(("(b) first visit: median s/change", np.median(b_fast), np.median(b_slow),
                 ratio(np.median(b_slow), np.median(b_fast)), "(info)", None))
    rows.append(("(b) revisit: p95 s/change", np.percentile(b_again, 95), np.percentile(b_slow, 95),
                 ratio(np.percentile(b_slow, 95), np.percentile(b_again, 95)), "(info: frame cache)", None))
    rows.append(("(b) revisit: median s/change", np.median(b_again), np.median(b_slow),
                 ratio(np.median(b_slow), np.median(b_again)), "(info: frame cache)", None))
    if not args.skip_build:
        print(f"\n(c) cold builds of the classroom digits zoo, {args.repeats} per side, interleaved:")
        alone, dash, views = build_comparison(args.repeats)
        overhead = dash / alone - 1
        rows.append(("(c) build: dashboard vs alone, s", dash, alone, f"{100 * overhead:+.1f} %",
                     f"<= +{100 * BUILD_OVERHEAD_TARGET:.0f} %", overhead <= BUILD_OVERHEAD_TARGET))
        rows.append(("(c) click -> views drawn, s", views, alone, f"{100 * (views / alone - 1):+.1f} %", "(info)",
                     None))

    print(f"\n{'measurement':<34} {'fcviz':>9} {'baseline':>9}  {'ratio':<14} {'target':<20} result")
    for name, ours, base, speedup, target, ok in rows:
        verdict = "" if ok is None else "PASS" if ok else "FAIL"
        print(f"{name:<34} {ours:>9.3f} {base:>9.3f}  {speedup:<14} {target:<20} {verdict}")
    print("baseline: (a), (b) pyplot re-plot into an Output with clear_output(wait=True); (c) connectome_zoo alone")
    return 0 if all(ok is None or bool(ok) for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
