"""A real JupyterLab in headless Chromium runs the start notebook and drives the dashboard (issue #12).

The steps share one page and run in order; a step whose predecessor failed is skipped (its reason
names the failed step). Every wait polls the DOM with a bound (see ``conftest.Deadline``). Screenshots
go to ``test-artifacts/browser/``; the dashboard after its build also becomes the README's
``docs/images/dashboard.png`` when that file is missing or ``FCVIZ_UPDATE_README_SCREENSHOT=1`` (which
runs the notebook at full size, without ``FCVIZ_FAST``).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from lab_harness import ARTIFACTS, README_RUN, ROOT, VIEWPORT, BrowserSteps

#: The notebook that the test opens, relative to the repository (copied into the server's root).
#: ``FCVIZ_BROWSER_NOTEBOOK=/path/to/other.ipynb`` opens another notebook instead (copied into notebooks/).
NOTEBOOK = "notebooks/00_start_here.ipynb"
#: The README's screenshot (written from the state after Build).
README_SCREENSHOT = ROOT / "docs" / "images" / "dashboard.png"
README_SCREENSHOT_MAX_BYTES = 300_000
WIDGET_ERROR = "Error displaying widget"
BUILD_DONE = re.compile(r"^(Built|Loaded from the cache): .*\.$", re.S)
EXPORTED = re.compile(r"Exported (\d+) files to (.+?)\s*$", re.S)

# Finds the dashboard (the widget box around the Build button) and its tabs, in the page.
_JS_PRELUDE = r"""
const dashRoot = () => {
  for (const b of document.querySelectorAll('.jp-OutputArea-output button.widget-button')) {
    if (b.textContent.trim() === 'Build') { return b.closest('.jp-OutputArea-output > .widget-box'); }
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
const statusText = (root) => {
  const el = root && (root.querySelector(':scope > .widget-html .widget-html-content') ||
                      root.querySelector('.widget-html-content'));
  return el ? el.innerText.trim() : '';
};
"""

# Notebook state: kernel status, every code cell's prompt, tracebacks, dialogs, widget errors.
_JS_NOTEBOOK = "() => {" + _JS_PRELUDE + r"""
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const cells = panel ? [...panel.querySelectorAll('.jp-Notebook .jp-CodeCell')] : [];
  const tracebacks = [...document.querySelectorAll('.jp-OutputArea-output')]
    .map(e => e.innerText).filter(t => t.includes('Traceback (most recent call last)'));
  const dialog = document.querySelector('.jp-Dialog');
  return {
    kernel: (document.querySelector('#jp-main-statusbar') || {innerText: ''}).innerText.replace(/\s+/g, ' '),
    prompts: cells.map(c => ((c.querySelector('.jp-InputArea-prompt') || {}).textContent || '').trim()),
    tracebacks: tracebacks.map(t => t.slice(-2000)),
    dialog: dialog ? dialog.innerText.slice(0, 500) : null,
    widgetErrors: (document.body.innerText.match(/Error displaying widget[^\n]*/g) || []),
    dashboard: dashRoot() !== null,
  };
}"""

# The dashboard's status line, its tab titles and the images of one tab (with a hash of their bytes).
_JS_DASHBOARD = "async (title) => {" + _JS_PRELUDE + r"""
  const root = dashRoot();
  if (!root) { return null; }
  const content = title ? tabContent(root, title) : null;
  const images = [];
  for (const img of (content ? content.querySelectorAll('img.widget-image') : [])) {
    const src = img.getAttribute('src') || '';
    const item = {kind: src.split(':')[0], width: img.naturalWidth, digest: null, bytes: 0};
    if (img.complete && img.naturalWidth > 0 && /^(blob|data):/.test(src)) {
      try {
        const data = new Uint8Array(await (await fetch(src)).arrayBuffer());
        let h = 2166136261;
        for (const b of data) { h = Math.imul(h ^ b, 16777619) >>> 0; }
        item.digest = h.toString(16);
        item.bytes = data.length;
      } catch (e) { /* a blob URL revoked by a newer image: read again at the next poll */ }
    }
    images.push(item);
  }
  const sliders = content ? [...content.querySelectorAll('[role="slider"]')].map(s => s.getAttribute('aria-valuenow')) : [];
  const notes = content ? [...content.querySelectorAll('.widget-html-content')].map(e => e.innerText.trim()) : [];
  const kernel = (document.querySelector('#jp-main-statusbar') || {innerText: ''}).innerText;
  const build = [...root.querySelectorAll('button.widget-button')].find(b => b.textContent.trim() === 'Build');
  return {status: statusText(root), tabs: tabTitles(root), images, sliders, notes, buildEnabled: !build.disabled,
          idle: /\|\s*Idle\b/.test(kernel), text: content ? content.innerText.slice(0, 400) : null};
}"""

# Marks an element of the dashboard for a Playwright action: returns whether it was found.
_JS_MARK = "([kind, title, name]) => {" + _JS_PRELUDE + r"""
  document.querySelectorAll('[data-fcviz-test]').forEach(e => e.removeAttribute('data-fcviz-test'));
  const root = dashRoot();
  if (!root) { return false; }
  let el = null;
  if (kind === 'dropdown') {
    const scope = title ? tabContent(root, title) : root;
    const box = scope && [...scope.querySelectorAll('.widget-dropdown')]
      .find(d => (d.querySelector('label') || {}).textContent.trim() === name);
    el = box ? box.querySelector('select') : null;
  } else if (kind === 'button') {
    el = [...root.querySelectorAll('button.widget-button')].find(b => b.textContent.trim() === name) || null;
  } else if (kind === 'tab') {
    el = [...root.querySelector('.widget-tab').querySelectorAll(':scope > .widget-tab-bar .lm-TabBar-tab')]
      .find(t => t.textContent.trim() === name) || null;
  } else if (kind === 'play') {
    const content = tabContent(root, title);
    const icon = content && content.querySelector(`.widget-play button i.fa-${name}`);
    el = icon ? icon.closest('button') : null;
  } else if (kind === 'dashboard') {
    el = root;
  }
  if (el) { el.setAttribute('data-fcviz-test', kind); }
  return el !== null;
}"""


class Session(BrowserSteps):
    """The JupyterLab steps: the notebook they open and what each step left behind."""

    def __init__(self, page, server, deadline):
        super().__init__(page, server, deadline, artifacts=ARTIFACTS, server_name="JupyterLab")
        other = os.environ.get("FCVIZ_BROWSER_NOTEBOOK")
        if other:
            self.notebook = Path(other).resolve()
            self.notebook_url = f"notebooks/{self.notebook.name}"
            shutil.copyfile(self.notebook, server.root / self.notebook_url)
        else:
            self.notebook, self.notebook_url = ROOT / NOTEBOOK, NOTEBOOK
        self.connectome_tab = None

    # -------------------------------------------------------------------- page helpers

    def notebook_state(self):
        return self.page.evaluate(_JS_NOTEBOOK)

    def dashboard(self, tab=None):
        """Status line, tab titles and one tab's images, sliders and notes (all empty without a dashboard)."""
        return self.page.evaluate(_JS_DASHBOARD, tab) or {
            "status": "", "tabs": [], "images": [], "sliders": [], "notes": [], "idle": False, "text": None,
            "buildEnabled": False,
            "missing": "no dashboard in the page"}

    def mark(self, kind, name, tab=None):
        """A Playwright locator on a dashboard element (found by the page's JS), or a failure."""
        if not self.page.evaluate(_JS_MARK, [kind, tab, name]):
            self.fail(f"The dashboard has no {kind} {name!r}" + (f" in its {tab!r} tab." if tab else "."), kind,
                      self.dashboard(tab))
        return self.page.locator(f'[data-fcviz-test="{kind}"]')

    def no_widget_errors(self, name):
        state = self.notebook_state()
        if state["widgetErrors"]:
            self.fail(f"JupyterLab shows {WIDGET_ERROR!r}.", name, state)

    def screenshot(self, name, scroll_to="dashboard"):
        if scroll_to == "dashboard" and self.page.evaluate(_JS_MARK, ["dashboard", None, None]):
            self.page.locator('[data-fcviz-test="dashboard"]').evaluate("e => e.scrollIntoView({block: 'start'})")
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), timeout=30_000)
        return path


