"""Displays of study results.

A clustering's contingency matrix (:class:`ClusteringDisplay`), purity per method with its bootstrap
interval (:class:`PurityDisplay`), purity against a weight — the topological weight w of Top clustering
or the birth weight β of the distance — (:class:`PurityWeightDisplay`) and the time of one distance
against graph size (:class:`~fcviz.viz.displays.runtime.RuntimeDisplay`, the paper's Figure 3, in
:mod:`fcviz.viz.displays.runtime`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ...clustering import purity_score
from .base import register_display, require_plotted, resolve_axes

__all__ = ["ClusteringDisplay", "PurityDisplay", "PurityWeightDisplay"]


def _mean_std_table(scores, owner):
    """(keys, means, stds) from a mapping key -> (mean, std); NaN marks a missing score."""
    if not isinstance(scores, Mapping) or not scores:
        raise ValueError(
            f"{owner} needs a non-empty dict of name -> (mean, std); got {type(scores).__name__}"
            f"{'' if not isinstance(scores, Mapping) else ' (empty)'}."
        )
    keys, means, stds = [], [], []
    for key, value in scores.items():
        pair = np.asarray([np.nan, np.nan] if value is None else value, dtype=float).ravel()
        if pair.shape != (2,):
            raise ValueError(f"{owner}: the score of {key!r} must be a pair (mean, std) or None; got {value!r}.")
        keys.append(key)
        means.append(pair[0])
        stds.append(pair[1])
    return keys, np.array(means), np.nan_to_num(np.array(stds))


class ClusteringDisplay:
    """Contingency matrix of true classes (rows) against predicted clusters (columns).

    Every non-zero cell shows its count. A column's largest cell is its majority class; the other
    non-zero cells of the column are the misassigned networks, drawn in ``mistake_color`` and bold, and
    counted in the title together with the purity.

    Parameters
    ----------
    contingency : array-like of int of shape (n_classes, n_clusters)
        ``contingency[i, j]``: networks of class i put in cluster j.
    class_names : sequence of str of length n_classes, optional
    cluster_names : sequence of str of length n_clusters, optional
    purity : float, optional
        Shown in the title; by default computed from the matrix (sum of column maxima over total).

    Attributes
    ----------
    im_ : matplotlib.image.AxesImage
        ``im_.get_array()`` is the contingency matrix.
    texts_ : ndarray of matplotlib.text.Text of shape (n_classes, n_clusters)
        The cell counts ("" for empty cells).
    misassigned_ : ndarray of bool of shape (n_classes, n_clusters)
        Non-empty cells outside their column's majority class.
    colorbar_ : matplotlib.colorbar.Colorbar or None
    ax_, figure_ : the axes and figure drawn on.
    """

    def __init__(self, contingency, *, class_names=None, cluster_names=None, purity=None):
        self.contingency = contingency
        self.class_names = class_names
        self.cluster_names = cluster_names
        self.purity = purity

    @staticmethod
    def _contingency(labels_true, labels_pred, classes, clusters):
        from sklearn.metrics.cluster import contingency_matrix

        labels_true, labels_pred = np.asarray(labels_true), np.asarray(labels_pred)
        if labels_true.ndim != 1 or labels_true.shape != labels_pred.shape or labels_true.size == 0:
            raise ValueError(
                f"labels_true and labels_pred must be 1-D of the same length; got shapes {labels_true.shape} and "
                f"{labels_pred.shape}."
            )
        present_true, present_pred = np.unique(labels_true), np.unique(labels_pred)
        for name, present, known in (("labels_true", present_true, classes), ("labels_pred", present_pred, clusters)):
            unknown = np.setdiff1d(present, known)
            if unknown.size:
                raise ValueError(
                    f"{name} has values {unknown.tolist()} that this display has no row or column for (it has "
                    f"{np.asarray(known).tolist()}); make a new display with ClusteringDisplay.from_predictions."
                )
        table = np.zeros((len(classes), len(clusters)), dtype=np.int64)
        rows = np.searchsorted(classes, present_true)
        cols = np.searchsorted(clusters, present_pred)
        table[np.ix_(rows, cols)] = contingency_matrix(labels_true, labels_pred)
        return table

    @classmethod
    def from_predictions(cls, labels_true, labels_pred, *, class_names=None, n_clusters=None, ax=None, **plot_kw):
        """Compute the contingency matrix of a clustering and draw it.

        Parameters
        ----------
        labels_true : array-like of shape (N,)
            True class of every network, e.g. ``zoo.group_labels()[0]``.
        labels_pred : array-like of shape (N,)
            Predicted cluster of every network, e.g. ``TopClustering(...).fit_predict(P)``.
        class_names : sequence of str, optional
            One name per class (sorted class value), e.g. ``zoo.group_labels()[1]``.
        n_clusters : int, optional
            Draw columns for clusters ``0 … n_clusters - 1`` even when some are empty, so that
            :meth:`update_from_predictions` can show later clusterings with the same columns.
            Default: the clusters present in ``labels_pred``.
        ax : matplotlib.axes.Axes, optional
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        ClusteringDisplay
            Plotted; ``purity`` is :func:`fcviz.purity_score`.
        """
        classes = np.unique(np.asarray(labels_true))
        clusters = np.unique(np.asarray(labels_pred)) if n_clusters is None else np.arange(n_clusters)
        table = cls._contingency(labels_true, labels_pred, classes, clusters)
        if class_names is not None and len(class_names) != len(classes):
            raise ValueError(f"Got {len(class_names)} class_names for {len(classes)} classes {classes.tolist()}.")
        display = cls(table, class_names=class_names if class_names is not None else [str(c) for c in classes],
                      cluster_names=[str(c) for c in clusters], purity=purity_score(labels_true, labels_pred))
        display._classes, display._clusters = classes, clusters
        return display.plot(ax=ax, **plot_kw)

    def _prepare(self, contingency):
        M = np.asarray(contingency)
        if M.ndim != 2 or M.size == 0 or not np.issubdtype(M.dtype, np.number) or np.any(M < 0) \
                or not np.all(np.isfinite(M)) or M.sum() == 0:
            raise ValueError(
                f"ClusteringDisplay needs a contingency matrix (n_classes, n_clusters) of non-negative counts "
                f"with at least one network; got an array of shape {M.shape}. Build one with "
                "ClusteringDisplay.from_predictions(labels_true, labels_pred)."
            )
        return M

    def plot(self, ax=None, *, cmap="Blues", colorbar=False, mistake_color="crimson"):
        """Draw the matrix and its counts.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
        cmap : str or Colormap, default="Blues"
        colorbar : bool, default=False
        mistake_color : color, default="crimson"
            Colour of the counts of misassigned networks.

        Returns
        -------
        self
        """
        M = self._prepare(self.contingency)
        n_classes, n_clusters = M.shape
        for name, names, size in (("class_names", self.class_names, n_classes),
                                  ("cluster_names", self.cluster_names, n_clusters)):
            if names is not None and len(names) != size:
                raise ValueError(f"Got {len(names)} {name} for a matrix of shape {M.shape}; pass one per row/column.")
        self.figure_, (self.ax_,) = resolve_axes(ax, 1, owner=type(self).__name__)
        ax = self.ax_
        self._mistake_color = mistake_color
        self.im_ = ax.imshow(M, cmap=cmap, vmin=0, interpolation="nearest", aspect="auto")
        self.texts_ = np.empty(M.shape, dtype=object)
        for i in range(n_classes):
            for j in range(n_clusters):
                self.texts_[i, j] = ax.text(j, i, "", ha="center", va="center", fontsize=9)
        columns = self.cluster_names if self.cluster_names is not None else range(n_clusters)
        ax.set_xticks(np.arange(n_clusters), [str(c) for c in columns])
        rows = self.class_names if self.class_names is not None else range(n_classes)
        ax.set_yticks(np.arange(n_classes), [str(c) for c in rows])
        ax.set_xlabel("predicted cluster")
        ax.set_ylabel("true class")
        self.colorbar_ = self.figure_.colorbar(self.im_, ax=ax, fraction=0.046, pad=0.04) if colorbar else None
        self._show(M, self.purity)
        register_display(ax, self)
        return self

    def _show(self, M, purity):
        total = M.sum()
        majority = M.argmax(axis=0)
        self.misassigned_ = (M > 0) & (np.arange(M.shape[0])[:, None] != majority[None, :])
        if purity is None:
            purity = M.max(axis=0).sum() / total
        self.im_.set_data(M)
        self.im_.set_clim(0, max(1, M.max()))
        light = M > M.max() / 2
        for (i, j), text in np.ndenumerate(self.texts_):
            text.set_text(str(int(M[i, j])) if M[i, j] else "")
            wrong = self.misassigned_[i, j]
            text.set_color(self._mistake_color if wrong else ("white" if light[i, j] else "black"))
            text.set_fontweight("bold" if wrong else "normal")
        self.ax_.set_title(f"purity {purity:.3f}, {int(M[self.misassigned_].sum())} of {int(total)} misassigned")

    def update(self, contingency, *, purity=None):
        """Show another contingency matrix of the same shape in the same artists.

        Parameters
        ----------
        contingency : array-like of int of shape (n_classes, n_clusters)
        purity : float, optional
            Shown in the title; by default computed from the matrix.

        Returns
        -------
        self
        """
        require_plotted(self, "im_")
        M = self._prepare(contingency)
        if M.shape != self.texts_.shape:
            raise ValueError(
                f"This ClusteringDisplay shows a {self.texts_.shape} matrix; got shape {M.shape}. Create it with "
                "from_predictions(..., n_clusters=k) to fix the columns, or make a new display."
            )
        self.contingency, self.purity = contingency, purity
        self._show(M, purity)
        return self

    def update_from_predictions(self, labels_true, labels_pred):
        """Show another clustering of the same classes and cluster labels.

        Parameters
        ----------
        labels_true, labels_pred : array-like of shape (N,)
            As in :meth:`from_predictions`; their values must be among the display's rows and columns.

        Returns
        -------
        self
        """
        if not hasattr(self, "_classes"):
            raise ValueError("update_from_predictions needs a display made by ClusteringDisplay.from_predictions.")
        table = self._contingency(labels_true, labels_pred, self._classes, self._clusters)
        return self.update(table, purity=purity_score(labels_true, labels_pred))


#: What :class:`PurityDisplay` draws, in its legend.
_BAR_LABEL = "bar: mean over repeats"
_STD_LABEL = "black: ± std over repeats"
_INTERVAL_LABEL = "grey: 95 % bootstrap interval over networks"


def _interval_table(intervals, methods, owner):
    """(lows, highs), each of shape (M,) in the order of ``methods``; NaN where there is no interval."""
    lows, highs = np.full(len(methods), np.nan), np.full(len(methods), np.nan)
    if intervals is None:
        return lows, highs
    if not isinstance(intervals, Mapping):
        raise ValueError(f"{owner} needs intervals as a dict of method -> (low, high); got {type(intervals).__name__}.")
    unknown = [key for key in intervals if key not in methods]
    if unknown:
        raise ValueError(f"{owner}: intervals of {unknown} name no plotted method; the methods are {list(methods)}.")
    for i, method in enumerate(methods):
        value = intervals.get(method)
        try:
            pair = np.asarray([np.nan, np.nan] if value is None else value, dtype=float).ravel()
        except (TypeError, ValueError):
            pair = None
        if pair is None or pair.shape != (2,):
            raise ValueError(f"{owner}: the interval of {method!r} must be a pair (low, high) or None; got {value!r}.")
        if np.all(np.isfinite(pair)):
            if pair[0] > pair[1]:
                raise ValueError(f"{owner}: the interval of {method!r} has low {pair[0]} above high {pair[1]}.")
            lows[i], highs[i] = pair
    return lows, highs


def _note_table(notes, methods, owner):
    """The label of each method's empty slot, in the order of ``methods``: its note, or "skipped"."""
    if notes is None:
        return ["skipped"] * len(methods)
    if not isinstance(notes, Mapping):
        raise ValueError(f"{owner} needs notes as a dict of method -> str, e.g. {{'CKA': 'n/a'}}; got "
                         f"{type(notes).__name__}.")
    unknown = [key for key in notes if key not in methods]
    if unknown:
        raise ValueError(f"{owner}: notes of {unknown} name no plotted method; the methods are {list(methods)}.")
    bad = {key: value for key, value in notes.items() if not isinstance(value, str)}
    if bad:
        raise ValueError(f"{owner}: notes must be strings such as 'n/a' or 'skipped'; got {bad!r}.")
    return [notes.get(method, "skipped") for method in methods]


