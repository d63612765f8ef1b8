"""Matplotlib figures of connectomes, birth and death sets, barycenters and distance matrices.

Every function draws on the axes it is given (``ax=``), creates a figure only when none is given,
never calls ``plt.show`` or changes global style, and returns the axes so that callers (widgets,
notebooks, tests) can keep drawing or inspect what was drawn.
"""

from __future__ import annotations

import numpy as np

from .homology import Persistence
from .wasserstein import Barycenter, as_persistence

__all__ = ["plot_connectome", "plot_persistence", "plot_distance_matrix"]


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax


def plot_connectome(graph, ax=None, *, boundaries=None, title=None, cmap="magma", colorbar=True):
    """Draw a connectome as a heat map of its edge weights.

    Parameters
    ----------
    graph : array-like of shape (n, n)
        Edge weights in [0, 1] (e.g. |Pearson correlation| between hidden neurons).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created when omitted.
    boundaries : sequence of int, optional
        Node indices where a new layer starts; drawn as thin lines.
    title : str, optional
    cmap : str, default="magma"
    colorbar : bool, default=True

    Returns
    -------
    matplotlib.axes.Axes
        The image is ``ax.images[0]``.
    """
    A = np.asarray(graph, dtype=float)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"plot_connectome needs one square (n, n) graph; got shape {A.shape}.")
    ax = _axes(ax)
    image = ax.imshow(A, cmap=cmap, vmin=0.0, vmax=max(1.0, float(np.nanmax(A))), interpolation="nearest")
    for b in boundaries or ():
        ax.axhline(b - 0.5, color="white", lw=0.6)
        ax.axvline(b - 0.5, color="white", lw=0.6)
    ax.set_xlabel("neuron")
    ax.set_ylabel("neuron")
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label="|correlation|", fraction=0.046, pad=0.04)
    return ax


def plot_persistence(items, ax=None, *, which="births", label=None, color=None, band=True, alpha=0.25):
    """Draw sorted birth or death values against their normalised rank.

    One graph gives one curve; a batch gives one thin curve per graph; a :class:`Barycenter` gives
    its mean curve and, with ``band=True``, a shaded band of ± one standard deviation per rank.

    Parameters
    ----------
    items : Persistence, Barycenter or graph(s)
        What to draw; graphs are decomposed first.
    ax : matplotlib.axes.Axes, optional
    which : {"births", "deaths"}, default="births"
    label, color : optional
        Passed to the curve (the first curve only, for a batch).
    band : bool, default=True
        Shade ± std around a barycenter.
    alpha : float, default=0.25
        Opacity of the band.

    Returns
    -------
    matplotlib.axes.Axes
        Curves are in ``ax.lines`` with x = rank in [0, 1], y = sorted values.
    """
    if which not in ("births", "deaths"):
        raise ValueError(f"which must be 'births' or 'deaths'; got {which!r}.")
    P = items if isinstance(items, Persistence) else as_persistence(items)
    values = np.atleast_2d(getattr(P, which))
    ax = _axes(ax)
    size = values.shape[-1]
    rank = (np.arange(size) + 0.5) / size if size else np.array([])
    thin = P.is_batch and not isinstance(P, Barycenter)
    for i, curve in enumerate(values):
        (line,) = ax.plot(rank, curve, color=color, label=label if i == 0 else None,
                          lw=0.8 if thin else 1.8, alpha=0.6 if thin else 1.0)
        color = line.get_color()
    if isinstance(P, Barycenter) and band:
        std = getattr(P, f"{which}_std")
        ax.fill_between(rank, values[0] - std, values[0] + std, color=color, alpha=alpha, lw=0)
    ax.set_xlabel(f"rank of {which[:-1]} (normalised)")
    ax.set_ylabel(f"{which[:-1]} value (edge weight)")
    ax.set_title(f"{which[:-1].capitalize()} set")
    if label is not None:
        ax.legend(frameon=False)
    return ax


def plot_distance_matrix(D, ax=None, *, labels=None, title="Topological distance", cmap="viridis", colorbar=True):
    """Draw a pairwise distance matrix, with group boundaries when ``labels`` are given.

    Parameters
    ----------
    D : array-like of shape (N, N)
    ax : matplotlib.axes.Axes, optional
    labels : sequence of length N, optional
        Group of each item; items are expected sorted by group, and ticks mark each group.
    title : str, default="Topological distance"
    cmap : str, default="viridis"
    colorbar : bool, default=True

    Returns
    -------
    matplotlib.axes.Axes
    """
    D = np.asarray(D, dtype=float)
    if D.ndim != 2 or D.shape[0] != D.shape[1]:
        raise ValueError(f"plot_distance_matrix needs a square (N, N) matrix; got shape {D.shape}.")
    if labels is not None and len(labels) != D.shape[0]:
        raise ValueError(f"Got {len(labels)} labels for a {D.shape[0]}x{D.shape[0]} matrix; pass one per item.")
    ax = _axes(ax)
    image = ax.imshow(D, cmap=cmap, interpolation="nearest")
    if labels is not None:
        labels = np.asarray(labels)
        starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
        ends = np.r_[starts[1:], len(labels)]
        ax.set_xticks((starts + ends - 1) / 2, [str(labels[s]) for s in starts], rotation=45, ha="right")
        ax.set_yticks((starts + ends - 1) / 2, [str(labels[s]) for s in starts])
        for s in starts[1:]:
            ax.axhline(s - 0.5, color="white", lw=0.8)
            ax.axvline(s - 0.5, color="white", lw=0.8)
    ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return ax