@pytest.fixture(scope="module")
def session(page, lab_server, deadline):
    return Session(page, lab_server, deadline)


def _code_cells(path):
    """The code cells with source: the ones that Run All executes and numbers."""
    cells = json.loads(Path(path).read_text())["cells"]
    return [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def test_01_notebook_runs_and_shows_the_dashboard(session):
    s, page = session, session.page
    cells = _code_cells(s.notebook)
    if not any("dashboard(" in "".join(c["source"]) for c in cells):
        pytest.fail(f"{s.notebook_url} has no code cell that shows fcviz.dashboard(...): the browser test drives "
                    "the dashboard of that notebook.", pytrace=False)

    page.goto(f"{s.server.url}/lab/tree/{s.notebook_url}?reset&token={s.server.token}",
              timeout=s.deadline.timeout(60, "JupyterLab's page loaded") * 1000)
    s.poll("the notebook is open with its kernel idle", "open", s.notebook_state,
           lambda v: len(v["prompts"]) >= len(cells) and re.search(r"\|\s*Idle\b", v["kernel"]), 90,
           failed=lambda v: v["dialog"] and f"a dialog blocks the notebook: {v['dialog']!r}")
    # Fold the file browser away: the dashboard gets the page's width.
    left = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if left.count():
        left.first.click()
    s.screenshot("00-opened", scroll_to=None)

    # The lesson's answer cells are collapsed (nbgrader solutions, AUTHORING.md); a collapsed cell shows no
    # prompt, so open them as a teacher would (View > Expand All Code) before counting execution counts.
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^View$")).click()
    page.locator('li.lm-Menu-item[data-command="notebook:show-all-cell-code"]').click()
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator('li.lm-Menu-item[data-command="runmenu:run-all"]').click()
    s.poll(f"every one of the {len(cells)} code cells has an execution count and the kernel is idle", "run-all",
           s.notebook_state,
           lambda v: (len(v["prompts"]) >= len(cells)
                      and sum(bool(re.fullmatch(r"\[\d+\]:", p)) for p in v["prompts"]) >= len(cells)
                      and re.search(r"\|\s*Idle\b", v["kernel"]) and v["dashboard"]),
           120, failed=lambda v: (v["tracebacks"] and f"a cell raised:\n{v['tracebacks'][0]}")
           or (v["dialog"] and f"a dialog blocks the notebook: {v['dialog']!r}"))
    s.no_widget_errors("run-all")

    assert s.mark("dropdown", "Data set").count() == 1  # the dashboard's data set control
    assert page.locator(".jp-OutputArea-output .widget-dropdown").count() >= 1
    build = s.mark("button", "Build")
    assert build.is_visible() and build.is_enabled()
    s.screenshot("01-notebook-run")
    s.passed.add("open")


def test_02_build_shows_the_figures(session):
    s = session
    s.require("open")
    s.mark("button", "Build").click()
    initial = s.dashboard()
    s.connectome_tab = next((t for t in initial["tabs"] if t.lower().startswith("connectome")), None)
    if s.connectome_tab is None:
        s.fail("The dashboard has no Connectomes tab.", "build", initial)

    def built(v):  # done, Build enabled again (frames drawn ahead too), figures loaded
        return (BUILD_DONE.match(v["status"]) and v["buildEnabled"] and len(v["images"]) > 0
                and all(i["digest"] for i in v["images"]))

    state = s.poll("the build ends (Build enabled again) and the Connectomes tab shows its figures", "build",
                   lambda: s.dashboard(s.connectome_tab), built, 150,
                   failed=lambda v: ("\u26a0" in v["status"] or "failed" in v["status"].lower())
                   and f"the status line reports an error: {v['status']!r}")
    s.no_widget_errors("build")
    assert all(i["width"] > 0 and i["bytes"] > 1000 for i in state["images"]), state["images"]
    s.screenshot("02-built")
    _dashboard_picture(s)
    s.passed.add("build")


def _dashboard_picture(s):
    """The dashboard alone (the README's picture): the output area, palette PNG under 300 KB."""
    from PIL import Image

    dash = s.mark("dashboard", None)
    height = dash.evaluate("e => Math.ceil(e.getBoundingClientRect().height)")
    if height + 250 > VIEWPORT["height"]:  # the whole output must fit in the notebook's visible area
        s.page.set_viewport_size({"width": VIEWPORT["width"], "height": min(height + 250, 5000)})
    try:
        dash.evaluate("e => e.scrollIntoView({block: 'center'})")
        box = dash.bounding_box()
        margin = 6
        png = s.page.screenshot(timeout=30_000, animations="disabled", clip={
            "x": max(box["x"] - margin, 0), "y": max(box["y"] - margin, 0),
            "width": box["width"] + 2 * margin, "height": box["height"] + 2 * margin})
    finally:
        s.page.set_viewport_size(dict(VIEWPORT))
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    for _ in range(8):
        buffer = io.BytesIO()
        picture.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            buffer, format="PNG", optimize=True)
        if buffer.tell() <= README_SCREENSHOT_MAX_BYTES:
            break
        picture = picture.resize((round(picture.width * 0.85), round(picture.height * 0.85)), Image.LANCZOS)
    assert buffer.tell() <= README_SCREENSHOT_MAX_BYTES, f"dashboard picture still {buffer.tell()} bytes"
    target = ARTIFACTS / "dashboard.png"
    target.write_bytes(buffer.getvalue())
    if README_RUN or not README_SCREENSHOT.exists():
        README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, README_SCREENSHOT)


