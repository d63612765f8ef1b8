"""The public API: every exported name resolves, and the topology core does not import torch."""

import subprocess
import sys

import fcviz


def test_every_exported_name_resolves():
    for name in fcviz.__all__:
        assert getattr(fcviz, name) is not None, name
    assert set(fcviz.__all__) <= set(dir(fcviz))


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
