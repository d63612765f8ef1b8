"""The class app in a real browser (issue 20): ``python -m fcviz app`` under Voilà, in headless Chromium.

The app is started as a user starts it (``python -m fcviz app --no-browser --port P``) on 127.0.0.1,
with throwaway Jupyter folders, cache, output folder and temp folder (so its kernels are found and
killed at the end: their connection files live there) and ``FCVIZ_FAST=1`` (a tiny build). The steps
share one page and run in order: the page says in words what happens while the kernel starts; then it
shows the dashboard with no code and no traceback; Build fills the Connectomes tab with figures;
another strategy changes every figure. Screenshots go to ``test-artifacts/browser/app/``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from lab_harness import ARTIFACTS as BROWSER_ARTIFACTS
from lab_harness import ROOT, BrowserSteps, Deadline, chromium_page, log_tail, processes_naming

ARTIFACTS = BROWSER_ARTIFACTS / "app"
BUDGET_SECONDS = 240.0
LOADING_WORDS = "Starting fcviz… loading the classroom zoo"
BUILD_DONE = re.compile(r"^(Built|Loaded from the cache): .*\.$", re.S)

# The dashboard (the widget box around Build that holds the tabs), its tabs, status line and images.
_JS_PRELUDE = r"""
const dashRoot = () => {
  for (const b of document.querySelectorAll('button.widget-button')) {
    if (b.textContent.trim() !== 'Build') { continue; }
    let el = b.parentElement;
    while (el && !(el.classList.contains('widget-box') && el.querySelector('.widget-tab'))) { el = el.parentElement; }
    return el;
  }
  return null;
};
const tabBox = (root) => root && root.querySelector('.widget-tab');
const tabTitles = (root) => {
  const tab = tabBox(root);
  return tab ? [...tab.querySelectorAll(':scope > .widget-tab-bar .lm-TabBar-tabLabel')].map(e => e.textContent.trim()) : [];
};
const tabContent = (root, title) => {
  const i = tabTitles(root).indexOf(title);
  return i < 0 ? null : tabBox(root).querySelector(':scope > .widget-tab-contents').children[i];
};
"""

_JS_PAGE = "() => {" + _JS_PRELUDE + r"""
  const loading = document.getElementById('loading_text');
  const text = document.body ? document.body.innerText : '';
  return {
    loading: loading ? loading.innerText.trim() : null,
    dashboard: dashRoot() !== null,
    code: [...document.querySelectorAll('.jp-InputArea-editor, .jp-InputPrompt, .CodeMirror, .cm-editor, .highlight')]
      .filter(e => e.offsetParent !== null && e.innerText.trim()).map(e => e.innerText.slice(0, 200)),
    codeText: /app_dashboard|import fcviz/.test(text),
    tracebacks: (text.match(/Traceback \(most recent call last\)[\s\S]{0,500}/g) || []),
    widgetErrors: (text.match(/Error displaying widget[^\n]*/g) || []),
    text: text.slice(0, 600),
  };
}"""

_JS_DASHBOARD = "async (title) => {" + _JS_PRELUDE + r"""
  const root = dashRoot();
  if (!root) { return null; }
  const statusEl = root.querySelector(':scope > .widget-html .widget-html-content');
  const content = title ? tabContent(root, title) : null;
  const images = [];
  for (const img of (content ? content.querySelectorAll('img.widget-image') : [])) {
    const src = img.getAttribute('src') || '';
    const item = {width: img.naturalWidth, digest: null, bytes: 0};
    if (img.complete && img.naturalWidth > 0 && /^(blob|data):/.test(src)) {
      try {
        const data = new Uint8Array(await (await fetch(src)).arrayBuffer());
        let h = 2166136261;
        for (const b of data) { h = Math.imul(h ^ b, 16777619) >>> 0; }
        item.digest = h.toString(16);
        item.bytes = data.length;
      } catch (e) { /* a revoked blob URL: read again at the next poll */ }
    }
    images.push(item);
  }
  const notes = content ? [...content.querySelectorAll('.widget-html-content')].map(e => e.innerText.trim()) : [];
  const build = [...root.querySelectorAll('button.widget-button')].find(b => b.textContent.trim() === 'Build');
  return {status: statusEl ? statusEl.innerText.trim() : '', tabs: tabTitles(root), images, notes,
          buildEnabled: !build.disabled};
}"""

_JS_MARK = "([kind, title, name]) => {" + _JS_PRELUDE + r"""
  document.querySelectorAll('[data-fcviz-test]').forEach(e => e.removeAttribute('data-fcviz-test'));
  const root = dashRoot();
  let el = null;
  if (root && kind === 'button') {
    el = [...root.querySelectorAll('button.widget-button')].find(b => b.textContent.trim() === name) || null;
  } else if (root && kind === 'dropdown') {
    const scope = title ? tabContent(root, title) : root;
    const box = scope && [...scope.querySelectorAll('.widget-dropdown')]
      .find(d => (d.querySelector('label') || {}).textContent.trim() === name);
    el = box ? box.querySelector('select') : null;
  }
  if (el) { el.setAttribute('data-fcviz-test', kind); }
  return el !== null;
}"""


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """``python -m fcviz app`` in its own process group; :meth:`stop` ends it and its kernels."""

    def __init__(self, base):
        self.base = Path(base)
        self.tmp = self.base / "tmp"  # Voilà's connection files: the marker of its kernels
        self.output = self.base / "output"
        self.log_path = self.base / "app.log"
        self.port = _free_port()
        self.proc = None
        self._log = None
        self._stopped = threading.Lock()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/"

    def start(self, deadline):
        self.tmp.mkdir(parents=True)
        env = dict(os.environ)
        for name in ("MPLBACKEND", "JUPYTER_PATH", "JUPYTER_CONFIG_PATH"):
            env.pop(name, None)
        env.update({
            "TMPDIR": str(self.tmp), "JUPYTER_CONFIG_DIR": str(self.base / "config"),
            "JUPYTER_DATA_DIR": str(self.base / "data"), "JUPYTER_RUNTIME_DIR": str(self.base / "runtime"),
            "IPYTHONDIR": str(self.base / "ipython"), "FCVIZ_CACHE_DIR": str(self.base / "cache"),
            "FCVIZ_FAST": "1", "OMP_NUM_THREADS": env.get("OMP_NUM_THREADS", "2"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        })
        command = [sys.executable, "-m", "fcviz", "app", "--no-browser", "--port", str(self.port),
                   "--output", str(self.output)]
        self._log = open(self.log_path, "wb")  # noqa: SIM115 -- closed in stop()
        self.proc = subprocess.Popen(command, cwd=self.base, env=env, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        limit = time.monotonic() + deadline.timeout(60, "the app answered")
        while time.monotonic() < limit:
            if self.proc.poll() is not None:
                pytest.fail(f"python -m fcviz app exited with code {self.proc.returncode}. Log:\n{self.log_tail()}",
                            pytrace=False)
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return self
            time.sleep(0.25)
        pytest.fail(f"The app did not listen on {self.url} within 60 s. Log:\n{self.log_tail()}", pytrace=False)

    def log_tail(self, lines=30):
        return log_tail(self.log_path, lines)

    def kernel_pids(self):
        return processes_naming(self.tmp)

    def stop(self):
        if not self._stopped.acquire(blocking=False):
            return
        proc = self.proc
        if proc is not None:
            for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
                if proc.poll() is not None:
                    break
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, sig)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(wait)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        for pid in self.kernel_pids():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        if self._log is not None:
            self._log.close()
        with contextlib.suppress(OSError):
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.log_path, ARTIFACTS / "app.log")


@pytest.fixture(scope="module")
def app_deadline():
    return Deadline(BUDGET_SECONDS)


@pytest.fixture(scope="module")
def app_server(tmp_path_factory, app_deadline):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stale in ARTIFACTS.glob("*.png"):
        stale.unlink()
    server = AppServer(tmp_path_factory.mktemp("fcviz-app"))
    watchdog = threading.Timer(BUDGET_SECONDS + 60, server.stop)
    watchdog.daemon = True
    watchdog.start()
    try:
        yield server.start(app_deadline)
    finally:
        watchdog.cancel()
        server.stop()
        assert not server.kernel_pids(), "a kernel of the app outlived the test"


@pytest.fixture(scope="module")
def app(app_server, app_deadline):
    with chromium_page(app_deadline) as page:
        yield App(page, app_server, app_deadline)


class App(BrowserSteps):
    """The app's steps: the Voila page and whether its loading words were seen."""

    def __init__(self, page, server, deadline):
        super().__init__(page, server, deadline, artifacts=ARTIFACTS, server_name="App")
        self.loading_seen = None

    def state(self):
        return self.page.evaluate(_JS_PAGE)

    def dashboard(self, tab=None):
        return self.page.evaluate(_JS_DASHBOARD, tab) or {"status": "", "tabs": [], "images": [], "notes": [],
                                                          "buildEnabled": False, "missing": "no dashboard"}

    def mark(self, kind, name, tab=None):
        if not self.page.evaluate(_JS_MARK, [kind, tab, name]):
            self.fail(f"The app has no {kind} {name!r}" + (f" in its {tab!r} tab." if tab else "."), kind,
                      self.dashboard(tab))
        return self.page.locator(f'[data-fcviz-test="{kind}"]')

    def screenshot(self, name):
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), timeout=30_000, full_page=True)
        return path


