"""Training dynamics, live: watch the topology of the connectomes emerge, epoch by epoch.

:class:`DynamicsExplorer` shows a zoo built with ``snapshot_epochs`` (see :func:`fcviz.connectome_zoo`):
one network's connectome and maximum spanning tree at the chosen epoch of training, the birth and
death barycenters (± std) of every group at that epoch, and the Top purity per epoch from
:func:`fcviz.training_dynamics` with the current epoch marked. :func:`save_animation` writes the same
frames as an animated GIF (Pillow, no ffmpeg).

How it animates
---------------
A ``Play`` widget and the ``epoch`` slider (over the epoch *index*) are linked in the browser with
``ipywidgets.jslink`` (as MNE's notebook backend does), so playback ticks without a round trip to the
kernel; the kernel only answers each slider change by swapping PNG bytes. Every frame, keyed by
(epoch, strategy, network, node order), is rendered once and cached per panel: a panel that does not
depend on a control (the purity curve depends on the epoch only) is shared between frames, and a
second visit of a frame renders nothing. The axes limits are fixed over all epochs (the persistence
panel spans every epoch's barycenters and networks, the tree panel every epoch's layout of the
network) and the figure layouts are settled and frozen before the first frame, so consecutive frames
line up. :meth:`DynamicsExplorer.prerender` renders the frames of the current selection ahead of time
(from a background thread if wished: it draws under the widget's drawing lock and never touches the
images, see the threading rule of :mod:`fcviz.viz.widgets.base`). Every panel's PNGs go through its
:class:`~fcviz.viz.widgets.panel.Panel` and its bounded frame cache; ``frames_`` is bounded too.

Everything drawn comes from public fcviz functions: :func:`fcviz.training_dynamics` (barycenters and
purities per epoch), :func:`fcviz.birth_death`, :func:`fcviz.spanning_tree_order`, and the displays of
:mod:`fcviz.viz`.
"""

from __future__ import annotations

import html
from collections import OrderedDict
from io import BytesIO
from pathlib import Path

import ipywidgets as widgets
import numpy as np

from ..._validation import check_int, check_option, check_real
from ...dynamics import DynamicsResult, training_dynamics
from ...homology import birth_death, spanning_tree_order
from ..displays.curves import PersistenceDisplay
from ..displays.matrices import ConnectomeDisplay
from ..displays.network import SpanningTreeDisplay, spanning_tree_layout
from ..displays.scores import PurityWeightDisplay
from .base import Explorer
from .explorers import network_options, zoo_layers

__all__ = ["DynamicsExplorer", "save_animation", "SNAPSHOT_HINT"]

#: How to build a zoo this explorer can show (quoted in its error message).
SNAPSHOT_HINT = "fcviz.connectome_zoo(..., snapshot_epochs=[0, 1, 2, 5, 10, 15])"

_WIDE = {"description_width": "initial"}
_ORDERS = ("layer", "final")
_SETTLE = 3  # renders after which a panel's layout is frozen (before any frame is cached)
_PANELS = ("connectome", "tree", "persistence", "purity")
_GIF_ROWS = (("connectome", "tree"), ("persistence",), ("purity",))  # layout of an animation frame
_SEPARATION = 0.6  # purity that counts as separated (DynamicsResult.first_separation's default)


def _group_name(group):
    """A group value as a legend label: None (all stimulus classes) as "all", tuples joined by "/"."""
    if isinstance(group, tuple):
        return "/".join(_group_name(g) for g in group)
    return "all" if group is None else str(group)


def _span(arrays, pad=0.05):
    """(low, high) of all values in ``arrays``, widened by ``pad`` of the range on each side."""
    lo = min(float(np.min(a)) for a in arrays)
    hi = max(float(np.max(a)) for a in arrays)
    margin = pad * (hi - lo) if hi > lo else 0.05
    return lo - margin, hi + margin


