"""Lesson widgets for the tutorial notebooks: one idea each, a control or two, library numbers only.

- :class:`FiltrationExplorer`: sweep the threshold of one small graph from its largest weight down
  to 0 and watch edges appear; birth edges (the maximum spanning tree) merge components, death edges
  close cycles; the Betti curves follow.
- :class:`BarycenterSlider`: move one network on the straight segment from a member of group A to a
  member of group B and watch its birth and death sets travel between the two barycenter bands, with
  its topological distance to each barycenter.
- :class:`ScalingExplorer`: time one distance at a chosen graph size, Top against a persistence-diagram
  baseline, under a time budget that the estimated Rips cost must fit in.
- :class:`LayerExplorer`: the functional connectome of any torch model over chosen layers; a dropdown
  picks the layers.

Every widget is a controller without science. Its controls (``slider``, ``play``, ``run_button`` …),
displays (``*_display_``), figures (``figures_``) and images (``images_``) are public attributes; on
every change it calls public fcviz functions, updates the displays' artists in place and renders the
pyplot-free figures to PNG into ``ipywidgets.Image`` with :func:`figure_to_png`. An exception in a
callback is shown in the ``status`` line (its traceback kept in ``last_error_``) instead of vanishing
into the kernel log. Ending a cell with a widget shows its ``widget``. Every lesson widget derives from
:class:`~fcviz.viz.widgets.base.Widget` (``container`` and ``error_`` remain as deprecated aliases of
``widget`` and of the last exception).
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import ipywidgets as widgets
import numpy as np

from ...homology import betti_curves, birth_death, filtration_components, mst_edges
from ...runtime import format_seconds
from ...synthetic import interpolate_graphs
from ...wasserstein import barycenter, pairwise_distances, topological_distance
from ..displays.base import figure_to_png, new_figure
from ..displays.curves import BettiCurveDisplay, PersistenceDisplay
from ..displays.matrices import ConnectomeDisplay
from ..displays.network import mds_layout
from ..displays.runtime import RuntimeDisplay
from .base import Widget

__all__ = ["BarycenterSlider", "FiltrationExplorer", "LayerExplorer", "ScalingExplorer"]

_BIRTH_COLOR = "C0"
_DEATH_COLOR = "C1"
_NEW_COLOR = "crimson"
_MAX_FILTRATION_NODES = 100
_SINGLETON_COLOR = "0.85"
_NAMING = ("<br><small>* The paper's names. In standard persistent homology the merge of two components kills a "
           "0-dimensional class, and the edge that closes a cycle gives birth to a 1-dimensional one.</small>")
# Component colours: none of them is the blue, orange or red of the edges.
_COMPONENT_COLORS = ("#2ca02c", "#9467bd", "#e377c2", "#bcbd22", "#17becf", "#8c564b", "#98df8a", "#c5b0d5",
                     "#f7b6d2", "#dbdb8d", "#9edae5", "#c49c94")


def _error_html(exc):
    """The status line for an exception: its type and message, escaped, in red."""
    return (f'<span style="color:#b00020">&#9888; {html.escape(type(exc).__name__)}: '
            f"{html.escape(str(exc))}</span>")


class _Lesson(Widget):
    """What every lesson widget shares (on top of :class:`~fcviz.viz.widgets.base.Widget`): PNG images
    of its figures, a status line that is empty unless the last change failed, no log in the layout.

    Lesson widgets run on the kernel's main thread only (no background work); their images still
    change through :meth:`~fcviz.viz.widgets.base.Widget.commit`, drawn first under the drawing lock.
    """

    #: Resolution of the rendered figures.
    dpi = 90
    status_layout = {}

    def _start(self):
        Widget.__init__(self)
        self.images_ = {}
        self._lesson_rows = []

    def _add_figure(self, name, figure):
        self.figures_[name] = figure
        self.images_[name] = widgets.Image(format="png", layout=widgets.Layout(max_width="100%", height="auto"))
        return self.images_[name]

    def _render(self, *names):
        names = names or tuple(self.figures_)
        with self.drawing():
            pngs = {name: figure_to_png(self.figures_[name], dpi=self.dpi) for name in names}

        def show():
            for name in names:
                self.images_[name].value = pngs[name]

        self.commit(show)

    def _guarded(self, action, *args):
        """Run ``action(*args)`` under :meth:`guard`; show an exception in the status line. True on success."""
        done = []
        with self.guard(f"running {getattr(action, '__name__', 'the lesson').strip('_')}"):
            action(*args)
            done.append(True)
        return bool(done)

    def _on_change(self, action):
        """An observer that runs ``action()`` guarded, for ``control.observe(..., names="value")``."""
        return lambda change: self._guarded(action)

    def _error_line(self, exc, action):
        return _error_html(exc)

    def _on_success(self, ticket):
        self._last_exception = None
        self.set_status("", ticket)

    def _widget_rows(self):
        return self._lesson_rows

    @property
    def error_(self):
        """Deprecated alias, kept for older notebooks: the exception of the last failure, None after a
        success (``last_error_`` keeps its traceback)."""
        return self._last_exception

    @property
    def container(self):
        """Deprecated alias of :attr:`widget`, kept for older notebooks."""
        return self.widget


class FiltrationExplorer(_Lesson):
    """Sweep the threshold of a graph filtration and watch birth edges, death edges and Betti numbers.

    The filtered graph at threshold ``e`` keeps the edges heavier than ``e``. The slider sweeps ``e``
    from the largest weight (no edge) down to 0 (every edge). Panel 1 draws the graph (positions from
    :func:`mds_layout`) with the kept edges: birth edges (the maximum spanning tree, :func:`fcviz.mst_edges`)
    in blue, death edges (each closes a cycle) in orange, the last step's in red; the paper's names: in
    standard persistent homology a merge kills a 0-dimensional class and a closing edge starts a
    1-dimensional one, as the readout says. Nodes are coloured by connected component
    (:func:`fcviz.homology.filtration_components`; grey: alone). Panels 2 and 3 are the Betti curves of
    :func:`fcviz.betti_curves`, their threshold axes running from high to low like the slider, with a
    marker at ``e``.

    Parameters
    ----------
    graph : array-like of shape (n, n) or Connectome
        One weighted graph of at most 100 nodes; up to about 40 reads well (every kept edge is drawn).
    n_steps : int, optional
        Evenly spaced thresholds from the largest weight down to 0. By default one step per distinct
        edge weight (each step adds the next heaviest edge), then 0.
    play : bool, default=True
        Add a Play button that steps the slider in the browser (``jslink``: no kernel round trip to
        advance; the kernel redraws each step).
    interval : int, default=700
        Milliseconds between Play steps.
    title : str, optional
        Title of the graph panel, before the current threshold.

    Attributes
    ----------
    slider : ipywidgets.SelectionSlider
        The threshold; its value is ``e`` (one of ``thresholds_``), its index the step.
    play : ipywidgets.Play or None
    readout : ipywidgets.HTML
        "e = …: β0 = …, β1 = …, birth edges so far …, death edges so far …", what the last step added.
    status : ipywidgets.HTML
        Empty, or the last error.
    widget : ipywidgets.VBox
        The layout (``container``: its deprecated alias).
    thresholds_ : ndarray of shape (T,)
        The thresholds, decreasing.
    threshold_ : float
        The current ``e``.
    persistence_ : Persistence
        Birth and death sets of the graph.
    edges_ : (ndarray, ndarray)
        Endpoints ``rows < cols`` of all edges; ``weights_`` their weights.
    is_birth_ : ndarray of bool
        Per edge, whether it is a maximum-spanning-tree (birth) edge.
    kept_ : ndarray of bool
        Per edge, whether it is kept at ``threshold_`` (``weights_ > threshold_``).
    components_ : ndarray of int of shape (n,)
        Component of every node at ``threshold_`` (smallest node index in it).
    betti_ : (int, int)
        ``(beta0, beta1)`` at ``threshold_``, from :func:`fcviz.betti_curves`.
    positions_ : ndarray of shape (n, 2)
    birth_lines_, death_lines_, new_lines_ : matplotlib.collections.LineCollection
        Kept birth edges, kept death edges, edges added by the last step.
    nodes_ : matplotlib.collections.PathCollection
    betti_display_ : BettiCurveDisplay
    markers_ : list of matplotlib.lines.Line2D
        The vertical line at ``e`` on each Betti panel; ``points_`` the dots on the curves.
    figures_, images_ : dict
        ``"filtration"``: the figure and its ``ipywidgets.Image``.
    last_error_ : str or None
        The traceback of the last failure (``error_``: the exception, deprecated).

    Examples
    --------
    >>> from fcviz.synthetic import random_modular_graphs
    >>> explorer = FiltrationExplorer(random_modular_graphs(1, 8, 2, random_state=0)[0], play=False)
    >>> explorer.slider.index = 5
    >>> int(explorer.kept_.sum()) == int((explorer.weights_ > explorer.threshold_).sum())
    True
    """

    def __init__(self, graph, *, n_steps=None, play=True, interval=700, title=None):
        self._start()
        A = np.array(graph, dtype=np.float64)
        self.persistence_ = birth_death(A)  # validates the graph
        n = A.shape[0]
        if n > _MAX_FILTRATION_NODES:
            raise ValueError(
                f"FiltrationExplorer draws every kept edge, so it takes graphs of at most {_MAX_FILTRATION_NODES} "
                f"nodes; got {n}. Use a sub-graph (e.g. graph[:40, :40]), or BettiCurveDisplay for a large graph."
            )
        rows, cols = np.triu_indices(n, 1)
        self.edges_, self.weights_ = (rows, cols), A[rows, cols]
        tree = mst_edges(A)
        on_tree = np.zeros((n, n), dtype=bool)
        on_tree[tree] = True
        self.is_birth_ = on_tree[rows, cols]
        top = float(self.weights_.max())
        if n_steps is None:
            thresholds = np.unique(self.weights_)[::-1]
            if thresholds[-1] > 0:
                thresholds = np.append(thresholds, 0.0)
        else:
            thresholds = np.linspace(top, 0.0, int(n_steps))
        self.thresholds_ = thresholds
        self.positions_ = mds_layout(A)
        self._labels = filtration_components(A, thresholds, check_input=False)
        self._title = title
        self._n = n

        self.slider = widgets.SelectionSlider(
            options=[(f"{e:.4f}", float(e)) for e in thresholds], value=float(thresholds[0]),
            description="threshold e", continuous_update=True,
            layout=widgets.Layout(width="520px"), style={"description_width": "initial"},
        )
        self.play = None
        controls = [self.slider]
        if play:
            self.play = widgets.Play(value=0, min=0, max=len(thresholds) - 1, interval=int(interval),
                                     description="play the sweep")
            widgets.jslink((self.play, "value"), (self.slider, "index"))
            controls.insert(0, self.play)
        self.readout = widgets.HTML()
        fig, axes = new_figure(3, figsize=(12.6, 3.9))
        self._draw(axes)
        self._lesson_rows = [widgets.HBox(controls), self.readout,
                               self._add_figure("filtration", fig), self.status]
        self.slider.observe(self._on_change(self._refresh), names="value")
        self._refresh()

    def _draw(self, axes):
        from matplotlib.collections import LineCollection
        from matplotlib.lines import Line2D

        ax, ax0, ax1 = axes
        self.ax_ = ax
        self.birth_lines_ = LineCollection([], colors=_BIRTH_COLOR, linewidths=2.4, zorder=2, capstyle="round")
        self.death_lines_ = LineCollection([], colors=_DEATH_COLOR, linewidths=1.1, alpha=0.7, zorder=1)
        self.new_lines_ = LineCollection([], colors=_NEW_COLOR, linewidths=3.2, linestyles="--", zorder=3)
        for lines in (self.death_lines_, self.birth_lines_, self.new_lines_):
            ax.add_collection(lines, autolim=False)
        xy = self.positions_
        self.nodes_ = ax.scatter(xy[:, 0], xy[:, 1], s=150, c=[_SINGLETON_COLOR] * self._n, edgecolors="black",
                                 linewidths=0.6, zorder=4)
        self.node_labels_ = [ax.text(x, y, str(i), ha="center", va="center", fontsize=6.5, zorder=5)
                             for i, (x, y) in enumerate(xy)] if self._n <= 60 else []
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        pad = 0.08 * max(float((hi - lo).max()), 1e-9)
        ax.set_xlim(lo[0] - pad, hi[0] + pad)
        ax.set_ylim(lo[1] - pad, hi[1] + pad)
        ax.set_aspect("equal", adjustable="box")
        ax.set(xticks=[], yticks=[])
        handles = [Line2D([], [], color=_BIRTH_COLOR, lw=2.4, label="birth edge* (merges components)"),
                   Line2D([], [], color=_DEATH_COLOR, lw=1.2, label="death edge* (closes a cycle)"),
                   Line2D([], [], color=_NEW_COLOR, lw=2.4, ls="--", label="added by the last step"),
                   Line2D([], [], ls="", marker="o", mfc=_COMPONENT_COLORS[0], mec="black",
                          label="one colour per component"),
                   Line2D([], [], ls="", marker="o", mfc=_SINGLETON_COLOR, mec="black", label="node alone")]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=2, frameon=False,
                  fontsize=7.5, columnspacing=1.0, handlelength=1.8)
        top = float(self.thresholds_[0])
        grid = np.linspace(0.0, top if top > 0 else 1.0, 401)
        self.betti_display_ = BettiCurveDisplay.from_persistence(self.persistence_, grid, ax=[ax0, ax1],
                                                                 colors=["C2"])
        self.markers_, self.points_ = [], []
        for axis in (ax0, ax1):
            axis.invert_xaxis()  # the sweep runs from high to low, left to right like the slider
            axis.set_xlabel("threshold e  (sweep: high → low)")
            self.markers_.append(axis.axvline(top, color=_NEW_COLOR, lw=1.2, ls="--"))
            self.points_.append(axis.plot([top], [0], "o", color=_NEW_COLOR, ms=6, zorder=3)[0])

    def _component_colors(self, labels):
        sizes = np.bincount(labels, minlength=self._n)
        palette = _COMPONENT_COLORS
        big = {int(label): palette[k % len(palette)] for k, label in enumerate(np.flatnonzero(sizes > 1))}
        # components of two or more nodes get a colour by their smallest node; single nodes are grey
        return [big.get(int(label), _SINGLETON_COLOR) for label in labels]

    def _refresh(self):
        step = int(self.slider.index)
        e = float(self.thresholds_[step])
        before = float(self.thresholds_[step - 1]) if step > 0 else np.inf
        betti0, betti1 = betti_curves(self.persistence_, [e])
        self.threshold_ = e
        self.betti_ = (int(betti0[0]), int(betti1[0]))
        self.kept_ = self.weights_ > e
        new = self.kept_ & (self.weights_ <= before)
        self.components_ = self._labels[step]
        rows, cols = self.edges_
        xy = self.positions_

        def segments(mask):
            return np.stack([xy[rows[mask]], xy[cols[mask]]], axis=1) if mask.any() else np.zeros((0, 2, 2))

        self.birth_lines_.set_segments(segments(self.kept_ & self.is_birth_))
        self.death_lines_.set_segments(segments(self.kept_ & ~self.is_birth_))
        self.new_lines_.set_segments(segments(new))
        self.nodes_.set_facecolors(self._component_colors(self.components_))
        n_edges = self.weights_.size
        head = f"{self._title}: " if self._title else ""
        self.ax_.set_title(f"{head}e = {e:.3f}, {int(self.kept_.sum())} of {n_edges} edges kept", fontsize=10)
        for marker, point, value in zip(self.markers_, self.points_, self.betti_):
            marker.set_xdata([e, e])
            point.set_data([e], [value])
        self.readout.value = self._readout(e, new)
        self._render()

    def _readout(self, e, new):
        b0, b1 = self.betti_
        n = self._n
        n_births, n_deaths = self.persistence_.births.size, self.persistence_.deaths.size
        text = (f"<b>e = {e:.4f}</b>: β0 = {b0} component{'s' * (b0 != 1)}, β1 = {b1} independent "
                f"cycle{'s' * (b1 != 1)} &nbsp;·&nbsp; birth edges so far {n - b0} of {n_births} &nbsp;·&nbsp; "
                f"death edges so far {b1} of {n_deaths}")
        added = np.flatnonzero(new)
        if added.size == 1:
            k = added[0]
            i, j = int(self.edges_[0][k]), int(self.edges_[1][k])
            kind = ("a <b>birth</b> edge*: it joined two components" if self.is_birth_[k]
                    else "a <b>death</b> edge*: its ends were already connected, so it closed a cycle")
            text += f"<br>Last step added edge {i}–{j} (weight {self.weights_[k]:.4f}), {kind}."
        elif added.size > 1:
            births = int(self.is_birth_[added].sum())
            text += (f"<br>Last step added {added.size} edges: {births} birth edge{'s' * (births != 1)}, "
                     f"{added.size - births} death edge{'s' * (added.size - births != 1)}.")
        elif self.slider.index == 0:
            text += "<br>No edge is heavier than the largest weight: every node is its own component."
        return text + _NAMING


class BarycenterSlider(_Lesson):
    """Move one network from group A to group B and watch it cross between the barycenter bands.

    The moving network is the graph ``(1 - t) A_i + t B_j`` (:func:`fcviz.synthetic.interpolate_graphs`)
    for a chosen member ``A_i`` of group A and ``B_j`` of group B. Panels 1 and 2: the barycenter ± std
    bands of both groups (:func:`fcviz.barycenter`, :class:`PersistenceDisplay`) with the moving network's
    sorted births and deaths in black. Panel 3: its topological distance to each barycenter along the
    whole path (:func:`fcviz.pairwise_distances`), with a dot at ``t``.

    Parameters
    ----------
    group_a, group_b : array-like of shape (N_a, n, n) and (N_b, n, n)
        The two groups of graphs, all with the same number of nodes.
    names : (str, str), default=("A", "B")
        Names of the groups.
    member_a, member_b : int, default=0
        The members the moving network starts and ends at.
    n_path : int, default=41
        Points of the distance-along-the-path curves.
    step : float, default=0.05
        Step of the slider.

    Attributes
    ----------
    slider : ipywidgets.FloatSlider
        ``t`` in [0, 1].
    member_a, member_b : ipywidgets.Dropdown
        The end points of the path (member indices).
    readout, status : ipywidgets.HTML
    widget : ipywidgets.VBox
        The layout (``container``: its deprecated alias).
    barycenters_ : list of two Barycenter
        Of group A and group B.
    graph_ : ndarray of shape (n, n)
        The moving network at ``t``; ``persistence_`` its birth and death sets.
    distances_ : ndarray of shape (2,)
        :func:`fcviz.topological_distance` from the moving network to each barycenter.
    path_t_ : ndarray of shape (n_path,)
    path_distances_ : ndarray of shape (n_path, 2)
        Distances to both barycenters along the path.
    persistence_display_ : PersistenceDisplay
        Bands and the highlighted moving network (``highlight_``).
    path_lines_, path_points_ : list of matplotlib.lines.Line2D
        The two distance curves and the dots at ``t``.
    figures_, images_ : dict
        ``"barycenters"``: the figure and its image.
    last_error_ : str or None
        The traceback of the last failure (``error_``: the exception, deprecated).

    Examples
    --------
    >>> from fcviz.synthetic import random_modular_graphs
    >>> a, b = random_modular_graphs(3, 10, 2, random_state=0), random_modular_graphs(3, 10, 5, random_state=1)
    >>> widget = BarycenterSlider(a, b)
    >>> widget.slider.value = 1.0
    >>> bool(np.isclose(widget.distances_[1], widget.barycenters_[1].distances[0]))
    True
    """

    def __init__(self, group_a, group_b, *, names=("A", "B"), member_a=0, member_b=0, n_path=41, step=0.05):
        self._start()
        groups = []
        for label, group in (("group_a", group_a), ("group_b", group_b)):
            G = np.array(group, dtype=np.float64)
            if G.ndim != 3:
                raise ValueError(f"BarycenterSlider needs {label} as a stack of graphs (N, n, n); got shape {G.shape}.")
            groups.append(G)
        if groups[0].shape[1:] != groups[1].shape[1:]:
            raise ValueError(
                f"BarycenterSlider needs groups of graphs of one size; got {groups[0].shape[1]} and "
                f"{groups[1].shape[1]} nodes."
            )
        if len(names) != 2:
            raise ValueError(f"names must be two group names; got {names!r}.")
        for label, member, G in (("member_a", member_a, groups[0]), ("member_b", member_b, groups[1])):
            if not isinstance(member, (int, np.integer)) or not 0 <= member < len(G):
                raise ValueError(f"{label} must be a member index in [0, {len(G) - 1}]; got {member!r}.")
        self.groups_ = groups
        self.names = tuple(str(n) for n in names)
        self.barycenters_ = [barycenter(birth_death(G)) for G in groups]  # birth_death validates
        self.path_t_ = np.linspace(0.0, 1.0, int(n_path))
        self.slider = widgets.FloatSlider(value=0.0, min=0.0, max=1.0, step=step, description="t",
                                          continuous_update=False, readout_format=".2f",
                                          layout=widgets.Layout(width="420px"))
        self.member_a = widgets.Dropdown(options=[(f"{self.names[0]} member {i}", i) for i in range(len(groups[0]))],
                                         value=member_a, description="t = 0:", layout=widgets.Layout(width="230px"))
        self.member_b = widgets.Dropdown(options=[(f"{self.names[1]} member {i}", i) for i in range(len(groups[1]))],
                                         value=member_b, description="t = 1:", layout=widgets.Layout(width="230px"))
        self.readout = widgets.HTML()
        fig, axes = new_figure(3, figsize=(12.6, 3.7))
        self._draw(axes)
        self._lesson_rows = [widgets.HBox([self.member_a, self.slider, self.member_b]), self.readout,
                               self._add_figure("barycenters", fig), self.status]
        self.slider.observe(self._on_change(self._refresh), names="value")
        self.member_a.observe(self._on_change(self._new_path), names="value")
        self.member_b.observe(self._on_change(self._new_path), names="value")
        self._new_path()

    def _moving(self, t):
        return interpolate_graphs(self.groups_[0][self.member_a.value], self.groups_[1][self.member_b.value], t)

    def _draw(self, axes):
        start = birth_death(self._moving(0.0))
        labels = [f"{name} barycenter ± std" for name in self.names]
        self.persistence_display_ = PersistenceDisplay(
            self.barycenters_, names=labels, colors=["C0", "C1"], highlight=start, highlight_name="moving network",
        ).plot(ax=axes[:2])
        ax = axes[2]
        self.path_lines_, self.path_points_ = [], []
        for k, name in enumerate(self.names):
            self.path_lines_.append(ax.plot(self.path_t_, np.zeros_like(self.path_t_), color=f"C{k}",
                                            label=f"to {name} barycenter")[0])
            self.path_points_.append(ax.plot([0.0], [0.0], "o", color=f"C{k}", mec="black", ms=7, zorder=3)[0])
        self.t_marker_ = ax.axvline(0.0, color="black", lw=1.0, ls="--")
        ax.set_xlim(0.0, 1.0)
        ax.set_xlabel(f"t  (0: {self.names[0]} member, 1: {self.names[1]} member)")
        ax.set_ylabel("d_top (a squared distance)")
        ax.set_title("Distance to each barycenter")
        ax.legend(frameon=False, fontsize=8)
        self.path_ax_ = ax

    def _new_path(self):
        path = birth_death(self._moving(self.path_t_))
        self.path_distances_ = pairwise_distances(path, self.barycenters_)
        for k, line in enumerate(self.path_lines_):
            line.set_ydata(self.path_distances_[:, k])
        top = float(self.path_distances_.max())
        self.path_ax_.set_ylim(0.0, 1.08 * top if top > 0 else 1.0)
        self._refresh()

    def _refresh(self):
        t = float(self.slider.value)
        self.graph_ = self._moving(t)
        self.persistence_ = birth_death(self.graph_)
        self.distances_ = np.array([topological_distance(self.persistence_, b) for b in self.barycenters_])
        self.persistence_display_.update(highlight=self.persistence_)
        for point, d in zip(self.path_points_, self.distances_):
            point.set_data([t], [d])
        self.t_marker_.set_xdata([t, t])
        self.readout.value = self._readout(t)
        self._render()

    def _readout(self, t):
        (da, db), (na, nb) = self.distances_, self.names
        nearer = na if da < db else nb if db < da else "neither (a tie)"
        spread = " &nbsp;·&nbsp; ".join(f"{name}: {b.mean_distance:.4f}" for name, b in zip(self.names, self.barycenters_))
        return (f"<b>t = {t:.2f}</b>: d_top to {na} barycenter = {da:.4f}, to {nb} barycenter = {db:.4f} "
                f"→ nearer to <b>{nearer}</b><br>Group spreads (mean d_top of the members to their "
                f"barycenter): {spread}")


class ScalingExplorer(_Lesson):
    """Time one distance at a chosen size: Top against a persistence-diagram baseline, under a budget.

    The size slider offers node counts; at every size the Rips persistence cost of the baselines is
    estimated up front (:func:`fcviz.runtime.rips_estimate`, which calibrates
    :func:`fcviz.baselines.estimate_baseline_cost` on one graph of the kind timed) and sizes whose
    estimate exceeds the budget are marked "Top only". "Run" times one
    topological distance and, within budget, each baseline (Rips of both graphs plus one diagram
    distance) with :func:`fcviz.runtime.time_distance`. The log–log :class:`RuntimeDisplay` accumulates
    every measured point per method, with the estimated Rips cost (dashed) and the budget (dotted).

    Parameters
    ----------
    sizes : sequence of int, default=(30, 60, 120, 250, 500, 1000)
        Node counts offered.
    methods : sequence of str, default=("WD",)
        Baselines timed besides Top: any of "BD", "WD", "SWK", "HK", "PI".
    budget : float, default=10.0
        Seconds allowed for the estimated Rips cost of one baseline run.
    kind : {"correlation", "modular"}, default="correlation"
        Which random graphs (see :func:`fcviz.runtime.runtime_graphs`).
    n_modules : int, default=4
    repeats : int, default=3
        Timed runs of Top per click (the shortest counts).
    random_state : int, default=0
        Seed of the graphs at every size, as in :func:`fcviz.runtime.runtime_study`.

    Attributes
    ----------
    size : ipywidgets.SelectionSlider
        The node count to run.
    budget : ipywidgets.BoundedFloatText
        The time budget in seconds.
    run_button : ipywidgets.Button
    readout, plan, status : ipywidgets.HTML
        The last timing, the estimates per size, and the last error.
    widget : ipywidgets.VBox
        The layout (``container``: its deprecated alias).
    baselines_available_ : bool
        Whether the extra ``fcviz[baselines]`` is installed (without it only Top is timed).
    estimates_ : dict of int to float
        Estimated seconds of Rips persistence of both graphs per size (empty without the extra).
    timings_ : list of DistanceTiming
        Every run, in order.
    measured_ : dict of str to dict of int to float
        Method -> size -> seconds of the latest run at that size (what the display draws).
    runtime_display_ : RuntimeDisplay
    figures_, images_ : dict
        ``"runtime"``: the figure and its image.
    last_error_ : str or None
        The traceback of the last failure (``error_``: the exception, deprecated).
    """

    def __init__(self, sizes=(30, 60, 120, 250, 500, 1000), *, methods=("WD",), budget=10.0, kind="correlation",
                 n_modules=4, repeats=3, random_state=0):
        from ... import runtime
        from ...baselines import require_baselines
        from ...registry import BASELINE_METHODS

        self._start()
        self._runtime = runtime
        sizes = sorted({int(n) for n in np.atleast_1d(sizes).tolist()})
        if not sizes or sizes[0] < 3:
            raise ValueError(f"ScalingExplorer needs node counts of at least 3; got {sizes}.")
        methods = (methods,) if isinstance(methods, str) else tuple(methods)
        unknown = [m for m in methods if m not in BASELINE_METHODS]
        if unknown:
            raise ValueError(f"methods must be baselines among {list(BASELINE_METHODS)} (Top is always timed); "
                             f"got {unknown}.")
        runtime.runtime_graphs(sizes[0], kind=kind, n_modules=n_modules)  # validates kind and n_modules
        self.sizes, self.methods, self.kind = sizes, methods, kind
        self.n_modules, self.repeats, self.random_state = n_modules, repeats, random_state
        try:
            require_baselines()
            self.baselines_available_ = True
        except ImportError:
            self.baselines_available_ = False
        self.estimates_ = {}
        if self.baselines_available_ and methods:
            for n in sizes:
                self.estimates_[n] = runtime.rips_estimate(n, kind=kind, n_modules=n_modules, random_state=random_state)
        self.timings_ = []
        self.measured_ = {m: {} for m in ("Top", *methods)}

        self.size = widgets.SelectionSlider(options=[(str(n), n) for n in sizes], value=sizes[0],
                                            description="nodes n", layout=widgets.Layout(width="420px"))
        self.budget = widgets.BoundedFloatText(value=float(budget), min=1e-6, max=86400.0, step=1.0,
                                               description="budget (s)", layout=widgets.Layout(width="170px"))
        self.run_button = widgets.Button(description="Run", icon="play", button_style="primary",
                                         tooltip="time one distance at this size")
        self.readout = widgets.HTML("Pick a size and press <b>Run</b>.")
        self.plan = widgets.HTML()
        fig, (ax,) = new_figure(1, figsize=(8.0, 4.2))
        self._draw(ax)
        self._lesson_rows = [widgets.HBox([self.size, self.budget, self.run_button]), self.plan,
                               self.readout, self._add_figure("runtime", fig), self.status]
        self.budget.observe(self._on_change(self._replan), names="value")
        self.run_button.on_click(lambda button: self._guarded(self._run))
        self._replan()

    def _curves(self):
        curves = {}
        for method, points in self.measured_.items():
            nodes = sorted(points)
            curves[method] = (np.array(nodes, dtype=float), np.array([points[n] for n in nodes], dtype=float))
        if self.estimates_:
            nodes = np.array(list(self.estimates_), dtype=float)
            curves["Rips estimate"] = (nodes, np.array(list(self.estimates_.values())))
        return curves

    def _draw(self, ax):
        kind = "correlation graphs" if self.kind == "correlation" else "edge-level modular networks"
        self.runtime_display_ = RuntimeDisplay(self._curves(), title=f"One distance between two {kind}").plot(ax=ax)
        if "Rips estimate" in self.runtime_display_.lines_:
            line = self.runtime_display_.lines_["Rips estimate"]
            line.set_linestyle("--")
            line.set_color("0.5")
            line.set_marker("")
            line.set_label("Rips of both graphs (estimate)")
        from matplotlib.ticker import NullFormatter

        self.budget_line_ = ax.axhline(float(self.budget.value), color="crimson", lw=1.0, ls=":", label="budget")
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        ax.grid(True, which="major", alpha=0.3)
        ax.set_xticks(self.sizes, [str(n) for n in self.sizes])
        ax.xaxis.set_minor_formatter(NullFormatter())

    def _limits(self):
        ax = self.runtime_display_.ax_
        ax.set_xlim(self.sizes[0] / 1.25, self.sizes[-1] * 1.25)
        values = [v for points in self.measured_.values() for v in points.values()]
        values += list(self.estimates_.values()) + [float(self.budget.value)]
        values = [v for v in values if v > 0]
        ax.set_ylim(min(values) / 3, max(values) * 3)

    def _within_budget(self, n):
        return n in self.estimates_ and self.estimates_[n] <= float(self.budget.value)

    def _replan(self):
        budget = float(self.budget.value)
        current = self.size.value
        labels = []
        for n in self.sizes:
            over = self.methods and (not self.baselines_available_ or not self._within_budget(n))
            labels.append((f"{n} (Top only)" if over else str(n), n))
        self.size.options = labels
        self.size.value = current
        self.budget_line_.set_ydata([budget, budget])
        if not self.methods:
            self.plan.value = "Only Top is timed (no baseline chosen)."
        elif not self.baselines_available_:
            self.plan.value = ('The baselines need <code>pip install "fcviz[baselines]"</code>; only Top is '
                               "timed.")
        else:
            cells = []
            for n, estimate in self.estimates_.items():
                mark = "✓" if estimate <= budget else "✗ Top only"
                cells.append(f"{n}: {format_seconds(estimate)} {mark}")
            self.plan.value = (f"Estimated Rips cost of both graphs per size (budget {format_seconds(budget)}): "
                               + " &nbsp;·&nbsp; ".join(cells))
        self._limits()
        self._render()

    def _run(self):
        n = int(self.size.value)
        methods = ("Top", *self.methods) if self.baselines_available_ else ("Top",)
        self.run_button.disabled, self.run_button.description = True, "Running…"
        try:
            timing = self._runtime.time_distance(
                n, methods, time_budget=float(self.budget.value), kind=self.kind, n_modules=self.n_modules,
                repeats=self.repeats, random_state=self.random_state,
            )
        finally:
            self.run_button.disabled, self.run_button.description = False, "Run"
        self.timings_.append(timing)
        for method, seconds in timing.seconds.items():
            if seconds is not None:
                self.measured_[method][n] = seconds
        self.runtime_display_.update(self._curves())
        self._limits()
        self.readout.value = self._readout(timing)
        self._render()

    def _readout(self, timing):
        top = timing.seconds.get("Top")
        parts = [f"Top {format_seconds(top)}"]
        for method in self.methods:
            seconds = timing.seconds.get(method)
            if seconds is not None:
                parts.append(f"{method} {format_seconds(seconds)} ({seconds / top:,.0f}× Top)")
            elif method in timing.notes:
                parts.append(f"{method} skipped: {html.escape(timing.notes[method])}")
        return f"<b>n = {timing.n_nodes}</b>: " + " &nbsp;·&nbsp; ".join(parts)


class LayerExplorer(_Lesson):
    """The functional connectome of any torch model over chosen layers, one dropdown away.

    For the chosen layers, :func:`fcviz.functional_connectome` records the activations over the
    stimuli (one node per channel with ``pool="channel"``) and correlates them; the connectome
    (:class:`ConnectomeDisplay`) and its sorted birth and death sets (:class:`PersistenceDisplay`)
    change in place. Each choice is computed once and kept.

    Parameters
    ----------
    model : torch.nn.Module
        Any network (its train/eval mode is restored after each recording).
    stimuli : torch.Tensor or ndarray of shape (n_stimuli, ...)
        Inputs the model takes.
    choices : dict of str to layers, or sequence of layers
        The options of the dropdown: label -> a layer name or list of names (as in
        :func:`fcviz.activations.resolve_layers`). A sequence gets labels joined with " + ".
    pool : {None, "channel"}, default="channel"
        As in :func:`fcviz.functional_connectome`.
    order : {"tree", "layer"}, default="tree"
        Initial node order of the heat map.

    Attributes
    ----------
    layers : ipywidgets.Dropdown
        The layer choice (its value is a label of ``choices``).
    order : ipywidgets.ToggleButtons
        "tree" (modules as blocks) or "layer" (recorded order).
    readout, status : ipywidgets.HTML
    widget : ipywidgets.VBox
        The layout (``container``: its deprecated alias).
    choices_ : dict of str to tuple of str
        Label -> resolved layer names.
    connectomes_, persistences_ : dict
        Label -> Connectome and its Persistence, for the choices seen so far.
    connectome_ : Connectome
        The one shown.
    connectome_display_ : ConnectomeDisplay
    persistence_display_ : PersistenceDisplay
    figures_, images_ : dict
        ``"connectome"``: the figure and its image.
    last_error_ : str or None
        The traceback of the last failure (``error_``: the exception, deprecated).
    """

    def __init__(self, model, stimuli, choices, *, pool="channel", order="tree"):
        from ...activations import resolve_layers

        self._start()
        if isinstance(choices, Mapping):
            items = list(choices.items())
        elif isinstance(choices, str):
            items = [(choices, choices)]
        else:
            items = [(" + ".join([c] if isinstance(c, str) else list(c)), c) for c in choices]
        if not items:
            raise ValueError("LayerExplorer needs at least one choice of layers.")
        self.choices_ = {str(label): resolve_layers(model, layers) for label, layers in items}
        self.model, self.stimuli, self.pool = model, stimuli, pool
        self.connectomes_, self.persistences_ = {}, {}
        labels = list(self.choices_)
        self.layers = widgets.Dropdown(options=labels, value=labels[0], description="layers",
                                       layout=widgets.Layout(width="320px"))
        self.order = widgets.ToggleButtons(options=["tree", "layer"], value=order, description="order",
                                           style={"button_width": "70px"})
        self.readout = widgets.HTML()
        first = self._connectome(labels[0])
        fig, axes = new_figure(3, figsize=(12.6, 3.9))
        self.connectome_display_ = ConnectomeDisplay(np.asarray(first), order=order).plot(ax=axes[0])
        self.persistence_display_ = PersistenceDisplay(self.persistences_[labels[0]], colors=["C0"]).plot(ax=axes[1:])
        self._lesson_rows = [widgets.HBox([self.layers, self.order]), self.readout,
                               self._add_figure("connectome", fig), self.status]
        self.layers.observe(self._on_change(self._refresh), names="value")
        self.order.observe(self._on_change(self._refresh), names="value")
        self._refresh()

    def _connectome(self, label):
        from ...connectome import functional_connectome

        if label not in self.connectomes_:
            C = functional_connectome(self.model, self.stimuli, layers=list(self.choices_[label]), pool=self.pool)
            self.connectomes_[label] = C
            self.persistences_[label] = birth_death(C)
        return self.connectomes_[label]

    def _refresh(self):
        label = self.layers.value
        C = self._connectome(label)
        P = self.persistences_[label]
        self.connectome_ = C
        sizes = " + ".join(f"{name} ({size})" for name, size in zip(C.layer_names, C.layer_sizes))
        self.connectome_display_.update(np.asarray(C), order=self.order.value, title=f"{C.n_nodes} nodes: {sizes}")
        self.persistence_display_.update([P])
        n_edges = P.births.size + P.deaths.size
        self.readout.value = (
            f"<b>{html.escape(label)}</b>: {C.n_nodes:,} nodes, {html.escape(sizes)}, over {C.n_stimuli} stimuli "
            f"&nbsp;·&nbsp; {n_edges:,} edges = {P.births.size:,} births + {P.deaths.size:,} deaths "
            f"&nbsp;·&nbsp; dead neurons: {C.n_dead}"
        )
        self._render()
