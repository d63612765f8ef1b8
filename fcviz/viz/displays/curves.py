"""Curve displays: sorted birth and death values (with group barycenters ± std) and Betti curves."""

from __future__ import annotations

import numpy as np

from ..._validation import check_int
from ...homology import Persistence, as_persistence, betti_curves
from ...wasserstein import Barycenter, barycenter
from .base import check_labels, check_option, register_display, require_plotted, resolve_axes

__all__ = ["PersistenceDisplay", "BettiCurveDisplay", "MAX_CURVE_POINTS", "rank_samples"]

_SETS = ("births", "deaths")
_WHICH = ("both", "births", "deaths")

#: Most points :class:`PersistenceDisplay` draws per curve and per band edge by default: about four
#: per pixel column of a 4.6-inch axes at 100 dpi (see :func:`rank_samples`).
MAX_CURVE_POINTS = 2000


def _rank(size):
    """Normalised ranks in (0, 1): the middle of each of ``size`` equal steps."""
    return (np.arange(size) + 0.5) / size if size else np.zeros(0)


def rank_samples(size, max_points=MAX_CURVE_POINTS):
    """Which of ``size`` sorted values a curve is drawn through: all, or ``max_points`` of them.

    A graph of n nodes has (n - 1)(n - 2) / 2 deaths: 73,153 at n = 384, far more points than an
    axes has pixel columns, and drawing them all costs a few tenths of a second per render. The
    curves of :class:`PersistenceDisplay` are sorted values against their normalised rank, so they
    are monotone: drawn through samples at uniformly spaced ranks, several per pixel column, they
    cover the same pixels as the full curve (visually lossless), and the first and last values (the
    curve's range) are always among the samples.

    Parameters
    ----------
    size : int
        Number of sorted values.
    max_points : int or None, default=MAX_CURVE_POINTS
        Most samples; None (or ``size <= max_points``) keeps every value.

    Returns
    -------
    ndarray of int of shape (min(size, max_points),)
        Increasing indices into the sorted values, ``0`` and ``size - 1`` included (when
        ``size > 0``); the curve point of index i is drawn at the rank ``(i + 0.5) / size``.

    Examples
    --------
    >>> rank_samples(5).tolist()
    [0, 1, 2, 3, 4]
    >>> rank_samples(10, max_points=4).tolist()
    [0, 3, 6, 9]
    """
    size = check_int(size, "size", minimum=0)
    max_points = check_int(max_points, "max_points", minimum=2, allow_none=True)
    if max_points is None or size <= max_points:
        return np.arange(size)
    return np.unique(np.rint(np.linspace(0, size - 1, max_points)).astype(np.intp))


def _curve(values, index):
    """(x, y) of a sorted curve drawn through the values at ``index`` (from :func:`rank_samples`)."""
    return _rank(values.size)[index], values[index]


