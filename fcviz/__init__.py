"""fcviz: functional connectomes of trained neural networks and their topology.

The pipeline: :func:`load_stimuli`, :func:`make_model`, :func:`train_networks`,
:func:`functional_connectome` and :func:`connectome_zoo` turn datasets into trained networks and
their connectomes. The topology core: :func:`birth_death` decomposes weighted graphs into birth and
death sets; :func:`topological_distance`, :func:`wasserstein_distance`, :func:`pairwise_distances`
and :func:`barycenter` compare and average them in closed form; :class:`TopClustering` clusters them.

The topology core needs only numpy, scipy and scikit-learn: scikit-learn (clustering) and the
torch-based pipeline are imported on first use of one of their names, so ``import fcviz`` stays fast.
"""

from importlib import import_module

from .homology import Persistence, betti_curves, birth_death, mst_edges, spanning_tree_order
from .scores import clustering_scores, purity_score
from .stats import PermutationTestResult, permutation_test
from .summary import GroupSummary, group_summary
from .wasserstein import (
    Barycenter,
    barycenter,
    edge_distances,
    pairwise_distances,
    rank_weights,
    topological_distance,
    topological_features,
    wasserstein_distance,
)

__version__ = "0.1.0"

# Names imported lazily, name -> submodule: those that need scikit-learn (clustering, its scores, the
# training dynamics that cluster) and the torch-based pipeline.
_LAZY = {
    "TopClustering": "clustering",
    "adjusted_rand_score": "scores",
    "normalized_mutual_info_score": "scores",
    "DynamicsResult": "dynamics",
    "training_dynamics": "dynamics",
    "capture_activations": "activations",
    "record_activations": "activations",
    "Connectome": "connectome",
    "correlation_connectome": "connectome",
    "functional_connectome": "connectome",
    "functional_connectomes": "connectome",
    "DatasetInfo": "datasets",
    "DatasetNotAvailableError": "datasets",
    "list_datasets": "datasets",
    "load_stimuli": "datasets",
    "list_regularizers": "models",
    "make_model": "models",
    "TrainingResult": "training",
    "train_networks": "training",
    "ConnectomeZoo": "zoo",
    "connectome_zoo": "zoo",
    "BuildProgress": "progress",
    "BuildCancelled": "progress",
    "linear_cka": "similarity",
    "cka_matrix": "similarity",
    "neural_persistence": "similarity",
    "network_neural_persistence": "similarity",
    "dashboard": "viz.widgets.dashboard",
}


def __getattr__(name):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'fcviz' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = sorted([
    "Barycenter",
    "GroupSummary",
    "PermutationTestResult",
    "Persistence",
    "barycenter",
    "betti_curves",
    "birth_death",
    "clustering_scores",
    "edge_distances",
    "group_summary",
    "mst_edges",
    "pairwise_distances",
    "permutation_test",
    "purity_score",
    "rank_weights",
    "spanning_tree_order",
    "topological_distance",
    "topological_features",
    "wasserstein_distance",
    *_LAZY,
])
