"""The dashboard: build a connectome zoo in the background, follow its progress, explore it, export it.

:class:`Dashboard` (made by :func:`dashboard`, also ``fcviz.dashboard``) is one widget with

* controls for the zoo: the data set (marked *offline* when it loads without a network), the training
  strategies and the number of networks per strategy;
* **Build** and **Cancel** buttons, a progress bar that moves once per training epoch, a status line
  and a collapsible error log;
* one tab per explorer (:class:`~fcviz.viz.ConnectomeExplorer`, :class:`~fcviz.viz.ClusteringExplorer`,
  listed in :attr:`Dashboard.TABS`), which redraw from the built zoo on every change of their controls;
* **Export**, which writes every explorer's figures (PNG and SVG) and the tables (CSV) into a folder.

Threads
-------
A build runs :func:`fcviz.connectome_zoo` in a background thread, so the kernel's main thread stays
free to receive the Cancel click (a browser message is handled only while no cell runs). The
dashboard follows the threading rule of its base, :class:`fcviz.viz.widgets.base.Widget`: the build
thread computes, and every widget change it makes (progress, status, error log, the tabs' children)
goes through :meth:`~fcviz.viz.widgets.base.Widget.commit`. When the zoo is ready, the same thread
hands it to the tabs (created at the first build, ``set_zoo`` afterwards), each of which draws under
its own drawing lock and commits its views; a control change made meanwhile on a tab is either
drawn after the new zoo or dropped as a choice about the old one. Export waits for the tabs'
background work and saves each tab's figures under its drawing lock, so never a half-drawn figure.

The tabs
--------
The dashboard talks to its tabs through the tab interface of
:class:`~fcviz.viz.widgets.base.Widget` only (``from_zoo``, ``set_zoo``, ``uses_epochs``,
``unavailable``, ``prerender``, ``wait``, ``tables``, ``figures_``, ``widget``): a new tab is a
subclass and one line in :attr:`Dashboard.TABS`.

No science lives here: the dashboard calls the library and shows what it returns.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import threading
import html
import io
import re
import time
from importlib import import_module
from pathlib import Path

import ipywidgets as widgets

from ... import zoo as zoo_module
from ...dynamics import default_snapshot_epochs
from ...homology import birth_death
from ...progress import BuildCancelled
from ...registry import DATASETS, REGULARIZERS, canonical_dataset_name
from ..._files import write_atomic
from ..._validation import check_int
from ..displays.base import check_option
from .base import Widget

__all__ = ["Dashboard", "dashboard", "DEFAULT_EXPORT_ROOT"]

#: Folder (relative to the current directory) that receives ``dashboard-<timestamp>`` exports.
DEFAULT_EXPORT_ROOT = "fcviz-output"

# Arguments of connectome_zoo that the dashboard sets itself (from its controls or for the thread).
_MANAGED = ("dataset", "regularizers", "n_networks", "preset", "progress", "progress_callback", "cancel")
_COLORS = {"info": "inherit", "ok": "#1a7f37", "warning": "#9a6700", "error": "#cf222e"}


def _slug(text) -> str:
    """A file-name-safe lower-case version of ``text`` ("Top clustering" -> "top-clustering")."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "item"


