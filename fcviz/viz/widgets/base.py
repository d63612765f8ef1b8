"""The one widget base: layout, status line, error log, display, close, and the threading rule.

:class:`Widget` is the base of every widget of fcviz: the explorers (through :class:`Explorer`, which
adds panels), the lesson widgets and the dashboard. It owns

- the layout: ``widget`` (one ``ipywidgets.VBox`` built once from :meth:`Widget._widget_rows`), ``show()``,
  display as the last expression of a notebook cell, and ``close()``;
- the status line ``status`` and the collapsed ``log`` (an accordion over the read-only ``error_log``)
  with ``last_error_``, the traceback of the last failure (a front end's content cannot be read back
  from code, so the widget keeps it);
- ``figures_``: the figures it draws, by name (the dashboard exports them);
- the guard of callbacks (:meth:`Widget.guard`, :meth:`Widget.on_change`): an exception is caught and
  shown as "⚠ …" in the status line, the views keep their last good state;
- the interface a dashboard tab provides (below), with defaults.

The threading rule
------------------
1. **Background threads compute; they never touch a widget.** Long work (a build, a slow clustering,
   frames drawn ahead) runs in a thread started by :meth:`Widget.run_in_background` (or the
   dashboard's build thread) and returns results: labels, zoos, PNG bytes.
2. **Every change of widget state goes through** :meth:`Widget.commit`, which runs it under the
   widget's one state lock: control values and options, the status line, the log, image bytes, tab
   children and the public results that describe what is shown (``selection_``, ``labels_`` …).
   Changes from the kernel's main thread and from threads are serialised there and never
   interleave. A change only sets values; it never draws (``commit`` refuses a change that draws:
   see rule 3).
3. **No state lock is held while a figure is drawn.** Moving a figure's artists and rendering it to
   PNG bytes happen under the widget's drawing lock (:meth:`Widget.drawing`), which guards the
   figures alone; the bytes are committed afterwards. The drawing lock may be taken before the state
   lock, never the other way round, so the two cannot deadlock.
4. **A result computed for an older choice is dropped.** Every user action (an outermost
   :meth:`guard`) and every new zoo takes a new *ticket* (:meth:`Widget.new_ticket`); work records the
   ticket it was started for, and ``commit(change, ticket)`` and :meth:`Widget.drawing` with that
   ticket do nothing once a newer choice exists (a failure of such work is dropped too, not shown).

Callbacks set a control's value in the thread that sets it (ipywidgets calls observers
synchronously); :meth:`Widget.muted` silences a widget's own callbacks in the muting thread only, so
a build thread that resets the controls never swallows a user's change on the main thread.

The tab interface
-----------------
What the dashboard asks of a tab, declared rather than guessed (each has a default here):

- ``from_zoo(zoo, persistence=...)`` (class method): a new tab for a zoo; default ``cls(zoo,
  persistence=persistence)``.
- ``set_zoo(zoo, persistence=...)``: show another zoo. A tab must provide it.
- ``uses_epochs`` (class attribute, default False): the tab is given the whole zoo, every epoch
  recorded; otherwise its trained networks (the last epoch).
- ``unavailable(zoo)`` (class method): why the tab cannot show ``zoo`` (a sentence for its
  placeholder), or None (the default) when it can.
- ``prerender(cancel=None)``: draw ahead what the user will probably ask for next (the build thread
  calls it once a zoo is shown); default: nothing.
- ``wait(timeout=None)``: wait for the widget's background work; default: joins the threads of
  :meth:`run_in_background`.
- ``tables()``: the tables the widget offers for export, ``{name: rows}``; default: none.
- ``figures_`` and ``widget``: what the dashboard exports and lays out.
"""

from __future__ import annotations

import contextlib
import functools
import html
import threading
import time
import traceback

import ipywidgets as widgets

from ..._validation import check_int, check_option
from .panel import BACKENDS, Panel, require_ipympl

__all__ = ["Widget", "Explorer", "guarded"]

_LOG_ENTRIES = 20  # tracebacks kept in the log
_UNKNOWN = object()  # the key of a panel whose figure may not match its image


