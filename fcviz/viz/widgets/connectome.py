"""The connectome explorer: one zoo network by network, its connectome, spanning tree, persistence, Betti curves.

How it redraws, and what it shares with the clustering explorer: :mod:`fcviz.viz.widgets.explorers`.
"""

from __future__ import annotations

import html
import sys
import warnings

import ipywidgets as widgets
import numpy as np
import traitlets
from matplotlib.ticker import FormatStrFormatter

from ...homology import betti_curves, birth_death
from ...registry import DATASETS
from ...wasserstein import barycenter
from ..displays.curves import BettiCurveDisplay, PersistenceDisplay
from ..displays.matrices import ConnectomeDisplay
from ..displays.network import SpanningTreeDisplay
from .base import Explorer
from .explorers import (BETTI_THRESHOLDS, WIDE, check_persistence, check_zoo, integer_ticks, network_options,
                        zoo_layers)

__all__ = ["ConnectomeExplorer"]

#: Value of the network control for a strategy's group: its edge-wise mean connectome (and, in the
#: persistence and Betti panels, its topological barycenter).
GROUP_MEAN = "edgewise mean"
_GROUP_LABEL = "group: edge-wise mean"
_OLD_GROUP_VALUE = "barycenter"  # the value before it was named for what it shows; deprecated
#: Under the controls: the group choice shows two different averages, said once.
AVERAGES_HELP = (
    "<b>group: edge-wise mean</b> shows two averages of the strategy's networks. The connectome and the "
    "tree are the <i>edge-wise mean</i>: every weight w<sub>ij</sub> averaged over the networks, and that "
    "mean graph's maximum spanning tree. The persistence and Betti panels show the <i>topological "
    "barycenter</i>: the mean of the sorted birth values and of the sorted death values, which minimises "
    "the sum of the networks' d<sub>top</sub> to it (a Fréchet mean: d<sub>top</sub> is a squared "
    "2-Wasserstein distance). It is not the persistence of the mean connectome."
)
_WIDE = WIDE
# Value of the stimulus control for the zoo's own stimuli (all classes, or as built per class).
_OWN_STIMULI = "all"