class DynamicsExplorer(Explorer):
    """Play a zoo's training epochs: connectome, spanning tree, barycenters and purity per epoch.

    Parameters
    ----------
    zoo : fcviz.ConnectomeZoo
        A zoo recorded at several epochs of training, from
        ``fcviz.connectome_zoo(..., snapshot_epochs=[0, 1, 2, 5, 10, 15])``.
    dynamics : DynamicsResult, optional
        ``fcviz.training_dynamics(zoo, by=by)`` when already computed (e.g. with other ``n_repeats``);
        computed with the defaults when omitted.
    by : str or tuple of str, default="regularizer"
        The label column(s) whose groups get a barycenter and are clustered
        (see :func:`fcviz.training_dynamics`).
    fps : float, default=2
        Frames per second of the Play button (and of :meth:`save_gif` by default).
    dpi : int, default=100
        Resolution of the panels.

    Attributes
    ----------
    play : ipywidgets.Play
        Steps through the epoch indices; linked to ``epoch`` in the browser (``link_``).
    epoch : ipywidgets.IntSlider
        The epoch *index*, ``0 … len(epochs_) - 1`` (no readout: ``epoch_label`` says the epoch).
    epoch_label : ipywidgets.HTML
        "epoch 5 of 15 (4/6)".
    link_ : ipywidgets.widgets.widget_link.Link
        ``jslink((play, "value"), (epoch, "value"))``: playback runs in the browser.
    strategy : ipywidgets.Dropdown
        The zoo's training strategies (``regularizer`` labels), in zoo order.
    network : ipywidgets.Dropdown
        The chosen strategy's networks; value: the row in ``zoo`` of the network's final connectome.
    order : ipywidgets.ToggleButtons
        Node order of the connectome: ``"layer"``, or ``"final"``: the order in which nodes join the
        maximum spanning tree of the network's *final* connectome (:func:`fcviz.spanning_tree_order`),
        the same at every epoch, so the modules of the trained network can be watched forming.
    zoo : fcviz.ConnectomeZoo
    epochs_ : tuple of int
        The zoo's epochs, ascending.
    dynamics_ : DynamicsResult
        :func:`fcviz.training_dynamics` of the zoo.
    persistence_ : Persistence
        ``fcviz.birth_death(zoo.graphs)``.
    frames_ : collections.OrderedDict
        The cache: ``(epoch, strategy, network, order) -> {panel name: PNG bytes}`` (``network`` as
        the ``network`` control's value), the 64 frames shown or drawn last (the panels' own frame
        caches are as large). Frames that
        share a panel's content share its bytes (from the panel's own frame cache).
    selection_ : dict
        The frame shown: ``epoch``, ``index`` (into ``epochs_``), ``strategy``, ``network`` (its
        ``network`` label), ``stimulus_class``, ``row`` (its connectome's row in ``zoo``),
        ``final_row`` and ``order``.
    graph_ : ndarray of shape (n, n)
        The connectome shown (``zoo.graphs[selection_["row"]]``).
    epoch_line_ : matplotlib.lines.Line2D
        The vertical line at the current epoch on the purity curve (moved in place).
    figures_, images_, displays_, panels_ : dict
        The displays' artists hold the last frame *rendered*: a frame from the cache only swaps the
        images (``selection_`` and ``graph_`` always describe the frame shown). Keys ``"connectome"`` (:class:`ConnectomeDisplay`), ``"tree"`` (:class:`SpanningTreeDisplay`),
        ``"persistence"`` (:class:`PersistenceDisplay`, the chosen network in black) and ``"purity"``
        (:class:`PurityWeightDisplay` over the epochs).

    Examples
    --------
    >>> import fcviz
    >>> from fcviz.viz import DynamicsExplorer
    >>> zoo = fcviz.connectome_zoo(regularizers=["vanilla", "l2"], n_networks=2, epochs=2, n_stimuli=40,
    ...                            snapshot_epochs=[0, 1], cache=False, progress=False)
    >>> explorer = DynamicsExplorer(zoo, dynamics=fcviz.training_dynamics(zoo, n_repeats=2, n_permutations=9),
    ...                             dpi=30)
    >>> explorer.epochs_, explorer.selection_["epoch"]
    ((0, 1, 2), 0)
    >>> explorer.epoch.value = 2
    >>> explorer.selection_["epoch"], len(explorer.frames_)
    (2, 2)
    """

    #: The dashboard gives this explorer the whole zoo, every epoch (the others get the trained networks).
    uses_epochs = True

    def __init__(self, zoo, *, dynamics=None, by="regularizer", fps=2.0, dpi=100):
        super().__init__(dpi=dpi)
        self.by = tuple(by) if isinstance(by, list) else by
        self.fps = check_real(fps, "fps", low=0, high=50, closed="right")
        self.play = widgets.Play(value=0, min=0, max=1, step=1, interval=round(1000 / self.fps),
                                 description="play", show_repeat=True)
        self.epoch = widgets.IntSlider(value=0, min=0, max=1, step=1, readout=False, description="epoch",
                                       style=_WIDE, layout=widgets.Layout(width="260px"))
        self.epoch_label = widgets.HTML(layout=widgets.Layout(min_width="170px"))
        self.link_ = widgets.jslink((self.play, "value"), (self.epoch, "value"))
        self.strategy = widgets.Dropdown(description="strategy", style=_WIDE, layout=widgets.Layout(width="200px"))
        self.network = widgets.Dropdown(description="network", style=_WIDE, layout=widgets.Layout(width="290px"))
        self.order = widgets.ToggleButtons(
            options=[("layer order", "layer"), ("final tree order", "final")], value="layer", description="nodes",
            tooltips=["neurons grouped by layer",
                      "neurons in the order they join the spanning tree of the network's final connectome"],
            style={**_WIDE, "button_width": "auto"},
        )
        self.add_panel("connectome", figsize=(4.6, 4.0), freeze_layout_after=_SETTLE)
        self.add_panel("tree", figsize=(4.6, 4.0), freeze_layout_after=_SETTLE)
        self.add_panel("persistence", 2, figsize=(9.2, 3.3), freeze_layout_after=_SETTLE)
        self.add_panel("purity", figsize=(9.2, 2.5), freeze_layout_after=_SETTLE)
        self.set_zoo(zoo, dynamics=dynamics)
        self.on_change(self.epoch, self._show_current)
        self.on_change(self.strategy, self._strategy_changed)
        self.on_change(self.network, self._show_current)
        self.on_change(self.order, self._show_current)

    # ------------------------------------------------------------------ zoo and what is computed once

    @classmethod
    def from_zoo(cls, zoo, *, persistence=None):
        """A new explorer of ``zoo`` (the dashboard's tab); ``persistence`` is computed here per epoch."""
        return cls(zoo)

    @classmethod
    def unavailable(cls, zoo):
        """Why a zoo recorded at one epoch cannot be played (the dashboard's placeholder), else None."""
        if len(zoo.epochs) < 2:
            return "needs a zoo with training snapshots: build with snapshot_epochs=[0, 1, 2, 5, 10]"
        return None

    def set_zoo(self, zoo, *, dynamics=None, persistence=None):
        """Show another zoo (e.g. one just built): reset the caches, the controls and the panels.

        Parameters
        ----------
        zoo : fcviz.ConnectomeZoo
            Recorded at several epochs (``snapshot_epochs``).
        dynamics : DynamicsResult, optional
            ``fcviz.training_dynamics(zoo, by=self.by)`` when already computed.
        persistence : Persistence, optional
            ``fcviz.birth_death(zoo.graphs)`` when already computed (e.g. by the dashboard).

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If ``zoo`` is not a zoo, has a single epoch, or ``dynamics`` does not belong to it; the
            explorer is unchanged.
        """
        owner = type(self).__name__
        epochs = self._check_zoo(zoo, owner)
        if dynamics is None:
            self.notify(f"computing the training dynamics of {len(zoo)} connectomes at epochs {list(epochs)}…")
            dynamics = training_dynamics(zoo, by=self.by)
        self._check_dynamics(dynamics, zoo, epochs, owner)
        rows = self._rows_by_network(zoo, epochs, owner)
        P = birth_death(zoo.graphs) if persistence is None else persistence
        limits = {which: _span([getattr(P, which)] + [
            getattr(B, which) + sign * getattr(B, f"{which}_std")
            for B in dynamics.barycenters.values() for sign in (-1, 1)]) for which in ("births", "deaths")}

        def swap():  # the new zoo's state and controls (a new choice: frames of the old one are dropped)
            self.zoo, self.epochs_, self.dynamics_, self.persistence_ = zoo, epochs, dynamics, P
            self._rows = rows
            self._groups = list(dynamics.group_names)
            self._strategies = list(dict.fromkeys(str(zoo.labels[r]["regularizer"]) for r in rows))
            self._purity = {r["epoch"]: (r["purity_mean"], r["purity_std"]) for r in dynamics.per_epoch}
            self._first = dynamics.first_separation(_SEPARATION)
            self._boundaries, self._layer_names = zoo_layers(zoo)
            self._limits = limits
            self._tree_limits, self._final_orders = {}, {}
            self.frames_ = OrderedDict()
            with self.muted():
                self.play.value = 0
                self.play.max = self.epoch.max = len(epochs) - 1
                self.epoch.value = 0
                self.strategy.options = self._strategies
                self.strategy.value = self._strategies[0]
                self._fill_networks(0)

        with self.drawing():  # no other drawing between the new state and the new displays
            self.commit(swap, new_choice=True)
            self.forget_frames()
            key = self._key()
            self._plot(key)
            for name in _PANELS:  # settle and freeze the layouts, so that every cached frame lines up
                for _ in range(_SETTLE):
                    self.panels_[name].png()
            self._show(key, ticket=self.ticket_)
        self.set_status(html.escape(self._describe()))
        return self

    @staticmethod
    def _check_zoo(zoo, owner):
        """The zoo's epochs as a tuple, or a ValueError saying how to build a zoo with snapshots."""
        if not all(hasattr(zoo, name) for name in ("graphs", "labels", "metadata", "group_labels", "at_epoch")):
            raise ValueError(
                f"{owner} needs a fcviz.ConnectomeZoo recorded at several epochs, from {SNAPSHOT_HINT}; got "
                f"{type(zoo).__name__}."
            )
        epochs = tuple(int(e) for e in zoo.epochs) if zoo.labels and "epoch" in zoo.labels[0] else ()
        if len(epochs) < 2:
            has = f"epoch {list(epochs)} only" if epochs else "no epoch label"
            raise ValueError(
                f"{owner} needs a zoo recorded at several epochs of training; this zoo has {has}. "
                f"Build it with {SNAPSHOT_HINT}."
            )
        return epochs

    def _check_dynamics(self, dynamics, zoo, epochs, owner):
        if not isinstance(dynamics, DynamicsResult):
            raise ValueError(
                f"{owner}: dynamics must be fcviz.training_dynamics(zoo, by={self.by!r}); got {type(dynamics).__name__}. "
                "Pass dynamics=None to compute it."
            )
        names = zoo.group_labels(self.by)[1]
        same = (dynamics.by == self.by and tuple(dynamics.epochs) == epochs and list(dynamics.group_names) == names
                and sum(r["n_graphs"] for r in dynamics.per_epoch) == len(zoo)
                and all((e, g) in dynamics.barycenters for e in epochs for g in names))
        if not same:
            raise ValueError(
                f"{owner}: dynamics must be fcviz.training_dynamics(zoo, by={self.by!r}) of this zoo ({len(zoo)} "
                f"connectomes at epochs {list(epochs)}, groups {[_group_name(g) for g in names]}); got the dynamics of "
                f"{sum(r['n_graphs'] for r in dynamics.per_epoch)} connectomes at epochs {list(dynamics.epochs)} by "
                f"{dynamics.by!r}. Pass dynamics=None to compute it."
            )

    @staticmethod
    def _rows_by_network(zoo, epochs, owner):
        """``{final row: {epoch: row}}``: every network's connectome at every epoch, keyed by its final row."""
        epoch_of = np.asarray(zoo.label_column("epoch"), dtype=np.int64)
        identity = [(row["regularizer"], row["stimulus_class"], int(row["network"])) for row in zoo.labels]
        by_identity = {}
        for i, key in enumerate(identity):
            by_identity.setdefault(key, {})[int(epoch_of[i])] = i
        rows = {}
        for i in np.flatnonzero(epoch_of == epochs[-1]):
            at = by_identity[identity[i]]
            missing = [e for e in epochs if e not in at]
            if missing:
                raise ValueError(
                    f"{owner}: network {identity[i]} (regularizer, stimulus class, network) has no connectome at "
                    f"epochs {missing}; every network needs one at each of the zoo's epochs {list(epochs)}. Build "
                    f"the zoo with {SNAPSHOT_HINT}."
                )
            rows[int(i)] = at
        return rows

    def _fill_networks(self, position):
        """Network options of the current strategy; select the one at ``position`` (or the first)."""
        zoo, strategy = self.zoo, self.strategy.value
        finals = [r for r in self._rows if str(zoo.labels[r]["regularizer"]) == strategy]
        options = network_options(zoo, finals, accuracy="final train acc")
        with self.muted():
            self.network.options = options
            self.network.value = options[position if position < len(options) else 0][1]

    # ------------------------------------------------------------------ frames

    def _key(self):
        """The frame of the current controls: (epoch, strategy, network, order)."""
        return (self.epochs_[self.epoch.value], self.strategy.value, self.network.value, self.order.value)

    def _final_order(self, final_row):
        if final_row not in self._final_orders:
            self._final_orders[final_row] = spanning_tree_order(self.zoo.graphs[final_row])
        return self._final_orders[final_row]

    def _tree_limit(self, final_row):
        """Axis limits of the tree panel that hold the network's layout at every epoch."""
        if final_row not in self._tree_limits:
            positions = [spanning_tree_layout(self.zoo.graphs[row])[1] for row in self._rows[final_row].values()]
            side = max(np.ptp(p[:, k]) for p in positions for k in (0, 1))
            pad = 0.08 * max(float(side), 1e-9)
            lo = np.min([p.min(axis=0) for p in positions], axis=0) - pad
            hi = np.max([p.max(axis=0) for p in positions], axis=0) + pad
            self._tree_limits[final_row] = (lo, hi)
        return self._tree_limits[final_row]

    def _who(self, final_row):
        row = self.zoo.labels[final_row]
        text = f"{row['regularizer']} network {row['network']}"
        return text if row["stimulus_class"] is None else f"{text} (class {row['stimulus_class']})"

    @staticmethod
    def _when(epoch):
        return "epoch 0 (initialisation)" if epoch == 0 else f"epoch {epoch}"

    def _plot(self, key):
        """Draw every display afresh on emptied figures (a new zoo), at frame ``key``."""
        epoch, _, final_row, _ = key
        row = self._rows[final_row][epoch]
        graph = self.zoo.graphs[row]
        panels = self.panels_
        for panel in panels.values():
            panel.reset()
        groups = self._groups
        bary = [self.dynamics_.barycenters[epoch, g] for g in groups]
        epochs = np.asarray(self.epochs_, dtype=float)
        means = [self._purity[e][0] for e in self.epochs_]
        stds = [self._purity[e][1] for e in self.epochs_]
        self.displays_ = {
            "connectome": ConnectomeDisplay(graph, boundaries=self._boundaries, order="layer").plot(
                ax=panels["connectome"].axes[0]),
            "tree": SpanningTreeDisplay(graph, boundaries=self._boundaries, layer_names=self._layer_names).plot(
                ax=panels["tree"].axes[0]),
            "persistence": PersistenceDisplay(
                bary, names=[_group_name(g) for g in groups], colors=[f"C{k % 10}" for k in range(len(groups))],
                highlight=self.persistence_[row], highlight_name="selected").plot(ax=panels["persistence"].axes),
            "purity": PurityWeightDisplay(epochs, means, stds, label="Top purity (mean ± std)", title=None).plot(
                ax=panels["purity"].axes[0]),
        }
        for name, display in self.displays_.items():
            panels[name].displays = {name: display}
        ax = self.displays_["purity"].ax_
        by = self.by if isinstance(self.by, str) else "/".join(self.by)
        ax.set_xlabel("epoch of training (0: initialisation)")
        ax.set_ylabel(f"Top purity by {by}\n(mean ± std)")
        ax.set_xticks(self.epochs_)
        self.epoch_line_ = ax.axvline(epoch, color="C3", lw=1.5, ls="--", zorder=0)
        (self._epoch_dot,) = ax.plot([epoch], [self._purity[epoch][0]], "o", color="C3", ms=7, zorder=3)
        for axes, loc in ((self.displays_["tree"].ax_, "upper right"),
                          (self.displays_["persistence"].axes_["deaths"], "upper left")):
            if axes.get_legend() is not None:
                axes.get_legend().set_loc(loc)  # "best" would move the legend from one frame to the next
        for which, (lo, hi) in self._limits.items():
            self.displays_["persistence"].axes_[which].set_ylim(lo, hi)
        for name in _PANELS:
            self._update(name, key)

    def _panel_key(self, name, key):
        """What panel ``name`` shows at frame ``key``: frames with equal panel keys share its PNG."""
        epoch, strategy, final_row, order = key
        return {"connectome": (epoch, final_row, order), "tree": (epoch, final_row),
                "persistence": (epoch, final_row), "purity": (epoch,)}[name]

    def _update(self, name, key):
        """Move the artists of panel ``name`` to frame ``key`` (in place, no new artists)."""
        epoch, _, final_row, order = key
        row = self._rows[final_row][epoch]
        graph = self.zoo.graphs[row]
        display = self.displays_[name]
        who, when = self._who(final_row), self._when(epoch)
        if name == "connectome":
            display.update(graph, title=f"{who}\nconnectome at {when}",
                           order="layer" if order == "layer" else self._final_order(final_row))
            if order == "final":
                display.ax_.set_xlabel("neuron (tree order at the final epoch)")
                display.ax_.set_ylabel("neuron (tree order at the final epoch)")
        elif name == "tree":
            display.update(graph, title=f"maximum spanning tree\nat {when}")
            (x0, y0), (x1, y1) = self._tree_limit(final_row)
            display.ax_.set_xlim(x0, x1)
            display.ax_.set_ylim(y0, y1)
        elif name == "persistence":
            display.update([self.dynamics_.barycenters[epoch, g] for g in self._groups],
                           highlight=self.persistence_[row])
            for which, (lo, hi) in self._limits.items():
                display.axes_[which].set_ylim(lo, hi)  # the same at every epoch
            legend = display.axes_["deaths"].get_legend()
            if legend is not None:
                legend.get_texts()[-1].set_text(who)  # the highlight is the last entry
            by = self.by if isinstance(self.by, str) else "/".join(self.by)
            self.figures_["persistence"].suptitle(
                f"Birth and death sets at {when}: topological barycenter ± std per {by}, black: {who}", fontsize=10)
        else:
            mean, std = self._purity[epoch]
            self.epoch_line_.set_xdata([epoch, epoch])
            self._epoch_dot.set_data([epoch], [mean])
            first = "none yet" if self._first is None else f"epoch {self._first}"
            display.ax_.set_title(
                f"Top purity per epoch, now {mean:.2f} ± {std:.2f} at {when} "
                f"(first ≥ {_SEPARATION:g}: {first})", fontsize=10)

    def _frame(self, key):
        """The PNGs of frame ``key`` (under the drawing lock): from the caches, or drawn once (only the
        panels whose own frame cache lacks it)."""
        with self.drawing():
            frame = self.frames_.get(key)
            if frame is None:
                frame = {}
                for name in _PANELS:
                    panel, panel_key = self.panels_[name], self._panel_key(name, key)
                    if panel_key not in panel.frames_:
                        self._update(name, key)
                    frame[name] = panel.draw(key=panel_key)
                self.frames_[key] = frame
                while len(self.frames_) > self.frame_cache:
                    self.frames_.popitem(last=False)
            else:
                self.frames_.move_to_end(key)
            return frame

    def _show(self, key, *, ticket=None):
        """Put frame ``key`` into the images and make it the selection (one commit)."""
        ticket = self.current_ticket() if ticket is None else ticket
        with self.drawing(ticket) as current:
            if not current:
                return
            frame = self._frame(key)
        epoch, strategy, final_row, order = key
        index = self.epochs_.index(epoch)
        row = self._rows[final_row][epoch]
        label = self.zoo.labels[row]

        def show():
            for name, png in frame.items():
                self.panels_[name].show(png)
            self.selection_ = {"epoch": epoch, "index": index, "strategy": strategy, "network": label["network"],
                               "stimulus_class": label["stimulus_class"], "row": row, "final_row": final_row,
                               "order": order}
            self.graph_ = self.zoo.graphs[row]
            self.epoch_label.value = (f"<b>{html.escape(self._when(epoch))}</b> of {self.epochs_[-1]} "
                                      f"<span style='color:#777'>({index + 1}/{len(self.epochs_)})</span>")

        self.commit(show, ticket)

    def prerender(self, *, cancel=None):
        """Render every epoch of the current selection (strategy, network, order) into the cache.

        Safe to call from a background thread (e.g. the dashboard's): frames are drawn one at a time
        under the drawing lock and the images are not touched.

        Parameters
        ----------
        cancel : threading.Event, optional
            Stop after the current frame once it is set.

        Returns
        -------
        int
            Frames rendered now (0 when all were cached).
        """
        zoo, (_, strategy, network, order) = self.zoo, self._key()
        done = 0
        for epoch in self.epochs_:
            if cancel is not None and cancel.is_set():
                break
            key = (epoch, strategy, network, order)
            with self.drawing():
                if self.zoo is not zoo:  # set_zoo ran meanwhile: these frames are gone
                    break
                if key not in self.frames_:
                    self._frame(key)
                    done += 1
        return done

    # ------------------------------------------------------------------ animation export

    def animation_frames(self):
        """One picture per epoch of the current selection: the panels composed as on screen.

        Returns
        -------
        list of PIL.Image.Image
            RGB images, connectome and tree side by side, then the barycenters, then the purity
            curve; rendered (once) from the frame cache.
        """
        from PIL import Image

        _, strategy, network, order = self._key()
        frames = []
        for epoch in self.epochs_:
            frame = self._frame((epoch, strategy, network, order))
            pictures = {name: Image.open(BytesIO(png)).convert("RGB") for name, png in frame.items()}
            rows = [[pictures[name] for name in names] for names in _GIF_ROWS]
            width = max(sum(p.width for p in row) for row in rows)
            height = sum(max(p.height for p in row) for row in rows)
            canvas = Image.new("RGB", (width, height), "white")
            y = 0
            for row in rows:
                x = (width - sum(p.width for p in row)) // 2
                for picture in row:
                    canvas.paste(picture, (x, y))
                    x += picture.width
                y += max(p.height for p in row)
            frames.append(canvas)
        return frames

    def save_gif(self, path, *, fps=None, hold_last=2.0):
        """Write the epochs of the current selection as an animated GIF (Pillow; no ffmpeg).

        Parameters
        ----------
        path : str or Path
            The file to write (its folder is created).
        fps : float, optional
            Frames per second; by default the explorer's ``fps``.
        hold_last : float, default=2.0
            The last frame (the trained network) stays this many times longer.

        Returns
        -------
        Path
            ``path``.
        """
        fps = self.fps if fps is None else check_real(fps, "fps", low=0, high=50, closed="right")
        hold_last = check_real(hold_last, "hold_last", low=1)
        frames = self.animation_frames()
        durations = [round(1000 / fps)] * len(frames)
        durations[-1] = round(durations[-1] * hold_last)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        frames[0].save(path, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0)
        return path

    # ------------------------------------------------------------------ callbacks

    def _show_current(self):
        self._show(self._key())

    def _strategy_changed(self):
        position = [value for _, value in self.network.options].index(self.network.value)
        # the same position in the new strategy's list
        if self.commit(lambda: self._fill_networks(position), self.current_ticket()):
            self._show_current()

    def _describe(self):
        s = self.selection_
        mean, std = self._purity[s["epoch"]]
        who = self._who(s["final_row"])
        return (f"{who}, {self._when(s['epoch'])} ({s['index'] + 1}/{len(self.epochs_)}), {s['order']} order; "
                f"Top purity {mean:.2f} ± {std:.2f}; {len(self.frames_)} frames cached")

    def _closables(self):
        """The panels, the browser-side link and the controls."""
        return [*super()._closables(), self.link_, self.play, self.epoch, self.epoch_label, self.strategy,
                self.network, self.order]

    def _layout(self):
        panels = self.panels_
        return [widgets.HBox([self.play, self.epoch, self.epoch_label]),
                widgets.HBox([self.strategy, self.network]), self.order, self.status,
                widgets.HBox([panels["connectome"].widget, panels["tree"].widget]),
                panels["persistence"].widget, panels["purity"].widget]