def test_03_strategy_changes_the_image(session):
    s = session
    s.require("build")
    select = s.mark("dropdown", "strategy", tab=s.connectome_tab)
    options = select.evaluate("e => [...e.options].map(o => o.textContent.trim())")
    current = select.evaluate("e => e.selectedIndex")
    assert len(options) >= 2, f"the strategy control offers {options}"
    before = s.dashboard(s.connectome_tab)["images"]
    choice = options[(current + 1) % len(options)]
    select.select_option(label=choice)

    def changed(v):  # every panel shows the chosen strategy's network, and the kernel has finished
        digests = [i["digest"] for i in v["images"]]
        return (all(digests) and len(digests) == len(before)
                and all(a != b["digest"] for a, b in zip(digests, before))
                and any(note.startswith(choice) for note in v["notes"]) and v["idle"])

    s.poll(f"every Connectomes figure changes after choosing strategy {choice!r}", "strategy",
           lambda: s.dashboard(s.connectome_tab), changed, 60)
    s.no_widget_errors("strategy")
    s.screenshot("03-strategy-changed")
    s.passed.add("strategy")


def test_04_dynamics_play_advances_the_frame(session):
    s = session
    s.require("build")
    tabs = s.dashboard()["tabs"]
    title = next((t for t in tabs if "dynamic" in t.lower()), None)
    if title is None:  # DynamicsExplorer is one of Dashboard.TABS: a missing tab is a failure
        s.fail(f"The dashboard has no Dynamics tab (tabs: {tabs}).", "dynamics", s.dashboard())
    s.mark("tab", title).click()

    def ready(v):
        return v["images"] and all(i["digest"] for i in v["images"]) and v["sliders"]

    s.poll(f"the {title} tab shows its frame and a Play control", "dynamics",
           lambda: s.dashboard(title), ready, 90,
           failed=lambda v: "\u26a0" in (v["text"] or "") and f"the tab reports an error: {v['text']!r}")
    if not s.page.evaluate(_JS_MARK, ["play", title, "play"]):
        s.fail(f"The {title} tab has no Play widget (.widget-play).", "dynamics", s.dashboard(title))
    before = s.dashboard(title)
    if not _epoch_shown(before):
        s.fail(f"The {title} tab's epoch label does not say which epoch is shown.", "dynamics", before)
    s.mark("play", "play", tab=title).click()

    def advanced(v):  # the slider moved on, and the kernel drew the frame of the epoch it points at
        digests = [i["digest"] for i in v["images"]]
        shown = _epoch_shown(v)
        return (v["sliders"] != before["sliders"] and all(digests) and v["idle"]
                and digests != [i["digest"] for i in before["images"]]
                and shown is not None and shown[0] == round(float(v["sliders"][0])) + 1 != _epoch_shown(before)[0])

    s.poll("Play moves the epoch slider and the frame of that epoch is shown", "dynamics",
           lambda: s.dashboard(title), advanced, 60)
    if s.page.evaluate(_JS_MARK, ["play", title, "pause"]):
        s.page.locator('[data-fcviz-test="play"]').click()
    s.no_widget_errors("dynamics")
    s.screenshot("04-dynamics")


