"""The widget machinery of the explorers: panels that show a figure, and the explorer base class.

A :class:`Panel` owns one pyplot-free figure (from :func:`fcviz.viz.new_figure`) and the widget that
shows it: by default an ``ipywidgets.Image`` of fixed size, into which :meth:`Panel.render` writes the
figure as PNG bytes (works headless, in JupyterLab and in Voilà); optionally, when ipympl is installed
and ``backend="ipympl"`` is asked for, the figure's own ipympl canvas (redrawn with ``draw_idle``).

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

import ipywidgets as widgets

from .._validation import check_int, check_option
from .base import figure_to_png, new_figure

__all__ = ["Panel", "Explorer", "guarded", "ipympl_available"]

_BACKENDS = ("image", "ipympl")
_LOG_ENTRIES = 20  # tracebacks kept in the log


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
        size; :meth:`reset` thaws the layout. Ignored under ipympl, whose canvas can be resized.
        Default: never frozen.

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
        Duration of the last :meth:`render`.
    n_renders_ : int
        Number of renders so far.

    Examples
    --------
    >>> from fcviz.viz.widgets import Panel
    >>> panel = Panel(figsize=(2, 1.5), dpi=40)
    >>> _ = panel.axes[0].plot([0, 1], [1, 0])
    >>> bytes(panel.render().image.value[:4]), panel.image.layout.width
    (b'\\x89PNG', '80px')
    """

    def __init__(self, ncols=1, *, figsize=None, dpi=100, backend="image", freeze_layout_after=None):
        self.ncols = check_int(ncols, "ncols", minimum=1)
        self.freeze_layout_after = check_int(freeze_layout_after, "freeze_layout_after", minimum=1, allow_none=True)
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
        self._renders_since_reset = 0
        return self.axes

    def render(self):
        """Show the figure as it is now: PNG bytes into the image, or ``draw_idle`` under ipympl.

        Returns
        -------
        self
        """
        tic = time.perf_counter()
        if self.image is None:
            self.figure.canvas.draw_idle()
        else:
            self.image.value = figure_to_png(self.figure, dpi=self.dpi)
        self.render_seconds_ = time.perf_counter() - tic
        self.n_renders_ += 1
        self._renders_since_reset += 1
        if self.image is not None and self._renders_since_reset == self.freeze_layout_after:
            self.figure.set_layout_engine("none")  # keeps the axes where the layout put them
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
            self.figure.set_layout_engine("none")  # keeps the axes where the layout put them
        return data

    def close(self):
        """Close the widget (its front-end view disappears)."""
        self.widget.close()


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
    """

    def __init__(self, *, dpi=100, backend="image"):
        self.dpi = check_int(dpi, "dpi", minimum=10)
        self.backend = check_option(backend, "backend", _BACKENDS)
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
        self.redraw_seconds_ = None
        self._muted = 0
        self._guard_depth = 0
        self._container = None

    # ------------------------------------------------------------------ panels

    def add_panel(self, name, ncols=1, *, figsize=None, freeze_layout_after=None):
        """Create a :class:`Panel`, registered under ``name`` in ``panels_``, ``figures_`` and ``images_``.

        Returns
        -------
        Panel
        """
        panel = Panel(ncols, figsize=figsize, dpi=self.dpi, backend=self.backend,
                      freeze_layout_after=freeze_layout_after)
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
        ``_describe()`` and the time taken (``redraw_seconds_``); on failure it gets "⚠ message" and
        the views keep showing what they showed before.
        """
        outermost = self._guard_depth == 0
        self._guard_depth += 1
        tic = time.perf_counter()
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - a callback error must reach the UI, not the void
            if not outermost:
                raise
            self.report_error(exc, action)
        else:
            if outermost:
                self.redraw_seconds_ = time.perf_counter() - tic
                self.status.value = html.escape(self._describe()) + (
                    f' <span style="color:#777">· {1000 * self.redraw_seconds_:.0f} ms</span>')
        finally:
            self._guard_depth -= 1

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
