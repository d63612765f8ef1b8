"""The face's house: displays without ipywidgets, lazy imports, one widget base, small modules and functions.

The import checks run in a fresh interpreter each (``sys.modules`` of this one holds everything).
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import fcviz.viz

VIZ = Path(fcviz.viz.__file__).parent
MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 100


def _loaded_after(statement):
    code = (f"import sys; {statement}; "
            "print(','.join(m for m in ('ipywidgets', 'matplotlib') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return set(filter(None, result.stdout.strip().split(",")))


def test_import_fcviz_and_fcviz_viz_load_neither_matplotlib_nor_ipywidgets():
    assert _loaded_after("import fcviz, fcviz.viz") == set()
    assert _loaded_after("import fcviz.viz.widgets") == set()  # the package itself is lazy too


def test_displays_never_import_ipywidgets():
    statement = ("import fcviz.viz.displays as d; [getattr(d, name) for name in d.__all__]; "
                 "import fcviz.plotting; from fcviz.viz import figure_to_png")
    assert _loaded_after(statement) == {"matplotlib"}


def test_every_public_name_resolves_from_fcviz_viz_and_the_old_paths_still_import():
    from fcviz.viz import displays, widgets

    for package in (fcviz.viz, displays, widgets):
        for name in package.__all__:
            assert getattr(package, name) is not None, (package.__name__, name)
        assert set(package.__all__) <= set(dir(package))
    import fcviz.viz.dashboard as old_dashboard
    import fcviz.viz.explorers as old_explorers
    from fcviz.viz.dynamics_explorer import save_animation
    from fcviz.viz.widgets import clustering, connectome, dashboard, dynamics

    assert old_dashboard.Dashboard is dashboard.Dashboard is fcviz.viz.Dashboard
    assert old_explorers.ConnectomeExplorer is connectome.ConnectomeExplorer
    assert save_animation is dynamics.save_animation
    assert fcviz.dashboard is dashboard.dashboard


def test_setting_a_name_on_an_old_path_sets_it_where_the_code_reads_it(monkeypatch):
    import fcviz.viz.explorers as old
    from fcviz.viz.widgets import clustering, connectome

    monkeypatch.setattr(old, "TopClustering", "patched")
    monkeypatch.setattr("fcviz.viz.explorers.betti_curves", "patched too")
    assert clustering.TopClustering == "patched" and connectome.betti_curves == "patched too"
    monkeypatch.undo()
    assert clustering.TopClustering is fcviz.TopClustering and connectome.betti_curves is fcviz.betti_curves


def test_every_widget_derives_from_the_one_base():
    from fcviz.viz.widgets.base import Explorer, Widget

    for name in ("ConnectomeExplorer", "ClusteringExplorer", "DynamicsExplorer"):
        assert issubclass(getattr(fcviz.viz, name), Explorer), name
    for name in ("FiltrationExplorer", "BarycenterSlider", "ScalingExplorer", "LayerExplorer", "Dashboard"):
        assert issubclass(getattr(fcviz.viz, name), Widget), name
    assert fcviz.viz.DynamicsExplorer.uses_epochs and not fcviz.viz.ConnectomeExplorer.uses_epochs


def test_the_dashboard_asks_its_tabs_through_the_base_not_by_guessing():
    source = (VIZ / "widgets" / "dashboard.py").read_text()
    assert "inspect" not in source and "getattr(explorer" not in source and "getattr(cls" not in source


def _viz_modules():
    return sorted(VIZ.rglob("*.py"))


@pytest.mark.parametrize("path", _viz_modules(), ids=lambda p: str(p.relative_to(VIZ)))
def test_no_viz_module_over_800_lines_and_no_function_over_100(path):
    source = path.read_text()
    assert source.count("\n") <= MAX_MODULE_LINES, f"{path.name}: {source.count(chr(10))} lines"
    long = [(node.name, node.end_lineno - node.lineno + 1) for node in ast.walk(ast.parse(source))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long, f"{path.name}: functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_the_base_serialises_changes_drops_stale_ones_and_never_draws_inside_a_commit():
    from fcviz.viz.widgets.base import Explorer

    explorer = Explorer(dpi=20)
    panel = explorer.add_panel("only", figsize=(1, 1))
    old = explorer.new_ticket()
    new = explorer.new_ticket()
    assert not explorer.commit(lambda: explorer.status.__setattr__("value", "old"), old)
    assert explorer.commit(lambda: explorer.status.__setattr__("value", "new"), new)
    assert explorer.status.value == "new"
    assert explorer.refresh({"only": 1}, lambda names: None, ticket=old) == []  # an older choice: not drawn
    assert explorer.refresh({"only": 1}, lambda names: None, ticket=new) == ["only"]
    assert bytes(panel.image.value[:4]) == b"\x89PNG" and explorer.shown_ == {"only": 1}
    with pytest.raises(RuntimeError, match="drawn inside commit"):
        explorer.commit(lambda: explorer.render())
    with explorer.guard("a failure for an older choice"):
        explorer.new_ticket()  # e.g. a new zoo from the build thread meanwhile
        raise ValueError("dropped")
    assert explorer.last_error_ is None and explorer.error_log.value == ""
    explorer.close()
