"""The widget machinery of the explorers: panels that show a figure, and the explorer base class.

A :class:`Panel` owns one pyplot-free figure (from :func:`fcviz.viz.new_figure`) and the widget that
shows it: by default an ``ipywidgets.Image`` of fixed size, into which :meth:`Panel.render` writes the
figure as PNG bytes (works headless, in JupyterLab and in Voilà); optionally, when ipympl is installed
and ``backend="ipympl"`` is asked for, the figure's own ipympl canvas (redrawn with ``draw_idle``).
What makes a render cheap, each optional: the layout engine frozen after the first renders, a
bounded cache of PNG frames by key (a frame shown before is not drawn again), and blitting (only
the data artists drawn over the kept background: the same pixels as a full render).

An :class:`Explorer` holds panels, a status line and a collapsible log. Its control callbacks run
under :meth:`Explorer.guard` (or the :func:`guarded` decorator): an exception is caught, its message
shown as "⚠ …" in the status line and its traceback kept in the log and in ``last_error_``, and the
panels keep the last image that rendered. ``explorer.widget`` (or ``show()``) is the whole layout;
an explorer also displays itself as the last expression of a notebook cell.
"""

from __future__ import annotations

import contextlib
import functools
import html
import time
import traceback
from collections import OrderedDict
from io import BytesIO

import ipywidgets as widgets
import numpy as np
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.image import imsave
from matplotlib.spines import Spine
from matplotlib.text import Text

from .._validation import check_bool, check_int, check_option
from .base import figure_to_png, new_figure

__all__ = ["Panel", "Explorer", "guarded", "ipympl_available"]