def guarded(action):
    """Decorate a widget method so that it runs under :meth:`Widget.guard`.

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


class Widget:
    """Base of every fcviz widget: layout, status line, error log, the threading rule, the tab interface.

    See the module's documentation for the threading rule and the tab interface. Subclasses create
    their controls, call :meth:`on_change` for each, and implement ``_layout()`` (the rows of the
    layout) and optionally ``_describe()`` (the status line after a successful change).

    Attributes
    ----------
    status : ipywidgets.HTML
        One line: what is shown (and how long it took), "⚠ message" after a failure, or what runs.
    error_log : ipywidgets.Textarea
        Read-only; the tracebacks of the last failures, newest first.
    log : ipywidgets.Accordion
        Collapsed; holds ``error_log``, titled with the number of errors.
    last_error_ : str or None
        The traceback of the last failure (None until one happens).
    figures_ : dict of str to matplotlib.figure.Figure
        The figures drawn, by name.
    widget : ipywidgets.VBox
        The whole layout (built on first use).
    ticket_ : int
        The current choice (see the threading rule).
    """

    #: Title of the collapsible log.
    log_title = "Log"
    #: Layout of the status line.
    status_layout = {"min_height": "1.6em"}
    #: Dashboard tabs: whether the tab is given every epoch of a zoo (else its trained networks).
    uses_epochs = False

    def __init__(self):
        self.status = widgets.HTML(value="", layout=widgets.Layout(**self.status_layout))
        self.error_log = widgets.Textarea(value="", disabled=True,
                                          layout=widgets.Layout(width="100%", height="14em"))
        self.log = widgets.Accordion(children=[self.error_log], titles=(self.log_title,))
        self.log.selected_index = None
        self.last_error_ = None
        self.figures_ = {}
        self.redraw_seconds_ = None
        self.ticket_ = 0
        self._log_entries = []
        self._last_exception = None
        self._state = threading.RLock()  # the one serialised place of widget state changes
        self._drawing_lock = threading.RLock()  # the figures: moved and rendered one thread at a time
        self._local = threading.local()  # per thread: muted depth, guard depth, ticket, commits
        self._tasks = []
        self._container = None

    # ------------------------------------------------------------------ the threading rule

    def new_ticket(self):
        """Make a new choice current (a user action, a new zoo); older work will be dropped.

        Returns
        -------
        int
            The new ticket.
        """
        with self._state:
            self.ticket_ += 1
            return self.ticket_

    def current_ticket(self):
        """The ticket of the action this thread runs (its outermost guard), else the current one."""
        ticket = getattr(self._local, "ticket", None)
        return self.ticket_ if ticket is None else ticket

    def is_current(self, ticket):
        """Whether no newer choice than ``ticket`` exists (None: always)."""
        return ticket is None or ticket == self.ticket_

    def commit(self, change, ticket=None, *, new_choice=False):
        """Run ``change()`` (which sets widget values) under the state lock; the one place state changes.

        Parameters
        ----------
        change : callable
            Sets values (controls, status, images, public results); must not draw a figure.
        ticket : int, optional
            The choice the change belongs to: dropped when a newer one exists. Default: always run.
        new_choice : bool, default=False
            Take a new ticket under the same lock before the change (a new zoo: actions that start
            after the commit see its state, older ones are dropped).

        Returns
        -------
        bool
            Whether the change ran.
        """
        with self._state:
            if not self.is_current(ticket):
                return False
            if new_choice:
                self.ticket_ += 1
            self._local.committing = getattr(self._local, "committing", 0) + 1
            try:
                change()
            finally:
                self._local.committing -= 1
            return True

    @contextlib.contextmanager
    def drawing(self, ticket=None):
        """Hold the drawing lock to move artists and render figures; yields whether to go on.

        Yields False (draw nothing) when ``ticket`` is no longer current. Refuses to run inside
        :meth:`commit` (rule 3: no state lock is held while a figure is drawn).
        """
        if getattr(self._local, "committing", 0):
            raise RuntimeError(f"{type(self).__name__}: a figure was drawn inside commit(); draw first, "
                               "then commit the bytes (see the threading rule of fcviz.viz.widgets.base).")
        with self._drawing_lock:
            yield self.is_current(ticket)

    def run_in_background(self, target, *args, name="fcviz-widget-task", start=True):
        """Run ``target(*args)`` in a daemon thread; an exception it raises is shown in the status line.

        ``target`` computes and commits what it changes (rule 1); the failure of work for an older
        choice is dropped. :meth:`wait` joins these threads.

        Parameters
        ----------
        start : bool, default=True
            Start the thread now; False starts it once the current change is done (:meth:`after_change`).

        Returns
        -------
        threading.Thread
        """
        ticket = self.current_ticket()

        def run():
            self._local.ticket = ticket
            try:
                target(*args)
            except Exception as exc:  # noqa: BLE001 - a thread's error must reach the UI, not stderr
                self.report_error(exc, "working in the background", ticket=ticket)

        thread = threading.Thread(target=run, name=name, daemon=True)
        with self._state:
            self._tasks = [task for task in self._tasks if task.is_alive()] + [thread]
        if start:
            thread.start()
        else:
            self.after_change(thread.start)
        return thread

    def wait(self, timeout=None):
        """Wait for the widget's background work.

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait at most for each thread.

        Returns
        -------
        bool
            True when none runs any more.
        """
        for thread in list(self._tasks):
            if thread.ident is not None:
                thread.join(timeout)
        with self._state:
            self._tasks = [task for task in self._tasks if task.ident is None or task.is_alive()]
            return not any(task.is_alive() for task in self._tasks)

    # ------------------------------------------------------------------ status and errors

    def set_status(self, text, ticket=None):
        """Put HTML ``text`` in the status line (through :meth:`commit`)."""
        return self.commit(lambda: setattr(self.status, "value", text), ticket)

    def notify(self, message):
        """Put a message in the status line now (e.g. before a slow computation of the current action)."""
        self.set_status(f'<span style="color:#555">{html.escape(message)}</span>', self.current_ticket())

    def report_error(self, exc, action="working", *, ticket=None):
        """Show ``exc`` in the status line and append its traceback to the log (and ``last_error_``).

        Dropped (returns False) when ``ticket`` is no longer current.
        """
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        stamp = time.strftime("%H:%M:%S")

        def change():
            self.last_error_ = text
            self._last_exception = exc
            self._log_entries = (self._log_entries + [f"[{stamp}] {self._log_heading(action)}:\n{text}"])[
                -_LOG_ENTRIES:]
            self.error_log.value = "\n".join(reversed(self._log_entries))
            n = len(self._log_entries)
            self.log.set_title(0, f"{self.log_title} ({n} error{'s' * (n > 1)})")
            self.status.value = self._error_line(exc, action)

        return self.commit(change, ticket)

    def _log_heading(self, action):
        return f"{action} failed"

    def _error_line(self, exc, action):
        """The status line after a failure."""
        message = str(exc) or type(exc).__name__
        return (f'<span style="color:#b00020">⚠ {html.escape(message)}</span> '
                '<span style="color:#777">(the view shows the last good state; details in the log)</span>')

    def _success_line(self, seconds):
        """The status line after a successful change that took ``seconds``."""
        return html.escape(self._describe()) + f' <span style="color:#777">· {1000 * seconds:.0f} ms</span>'

    def _describe(self):
        """What is shown, for the status line; subclasses say more."""
        return "ready"

    # ------------------------------------------------------------------ callbacks

    def on_change(self, control, callback):
        """Call ``callback()`` under :meth:`guard` whenever ``control.value`` changes.

        Changes made inside :meth:`muted` (by this thread) are ignored.
        """
        action = f"changing {control.description or 'a control'}"

        def handler(change):
            if getattr(self._local, "muted", 0):
                return
            with self.guard(action):
                callback()

        control.observe(handler, names="value")

    @contextlib.contextmanager
    def muted(self):
        """Set controls without triggering this widget's callbacks (in this thread)."""
        self._local.muted = getattr(self._local, "muted", 0) + 1
        try:
            yield
        finally:
            self._local.muted -= 1

    @contextlib.contextmanager
    def guard(self, action):
        """Run a block as one user action; on an exception show it in the status line and the log.

        The outermost guard takes a new ticket (the block's work belongs to it, see the threading
        rule); nested guards let the exception reach it. On success the status line gets
        :meth:`_success_line` (``redraw_seconds_`` is the time taken), then what the block passed to
        :meth:`after_change` runs; on failure it gets "⚠ message", the views keep showing what they
        showed, and nothing passed to :meth:`after_change` runs. The outcome of a block overtaken by a
        newer choice meanwhile (from another thread) is dropped.
        """
        local = self._local
        depth = getattr(local, "depth", 0)
        outermost = depth == 0
        if outermost:
            local.ticket, local.after = self.new_ticket(), []
        local.depth = depth + 1
        ticket = local.ticket
        tic = time.perf_counter()
        failed = False
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - a callback error must reach the UI, not the void
            if not outermost:
                raise
            failed = True
            self.report_error(exc, action, ticket=ticket)
        finally:
            local.depth = depth
        if not outermost:
            return
        pending, local.after, local.ticket = local.after, [], None
        if failed:
            return
        self.redraw_seconds_ = time.perf_counter() - tic
        self._on_success(ticket)
        for action_after in pending:
            action_after()

    def _on_success(self, ticket):
        self.set_status(self._success_line(self.redraw_seconds_), ticket)

    def after_change(self, action):
        """Call ``action()`` once the current user action is done and the status line says so
        (e.g. start background work whose completion writes the status line); at once outside one.
        """
        if getattr(self._local, "depth", 0):
            self._local.after.append(action)
        else:
            action()

    # ------------------------------------------------------------------ the tab interface

    @classmethod
    def from_zoo(cls, zoo, *, persistence=None):
        """A new widget showing ``zoo`` (``persistence``: ``birth_death(zoo.graphs)`` when known)."""
        return cls(zoo, persistence=persistence)

    @classmethod
    def unavailable(cls, zoo):
        """Why this widget cannot show ``zoo`` (for the dashboard's placeholder), or None when it can."""
        return None

    def set_zoo(self, zoo, *, persistence=None):
        """Show another zoo; a dashboard tab must provide it."""
        raise NotImplementedError(f"{type(self).__name__} cannot show another zoo.")

    def prerender(self, *, cancel=None):
        """Draw ahead what is probably asked for next (from a background thread); default: nothing.

        Returns
        -------
        int
            How many frames were drawn.
        """
        return 0

    def tables(self):
        """The tables this widget offers for export: ``{name: list of dict rows}``; default: none."""
        return {}

    # ------------------------------------------------------------------ layout and display

    def _layout(self):
        """The rows of the layout, top to bottom (subclasses)."""
        return [self.status]

    def _widget_rows(self):
        """Everything laid out: the rows, then the log."""
        return [*self._layout(), self.log]

    @property
    def widget(self):
        """The whole widget as one ``ipywidgets.VBox``."""
        if self._container is None:
            self._container = widgets.VBox(self._widget_rows())
        return self._container

    def show(self):
        """Return :attr:`widget`, for ``display(w.show())`` or placing it in another layout."""
        return self.widget

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def _closables(self):
        """The widgets :meth:`close` closes besides the layout, the status line and the log."""
        return []

    def close(self):
        """Close every widget (their front-end views disappear)."""
        if self._container is not None:
            self._container.close()
        for item in (*self._closables(), self.status, self.log, self.error_log):
            item.close()


