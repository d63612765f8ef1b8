"""Every notebook runs top to bottom in fast mode (FCVIZ_FAST=1): no error, its self-checks hold, its figures show.

Each instructor notebook is executed once in the suite, by nbgrader's autograde (tests/lesson_runs.py):
these checks read its outputs, tests/test_student_versions.py its grades.
"""

import re

import nbformat
import pytest

from lesson_runs import INSTRUCTOR, NOTEBOOKS, runs

# A printed self-check of a lesson, e.g. "same as fcviz: True" or "sorted matching 0.05 <= cheapest of 1,000
# shuffles 0.12": the lesson states it holds, so it must.
CLAIM = re.compile(r":\s+(True|False)\b")
INEQUALITY = re.compile(r"(-?\d+\.?\d*) <= \D*?(-?\d+\.?\d*)\s*$")


def _text(output):
    if output.output_type == "stream":
        return output.text
    return output.get("data", {}).get("text/plain", "")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path_factory):
    source = nbformat.read(path, as_version=4)
    assert source.metadata.get("kernelspec"), f"{path.name} has no kernelspec: JupyterLab would ask for one"
    # nbgrader executes every cell (errors allowed) and keeps the outputs: inspect them below
    nb = nbformat.read(runs(tmp_path_factory).grade(INSTRUCTOR, path.stem).path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) == sum(c.cell_type == "code" for c in source.cells), f"{path.name}: cells lost in grading"
    errors = [(i, o.ename, o.evalue) for i, c in enumerate(code) for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{path.name}: code cells raised {errors}"
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), f"{path.name}: not every cell ran"
    for i, c in enumerate(code):
        text = "".join(_text(o) for o in c.outputs)
        assert "Traceback" not in text, f"{path.name}, code cell {i} printed a traceback:\n{text}"
        for claim in CLAIM.finditer(text):
            assert claim.group(1) == "True", f"{path.name}, code cell {i}: a self-check failed:\n{text}"
        for line in text.splitlines():
            if (pair := INEQUALITY.search(line)):
                assert float(pair.group(1)) <= float(pair.group(2)), f"{path.name}, code cell {i}: {line}"
        kinds = {key for o in c.outputs for key in o.get("data", {})}
        if re.search(r"plt\.(subplots|figure)\(", c.source):  # a cell that draws with pyplot shows its figure
            assert "image/png" in kinds, f"{path.name}, code cell {i} draws a figure but shows none"


def test_notebooks_exist():
    assert any(p.name == "00_start_here.ipynb" for p in NOTEBOOKS)


BADGE = "[![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/fcviz/fcviz/HEAD?urlpath=lab/tree/notebooks/{}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_clean(path):
    """No outputs, execution counts or saved widget state; a python3 kernel; a Binder badge to itself."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [i for i, c in enumerate(code) if c.get("outputs")] == [], f"{path.name} has outputs: clear them"
    assert [c.execution_count for c in code if c.execution_count is not None] == [], \
        f"{path.name} has execution counts: clear them"
    assert "widgets" not in nb.metadata, f"{path.name} stores widget state (metadata.widgets): remove it"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", f"{path.name} needs the python3 kernelspec"
    first = nb.cells[0]
    assert first.cell_type == "markdown" and BADGE.format(path.name) + ")" in first.source, \
        f"{path.name}: the first cell needs the Binder badge linking to notebooks/{path.name}"
