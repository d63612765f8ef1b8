"""``import fcviz`` is light: scikit-learn, scipy, torch, matplotlib and ipywidgets load only when used.

Each check runs in a fresh interpreter (``sys.modules`` of this one holds everything already). How
long the import takes is measured by benchmarks/bench_import.py.
"""

import json
import subprocess
import sys

HEAVY = ("sklearn", "scipy", "torch", "matplotlib", "ipywidgets")


def _loaded_after(statement):
    code = f"import json, sys; {statement}; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    result = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_import_fcviz_loads_no_heavy_package():
    assert _loaded_after("import fcviz") == set()


def test_topology_core_runs_without_scikit_learn():
    statement = ("import numpy as np, fcviz; A = np.random.default_rng(0).random((3, 8, 8)); "
                 "A = A + A.transpose(0, 2, 1); P = fcviz.birth_death(A); fcviz.pairwise_distances(P); "
                 "fcviz.purity_score([0, 0, 1], [1, 1, 0]); fcviz.betti_curves(P, [0.5])")
    assert _loaded_after(statement) == set()


def test_lazy_names_resolve_to_the_same_objects():
    statement = ("import fcviz, fcviz.clustering, fcviz.scores, sklearn.metrics, sklearn.base; "
                 "assert fcviz.TopClustering is fcviz.clustering.TopClustering; "
                 "assert issubclass(fcviz.TopClustering, sklearn.base.BaseEstimator); "
                 "assert fcviz.adjusted_rand_score is sklearn.metrics.adjusted_rand_score; "
                 "assert fcviz.scores.normalized_mutual_info_score is sklearn.metrics.normalized_mutual_info_score; "
                 "from fcviz import training_dynamics, DynamicsResult")
    assert "sklearn" in _loaded_after(statement)


def test_purity_matches_the_contingency_table_of_scikit_learn():
    import numpy as np
    from sklearn.metrics.cluster import contingency_matrix

    from fcviz.scores import purity_score

    rng = np.random.default_rng(0)
    for _ in range(20):
        true = rng.choice(np.array(["a", "b", "c"]), 30)
        pred = rng.integers(-2, 5, 30)
        expected = contingency_matrix(true, pred).max(axis=0).sum() / 30
        assert purity_score(true, pred) == expected
    assert json.dumps(purity_score([0, 0, 1, 1], [0, 0, 0, 1])) == "0.75"
