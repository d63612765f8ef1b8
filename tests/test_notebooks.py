"""Every notebook runs top to bottom in fast mode (FCVIZ_FAST=1)."""

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path, monkeypatch):
    monkeypatch.setenv("FCVIZ_FAST", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("FCVIZ_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FCVIZ_NOTEBOOK_AUTOBUILD", "1")  # no browser to click Build: 00 builds from code
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.get("kernelspec"), f"{path.name} has no kernelspec: JupyterLab would ask for one"
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors


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
