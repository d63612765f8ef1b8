"""What every display shares: pyplot-free figures, PNG bytes, and the checks of display input.

A display draws on axes it is given or, when none are given, on a new :class:`matplotlib.figure.Figure`
made here without pyplot: no global figure list holds it (it is freed with the display) and no
backend is touched, so the same code runs in a notebook, a widget and a test.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from weakref import WeakKeyDictionary

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure, FigureBase

from ..._validation import check_option  # re-exported: the one validator of choices

__all__ = [
    "figure_to_png",
    "new_figure",
    "resolve_axes",
    "register_display",
    "display_on",
    "check_option",
    "check_square",
    "check_labels",
    "check_permutation",
    "require_plotted",
]

# Axes -> the display drawn on it last; lets the plot_* wrappers update instead of piling up.
_DISPLAYS = WeakKeyDictionary()


def new_figure(ncols=1, *, figsize=None):
    """A pyplot-free figure with ``ncols`` axes side by side.

    Parameters
    ----------
    ncols : int, default=1
        Number of axes in one row.
    figsize : (float, float), optional
        Width and height in inches; by default 4.2 inches of width per axes and 3.8 of height.

    Returns
    -------
    figure : matplotlib.figure.Figure
        With an Agg canvas and the "compressed" layout (the constrained layout made for heat maps
        and other fixed-aspect axes: unlike "constrained", it settles after the first renders instead
        of shifting a heat map with a colour bar a little at every render); not known to pyplot.
    axes : list of matplotlib.axes.Axes
        ``ncols`` axes, left to right.
    """
    fig = Figure(figsize=figsize or (4.2 * ncols, 3.8), layout="compressed")
    FigureCanvasAgg(fig)  # attaches itself as fig.canvas
    return fig, list(fig.subplots(1, ncols, squeeze=False)[0])


def figure_to_png(figure, dpi=100):
    """Render a figure (or a display's figure) to PNG bytes, e.g. for an ``ipywidgets.Image``.

    Parameters
    ----------
    figure : matplotlib.figure.Figure or display
        A figure, or a plotted display (its ``figure_`` is rendered).
    dpi : float, default=100
        Resolution in dots per inch.

    Returns
    -------
    bytes
        The PNG file. Rendering goes through an Agg canvas into memory: no file, no pyplot, and the
        figure's own canvas (an ipympl one, say) is left in place.

    Raises
    ------
    TypeError
        If ``figure`` is neither a figure nor a plotted display.
    ValueError
        If ``dpi`` is not a positive number.

    Examples
    --------
    >>> from fcviz.viz import figure_to_png, new_figure
    >>> fig, (ax,) = new_figure()
    >>> figure_to_png(fig, dpi=20)[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    fig = getattr(figure, "figure_", figure)
    if not isinstance(fig, FigureBase):
        raise TypeError(
            f"figure_to_png needs a matplotlib Figure or a plotted display; got {type(figure).__name__}. "
            "Call display.plot() first, or pass display.figure_."
        )
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float, np.integer, np.floating)) or not dpi > 0:
        raise ValueError(f"dpi must be a positive number; got {dpi!r}.")
    buffer = BytesIO()
    # savefig prints through the Agg canvas of new_figure's figures; any other canvas is swapped for
    # an Agg one for the duration of the call and then restored.
    fig.figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def resolve_axes(ax, n_axes, *, owner, figsize=None, hint=""):
    """The figure and list of axes a display draws on: the given ones, or a new pyplot-free figure.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, sequence of Axes or None
        One Axes when ``n_axes == 1``; a sequence of ``n_axes`` Axes otherwise.
    n_axes : int
        How many axes the display needs.
    owner : str
        The display's name, for messages.
    figsize : (float, float), optional
        Size of a new figure.
    hint : str, default=""
        How to call the display with fewer axes, appended to the message.

    Returns
    -------
    figure : matplotlib.figure.Figure
    axes : list of matplotlib.axes.Axes
    """
    if ax is None:
        return new_figure(n_axes, figsize=figsize)
    axes = [ax] if isinstance(ax, Axes) else list(ax) if isinstance(ax, (Sequence, np.ndarray)) else None
    if axes is None or len(axes) != n_axes or not all(isinstance(a, Axes) for a in axes):
        got = (type(ax).__name__ if axes is None
               else f"{len(axes)} object(s) of types {[type(a).__name__ for a in axes]}")
        expected = "one matplotlib Axes" if n_axes == 1 else f"a sequence of {n_axes} matplotlib Axes"
        if isinstance(ax, Axes):
            got = "one Axes"
        raise ValueError(f"{owner}.plot draws on {expected}; got {got}. {hint}".rstrip())
    return axes[0].figure, axes


def register_display(ax, display):
    """Remember that ``display`` was drawn on ``ax`` last (see :func:`display_on`)."""
    _DISPLAYS[ax] = display


def display_on(ax, cls):
    """The display of class ``cls`` drawn on ``ax`` last, if its image is still there; else None."""
    display = _DISPLAYS.get(ax) if ax is not None else None
    if not isinstance(display, cls) or getattr(display, "im_", None) not in ax.get_children():
        return None
    return display


def check_square(matrix, name, *, owner):
    """A float64 copy of a finite square matrix, or a ValueError that says what was wrong."""
    try:
        M = np.array(matrix, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{owner} needs {name} as a numeric (N, N) array; could not convert it: {exc}") from None
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] == 0:
        hint = " Pass one matrix, e.g. graphs[0], not a stack." if M.ndim == 3 else ""
        raise ValueError(f"{owner} needs {name} as a square (N, N) matrix; got shape {M.shape}.{hint}")
    if not np.all(np.isfinite(M)):
        bad = np.argwhere(~np.isfinite(M))[0]
        raise ValueError(f"{owner} needs finite {name}; got {M[tuple(bad)]} at position {tuple(bad.tolist())}.")
    return M


def check_labels(labels, n, name, *, owner):
    """``labels`` as an array of length ``n``, or None; ValueError for another length."""
    if labels is None:
        return None
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != n:
        raise ValueError(f"{owner} got {name} of shape {labels.shape} for {n} items; pass one per item.")
    return labels


def check_permutation(order, n, *, expected="a permutation of range(n)"):
    """``order`` as an index array that reorders ``n`` items, or a ValueError naming ``expected``."""
    perm = np.asarray(order)
    if perm.shape != (n,) or not np.array_equal(np.sort(perm), np.arange(n)):
        raise ValueError(
            f"order must be {expected.replace('range(n)', f'range({n})')}; got an array of shape {perm.shape}"
            f"{'' if perm.shape != (n,) else ' that is not a permutation'}."
        )
    return perm


def require_plotted(display, artist):
    """Raise the ValueError of ``update`` on a display whose ``plot()`` has not run (no ``artist`` yet)."""
    if not hasattr(display, artist):
        name = type(display).__name__
        raise ValueError(f"{name}.update needs a plotted display; call plot() first.")
