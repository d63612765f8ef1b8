"""The browser test's harness: a throwaway JupyterLab server, a time budget, where artifacts go.

The server runs the project's own Python (so the venv's ``share/jupyter`` with the ipywidgets
labextension and the ipykernel kernelspec stay visible) in its own process group, on 127.0.0.1 with a
free port and a random token, over a temporary root folder that holds a copy of ``notebooks/``. Its
config, runtime, data and IPython folders are temporary as well, and so is ``FCVIZ_CACHE_DIR``;
``FCVIZ_FAST=1`` keeps the notebooks small (except when ``FCVIZ_UPDATE_README_SCREENSHOT=1``: the
README's picture shows the classroom build a user gets). It is always stopped: REST shutdown, then SIGTERM and
SIGKILL to its process group, then SIGKILL to any kernel left that used its runtime folder.

Chromium is Debian's (``/usr/bin/chromium``, or ``FCVIZ_CHROMIUM``), driven by the PyPI
``playwright`` wheel: ``playwright install`` is never needed. Every wait is a bounded poll; the whole
module shares one time budget (:data:`BUDGET_SECONDS`), and a watchdog stops the server if the budget
is overrun by far, so a stuck run ends instead of hanging CI.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("FCVIZ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
#: The whole browser module (server start, every step, teardown) must end within this many seconds.
BUDGET_SECONDS = 285.0
SERVER_START_SECONDS = 90.0
VIEWPORT = {"width": 1280, "height": 1800}
#: Refresh docs/images/dashboard.png, from a full-size (not FCVIZ_FAST) run of the notebook.
README_RUN = os.environ.get("FCVIZ_UPDATE_README_SCREENSHOT") == "1"
WIDGETS_LABEXTENSION = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter-widgets" / "jupyterlab-manager"

# Throwaway JupyterLab user settings: no news or update toasts over the screenshots; every cell in the
# DOM (no windowing), so the test can read every prompt.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


class Deadline:
    """A time budget: ``left()`` seconds remain; ``timeout(step)`` is a step's limit within it."""

    def __init__(self, seconds):
        self.seconds = float(seconds)
        self.start = time.monotonic()

    def left(self):
        return self.seconds - (time.monotonic() - self.start)

    def elapsed(self):
        return time.monotonic() - self.start

    def timeout(self, step_seconds, what):
        """``min(step_seconds, left())``, or a test failure when the budget is spent."""
        left = self.left()
        if left <= 1:
            pytest.fail(f"The browser test spent its {self.seconds:.0f} s budget before: {what}.", pytrace=False)
        return min(float(step_seconds), left)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_tail(path, lines=40):
    """The last ``lines`` lines of a server's log file, or why there are none."""
    try:
        text = Path(path).read_text(errors="replace")
    except OSError as exc:
        return f"(no server log: {exc})"
    return "\n".join(text.splitlines()[-lines:])


def processes_naming(path):
    """Process ids (other than this one) whose command line contains ``path``: a server's kernels."""
    marker = str(path).encode()
    pids = []
    for entry in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            if marker in (entry / "cmdline").read_bytes() and int(entry.name) != os.getpid():
                pids.append(int(entry.name))
    return pids


class BrowserSteps:
    """What the steps of a browser test share: the page, the server, the steps passed, how to fail and wait.

    Parameters
    ----------
    page : playwright Page
        With ``fcviz_console``, the browser's console errors (see ``chromium_page``).
    server : object
        With ``log_tail(lines)``.
    deadline : Deadline
        The whole test's time budget.
    artifacts : Path
        Where failure screenshots go.
    server_name : str
        How failure messages name the server's log ("JupyterLab", "App").
    """

    def __init__(self, page, server, deadline, *, artifacts, server_name):
        self.page, self.server, self.deadline = page, server, deadline
        self.artifacts, self.server_name = Path(artifacts), server_name
        self.passed = set()

    def require(self, *steps):
        missing = [s for s in steps if s not in self.passed]
        if missing:
            pytest.skip(f"needs the step(s) {missing}, which did not pass")

    def fail(self, message, name, observed=None):
        """Fail the step with what was observed, a screenshot, the browser's errors and the server log."""
        shot = self.artifacts / f"failure-{name}.png"
        try:
            self.page.screenshot(path=str(shot), timeout=10_000)
        except Exception as exc:  # noqa: BLE001 -- the failure message matters more than the screenshot
            shot = f"(no screenshot: {exc})"
        console = "\n".join(self.page.fcviz_console[-10:]) or "(none)"
        pytest.fail(f"{message}\nLast observed: {json.dumps(observed, ensure_ascii=False)[:3000]}\n"
                    f"Screenshot: {shot}\nBrowser console errors (last 10):\n{console}\n"
                    f"{self.server_name} log (tail):\n{self.server.log_tail(25)}", pytrace=False)

    def poll(self, what, name, probe, done, step_seconds, *, failed=None, every=250):
        """Call ``probe()`` until ``done(value)``; fail early when ``failed(value)`` names a problem."""
        limit = self.deadline.timeout(step_seconds, what)
        start = self.deadline.elapsed()
        value = None
        while self.deadline.elapsed() - start < limit:
            value = probe()
            problem = failed(value) if failed is not None else None
            if problem:
                self.fail(f"While waiting until {what}: {problem}", name, value)
            if done(value):
                return value
            self.page.wait_for_timeout(every)
        self.fail(f"Timed out after {limit:.0f} s waiting until {what}.", name, value)