_BACKENDS = ("image", "ipympl")
_LOG_ENTRIES = 20  # tracebacks kept in the log
_UNKNOWN = object()  # the key of a panel whose figure may not match its image


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
    >>> from fcviz.viz.widgets import Panel
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
        self.backend = check_option(backend, "backend", _BACKENDS)
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

        Parameters
        ----------
        key : hashable, optional
            What the figure shows now (e.g. the controls' values it depends on). A key rendered
            before and still in the frame cache is shown from there, without drawing: the caller
            promises that the figure shows the same thing as when that frame was drawn. A new key's
            frame is drawn and cached (with ``cache_size > 0``).

        Returns
        -------
        self
        """
        if key is not None and self.image is not None and key in self.frames_:
            self.frames_.move_to_end(key)
            self.image.value = self.frames_[key]
            self.cache_hits_ += 1
            return self
        tic = time.perf_counter()
        if self.image is None:
            self.figure.canvas.draw_idle()
        else:
            self.image.value = png = self._render_png()
            if key is not None and self.cache_size:
                self.frames_[key] = png
                while len(self.frames_) > self.cache_size:
                    self.frames_.popitem(last=False)
        self.render_seconds_ = time.perf_counter() - tic
        self.n_renders_ += 1
        self._renders_since_reset += 1
        if self.image is not None and self._renders_since_reset == self.freeze_layout_after:
            self._freeze()
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


def _require_ipympl():
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
    Canvas, FigureManager = _require_ipympl()
    figure.set_dpi(dpi)
    canvas = Canvas(figure)
    FigureManager(canvas, 0)  # the toolbar and the messages to the front end
    canvas.header_visible = False
    canvas.layout = layout
    return canvas


def guarded(action):
    """Decorate an explorer method so that it runs under :meth:`Explorer.guard`.

    Parameters
    ----------
    action : str
        What the method does, for the status line ("changing the strategy").

    Returns
    -------
    callable
        The decorator. The decorated method returns None when it failed.
    """

    def decorate(method):
        @functools.wraps(method)
        def run(self, *args, **kwargs):
            result = None
            with self.guard(action):
                result = method(self, *args, **kwargs)
            return result

        return run

    return decorate


class Explorer:
    """Base class of the explorers: panels, a status line, an error log and the layout.

    Subclasses create their controls and panels (:meth:`add_panel`), connect each control with
    :meth:`on_change`, and implement ``_layout()`` (the list of rows of the layout) and optionally
    ``_describe()`` (the status line after a successful redraw).

    Parameters
    ----------
    dpi : int, default=100
        Resolution of the panels' PNGs.
    backend : {"image", "ipympl"}, default="image"
        How panels show their figures, see :class:`Panel`.
    frame_cache : int, default=64
        Frames each panel made by :meth:`add_panel` keeps (its ``cache_size``): a PNG of some tens
        of kilobytes each (a heat map of 384 nodes: about 300 kB), so at most a few megabytes per
        panel (about 20 MB for that heat map). 0 turns the cache off.

    Attributes
    ----------
    status : ipywidgets.HTML
        One line: what is shown and how long the redraw took, "⚠ message" after a failure, or what
        is being computed.
    log : ipywidgets.Accordion
        Collapsed; holds a read-only ``Textarea`` with the tracebacks of the last failures.
    last_error_ : str or None
        The traceback of the last failure (None until one happens). An ``Output`` widget's content
        cannot be read back from code, so the explorer keeps it here.
    panels_ : dict of str to Panel
    figures_ : dict of str to matplotlib.figure.Figure
        ``panels_[name].figure``.
    images_ : dict of str to ipywidgets.Image
        ``panels_[name].widget`` (the ipympl canvas under that backend).
    displays_ : dict of str to display
        Every display drawn, by name.
    redraw_seconds_ : float or None
        Duration of the last successful control change (computation and rendering).
    shown_ : dict
        Panel name -> the key of the frame it shows (see :meth:`refresh`).
    """

    def __init__(self, *, dpi=100, backend="image", frame_cache=64):
        self.dpi = check_int(dpi, "dpi", minimum=10)
        self.backend = check_option(backend, "backend", _BACKENDS)
        self.frame_cache = check_int(frame_cache, "frame_cache", minimum=0)
        if self.backend == "ipympl":
            _require_ipympl()
        self.status = widgets.HTML(value="", layout=widgets.Layout(min_height="1.6em"))
        self._log_text = widgets.Textarea(value="", disabled=True,
                                          layout=widgets.Layout(width="100%", height="14em"))
        self.log = widgets.Accordion(children=[self._log_text], titles=("Log",))
        self.log.selected_index = None
        self._log_entries = []
        self.last_error_ = None
        self.panels_ = {}
        self.figures_ = {}
        self.images_ = {}
        self.displays_ = {}
        self.shown_ = {}
        self.redraw_seconds_ = None
        self._muted = 0
        self._guard_depth = 0
        self._after_change = []
        self._container = None

    # ------------------------------------------------------------------ panels

    def add_panel(self, name, ncols=1, *, figsize=None, freeze_layout_after=None, blit=False):
        """Create a :class:`Panel`, registered under ``name`` in ``panels_``, ``figures_`` and ``images_``.

        Its frame cache keeps ``frame_cache`` frames; the other arguments are :class:`Panel`'s.

        Returns
        -------
        Panel
        """
        panel = Panel(ncols, figsize=figsize, dpi=self.dpi, backend=self.backend,
                      freeze_layout_after=freeze_layout_after, cache_size=self.frame_cache, blit=blit)
        self.panels_[name] = panel
        self.figures_[name] = panel.figure
        self.images_[name] = panel.widget
        return panel

    def render(self, *names):
        """Render the named panels (all when none are named).

        Returns
        -------
        self
        """
        for name in names or tuple(self.panels_):
            self.panels_[name].render()
            self.shown_.pop(name, None)
        return self

    def refresh(self, keys, update):
        """Bring panels to new frames, drawing only what changed and only what was never drawn.

        Parameters
        ----------
        keys : dict of str to hashable
            Panel name -> key of the frame it must show: everything its figure depends on (the
            controls' values, or the data shown). A panel already showing its key is left alone.
        update : callable
            ``update(names)`` moves the artists of the displays of the panels ``names`` (those whose
            key changed) to the new frame. All of them are updated before any is rendered, so when
            ``update`` raises, every image still shows what it showed (and those panels count as
            showing an unknown frame until the next successful refresh).

        Returns
        -------
        list of str
            The panels that changed. Each shows its frame from its cache (bytes swapped, no drawing)
            or, the first time, rendered and cached; ``shown_`` records the keys.
        """
        changed = [name for name, key in keys.items() if self.shown_.get(name, _UNKNOWN) != key]
        for name in changed:
            self.shown_[name] = _UNKNOWN
        if changed:
            update(changed)
        for name in changed:
            self.panels_[name].render(key=keys[name])
            self.shown_[name] = keys[name]
        return changed

    def forget_frames(self):
        """Empty every panel's frame cache and ``shown_`` (for another zoo).

        Returns
        -------
        self
        """
        for panel in self.panels_.values():
            panel.clear_cache()
        self.shown_ = {}
        return self

    # ------------------------------------------------------------------ controls and errors

    def on_change(self, control, callback):
        """Call ``callback()`` under :meth:`guard` whenever ``control.value`` changes.

        Changes made inside :meth:`muted` (the explorer setting its own controls) are ignored.
        """
        action = f"changing {control.description or 'a control'}"

        def handler(change):
            if self._muted:
                return
            with self.guard(action):
                callback()

        control.observe(handler, names="value")

    @contextlib.contextmanager
    def muted(self):
        """Set controls without triggering their callbacks."""
        self._muted += 1
        try:
            yield
        finally:
            self._muted -= 1

    @contextlib.contextmanager
    def guard(self, action):
        """Run a block; on an exception show it in the status line and the log instead of raising.

        Nested guards let the exception reach the outermost one. On success the status line gets
        ``_describe()`` and the time taken (``redraw_seconds_``), then what the block passed to
        :meth:`after_change` runs; on failure it gets "⚠ message", the views keep showing what they
        showed before, and nothing passed to :meth:`after_change` runs.
        """
        outermost = self._guard_depth == 0
        self._guard_depth += 1
        tic = time.perf_counter()
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - a callback error must reach the UI, not the void
            if not outermost:
                raise
            self._after_change = []
            self.report_error(exc, action)
        else:
            if outermost:
                self.redraw_seconds_ = time.perf_counter() - tic
                self.status.value = html.escape(self._describe()) + (
                    f' <span style="color:#777">· {1000 * self.redraw_seconds_:.0f} ms</span>')
        finally:
            self._guard_depth -= 1
        if outermost:
            pending, self._after_change = self._after_change, []
            for action_after in pending:
                action_after()

    def after_change(self, action):
        """Call ``action()`` once the current control change is done and the status line says so
        (e.g. start background work whose completion writes the status line); at once outside a change.
        """
        if self._guard_depth:
            self._after_change.append(action)
        else:
            action()

    def report_error(self, exc, action="working"):
        """Show ``exc`` in the status line and append its traceback to the log (and ``last_error_``)."""
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.last_error_ = text
        stamp = time.strftime("%H:%M:%S")
        self._log_entries = (self._log_entries + [f"[{stamp}] {action} failed:\n{text}"])[-_LOG_ENTRIES:]
        self._log_text.value = "\n".join(reversed(self._log_entries))
        self.log.set_title(0, f"Log ({len(self._log_entries)} error{'s' * (len(self._log_entries) > 1)})")
        message = str(exc) or type(exc).__name__
        self.status.value = (
            f'<span style="color:#b00020">⚠ {html.escape(message)}</span> '
            '<span style="color:#777">(the view shows the last good state; details in the log)</span>'
        )

    def notify(self, message):
        """Put a message in the status line now (e.g. before a slow computation)."""
        self.status.value = f'<span style="color:#555">{html.escape(message)}</span>'

    def _describe(self):
        """The status line after a successful change; subclasses say what is shown."""
        return "ready"

    # ------------------------------------------------------------------ layout and display

    def _layout(self):
        """The rows of the layout, top to bottom (subclasses)."""
        return [widget.widget for widget in self.panels_.values()]

    @property
    def widget(self):
        """The explorer as one ``ipywidgets.VBox``: controls, status line, panels and log."""
        if self._container is None:
            self._container = widgets.VBox([*self._layout(), self.log])
        return self._container

    def show(self):
        """Return :attr:`widget`, for ``display(explorer.show())`` or as a cell's last expression."""
        return self.widget

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def close(self):
        """Close every widget of the explorer (their front-end views disappear)."""
        if self._container is not None:
            self._container.close()
        for panel in self.panels_.values():
            panel.close()
        self.status.close()
        self.log.close()
        self._log_text.close()
