"""fcviz: functional connectomes of trained neural networks and their topology.

The topology core: :func:`birth_death` decomposes weighted graphs into birth and death sets,
:func:`topological_distance`, :func:`wasserstein_distance`, :func:`pairwise_distances` and
:func:`barycenter` compare and average them in closed form.
"""

from .homology import Persistence, birth_death, mst_edges
from .wasserstein import Barycenter, barycenter, pairwise_distances, topological_distance, wasserstein_distance

__version__ = "0.1.0"

__all__ = [
    "Barycenter",
    "Persistence",
    "barycenter",
    "birth_death",
    "mst_edges",
    "pairwise_distances",
    "topological_distance",
    "wasserstein_distance",
]