class Explorer(Widget):
    """A widget that shows figures in panels and redraws only what changed (the explorers' base).

    Subclasses create their panels (:meth:`add_panel`) and controls; a control change computes what
    to show and calls :meth:`refresh` with the key of every panel's frame.

    Parameters
    ----------
    dpi : int, default=100
        Resolution of the panels' PNGs.
    backend : {"image", "ipympl"}, default="image"
        How panels show their figures, see :class:`~fcviz.viz.widgets.panel.Panel`.
    frame_cache : int, default=64
        Frames each panel made by :meth:`add_panel` keeps (its ``cache_size``): a PNG of some tens
        of kilobytes each (a heat map of 384 nodes: about 300 kB), so at most a few megabytes per
        panel (about 20 MB for that heat map). 0 turns the cache off.

    Attributes
    ----------
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
        self.backend = check_option(backend, "backend", BACKENDS)
        self.frame_cache = check_int(frame_cache, "frame_cache", minimum=0)
        if self.backend == "ipympl":
            require_ipympl()
        super().__init__()
        self.panels_ = {}
        self.images_ = {}
        self.displays_ = {}
        self.shown_ = {}

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
        """Render the named panels (all when none are named) and show them.

        Returns
        -------
        self
        """
        names = names or tuple(self.panels_)
        with self.drawing():
            pngs = {name: self.panels_[name].draw() for name in names}

        def show():
            for name in names:
                self.panels_[name].show(pngs[name])
                self.shown_.pop(name, None)

        self.commit(show)
        return self

    def refresh(self, keys, update, *, ticket=None, after=None):
        """Bring panels to new frames, drawing only what changed and only what was never drawn.

        Parameters
        ----------
        keys : dict of str to hashable
            Panel name -> key of the frame it must show: everything its figure depends on (the
            controls' values, or the data shown). A panel already showing its key is left alone.
        update : callable
            ``update(names)`` moves the artists of the displays of the panels ``names`` (those whose
            key changed) to the new frame, under the drawing lock. All of them are updated before any
            is rendered, so when ``update`` raises, every image still shows what it showed (and those
            panels count as showing an unknown frame until the next successful refresh).
        ticket : int, optional
            The choice this refresh belongs to; default: the current action's. Nothing is drawn or
            shown once a newer choice exists.
        after : callable, optional
            Further state changes committed together with the images (e.g. ``selection_``).

        Returns
        -------
        list of str
            The panels that changed. Each shows its frame from its cache (bytes swapped, no drawing)
            or, the first time, rendered and cached; ``shown_`` records the keys.
        """
        ticket = self.current_ticket() if ticket is None else ticket
        with self.drawing(ticket) as current:
            if not current:
                return []
            changed = [name for name, key in keys.items() if self.shown_.get(name, _UNKNOWN) != key]
            for name in changed:
                self.shown_[name] = _UNKNOWN
            if changed:
                update(changed)
            pngs = {name: self.panels_[name].draw(key=keys[name]) for name in changed}

        def show():
            for name in changed:
                self.panels_[name].show(pngs[name])
                self.shown_[name] = keys[name]
            if after is not None:
                after()

        return changed if self.commit(show, ticket) else []

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

    def _layout(self):
        return [widget.widget for widget in self.panels_.values()]

    def _closables(self):
        return list(self.panels_.values())
