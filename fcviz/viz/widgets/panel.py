"""A panel: one pyplot-free figure and the widget that shows it, with what makes a render cheap.

A :class:`Panel` owns one pyplot-free figure (from :func:`fcviz.viz.new_figure`) and the widget that
shows it: by default an ``ipywidgets.Image`` of fixed size, into which :meth:`Panel.render` writes the
figure as PNG bytes (works headless, in JupyterLab and in Voilà); optionally, when ipympl is installed
and ``backend="ipympl"`` is asked for, the figure's own ipympl canvas (redrawn with ``draw_idle``).
What makes a render cheap, each optional: the layout engine frozen after the first renders, a
bounded cache of PNG frames by key (a frame shown before is not drawn again), and blitting (only
the data artists drawn over the kept background: the same pixels as a full render).

:meth:`Panel.draw` makes the PNG bytes (drawing touches no widget) and :meth:`Panel.show` puts them
into the image, so that a widget can draw off its state lock and commit the bytes on it (see
:class:`fcviz.viz.widgets.base.Widget`); :meth:`Panel.render` does both.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from io import BytesIO

import ipywidgets as widgets
import numpy as np
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.image import imsave
from matplotlib.spines import Spine
from matplotlib.text import Text

from ..._validation import check_bool, check_int, check_option
from ..displays.base import figure_to_png, new_figure

__all__ = ["Panel", "ipympl_available", "BACKENDS", "require_ipympl"]

BACKENDS = ("image", "ipympl")


def ipympl_available():
    """Whether the optional ipympl package (interactive matplotlib widgets) can be imported."""
    try:
        import ipympl.backend_nbagg  # noqa: F401
    except ImportError:
        return False
    return True


class Panel:
    """One pyplot-free figure and the widget that shows it.

    Parameters
    ----------
    ncols : int, default=1
        Axes side by side in the figure.
    figsize : (float, float), optional
        Width and height in inches; the widget is ``figsize * dpi`` pixels and never changes size.
    dpi : int, default=100
        Pixels per inch of the rendered PNG.
    backend : {"image", "ipympl"}, default="image"
        ``"image"``: an ``ipywidgets.Image`` that :meth:`render` fills with PNG bytes.
        ``"ipympl"``: the figure gets an ipympl canvas (a widget with zoom and pan) that
        :meth:`render` redraws with ``draw_idle``; needs the ``ipympl`` package in the kernel and in
        JupyterLab's environment, and may render empty under Voilà.
    freeze_layout_after : int, optional
        Stop re-running the figure's layout engine after this many renders: the axes keep the
        positions the "compressed" layout found (it settles within a few renders), and a render
        takes roughly a third less time. Only for panels whose tick labels and titles keep their
        size; :meth:`reset` and :meth:`thaw` thaw the layout. Ignored under ipympl, whose canvas
        can be resized. Default: never frozen.
    cache_size : int, default=0
        Frames kept by :meth:`render` when it is given a ``key``: the PNG bytes of the last
        ``cache_size`` keys rendered (least recently shown dropped first), so that showing a key
        again swaps bytes instead of drawing. 0 keeps none. Ignored under ipympl.
    blit : bool, default=False
        Once the layout is frozen, keep the rendered background (everything but the artists that
        show data) and at later renders draw only those artists over it, while the background stays
        the same. The data artists: inside every axes its images, lines, collections, patches,
        texts and legend, with its spines and title; the figure's own texts (a suptitle). The
        background is drawn again whenever it may have changed: any axes' position, limits, scales,
        axis labels, tick positions or tick labels. The pixels are those of a full render (the data
        artists are drawn in the same order over the same background); a render takes a half to a
        third of the time. For figures whose other artists change only with those properties.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        Not known to pyplot.
    axes : list of matplotlib.axes.Axes
        The figure's axes, left to right (new ones after :meth:`reset`).
    displays : dict of str to display
        The displays drawn on the figure, by name (filled by the owner).
    image : ipywidgets.Image or None
        The PNG widget (None with the ipympl backend).
    widget : ipywidgets.DOMWidget
        What to place in a layout: ``image``, or the ipympl canvas.
    render_seconds_ : float or None
        Duration of the last :meth:`render` that drew.
    n_renders_ : int
        Number of renders that drew so far.
    frames_ : collections.OrderedDict
        The frame cache: key -> PNG bytes, least recently shown first; at most ``cache_size``.
    cache_hits_ : int
        Renders answered from ``frames_`` (no drawing).
    blits_ : int
        Renders that drew the data artists only, over the kept background (``blit=True``).

    Examples
    --------
    >>> from fcviz.viz.widgets.panel import Panel
    >>> panel = Panel(figsize=(2, 1.5), dpi=40)
    >>> _ = panel.axes[0].plot([0, 1], [1, 0])
    >>> bytes(panel.render().image.value[:4]), panel.image.layout.width
    (b'\\x89PNG', '80px')
    """

    def __init__(self, ncols=1, *, figsize=None, dpi=100, backend="image", freeze_layout_after=None, cache_size=0,
                 blit=False):
        self.ncols = check_int(ncols, "ncols", minimum=1)
        self.freeze_layout_after = check_int(freeze_layout_after, "freeze_layout_after", minimum=1, allow_none=True)
        self.cache_size = check_int(cache_size, "cache_size", minimum=0)
        self.blit = check_bool(blit, "blit")
        self.dpi = check_int(dpi, "dpi", minimum=10)
        self.backend = check_option(backend, "backend", BACKENDS)
        self.figure, self.axes = new_figure(self.ncols, figsize=figsize)
        self.displays = {}
        width, height = self.figure.get_size_inches() * self.dpi
        layout = widgets.Layout(width=f"{round(width)}px", height=f"{round(height)}px", flex="0 0 auto")
        if self.backend == "ipympl":
            self.image = None
            self.widget = _ipympl_canvas(self.figure, self.dpi, layout)
        else:
            self.image = widgets.Image(format="png", layout=layout)
            self.widget = self.image
        self.render_seconds_ = None
        self.n_renders_ = 0
        self.frames_ = OrderedDict()
        self.cache_hits_ = 0
        self.blits_ = 0
        self._background = None  # (signature, saved pixels) of the blitting background
        self._data_axes = []  # Axis objects drawn with the data artists (see follow_data)
        self._renders_since_reset = 0

    def reset(self):
        """Clear the figure and give it new, empty axes (for displays of another shape).

        Returns
        -------
        list of matplotlib.axes.Axes
            The new axes, also in :attr:`axes`; :attr:`displays` is emptied.
        """
        self.figure.clear()
        self.figure.set_layout_engine("compressed")  # thawed: the new decorations need a layout
        self.axes = list(self.figure.subplots(1, self.ncols, squeeze=False)[0])
        self.displays = {}
        self._data_axes = []
        self._renders_since_reset = 0
        return self.axes

    def thaw(self):
        """Run the layout engine again at the next renders (decorations changed size), then refreeze.

        Returns
        -------
        self
        """
        if self.image is not None and self._renders_since_reset >= (self.freeze_layout_after or 0) > 0:
            self.figure.set_layout_engine("compressed")
        self._renders_since_reset = 0
        return self

    def render(self, key=None):
        """Show the figure as it is now: PNG bytes into the image, or ``draw_idle`` under ipympl.

        ``show(draw(key))``: see :meth:`draw` for ``key`` and the frame cache.

        Returns
        -------
        self
        """
        return self.show(self.draw(key))

    def draw(self, key=None):
        """The figure as it is now, as PNG bytes (from the frame cache when ``key`` was drawn before).

        Draws the figure and touches no widget (:meth:`show` does): what a widget does off its
        state lock, see :class:`fcviz.viz.widgets.base.Widget`. Under ipympl it asks the canvas to
        redraw and returns None.

        Parameters
        ----------
        key : hashable, optional
            What the figure shows now (e.g. the controls' values it depends on). A key drawn before
            and still in the frame cache is answered from there, without drawing: the caller promises
            that the figure shows the same thing as when that frame was drawn. A new key's frame is
            drawn and cached (with ``cache_size > 0``).

        Returns
        -------
        bytes or None
        """
        if key is not None and self.image is not None and key in self.frames_:
            self.frames_.move_to_end(key)
            self.cache_hits_ += 1
            return self.frames_[key]
        tic = time.perf_counter()
        png = None
        if self.image is None:
            self.figure.canvas.draw_idle()
        else:
            png = self._render_png()
            if key is not None and self.cache_size:
                self.frames_[key] = png
                while len(self.frames_) > self.cache_size:
                    self.frames_.popitem(last=False)
        self.render_seconds_ = time.perf_counter() - tic
        self.n_renders_ += 1
        self._renders_since_reset += 1
        if self.image is not None and self._renders_since_reset == self.freeze_layout_after:
            self._freeze()
        return png

    def show(self, png):
        """Put PNG bytes (from :meth:`draw`) into the image; nothing under ipympl (None).

        Returns
        -------
        self
        """
        if png is not None and self.image is not None:
            self.image.value = png
        return self

    def _render_png(self):
        """PNG bytes of the figure now: a full render, or the data artists over the kept background."""
        figure = self.figure
        if not (self.blit and figure.get_layout_engine() is None and isinstance(figure.canvas, FigureCanvasAgg)):
            self._background = None
            return figure_to_png(figure, dpi=self.dpi)
        dpi = figure.dpi
        figure.set_dpi(self.dpi)  # as savefig(dpi=...) does, for the time of the render
        try:
            return self._blit_png()
        finally:
            figure.set_dpi(dpi)

    def _blit_png(self):
        """The data artists over the kept background (drawn again first when it may have changed)."""
        figure, canvas = self.figure, self.figure.canvas
        artists = self._data_artists()
        signature = self._background_signature()
        if self._background is None or self._background[0] != signature:
            # Texts (without a box) and spines are made transparent rather than hidden: the title's
            # place is computed from the decorations as drawn, and an invisible title or spine moves it.
            faded = [artist for artist in artists if isinstance(artist, Spine)
                     or isinstance(artist, Text) and artist.get_bbox_patch() is None]
            clear = [(artist, artist.get_alpha()) for artist in faded]
            shown = [artist for artist in artists if artist.get_visible() and artist not in faded]
            for artist, _ in clear:
                artist.set_alpha(0.0)
            for artist in shown:
                artist.set_visible(False)
            try:
                canvas.draw()
                self._background = (signature, canvas.copy_from_bbox(figure.bbox))
            finally:
                for artist, alpha in clear:
                    artist.set_alpha(alpha)
                for artist in shown:
                    artist.set_visible(True)
        else:
            canvas.restore_region(self._background[1])
            self.blits_ += 1
        renderer = canvas.get_renderer()
        for artist in artists:
            if artist.get_visible():
                artist.draw(renderer)
        buffer = BytesIO()
        # as FigureCanvasAgg.print_png writes a figure (same pixels, same metadata: the same bytes)
        imsave(buffer, np.asarray(canvas.buffer_rgba()), format="png", origin="upper", dpi=self.dpi)
        return buffer.getvalue()

    def follow_data(self, *axes):
        """Draw these axes' tick marks, tick labels and axis labels with the data when blitting.

        For an x or y axis whose ticks move with the data shown (one tick per group of a distance
        matrix, say): it is then drawn at every render, like the data artists, and no longer part
        of the background (see ``blit``). Forgotten by :meth:`reset`.

        Parameters
        ----------
        *axes : matplotlib.axis.Axis
            E.g. ``ax.xaxis``, ``ax.yaxis``.

        Returns
        -------
        self
        """
        self._data_axes.extend(axes)
        self._background = None
        return self

    def _data_artists(self):
        """The artists :attr:`blit` draws over the background, in the order a full render draws them."""
        artists = []
        for ax in self.figure.axes:
            inside = [child for child in ax.get_children()
                      if child is not ax.patch and (not isinstance(child, Axis) or child in self._data_axes)
                      and (not isinstance(child, Text) or child is ax.title or child in ax.texts)]
            artists.extend(sorted(inside, key=lambda artist: artist.get_zorder()))  # stable, as Axes.draw
        return artists + sorted([*self.figure.texts, *self.figure.legends], key=lambda artist: artist.get_zorder())

    def _background_signature(self):
        """Everything the background depends on, besides artists that never change (see ``blit``).

        Every axes is first put where a render puts it (its aspect applied, as ``Axes.draw`` does),
        and that place is part of the signature; limits count where they move ticks, so an axes
        without ticks (a graph) keeps its background while its limits follow the data.
        """
        figure = self.figure
        renderer = figure.canvas.get_renderer()
        parts = [tuple(figure.get_size_inches()), figure.dpi, len(figure.axes), len(figure.images),
                 len(figure.patches), len(figure.lines)]
        for ax in figure.axes:
            locator = ax.get_axes_locator()
            ax.apply_aspect(locator(ax, renderer) if locator else None)
            place = tuple(np.round(ax.get_position(original=False).bounds, 9))  # not the last bits: pixels
            axes = [place, ax.get_aspect(), ax.get_adjustable(), ax.get_xscale(),
                    ax.get_yscale(), ax.axison, ax.get_visible(), ax.get_title("left"), ax.get_title("right"),
                    len(ax.images), len(ax.child_axes)]
            for axis, limits in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
                if axis not in self._data_axes:
                    drawn = _axis_signature(axis)
                    axes.append((drawn, limits if drawn[4] or drawn[5] else None))
            parts.append(tuple(axes))
        return tuple(parts)

    def _freeze(self):
        """Stop the layout engine: the axes keep the positions it found. No engine at all (rather than
        matplotlib's "none" placeholder), so that saving a figure skips the extra layout pass it makes
        for a figure with an engine: a third less time per render, the same pixels."""
        self.figure.set_layout_engine(None)

    def clear_cache(self):
        """Forget every cached frame (e.g. for another zoo).

        Returns
        -------
        self
        """
        self.frames_.clear()
        return self

    def png(self):
        """Render the figure as it is now to PNG bytes without showing them (e.g. for a cache of frames).

        Counted like :meth:`render` (``n_renders_``, ``render_seconds_``, the layout freeze); the
        widget keeps what it shows, so this is safe from a background thread that prepares frames.

        Returns
        -------
        bytes
        """
        tic = time.perf_counter()
        data = figure_to_png(self.figure, dpi=self.dpi)
        self.render_seconds_ = time.perf_counter() - tic
        self.n_renders_ += 1
        self._renders_since_reset += 1
        if self._renders_since_reset == self.freeze_layout_after:
            self._freeze()
        return data

    def close(self):
        """Close the widget (its front-end view disappears)."""
        self.widget.close()


def _axis_signature(axis):
    """What an axis draws: its label, tick positions, tick labels and tick parameters."""
    major, minor = axis.get_majorticklocs(), axis.get_minorticklocs()
    formatter = axis.get_major_formatter()
    labels = tuple(formatter.format_ticks(major)) if axis.get_visible() else ()
    params = tuple(sorted((name, repr(value)) for name, value in axis.get_tick_params().items()))
    return (axis.get_visible(), axis.label.get_text(), axis.label.get_visible(), axis.get_label_position(),
            tuple(major), tuple(minor), labels, formatter.get_offset(), params)


def require_ipympl():
    """ipympl's canvas and manager classes, or an ImportError that says how to fix it."""
    try:
        from ipympl.backend_nbagg import Canvas, FigureManager
    except ImportError as exc:
        raise ImportError(
            f"backend='ipympl' needs the ipympl package, which could not be imported ({exc}). Install it in the "
            "kernel's and JupyterLab's environments (pip install ipympl), or use the default backend='image', "
            "which works everywhere."
        ) from exc
    return Canvas, FigureManager


def _ipympl_canvas(figure, dpi, layout):
    """Give ``figure`` an ipympl canvas (pyplot-free: no figure number, no global registry)."""
    Canvas, FigureManager = require_ipympl()
    figure.set_dpi(dpi)
    canvas = Canvas(figure)
    FigureManager(canvas, 0)  # the toolbar and the messages to the front end
    canvas.header_visible = False
    canvas.layout = layout
    return canvas
