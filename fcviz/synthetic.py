"""Random modular graphs: correlation graphs with known community structure.

Used by the demo, the tests and the benchmarks (the paper's runtime study uses random modular
graphs). Each node is a noisy copy of its module's latent signal; the graph is the absolute Pearson
correlation between nodes over the samples, exactly like a functional connectome.
"""

from __future__ import annotations

import numpy as np

__all__ = ["random_modular_graphs"]


def random_modular_graphs(n_graphs, n_nodes, n_modules=4, *, signal=1.0, n_samples=64, random_state=None):
    """Draw correlation graphs whose nodes fall into ``n_modules`` equally sized modules.

    Parameters
    ----------
    n_graphs : int
        Number of graphs to draw.
    n_nodes : int
        Nodes per graph, at least 2.
    n_modules : int, default=4
        Number of modules (1 to ``n_nodes``); nodes are assigned to modules in contiguous blocks.
    signal : float, default=1.0
        Standard deviation of the shared module signal relative to unit node noise: larger values
        give stronger within-module correlations.
    n_samples : int, default=64
        Length of each node's simulated activity.
    random_state : int, numpy.random.Generator or None
        Seed for reproducible graphs.

    Returns
    -------
    ndarray of shape (n_graphs, n_nodes, n_nodes)
        Symmetric weights in [0, 1] with a zero diagonal.

    Examples
    --------
    >>> from fcviz.synthetic import random_modular_graphs
    >>> random_modular_graphs(3, 10, 2, random_state=0).shape
    (3, 10, 10)
    """
    for name, value, low in (("n_graphs", n_graphs, 1), ("n_nodes", n_nodes, 2), ("n_samples", n_samples, 3)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}; got {value!r}.")
    if isinstance(n_modules, bool) or not isinstance(n_modules, (int, np.integer)) or not 1 <= n_modules <= n_nodes:
        raise ValueError(f"n_modules must be an integer in [1, n_nodes={n_nodes}]; got {n_modules!r}.")
    if not np.isfinite(signal) or signal < 0:
        raise ValueError(f"signal must be a finite number >= 0; got {signal!r}.")
    rng = np.random.default_rng(random_state)
    module = np.arange(n_nodes) * n_modules // n_nodes
    latent = rng.standard_normal((n_graphs, n_modules, n_samples))
    activity = signal * latent[:, module, :] + rng.standard_normal((n_graphs, n_nodes, n_samples))
    activity -= activity.mean(axis=2, keepdims=True)
    activity /= np.linalg.norm(activity, axis=2, keepdims=True)
    graphs = np.abs(activity @ activity.transpose(0, 2, 1))
    upper = np.triu(np.minimum(graphs, 1.0), 1)
    return upper + upper.transpose(0, 2, 1)
