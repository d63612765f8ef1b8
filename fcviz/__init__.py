"""fcviz: functional connectomes of trained neural networks and their topology.

The pipeline: :func:`load_stimuli`, :func:`make_model`, :func:`train_networks`,
:func:`functional_connectome` and :func:`connectome_zoo` turn datasets into trained networks and
their connectomes. The topology core: :func:`birth_death` decomposes weighted graphs into birth and death sets,
:func:`topological_distance`, :func:`wasserstein_distance`, :func:`pairwise_distances` and
:func:`barycenter` compare and average them in closed form.
"""

from .clustering import (
    TopClustering,
    adjusted_rand_score,
    clustering_scores,
    normalized_mutual_info_score,
    purity_score,
)
from .activations import capture_activations, record_activations
from .connectome import Connectome, correlation_connectome, functional_connectome, functional_connectomes
from .datasets import DatasetInfo, DatasetNotAvailableError, list_datasets, load_stimuli
from .homology import Persistence, birth_death, mst_edges
from .models import list_regularizers, make_model
from .stats import PermutationTestResult, permutation_test
from .training import TrainingResult, train_networks
from .wasserstein import Barycenter, barycenter, pairwise_distances, topological_distance, wasserstein_distance
from .zoo import ConnectomeZoo, connectome_zoo

__version__ = "0.1.0"

__all__ = [
    "Barycenter",
    "Connectome",
    "ConnectomeZoo",
    "DatasetInfo",
    "DatasetNotAvailableError",
    "TrainingResult",
    "capture_activations",
    "connectome_zoo",
    "correlation_connectome",
    "functional_connectome",
    "functional_connectomes",
    "list_datasets",
    "list_regularizers",
    "load_stimuli",
    "make_model",
    "record_activations",
    "train_networks",
    "PermutationTestResult",
    "Persistence",
    "TopClustering",
    "adjusted_rand_score",
    "barycenter",
    "birth_death",
    "clustering_scores",
    "mst_edges",
    "normalized_mutual_info_score",
    "pairwise_distances",
    "permutation_test",
    "purity_score",
    "topological_distance",
    "wasserstein_distance",
]