def _epoch_shown(state):
    """(position, count) of the epoch that the Dynamics tab's label says is shown ("epoch 1 of 2 (2/3)")."""
    for note in state["notes"]:
        found = re.search(r"^epoch \d+.* of \d+ \((\d+)/(\d+)\)$", note)
        if found:
            return int(found.group(1)), int(found.group(2))
    return None


def test_04b_clustering_curve_appears(session):
    s = session
    s.require("build")
    tabs = s.dashboard()["tabs"]
    title = next((t for t in tabs if "cluster" in t.lower()), None)
    if title is None:
        s.fail(f"The dashboard has no Clustering tab (tabs: {tabs}).", "clustering")
    s.mark("tab", title).click()

    def drawn(v):
        return len(v["images"]) >= 2 and all(i["digest"] for i in v["images"]) and v["idle"]

    before = s.poll(f"the {title} tab shows its contingency and distance panels", "clustering",
                    lambda: s.dashboard(title), drawn, 60,
                    failed=lambda v: "\u26a0" in (v["text"] or "") and f"the tab reports an error: {v['text']!r}")
    slider = s.page.evaluate("""(title) => {""" + _JS_PRELUDE + """
      const content = tabContent(dashRoot(), title);
      const box = content && [...content.querySelectorAll('.widget-slider')]
        .find(d => (d.querySelector('label') || {}).textContent.includes('β'));
      return box ? (box.querySelector('.widget-readout') || {}).textContent : null;
    }""", title)
    if slider is None:
        s.fail(f"The {title} tab has no births-deaths (β) slider.", "clustering", s.dashboard(title))
    assert slider.strip() == "paper", f"the β slider starts at {slider!r}, not at the paper's distance"
    s.mark("button", "purity against β").click()

    def curve(v):
        return len(v["images"]) == len(before["images"]) + 1 and drawn(v)

    s.poll("the purity-against-β curve appears under the panels", "clustering", lambda: s.dashboard(title), curve, 90,
           failed=lambda v: "\u26a0" in (v["text"] or "") and f"the tab reports an error: {v['text']!r}")
    s.no_widget_errors("clustering")
    s.screenshot("04b-clustering-curve")


def test_05_export_reports_its_folder(session):
    s = session
    s.require("build")
    button = s.mark("button", "Export")
    button.scroll_into_view_if_needed()
    button.click()
    state = s.poll("the status line reports the export folder", "export", s.dashboard,
                   lambda v: EXPORTED.search(v["status"]), 60,
                   failed=lambda v: "\u26a0" in v["status"] and f"the status line reports an error: {v['status']!r}")
    count, folder = EXPORTED.search(state["status"]).groups()
    folder = Path(folder)
    assert folder.is_dir(), f"the status names {folder}, which does not exist"
    assert s.server.root in folder.parents, f"the export went to {folder}, outside the server's root"
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == int(count), f"the status says {count} files, the folder holds {files}"
    assert any(f.endswith(".png") for f in files) and any(f.endswith(".csv") for f in files), files
    s.no_widget_errors("export")
    s.mark("button", "Export").evaluate("e => e.scrollIntoView({block: 'end'})")
    s.screenshot("05-exported", scroll_to=None)
