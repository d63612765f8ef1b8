"""Explorers: live controllers over one connectome zoo.

:class:`ConnectomeExplorer` shows one network (or a strategy's group mean) as a connectome, its
maximum spanning tree, its birth and death sets over every strategy's barycenter ± std, and its Betti
curves; :class:`ClusteringExplorer` clusters the zoo with Top clustering or a baseline and shows the
contingency matrix, the distance matrix ordered by predicted cluster and the scores.

How they redraw
---------------
Everything heavy is computed once per zoo and cached: the persistence of every graph
(:func:`fcviz.birth_death`), the strategies' barycenters (:func:`fcviz.barycenter`), the distance
matrices, and, on first use, the zoo recorded over one stimulus class
(:meth:`fcviz.ConnectomeZoo.recorded_over`, forward passes only) or the baselines' persistence
diagrams. A control change then only

1. looks up or computes the few library results it needs (a clustering, cached per method, number
   of clusters, seed and weight; a network's Betti curves);
2. works out which panels show something else now (each panel's frame has a key: what its figure
   depends on, e.g. the node order for the connectome only, the predicted labels for the clustering
   panels) and moves the artists of those displays only (``display.update``: no new artists, no new
   figure, no pyplot);
3. shows each changed panel's frame: from the panel's bounded frame cache when it was drawn before
   (bytes swapped, nothing drawn), else rendered to PNG bytes into its fixed-size
   ``ipywidgets.Image``: the figure layout was made at the first render and is frozen, and only the
   data artists are drawn, over the kept background of axes, ticks and labels (the same pixels as a
   full render; see :class:`fcviz.viz.widgets.Panel`).

Top clustering at ``0 < w < 1`` on a large zoo runs in a background thread (``background``): the
status line says "computing …", the controls stay responsive, and the result shows when ready.

The whole change runs under :meth:`~fcviz.viz.widgets.Explorer.guard`: a failure shows "⚠ message"
in the status line and its traceback in the log (and ``last_error_``), and the images keep the last
good view. Tests drive an explorer by setting ``control.value`` and read its public state.
"""

from __future__ import annotations

import html
import threading
import time
from collections import OrderedDict

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import FormatStrFormatter, FuncFormatter, MaxNLocator

from .._validation import check_bool, check_real
from ..clustering import TopClustering, clustering_scores
from ..homology import as_persistence, betti_curves, birth_death
from ..registry import BASELINE_METHODS, DATASETS
from ..wasserstein import barycenter, pairwise_distances
from .curves import BettiCurveDisplay, PersistenceDisplay
from .matrices import ConnectomeDisplay, DistanceMatrixDisplay, layer_boundaries
from .network import SpanningTreeDisplay
from .scores import ClusteringDisplay, PurityWeightDisplay
from .widgets import Explorer

__all__ = ["ConnectomeExplorer", "ClusteringExplorer", "available_methods", "zoo_layers", "BETTI_THRESHOLDS"]

#: Thresholds of the Betti curves: connectome weights are absolute correlations in [0, 1].
BETTI_THRESHOLDS = np.linspace(0.0, 1.0, 201)

_BARYCENTER = "barycenter"
_WIDE = {"description_width": "initial"}
# Value of the stimulus control for the zoo's own stimuli (all classes, or as built per class).
_OWN_STIMULI = "all"
_FITS_KEPT = 256  # clusterings remembered per zoo (labels: a few hundred bytes each)
_BACKGROUND_EDGES = 1_000_000  # background="auto": fits at 0 < w < 1 of larger zoos run in a thread
_PAPER = "paper"  # the birth-weight slider's first stop: the paper's d_top (birth_weight=None)
_BIRTH_WEIGHTS = [("paper", _PAPER)] + [(f"{0.05 * i:.2f}", round(0.05 * i, 2)) for i in range(21)]
_CURVE_REPEATS = 10  # clusterings per birth weight of the purity-against-beta curve


def available_methods():
    """Clustering methods the explorer can run here: "Top", "Adj" and the installed baselines.

    Returns
    -------
    tuple of str
        ``("Top", "Adj")``, plus :data:`fcviz.registry.BASELINE_METHODS` when the ``fcviz[baselines]``
        extra imports.
    """
    from ..baselines import require_baselines

    try:
        require_baselines()
    except ImportError:
        return ("Top", "Adj")
    return ("Top", "Adj", *BASELINE_METHODS)


def _check_zoo(zoo, owner):
    """``zoo`` if it looks like a :class:`fcviz.ConnectomeZoo`, else a ValueError."""
    if not all(hasattr(zoo, name) for name in ("graphs", "labels", "metadata", "group_labels", "label_column")):
        raise ValueError(
            f"{owner} needs a fcviz.ConnectomeZoo (from fcviz.connectome_zoo(...)); got {type(zoo).__name__}."
        )
    if len(zoo) < 2:
        raise ValueError(f"{owner} needs a zoo of at least 2 connectomes; got {len(zoo)}.")
    return zoo


def _check_persistence(persistence, zoo, owner):
    """The zoo's batch persistence: the one given (checked against the zoo) or ``birth_death(zoo.graphs)``."""
    if persistence is None:
        return birth_death(zoo.graphs)
    P = as_persistence(persistence, name="persistence")
    if not P.is_batch or len(P) != len(zoo) or P.n_nodes != zoo.n_nodes:
        got = f"{len(P)} graphs of {P.n_nodes} nodes" if P.is_batch else f"one graph of {P.n_nodes} nodes"
        raise ValueError(
            f"{owner}: persistence must be fcviz.birth_death(zoo.graphs), a batch of {len(zoo)} graphs of "
            f"{zoo.n_nodes} nodes; got {got}. Pass persistence=None to compute it."
        )
    return P


