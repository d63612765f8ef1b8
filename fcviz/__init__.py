"""fcviz: functional connectomes of trained neural networks and their topology.

The topology core: :func:`birth_death` decomposes weighted graphs into birth and death sets,
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
from .homology import Persistence, birth_death, mst_edges
from .stats import PermutationTestResult, permutation_test
from .wasserstein import Barycenter, barycenter, pairwise_distances, topological_distance, wasserstein_distance

__version__ = "0.1.0"

__all__ = [
    "Barycenter",
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