def _problems(state):
    if state["tracebacks"]:
        return f"the page shows a traceback:\n{state['tracebacks'][0]}"
    if state["widgetErrors"]:
        return f"the page shows {state['widgetErrors'][0]!r}"
    return None


def test_01_the_page_says_what_happens_while_the_kernel_starts(app):
    page = app.page
    page.goto(app.server.url, wait_until="commit", timeout=app.deadline.timeout(60, "the app's page opened") * 1000)

    def loading_or_done(v):
        if v["loading"] and LOADING_WORDS in v["loading"] and app.loading_seen is None:
            app.loading_seen = v["loading"]
            app.screenshot("00-loading")
        return v["dashboard"]

    state = app.poll("the app shows its dashboard", "open", app.state, loading_or_done, 150, failed=_problems,
                     every=100)
    if app.loading_seen is None:
        app.fail(f"The page never said {LOADING_WORDS!r} while the kernel started.", "loading", state)
    if state["code"] or state["codeText"]:  # a visible editor or prompt, or the cell's source
        app.fail("The app shows code.", "no-code", state)
    assert app.mark("button", "Build").is_enabled()
    app.screenshot("01-opened")
    app.passed.add("open")


def test_02_build_shows_a_figure(app):
    app.require("open")
    app.mark("button", "Build").click()
    tabs = app.dashboard()["tabs"]
    app.connectome_tab = next((t for t in tabs if t.lower().startswith("connectome")), None)
    if app.connectome_tab is None:
        app.fail("The app's dashboard has no Connectomes tab.", "build", app.dashboard())

    def built(v):
        return (BUILD_DONE.match(v["status"]) and v["buildEnabled"] and v["images"]
                and all(i["digest"] and i["bytes"] > 1000 for i in v["images"]))

    app.poll("the build ends and the Connectomes tab shows its figures", "build",
             lambda: app.dashboard(app.connectome_tab), built, 150,
             failed=lambda v: ("\u26a0" in v["status"] or "failed" in v["status"].lower())
             and f"the status line reports an error: {v['status']!r}")
    problem = _problems(app.state())
    if problem:
        app.fail(problem, "build", app.state())
    app.screenshot("02-built")
    app.passed.add("build")


def test_03_another_strategy_changes_every_figure(app):
    app.require("build")
    select = app.mark("dropdown", "strategy", tab=app.connectome_tab)
    options = select.evaluate("e => [...e.options].map(o => o.textContent.trim())")
    current = select.evaluate("e => e.selectedIndex")
    assert len(options) >= 2, f"the strategy control offers {options}"
    before = app.dashboard(app.connectome_tab)["images"]
    choice = options[(current + 1) % len(options)]
    select.select_option(label=choice)

    def changed(v):
        digests = [i["digest"] for i in v["images"]]
        return (all(digests) and len(digests) == len(before)
                and all(a != b["digest"] for a, b in zip(digests, before))
                and any(note.startswith(choice) for note in v["notes"]))

    app.poll(f"every Connectomes figure changes after choosing strategy {choice!r}", "strategy",
             lambda: app.dashboard(app.connectome_tab), changed, 60)
    problem = _problems(app.state())
    if problem:
        app.fail(problem, "strategy", app.state())
    app.screenshot("03-strategy-changed")
