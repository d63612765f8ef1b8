"""The dashboard as a class app: :class:`AppDashboard`, what ``python -m fcviz app`` serves.

A JupyterLab user's :class:`~fcviz.viz.widgets.dashboard.Dashboard` can write anywhere and train
anything; served to a class through Voilà, the same widget must not let a student reach past the app.
:class:`AppDashboard` is the dashboard in *app mode*:

* **Export takes a name, not a path.** The files go to ``<output root>/<name>/`` only. An absolute
  path, a name with ``/`` or ``\\``, ``..``, a hidden name and a folder (or the output root itself)
  that is a symbolic link are refused with a message in the status line; nothing is written.
* **Only the classroom preset, with caps.** Networks per strategy at most :data:`MAX_NETWORKS`,
  training epochs at most :data:`MAX_EPOCHS`; a larger request is refused (at creation, and again at
  every build, whatever a front end sent).
* **One build at a time per server.** Voilà starts one kernel per page view; the kernels of one
  server share a lock file in the output root. A build that finds it taken says so in the status line
  and waits (Cancel still works) until the other build ends.

What a JupyterLab user sees is unchanged: :class:`Dashboard` itself has none of this.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from pathlib import Path

from ... import zoo as zoo_module
from ...progress import BuildCancelled
from ..._validation import check_int
from .dashboard import Dashboard

try:  # POSIX: a lock shared by the kernels of one server
    import fcntl
except ImportError:  # pragma: no cover -- Windows: one lock per kernel process
    fcntl = None

__all__ = ["AppDashboard", "app_dashboard", "check_export_name", "MAX_NETWORKS", "MAX_EPOCHS", "LOCK_NAME"]

#: The most networks per strategy that the app builds.
MAX_NETWORKS = 8
#: The most training epochs that the app trains.
MAX_EPOCHS = 15
#: The lock file (in the output root) that lets one build run at a time per server.
LOCK_NAME = ".fcviz-build.lock"
#: Environment variables that ``python -m fcviz app`` sets for the app's kernels.
ENV_DATASET, ENV_OUTPUT = "FCVIZ_APP_DATASET", "FCVIZ_APP_OUTPUT"

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,63}$")
_WAIT_POLL = 0.25  # seconds between two tries of a taken build lock
_PROCESS_LOCK = threading.Lock()  # one build at a time within a kernel too (flock is per open file)


def check_export_name(name) -> str:
    """The export name, stripped, or ValueError with one line that says what a name may be.

    >>> check_export_name(" my-zoo ")
    'my-zoo'
    >>> check_export_name("../escaped")
    Traceback (most recent call last):
    ...
    ValueError: Export takes a name, not a path: '../escaped' has a '/' or '\\' in it. Type a name such as my-zoo.
    """
    text = str(name).strip()
    if not text:
        raise ValueError("Type a name for the export, such as my-zoo.")
    if os.path.isabs(text) or text.startswith("~"):
        raise ValueError(f"Export takes a name, not a path: {text!r} is an absolute path. Type a name such as "
                         "my-zoo.")
    if "/" in text or "\\" in text:
        raise ValueError(f"Export takes a name, not a path: {text!r} has a '/' or '\\' in it. Type a name such as "
                         "my-zoo.")
    if ".." in text:
        raise ValueError(f"Export takes a name, not a path: {text!r} contains '..'. Type a name such as my-zoo.")
    if not _NAME.match(text):
        raise ValueError(f"{text!r} is not a usable name: use up to 64 letters, digits, '-', '_', '.' or spaces, "
                         "starting with a letter or digit.")
    return text


class AppDashboard(Dashboard):
    """The dashboard in app mode: exports by name under one folder, classroom preset, caps, one build at a time.

    Parameters
    ----------
    dataset : str, default="digits"
        Data set selected at start.
    output_dir : str or path-like, optional
        The app's own output folder: every export goes to ``output_dir/<name>/``, and the build lock
        lives here. Default: ``fcviz-output/app`` under the current directory.
    n_networks : int, optional
        Networks per strategy at start (at most :data:`MAX_NETWORKS`).
    **kwargs
        Further :class:`Dashboard` arguments and :func:`fcviz.connectome_zoo` overrides; ``epochs``
        at most :data:`MAX_EPOCHS`; the preset is always ``"classroom"``.

    Examples
    --------
    >>> import tempfile
    >>> dash = AppDashboard(output_dir=tempfile.mkdtemp(), n_networks=2, epochs=1, cache=False)
    >>> dash.preset, dash.n_networks.max
    ('classroom', 8)
    >>> dash.export("/tmp/elsewhere")
    []
    >>> dash.last_refusal_
    'Nothing to export yet: click Build first.'
    """

    def __init__(self, dataset="digits", *, output_dir=None, n_networks=None, **kwargs):
        preset = kwargs.pop("preset", "classroom")
        if preset != "classroom":
            raise ValueError(f"The app offers the classroom preset only; got preset={preset!r}.")
        if n_networks is not None:
            n_networks = self._capped(n_networks, "n_networks", MAX_NETWORKS, "networks per strategy")
        if "epochs" in kwargs:
            kwargs["epochs"] = self._capped(kwargs["epochs"], "epochs", MAX_EPOCHS, "training epochs")
        root = Path(output_dir) if output_dir is not None else Path.cwd() / "fcviz-output" / "app"
        self.output_root = Path(os.path.abspath(root.expanduser()))
        self.last_refusal_ = None
        super().__init__(dataset, "classroom", n_networks=n_networks, **kwargs)
        self.n_networks.max = MAX_NETWORKS
        self.n_networks.min = min(self.n_networks.min, MAX_NETWORKS)
        self.export_dir.description = "Name"
        self.export_dir.placeholder = "a name for the export, e.g. my-zoo"
        self.export_dir.tooltip = f"The export goes to a folder of that name in {self.output_root}"
        self._set_status("Click Build to load the classroom zoo (it takes seconds when the server has it cached).")

    @staticmethod
    def _capped(value, name, cap, what):
        value = check_int(value, name, minimum=1)
        if value > cap:
            raise ValueError(f"The app builds at most {cap} {what}; {value} was asked for.")
        return value

    # ------------------------------------------------------------------------------------------------
    # Build: the caps again, and one at a time per server

    def zoo_arguments(self) -> dict:
        """The build's arguments, refused (ValueError) when over the caps or not the classroom preset."""
        arguments = super().zoo_arguments()
        arguments["n_networks"] = self._capped(arguments["n_networks"], "n_networks", MAX_NETWORKS,
                                               "networks per strategy")
        epochs = arguments.get("epochs", zoo_module.PRESETS["classroom"]["epochs"])
        self._capped(epochs, "epochs", MAX_EPOCHS, "training epochs")
        if arguments["preset"] != "classroom":
            raise ValueError("The app offers the classroom preset only.")
        return arguments

    def build(self):
        """Start a build (see :meth:`Dashboard.build`); a request over the caps ends in the status line."""
        try:
            self.zoo_arguments()
        except ValueError as exc:
            self._refuse(str(exc))
            return None
        return super().build()

    def _build_in_thread(self, arguments, cancel):
        try:
            lock = self._take_build_lock(cancel)
        except BuildCancelled:
            self.building_ = False
            self._set_controls(building=False)
            self._set_status("Cancelled while waiting for the other build; nothing was built.", "warning")
            return
        try:
            super()._build_in_thread(arguments, cancel)
        finally:
            lock.release()

    def _take_build_lock(self, cancel):
        """The server's build lock (waiting with a message while another kernel builds), or BuildCancelled."""
        lock = _BuildLock(self.output_root / LOCK_NAME)
        said = False
        while not lock.acquire():
            if cancel.is_set():
                raise BuildCancelled("cancelled while waiting")
            if not said:
                self._set_status("Another build is running on this server: yours starts as soon as it ends "
                                 "(Cancel stops waiting) ...", "warning")
                said = True
            time.sleep(_WAIT_POLL)
        if said:
            self._set_status("The other build has ended: building yours now ...")
        return lock

    # ------------------------------------------------------------------------------------------------
    # Export: a name under the output root

    def export(self, folder=None):
        """Write the figures and tables into ``output_root/<name>/``; a refused name writes nothing.

        Parameters
        ----------
        folder : str, optional
            The export's *name* (default: the Name field's value). A path is refused.

        Returns
        -------
        list of pathlib.Path
            The files written; empty when refused or when there is nothing to export yet.
        """
        if self.zoo_ is None:
            return self._refuse("Nothing to export yet: click Build first.")
        name = self.export_dir.value if folder is None else folder
        try:
            target = self._export_target(name)
        except ValueError as exc:
            return self._refuse(str(exc))
        self.last_refusal_ = None
        return super().export(target)

    def _export_target(self, name) -> Path:
        """``output_root/<name>``, created; ValueError when the name or a folder on the way is not safe."""
        name = check_export_name(name)
        root = self.output_root
        if root.is_symlink():
            raise ValueError(f"The app's output folder {root} is a link; refusing to write through it.")
        root.mkdir(parents=True, exist_ok=True)
        target = root / name
        if target.is_symlink():
            raise ValueError(f"{name!r} is a link in the app's output folder; refusing to write through it. "
                             "Choose another name.")
        if target.exists() and not target.is_dir():
            raise ValueError(f"{name!r} is a file in the app's output folder; choose another name.")
        target.mkdir(exist_ok=True)
        real_root, real_target = root.resolve(), target.resolve()
        if real_target.parent != real_root:
            raise ValueError(f"{name!r} leads outside the app's output folder; choose another name.")
        return real_target

    def _export_folder(self, folder) -> Path:
        if folder is None:  # only reached through export(), which always names a folder
            raise ValueError("The app exports to a named folder only.")
        return Path(folder)

    def _refuse(self, message):
        self.last_refusal_ = message
        self._set_status(message, "warning")
        return []