def _csv_bytes(rows) -> bytes:
    """Rows (dicts with the same keys) as CSV text; tuples and None become readable cells."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        cells = [row.get(c) for c in columns]
        writer.writerow(["" if v is None else "/".join(map(str, v)) if isinstance(v, tuple) else v for v in cells])
    return buffer.getvalue().encode()


class Dashboard(Widget):
    """One widget to build a connectome zoo (in a background thread), explore it and export it.

    Parameters
    ----------
    dataset : str, default="digits"
        Data set selected at start (see :data:`fcviz.registry.DATASETS`); ``"digits"`` works offline.
    preset : {"classroom", "paper"}, default="classroom"
        Preset of :func:`fcviz.connectome_zoo`; it also sets the default number of networks.
    strategies : str or sequence of str, default=all four
        Training strategies selected at start (:data:`fcviz.registry.REGULARIZERS`).
    n_networks : int, optional
        Networks per strategy selected at start; default from the preset.
    tabs : sequence of (str, class, str or callable), optional
        The explorer tabs: ``(title, tab)`` pairs where ``tab`` is a subclass of
        :class:`fcviz.viz.widgets.base.Widget` (or its name in :mod:`fcviz.viz`), made with
        ``tab.from_zoo(zoo, persistence=...)``, or any callable ``tab(zoo)`` that returns such a widget.
        Default: :attr:`TABS`.
    **zoo_kwargs
        Passed to every :func:`fcviz.connectome_zoo` call, e.g. ``epochs=2, n_stimuli=60`` for a quick
        build, ``seed``, ``cache_dir``, ``cache=False`` or a model hyperparameter; ``client=`` (a
        ``distributed.Client`` or an address) or ``n_jobs=`` trains the groups elsewhere (also the
        client of an enclosing :func:`fcviz.parallel.using` block): the bar then moves as groups
        finish, the status names the cluster and its Dask dashboard, and Cancel cancels the
        cluster's tasks. The dashboard sets ``dataset``, ``regularizers``, ``n_networks``, ``preset``,
        ``progress``, ``progress_callback`` and ``cancel`` itself.

    Attributes
    ----------
    preset : str
        The preset of every build.
    zoo_kwargs : dict
        The further :func:`fcviz.connectome_zoo` arguments of every build (editable between builds).
    tab_factories : list of (str, callable or str)
        The tabs, as given or :attr:`TABS`.
    dataset : ipywidgets.Dropdown
        The data set; each option says whether it loads offline now.
    strategies : ipywidgets.SelectMultiple
        The training strategies (all four selected by default).
    n_networks : ipywidgets.IntSlider
        Networks per strategy.
    build_button, cancel_button, export_button : ipywidgets.Button
        Start a build in the background; cancel it; export figures and tables.
    export_dir : ipywidgets.Text
        Export folder; empty means ``fcviz-output/dashboard-<timestamp>`` under the current directory.
    progress : ipywidgets.IntProgress
        Training epochs done out of the build's total (see :class:`fcviz.BuildProgress`).
    status : ipywidgets.HTML
        One line: what runs, what was built, cancelled, exported, or what went wrong.
    error_log : ipywidgets.Textarea
        Read-only; the tracebacks of the last errors (newest first), inside the collapsible :attr:`log`.
    log : ipywidgets.Accordion
        The collapsed "Error log" section.
    tabs : ipywidgets.Tab
        One tab per explorer (a placeholder until the first build).
    widget : ipywidgets.VBox
        Everything above, laid out; displaying the dashboard displays it.
    zoo_ : ConnectomeZoo or None
        The last zoo built (or loaded from the cache); a cancelled or failed build keeps the previous one.
    persistence_ : Persistence or None
        ``fcviz.birth_death(zoo_.graphs)``, computed once per zoo and shared with the explorers.
    explorers_ : dict of str to explorer
        The explorers by tab title, once created.
    building_ : bool
        True while a build runs.
    thread_ : threading.Thread or None
        The thread of the last build.
    last_build_seconds_ : float or None
        Wall time of the last build's :func:`fcviz.connectome_zoo` call (also when it failed or was
        cancelled).
    last_render_seconds_ : float or None
        Wall time the explorers took to show the last zoo.
    last_error_ : str or None
        The traceback text of the last error shown (None after a successful build or export), as in
        in every :class:`fcviz.viz.widgets.base.Widget`: the log's content cannot be read back from a front end.

    Examples
    --------
    >>> from fcviz.viz.widgets.dashboard import Dashboard
    >>> dash = Dashboard(n_networks=2, strategies=("vanilla", "l2"), epochs=1, n_stimuli=30, cache=False)
    >>> dash.dataset.value, dash.strategies.value, dash.n_networks.value
    ('digits', ('vanilla', 'l2'), 2)
    >>> [title for title, _ in Dashboard.TABS]
    ['Connectomes', 'Clustering', 'Dynamics']
    """

    #: The explorer tabs: (title, name of the tab's class in :mod:`fcviz.viz`). A new tab is a subclass of
    #: :class:`fcviz.viz.widgets.base.Widget` and one line here. Tabs get the zoo's trained networks (its
    #: last epoch) unless their class sets ``uses_epochs = True``.
    log_title = "Error log"
    status_layout = {}

    TABS = (
        ("Connectomes", "ConnectomeExplorer"),
        ("Clustering", "ClusteringExplorer"),
        ("Dynamics", "DynamicsExplorer"),
    )

    def __init__(self, dataset="digits", preset="classroom", *, strategies=REGULARIZERS, n_networks=None, tabs=None,
                 **zoo_kwargs):
        dataset = canonical_dataset_name(dataset)
        preset = check_option(preset, "preset", tuple(zoo_module.PRESETS))
        if isinstance(strategies, str):
            strategies = REGULARIZERS if strategies == "all" else (strategies,)
        strategies = tuple(strategies)
        unknown = [s for s in strategies if s not in REGULARIZERS]
        if unknown:
            raise ValueError(f"strategies must be names from {list(REGULARIZERS)} or 'all'; got unknown {unknown}.")
        if n_networks is None:
            n_networks = zoo_module.PRESETS[preset]["n_networks"]
        n_networks = check_int(n_networks, "n_networks", minimum=1)
        managed = sorted(set(zoo_kwargs) & set(_MANAGED))
        if managed:
            raise ValueError(
                f"Dashboard sets {managed} itself (from its controls and for the build thread); pass dataset, "
                "preset, strategies and n_networks as Dashboard arguments instead."
            )
        self.preset = preset
        self.zoo_kwargs = dict(zoo_kwargs)
        if "snapshot_epochs" not in self.zoo_kwargs:  # the Dynamics tab plays the training from epoch 0
            epochs = self.zoo_kwargs.get("epochs", zoo_module.PRESETS[preset]["epochs"])
            self.zoo_kwargs["snapshot_epochs"] = list(default_snapshot_epochs(epochs))
        self.tab_factories = list(self.TABS if tabs is None else tabs)
        super().__init__()

        self.zoo_ = None
        self.persistence_ = None
        self.explorers_ = {}
        self.building_ = False
        self.thread_ = None
        self.last_build_seconds_ = None
        self.last_render_seconds_ = None
        self._cancel_event = None
        self._building_where = ""  # where the running build's tasks run, for the status line
        self._refreshing = False

        self.dataset = widgets.Dropdown(description="Data set", options=[(name, name) for name in DATASETS],
                                        value=dataset)
        self.refresh_datasets()
        self.strategies = widgets.SelectMultiple(description="Strategies", options=list(REGULARIZERS),
                                                 value=strategies, rows=len(REGULARIZERS))
        self.n_networks = widgets.IntSlider(description="Networks", value=n_networks, min=min(2, n_networks),
                                            max=max(40, n_networks), continuous_update=False,
                                            tooltip="networks per strategy")
        self.build_button = widgets.Button(description="Build", button_style="primary", icon="play",
                                           tooltip="Train the networks (or load them from the cache)")
        self.cancel_button = widgets.Button(description="Cancel", icon="stop", disabled=True,
                                            tooltip="Stop the running build; the last zoo stays")
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="Epochs")
        self.tabs = widgets.Tab(children=[self._placeholder(title) for title, _ in self.tab_factories],
                                titles=tuple(title for title, _ in self.tab_factories))
        self.export_dir = widgets.Text(description="Folder", value="",
                                       placeholder=f"{DEFAULT_EXPORT_ROOT}/dashboard-<timestamp>")
        self.export_button = widgets.Button(description="Export", icon="download",
                                            tooltip="Save every figure (PNG, SVG) and table (CSV)")

        self.build_button.on_click(lambda _: self.build())
        self.cancel_button.on_click(lambda _: self.cancel())
        self.export_button.on_click(self._on_export)
        for control in (self.dataset, self.strategies, self.n_networks):
            control.observe(self._on_setting, names="value")

        self._set_status("Choose a data set and strategies, then click Build (a cached zoo loads in a second).")

    # ------------------------------------------------------------------------------------------------
    # Display

    def _widget_rows(self):
        return [
            widgets.HBox([self.dataset, self.strategies, self.n_networks]),
            widgets.HBox([self.build_button, self.cancel_button, self.progress]),
            self.status,
            self.log,
            self.tabs,
            widgets.HBox([self.export_dir, self.export_button]),
        ]

    def __repr__(self):
        state = "building" if self.building_ else "no zoo yet" if self.zoo_ is None else repr(self.zoo_)
        return f"Dashboard(dataset={self.dataset.value!r}, preset={self.preset!r}, {state})"

    # ------------------------------------------------------------------------------------------------
    # Build and cancel

    def refresh_datasets(self):
        """Relabel the data set options with whether each loads offline now (files present or embedded)."""
        from ...datasets import dataset_info  # imports torch: only when a dashboard is made

        def label(name):
            try:
                offline = dataset_info(name).available_offline
            except Exception:  # noqa: BLE001 -- a label must never break the dashboard
                return name
            return f"{name} ({'offline' if offline else 'needs download'})"

        value = self.dataset.value
        options = tuple((label(name), name) for name in DATASETS)
        if tuple(self.dataset.options) == options:
            return

        def relabel():
            self._refreshing = True  # new options reset the value: restore it without "settings changed"
            try:
                self.dataset.options = options
                self.dataset.value = value
            finally:
                self._refreshing = False

        self.commit(relabel)

    def zoo_arguments(self) -> dict:
        """The keyword arguments of :func:`fcviz.connectome_zoo` that the controls describe now."""
        return {"dataset": self.dataset.value, "regularizers": tuple(self.strategies.value),
                "n_networks": self.n_networks.value, "preset": self.preset, **self.zoo_kwargs}

    def build(self):
        """Start building the zoo of the current settings in a background thread (what Build does).

        Returns immediately; :meth:`wait` joins the thread. While a build runs, a second call does
        nothing and returns the running thread.

        Returns
        -------
        threading.Thread
            The build thread (also :attr:`thread_`).
        """
        if self.building_:
            return self.thread_
        arguments = self.zoo_arguments()  # read on the main thread, before anything changes
        self._cancel_event = threading.Event()
        self.building_ = True

        def start():
            self._set_controls(building=True)
            self.progress.bar_style = ""
            self.progress.value = 0

        self.commit(start)
        self._building_where = self._where(arguments)
        self._set_status(f"Building the {arguments['dataset']} zoo ({len(arguments['regularizers'])} strategies "
                         f"× {arguments['n_networks']} networks){self._building_where} ...")
        self.thread_ = self.run_in_background(self._build_in_thread, arguments, self._cancel_event,
                                              name="fcviz-dashboard-build")
        return self.thread_

    @staticmethod
    def _where(arguments) -> str:
        """Where the build's tasks run, for the status line: '' here, else the cluster and its dashboard."""
        from ... import parallel

        client = parallel.active_client(arguments.get("client"))
        if client is None:
            n_jobs = arguments.get("n_jobs")
            return f" in {n_jobs} processes" if n_jobs not in (None, 1) else ""
        try:
            return " on the " + (client if isinstance(client, str) else parallel.describe(client))
        except Exception as exc:  # noqa: BLE001 -- the build itself says what is wrong with the cluster
            return f" on a Dask cluster ({type(exc).__name__}: {exc})"

    def cancel(self):
        """Ask the running build to stop (what Cancel does); it ends within about a second.

        The previous zoo and views stay and no cache entry is written. Does nothing when idle.
        """
        if self.building_ and self._cancel_event is not None and not self._cancel_event.is_set():
            self._cancel_event.set()
            self.commit(lambda: setattr(self.cancel_button, "disabled", True))
            self._set_status("Cancelling ...", "warning")

    def wait(self, timeout=None) -> bool:
        """Join the build thread (if any) for at most ``timeout`` seconds.

        Returns
        -------
        bool
            True when no build is running any more.
        """
        return super().wait(timeout)

    def _build_in_thread(self, arguments, cancel):
        """The build thread: train (or load), then show the zoo; every outcome ends in the status line."""
        tic = time.perf_counter()
        try:
            try:
                zoo = zoo_module.connectome_zoo(**arguments, progress=False, progress_callback=self._on_progress,
                                                cancel=cancel)
            finally:
                self.last_build_seconds_ = time.perf_counter() - tic

            def built():  # too late to cancel: the zoo exists (and is cached)
                self.cancel_button.disabled = True
                self.progress.value = self.progress.max
                self.progress.bar_style = "success"

            self.commit(built)
            done = self._built_message(zoo, arguments)
            self._set_status(f"{done}; drawing the views ...")
            failures = self._show_zoo(zoo)
            for title, exc in failures:
                self._show_error(f"{done}, but the {title} view failed", exc)
            if not failures:
                self.commit(lambda: setattr(self, "last_error_", None))
                self._set_status(f"{done}.", "ok")
            for explorer in list(self.explorers_.values()):  # e.g. the Dynamics tab's frames, for smooth Play
                try:
                    explorer.prerender(cancel=cancel)
                except Exception as exc:  # noqa: BLE001 -- frames are drawn on demand instead
                    self._show_error(f"{done}, but drawing the frames ahead failed", exc)
        except BuildCancelled:
            kept = "no zoo yet" if self.zoo_ is None else "the previous zoo is still shown"
            self.commit(lambda: setattr(self.progress, "bar_style", "warning"))
            self._set_status(f"Cancelled after {self.last_build_seconds_:.1f} s; nothing was cached, {kept}.",
                             "warning")
        except BaseException as exc:  # noqa: BLE001 -- a thread must end in the status line, never in stderr
            self.commit(lambda: setattr(self.progress, "bar_style", "danger"))
            self._show_error("Build failed", exc)
        finally:
            self.building_ = False
            self._set_controls(building=False)
            with contextlib.suppress(Exception):
                self.refresh_datasets()  # a build may have downloaded a data set

    def _built_message(self, zoo, arguments):
        source = "Loaded from the cache" if zoo.from_cache else "Built"
        epochs = zoo.epochs
        recorded = f" recorded at {len(epochs)} epochs" if len(epochs) > 1 else ""
        return (f"{source}: {len(zoo) // len(epochs)} connectomes of {zoo.n_nodes} neurons{recorded} "
                f"({arguments['dataset']}, {len(arguments['regularizers'])} strategies × "
                f"{arguments['n_networks']} networks) in {self.last_build_seconds_:.1f} s")

    def _on_progress(self, report):
        """Progress callback (build thread): move the bar and say what runs."""

        def move():
            self.progress.max = max(int(report.total), 1)
            self.progress.value = min(int(report.done), self.progress.max)

        self.commit(move)
        where = self._building_where
        self._set_status(f"{report.message or report.stage} ({100 * report.fraction:.0f} %){where}")

    def _show_zoo(self, zoo):
        """Make ``zoo`` current: create the tabs (first build) or give it to them with ``set_zoo``.

        Returns the ``(tab title, exception)`` of every view that failed; the others show the zoo.

        The zoo's persistence is computed once here and handed to every tab, so they do not compute it
        again; a tab that cannot show the zoo (:meth:`~fcviz.viz.widgets.base.Widget.unavailable`) keeps
        a placeholder that says why.
        """
        tic = time.perf_counter()
        try:
            persistence = birth_death(zoo.graphs)
        except Exception as exc:  # noqa: BLE001 -- reported like a failing view
            self.commit(lambda: self._set_zoo_state(zoo, None))
            return [(" and ".join(title for title, _ in self.tab_factories), exc)]
        failures, children, trained = [], list(self.tabs.children), None
        explorers = dict(self.explorers_)
        for i, (title, factory) in enumerate(self.tab_factories):
            try:
                tab = self._tab_class(factory)
                declared = tab if isinstance(tab, type) and issubclass(tab, Widget) else Widget  # a callable: defaults
                why = declared.unavailable(zoo)
                if why is not None:
                    explorers.pop(title, None)
                    children[i] = self._placeholder(title, why)
                    continue
                if declared.uses_epochs:
                    view_zoo, view_persistence = zoo, persistence
                else:
                    trained = trained or self._trained(zoo, persistence)
                    view_zoo, view_persistence = trained
                explorer = explorers.get(title)
                if explorer is None:
                    explorer = self._make_tab(tab, view_zoo, view_persistence)
                    explorers[title] = explorer
                    children[i] = explorer.widget
                else:
                    explorer.set_zoo(view_zoo, persistence=view_persistence)
            except Exception as exc:  # noqa: BLE001 -- one broken view must not hide the others
                failures.append((title, exc))

        def show():  # zoo_, persistence_ and the tabs change together
            self._set_zoo_state(zoo, persistence)
            self.explorers_ = explorers
            self.tabs.children = children

        self.commit(show)
        self.last_render_seconds_ = time.perf_counter() - tic
        return failures

    def _set_zoo_state(self, zoo, persistence):
        self.zoo_, self.persistence_ = zoo, persistence

    @staticmethod
    def _trained(zoo, persistence):
        """The trained networks of a zoo (its last epoch) and their persistence: what most views show."""
        if len(zoo.epochs) < 2:
            return zoo, persistence
        return zoo.trained(), (None if persistence is None else persistence[zoo.rows(epoch=zoo.epochs[-1])])

    @staticmethod
    def _tab_class(factory):
        """A tab's factory: the class (or callable) itself, or the class of that name in :mod:`fcviz.viz`."""
        if isinstance(factory, str):
            return getattr(import_module("fcviz.viz"), factory)
        return factory

    @staticmethod
    def _make_tab(tab, zoo, persistence):
        """A new tab: ``from_zoo`` of a :class:`Widget` subclass, else the callable's ``tab(zoo)``."""
        if isinstance(tab, type) and issubclass(tab, Widget):
            return tab.from_zoo(zoo, persistence=persistence)
        made = tab(zoo)
        if not isinstance(made, Widget):
            raise TypeError(f"a dashboard tab must be a fcviz.viz.widgets.base.Widget; {tab!r} made a "
                            f"{type(made).__name__}.")
        return made

    def _on_setting(self, change):
        if self.zoo_ is not None and not self.building_ and not self._refreshing:
            self._set_status("Settings changed: click Build to train or load that zoo (the views show the last "
                             "one).")

    # ------------------------------------------------------------------------------------------------
    # Export

    def export(self, folder=None):
        """Write every explorer's figures (PNG and SVG) and the tables (CSV) into a folder.

        Figures: ``<tab>-<name>.png`` and ``.svg`` for every entry of each explorer's ``figures_``.
        Tables: ``<name>.csv`` for every table of :meth:`tables`. Every file is written under a
        temporary name and renamed when complete. The status line names the folder.

        Parameters
        ----------
        folder : str or path-like, optional
            Where to write; default: :attr:`export_dir`'s value, or when empty
            ``fcviz-output/dashboard-<timestamp>`` under the current directory. Created if missing.

        Returns
        -------
        list of pathlib.Path
            The files written (empty when there is nothing to export yet).
        """
        if self.zoo_ is None:
            self._set_status("Nothing to export yet: click Build first.", "warning")
            return []
        folder = self._export_folder(folder)
        written = []
        explorers = dict(self.explorers_)
        for explorer in explorers.values():  # e.g. a clustering still computed in the background
            explorer.wait()
        for title, explorer in explorers.items():
            with explorer.drawing():  # never a half-drawn figure
                for name, figure in dict(explorer.figures_).items():
                    stem = f"{_slug(title)}-{_slug(name)}"
                    for fmt in ("png", "svg"):
                        written.append(write_atomic(folder / f"{stem}.{fmt}",
                                                     lambda file, fig=figure, fmt=fmt: fig.savefig(file, format=fmt)))
        for stem, rows in self.tables().items():
            written.append(write_atomic(folder / f"{stem}.csv", lambda file, rows=rows: file.write(_csv_bytes(rows))))
        self.commit(lambda: setattr(self, "last_error_", None))
        self._set_status(f"Exported {len(written)} files to {folder}", "ok")
        return written

    def tables(self) -> dict:
        """The tables that :meth:`export` writes, as lists of dict rows (empty before the first build).

        Returns
        -------
        dict of str to list of dict
            ``"zoo-summary"``: :meth:`ConnectomeZoo.summary` rows of :attr:`zoo_` (one per strategy);
            and ``"<tab>-<name>"`` for every table of every tab's ``tables()`` (the clustering tab's
            ``scores``: purity, adjusted Rand index …, one row; ``clusters``: the zoo's label rows with
            a ``cluster`` column).
        """
        with self._state:  # the zoo and its tabs as one
            zoo, persistence, explorers = self.zoo_, self.persistence_, dict(self.explorers_)
        if zoo is None:
            return {}
        tables = {"zoo-summary": zoo.summary(persistence=persistence).rows}
        for title, explorer in explorers.items():
            for name, rows in explorer.tables().items():
                tables[f"{_slug(title)}-{name}"] = rows
        return tables

    def _export_folder(self, folder) -> Path:
        chosen = folder if folder is not None else self.export_dir.value.strip() or None
        if chosen is not None:
            path = Path(chosen).expanduser()
            path.mkdir(parents=True, exist_ok=True)
            return path.resolve()
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        root = Path.cwd() / DEFAULT_EXPORT_ROOT
        root.mkdir(parents=True, exist_ok=True)
        for n in range(1, 1000):  # two exports within one second get their own folders
            path = root / (f"dashboard-{stamp}" if n == 1 else f"dashboard-{stamp}-{n}")
            with contextlib.suppress(FileExistsError):
                path.mkdir()
                return path
        raise FileExistsError(f"Could not create a new export folder under {root}; set export_dir instead.")

    def _on_export(self, _button):
        try:
            self.export()
        except Exception as exc:  # noqa: BLE001 -- a callback error goes to the status line and the log
            self._show_error("Export failed", exc)

    # ------------------------------------------------------------------------------------------------
    # Status, errors, control states

    def _set_status(self, text, kind="info"):
        self.set_status(f'<span style="color:{_COLORS[kind]};white-space:pre-wrap">{html.escape(str(text))}</span>')

    def _show_error(self, what, exc):
        """Put the library's message in the status line and the traceback in the (collapsed) log."""
        self.report_error(exc, what)

    def _log_heading(self, action):
        return action

    def _error_line(self, exc, action):
        text = f"\u26a0 {action}: {str(exc) or type(exc).__name__}"
        return f'<span style="color:{_COLORS["error"]};white-space:pre-wrap">{html.escape(text)}</span>'

    def _set_controls(self, *, building):
        def change():
            for control in (self.dataset, self.strategies, self.n_networks, self.build_button):
                control.disabled = building
            self.cancel_button.disabled = not building

        self.commit(change)

    @staticmethod
    def _placeholder(title, why=None):
        if why is not None:
            return widgets.HTML(f"<i>The {html.escape(title)} view {html.escape(why)}.</i>")
        return widgets.HTML(f"<i>Click Build to train (or load from the cache) a zoo; the {html.escape(title)} "
                            "view appears here.</i>")


def dashboard(dataset="digits", preset="classroom", **kwargs) -> Dashboard:
    """One widget to build a connectome zoo, explore it and export figures and tables.

    Parameters
    ----------
    dataset : str, default="digits"
        Data set selected at start; ``"digits"`` works offline.
    preset : {"classroom", "paper"}, default="classroom"
        Preset of :func:`fcviz.connectome_zoo`.
    **kwargs
        Further :class:`Dashboard` arguments (``strategies``, ``n_networks``, ``tabs``) and
        :func:`fcviz.connectome_zoo` overrides (``epochs``, ``n_stimuli``, ``seed``, ``cache_dir`` ...).

    Returns
    -------
    Dashboard
        Displaying it in Jupyter shows the widget; click Build to start.
    """
    return Dashboard(dataset, preset, **kwargs)