def _band_vertices(y, std, index):
    """Polygon around ``y ± std`` over the normalised ranks at ``index``: ndarray of shape (2 m, 2).

    With fewer samples than values, each edge is the envelope over the ranks a sample stands for
    (the maximum of ``y + std`` and the minimum of ``y - std`` between the midpoints to its
    neighbours): the standard deviation is not monotone, and the envelope covers what the full band
    would shade.
    """
    x = _rank(y.size)[index]
    upper, lower = y + std, y - std
    if index.size < y.size:
        starts = np.r_[0, (index[:-1] + index[1:] + 1) // 2]
        upper, lower = np.maximum.reduceat(upper, starts), np.minimum.reduceat(lower, starts)
    return np.concatenate([np.column_stack([x, upper]), np.column_stack([x[::-1], lower[::-1]])])


def _as_items(persistences):
    """A list of Persistence from one persistence, graphs, or a list of persistences or graphs."""
    if isinstance(persistences, Persistence):
        return [persistences]
    is_list = isinstance(persistences, (list, tuple)) and len(persistences) > 0
    if is_list and all(isinstance(p, Persistence) for p in persistences):
        return [as_persistence(p) for p in persistences]
    return [as_persistence(persistences, name="persistences")]


class PersistenceDisplay:
    """Sorted birth and death values against their normalised rank.

    One curve per graph, a thin curve per member of a batch, or a group barycenter with a band of
    ± one standard deviation per rank; optionally one highlighted network drawn bold on top. The x
    axis is the rank normalised to [0, 1], so networks of different sizes overlay; y is the weight.

    Parameters
    ----------
    persistences : Persistence, Barycenter, graphs, or list of them
        What to draw, one item per legend entry: a :class:`fcviz.Barycenter` gives its mean curve and
        band, a single Persistence one curve, a batch one thin curve per member.
    names : sequence of str, optional
        Legend label of each item.
    colors : sequence of colors, optional
        Colour of each item (``None`` entries follow the axes' colour cycle).
    highlight : Persistence or array-like of shape (n, n), optional
        One network drawn bold in ``highlight_color`` over everything else. Must be given here for
        :meth:`update` to move it later.
    highlight_name : str, default="selected"
        Its legend label.
    which : {"both", "births", "deaths"}, default="both"
        Draw both sets on two axes side by side (a widget panel), or one set on one axes.
    max_points : int or None, default=MAX_CURVE_POINTS (2000)
        Most points drawn per curve and per band edge. Longer curves (the deaths of a graph of more
        than 64 nodes) are drawn through samples at uniformly spaced ranks, with both end points
        (:func:`rank_samples`); bands through the envelope of each sample's ranks. The curves are
        monotone, so at a few samples per pixel column this is visually lossless, and it keeps a
        render of the 73,153 deaths of a 384-node graph at milliseconds. None draws every value.

    Attributes
    ----------
    axes_ : dict of str to matplotlib.axes.Axes
        ``axes_["births"]`` and/or ``axes_["deaths"]``; ``ax_`` is the first of them.
    lines_ : dict of str to list of matplotlib.lines.Line2D
        Per set, one line per curve in item order (a batch contributes one per member). A line's
        x data is the normalised rank, its y data the sorted values (at the ranks of
        ``rank_samples(size, max_points)`` for curves longer than ``max_points``).
    data_ : dict of str to list of ndarray
        Per set, the full sorted values of every line of ``lines_`` (same order), whatever was drawn.
    bands_ : dict of str to list of (matplotlib.collections.PolyCollection or None)
        Per set, one entry per item: the ± std band of a barycenter, else None.
    highlight_ : dict of str to matplotlib.lines.Line2D, or None
        The highlighted network's curve per set (None when no highlight was given).
    highlight_data_ : dict of str to ndarray, or None
        The highlighted network's full sorted values per set.
    ax_, figure_ : the first axes and the figure drawn on.

    Examples
    --------
    >>> import numpy as np
    >>> from fcviz import birth_death
    >>> from fcviz.synthetic import random_modular_graphs
    >>> from fcviz.viz import PersistenceDisplay
    >>> P = birth_death(random_modular_graphs(6, 10, 2, random_state=0))
    >>> display = PersistenceDisplay.from_groups(P, [0, 0, 0, 1, 1, 1], ["a", "b"], highlight=0)
    >>> display = display.update(highlight=P[4])
    >>> bool(np.array_equal(display.highlight_["births"].get_ydata(), P[4].births))
    True
    """

    def __init__(self, persistences, *, names=None, colors=None, highlight=None, highlight_name="selected",
                 which="both", max_points=MAX_CURVE_POINTS):
        self.persistences = persistences
        self.names = names
        self.colors = colors
        self.highlight = highlight
        self.highlight_name = highlight_name
        self.which = which
        self.max_points = max_points

    @classmethod
    def from_groups(cls, persistence, codes, names=None, *, highlight=None, highlight_name=None, which="both",
                    max_points=MAX_CURVE_POINTS, ax=None, **plot_kw):
        """Draw the barycenter ± std band of every group, and optionally one network on top.

        Parameters
        ----------
        persistence : Persistence (batch) or array-like of shape (N, n, n)
            All networks, e.g. ``birth_death(zoo.graphs)``.
        codes : array-like of shape (N,)
            Group of every network. With ``names``: integers ``0 … len(names) - 1`` (as from
            ``zoo.group_labels()``); without: any labels, drawn in sorted order.
        names : sequence of str, optional
            Name of every group code.
        highlight : int or Persistence, optional
            A network to draw bold on top: its index in ``persistence``, or its persistence.
        highlight_name : str, optional
            Legend label of the highlight; by default "network i" for an index, else "selected".
        which : {"both", "births", "deaths"}, default="both"
        max_points : int or None, default=MAX_CURVE_POINTS
            As in the constructor.
        ax : Axes or pair of Axes, optional
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        PersistenceDisplay
            Plotted, with one :func:`fcviz.barycenter` per group, coloured ``C0``, ``C1``, ….
        """
        P = as_persistence(persistence, name="persistence")
        if not P.is_batch:
            raise ValueError("from_groups needs a batch of networks (N, n, n) or a batch Persistence; got one graph.")
        codes = check_labels(codes, len(P), "codes", owner="PersistenceDisplay.from_groups")
        if names is None:
            groups = np.unique(codes)
            names = [str(g) for g in groups]
        else:
            groups = np.arange(len(names))
            unknown = np.setdiff1d(codes, groups)
            if unknown.size:
                raise ValueError(
                    f"codes must be integers 0 … {len(names) - 1}, one per name in {list(names)}; got values "
                    f"{unknown.tolist()}. Pass names=None to group by the code values themselves."
                )
        bary = []
        for g, name in zip(groups, names):
            members = np.flatnonzero(codes == g)
            if members.size == 0:
                raise ValueError(f"Group {name!r} (code {g}) has no network; drop its name or pass its members.")
            bary.append(barycenter(P[members]))
        if highlight is not None and not isinstance(highlight, Persistence):
            index = int(highlight)
            if not -len(P) <= index < len(P):
                raise ValueError(f"highlight index {index} is out of range for {len(P)} networks.")
            highlight_name = highlight_name or f"network {index}"
            highlight = P[index]
        display = cls(bary, names=list(names), colors=[f"C{k % 10}" for k in range(len(bary))], highlight=highlight,
                      highlight_name=highlight_name or "selected", which=which, max_points=max_points)
        return display.plot(ax=ax, **plot_kw)

    def _sets(self):
        check_option(self.which, "which", _WHICH)
        return _SETS if self.which == "both" else (self.which,)

    def plot(self, ax=None, *, band=True, band_alpha=0.25, legend=True, highlight_color="black"):
        """Draw the curves.

        Parameters
        ----------
        ax : Axes, or sequence of two Axes (births, deaths) when ``which="both"``, optional
            Axes to draw on; a pyplot-free figure is created when omitted.
        band : bool, default=True
            Shade ± std around barycenters.
        band_alpha : float, default=0.25
        legend : bool, default=True
            A legend (on the last axes) when any item or the highlight has a name.
        highlight_color : color, default="black"

        Returns
        -------
        self
        """
        sets = self._sets()
        check_int(self.max_points, "max_points", minimum=2, allow_none=True)
        items = _as_items(self.persistences)
        names = check_labels(self.names, len(items), "names", owner=type(self).__name__)
        colors = [None] * len(items) if self.colors is None else list(self.colors)
        if len(colors) != len(items):
            raise ValueError(f"PersistenceDisplay got {len(colors)} colors for {len(items)} items; pass one per item.")
        highlight = None if self.highlight is None else self._single(self.highlight)
        self.figure_, axes = resolve_axes(
            ax, len(sets), owner=type(self).__name__, figsize=(4.2 * len(sets), 3.6),
            hint="Pass which='births' or which='deaths' to draw one set on one axes." if len(sets) == 2 else "",
        )
        self.axes_ = dict(zip(sets, axes))
        self.ax_ = axes[0]
        self.lines_ = {s: [] for s in sets}
        self.data_ = {s: [] for s in sets}
        self.bands_ = {s: [] for s in sets}
        self.highlight_ = None if highlight is None else {}
        self.highlight_data_ = None if highlight is None else {}
        self._structure = [self._shape(P) for P in items]
        for which, ax in self.axes_.items():
            for k, P in enumerate(items):
                label = None if names is None else names[k]
                self._draw_item(ax, which, P, label, colors[k], band, band_alpha)
            if highlight is not None:
                values = self.highlight_data_[which] = getattr(highlight, which)
                (self.highlight_[which],) = ax.plot(*self._curve(values), color=highlight_color, lw=2.2, zorder=3,
                                                     label=self.highlight_name)
            ax.set_xlim(0.0, 1.0)
            ax.set_xlabel(f"rank of {which[:-1]} (normalised)")
            ax.set_ylabel(f"{which[:-1]} value (edge weight)")
            ax.set_title(f"{which[:-1].capitalize()} set")
            self._autoscale(which)
            register_display(ax, self)
        if legend and (names is not None and any(n is not None for n in names) or highlight is not None):
            axes[-1].legend(frameon=False, fontsize=8)
        return self

    @staticmethod
    def _shape(P):
        """What :meth:`update` must keep: (is a barycenter, batch size or None, nodes)."""
        return isinstance(P, Barycenter), (len(P) if P.is_batch else None), P.n_nodes

    def _draw_item(self, ax, which, P, label, color, band, band_alpha):
        from matplotlib.collections import PolyCollection

        values = getattr(P, which)
        thin = P.is_batch and not isinstance(P, Barycenter)
        for i, curve in enumerate(np.atleast_2d(values)):
            (line,) = ax.plot(*self._curve(curve), color=color, label=label if i == 0 else None,
                              lw=0.8 if thin else 1.8, alpha=0.6 if thin else 1.0)
            color = line.get_color()
            self.lines_[which].append(line)
            self.data_[which].append(curve)
        patch = None
        if isinstance(P, Barycenter) and band:
            patch = PolyCollection([self._band(values, getattr(P, f"{which}_std"))], facecolors=color,
                                   alpha=band_alpha, linewidths=0)
            ax.add_collection(patch, autolim=False)
        self.bands_[which].append(patch)

    def _curve(self, values):
        """(x, y) drawn for one sorted curve: every value, or ``max_points`` samples of them."""
        return _curve(values, rank_samples(values.size, self.max_points))

    def _band(self, values, std):
        return _band_vertices(values, std, rank_samples(values.size, self.max_points))

    def _autoscale(self, which):
        ax = self.axes_[which]
        ys = [line.get_ydata() for line in self.lines_[which]]
        ys += [b.get_paths()[0].vertices[:, 1] for b in self.bands_[which] if b is not None and b.get_paths()]
        if self.highlight_ is not None and self.highlight_[which].get_visible():
            ys.append(self.highlight_[which].get_ydata())
        ys = [np.asarray(y, dtype=float) for y in ys if len(y)]
        if not ys:
            return
        lo, hi = min(float(y.min()) for y in ys), max(float(y.max()) for y in ys)
        pad = 0.05 * (hi - lo) if hi > lo else 0.05
        ax.set_ylim(lo - pad, hi + pad)

    @staticmethod
    def _single(P):
        P = as_persistence(P, name="highlight")
        if P.is_batch:
            raise ValueError(f"highlight must be one network; got a batch of {len(P)}. Pass e.g. P[3].")
        return P

    def update(self, persistences=None, *, highlight=None):
        """Move the curves and bands, and/or the highlighted curve, in place.

        Parameters
        ----------
        persistences : same kind as in the constructor, optional
            New items of the same structure (as many items; barycenters where there were
            barycenters; batches of the same size). Any number of nodes: x is the normalised rank.
        highlight : Persistence, array-like of shape (n, n) or False, optional
            The new highlighted network; ``False`` hides the highlight (a later one shows it again).

        Returns
        -------
        self
        """
        require_plotted(self, "lines_")
        if persistences is not None:
            items = _as_items(persistences)
            structure = [self._shape(P) for P in items]
            same = len(structure) == len(self._structure) and all(
                a[:2] == b[:2] for a, b in zip(structure, self._structure))
            if not same:
                raise ValueError(
                    "update needs items of the plotted structure (barycenter?, batch size, nodes) = "
                    f"{self._structure}; got {structure}. Make a new display for another structure."
                )
            for which in self.axes_:
                lines = iter(self.lines_[which])
                self.data_[which] = []
                for P, band in zip(items, self.bands_[which]):
                    values = getattr(P, which)
                    for curve in np.atleast_2d(values):
                        next(lines).set_data(*self._curve(curve))
                        self.data_[which].append(curve)
                    if band is not None:
                        band.set_verts([self._band(values, getattr(P, f"{which}_std"))])
            self.persistences, self._structure = persistences, structure
        if highlight is not None:
            if self.highlight_ is None:
                raise ValueError(
                    "This PersistenceDisplay was drawn without a highlighted network; pass highlight= when creating "
                    "it (e.g. from_groups(..., highlight=0)) to move one later."
                )
            if highlight is False:
                for line in self.highlight_.values():
                    line.set_visible(False)
            else:
                P = self._single(highlight)
                for which, line in self.highlight_.items():
                    values = self.highlight_data_[which] = getattr(P, which)
                    line.set_data(*self._curve(values))
                    line.set_visible(True)
                self.highlight = highlight
        for which in self.axes_:
            self._autoscale(which)
        return self


class BettiCurveDisplay:
    """Betti numbers of the filtered graph against the threshold: beta0 (components), beta1 (cycles).

    Parameters
    ----------
    thresholds : array-like of shape (T,)
        Thresholds ``e``; the filtered graph keeps the edges heavier than ``e``.
    betti0, betti1 : array-like of shape (T,) or (B, T)
        Betti curves of one or B graphs, e.g. from :func:`fcviz.betti_curves`.
    names : sequence of str, optional
        Legend label per curve.
    which : {"both", "betti0", "betti1"}, default="both"
        Two axes side by side, or one of them.

    Attributes
    ----------
    axes_ : dict of str to matplotlib.axes.Axes
        Keys "betti0" and/or "betti1"; ``ax_`` is the first.
    lines_ : dict of str to list of matplotlib.lines.Line2D
        One line per curve (x = thresholds, y = Betti numbers).
    ax_, figure_ : the first axes and the figure drawn on.
    """

    def __init__(self, thresholds, betti0, betti1, *, names=None, which="both"):
        self.thresholds = thresholds
        self.betti0 = betti0
        self.betti1 = betti1
        self.names = names
        self.which = which

    @classmethod
    def from_persistence(cls, persistence, thresholds=None, *, names=None, which="both", ax=None, **plot_kw):
        """Compute :func:`fcviz.betti_curves` of one network or a batch and draw them.

        Parameters
        ----------
        persistence : Persistence or array-like of shape (n, n) or (B, n, n)
        thresholds : array-like of shape (T,), optional
            Default: 201 steps from 0 to the largest weight (at least 1).
        names, which
            As in the constructor.
        ax : Axes or pair of Axes, optional
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        BettiCurveDisplay
            Plotted.
        """
        P = as_persistence(persistence, name="persistence")
        if thresholds is None:
            top = max(1.0, float(P.births.max()), float(P.deaths.max()) if P.deaths.size else 0.0)
            thresholds = np.linspace(0.0, top, 201)
        betti0, betti1 = betti_curves(P, thresholds)
        return cls(thresholds, betti0, betti1, names=names, which=which).plot(ax=ax, **plot_kw)

    def _prepare(self, thresholds, betti0, betti1):
        e = np.asarray(thresholds, dtype=float)
        if e.ndim != 1 or e.size == 0 or not np.all(np.isfinite(e)):
            raise ValueError(f"thresholds must be a non-empty 1-D array of finite numbers; got shape {e.shape}.")
        curves = []
        for name, b in (("betti0", betti0), ("betti1", betti1)):
            b = np.atleast_2d(np.asarray(b, dtype=float))
            if b.ndim != 2 or b.shape[1] != e.size:
                raise ValueError(
                    f"{name} must have shape (T,) or (B, T) with T = {e.size} thresholds; got shape "
                    f"{np.shape(betti0 if name == 'betti0' else betti1)}. Compute both with fcviz.betti_curves(P, "
                    "thresholds)."
                )
            curves.append(b)
        if curves[0].shape != curves[1].shape:
            raise ValueError(
                f"betti0 and betti1 must have the same shape; got {curves[0].shape} and {curves[1].shape}."
            )
        return e, {"betti0": curves[0], "betti1": curves[1]}

    def plot(self, ax=None, *, colors=None, lw=1.5):
        """Draw the curves.

        Parameters
        ----------
        ax : Axes, or sequence of two Axes when ``which="both"``, optional
        colors : sequence of colors, optional
            One per curve; default the colour cycle.
        lw : float, default=1.5

        Returns
        -------
        self
        """
        check_option(self.which, "which", ("both", "betti0", "betti1"))
        keys = ("betti0", "betti1") if self.which == "both" else (self.which,)
        e, curves = self._prepare(self.thresholds, self.betti0, self.betti1)
        n_curves = curves["betti0"].shape[0]
        names = check_labels(self.names, n_curves, "names", owner=type(self).__name__)
        colors = [None] * n_curves if colors is None else list(colors)
        self.figure_, axes = resolve_axes(ax, len(keys), owner=type(self).__name__, figsize=(4.2 * len(keys), 3.6),
                                          hint="Pass which='betti0' or which='betti1' for one axes.")
        self.axes_ = dict(zip(keys, axes))
        self.ax_ = axes[0]
        self.lines_ = {}
        titles = {"betti0": ("β0: connected components", "β0"), "betti1": ("β1: independent cycles", "β1")}
        for key, ax in self.axes_.items():
            self.lines_[key] = [
                ax.plot(e, curve, color=colors[i], lw=lw, label=None if names is None else str(names[i]))[0]
                for i, curve in enumerate(curves[key])
            ]
            ax.set_xlabel("threshold e (edges with weight > e kept)")
            ax.set_ylabel(titles[key][1])
            ax.set_title(titles[key][0])
            self._autoscale(key, e, curves[key])
            register_display(ax, self)
        if names is not None:
            axes[-1].legend(frameon=False, fontsize=8)
        return self

    def _autoscale(self, key, e, curves):
        ax = self.axes_[key]
        ax.set_xlim(float(e.min()), float(e.max()) if e.max() > e.min() else float(e.min()) + 1.0)
        top = float(curves.max()) if curves.size else 1.0
        ax.set_ylim(-0.04 * max(top, 1.0), 1.04 * max(top, 1.0))

    def update(self, betti0=None, betti1=None, *, thresholds=None):
        """Show other Betti curves (of as many graphs) in the same lines.

        Parameters
        ----------
        betti0, betti1 : array-like of shape (T,) or (B, T), optional
            New curves; each defaults to the current one. Typically
            ``display.update(*fcviz.betti_curves(P, display.thresholds))``.
        thresholds : array-like of shape (T,), optional
            New thresholds; by default the current ones.

        Returns
        -------
        self
        """
        require_plotted(self, "lines_")
        thresholds = self.thresholds if thresholds is None else thresholds
        betti0 = self.betti0 if betti0 is None else betti0
        betti1 = self.betti1 if betti1 is None else betti1
        e, curves = self._prepare(thresholds, betti0, betti1)
        n_lines = len(next(iter(self.lines_.values())))
        if curves["betti0"].shape[0] != n_lines:
            raise ValueError(
                f"This BettiCurveDisplay draws {n_lines} curve(s); got {curves['betti0'].shape[0]}. Make a new display "
                "for another number of graphs."
            )
        for key, lines in self.lines_.items():
            for line, curve in zip(lines, curves[key]):
                line.set_data(e, curve)
            self._autoscale(key, e, curves[key])
        self.thresholds, self.betti0, self.betti1 = thresholds, betti0, betti1
        return self