class PurityDisplay:
    """Clustering purity per method: bars with ± std error bars and 95 % bootstrap intervals.

    The paper's tables as a figure. A bar is the mean purity over clustering repeats, the thin black
    segment its ± std over repeats, and the thick grey segment beside it the 95 % bootstrap interval
    over networks (how much the purity depends on which networks were drawn), where one is given.
    A method without a score is an empty slot labelled with its note ("skipped" by default, "n/a" for
    a method that does not apply to the study).

    Parameters
    ----------
    scores : dict of str to (float, float) or None
        Method -> (mean purity, std over repeats); None or NaN for a method without a score.
    intervals : dict of str to (float, float) or None, optional
        Method -> (low, high) of the 95 % bootstrap interval of purity; None or NaN: not drawn.
        Methods left out have no interval.
    notes : dict of str to str, optional
        Method -> label of its empty slot when it has no score, e.g. ``{"CKA": "n/a"}``; default
        "skipped".
    title : str, default="Clustering purity"
    chance : float, optional
        Draw a dotted line at this purity, e.g. the largest class share.

    Attributes
    ----------
    bars_ : matplotlib.container.BarContainer
        One rectangle per method; its height is the mean purity (0 without a score).
    errorbars_ : matplotlib.collections.LineCollection
        One vertical segment per method from mean - std to mean + std.
    intervals_ : matplotlib.collections.LineCollection
        One thick vertical segment per method from low to high, right of the bar's centre; an empty
        segment where there is no interval.
    texts_ : list of matplotlib.text.Text
        The mean above each bar, or the note of a method without a score.
    legend_ : matplotlib.legend.Legend
        Says what the bar and the black segments are, and the grey ones while an interval is shown.
    methods_ : list of str
    ax_, figure_ : the axes and figure drawn on.

    Examples
    --------
    >>> from fcviz.viz import PurityDisplay
    >>> display = PurityDisplay({"Top": (0.9, 0.05), "Adj": (0.6, 0.1), "CKA": None},
    ...                         intervals={"Top": (0.8, 0.97)}, notes={"CKA": "n/a"}).plot()
    >>> display.intervals_.get_segments()[0][:, 1].tolist(), display.texts_[2].get_text()
    ([0.8, 0.97], 'n/a')
    """

    #: x offset of the interval segment from the bar's centre (the bar is 0.7 wide).
    _INTERVAL_OFFSET = 0.2

    def __init__(self, scores, *, intervals=None, notes=None, title="Clustering purity", chance=None):
        self.scores = scores
        self.intervals = intervals
        self.notes = notes
        self.title = title
        self.chance = chance

    @classmethod
    def from_study(cls, result, *, title=None, ax=None, **plot_kw):
        """Draw the purity columns of a :class:`fcviz.studies.StudyResult`.

        Parameters
        ----------
        result : StudyResult
            Its ``table`` rows give ``purity_mean`` and ``purity_std`` (NaN for methods without a
            score), ``purity_ci_low`` and ``purity_ci_high`` (the bootstrap interval, NaN when not
            computed) and ``status``: a method whose status starts with "n/a" is labelled "n/a", one
            that starts with "skipped" is labelled "skipped".
        title : str, optional
            Default: "Clustering purity" with the study's dataset when known.
        ax : matplotlib.axes.Axes, optional
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        PurityDisplay
            Plotted, with a dotted line at the largest class share (the purity of one cluster).
        """
        table = getattr(result, "table", None)
        if not isinstance(table, list) or not all(isinstance(r, Mapping) and "purity_mean" in r for r in table):
            raise ValueError(
                f"from_study needs a fcviz.studies.StudyResult (rows with method, purity_mean, purity_std); got "
                f"{type(result).__name__}. For plain numbers use PurityDisplay({{method: (mean, std)}})."
            )
        scores = {r["method"]: (r["purity_mean"], r["purity_std"]) for r in table}
        intervals = {r["method"]: (r.get("purity_ci_low", np.nan), r.get("purity_ci_high", np.nan)) for r in table}
        notes = {}
        for r in table:
            status = str(r.get("status", ""))
            if status.startswith(("n/a", "skipped")):
                notes[r["method"]] = "n/a" if status.startswith("n/a") else "skipped"
        labels = np.asarray(getattr(result, "labels_true", []))
        chance = float(np.unique(labels, return_counts=True)[1].max() / labels.size) if labels.size else None
        settings = getattr(result, "settings", {})
        about = ", ".join(str(v).replace("_", " ") for v in (settings.get("dataset"), settings.get("study")) if v)
        title = title or ("Clustering purity" + (f" ({about})" if about else ""))
        return cls(scores, intervals=intervals, notes=notes, title=title, chance=chance).plot(ax=ax, **plot_kw)

    def _tables(self, scores, intervals, notes):
        owner = type(self).__name__
        methods, means, stds = _mean_std_table(scores, owner)
        lows, highs = _interval_table(intervals, methods, owner)
        return methods, means, stds, lows, highs, _note_table(notes, methods, owner)

    def plot(self, ax=None, *, color="C0", ecolor="black", icolor="0.45"):
        """Draw the bars, the ± std segments, the intervals and the legend.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
        color : color, default="C0"
            Colour of the bars.
        ecolor : color, default="black"
            Colour of the ± std segments.
        icolor : color, default="0.45"
            Colour of the bootstrap intervals (drawn semi-transparent and thicker).

        Returns
        -------
        self
        """
        from matplotlib.collections import LineCollection

        methods, means, stds, lows, highs, notes = self._tables(self.scores, self.intervals, self.notes)
        self.figure_, (self.ax_,) = resolve_axes(ax, 1, owner=type(self).__name__,
                                                 figsize=(0.7 * len(methods) + 2.5, 3.6))
        ax = self.ax_
        x = np.arange(len(methods))
        self.methods_ = [str(m) for m in methods]
        self.bars_ = ax.bar(x, np.zeros(len(methods)), width=0.7, color=color, label=_BAR_LABEL)
        self.intervals_ = LineCollection([], colors=icolor, linewidths=5, alpha=0.7, capstyle="butt",
                                         label=_INTERVAL_LABEL, zorder=2.5)
        ax.add_collection(self.intervals_, autolim=False)
        self.errorbars_ = LineCollection([], colors=ecolor, linewidths=1.2, label=_STD_LABEL, zorder=2.6)
        ax.add_collection(self.errorbars_, autolim=False)
        self.texts_ = [ax.text(i, 0.0, "", ha="center", va="bottom", fontsize=8) for i in x]
        self._chance_line = (None if self.chance is None
                             else ax.axhline(self.chance, color="0.4", ls=":", lw=1, label="largest class share"))
        self.legend_ = None
        ax.set_xticks(x, self.methods_)
        ax.set_xlim(-0.6, len(methods) - 0.4)
        # Room above a purity of 1 for the numbers and the legend; the ticks stop at 1.
        ax.set_ylim(0.0, 1.5)
        ax.set_yticks(np.linspace(0.0, 1.0, 6))
        ax.set_ylabel("purity")
        if self.title:
            ax.set_title(self.title)
        self._show(means, stds, lows, highs, notes)
        register_display(ax, self)
        return self

    def _show(self, means, stds, lows, highs, notes):
        segments, spans = [], []
        for i, (bar, text, mean, std, low, high, note) in enumerate(
                zip(self.bars_, self.texts_, means, stds, lows, highs, notes)):
            missing = not np.isfinite(mean)
            has_interval = np.isfinite(low) and np.isfinite(high)
            bar.set_height(0.0 if missing else mean)
            text.set_text(note if missing else f"{mean:.2f}")
            top = -np.inf if missing else mean + std
            if has_interval:
                top = max(top, high)
            text.set_y(0.02 if not np.isfinite(top) else min(top, 1.05) + 0.01)
            segments.append([(i, mean - std), (i, mean + std)] if not missing else [(i, 0.0), (i, 0.0)])
            xi = i + self._INTERVAL_OFFSET
            spans.append([(xi, low), (xi, high)] if has_interval else [(xi, np.nan), (xi, np.nan)])
        self.errorbars_.set_segments(segments)
        self.intervals_.set_segments(spans)
        self._legend(bool(np.any(np.isfinite(lows) & np.isfinite(highs))))

    def _legend(self, with_intervals):
        """Name what is drawn; the grey interval only when one is shown (one legend, replaced on change)."""
        if self.legend_ is not None and self._legend_intervals == with_intervals:
            return
        handles = [self.bars_, self.errorbars_] + ([self.intervals_] if with_intervals else [])
        handles += [self._chance_line] if self._chance_line is not None else []
        self.legend_ = self.ax_.legend(handles=handles, loc="upper left", fontsize=7, frameon=False,
                                       borderaxespad=0.3, handlelength=1.5)
        self._legend_intervals = with_intervals

    def update(self, scores, intervals=None, *, notes=None):
        """Show new scores of the same methods in the same bars.

        Parameters
        ----------
        scores : dict of str to (float, float) or None
            The same methods as plotted.
        intervals : dict of str to (float, float) or None, optional
            The new scores' bootstrap intervals; None draws none (the old ones belong to the old scores).
        notes : dict of str to str, optional
            Labels of methods without a score; None labels them "skipped".

        Returns
        -------
        self
        """
        require_plotted(self, "bars_")
        methods, means, stds, lows, highs, labels = self._tables(scores, intervals, notes)
        if [str(m) for m in methods] != self.methods_:
            raise ValueError(f"PurityDisplay shows methods {self.methods_}; got {list(methods)}. Make a new display.")
        self.scores, self.intervals, self.notes = scores, intervals, notes
        self._show(means, stds, lows, highs, labels)
        return self


