"""The runtime study (the paper's Figure 3): seconds for one distance between two graphs of n nodes.

- **Top**: :func:`fcviz.topological_distance` of the two graphs. It includes the birth-death
  decomposition of both graphs, so it is the whole cost of comparing two networks from scratch.
- **Baselines** (``"BD"``, ``"WD"``, ``"SWK"``, ``"HK"``, ``"PI"``; the extra ``fcviz[baselines]``):
  Vietoris–Rips H1 persistence of both graphs (:func:`fcviz.baselines.persistence_diagrams`) plus
  one diagram distance (:func:`fcviz.baselines.diagram_distance`).

Rips persistence grows steeply with the number of nodes. Before any Rips work its cost is estimated
(:func:`rips_estimate`, through :func:`fcviz.baselines.estimate_baseline_cost`), and the baselines are
skipped, with the estimate in the note, when it exceeds ``time_budget``: never an unannounced hour-long
run. Once the Rips diagrams are computed, a diagram distance starts only while the time spent is still
within the budget. The estimate is a prediction, not a hard limit (a run is never interrupted); the
script ``benchmarks/bench_runtime.py`` runs each baseline in a child process that it kills at the budget.

Used by the notebook on scaling and by :class:`fcviz.viz.widgets.lessons.ScalingExplorer`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ._validation import check_int, check_option, check_real
from .registry import BASELINE_METHODS
from .tables import format_table, html_table

__all__ = ["KINDS", "DistanceTiming", "RuntimeStudy", "format_seconds", "rips_estimate", "runtime_graphs",
           "time_distance", "runtime_study"]

#: Kinds of random graph pairs: modular correlation graphs (cheap for Rips, like connectomes) and
#: edge-level modular networks (every weight independent, like the paper's runtime study; costly for Rips).
KINDS = ("correlation", "modular")

_METHODS = ("Top", *BASELINE_METHODS)


def runtime_graphs(n_nodes, *, kind="correlation", n_modules=4, random_state=0):
    """The two random graphs of ``n_nodes`` nodes whose distance the runtime study times.

    Parameters
    ----------
    n_nodes : int
        Nodes per graph, at least ``max(3, n_modules)``.
    kind : {"correlation", "modular"}, default="correlation"
        ``"correlation"``: :func:`fcviz.synthetic.random_modular_graphs` (absolute correlations of
        simulated activity, like a functional connectome). ``"modular"``:
        :func:`fcviz.synthetic.random_modular_networks` (independent edge weights, as in the paper's
        runtime study).
    n_modules : int, default=4
    random_state : int, default=0

    Returns
    -------
    ndarray of shape (2, n_nodes, n_nodes)

    Examples
    --------
    >>> runtime_graphs(10).shape
    (2, 10, 10)
    """
    from .synthetic import random_modular_graphs, random_modular_networks

    check_option(kind, "kind", KINDS)
    n_nodes = check_int(n_nodes, "n_nodes", minimum=3, hint="A graph needs 3 nodes to have a death set.")
    make = random_modular_graphs if kind == "correlation" else random_modular_networks
    return make(2, n_nodes, n_modules, random_state=random_state)


#: Nodes of the graph the Rips cost is calibrated on (the calibration uses sub-graphs of up to 80 nodes).
_CALIBRATION_NODES = 80


def rips_estimate(n_nodes, *, kind="correlation", n_modules=4, random_state=0):
    """Estimated seconds of Vietoris–Rips persistence of the two graphs of a runtime run.

    The cost is calibrated on one reference graph of the same kind (80 nodes, the same seed), by
    :func:`fcviz.baselines.estimate_baseline_cost`, whatever ``n_nodes``: estimates for several
    sizes then come from one kind of graph and grow with ``n_nodes`` (up to timing noise), instead of
    jumping with the particular graph drawn at each size. An order of magnitude only, biased upwards.

    Parameters
    ----------
    n_nodes : int
        Nodes per graph.
    kind, n_modules, random_state
        As in :func:`runtime_graphs`.

    Returns
    -------
    float
        Seconds.

    Raises
    ------
    ImportError
        Without the extra ``fcviz[baselines]``.
    """
    from .baselines import estimate_baseline_cost

    n_nodes = check_int(n_nodes, "n_nodes", minimum=3)
    reference = runtime_graphs(_CALIBRATION_NODES, kind=kind, n_modules=n_modules, random_state=random_state)[0]
    return estimate_baseline_cost(n_nodes, 2, graph=reference)


def _fmt_ratio(ratio):
    return f"{ratio:,.0f}x" if ratio >= 10 else f"{ratio:.2g}x"


def format_seconds(seconds):
    """A duration for tables and readouts: '0.15 ms', '26.8 ms', '1.14 s', '4.1 min', '16.7 days'; '-' for None.

    Examples
    --------
    >>> [format_seconds(s) for s in (0.000147, 0.0268, 1.14, 246.0, None)]
    ['0.147 ms', '26.8 ms', '1.14 s', '4.1 min', '-']
    """
    from .baselines import human_seconds

    if seconds is None:
        return "-"
    return f"{seconds * 1000:.3g} ms" if seconds < 1 else human_seconds(seconds)


@dataclass(frozen=True, eq=False)
class DistanceTiming:
    """Seconds for one distance between two graphs of one size, per method.

    Attributes
    ----------
    n_nodes : int
    kind : str
        Which random graphs (see :func:`runtime_graphs`).
    seconds : dict of str to float or None
        Method -> seconds (shortest of the timed runs for Top; Rips of both graphs plus the distance
        for a baseline); None when the method was skipped.
    values : dict of str to float or None
        Method -> the distance computed.
    notes : dict of str to str
        Method -> why it was skipped ("" when measured).
    rips_estimate : float or None
        Estimated seconds of Rips persistence of both graphs (None without the baselines).
    rips_seconds : float or None
        Measured seconds of Rips persistence of both graphs (None when not run).
    """

    n_nodes: int
    kind: str
    seconds: dict
    values: dict
    notes: dict
    rips_estimate: float | None = None
    rips_seconds: float | None = None

    @property
    def methods(self):
        """The methods asked for, in order."""
        return tuple(self.seconds)

    def _rows(self):
        top = self.seconds.get("Top")
        rows = []
        for method, seconds in self.seconds.items():
            ratio = _fmt_ratio(seconds / top) if seconds is not None and top and method != "Top" else ""
            value = self.values.get(method)
            rows.append((method, format_seconds(seconds), "-" if value is None else f"{value:.4g}", ratio,
                         self.notes.get(method, "")))
        return rows

    _HEADER = ("method", "time", "distance", "vs Top", "note")

    def to_text(self):
        """The timings as an aligned text table."""
        return f"{self.n_nodes} nodes ({self.kind} graphs)\n" + format_table(self._rows(), self._HEADER)

    def __str__(self):
        return self.to_text()

    def _repr_html_(self):
        return html_table(self._rows(), self._HEADER, caption=f"{self.n_nodes} nodes ({self.kind} graphs)")


def _check_methods(methods):
    if isinstance(methods, str):
        methods = (methods,)
    methods = tuple(methods)
    if not methods:
        raise ValueError(f"methods is empty; pass some of {list(_METHODS)}.")
    for method in methods:
        check_option(method, "method", _METHODS)
    return methods


def _baselines_available():
    try:
        from . import baselines

        baselines.require_baselines()
    except ImportError:
        return False
    return True


def time_distance(n_nodes, methods=("Top", "WD"), *, time_budget=10.0, kind="correlation", n_modules=4,
                  repeats=3, random_state=0):
    """Time one distance between two random graphs of ``n_nodes`` nodes, per method.

    Parameters
    ----------
    n_nodes : int
        Nodes per graph (at least 3).
    methods : sequence of str, default=("Top", "WD")
        ``"Top"`` and any of the baselines ``"BD"``, ``"WD"``, ``"SWK"``, ``"HK"``, ``"PI"``.
    time_budget : float or None, default=10.0
        Seconds allowed for the baselines. When the Rips persistence of both graphs is estimated
        (:func:`rips_estimate`) over it, every baseline is skipped with a note; after Rips, a diagram
        distance starts only while the seconds spent are within it. It bounds what starts, not what
        runs: one diagram distance on large diagrams (BD above all) can still take longer. None runs
        the baselines whatever the cost.
    kind : {"correlation", "modular"}, default="correlation"
        Which random graphs, see :func:`runtime_graphs`.
    n_modules : int, default=4
    repeats : int, default=3
        Timed runs of Top; the shortest counts (the least disturbed by other work on the machine).
        Baselines run once.
    random_state : int, default=0
        Seed of the two graphs and of the Rips calibration graph.

    Returns
    -------
    DistanceTiming

    Notes
    -----
    Untimed warm-up calls come first (the thread pool of :func:`fcviz.birth_death`, the imports of
    the diagram packages), so the times are those of a running session, as in
    ``benchmarks/bench_runtime.py``.

    Examples
    --------
    >>> timing = time_distance(20, ["Top"])
    >>> timing.seconds["Top"] > 0, timing.notes["Top"]
    (True, '')
    """
    methods = _check_methods(methods)
    time_budget = check_real(time_budget, "time_budget", low=0, closed="neither", allow_none=True,
                             hint="It is in seconds; pass None to run the baselines whatever the cost.")
    repeats = check_int(repeats, "repeats", minimum=1)
    G, H = runtime_graphs(n_nodes, kind=kind, n_modules=n_modules, random_state=random_state)
    n_nodes = G.shape[0]
    seconds, values, notes = {}, {}, {}
    if "Top" in methods:
        seconds["Top"], values["Top"] = _time_top(G, H, repeats)
        notes["Top"] = ""
    baselines = [m for m in methods if m != "Top"]
    estimate = rips = None
    if baselines and not _baselines_available():
        for m in baselines:
            seconds[m], values[m], notes[m] = None, None, 'needs pip install "fcviz[baselines]"'
    elif baselines:
        estimate = rips_estimate(n_nodes, kind=kind, n_modules=n_modules, random_state=random_state)
        rips = _time_baselines(G, H, baselines, estimate, time_budget, seconds, values, notes)
    order = {m: i for i, m in enumerate(methods)}
    ordered = sorted(seconds, key=order.get)
    return DistanceTiming(n_nodes, kind, {m: seconds[m] for m in ordered}, {m: values[m] for m in ordered},
                          {m: notes[m] for m in ordered}, rips_estimate=estimate, rips_seconds=rips)


def _time_top(G, H, repeats):
    """The shortest of ``repeats`` timed runs of d_top(G, H), after an untimed warm-up; and its value."""
    from .wasserstein import topological_distance

    topological_distance(G[:3, :3], H[:3, :3])  # warm-up
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        value = topological_distance(G, H)
        best = min(best, time.perf_counter() - t0)
    return best, value


def _time_baselines(G, H, methods, estimate, time_budget, seconds, values, notes):
    """Time each baseline (Rips of both graphs plus the diagram distance) into ``seconds``, ``values`` and
    ``notes``, within ``time_budget`` (see :func:`time_distance`); the seconds of Rips, None when not run."""
    from . import baselines as bl

    if time_budget is not None and estimate > time_budget:
        note = f"Rips estimated {bl.human_seconds(estimate)} > budget {bl.human_seconds(time_budget)}"
        for m in methods:
            seconds[m], values[m], notes[m] = None, None, note
        return None
    start = time.perf_counter()
    diagrams = bl.persistence_diagrams(np.stack([G, H]))
    rips = time.perf_counter() - start
    tiny = np.array([[0.1, 0.4], [0.2, 0.3]])
    for m in methods:
        spent = time.perf_counter() - start
        if time_budget is not None and spent > time_budget:
            seconds[m], values[m] = None, None
            notes[m] = f"budget spent: {bl.human_seconds(spent)} after Rips and earlier distances"
            continue
        bl.diagram_distance(tiny, tiny[:1], method=m)  # warm-up: imports stay out of the timing
        t0 = time.perf_counter()
        values[m] = bl.diagram_distance(diagrams[0], diagrams[1], method=m)
        seconds[m], notes[m] = rips + time.perf_counter() - t0, ""
    return rips


@dataclass(frozen=True, eq=False)
class RuntimeStudy:
    """Timings over several graph sizes (the data of the paper's Figure 3).

    Attributes
    ----------
    timings : list of DistanceTiming
        One per size, in the order run.
    settings : dict
        The arguments of :func:`runtime_study`.
    """

    timings: list
    settings: dict = field(default_factory=dict)

    @property
    def methods(self):
        """The methods timed, in order."""
        return self.timings[0].methods if self.timings else ()

    def curves(self):
        """Method -> (node counts, seconds) with NaN for skipped sizes: the input of ``RuntimeDisplay``.

        Returns
        -------
        dict of str to (ndarray of shape (S,), ndarray of shape (S,))
        """
        nodes = np.array([t.n_nodes for t in self.timings], dtype=float)
        return {m: (nodes, np.array([np.nan if t.seconds[m] is None else t.seconds[m] for t in self.timings]))
                for m in self.methods}

    def _rows(self):
        rows = []
        for t in self.timings:
            top = t.seconds.get("Top")
            cells = [str(t.n_nodes)] + [format_seconds(t.seconds[m]) for m in self.methods]
            ratios = [_fmt_ratio(t.seconds[m] / top) if t.seconds[m] is not None and top else "-"
                      for m in self.methods if m != "Top"] if "Top" in self.methods else []
            notes = sorted({note for note in t.notes.values() if note})
            rows.append(cells + ratios + ["; ".join(notes)])
        return rows

    def _header(self):
        ratios = [f"{m}/Top" for m in self.methods if m != "Top"] if "Top" in self.methods else []
        return ("n", *self.methods, *ratios, "note")

    def to_text(self):
        """The study as an aligned text table: one row per size, times and ratios to Top."""
        return format_table(self._rows(), self._header())

    def __str__(self):
        return self.to_text()

    def _repr_html_(self):
        return html_table(self._rows(), self._header(), caption="Seconds for one distance between two graphs")


def runtime_study(sizes, methods=("Top", "WD"), *, time_budget=10.0, kind="correlation", n_modules=4, repeats=3,
                  random_state=0, n_jobs=None, client=None):
    """Time one distance per method at every size: the paper's runtime study.

    Parameters
    ----------
    sizes : sequence of int
        Node counts, e.g. ``(30, 60, 120, 250, 500, 1000)``.
    methods, time_budget, kind, n_modules, repeats, random_state
        As in :func:`time_distance`, with the same seed at every size. Once the baselines are
        skipped at one size they are skipped at every larger size without estimating.
    n_jobs, client
        Time the sizes as parallel tasks (:mod:`fcviz.parallel`): local processes or a Dask
        cluster, each task on one thread. The seconds are then measured on the workers while other
        sizes run beside them: give at most one task per core, or the timings include the wait.
        Every size is timed (a baseline over budget skips itself at each size); the table is
        built as on the serial path, with the same skip notes.

    Returns
    -------
    RuntimeStudy

    Examples
    --------
    >>> study = runtime_study([10, 20], ["Top"])
    >>> [t.n_nodes for t in study.timings], list(study.curves())
    ([10, 20], ['Top'])
    """
    methods = _check_methods(methods)
    sizes = [check_int(n, "size", minimum=3) for n in np.atleast_1d(sizes).tolist()]
    if not sizes:
        raise ValueError("sizes is empty; pass node counts such as (30, 60, 120).")
    baselines = [m for m in methods if m != "Top"]
    options = dict(time_budget=time_budget, kind=kind, n_modules=n_modules, repeats=repeats)
    from .parallel import active_client, run_tasks

    timed = {}
    if n_jobs not in (None, 1) or active_client(client) is not None:
        ordered = sorted(sizes)
        timed = dict(zip(ordered, run_tasks(
            _time_size, [(n,) for n in ordered], labels=[f"runtime at {n} nodes" for n in ordered],
            shared={"methods": methods, "random_state": random_state, **options}, n_jobs=n_jobs, client=client,
            name="runtime")))
    timings, over = [], None
    seed = random_state
    for n in sorted(sizes):
        if over is None:
            timing = timed[n] if timed else time_distance(n, methods, random_state=seed, **options)
            estimate = timing.rips_estimate
            if baselines and time_budget is not None and estimate is not None and estimate > time_budget:
                over = n
        else:  # the baselines were over budget at a smaller size: only Top is timed
            top = None
            if "Top" in methods:
                top = timed[n] if timed else time_distance(n, ["Top"], random_state=seed, **options)
            note = f"skipped: over budget at {over} nodes"
            timing = DistanceTiming(
                n, kind,
                {m: top.seconds["Top"] if m == "Top" else None for m in methods},
                {m: top.values["Top"] if m == "Top" else None for m in methods},
                {m: "" if m == "Top" else note for m in methods},
            )
        timings.append(timing)
    settings = dict(sizes=sizes, methods=methods, time_budget=time_budget, kind=kind, n_modules=n_modules,
                    repeats=repeats, random_state=random_state)
    return RuntimeStudy(timings, settings)


def _time_size(n_nodes, *, methods, random_state, **options):
    """A task of :func:`runtime_study`: :func:`time_distance` at one size, on one thread."""
    from ._threads import one_thread

    with one_thread(fresh=True):
        return time_distance(n_nodes, methods, random_state=random_state, **options)