def save_animation(zoo, path, *, strategy=None, network=0, order="layer", dynamics=None, by="regularizer", fps=2.0,
                   dpi=80):
    """Write a network's training epochs as an animated GIF: the :class:`DynamicsExplorer` frames.

    Parameters
    ----------
    zoo : fcviz.ConnectomeZoo
        Recorded at several epochs, from ``fcviz.connectome_zoo(..., snapshot_epochs=[0, 1, 2, 5, 10, 15])``.
    path : str or Path
        The GIF to write.
    strategy : str, optional
        The training strategy (``regularizer``) of the network shown; default: the zoo's first.
    network : int, default=0
        Which of that strategy's networks, by position (0: the first).
    order : {"layer", "final"}, default="layer"
        Node order of the connectome (see :attr:`DynamicsExplorer.order`).
    dynamics : DynamicsResult, optional
        ``fcviz.training_dynamics(zoo, by=by)`` when already computed.
    by : str or tuple of str, default="regularizer"
    fps : float, default=2
    dpi : int, default=80

    Returns
    -------
    Path
        ``path``; the GIF has one frame per epoch of the zoo.

    Examples
    --------
    >>> import fcviz, tempfile, pathlib
    >>> from PIL import Image
    >>> zoo = fcviz.connectome_zoo(regularizers=["vanilla", "l2"], n_networks=2, epochs=2, n_stimuli=40,
    ...                            snapshot_epochs=[0, 1], cache=False, progress=False)
    >>> gif = save_animation(zoo, pathlib.Path(tempfile.mkdtemp()) / "dynamics.gif", strategy="l2", dpi=30,
    ...                      dynamics=fcviz.training_dynamics(zoo, n_repeats=2, n_permutations=9))
    >>> Image.open(gif).n_frames
    3
    """
    order = check_option(order, "order", _ORDERS)
    explorer = DynamicsExplorer(zoo, dynamics=dynamics, by=by, fps=fps, dpi=dpi)
    try:
        with explorer.muted():  # a library call: errors are raised, not shown in a status line
            if strategy is not None:
                explorer.strategy.value = check_option(strategy, "strategy", tuple(explorer.strategy.options))
                explorer._fill_networks(0)
            options = explorer.network.options
            position = check_int(network, "network", minimum=0, maximum=len(options) - 1,
                                 hint=f"It is a position among the {len(options)} networks of "
                                      f"{explorer.strategy.value!r}.")
            explorer.network.value = options[position][1]
            explorer.order.value = order
        return explorer.save_gif(path)
    finally:
        explorer.close()
