"""Displays of study results.

A clustering's contingency matrix (:class:`ClusteringDisplay`), purity per method
(:class:`PurityDisplay`), purity against the topological weight (:class:`PurityWeightDisplay`) and the
time of one distance against graph size (:class:`RuntimeDisplay`, the paper's Figure 3).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..clustering import purity_score
from .base import register_display, resolve_axes

__all__ = ["ClusteringDisplay", "PurityDisplay", "PurityWeightDisplay", "RuntimeDisplay"]


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
        if not hasattr(self, "im_"):
            raise ValueError("ClusteringDisplay.update needs a plotted display; call plot() first.")
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


class PurityDisplay:
    """Clustering purity per method as bars with ± std error bars (the paper's tables as a figure).

    Parameters
    ----------
    scores : dict of str to (float, float) or None
        Method -> (mean purity, std over repeats); None or NaN for a method that was not run (drawn
        as an empty slot labelled "skipped").
    title : str, default="Clustering purity"
    chance : float, optional
        Draw a dotted line at this purity, e.g. the largest class share.

    Attributes
    ----------
    bars_ : matplotlib.container.BarContainer
        One rectangle per method; its height is the mean purity (0 when skipped).
    errorbars_ : matplotlib.collections.LineCollection
        One vertical segment per method from mean - std to mean + std.
    texts_ : list of matplotlib.text.Text
        The mean above each bar ("skipped" for missing scores).
    methods_ : list of str
    ax_, figure_ : the axes and figure drawn on.
    """

    def __init__(self, scores, *, title="Clustering purity", chance=None):
        self.scores = scores
        self.title = title
        self.chance = chance

    @classmethod
    def from_study(cls, result, *, title=None, ax=None, **plot_kw):
        """Draw the purity column of a :class:`fcviz.studies.StudyResult`.

        Parameters
        ----------
        result : StudyResult
            Its ``table`` rows give ``purity_mean`` and ``purity_std`` (NaN for skipped methods).
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
        labels = np.asarray(getattr(result, "labels_true", []))
        chance = float(np.unique(labels, return_counts=True)[1].max() / labels.size) if labels.size else None
        dataset = getattr(result, "settings", {}).get("dataset")
        title = title or ("Clustering purity" + (f" ({dataset})" if dataset else ""))
        return cls(scores, title=title, chance=chance).plot(ax=ax, **plot_kw)

    def plot(self, ax=None, *, color="C0", ecolor="black"):
        """Draw the bars.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
        color : color, default="C0"
        ecolor : color, default="black"
            Colour of the error bars.

        Returns
        -------
        self
        """
        from matplotlib.collections import LineCollection

        methods, means, stds = _mean_std_table(self.scores, type(self).__name__)
        self.figure_, (self.ax_,) = resolve_axes(ax, 1, owner=type(self).__name__,
                                                 figsize=(0.7 * len(methods) + 2.5, 3.6))
        ax = self.ax_
        x = np.arange(len(methods))
        self.methods_ = [str(m) for m in methods]
        self.bars_ = ax.bar(x, np.zeros(len(methods)), width=0.7, color=color)
        self.errorbars_ = LineCollection([], colors=ecolor, linewidths=1.2)
        ax.add_collection(self.errorbars_, autolim=False)
        self.texts_ = [ax.text(i, 0.0, "", ha="center", va="bottom", fontsize=8) for i in x]
        if self.chance is not None:
            ax.axhline(self.chance, color="0.4", ls=":", lw=1)
        ax.set_xticks(x, self.methods_)
        ax.set_xlim(-0.6, len(methods) - 0.4)
        ax.set_ylim(0.0, 1.1)
        ax.set_ylabel("purity (mean ± std)")
        if self.title:
            ax.set_title(self.title)
        self._show(means, stds)
        register_display(ax, self)
        return self

    def _show(self, means, stds):
        segments = []
        for i, (bar, text, mean, std) in enumerate(zip(self.bars_, self.texts_, means, stds)):
            missing = not np.isfinite(mean)
            bar.set_height(0.0 if missing else mean)
            text.set_text("skipped" if missing else f"{mean:.2f}")
            text.set_y(0.02 if missing else min(mean + std, 1.05) + 0.01)
            segments.append([(i, mean - std), (i, mean + std)] if not missing else [(i, 0.0), (i, 0.0)])
        self.errorbars_.set_segments(segments)

    def update(self, scores):
        """Show new scores of the same methods in the same bars.

        Parameters
        ----------
        scores : dict of str to (float, float) or None
            The same methods as plotted.

        Returns
        -------
        self
        """
        if not hasattr(self, "bars_"):
            raise ValueError("PurityDisplay.update needs a plotted display; call plot() first.")
        methods, means, stds = _mean_std_table(scores, type(self).__name__)
        if [str(m) for m in methods] != self.methods_:
            raise ValueError(f"PurityDisplay shows methods {self.methods_}; got {list(methods)}. Make a new display.")
        self.scores = scores
        self._show(means, stds)
        return self


class PurityWeightDisplay:
    """Purity against the relative topological weight w of Top clustering: mean line and ± std band.

    Parameters
    ----------
    weights : array-like of shape (W,)
        Values of ``top_relative_weight`` (0: Adj, k-means on edge weights; 1: Top).
    means, stds : array-like of shape (W,)
        Purity over repeats at each weight.
    label : str, default="Top clustering"
    title : str, default="Purity against the topological weight"

    Attributes
    ----------
    line_ : matplotlib.lines.Line2D
        x = weights, y = means.
    band_ : matplotlib.collections.PolyCollection
        means ± stds.
    ax_, figure_ : the axes and figure drawn on.
    """

    def __init__(self, weights, means, stds, *, label="Top clustering", title="Purity against the topological weight"):
        self.weights = weights
        self.means = means
        self.stds = stds
        self.label = label
        self.title = title

    @classmethod
    def from_scores(cls, scores, *, ax=None, **kwargs):
        """Draw a dict weight -> (mean, std) of purities (sorted by weight).

        Returns
        -------
        PurityWeightDisplay
            Plotted.
        """
        keys, means, stds = _mean_std_table(scores, cls.__name__)
        order = np.argsort(np.asarray(keys, dtype=float))
        return cls(np.asarray(keys, dtype=float)[order], means[order], stds[order], **kwargs).plot(ax=ax)

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
        """Draw the curve.

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
        self.figure_, (self.ax_,) = resolve_axes(ax, 1, owner=type(self).__name__)
        ax = self.ax_
        (self.line_,) = ax.plot(w, m, color=color, marker=marker, label=self.label)
        self.band_ = PolyCollection([self._band(w, m, s)], facecolors=color, alpha=band_alpha, linewidths=0)
        ax.add_collection(self.band_, autolim=False)
        ax.set_xlabel("topological weight w (0: edge weights only, 1: topology only)")
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

    def update(self, weights=None, means=None, stds=None):
        """Move the curve and band in place; omitted arrays keep their current values.

        Returns
        -------
        self
        """
        if not hasattr(self, "line_"):
            raise ValueError("PurityWeightDisplay.update needs a plotted display; call plot() first.")
        new = [old if a is None else a for a, old in zip((weights, means, stds), (self.weights, self.means, self.stds))]
        w, m, s = self._prepare(*new)
        self.weights, self.means, self.stds = new
        self.line_.set_data(w, m)
        self.band_.set_verts([self._band(w, m, s)])
        self._limits(w)
        return self


class RuntimeDisplay:
    """Seconds for one distance against the number of nodes, per method, on log–log axes (Figure 3).

    Parameters
    ----------
    timings : dict of str to (array-like of shape (S,), array-like of shape (S,))
        Method -> (node counts, seconds), as measured by ``benchmarks/bench_runtime.py``; NaN or None
        seconds (a size over the time budget) are left out of the line.
    title : str, default="Time for one distance"

    Attributes
    ----------
    lines_ : dict of str to matplotlib.lines.Line2D
        One line with markers per method.
    ax_, figure_ : the axes and figure drawn on.
    """

    def __init__(self, timings, *, title="Time for one distance"):
        self.timings = timings
        self.title = title

    @staticmethod
    def _prepare(timings):
        if not isinstance(timings, Mapping) or not timings:
            raise ValueError(
                f"RuntimeDisplay needs a non-empty dict of method -> (nodes, seconds); got {type(timings).__name__}."
            )
        out = {}
        for method, value in timings.items():
            try:
                nodes, seconds = value
            except (TypeError, ValueError):
                raise ValueError(
                    f"RuntimeDisplay: timings[{method!r}] must be a pair (nodes, seconds); got {value!r}."
                ) from None
            nodes = np.asarray(nodes, dtype=float)
            seconds = np.array([np.nan if t is None else t for t in np.ravel(seconds)], dtype=float)
            if nodes.ndim != 1 or nodes.shape != seconds.shape:
                raise ValueError(
                    f"RuntimeDisplay: timings[{method!r}] needs nodes and seconds of one equal length; got shapes "
                    f"{nodes.shape} and {seconds.shape}."
                )
            if np.any(nodes <= 0) or np.any(seconds <= 0):
                raise ValueError(
                    f"RuntimeDisplay: timings[{method!r}] must be positive for log axes; got nodes {nodes.tolist()} "
                    f"and seconds {seconds.tolist()} (use NaN or None for a size that was not measured)."
                )
            out[str(method)] = (nodes, seconds)
        return out

    def plot(self, ax=None, *, marker="o"):
        """Draw one line per method.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
        marker : str, default="o"

        Returns
        -------
        self
        """
        data = self._prepare(self.timings)
        self.figure_, (self.ax_,) = resolve_axes(ax, 1, owner=type(self).__name__)
        ax = self.ax_
        ax.set_xscale("log")
        ax.set_yscale("log")
        self.lines_ = {}
        for k, (method, (nodes, seconds)) in enumerate(data.items()):
            (self.lines_[method],) = ax.plot(nodes, seconds, marker=marker, color=f"C{k % 10}", label=method,
                                              lw=2.0 if method == "Top" else 1.3)
        ax.set_xlabel("nodes n")
        ax.set_ylabel("seconds")
        if self.title:
            ax.set_title(self.title)
        ax.legend(frameon=False, fontsize=8)
        self._limits()
        register_display(ax, self)
        return self

    def _limits(self):
        self.ax_.relim()
        self.ax_.autoscale_view()

    def update(self, timings):
        """Show new timings of the same methods in the same lines.

        Parameters
        ----------
        timings : dict of str to (nodes, seconds)
            The plotted methods (sizes may change).

        Returns
        -------
        self
        """
        if not hasattr(self, "lines_"):
            raise ValueError("RuntimeDisplay.update needs a plotted display; call plot() first.")
        data = self._prepare(timings)
        if list(data) != list(self.lines_):
            raise ValueError(f"RuntimeDisplay shows methods {list(self.lines_)}; got {list(data)}. Make a new display.")
        for method, (nodes, seconds) in data.items():
            self.lines_[method].set_data(nodes, seconds)
        self.timings = timings
        self._limits()
        return self