class _BuildLock:
    """A non-blocking lock on a file shared by every kernel of the server (``flock``), and in-process."""

    def __init__(self, path):
        self.path = Path(path)
        self._file = None

    def acquire(self) -> bool:
        if not _PROCESS_LOCK.acquire(blocking=False):
            return False
        if fcntl is None:
            return True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.path, "a")  # noqa: SIM115 -- held until release()
        except OSError:  # an unwritable output folder: the in-process lock alone
            return True
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            _PROCESS_LOCK.release()
            return False
        self._file = handle
        return True

    def release(self):
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        _PROCESS_LOCK.release()


#: Small builds for the test suite (``FCVIZ_FAST=1``), as in the notebooks.
_FAST = {"n_networks": 2, "epochs": 2, "n_stimuli": 60}


def app_dashboard(**kwargs) -> AppDashboard:
    """The app's dashboard, set up from the environment that ``python -m fcviz app`` gives its kernels.

    ``FCVIZ_APP_DATASET`` selects the data set, ``FCVIZ_APP_OUTPUT`` is the output folder and
    ``FCVIZ_FAST=1`` makes the builds tiny (the browser test); ``kwargs`` override them.
    """
    settings = {"dataset": os.environ.get(ENV_DATASET, "digits"), "output_dir": os.environ.get(ENV_OUTPUT)}
    if os.environ.get("FCVIZ_FAST") == "1":
        settings.update(_FAST)
    settings.update(kwargs)
    return AppDashboard(**settings)
