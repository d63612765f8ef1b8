"""A cached zoo costs no torch: loading it and every dashboard view over it run without importing torch.

Each check runs in a fresh interpreter (this test process has torch already). The first one builds a
tiny zoo, with the dashboard's own settings, into an empty cache and records its networks over every
stimulus class (what the Connectomes tab offers): that trains and records, so it must import torch.
The second opens the same dashboard on that cache, clicks Build (a cache hit), switches every control
of every tab (strategy, stimulus class, network, node order, clustering method and its settings, the
purity curve, every epoch of the dynamics), uses the zoo's own methods, and then torch and
torchvision must be absent from ``sys.modules``; the stack of the first torch import, if any, is in
the failure message. How much memory that saves is measured in benchmarks/bench_kernel_memory.py.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import fcviz
from fcviz._model_settings import model_settings
from fcviz._zoo_cache import resolve_settings, zoo_cache_key
from fcviz.registry import DATASETS, REGULARIZERS

ROOT = Path(__file__).resolve().parents[1]
TINY = {"n_networks": 2, "epochs": 2, "n_stimuli": 60}

# Run first in every child: remember where torch / torchvision were first imported from.
WATCH = r'''
import json, sys, traceback
FIRST = {}
class _Watch:
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in ("torch", "torchvision") and top not in FIRST:
            FIRST[top] = "".join(traceback.format_stack(limit=30)[:-1])
        return None
sys.meta_path.insert(0, _Watch())

def report(**extra):
    print("RESULT " + json.dumps({"torch": "torch" in sys.modules, "torchvision": "torchvision" in sys.modules,
                                  "first": FIRST, **extra}))
'''

BUILD = WATCH + r'''
import fcviz
dash = fcviz.dashboard(cache_dir=CACHE, **TINY)
before = "torch" in sys.modules
zoo = fcviz.connectome_zoo(**dash.zoo_arguments(), progress=False)  # what Build asks for
for label in range(10):  # what the Connectomes tab's stimulus classes ask for
    zoo.trained().recorded_over(label, progress=False)
report(before=before, from_cache=zoo.from_cache)
'''

DRIVE = WATCH + r'''
import fcviz

def turn(explorer, control, wait=300):
    """Every value of one control, in turn; the distinct images the explorer showed."""
    seen = set()
    for i in range(len(control.options)):
        control.index = i
        explorer.wait(wait)
        seen.update(bytes(image.value) for image in explorer.images_.values())
    return seen

# The zoo and its methods
zoo = fcviz.connectome_zoo(**fcviz.dashboard(cache_dir=CACHE, **TINY).zoo_arguments(), progress=False)
assert zoo.from_cache, "the zoo was not read from the cache"
trained = zoo.trained()
assert len(zoo.at_epoch(zoo.epochs[0])) == len(trained) and len(zoo.select(regularizer="l2")) > 0
zoo.group_labels(("regularizer", "epoch")), zoo.rows(epoch=zoo.epochs[-1]), zoo.label_column("network")
str(zoo.summary()), zoo._repr_html_(), repr(zoo)
recorded = trained.recorded_over(3, progress=False)
assert recorded.from_cache, "the recording over class 3 was not read from the cache"
fcviz.birth_death(zoo.graphs), fcviz.training_dynamics(zoo)

# The dashboard: Build loads from the cache, then every control of every tab
dash = fcviz.dashboard(cache_dir=CACHE, **TINY)
dash.build_button.click()
assert dash.wait(600), "the build did not finish"
assert dash.last_error_ is None, dash.last_error_
assert dash.zoo_.from_cache, "Build did not load from the cache"
images = {}
con = dash.explorers_["Connectomes"]
images["Connectomes"] = set().union(*(turn(con, c) for c in (con.strategy, con.order, con.network,
                                                               con.stimulus_class)))
clu = dash.explorers_["Clustering"]
seen = turn(clu, clu.method)
clu.method.value = "Top"
for control, value in ((clu.weight, 0.5), (clu.n_clusters, 3), (clu.seed, 1)):
    control.value = value
    clu.wait(300)
seen |= turn(clu, clu.birth_weight)
clu.show_curve()
clu.wait(300)
images["Clustering"] = seen
dyn = dash.explorers_["Dynamics"]
seen = set()
for epoch in range(dyn.epoch.min, dyn.epoch.max + 1):
    dyn.epoch.value = epoch
    seen.update(bytes(image.value) for image in dyn.images_.values())
images["Dynamics"] = seen | set().union(*(turn(dyn, c) for c in (dyn.strategy, dyn.network, dyn.order)))
dash.tables()
errors = {title: explorer.last_error_ for title, explorer in dash.explorers_.items()}
report(errors={k: None if v is None else str(v) for k, v in errors.items()},
       images={k: len(v) for k, v in images.items()}, methods=list(clu.method.options))
'''


def _run(script, cache_dir):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "MPLBACKEND": "Agg", "FCVIZ_CACHE_DIR": str(cache_dir)}
    code = f"CACHE = {str(cache_dir)!r}\nTINY = {TINY!r}\n" + script
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    line = [row for row in proc.stdout.splitlines() if row.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    cache_dir = tmp_path_factory.mktemp("torch-free-cache")
    return cache_dir, _run(BUILD, cache_dir)


def test_a_cache_miss_trains_and_so_imports_torch(built):
    cache_dir, result = built
    assert not result["before"], "the dashboard imported torch before anything was built"
    assert not result["from_cache"] and result["torch"], "building (training, recording) must import torch"
    assert len(list((cache_dir / "zoo").glob("*-recorded-*.npz"))) == 10  # one recording per stimulus class


def test_a_cached_zoo_and_every_dashboard_view_run_without_torch(built):
    cache_dir, _ = built
    result = _run(DRIVE, cache_dir)
    assert result["errors"] == {"Connectomes": None, "Clustering": None, "Dynamics": None}
    assert all(count > 2 for count in result["images"].values()), result["images"]  # the views were redrawn
    assert {"Top", "Adj"} <= set(result["methods"])
    assert not result["torch"], f"torch was imported from:\n{result['first'].get('torch')}"
    assert not result["torchvision"], f"torchvision was imported from:\n{result['first'].get('torchvision')}"


@pytest.mark.parametrize("dataset", list(DATASETS))
@pytest.mark.parametrize("regularizer", REGULARIZERS)
def test_the_torch_free_hyperparameter_check_is_make_models(dataset, regularizer):
    name, settings = model_settings(dataset, regularizer, {})
    assert name == dataset and settings == fcviz.make_model(dataset, regularizer).hyperparameters
    for bad in ({"hidden": (0,)}, {"negative_slope": 2.0}, {"depth": 3}):
        with pytest.raises(ValueError) as torch_free:
            model_settings(dataset, regularizer, bad)
        with pytest.raises(ValueError) as made:
            fcviz.make_model(dataset, regularizer, **bad)
        assert str(torch_free.value) == str(made.value)


def test_torch_input_still_works_where_it_did():
    X, y = fcviz.load_stimuli("digits", classes=torch.tensor([3, 5]), n=20)
    assert isinstance(X, torch.Tensor) and sorted(set(y.tolist())) == [3, 5]
    args = ("digits", REGULARIZERS, None, 2, "classroom", 0, "fresh")
    as_device = resolve_settings(*args, {"device": torch.device("cpu")})
    assert zoo_cache_key(as_device) == zoo_cache_key(resolve_settings(*args, {"device": "cpu"}))
    with pytest.raises(ValueError, match="cannot be part of the cache key"):
        resolve_settings(*args, {"hidden": object()})
    graph = 0.5 * (torch.ones(3, 3) - torch.eye(3))
    assert np.array_equal(fcviz.birth_death(graph).births, [0.5, 0.5])
