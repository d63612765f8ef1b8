"""Random modular graphs with known community structure.

Two generators, used by the demo, the tests and the benchmarks:

- :func:`random_modular_graphs`: *correlation* graphs. Each node is a noisy copy of its module's
  latent signal; the graph is the absolute Pearson correlation between nodes over the samples, exactly
  like a functional connectome. Low-rank structure: cheap for Vietoris-Rips persistence.
- :func:`random_modular_networks`: *edge-level* modular graphs in the style of the runtime study of
  Songdechakraiwut et al.: every edge weight is drawn independently, strong with probability ``p``
  inside a module and ``1 - p`` between modules, else noise. Unstructured at the edge level, like the
  paper's benchmark graphs, and far costlier for Rips persistence.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_graphs, check_int, check_real

__all__ = ["interpolate_graphs", "random_modular_graphs", "random_modular_networks"]


def _check_sizes(n_graphs, n_nodes, n_modules, **more):
    """Raise ValueError unless the counts are integers in range (``more``: name -> value, at least 3)."""
    check_int(n_graphs, "n_graphs", minimum=1)
    n_nodes = check_int(n_nodes, "n_nodes", minimum=2)
    for name, value in more.items():
        check_int(value, name, minimum=3)
    check_int(n_modules, "n_modules", minimum=1, maximum=n_nodes, hint="Each module needs at least one node.")


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
    _check_sizes(n_graphs, n_nodes, n_modules, n_samples=n_samples)
    check_real(signal, "signal", low=0)
    rng = np.random.default_rng(random_state)
    module = np.arange(n_nodes) * n_modules // n_nodes
    latent = rng.standard_normal((n_graphs, n_modules, n_samples))
    activity = signal * latent[:, module, :] + rng.standard_normal((n_graphs, n_nodes, n_samples))
    activity -= activity.mean(axis=2, keepdims=True)
    activity /= np.linalg.norm(activity, axis=2, keepdims=True)
    graphs = np.abs(activity @ activity.transpose(0, 2, 1))
    upper = np.triu(np.minimum(graphs, 1.0), 1)
    return upper + upper.transpose(0, 2, 1)


def random_modular_networks(n_graphs, n_nodes, n_modules=4, *, p=0.7, mu=0.6, sigma=0.2, random_state=None):
    """Draw edge-level random modular graphs (every weight independent).

    An edge inside a module gets weight ``|N(mu, sigma)|`` with probability ``p``, else ``|N(0, sigma)|``;
    an edge between modules gets ``|N(mu, sigma)|`` with probability ``1 - p``, else ``|N(0, sigma)|``.
    Weights are clipped to [0, 1].

    Parameters
    ----------
    n_graphs : int
    n_nodes : int
        At least 2.
    n_modules : int, default=4
        Nodes are assigned to modules in contiguous, equally sized blocks.
    p : float, default=0.7
        Within-module probability of a strong edge, in [0, 1].
    mu, sigma : float, default=0.6, 0.2
        Mean of strong edges and spread of all edges.
    random_state : int, numpy.random.Generator or None

    Returns
    -------
    ndarray of shape (n_graphs, n_nodes, n_nodes)
        Symmetric weights in [0, 1] with a zero diagonal.

    Examples
    --------
    >>> from fcviz.synthetic import random_modular_networks
    >>> random_modular_networks(2, 12, 3, random_state=0).shape
    (2, 12, 12)
    """
    _check_sizes(n_graphs, n_nodes, n_modules)
    check_real(p, "p", low=0, high=1, hint="It is the probability of an edge inside a module.")
    check_real(mu, "mu")
    check_real(sigma, "sigma", low=0)
    rng = np.random.default_rng(random_state)
    module = np.arange(n_nodes) * n_modules // n_nodes
    same = module[:, None] == module[None, :]
    strong = rng.random((n_graphs, n_nodes, n_nodes)) < np.where(same, p, 1 - p)
    weights = np.abs(rng.normal(0.0, sigma, (n_graphs, n_nodes, n_nodes)) + mu * strong)
    upper = np.triu(np.minimum(weights, 1.0), 1)
    return upper + upper.transpose(0, 2, 1)


def interpolate_graphs(G, H, t):
    """Graphs on the straight segment from ``G`` to ``H``: ``(1 - t) G + t H``.

    A path of valid graphs between two networks of the same size, e.g. to move one network from one
    group towards another and watch its topology follow. Mixing weights is not mixing persistences:
    the maximum spanning tree of the mixture can differ from both trees, so its sorted births and
    deaths are in general not ``(1 - t)`` times those of ``G`` plus ``t`` times those of ``H``.

    Parameters
    ----------
    G, H : array-like of shape (n, n)
        Two weighted graphs with the same number of nodes (validated as in :func:`fcviz.birth_death`).
    t : float or array-like of shape (T,)
        Positions in [0, 1]: 0 gives ``G``, 1 gives ``H``.

    Returns
    -------
    ndarray of shape (n, n), or (T, n, n) for an array of positions
        New float64 graphs, exactly symmetric, with the weights of the inputs' upper triangles mixed.

    Raises
    ------
    ValueError
        If a graph is invalid, the two sizes differ, or a position is outside [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> G = np.array([[0, .8], [.8, 0]]); H = np.array([[0, .2], [.2, 0]])
    >>> interpolate_graphs(G, H, 0.25)
    array([[0.  , 0.65],
           [0.65, 0.  ]])
    """
    graphs = []
    for name, graph in (("G", G), ("H", H)):
        A, is_batch = check_graphs(graph, name=name)
        if is_batch:
            raise ValueError(f"interpolate_graphs takes one graph (n, n) as {name}; got a batch of shape {A.shape}.")
        graphs.append(A[0].astype(np.float64))
    if graphs[0].shape != graphs[1].shape:
        raise ValueError(
            f"interpolate_graphs needs two graphs with the same number of nodes; got {graphs[0].shape[0]} and "
            f"{graphs[1].shape[0]}."
        )
    positions = np.asarray(t, dtype=np.float64)
    if positions.ndim > 1:
        raise ValueError(f"t must be a number or a 1-D array of numbers in [0, 1]; got an array of shape {positions.shape}.")
    for value in np.atleast_1d(positions):
        check_real(float(value), "t", low=0, high=1, hint="0 gives G and 1 gives H.")
    lower, upper = np.triu(graphs[0], 1), np.triu(graphs[1], 1)
    mixed = (1.0 - positions[..., None, None]) * lower + positions[..., None, None] * upper
    return mixed + np.swapaxes(mixed, -1, -2)
