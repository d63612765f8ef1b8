"""The package's house rules, checked on its source: rooms a newcomer can read, no private scikit-learn.

Every module under ``fcviz/`` (the face in ``fcviz/viz/`` too) stays under 800 lines and every
function under 100 (the aim is about 80: split a long function into well-named steps), and no module
imports a private name of scikit-learn (``sklearn.utils._param_validation`` and the like), which may
change in any release.
"""

import ast
from pathlib import Path

import pytest

import fcviz

PACKAGE = Path(fcviz.__file__).parent
MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 100

MODULES = sorted(PACKAGE.rglob("*.py"))


def _name(path):
    return path.relative_to(PACKAGE.parent).as_posix()


def _tree(path):
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def long_functions(tree, limit=MAX_FUNCTION_LINES):
    """``(name, first line, length)`` of every function or method longer than ``limit`` lines."""
    return [
        (node.name, node.lineno, node.end_lineno - node.lineno + 1)
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > limit
    ]


def private_sklearn_imports(tree):
    """The imports of a private scikit-learn module or name (a dotted part starting with ``_``)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "sklearn" and any(part.startswith("_") for part in parts[1:]):
                found.append((name, node.lineno))
    return found


def test_the_package_is_walked():
    names = {_name(path) for path in MODULES}
    assert {"fcviz/__init__.py", "fcviz/zoo.py", "fcviz/clustering.py"} <= names
    assert any(name.startswith("fcviz/viz/") for name in names)


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_module_and_functions_stay_short(path):
    n_lines = len(path.read_text(encoding="utf-8").splitlines())
    assert n_lines <= MAX_MODULE_LINES, (
        f"{_name(path)} has {n_lines} lines (at most {MAX_MODULE_LINES}): split it by job.")
    long = long_functions(_tree(path))
    assert not long, "\n".join(
        f"{_name(path)}:{line} {name} has {length} lines (at most {MAX_FUNCTION_LINES}): split it into steps"
        for name, line, length in long)


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_private_scikit_learn_import(path):
    found = private_sklearn_imports(_tree(path))
    assert not found, "\n".join(
        f"{_name(path)}:{line} imports {name}, a private part of scikit-learn: use fcviz's own code "
        "(e.g. fcviz._validation.check_estimator_params) or scikit-learn's public API" for name, line in found)


def test_the_checks_catch_what_they_look_for():
    tree = ast.parse(
        "from sklearn.utils._param_validation import Interval\n"
        "import sklearn.cluster._kmeans\n"
        "from sklearn.cluster import _kmeans\n"
        "from sklearn.cluster import KMeans\n"
        "def f():\n" + "    x = 1\n" * 100
    )
    assert [name for name, _ in private_sklearn_imports(tree)] == [
        "sklearn.utils._param_validation.Interval", "sklearn.cluster._kmeans", "sklearn.cluster._kmeans"]
    assert long_functions(tree) == [("f", 5, 101)]
