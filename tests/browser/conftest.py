"""Fixtures of the browser test: a throwaway JupyterLab server and a headless Chromium page.

How the server is isolated and always stopped: see :mod:`lab_harness`. Chromium is Debian's
(``/usr/bin/chromium``, or ``FCVIZ_CHROMIUM``), driven by the PyPI ``playwright`` wheel; ``playwright
install`` is never needed.
"""

import contextlib
import threading
from pathlib import Path

import pytest

from lab_harness import ARTIFACTS, BUDGET_SECONDS, CHROMIUM, CHROMIUM_ARGS, VIEWPORT, Deadline, LabServer


@pytest.fixture(scope="module")
def deadline():
    """The module's time budget, started before the server."""
    return Deadline(BUDGET_SECONDS)


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory, deadline):
    """A running JupyterLab over a temporary copy of notebooks/ (see :class:`LabServer`)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stale in ARTIFACTS.glob("*.png"):  # screenshots of an earlier run would mislead
        stale.unlink()
    server = LabServer(tmp_path_factory.mktemp("jupyterlab"))
    watchdog = threading.Timer(BUDGET_SECONDS + 60, server.stop)  # a stuck step cannot keep it alive
    watchdog.daemon = True
    watchdog.start()
    try:
        yield server.start(deadline)
    finally:
        watchdog.cancel()
        server.stop()


@pytest.fixture(scope="module")
def page(lab_server, deadline):
    """A headless Chromium page (Debian's chromium through Playwright), closed after the module."""
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
