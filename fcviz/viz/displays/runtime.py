"""The time of one distance against graph size, per method, on log–log axes (the paper's Figure 3)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .base import register_display, require_plotted, resolve_axes

__all__ = ["RuntimeDisplay"]


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
        require_plotted(self, "lines_")
        data = self._prepare(timings)
        if list(data) != list(self.lines_):
            raise ValueError(f"RuntimeDisplay shows methods {list(self.lines_)}; got {list(data)}. Make a new display.")
        for method, (nodes, seconds) in data.items():
            self.lines_[method].set_data(nodes, seconds)
        self.timings = timings
        self._limits()
        return self
