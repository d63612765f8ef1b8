"""Every lesson follows notebooks/AUTHORING.md: its frame, its exercises, its widgets' "Think!", its words.

Static checks of the committed notebooks (nothing is executed but the Colab setup cell, with Colab mocked).
A failure names the notebook, the cell (its index in the notebook, counting markdown and code cells from 0)
and what to fix.
"""

import ast
import functools
import re
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

from fcviz.teach.assign import lesson_paths

ROOT = Path(__file__).parent.parent
NOTEBOOKS = lesson_paths()
IDS = [p.name for p in NOTEBOOKS]

#: The second cell of every lesson (a code cell tagged ``colab-setup``), verbatim. On Colab it installs fcviz
#: with the baselines extra and turns on Colab's widget manager (ipywidgets need it there); elsewhere nothing.
COLAB_SETUP = '''# Colab only: install fcviz and turn on Colab's widget manager. Elsewhere this cell does nothing.
import sys

if "google.colab" in sys.modules:
    import subprocess

    print("On Colab: installing fcviz with pip (about a minute)...")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "fcviz[baselines] @ git+https://github.com/fcviz/fcviz"], check=True)
    from google.colab import output

    output.enable_custom_widget_manager()'''

COLAB_INSTALL = [sys.executable, "-m", "pip", "install", "--quiet",
                 "fcviz[baselines] @ git+https://github.com/fcviz/fcviz"]
BINDER = "[![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/fcviz/fcviz/HEAD?urlpath=lab/tree/notebooks/{})"
COLAB = ("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
         "(https://colab.research.google.com/github/fcviz/fcviz/blob/main/notebooks/{})")
FAST_LINE = 'FAST = os.environ.get("FCVIZ_FAST") == "1"'
CORE_LIMIT_MIN = 60
PAPERS = {"2412.15279": "the AAAI 2025 paper", "2112.00101": "the ICLR 2022 paper"}
GLOSSARY = ("purity", "ARI", "NMI", "Rips", "bottleneck", "SWK", "HK", "PI", "CKA", "neural persistence",
            "barycenter")
ESTIMATE = re.compile(r"\(≈ (\d+) min\)\s*$")
TRIPLE = (  # (role, cell type, nbgrader flags) of an exercise's three cells, in order
    ("task", "markdown", {"grade": False, "solution": False, "locked": True, "task": False}),
    ("answer", "code", {"grade": False, "solution": True, "locked": False, "task": False}),
    ("check", "code", {"grade": True, "solution": False, "locked": True, "task": False}),
)


def _read(path):
    return nbformat.read(path, as_version=4)


def _where(path, i, cell):
    first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
    return f"{path.name}, cell {i} ({cell.cell_type}, {first[:50]!r})"


def _check(problems):
    assert not problems, "\n".join(["", *problems])