def _integer_ticks(axis, top):
    """Integer tick labels on ``axis``, padded to the width of ``top`` (figure spaces: as wide as a
    digit), so that they never grow wider than at the first render, when the layout was made."""
    width = len(str(int(top)))
    axis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True))  # AutoLocator's
    axis.set_major_formatter(FuncFormatter(lambda value, pos: f"{value:.0f}".rjust(width, "\u2007")))


def zoo_layers(zoo):
    """Inner layer boundaries and legend names from a zoo's metadata, ``(None, None)`` without layers.

    Shared by the explorers that draw a zoo's networks (layer separators, legend "hidden1 (32)").
    """
    sizes = zoo.metadata.get("layer_sizes")
    if not sizes or sum(sizes) != zoo.n_nodes:
        return None, None
    names = zoo.metadata.get("layer_names") or [f"layer {k + 1}" for k in range(len(sizes))]
    names = [f"{str(name).split('.')[0]} ({size})" for name, size in zip(names, sizes)]
    return layer_boundaries(zoo.n_nodes, layer_sizes=[int(s) for s in sizes]), names


class ConnectomeExplorer(Explorer):
    """Explore one zoo network by network: connectome, spanning tree, persistence and Betti curves.

    Parameters
    ----------
    zoo : fcviz.ConnectomeZoo
        Connectomes with their labels, e.g. ``fcviz.connectome_zoo("digits", "all")``.
    persistence : Persistence, optional
        ``fcviz.birth_death(zoo.graphs)`` when already computed (e.g. shared with a dashboard).
    dpi : int, default=100
        Resolution of the panels.
    backend : {"image", "ipympl"}, default="image"
        How panels are shown, see :class:`fcviz.viz.widgets.Panel`.
    frame_cache : int, default=64
        Frames kept per panel (see :class:`fcviz.viz.widgets.Explorer`): a selection shown before
        comes back without drawing. Emptied by :meth:`set_zoo`.

    Attributes
    ----------
    strategy : ipywidgets.Dropdown
        The zoo's training strategies (``regularizer`` labels), in zoo order.
    stimulus_class : ipywidgets.Dropdown
        ``"all"`` (value None: the zoo as built; labelled "as built (per class)" for a zoo built with
        per-class stimuli) or one class of the dataset (value: the class index), labelled with the
        dataset's class names. Choosing a class records the same trained
        networks over that class's stimuli with :meth:`fcviz.ConnectomeZoo.recorded_over` (forward
        passes only, cached on disk by the zoo and in memory here). Disabled for a zoo without
        trained weights.
    network : ipywidgets.Dropdown
        Each network of the chosen strategy (value: its row in ``zoo_``), then
        ``"barycenter (group mean)"`` (value ``"barycenter"``): the element-wise mean connectome of the
        strategy and its barycenter curves.
    order : ipywidgets.ToggleButtons
        Node order of the connectome: ``"layer"`` or ``"tree"`` (:func:`fcviz.spanning_tree_order`).
    zoo : fcviz.ConnectomeZoo
        The zoo given (stimulus class "all").
    zoo_ : fcviz.ConnectomeZoo
        The zoo shown now: ``zoo`` or its recording over the chosen class.
    persistence_ : Persistence
        ``birth_death(zoo_.graphs)``.
    barycenters_ : dict of str to Barycenter
        ``fcviz.barycenter`` of every strategy's networks in ``zoo_``.
    selection_ : dict
        The choices drawn last: ``strategy``, ``stimulus_class`` (None for all), ``network`` (its
        ``network`` label, or "barycenter"), ``row`` (its row in ``zoo_``, or None), ``order``.
    graph_ : ndarray of shape (n, n)
        The connectome drawn (a row of ``zoo_.graphs`` or the strategy's mean).
    figures_, images_, displays_ : dict
        Keys ``"connectome"`` (:class:`ConnectomeDisplay`), ``"tree"`` (:class:`SpanningTreeDisplay`),
        ``"persistence"`` (:class:`PersistenceDisplay`, highlight = the selection; y limits spanning
        every network and band of the stimulus set shown) and ``"betti"`` (:class:`BettiCurveDisplay`
        at :data:`BETTI_THRESHOLDS`). The tree panel's graph fills a fixed box (equal scales). A
        change of node order redraws the connectome only.

    Examples
    --------
    >>> import fcviz
    >>> from fcviz.viz import ConnectomeExplorer
    >>> zoo = fcviz.connectome_zoo(n_networks=2, epochs=1, n_stimuli=40, cache=False, progress=False)
    >>> explorer = ConnectomeExplorer(zoo, dpi=30)
    >>> explorer.strategy.value = "l2"
    >>> explorer.selection_["strategy"], explorer.selection_["network"]
    ('l2', 0)
    """

    def __init__(self, zoo, *, persistence=None, dpi=100, backend="image", frame_cache=64):
        super().__init__(dpi=dpi, backend=backend, frame_cache=frame_cache)
        self.strategy = widgets.Dropdown(description="strategy", style=_WIDE, layout=widgets.Layout(width="200px"))
        self.stimulus_class = widgets.Dropdown(description="stimuli", style=_WIDE,
                                               layout=widgets.Layout(width="220px"))
        self.network = widgets.Dropdown(description="network", style=_WIDE, layout=widgets.Layout(width="290px"))
        self.order = widgets.ToggleButtons(
            options=[("layer order", "layer"), ("tree order", "tree")], value="layer", description="nodes",
            tooltips=["neurons grouped by layer", "neurons in the order they join the maximum spanning tree"],
            style={**_WIDE, "button_width": "auto"},
        )
        # Their decorations keep their size from one network to the next (fixed ticks and colour bar,
        # two-line titles, y tick labels of fixed width), so the layout runs at the first render only
        # (it has settled by then: the axes do not move at later renders).
        for name, ncols, size in (("connectome", 1, (4.6, 4.0)), ("tree", 1, (4.6, 4.0)),
                                  ("persistence", 2, (9.2, 3.3)), ("betti", 2, (9.2, 3.0))):
            self.add_panel(name, ncols, figsize=size, freeze_layout_after=1, blit=True)
        self.set_zoo(zoo, persistence=persistence)
        self.on_change(self.strategy, self._strategy_changed)
        self.on_change(self.stimulus_class, self._stimulus_changed)
        self.on_change(self.network, self._draw_selection)
        self.on_change(self.order, self._order_changed)

    # ------------------------------------------------------------------ zoo and cached views

    def set_zoo(self, zoo, *, persistence=None):
        """Show another zoo (e.g. one just built): reset every cache, the controls and the panels.

        Parameters
        ----------
        zoo : fcviz.ConnectomeZoo
        persistence : Persistence, optional
            ``fcviz.birth_death(zoo.graphs)`` when already computed.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If ``zoo`` is not a zoo or ``persistence`` does not belong to it; the explorer is unchanged.
        """
        owner = type(self).__name__
        zoo = _check_zoo(zoo, owner)
        P = _check_persistence(persistence, zoo, owner)
        strategies = [str(s) for s in zoo.group_labels("regularizer")[1]]
        view = self._make_view(zoo, P, strategies)
        self.zoo = zoo
        self._strategies = strategies
        self._views = {None: view}
        self._boundaries, self._layer_names = zoo_layers(zoo)
        dataset = DATASETS.get(zoo.metadata.get("settings", {}).get("dataset"))
        classes = [] if dataset is None else list(enumerate(dataset.class_names))
        with self.muted():
            self.strategy.options = strategies
            self.strategy.value = strategies[0]
            own = "all" if all(row["stimulus_class"] is None for row in zoo.labels) else "as built (per class)"
            # The zoo's own stimuli have the value "all": an ipywidgets Dropdown shows an option whose
            # value is None as blank. Setting the control to None still selects them (see _stimuli).
            self.stimulus_class.options = [(own, _OWN_STIMULI)] + [
                (str(c) if name == str(c) else f"{c}: {name}", c) for c, name in classes]
            self.stimulus_class.value = _OWN_STIMULI
            self.stimulus_class.disabled = not (zoo.network_states and classes)
            self._use_view(view, keep=None)
        self.forget_frames()
        self._plot()
        self.refresh(self._keys(self.selection_), lambda names: None)
        self.status.value = html.escape(self._describe())
        return self

    @staticmethod
    def _make_view(zoo, P, strategies):
        """What every control change of one zoo (one stimulus set) reads: persistence, barycenters and
        the y limits of the persistence panel, which span every network and every band of the view
        (fixed while only the network changes: one scale to compare networks, one background to keep)."""
        regs = zoo.label_column("regularizer")
        barycenters = {s: barycenter(P[np.flatnonzero(regs == s)]) for s in strategies}
        limits = {}
        for which in ("births", "deaths"):
            values = [getattr(P, which)] + [getattr(B, which) + sign * getattr(B, f"{which}_std")
                                            for B in barycenters.values() for sign in (-1, 1)]
            lo, hi = min(float(v.min()) for v in values), max(float(v.max()) for v in values)
            pad = 0.05 * (hi - lo) if hi > lo else 0.05  # as PersistenceDisplay pads
            limits[which] = (lo - pad, hi + pad)
        return {"zoo": zoo, "persistence": P, "regs": regs, "barycenters": barycenters, "limits": limits}

    def _fill_tree_box(self):
        """Widen the tree panel's shorter range to the shape of its box: the equal aspect then keeps
        the box (and the graph is drawn over the same frame at every change) instead of shrinking
        the box to each network's layout."""
        ax = self.displays_["tree"].ax_
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        width, height = self.figures_["tree"].get_size_inches() * ax.get_position(original=True).size
        shape = height / width  # y range over x range that fills the box with equal scales
        if (y1 - y0) < shape * (x1 - x0):
            middle, half = (y0 + y1) / 2, shape * (x1 - x0) / 2
            ax.set_ylim(middle - half, middle + half)
        else:
            middle, half = (x0 + x1) / 2, (y1 - y0) / shape / 2
            ax.set_xlim(middle - half, middle + half)

    def _fix_limits(self):
        """Give the persistence panel the y limits of the current view."""
        for which, ax in self.displays_["persistence"].axes_.items():
            ax.set_ylim(*self._view["limits"][which])

    def _view_for(self, stimulus_class):
        """The cached view of one stimulus class, recording the zoo's networks over it on first use."""
        if stimulus_class not in self._views:
            self.notify(f"recording the zoo's networks over class {stimulus_class} (forward passes only)…")
            recorded = self.zoo.recorded_over(stimulus_class, progress=False)
            self._views[stimulus_class] = self._make_view(recorded, birth_death(recorded.graphs), self._strategies)
        return self._views[stimulus_class]

    def _use_view(self, view, keep):
        """Make ``view`` current and fill the network options, keeping network ``keep`` when present."""
        self._view = view
        self.zoo_ = view["zoo"]
        self.persistence_ = view["persistence"]
        self.barycenters_ = view["barycenters"]
        self._fill_networks(keep)

    def _fill_networks(self, keep):
        """Network options of the current strategy; select ``keep`` (a network label or "barycenter")."""
        zoo, strategy = self.zoo_, self.strategy.value
        rows = np.flatnonzero(self._view["regs"] == strategy)
        per_class = len({zoo.labels[r]["stimulus_class"] for r in rows}) > 1
        options = []
        for r in rows:
            row = zoo.labels[r]
            label = f"network {row['network']}"
            if per_class:
                label += f" · class {row['stimulus_class']}"
            if row.get("train_accuracy") is not None:
                label += f" · train acc {row['train_accuracy']:.2f}"
            options.append((label, int(r)))
        options.append(("barycenter (group mean)", _BARYCENTER))
        value = options[0][1]
        if keep == _BARYCENTER:
            value = _BARYCENTER
        elif keep is not None:
            value = next((r for r in rows if zoo.labels[r]["network"] == keep), value)
        with self.muted():
            self.network.options = options
            self.network.value = int(value) if value != _BARYCENTER else value

    # ------------------------------------------------------------------ what is drawn

    def _selected(self):
        """(graph, persistence, selection) of the current controls."""
        strategy, choice = self.strategy.value, self.network.value
        if choice == _BARYCENTER:
            rows = np.flatnonzero(self._view["regs"] == strategy)
            graph = self.zoo_.graphs[rows].mean(axis=0)  # the group's mean connectome (a display choice)
            P, network, row = self.barycenters_[strategy], _BARYCENTER, None
        else:
            row = int(choice)
            graph, P, network = self.zoo_.graphs[row], self.persistence_[row], self.zoo_.labels[row]["network"]
        selection = {"strategy": strategy, "stimulus_class": self._stimuli(), "network": network,
                     "row": row, "order": self.order.value}
        return graph, P, selection

    def _title(self, selection):
        who = "mean connectome" if selection["network"] == _BARYCENTER else f"network {selection['network']}"
        c = selection["stimulus_class"]
        stimuli = "all stimuli" if c is None else f"class {self.stimulus_class.label} stimuli"
        return f"{selection['strategy']}, {who}\n{stimuli}"

    def _plot(self):
        """Draw every display afresh on emptied figures (a new zoo)."""
        graph, P, selection = self._selected()
        title = self._title(selection)
        panels = self.panels_
        for panel in panels.values():
            panel.reset()
        self.displays_ = {
            "connectome": ConnectomeDisplay(graph, boundaries=self._boundaries, order=selection["order"],
                                            title=title).plot(ax=panels["connectome"].axes[0]),
            "tree": SpanningTreeDisplay(graph, boundaries=self._boundaries, layer_names=self._layer_names,
                                        title="maximum spanning tree (birth edges)").plot(ax=panels["tree"].axes[0]),
            "persistence": PersistenceDisplay(
                [self.barycenters_[s] for s in self._strategies], names=self._strategies,
                colors=[f"C{k % 10}" for k in range(len(self._strategies))], highlight=P,
                highlight_name="selected").plot(ax=panels["persistence"].axes),
            "betti": BettiCurveDisplay(BETTI_THRESHOLDS, *betti_curves(P, BETTI_THRESHOLDS)).plot(
                ax=panels["betti"].axes, colors=["black"]),  # black: the selection, as in the persistence panel
        }
        for name, display in self.displays_.items():
            panels[name].displays = {name: display}
        self._fill_tree_box()
        for ax in self.displays_["persistence"].axes_.values():  # edge weights: "0.40" … "0.75", never wider
            ax.yaxis.set_major_formatter(FormatStrFormatter("%.2f"))
        self._fix_limits()
        n = self.zoo_.n_nodes
        for key, top in (("betti0", n), ("betti1", (n - 1) * (n - 2) // 2)):  # Betti numbers are at most these
            _integer_ticks(self.displays_["betti"].axes_[key].yaxis, top)
        self._drawn_view = self._view
        self._name_highlight(selection)
        self._title_betti(selection)
        self.graph_, self.selection_ = graph, selection

    @staticmethod
    def _who(selection):
        return (f"{selection['strategy']} barycenter" if selection["network"] == _BARYCENTER
                else f"{selection['strategy']} network {selection['network']}")

    def _name_highlight(self, selection):
        """Say which network the highlight of the persistence panel shows (its legend entry)."""
        legend = self.displays_["persistence"].axes_["deaths"].get_legend()
        if legend is not None:
            legend.get_texts()[-1].set_text(self._who(selection))  # the highlight is the last entry

    def _title_betti(self, selection):
        """Say which network the Betti curves show (figure title)."""
        c = selection["stimulus_class"]
        stimuli = "all stimuli" if c is None else f"stimuli of class {self.stimulus_class.label}"
        self.figures_["betti"].suptitle(f"Betti curves of the filtered graph: {self._who(selection)} ({stimuli})",
                                        fontsize=10)

    @staticmethod
    def _keys(selection):
        """The frame of every panel: what its figure depends on (stimulus class, network, node order)."""
        who = (selection["stimulus_class"], selection["strategy"], selection["row"])  # row None: the group mean
        return {"connectome": (*who, selection["order"]), "tree": who, "persistence": who, "betti": who}

    def _draw_selection(self):
        """Show the current selection: update and render only the panels whose frame changed.

        A node order change touches the connectome only; a frame shown before comes from the
        panel's cache (its displays are still moved, so figures and images agree).
        """
        graph, P, selection = self._selected()
        displays = self.displays_

        def update(names):
            if "connectome" in names:
                displays["connectome"].update(graph, title=self._title(selection), order=selection["order"])
            if "tree" in names:
                displays["tree"].update(graph)
                self._fill_tree_box()
            if "persistence" in names:
                view = self._view
                items = None if view is self._drawn_view else [self.barycenters_[s] for s in self._strategies]
                displays["persistence"].update(items, highlight=P)
                self._fix_limits()
                self._drawn_view = view
                self._name_highlight(selection)
            if "betti" in names:
                displays["betti"].update(*betti_curves(P, BETTI_THRESHOLDS))
                self._title_betti(selection)

        self.refresh(self._keys(selection), update)
        self.graph_, self.selection_ = graph, selection

    # ------------------------------------------------------------------ callbacks

    def _strategy_changed(self):
        self._fill_networks(self.selection_["network"])
        self._draw_selection()

    def _stimuli(self):
        """The chosen stimulus class, None for the zoo's own stimuli (the control's "all" or None)."""
        value = self.stimulus_class.value
        return None if value is None or value == _OWN_STIMULI else value

    def _stimulus_changed(self):
        view = self._view_for(self._stimuli())
        self._use_view(view, keep=self.selection_["network"])
        self._draw_selection()

    def _order_changed(self):
        self._draw_selection()

    def _describe(self):
        s = self.selection_
        who = "group mean" if s["network"] == _BARYCENTER else f"network {s['network']}"
        stimuli = "all stimuli" if s["stimulus_class"] is None else f"stimuli of class {s['stimulus_class']}"
        return f"{s['strategy']}, {who}, {stimuli}, {s['order']} order"

    def _layout(self):
        controls = widgets.HBox([self.strategy, self.stimulus_class, self.network])
        panels = self.panels_
        return [controls, self.order, self.status,
                widgets.HBox([panels["connectome"].widget, panels["tree"].widget]),
                panels["persistence"].widget, panels["betti"].widget]


class ClusteringExplorer(Explorer):
    """Cluster a zoo live: Top clustering at any topological weight, Adj, or a diagram baseline.

    Parameters
    ----------
    zoo : fcviz.ConnectomeZoo
        Connectomes with their labels.
    persistence : Persistence, optional
        ``fcviz.birth_death(zoo.graphs)`` when already computed.
    by : str or tuple of str, default="regularizer"
        The label column(s) that give the true classes (see :meth:`fcviz.ConnectomeZoo.group_labels`),
        e.g. ``"stimulus_class"`` for Study 2.
    baseline_budget : float or None, default=60
        Seconds allowed for the baselines' Vietoris–Rips persistence diagrams (estimated first, see
        :func:`fcviz.baselines.persistence_diagrams`); None runs them whatever the cost.
    background : bool or "auto", default="auto"
        Run Top clustering at ``0 < w < 1`` (centroid graphs by topological interpolation, the slow
        case) in a background thread: the callback returns at once, the status line says
        "computing …" and the controls stay responsive; the result is shown when it is ready unless
        the controls have moved on meanwhile (it is cached either way), and :meth:`wait` waits for
        it. ``"auto"``: only for zoos of more than a million edge weights in all (80 graphs of 384
        nodes hold 5.9 million); smaller zoos cluster in a fraction of a second, in the callback.
    dpi : int, default=100
    backend : {"image", "ipympl"}, default="image"
    frame_cache : int, default=64
        Frames kept per panel, see :class:`fcviz.viz.widgets.Explorer`.

    Attributes
    ----------
    method : ipywidgets.Dropdown
        ``"Top"``, ``"Adj"`` and every baseline whose extra is installed (:func:`available_methods`).
    weight : ipywidgets.FloatSlider
        ``top_relative_weight`` of :class:`fcviz.TopClustering`, 0 … 1 in steps of 0.05 (1: topology
        only, the paper's Top); enabled for "Top" only.
    birth_weight : ipywidgets.SelectionSlider
        Births ↔ deaths: ``"paper"`` (the paper's d_top, sums over all births and deaths), then
        ``birth_weight`` beta = 0 (deaths only) … 1 (births only) in steps of 0.05 (see
        :func:`fcviz.topological_distance`). For Top at w > 0; it also sets the distance shown.
    curve_button : ipywidgets.Button
        "purity against β": computes :func:`fcviz.studies.birth_weight_curve` for the zoo (once; the
        groups' count of clusters, 10 repeats) and shows it in the ``"curve"`` panel, with the
        slider's beta marked.
    n_clusters : ipywidgets.IntSlider
        2 … min(10, N); initially the number of true classes.
    seed : ipywidgets.IntText
        ``random_state`` of the clustering.
    readout : ipywidgets.HTML
        Purity, adjusted Rand index, normalised mutual information and the fit time.
    zoo : fcviz.ConnectomeZoo
    labels_true_ : ndarray of shape (N,)
        True class codes, ``zoo.group_labels(by)[0]``; ``class_names_`` their names.
    persistence_ : Persistence
        ``birth_death(zoo.graphs)``.
    labels_ : ndarray of shape (N,)
        Predicted cluster of every network (the last successful clustering).
    scores_ : dict
        :func:`fcviz.clustering_scores` of ``labels_``.
    distances_ : ndarray of shape (N, N)
        The distance matrix shown: :func:`fcviz.pairwise_distances` (d_top) for Top; squared
        Euclidean distances between the graphs' edge weights for Adj; for a baseline its diagram
        distances (:func:`fcviz.baselines.diagram_features`, or
        :func:`fcviz.baselines.diagram_distances` for PI, whose features are images).
    diagrams_ : list of ndarray or None
        The baselines' H1 persistence diagrams, computed on first use of a baseline.
    fit_seconds_ : float
        Time of the last clustering (when it was computed; a clustering shown again comes from
        ``fits_``).
    fits_ : collections.OrderedDict
        The clusterings computed for this zoo: ``(method, n_clusters, seed, weight, birth_weight)``
        (weight and birth_weight None where they do not apply) -> (labels, seconds); the 256 most
        recently used are kept.
    curve_ : fcviz.studies.BirthWeightCurve or None
        The purity-against-beta curve, once asked for (:meth:`show_curve`).
    figures_, images_, displays_ : dict
        Keys ``"contingency"`` (:class:`ClusteringDisplay`) and ``"distances"``
        (:class:`DistanceMatrixDisplay` in the order ``argsort(labels_)``). A panel is redrawn only
        when what it shows changes (the same labels from another seed or weight leave it alone), and
        a frame shown before comes from its cache. ``"curve"`` (:class:`PurityWeightDisplay`, the
        panel of :meth:`show_curve`) is added once the curve is asked for, until another zoo is set.
    """

    def __init__(self, zoo, *, persistence=None, by="regularizer", baseline_budget=60.0, background="auto",
                 dpi=100, backend="image", frame_cache=64):
        super().__init__(dpi=dpi, backend=backend, frame_cache=frame_cache)
        self.by = by
        self.baseline_budget = check_real(baseline_budget, "baseline_budget", low=0, closed="neither",
                                          allow_none=True)
        if background != "auto":
            background = check_bool(background, "background")
        self.background = background
        self._view_lock = threading.RLock()  # the displays and panels: main thread versus a finished fit
        self._fit_lock = threading.Lock()  # one background fit at a time
        self._threads = []
        self._wanted = None  # the settings the controls ask for now
        self._generation = 0  # bumped by set_zoo: a fit of an older zoo is dropped
        self.method = widgets.Dropdown(options=available_methods(), value="Top", description="method", style=_WIDE,
                                       layout=widgets.Layout(width="160px"))
        self.weight = widgets.FloatSlider(value=1.0, min=0.0, max=1.0, step=0.05, continuous_update=False,
                                          readout_format=".2f", description="topological weight w", style=_WIDE,
                                          layout=widgets.Layout(width="330px"))
        self.birth_weight = widgets.SelectionSlider(
            options=_BIRTH_WEIGHTS, value=_PAPER, continuous_update=False, description="deaths ← β → births",
            style=_WIDE, layout=widgets.Layout(width="330px"),
            tooltip="paper: sums over all births and deaths; beta: births weigh beta, deaths 1 - beta (as distributions)")
        self.curve_button = widgets.Button(description="purity against β", icon="line-chart",
                                           tooltip="Top purity for every birth weight (computed once)",
                                           layout=widgets.Layout(width="auto"))
        self.n_clusters = widgets.IntSlider(value=2, min=2, max=2, continuous_update=False, description="clusters",
                                            style=_WIDE, layout=widgets.Layout(width="260px"))
        self.seed = widgets.IntText(value=0, description="seed", style=_WIDE, layout=widgets.Layout(width="120px"))
        self.readout = widgets.HTML()
        # Layout at the first render only: tick labels keep their width while the number of clusters
        # (a new contingency display: reset) and the distance (thaw, see _show) stay.
        self.add_panel("contingency", figsize=(4.6, 4.0), freeze_layout_after=1, blit=True)
        self.add_panel("distances", figsize=(5.0, 4.4), freeze_layout_after=1, blit=True)
        self._curve_box = widgets.Box([])  # holds the curve panel once asked for (exports hold it from then on)
        self.set_zoo(zoo, persistence=persistence)
        for control in (self.method, self.weight, self.birth_weight, self.n_clusters, self.seed):
            self.on_change(control, self._draw)
        self.curve_button.on_click(lambda _: self.show_curve())

    def set_zoo(self, zoo, *, persistence=None):
        """Cluster another zoo (e.g. one just built): reset every cache, the controls and the panels.

        Parameters
        ----------
        zoo : fcviz.ConnectomeZoo
        persistence : Persistence, optional
            ``fcviz.birth_death(zoo.graphs)`` when already computed.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If ``zoo`` is not a zoo, ``by`` is not a label column or ``persistence`` does not belong to
            the zoo; the explorer is unchanged.
        """
        owner = type(self).__name__
        zoo = _check_zoo(zoo, owner)
        labels_true, names = zoo.group_labels(self.by)
        P = _check_persistence(persistence, zoo, owner)
        distances = {("Top", None): pairwise_distances(P)}
        with self._view_lock:
            self._generation += 1  # a fit still running for the previous zoo will not be shown
            self._wanted = None
            self.zoo = zoo
            self.labels_true_ = labels_true
            self.class_names_ = ["all" if name is None else str(name) for name in names]
            self.persistence_ = P
            self.diagrams_ = None
            self._distances = distances
            self._features = {}
            self.fits_ = OrderedDict()
            self.curve_ = None
            self._drop_curve_panel()
            self.forget_frames()
            top = min(10, len(zoo))
            with self.muted():
                self.n_clusters.max = max(top, self.n_clusters.min)
                self.n_clusters.value = int(np.clip(len(names), 2, top))
            self._shown_clusters = self._drawn_distance = None
            self._draw(now=True)
            self.status.value = html.escape(self._describe())
        return self

    def wait(self, timeout=None):
        """Wait until no clustering runs in the background (see ``background``).

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait at most for each running fit.

        Returns
        -------
        bool
            True when none runs any more.
        """
        for thread in list(self._threads):
            thread.join(timeout)
        self._threads = [thread for thread in self._threads if thread.is_alive()]
        return not self._threads

    # ------------------------------------------------------------------ library calls (cached)

    def _baseline_features(self, method):
        """What the baseline clusters (diagram distances or images), computing the diagrams on first use."""
        from ..baselines import diagram_features, persistence_diagrams

        if self.diagrams_ is None:
            self.notify(f"computing persistence diagrams of {len(self.zoo)} graphs (Vietoris–Rips, H1)…")
            self.diagrams_ = persistence_diagrams(self.zoo.graphs, time_budget=self.baseline_budget)
        if method not in self._features:
            self._features[method] = diagram_features(self.diagrams_, method=method)
        return self._features[method]

    def _distance(self, method, birth_weight=None):
        """(distance matrix, title) shown for ``method`` (Top: under ``birth_weight``); computed once per zoo."""
        key = (method, birth_weight)
        if key not in self._distances:
            if method == "Top":
                self._distances[key] = pairwise_distances(self.persistence_, birth_weight=birth_weight)
            elif method == "Adj":
                from ..wasserstein import edge_distances

                self._distances[key] = edge_distances(self.zoo.graphs)
            elif method == "PI":
                from ..baselines import diagram_distances

                self._baseline_features(method)
                self._distances[key] = diagram_distances(self.diagrams_, method="PI")
            else:
                self._distances[key] = self._baseline_features(method)
        titles = {"Top": "topological distance d_top" if birth_weight is None
                  else f"β-weighted distance (β = {birth_weight:.2f})",
                  "Adj": "edge distance ‖A − B‖²", "PI": "persistence-image distance (PI)"}
        return self._distances[key], titles.get(method, f"diagram distance ({method})")

    def _fit(self, method, k, seed, weight, birth_weight=None):
        """Predicted clusters of the zoo, and the seconds the clustering took."""
        from ..baselines import cluster_features

        tic = time.perf_counter()
        if method in ("Top", "Adj"):
            w = weight if method == "Top" else 0.0
            data = self.persistence_ if w == 1.0 else self.zoo.graphs
            labels = TopClustering(k, top_relative_weight=w, birth_weight=birth_weight,
                                   random_state=seed).fit_predict(data)
        else:
            features = self._baseline_features(method)
            tic = time.perf_counter()
            labels = cluster_features(features, k, method=method, random_state=seed)
        return np.asarray(labels), time.perf_counter() - tic

    def _recall(self, settings):
        """The cached clustering of ``settings`` (labels, seconds), or None."""
        fit = self.fits_.get(settings)
        if fit is not None:
            self.fits_.move_to_end(settings)
        return fit

    def _remember(self, settings, fit):
        self.fits_[settings] = fit
        while len(self.fits_) > _FITS_KEPT:
            self.fits_.popitem(last=False)

    def _in_background(self, method, weight):
        """Whether a clustering not cached yet runs in a background thread (see ``background``)."""
        if method != "Top" or not 0.0 < weight < 1.0 or self.background is False:
            return False
        n = self.zoo.n_nodes
        return self.background is True or len(self.zoo) * n * (n - 1) // 2 > _BACKGROUND_EDGES

    # ------------------------------------------------------------------ drawing

    def _draw(self, *, now=False):
        """Show the clustering the controls ask for: cached, computed here, or (slow ones) computed in
        the background unless ``now``."""
        method, k, seed = self.method.value, self.n_clusters.value, self.seed.value
        weight = float(self.weight.value)
        self.weight.disabled = method != "Top"
        self.birth_weight.disabled = method != "Top" or weight == 0.0
        beta = None if self.birth_weight.disabled else self._beta()
        settings = (method, k, seed, weight if method == "Top" else None, beta)
        with self._view_lock:
            self._wanted = settings
            fit = self._recall(settings)
        if fit is None and not now and self._in_background(method, weight):
            thread = threading.Thread(target=self._fit_in_background, args=(settings, self._generation),
                                      name="fcviz-clustering-fit", daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            self.after_change(thread.start)  # after the status line says "computing …"
            return
        if fit is None:
            fit = self._fit(method, k, seed, weight, beta)
            self._remember(settings, fit)
        self._show(settings, *fit)

    def _beta(self):
        """The slider's birth weight: None for "paper"."""
        value = self.birth_weight.value
        return None if value == _PAPER else float(value)

    def show_curve(self):
        """Compute (once per zoo) and show Top purity against the birth weight, with the slider's beta marked.

        Returns
        -------
        fcviz.studies.BirthWeightCurve
        """
        with self.guard("computing purity against β"):
            if self.curve_ is None:
                from ..studies import birth_weight_curve

                self.notify(f"computing Top purity for {len(_BIRTH_WEIGHTS)} birth weights × {_CURVE_REPEATS} "
                            "repeats …")
                persistence = self.persistence_ if len(self.zoo.epochs) == 1 else None
                self.curve_ = birth_weight_curve(self.zoo, by=self.by, birth_weights=[v for _, v in _BIRTH_WEIGHTS[1:]],
                                                 n_repeats=_CURVE_REPEATS, persistence=persistence)
            if "curve" not in self.panels_:
                self._curve_box.children = (self.add_panel("curve", figsize=(5.2, 3.4), freeze_layout_after=1).widget,)
            self._draw(now=True)
        return self.curve_

    def _drop_curve_panel(self):
        """Remove the curve panel (another zoo: its curve is not computed yet)."""
        panel = self.panels_.pop("curve", None)
        if panel is not None:
            for registry in (self.figures_, self.images_, self.displays_, self.shown_):
                registry.pop("curve", None)
            self._curve_box.children = ()
            panel.close()

    def _fit_in_background(self, settings, generation):
        """A background thread: compute one clustering; show it if the controls still ask for it."""
        with self._fit_lock:  # fits queue up; one that the controls have left meanwhile is skipped
            if generation != self._generation or settings != self._wanted:
                return
            tic = time.perf_counter()
            try:
                fit = self._fit(*settings)
                with self._view_lock:
                    if generation != self._generation:
                        return
                    self._remember(settings, fit)
                    if settings != self._wanted:
                        return
                    self._show(settings, *fit)
                    self.redraw_seconds_ = time.perf_counter() - tic
                    self.status.value = html.escape(self._describe()) + (
                        f' <span style="color:#777">· {1000 * self.redraw_seconds_:.0f} ms in the background</span>')
            except Exception as exc:  # noqa: BLE001 - a thread's error must reach the UI, not stderr
                with self._view_lock:
                    if generation == self._generation and settings == self._wanted:
                        self.report_error(exc, "clustering in the background")

    def _show(self, settings, labels, seconds):
        """Move the displays to one clustering and render the panels whose frame changed."""
        method, k, seed, weight, beta = settings
        with self._view_lock:
            scores = clustering_scores(self.labels_true_, labels)
            D, title = self._distance(method, beta)
            order = np.argsort(labels, kind="stable")
            names = np.array([str(c) for c in labels])  # as the contingency matrix's columns
            panels = self.panels_
            shown = np.asarray(labels).tobytes()  # the frames: what each figure depends on
            keys = {"contingency": (k, shown), "distances": (method, beta, shown)}
            if "curve" in panels:
                keys["curve"] = beta if method == "Top" else "none"

            def update(changed):
                if "contingency" in changed and self._shown_clusters != k:  # columns: a new display
                    panels["contingency"].reset()
                    self.displays_["contingency"] = ClusteringDisplay.from_predictions(
                        self.labels_true_, labels, class_names=self.class_names_, n_clusters=k,
                        ax=panels["contingency"].axes[0])
                    self._shown_clusters = k
                elif "contingency" in changed:
                    self.displays_["contingency"].update_from_predictions(self.labels_true_, labels)
                if "distances" in changed and "distances" not in panels["distances"].displays:
                    panels["distances"].reset()
                    ax = panels["distances"].axes[0]
                    self.displays_["distances"] = DistanceMatrixDisplay(D, labels=names, order=order,
                                                                        title=title).plot(ax=ax)
                    ax.tick_params(axis="x", labelbottom=False)  # the rows carry the cluster names
                    ax.set_xlabel("networks, grouped by predicted cluster")
                    ax.set_ylabel("predicted cluster")
                    panels["distances"].follow_data(ax.xaxis, ax.yaxis)  # a tick per cluster: they move
                elif "distances" in changed:
                    self.displays_["distances"].update(D, labels=names, order=order, title=title)
                    if self._drawn_distance != (method, beta):  # other distances: other colour-bar tick labels
                        panels["distances"].thaw()
                self._drawn_distance = (method, beta) if "distances" in changed else self._drawn_distance
                if "curve" in changed:
                    self._update_curve(beta if method == "Top" else None)
                for name in changed:
                    panels[name].displays = {name: self.displays_[name]}

            self.refresh(keys, update)
            self.labels_, self.scores_, self.distances_, self.fit_seconds_ = labels, scores, D, seconds
            self._settings = {"method": method, "n_clusters": k, "seed": seed, "weight": float(self.weight.value)
                              if weight is None else weight, "birth_weight": beta}
            self._shown_settings = settings
            self.readout.value = self._readout()

    def _update_curve(self, beta):
        """Draw the curve panel (first time) and move its marker to ``beta`` (hidden for None)."""
        panel = self.panels_["curve"]
        if "curve" not in self.displays_:
            panel.reset()
            ax = panel.axes[0]
            display = PurityWeightDisplay.from_curve(self.curve_, ax=ax)
            self._curve_marker = ax.axvline(0.0, color="crimson", lw=1.2, ls="-", alpha=0.8)
            self.displays_["curve"] = display
        self._curve_marker.set_xdata([beta or 0.0, beta or 0.0])
        self._curve_marker.set_visible(beta is not None)

    @staticmethod
    def _how(s):
        if s["method"] != "Top":
            return s["method"]
        beta = s.get("birth_weight")
        return f"Top (w = {s['weight']:.2f}" + ("" if beta is None else f", β = {beta:.2f}") + ")"

    def _readout(self):
        s, scores = self._settings, self.scores_
        how = self._how(s)
        cells = [("purity", f"{scores['purity']:.3f}"), ("adjusted Rand", f"{scores['adjusted_rand']:.3f}"),
                 ("NMI", f"{scores['normalized_mutual_info']:.3f}"), ("fit", f"{1000 * self.fit_seconds_:.0f} ms")]
        body = " · ".join(f"{html.escape(k)} <b>{v}</b>" for k, v in cells)
        return (f"<div style='font-size:90%'><b>{html.escape(how)}</b>, {s['n_clusters']} clusters, seed "
                f"{s['seed']}, {len(self.labels_)} networks: {body}</div>")

    def _describe(self):
        s = self._settings
        shown = f"{self._how(s)}: {s['n_clusters']} clusters, seed {s['seed']}, purity {self.scores_['purity']:.3f}"
        wanted = self._wanted
        if wanted is None or wanted == self._shown_settings:
            return shown
        method, k, seed, weight, beta = wanted
        how = self._how({"method": method, "weight": weight, "birth_weight": beta})
        return f"computing {how}, {k} clusters, seed {seed} in the background … (showing {shown})"

    def _layout(self):
        controls = widgets.HBox([self.method, self.weight, self.n_clusters, self.seed])
        topology = widgets.HBox([self.birth_weight, self.curve_button])
        panels = self.panels_
        return [controls, topology, self.status, self.readout,
                widgets.HBox([panels["contingency"].widget, panels["distances"].widget]), self._curve_box]
