"""Matplotlib figures of connectomes, birth and death sets, barycenters and distance matrices.

Thin wrappers over the display objects of :mod:`fcviz.viz.displays`, kept for notebooks: each builds a display,
draws it on the axes it is given (``ax=``) and returns the axes. Without ``ax`` they create a *pyplot*
figure, so that a notebook shows it inline (the displays themselves never use pyplot). They never call
``plt.show`` or change global style. Widgets and code that redraw should use the displays, whose
``update`` changes the drawn artists in place.
"""

from __future__ import annotations

from ..._validation import check_option
from ...homology import Persistence, as_persistence
from .curves import PersistenceDisplay
from .matrices import ConnectomeDisplay, DistanceMatrixDisplay
from .base import check_labels, check_square, display_on

__all__ = ["plot_connectome", "plot_persistence", "plot_distance_matrix"]


def _axes(ax):
    """The given axes, or those of a new pyplot figure (shown inline by a notebook)."""
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

    Notes
    -----
    Draws a :class:`fcviz.viz.ConnectomeDisplay`. Called again on axes that already show a connectome
    drawn this way, it replaces that image's data in place (and the title, when given) instead of
    stacking a second image and colour bar: the first call's ``boundaries``, ``cmap`` and colour bar
    stay.
    """
    check_square(graph, "graph", owner="plot_connectome")
    existing = display_on(ax, ConnectomeDisplay)
    if existing is not None:
        existing.update(graph, title=title)
        return ax
    ax = _axes(ax)
    ConnectomeDisplay(graph, boundaries=boundaries, title=title or None).plot(ax=ax, cmap=cmap, colorbar=colorbar)
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

    Notes
    -----
    Draws a :class:`fcviz.viz.PersistenceDisplay` with ``which``. Calls on the same axes overlay,
    which is how several groups are compared; use the display's ``update`` to redraw instead.
    """
    check_option(which, "which", ("births", "deaths"))
    P = items if isinstance(items, Persistence) else as_persistence(items)
    ax = _axes(ax)
    display = PersistenceDisplay(P, names=None if label is None else [label], colors=[color], which=which)
    display.plot(ax=ax, band=band, band_alpha=alpha, legend=label is not None)
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

    Notes
    -----
    Draws a :class:`fcviz.viz.DistanceMatrixDisplay`. Called again on axes that already show a matrix
    drawn this way, it updates that display in place (data, labels, title) instead of stacking a second
    image and colour bar; the first call's ``cmap`` and colour bar stay.
    """
    D = check_square(D, "distances", owner="plot_distance_matrix")
    check_labels(labels, D.shape[0], "labels", owner="plot_distance_matrix")
    existing = display_on(ax, DistanceMatrixDisplay)
    if existing is not None:
        existing.update(D, labels=labels, title=title)
        return ax
    ax = _axes(ax)
    DistanceMatrixDisplay(D, labels=labels, title=title).plot(ax=ax, cmap=cmap, colorbar=colorbar)
    return ax