def _caller_level():
    """The ``stacklevel`` of a warning raised in a trait validator that names the code setting the trait
    (the first frame outside traitlets, ipywidgets and fcviz)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] in ("traitlets", "ipywidgets",
                                                                                      "fcviz"):
        frame, level = frame.f_back, level + 1
    return level


class _NetworkDropdown(widgets.Dropdown):
    """The network control: still takes the group's old value ``"barycenter"``, with a FutureWarning."""

    @traitlets.validate("value")
    def _validate_value(self, proposal):
        if isinstance(proposal.value, str) and proposal.value == _OLD_GROUP_VALUE:
            warnings.warn(
                f'The network value "{_OLD_GROUP_VALUE}" is deprecated: the group choice shows the edge-wise mean '
                f'connectome (and the topological barycenter in the persistence panels). Use "{GROUP_MEAN}" '
                "(ConnectomeExplorer.GROUP_MEAN).", FutureWarning, stacklevel=_caller_level())
            proposal = traitlets.Bunch(proposal, value=GROUP_MEAN)
        return super()._validate_value(proposal)


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
        How panels are shown, see :class:`fcviz.viz.widgets.panel.Panel`.
    frame_cache : int, default=64
        Frames kept per panel (see :class:`fcviz.viz.widgets.base.Explorer`): a selection shown before
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
        ``"group: edge-wise mean"`` (value :attr:`GROUP_MEAN`, ``"edgewise mean"``): the edge-wise mean
        connectome of the strategy and its spanning tree, while the persistence and Betti panels show
        the strategy's topological barycenter (the mean of the sorted births and deaths, not the
        persistence of the mean connectome). The old value ``"barycenter"`` still selects it, with a
        FutureWarning.
    averages_help : ipywidgets.HTML
        Under the controls: what the group choice shows in which panel (:data:`AVERAGES_HELP`).
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
        ``network`` label, or :attr:`GROUP_MEAN`), ``row`` (its row in ``zoo_``, or None), ``order``.
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

    #: Value of :attr:`network` for the strategy's group (edge-wise mean; topological barycenter).
    GROUP_MEAN = GROUP_MEAN

    def __init__(self, zoo, *, persistence=None, dpi=100, backend="image", frame_cache=64):
        super().__init__(dpi=dpi, backend=backend, frame_cache=frame_cache)
        self.strategy = widgets.Dropdown(description="strategy", style=_WIDE, layout=widgets.Layout(width="200px"))
        self.stimulus_class = widgets.Dropdown(description="stimuli", style=_WIDE,
                                               layout=widgets.Layout(width="220px"))
        self.network = _NetworkDropdown(description="network", style=_WIDE, layout=widgets.Layout(width="290px"))
        self.averages_help = widgets.HTML(f'<span style="font-size: 0.85em; color: #555">{AVERAGES_HELP}</span>',
                                          layout=widgets.Layout(max_width="920px"))
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
        zoo = check_zoo(zoo, owner)
        P = check_persistence(persistence, zoo, owner)
        strategies = [str(s) for s in zoo.group_labels("regularizer")[1]]
        view = self._make_view(zoo, P, strategies)
        boundaries = zoo_layers(zoo)
        dataset = DATASETS.get(zoo.metadata.get("settings", {}).get("dataset"))
        classes = [] if dataset is None else list(enumerate(dataset.class_names))

        def swap():  # the new zoo's state and controls, one change (a new choice: older work is dropped)
            self.zoo = zoo
            self._strategies = strategies
            self._views = {None: view}
            self._boundaries, self._layer_names = boundaries
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

        with self.drawing():  # no other drawing between the new state and the new displays
            self.commit(swap, new_choice=True)
            self.forget_frames()
            graph, selection = self._plot()
            self.refresh(self._keys(selection), lambda names: None, ticket=self.ticket_,
                         after=lambda: self._select(graph, selection))
        self.set_status(html.escape(self._describe()))
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
        views, zoo, strategies = self._views, self.zoo, self._strategies  # of one zoo, even if another comes
        if stimulus_class not in views:
            self.notify(f"recording the zoo's networks over class {stimulus_class} (forward passes only)…")
            recorded = zoo.recorded_over(stimulus_class, progress=False)
            views[stimulus_class] = self._make_view(recorded, birth_death(recorded.graphs), strategies)
        return views[stimulus_class]

    def _use_view(self, view, keep):
        """Make ``view`` current and fill the network options, keeping network ``keep`` when present."""
        self._view = view
        self.zoo_ = view["zoo"]
        self.persistence_ = view["persistence"]
        self.barycenters_ = view["barycenters"]
        self._fill_networks(keep)

    def _fill_networks(self, keep):
        """Network options of the current strategy; select ``keep`` (a network label or GROUP_MEAN)."""
        zoo, strategy = self.zoo_, self.strategy.value
        rows = np.flatnonzero(self._view["regs"] == strategy)
        options = network_options(zoo, rows)
        options.append((_GROUP_LABEL, GROUP_MEAN))
        value = options[0][1]
        if keep == GROUP_MEAN:
            value = GROUP_MEAN
        elif keep is not None:
            value = next((r for r in rows if zoo.labels[r]["network"] == keep), value)
        with self.muted():
            self.network.options = options
            self.network.value = int(value) if value != GROUP_MEAN else value

    # ------------------------------------------------------------------ what is drawn

    def _selected(self):
        """(graph, persistence, selection) of the current controls."""
        strategy, choice = self.strategy.value, self.network.value
        if choice == GROUP_MEAN:
            rows = np.flatnonzero(self._view["regs"] == strategy)
            graph = self.zoo_.graphs[rows].mean(axis=0)  # the edge-wise mean connectome
            P, network, row = self.barycenters_[strategy], GROUP_MEAN, None  # beside it: the topological barycenter
        else:
            row = int(choice)
            graph, P, network = self.zoo_.graphs[row], self.persistence_[row], self.zoo_.labels[row]["network"]
        selection = {"strategy": strategy, "stimulus_class": self._stimuli(), "network": network,
                     "row": row, "order": self.order.value}
        return graph, P, selection

    def _title(self, selection):
        who = ("edge-wise mean connectome" if selection["network"] == GROUP_MEAN
               else f"network {selection['network']}")
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
                                        title=self._tree_title(selection)).plot(ax=panels["tree"].axes[0]),
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
            integer_ticks(self.displays_["betti"].axes_[key].yaxis, top)
        self._drawn_view = self._view
        self._name_highlight(selection)
        self._title_betti(selection)
        return graph, selection

    def _select(self, graph, selection):
        """Record what is shown (committed with the images)."""
        self.graph_, self.selection_ = graph, selection

    @staticmethod
    def _tree_title(selection):
        if selection["network"] == GROUP_MEAN:
            return "maximum spanning tree of the edge-wise mean"
        return "maximum spanning tree (birth edges)"

    @staticmethod
    def _who(selection):
        """The selection in the persistence and Betti panels (for the group: its topological barycenter)."""
        return (f"{selection['strategy']} topological barycenter" if selection["network"] == GROUP_MEAN
                else f"{selection['strategy']} network {selection['network']}")

    def _name_highlight(self, selection):
        """Say which network the highlight of the persistence panel shows (its legend entry, the title)."""
        legend = self.displays_["persistence"].axes_["deaths"].get_legend()
        if legend is not None:
            legend.get_texts()[-1].set_text(self._who(selection))  # the highlight is the last entry
        black = (f"the {selection['strategy']} barycenter" if selection["network"] == GROUP_MEAN
                 else self._who(selection))
        self.figures_["persistence"].suptitle(
            f"Topological barycenter (mean of sorted births/deaths) ± std per strategy; black: {black}", fontsize=10)

    def _title_betti(self, selection):
        """Say which network the Betti curves show (figure title)."""
        c = selection["stimulus_class"]
        stimuli = "all stimuli" if c is None else f"stimuli of class {self.stimulus_class.label}"
        if selection["network"] == GROUP_MEAN:
            title = (f"Betti curves of the {selection['strategy']} topological barycenter "
                     f"(mean of sorted births/deaths), {stimuli}")
        else:
            title = f"Betti curves of the filtered graph: {self._who(selection)} ({stimuli})"
        self.figures_["betti"].suptitle(title, fontsize=10)

    @staticmethod
    def _keys(selection):
        """The frame of every panel: what its figure depends on (stimulus class, network, node order)."""
        who = (selection["stimulus_class"], selection["strategy"], selection["row"])  # row None: the group
        return {"connectome": (*who, selection["order"]), "tree": who, "persistence": who, "betti": who}

    def _draw_selection(self):
        """Show the current selection: update and render only the panels whose frame changed.

        A node order change touches the connectome only; a frame shown before comes from the
        panel's cache (its displays are still moved, so figures and images agree).
        """
        graph, P, selection = self._selected()

        def update(names):  # under the drawing lock: the displays of now (a new zoo may have replaced them)
            displays = self.displays_
            if "connectome" in names:
                displays["connectome"].update(graph, title=self._title(selection), order=selection["order"])
            if "tree" in names:
                displays["tree"].update(graph, title=self._tree_title(selection))
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

        self.refresh(self._keys(selection), update, after=lambda: self._select(graph, selection))

    # ------------------------------------------------------------------ callbacks

    def _strategy_changed(self):
        keep = self.selection_["network"]
        if self.commit(lambda: self._fill_networks(keep), self.current_ticket()):
            self._draw_selection()

    def _stimuli(self):
        """The chosen stimulus class, None for the zoo's own stimuli (the control's "all" or None)."""
        value = self.stimulus_class.value
        return None if value is None or value == _OWN_STIMULI else value

    def _stimulus_changed(self):
        view, keep = self._view_for(self._stimuli()), self.selection_["network"]
        if self.commit(lambda: self._use_view(view, keep=keep), self.current_ticket()):
            self._draw_selection()

    def _order_changed(self):
        self._draw_selection()

    def _describe(self):
        s = self.selection_
        who = ("group: edge-wise mean connectome, topological barycenter" if s["network"] == GROUP_MEAN
               else f"network {s['network']}")
        stimuli = "all stimuli" if s["stimulus_class"] is None else f"stimuli of class {s['stimulus_class']}"
        return f"{s['strategy']}, {who}, {stimuli}, {s['order']} order"

    def _layout(self):
        controls = widgets.HBox([self.strategy, self.stimulus_class, self.network])
        panels = self.panels_
        return [controls, self.averages_help, self.order, self.status,
                widgets.HBox([panels["connectome"].widget, panels["tree"].widget]),
                panels["persistence"].widget, panels["betti"].widget]
