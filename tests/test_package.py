"""The public API: every exported name resolves, and the topology core does not import torch."""

import subprocess
import sys

import fcviz


def test_every_exported_name_resolves():
    from importlib import import_module

    assert len(fcviz.__all__) == len(set(fcviz.__all__)) and set(fcviz.__all__) <= set(dir(fcviz))
    for name in fcviz.__all__:
        value = getattr(fcviz, name)  # raises AttributeError for a name that does not resolve
        # fcviz's own function or class under its own name, not a stray re-export or a placeholder
        assert callable(value) and value.__name__ == name, name
        sklearn_scores = {"adjusted_rand_score", "normalized_mutual_info_score"}  # re-exported from scikit-learn
        home = "sklearn.metrics." if name in sklearn_scores else "fcviz."
        assert value.__module__.startswith(home), (name, value.__module__)
        if name in fcviz._LAZY:  # a lazy name comes from the submodule it is listed under
            assert value is getattr(import_module(f"fcviz.{fcviz._LAZY[name]}"), name), name


def test_topology_core_imports_without_torch():
    code = ("import sys, numpy as np, fcviz; fcviz.birth_death(np.ones((3, 3)) - np.eye(3)); "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_import_fcviz_loads_no_plotting_or_widgets():
    # Only fcviz.viz (and the plotting wrappers over it) may import matplotlib and ipywidgets.
    code = ("import sys, numpy as np, fcviz; fcviz.betti_curves(np.ones((3, 3)) - np.eye(3), [0.5]); "
            "loaded = [m for m in ('matplotlib', 'ipywidgets', 'torch') if m in sys.modules]; "
            "assert not loaded, f'import fcviz loaded {loaded}'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unknown_attribute():
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        fcviz.nope
