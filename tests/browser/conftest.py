"""Fixtures of the browser test: a throwaway JupyterLab server and a headless Chromium page.

How the server is isolated and always stopped: see :mod:`lab_harness`. Chromium is Debian's
(``/usr/bin/chromium``, or ``FCVIZ_CHROMIUM``), driven by the PyPI ``playwright`` wheel; ``playwright
install`` is never needed.
"""

import threading

import pytest

from lab_harness import ARTIFACTS, BUDGET_SECONDS, Deadline, LabServer, chromium_page


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
    with chromium_page(deadline) as tab:
        yield tab