# --------------------------------------------------------------------------------------------------
# The frame: title, badges, prerequisites, the Colab cell, fast mode


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_first_cell_has_title_both_badges_and_prerequisites(path):
    cell = _read(path).cells[0]
    problems = []
    where = _where(path, 0, cell)
    if cell.cell_type != "markdown":
        _check([f"{where}: cell 0 must be the markdown title cell"])
    number = path.name[:2]
    if not re.match(rf"# {number} · \S", cell.source):
        problems.append(f"{where}: start with the title line '# {number} · Title'")
    binder, colab = cell.source.find(BINDER.format(path.name)), cell.source.find(COLAB.format(path.name))
    if binder < 0:
        problems.append(f"{where}: add the Binder badge {BINDER.format(path.name)}")
    if colab < 0:
        problems.append(f"{where}: add the Colab badge {COLAB.format(path.name)}")
    if 0 <= colab < binder:
        problems.append(f"{where}: put the Binder badge before the Colab badge")
    if not re.search(r"^> \*\*Prerequisites\.\*\* \S", cell.source, re.M):
        problems.append(f"{where}: add the prerequisites box, a line '> **Prerequisites.** what to know ...'")
    time = re.search(r"^> \*\*Time\.\*\* core ≈ (\d+) min · going further ≈ (\d+) min", cell.source, re.M)
    if not time:
        problems.append(f"{where}: add '> **Time.** core ≈ N min · going further ≈ M min.' to the box")
    else:
        core, further = _estimates(path)
        if core and int(time.group(1)) != sum(core.values()):
            problems.append(f"{where}: the box says core ≈ {time.group(1)} min, the core sections add up to "
                            f"{sum(core.values())} min")
        if further is not None and int(time.group(2)) != further:
            problems.append(f"{where}: the box says going further ≈ {time.group(2)} min, its heading {further} min")
    if "(00_start_here.ipynb#Glossary)" not in cell.source and path.name != "00_start_here.ipynb":
        problems.append(f"{where}: link the glossary in the box: [glossary](00_start_here.ipynb#Glossary)")
    _check(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_second_cell_is_the_colab_setup_cell(path):
    nb = _read(path)
    cell = nb.cells[1] if len(nb.cells) > 1 else None
    where = _where(path, 1, cell) if cell else f"{path.name}, cell 1"
    problems = []
    if cell is None or cell.cell_type != "code" or cell.source.strip() != COLAB_SETUP:
        problems.append(f"{where}: cell 1 must be a code cell holding exactly "
                        "tests/test_lesson_format.py::COLAB_SETUP")
    elif "colab-setup" not in cell.metadata.get("tags", []):
        problems.append(f"{where}: tag the Colab cell 'colab-setup' (metadata.tags)")
    code = [c for c in nb.cells[2:] if c.cell_type == "code"]
    if not code or FAST_LINE not in code[0].source:
        problems.append(f"{path.name}: the first code cell after the Colab cell must set {FAST_LINE}")
    _check(problems)


class _FakeOutput:
    def __init__(self):
        self.calls = 0

    def enable_custom_widget_manager(self):
        self.calls += 1


def _run_colab_cell(source, monkeypatch, *, on_colab):
    """Exec ``source`` with ``subprocess.run`` recorded and ``google.colab`` faked or absent; the calls."""
    runs = []
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: runs.append((args, kwargs)))
    output = _FakeOutput()
    if on_colab:
        google, colab = types.ModuleType("google"), types.ModuleType("google.colab")
        colab.output = output
        google.colab = colab
        monkeypatch.setitem(sys.modules, "google", google)
        monkeypatch.setitem(sys.modules, "google.colab", colab)
        monkeypatch.setitem(sys.modules, "google.colab.output", output)
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(compile(source, "<colab setup cell>", "exec"), {"__name__": "__main__"})
    return runs, output.calls


def _assert_colab_behaviour(source, monkeypatch, name):
    runs, widget_calls = _run_colab_cell(source, monkeypatch, on_colab=True)
    assert runs == [((COLAB_INSTALL,), {"check": True})], f"{name}: on Colab the cell should run pip once: {runs}"
    assert widget_calls == 1, f"{name}: on Colab the cell should call output.enable_custom_widget_manager() once"
    monkeypatch.undo()
    runs, widget_calls = _run_colab_cell(source, monkeypatch, on_colab=False)
    assert (runs, widget_calls) == ([], 0), f"{name}: outside Colab the cell must do nothing: {runs}, {widget_calls}"