class LabServer:
    """A JupyterLab process started by :meth:`start`; :meth:`stop` always ends it and its kernels."""

    def __init__(self, base):
        self.base = Path(base)
        self.root = self.base / "root"
        self.runtime_dir = self.base / "runtime"
        self.log_path = self.base / "jupyterlab.log"
        self.cache_dir = self.base / "fcviz-cache"
        self.token = secrets.token_hex(24)
        self.port = None
        self.proc = None
        self._log = None
        self._stopped = threading.Lock()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def environment(self):
        config_dir = self.base / "config"
        for name, values in LAB_SETTINGS.items():
            path = config_dir / "lab" / "user-settings" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = dict(os.environ)
        env.pop("MPLBACKEND", None)  # the kernel picks its own (inline) backend, as for a user
        env.pop("JUPYTER_PATH", None)
        env.pop("FCVIZ_NOTEBOOK_AUTOBUILD", None)  # the test clicks Build itself, as a user does
        env.update({
            "JUPYTER_CONFIG_DIR": str(config_dir),
            "JUPYTER_RUNTIME_DIR": str(self.runtime_dir),
            # Only the user-level data folder is replaced: the venv's share/jupyter (sys.prefix, where
            # the ipywidgets labextension and the python3 kernelspec live) stays on the data path.
            "JUPYTER_DATA_DIR": str(self.base / "data"),
            "JUPYTERLAB_WORKSPACES_DIR": str(self.base / "workspaces"),
            "IPYTHONDIR": str(self.base / "ipython"),
            "FCVIZ_CACHE_DIR": str(self.cache_dir),
            "FCVIZ_FAST": "0" if README_RUN else "1",
            "OMP_NUM_THREADS": env.get("OMP_NUM_THREADS", "2"),
        })
        return env

    def start(self, deadline):
        if not WIDGETS_LABEXTENSION.is_dir():
            pytest.fail(f"JupyterLab cannot show widgets: {WIDGETS_LABEXTENSION} is missing. Install the "
                        "browser extra (make test-browser does: pip install -e '.[browser]').", pytrace=False)
        shutil.copytree(ROOT / "notebooks", self.root / "notebooks",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "fcviz-output"))
        self.runtime_dir.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
        self._log = open(self.log_path, "wb")  # noqa: SIM115 -- closed in stop()
        try:
            self.proc = subprocess.Popen(command, cwd=self.root, env=self.environment(), stdin=subprocess.DEVNULL,
                                         stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as exc:
            pytest.fail(f"JupyterLab did not start: {command[:3]} raised {exc!r}.", pytrace=False)
        limit = time.monotonic() + deadline.timeout(SERVER_START_SECONDS, "JupyterLab started")
        last = None
        while time.monotonic() < limit:
            if self.proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {self.proc.returncode} before answering on {self.url}. "
                            f"Server log (tail):\n{log_tail(self.log_path)}", pytrace=False)
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2) as reply:
                    if reply.status == 200:
                        return self
            except (urllib.error.URLError, OSError) as exc:
                last = exc
            time.sleep(0.25)
        pytest.fail(f"JupyterLab did not answer on {self.url} within {SERVER_START_SECONDS:.0f} s (last error: "
                    f"{last!r}). Server log (tail):\n{log_tail(self.log_path)}", pytrace=False)

    def log_tail(self, lines=40):
        return log_tail(self.log_path, lines)

    def kernel_pids(self):
        """Processes whose command line names this server's runtime folder: its kernels."""
        return processes_naming(self.runtime_dir)

    def stop(self):
        """REST shutdown (kernels too), then SIGTERM/SIGKILL to the process group; idempotent, bounded."""
        if not self._stopped.acquire(blocking=False):
            return
        proc = self.proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(Exception):
                request = urllib.request.Request(f"{self.url}/api/shutdown", method="POST",
                                                 headers={"Authorization": f"token {self.token}"})
                urllib.request.urlopen(request, timeout=5).close()
            for sig, wait in ((None, 10), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
                if sig is not None:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(proc.pid, sig)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(wait)
                    break
        if proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)  # anything left in the server's group
        for pid in self.kernel_pids():  # kernels run in their own sessions
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        if self._log is not None:
            self._log.close()
        with contextlib.suppress(OSError):
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.log_path, ARTIFACTS / "jupyterlab.log")


@contextlib.contextmanager
def chromium_page(deadline):
    """A headless Chromium page that records console errors in ``fcviz_console``; closed on exit."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.fail(f"Playwright is not installed ({exc}): make test-browser installs the browser extra.",
                    pytrace=False)
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium was not found at {CHROMIUM}: make test-browser installs Debian's chromium with "
                    "apt-get (or set FCVIZ_CHROMIUM to a Chromium binary).", pytrace=False)
    playwright = sync_playwright().start()
    browser = None
    try:
        problem = None
        try:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
                timeout=deadline.timeout(60, "Chromium started") * 1000)
        except PlaywrightError as exc:
            lines = str(exc).splitlines()  # Playwright's first line and the end of its call log
            problem = "\n".join(lines if len(lines) <= 12 else [*lines[:1], "...", *lines[-8:]])
        if problem is not None:
            pytest.fail(f"Chromium ({CHROMIUM}) did not start: {problem}", pytrace=False)
        context = browser.new_context(viewport=dict(VIEWPORT), device_scale_factor=1)
        context.set_default_timeout(30_000)
        tab = context.new_page()
        tab.fcviz_console = []  # browser console errors, quoted when a step fails
        tab.on("console", lambda m: m.type == "error" and tab.fcviz_console.append(m.text))
        tab.on("pageerror", lambda e: tab.fcviz_console.append(f"page error: {e}"))
        yield tab
    finally:
        with contextlib.suppress(Exception):
            if browser is not None:
                browser.close()
        with contextlib.suppress(Exception):
            playwright.stop()