#: x label of :class:`PurityWeightDisplay` for the relative weight of Top clustering.
_TOP_WEIGHT_LABEL = "topological weight w (0: edge weights only, 1: topology only)"
#: x label of :meth:`PurityWeightDisplay.from_curve` for the birth weight of the topological distance.
_BIRTH_WEIGHT_LABEL = "birth weight β (0: deaths only, 1: births only)"


def _check_reference(reference, owner):
    """``reference`` as (float, str), or None."""
    if reference is None:
        return None
    try:
        value, label = reference
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{owner} needs reference as a pair (purity, label), e.g. (0.8, \"paper's distance\"); "
                         f"got {reference!r}.") from None
    if not isinstance(label, str):
        raise ValueError(f"{owner}: the label of reference must be a string; got {label!r}.")
    return value, label


class PurityWeightDisplay:
    """Purity against a weight of the clustering: mean line, ± std band and an optional reference.

    By default the weight is ``top_relative_weight`` w of Top clustering (0: Adj, k-means on edge
    weights; 1: Top); :meth:`from_curve` draws purity against the ``birth_weight`` β of the
    topological distance instead (0: deaths only, 1: births only), with the purity of the paper's
    distance as a dashed reference line.

    Parameters
    ----------
    weights : array-like of shape (W,)
        The weights on the x axis.
    means, stds : array-like of shape (W,)
        Purity over repeats at each weight.
    label : str, default="Top clustering"
    title : str, default="Purity against the topological weight"
    xlabel : str, optional
        Default: "topological weight w (0: edge weights only, 1: topology only)".
    reference : (float, str), optional
        A purity to compare with and its legend label, drawn as a dashed horizontal line, e.g. the
        purity with the paper's distance. A NaN purity draws nothing.

    Attributes
    ----------
    line_ : matplotlib.lines.Line2D
        x = weights, y = means.
    band_ : matplotlib.collections.PolyCollection
        means ± stds.
    reference_ : matplotlib.lines.Line2D or None
        The dashed reference line (y = its purity), None without a reference.
    legend_ : matplotlib.legend.Legend or None
        Names the curve and the reference; None without a reference.
    ax_, figure_ : the axes and figure drawn on.

    Examples
    --------
    >>> from fcviz.viz import PurityWeightDisplay
    >>> display = PurityWeightDisplay([0, 0.5, 1], [0.5, 0.8, 0.7], [0.1, 0.05, 0.0],
    ...                               reference=(0.75, "paper's distance")).plot()
    >>> list(display.reference_.get_ydata())
    [0.75, 0.75]
    """

    def __init__(self, weights, means, stds, *, label="Top clustering", title="Purity against the topological weight",
                 xlabel=None, reference=None):
        self.weights = weights
        self.means = means
        self.stds = stds
        self.label = label
        self.title = title
        self.xlabel = xlabel
        self.reference = reference

    @classmethod
    def from_scores(cls, scores, *, ax=None, **kwargs):
        """Draw a dict weight -> (mean, std) of purities (sorted by weight).

        Parameters
        ----------
        scores : dict of float to (float, float)
            Weight -> (mean purity, std over repeats).
        ax : matplotlib.axes.Axes, optional
        **kwargs
            Passed to the constructor (``label``, ``title``, ``xlabel``, ``reference``).

        Returns
        -------
        PurityWeightDisplay
            Plotted.
        """
        keys, means, stds = _mean_std_table(scores, cls.__name__)
        order = np.argsort(np.asarray(keys, dtype=float))
        return cls(np.asarray(keys, dtype=float)[order], means[order], stds[order], **kwargs).plot(ax=ax)

    @classmethod
    def from_curve(cls, curve, *, ax=None, **kwargs):
        """Draw purity against the birth weight β, e.g. of ``fcviz.studies.birth_weight_curve(...)``.

        Parameters
        ----------
        curve : BirthWeightCurve or object with the same attributes
            ``birth_weights``: ndarray of shape (K,), the values of β; ``purity_mean`` and
            ``purity_std``: ndarray of shape (K,), Top purity over repeats at each β;
            ``paper_purity``: float, the mean purity with the paper's distance (``birth_weight=None``),
            NaN when not computed; ``settings``: dict with the ``"study"`` and ``"dataset"`` names.
        ax : matplotlib.axes.Axes, optional
        **kwargs
            Passed to the constructor; they replace the defaults below.

        Returns
        -------
        PurityWeightDisplay
            Plotted, with the β x label, a title naming the dataset and the study, and the paper's
            purity as the dashed reference line when it is finite.
        """
        names = ("birth_weights", "purity_mean", "purity_std", "paper_purity")
        missing = [name for name in names if not hasattr(curve, name)]
        if missing:
            raise ValueError(
                f"from_curve needs a fcviz.studies.BirthWeightCurve (attributes {list(names)} and settings); got "
                f"{type(curve).__name__} without {missing}. For plain numbers use "
                "PurityWeightDisplay(weights, means, stds, xlabel=...)."
            )
        settings = getattr(curve, "settings", None) or {}
        context = ", ".join(str(settings[key]).replace("_", " ") for key in ("dataset", "study") if settings.get(key))
        paper = float(curve.paper_purity)
        options = {
            "label": "Top clustering, β-weighted distance",
            "title": "Purity against the birth weight β" + (f"\n({context})" if context else ""),
            "xlabel": _BIRTH_WEIGHT_LABEL,
            "reference": (paper, "paper's distance (births + deaths summed)") if np.isfinite(paper) else None,
            **kwargs,
        }
        return cls(curve.birth_weights, curve.purity_mean, curve.purity_std, **options).plot(ax=ax)

    def _prepare(self, weights, means, stds):
        arrays = [np.asarray(a, dtype=float) for a in (weights, means, stds)]
        if any(a.ndim != 1 for a in arrays) or len({a.size for a in arrays}) != 1 or arrays[0].size == 0:
            raise ValueError(
                "PurityWeightDisplay needs weights, means and stds as 1-D arrays of one equal, non-zero length; got "
                f"shapes {[a.shape for a in arrays]}."
            )
        return arrays

    @staticmethod
    def _band(w, m, s):
        return np.concatenate([np.column_stack([w, m + s]), np.column_stack([w[::-1], (m - s)[::-1]])])

    def plot(self, ax=None, *, color="C0", band_alpha=0.25, marker="o"):
        """Draw the curve, its band and the reference line.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
        color : color, default="C0"
        band_alpha : float, default=0.25
        marker : str, default="o"

        Returns
        -------
        self
        """
        from matplotlib.collections import PolyCollection

        w, m, s = self._prepare(self.weights, self.means, self.stds)
        reference = _check_reference(self.reference, type(self).__name__)
        self.figure_, (self.ax_,) = resolve_axes(ax, 1, owner=type(self).__name__)
        ax = self.ax_
        (self.line_,) = ax.plot(w, m, color=color, marker=marker, label=self.label)
        self.band_ = PolyCollection([self._band(w, m, s)], facecolors=color, alpha=band_alpha, linewidths=0)
        ax.add_collection(self.band_, autolim=False)
        self.reference_ = self.legend_ = None
        if reference is not None:
            self.reference_ = ax.axhline(reference[0], color="0.3", ls="--", lw=1.2, label=reference[1])
            self.legend_ = ax.legend(handles=[self.line_, self.reference_], fontsize=8, frameon=False)
        ax.set_xlabel(_TOP_WEIGHT_LABEL if self.xlabel is None else self.xlabel)
        ax.set_ylabel("purity (mean ± std)")
        if self.title:
            ax.set_title(self.title)
        self._limits(w)
        register_display(ax, self)
        return self

    def _limits(self, w):
        lo, hi = float(w.min()), float(w.max())
        pad = 0.03 * (hi - lo) if hi > lo else 0.05
        self.ax_.set_xlim(lo - pad, hi + pad)
        self.ax_.set_ylim(0.0, 1.05)

    def update(self, weights=None, means=None, stds=None, *, reference=None):
        """Move the curve, band and reference line in place; omitted values keep their current ones.

        Parameters
        ----------
        weights, means, stds : array-like of shape (W,), optional
        reference : (float, str), optional
            New purity and label of the reference line; the display must have been plotted with one.

        Returns
        -------
        self
        """
        require_plotted(self, "line_")
        new = [old if a is None else a for a, old in zip((weights, means, stds), (self.weights, self.means, self.stds))]
        w, m, s = self._prepare(*new)
        if reference is not None:
            if self.reference_ is None:
                raise ValueError("This PurityWeightDisplay has no reference line; make a new display with "
                                 "reference=(purity, label).")
            value, label = _check_reference(reference, type(self).__name__)
            self.reference_.set_ydata([value, value])
            self.reference_.set_label(label)
            self.legend_.get_texts()[1].set_text(label)
            self.reference = reference
        self.weights, self.means, self.stds = new
        self.line_.set_data(w, m)
        self.band_.set_verts([self._band(w, m, s)])
        self._limits(w)
        return self