def test_colab_setup_installs_and_enables_widgets_only_on_colab(monkeypatch, capsys):
    _assert_colab_behaviour(COLAB_SETUP, monkeypatch, "COLAB_SETUP")
    assert capsys.readouterr().out.count("On Colab: installing fcviz") == 1  # said once, on Colab only


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_colab_cell_of_the_notebook_installs_only_on_colab(path, monkeypatch):
    cells = [c for c in _read(path).cells if "colab-setup" in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"{path.name}: expected one code cell tagged colab-setup, found {len(cells)}"
    _assert_colab_behaviour(cells[0].source, monkeypatch, path.name)


# --------------------------------------------------------------------------------------------------
# Sections: estimates, the core's limit, Going further, Summary, References


def _headings(nb):
    """(cell index, heading text) of every level-2 heading, in order."""
    return [(i, line[3:].strip()) for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
            for line in c.source.splitlines() if line.startswith("## ")]


def _estimates(path):
    """({core heading: minutes}, going-further minutes or None) from the headings."""
    core, further = {}, None
    for _, text in _headings(_read(path)):
        match = ESTIMATE.search(text)
        if text.startswith("Going further"):
            further = int(match.group(1)) if match else None
            break
        if text.startswith(("Summary", "References", "Where next")):
            break
        if match:
            core[text] = int(match.group(1))
    return core, further


def _section_text(nb, title):
    """The markdown under the ``## title`` heading, up to the next level-2 heading (None if absent)."""
    lines, inside = [], False
    for c in nb.cells:
        if c.cell_type != "markdown":
            continue
        for line in c.source.splitlines():
            if line.startswith("## "):
                if inside:
                    return "\n".join(lines)
                inside = line[3:].strip().startswith(title)
            elif inside:
                lines.append(line)
    return "\n".join(lines) if inside else None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_sections_have_estimates_and_the_core_fits_an_hour(path):
    nb = _read(path)
    headings = _headings(nb)
    titles = [t for _, t in headings]
    problems = []
    order = ["Going further", "Summary", "References", "Where next"]
    found = {name: next((k for k, t in enumerate(titles) if t.startswith(name)), None) for name in order}
    for name in order:
        if found[name] is None:
            problems.append(f"{path.name}: add a '## {name}' section (AUTHORING.md, the frame)")
    positions = [found[name] for name in order if found[name] is not None]
    if positions != sorted(positions):
        problems.append(f"{path.name}: the closing sections must come in the order {order}; they come as "
                        f"{[titles[k] for k in positions]}")
    end = found["Going further"] if found["Going further"] is not None else len(headings)
    core = headings[:end]
    if not core:
        problems.append(f"{path.name}: no core '## N. Title (≈ N min)' section before Going further")
    for i, text in core:
        if not ESTIMATE.search(text):
            problems.append(f"{path.name}, cell {i}: the core heading '## {text}' needs a time estimate '(≈ N min)' "
                            "at its end")
    total = sum(int(ESTIMATE.search(t).group(1)) for _, t in core if ESTIMATE.search(t))
    if total > CORE_LIMIT_MIN:
        problems.append(f"{path.name}: the core sections add up to {total} min, over {CORE_LIMIT_MIN}: move some "
                        "under '## Going further'")
    if found["Going further"] is not None:
        i, text = headings[found["Going further"]]
        if not ESTIMATE.search(text):
            problems.append(f"{path.name}, cell {i}: write the heading as '## Going further (≈ N min)'")
    summary = _section_text(nb, "Summary")
    if summary is not None and not re.search(r"^\s*[-*] \S", summary, re.M):
        problems.append(f"{path.name}: the Summary lists what the student can now do, as bullets ('- ...')")
    references = _section_text(nb, "References") or ""
    for arxiv, paper in PAPERS.items():
        if found["References"] is not None and arxiv not in references:
            problems.append(f"{path.name}: cite {paper} (arXiv:{arxiv}) under '## References'")
    _check(problems)


def test_start_here_has_the_glossary():
    nb = _read(ROOT / "notebooks" / "00_start_here.ipynb")
    text = _section_text(nb, "Glossary")
    assert text is not None, "00_start_here.ipynb: add a '## Glossary' section (the other lessons link to it)"
    bold = " ".join(re.findall(r"\*\*([^*]+)\*\*", text))
    missing = [term for term in GLOSSARY if not re.search(rf"\b{re.escape(term)}\b", bold, re.I)]
    assert not missing, (f"00_start_here.ipynb, ## Glossary: define {missing}, each as a bold term "
                         "('- **Purity**: ...') followed by its definition")


# --------------------------------------------------------------------------------------------------
# Exercises: nbgrader triples


def _flags(cell):
    meta = cell.metadata.get("nbgrader")
    return None if meta is None else {key: meta.get(key) for key in ("grade", "solution", "locked", "task")}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_exercises_are_nbgrader_triples(path):
    nb = _read(path)
    problems, ids, n_exercises = [], {}, 0
    i = 0
    while i < len(nb.cells):
        cell = nb.cells[i]
        if _flags(cell) is None:
            if "### BEGIN SOLUTION" in cell.source or "### BEGIN HIDDEN TESTS" in cell.source:
                problems.append(f"{_where(path, i, cell)}: a solution or hidden-test region in a cell without "
                                "nbgrader metadata: make it part of an exercise triple")
            if cell.cell_type == "code" and cell.source.lstrip().lower().startswith("# solution"):
                problems.append(f"{_where(path, i, cell)}: a visible '# Solution' cell: turn it into an exercise "
                                "triple (task, answer with ### BEGIN SOLUTION, check)")
            i += 1
            continue
        n_exercises += 1
        for k, (role, kind, flags) in enumerate(TRIPLE):
            j = i + k
            cell = nb.cells[j] if j < len(nb.cells) else None
            where = _where(path, j, cell) if cell else f"{path.name}, after cell {j - 1}"
            if cell is None or _flags(cell) is None:
                problems.append(f"{where}: exercise cell {k + 1} of 3 (the {role}) is missing: an exercise is "
                                "task, answer, check, each with nbgrader metadata")
                break
            problems += _triple_cell_problems(where, cell, role, kind, flags, ids, j)
        i += 3
    if n_exercises == 0:
        problems.append(f"{path.name}: no exercise: every lesson has at least one autograded nbgrader exercise")
    _check(problems)


def _triple_cell_problems(where, cell, role, kind, flags, ids, index):
    problems = []
    meta = cell.metadata["nbgrader"]
    if cell.cell_type != kind:
        problems.append(f"{where}: the {role} cell of an exercise must be a {kind} cell")
    wrong = {key: meta.get(key) for key, value in flags.items() if meta.get(key) != value}
    if wrong:
        problems.append(f"{where}: the {role} cell needs nbgrader {flags}; it has {wrong} different")
    if meta.get("schema_version") != 3:
        problems.append(f"{where}: nbgrader schema_version must be 3")
    grade_id = meta.get("grade_id", "")
    if not re.fullmatch(rf"ex\d+-{role}", grade_id):
        problems.append(f"{where}: the grade_id of the {role} cell must be 'exN-{role}'; it is {grade_id!r}")
    elif grade_id in ids:
        problems.append(f"{where}: the grade_id {grade_id!r} is already used by cell {ids[grade_id]}")
    ids[grade_id] = index
    if role == "task" and not re.match(r"\*\*Exercise \d+\.\*\*", cell.source.lstrip()):
        problems.append(f"{where}: the task cell starts with '**Exercise N.**'")
    if role == "answer":
        if "### BEGIN SOLUTION" not in cell.source or "### END SOLUTION" not in cell.source:
            problems.append(f"{where}: the answer cell holds the solution between ### BEGIN SOLUTION and "
                            "### END SOLUTION")
        if not cell.metadata.get("jupyter", {}).get("source_hidden"):
            problems.append(f"{where}: collapse the answer cell: metadata.jupyter.source_hidden = true")
    if role == "check":
        if not (isinstance(meta.get("points"), (int, float)) and meta["points"] > 0):
            problems.append(f"{where}: the check cell needs points > 0 in its nbgrader metadata")
        if "checks." not in cell.source:
            problems.append(f"{where}: the check cell calls a function of fcviz.teach.checks")
    return problems


# --------------------------------------------------------------------------------------------------
# Widgets: a Think! with a collapsed sample answer after each


@functools.lru_cache(maxsize=None)
def _widget_factories():
    """Names that make a widget: every class of fcviz/viz/widgets deriving from Widget, and dashboard.

    Read from the source with ast (nothing imported): a class counts when one of its bases is Widget or
    a class that counts.
    """
    bases = {}
    for source in (ROOT / "fcviz" / "viz" / "widgets").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
    widgets = {"Widget"}
    while True:
        more = {name for name, parents in bases.items() if parents & widgets} - widgets
        if not more:
            return frozenset(widgets | {"dashboard"})
        widgets |= more


def _made_by(call):
    """The name of what a call makes: ``A(...)`` and ``A.from_zoo(...)`` give A, ``fcviz.dashboard()`` dashboard."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        if isinstance(func.value, ast.Name) and func.value.id[:1].isupper():
            return func.value.id
        return func.attr
    return None


def _shows_widget(tree, widget_names, factories):
    """Whether a cell displays a widget: its last statement is one, or it calls .show() or display() on one."""
    last = tree.body[-1] if tree.body else None
    if isinstance(last, ast.Expr):
        value = last.value
        if isinstance(value, ast.Name) and value.id in widget_names:
            return True
        if isinstance(value, ast.Call) and _made_by(value) in factories:
            return True
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "show" and isinstance(func.value, ast.Name) \
                    and func.value.id in widget_names:
                return True
            if isinstance(func, ast.Name) and func.id == "display" and any(
                    isinstance(a, ast.Name) and a.id in widget_names for a in node.args):
                return True
    return False


def widget_cells(nb):
    """Indices of the code cells that display a widget of fcviz (see :func:`_shows_widget`)."""
    factories, names, shown = _widget_factories(), set(), []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        try:
            lines = [line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))]
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        for node in ast.walk(tree):  # names bound to a new widget, in this cell or an earlier one
            if isinstance(node, ast.Assign):
                bound = {t.id for t in node.targets if isinstance(t, ast.Name)}
                if isinstance(node.value, ast.Call) and _made_by(node.value) in factories:
                    names |= bound
                else:
                    names -= bound
        if _shows_widget(tree, names, factories):
            shown.append(i)
    return shown


def test_widget_detection_finds_the_usual_forms():
    cells = [nbformat.v4.new_code_cell(s) for s in (
        "explorer = ConnectomeExplorer(zoo)\nexplorer",
        "dash = fcviz.dashboard(n_networks=2)\ndash",
        "ex = ClusteringExplorer.from_zoo(zoo)\nex.show()",
        "display(ex)",
        "explorer = 3\nexplorer",         # rebound to a number: not a widget any more
        "PersistenceDisplay.from_groups(P, codes, names)",  # a figure, not a widget
        "print(ex)",
    )]
    nb = nbformat.v4.new_notebook(cells=cells)
    assert widget_cells(nb) == [0, 1, 2, 3]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_widget_has_a_think_prompt_with_a_sample_answer(path):
    nb = _read(path)
    problems = []
    for i in widget_cells(nb):
        nxt = next((j for j in range(i + 1, len(nb.cells)) if nb.cells[j].cell_type == "markdown"), None)
        cell = nb.cells[nxt] if nxt is not None else None
        where = _where(path, i, nb.cells[i])
        if cell is None or not cell.source.lstrip().startswith("**Think!**"):
            problems.append(f"{where} shows a widget: the next markdown cell must start with '**Think!**' (what to "
                            "move, what to look for)")
        elif not re.search(r"<details>\s*<summary>[^<]+</summary>.+</details>", cell.source, re.S):
            problems.append(f"{_where(path, nxt, cell)}: the Think! needs a collapsed sample answer, "
                            "<details><summary>Sample answer</summary> ... </details>")
    _check(problems)


# --------------------------------------------------------------------------------------------------
# No silent waits, numbers from the run


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_cell_turns_progress_off(path):
    nb = _read(path)
    found = [_where(path, i, c) for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and re.search(r"\bprogress\s*=\s*False\b", c.source)]
    assert not found, ("progress=False hides a long wait; pass progress=True or print how long it takes, in: "
                       + "; ".join(found))


#: Phrases that report a particular run's result as if it were everyone's.
RUN_PHRASES = re.compile(r"\b(in our run|our run|in my run|we got|we measured|we obtained|we observed|"
                         r"in this run|on our machine)\b", re.I)
DECIMAL = re.compile(r"(?<![\w.])\d+\.\d+(?!\w|\.\d)")
_NUMBER_LIST = r"(?:-?\d+(?:\.\d+)?\s*(?:,|and|or|…)\s*)*"
# Where a decimal in prose is a setting or a bound, not a result: "t = 0.25, 0.5 and 0.75", "β ≤ 0.25",
# "p < 0.05", "in [0.8, 1]", "Python 3.11", "arXiv:2412.15279".
ALLOWED_CONTEXT = (
    re.compile(r"[=<>≤≥]\s*" + _NUMBER_LIST + r"$"),
    re.compile(r"\[\s*" + _NUMBER_LIST + r"$"),
    re.compile(r"(?:Python|version|v|arXiv:?)\s*$", re.I),
)


def _prose(source):
    """Markdown without what is not prose: code blocks and spans, math, link targets, HTML tags."""
    text = re.sub(r"```.*?```", " ", source, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"\$[^$]*\$", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"https?://\S+", " ", text)
    return re.sub(r"<[^>]+>", " ", text)


def typed_results(source):
    """The typed results in one markdown cell's prose: run phrases and decimal numbers that are not settings.

    A number printed by a cell is the student's own; the same number typed into the text is one run's,
    and a different seed, library version or fast mode contradicts it ("in our run the purity was 0.91").
    So prose may not report runs ("in our run", "we got", ...) nor hold a decimal number, except where a
    decimal is plainly a setting or a bound, written as one: after =, <, >, ≤ or ≥ (with the numbers of a
    list that follows, "t = 0.25, 0.5 and 0.75"), inside a range [a, b], a version (Python 3.11) or an
    arXiv number. Code spans, math and links are not prose and are skipped, so a constant of a formula
    can be written as math ($1/4$, $0.25$). Integers are allowed (counts of nodes, epochs, minutes).
    It can fail, and it fails on what the issue names: a typed "0.91", "about 3.5 at 120", "dropout 0.2"
    written as a fact rather than the setting "dropout = 0.2". A false alarm costs one "=" or one pair of
    dollar signs; a missed typed result costs a student a contradiction.
    """
    text = _prose(source)
    found = [m.group(0) for m in RUN_PHRASES.finditer(text)]
    for match in DECIMAL.finditer(text):
        before = text[max(0, match.start() - 60):match.start()]
        if not any(pattern.search(before) for pattern in ALLOWED_CONTEXT):
            found.append(match.group(0))
    return found


def test_typed_result_heuristic():
    assert typed_results("In our run the purity was 0.91.") == ["In our run", "0.91"]
    assert typed_results("It shrinks to about 3.5 at m = 120.") == ["3.5"]
    assert typed_results("Set t = 0.5 and β ≤ 0.25; purity in [0.8, 1]; `d = 0.123`; $x = 1.5$; Python 3.11.") == []
    assert typed_results("at t = 0.25, 0.5 and 0.75; β = 0, 0.1, …, 1; p < 0.05") == []
    assert typed_results("dropout 0.2 and a chance level (0.25)") == ["0.2", "0.25"]
    assert typed_results("See [arXiv:2412.15279](https://arxiv.org/abs/2412.15279); 384 nodes, 20 epochs.") == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_results_typed_into_the_prose(path):
    nb = _read(path)
    problems = []
    skip = False
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():  # the reference list cites papers, years and pages
            if line.startswith("## "):
                skip = line[3:].strip().startswith(("References", "Where next"))
        if skip:
            continue
        found = typed_results(cell.source)
        if found:
            prose = " ".join(_prose(cell.source).split())
            seen = [f"...{prose[max(0, k - 40):k + len(t)]!s}" for t in found if (k := prose.find(t)) >= 0]
            problems.append(f"{_where(path, i, cell)}: typed results {found} in {seen}: print a result from the run "
                            "(f-string) or state a range a printed self-check tests; write a setting or bound as "
                            "'x = 0.5' or a constant as math '$0.25$'")
    _check(problems)
