"""Network similarity without connectomes: the methods people would use instead of topology.

- :func:`linear_cka` and :func:`cka_matrix`: linear centred kernel alignment (Kornblith et al.,
  ICML 2019, "Similarity of neural network representations revisited") between the hidden
  activations of networks over the same stimuli.
- :func:`neural_persistence` and :func:`network_neural_persistence`: the normalised neural persistence
  of a weight layer (Rieck et al., ICLR 2019, "Neural persistence: a complexity measure for deep
  neural networks using algebraic topology"), a topological summary of the *weights*, not of the
  activations.

Numpy in, numpy out; torch tensors (and modules, for their ``state_dict``) are accepted without this
module importing torch.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_real

__all__ = ["linear_cka", "cka_matrix", "neural_persistence", "network_neural_persistence"]

# Bytes of centred Gram rows held at once by cka_matrix (bounds its memory for many large networks).
_GRAM_CHUNK_BYTES = 32 * 2**20


def _as_numpy(x):
    """A torch tensor (any device, with or without grad) or array-like as a float64 ndarray."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def _check_activations(X, name, n_rows=None):
    X = _as_numpy(X)
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D activation matrix (n_stimuli, n_units); got shape {X.shape}.")
    if X.shape[0] < 2 or X.shape[1] < 1:
        raise ValueError(f"{name} needs at least 2 stimuli and 1 unit; got shape {X.shape}.")
    if n_rows is not None and X.shape[0] != n_rows:
        raise ValueError(f"{name} has {X.shape[0]} stimuli (rows) but the first matrix has {n_rows}; CKA compares "
                         "representations of the same stimuli.")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return X


def _centred(X):
    return X - X.mean(axis=0, keepdims=True)


def linear_cka(X, Y):
    """Linear centred kernel alignment between two representations of the same stimuli.

    With column-centred ``X`` and ``Y``,
    ``CKA = ||Yᵀ X||²_F / (||Xᵀ X||_F ||Yᵀ Y||_F)``, which equals the normalised HSIC of the linear
    Gram matrices ``X Xᵀ`` and ``Y Yᵀ``. It lies in [0, 1], is 1 for identical representations and is
    invariant to orthogonal transformations and isotropic scaling of either one (not to arbitrary
    invertible linear maps).

    Parameters
    ----------
    X : array-like or torch.Tensor of shape (m, p)
        Activations of p units over m stimuli.
    Y : array-like or torch.Tensor of shape (m, q)
        Activations of q units over the same m stimuli (in the same order).

    Returns
    -------
    float
        The linear CKA; 0.0 when either representation is constant over the stimuli (CKA is undefined
        there; nothing is shared).

    Raises
    ------
    ValueError
        For a matrix that is not 2-D, has fewer than 2 rows, is not finite, or a different number of
        rows than the other.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(50, 4))
    >>> round(linear_cka(X, 3 * X), 6)
    1.0
    >>> bool(linear_cka(X, rng.normal(size=(50, 6))) < 0.5)
    True
    """
    X = _centred(_check_activations(X, "X"))
    Y = _centred(_check_activations(Y, "Y", n_rows=X.shape[0]))
    if min(X.shape[1], Y.shape[1]) <= X.shape[0]:  # feature space is the smaller one
        cross = np.sum((Y.T @ X) ** 2)
        norm = np.linalg.norm(X.T @ X) * np.linalg.norm(Y.T @ Y)
    else:
        K, L = X @ X.T, Y @ Y.T
        cross, norm = np.sum(K * L), np.linalg.norm(K) * np.linalg.norm(L)
    return float(cross / norm) if norm > 0 else 0.0


def cka_matrix(activations):
    """Linear CKA between every pair of representations of the same stimuli.

    The centred Gram matrices ``K_i = X_i X_iᵀ`` (m × m, whatever the widths) are compared all at once:
    ``CKA_ij = <K_i, K_j>_F / (||K_i||_F ||K_j||_F)``, accumulated over blocks of stimuli so that memory
    stays bounded, from the upper triangle of each Gram matrix only (they are symmetric).

    Parameters
    ----------
    activations : sequence of N array-likes (or torch tensors) of shape (m, p_i)
        One activation matrix per network, over the same m stimuli; widths may differ.

    Returns
    -------
    ndarray of shape (N, N)
        Symmetric, in [0, 1], ones on the diagonal (zero rows and columns, diagonal included, for a
        representation that is constant over the stimuli).

    Raises
    ------
    ValueError
        For an empty sequence or any matrix :func:`linear_cka` would reject.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 5))
    >>> C = cka_matrix([X, X @ np.linalg.qr(rng.normal(size=(5, 5)))[0], rng.normal(size=(40, 3))])
    >>> C.shape, round(float(C[0, 1]), 6)
    ((3, 3), 1.0)
    """
    activations = list(activations)
    if not activations:
        raise ValueError("cka_matrix needs at least one activation matrix; got an empty sequence.")
    first = _check_activations(activations[0], "activations[0]")
    mats = [_centred(first)] + [
        _centred(_check_activations(A, f"activations[{i}]", n_rows=first.shape[0]))
        for i, A in enumerate(activations[1:], start=1)
    ]
    G = _gram_inner_products(mats)
    norms = np.sqrt(np.clip(np.diag(G), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        C = G / np.outer(norms, norms)
    C[~np.isfinite(C)] = 0.0
    C = np.clip((C + C.T) / 2, 0.0, 1.0)
    np.fill_diagonal(C, (norms > 0).astype(float))
    return C


def _gram_inner_products(mats):
    """``G[i, j] = <K_i, K_j>_F`` for the Gram matrices ``K_i = X_i X_iᵀ`` of ``mats`` (m × p_i each).

    A Gram matrix is symmetric, so each block of rows ``[s, e)`` is formed against the columns ``[s, m)``
    only: the square block on the diagonal counts once and the part right of it also stands for its
    mirror image below the diagonal, so it is scaled by √2 (its products then count twice). At least
    four blocks (fewer stimuli per block where ``_GRAM_CHUNK_BYTES`` asks for it) leave out all but
    about an eighth of the lower triangle. The products are written into one reused buffer.
    """
    m, n = mats[0].shape[0], len(mats)
    rows = max(1, min(-(-m // 4), _GRAM_CHUNK_BYTES // (8 * m * n)))
    buffer = np.empty(n * rows * m)
    G = np.zeros((n, n))
    for start in range(0, m, rows):
        stop = min(m, start + rows)
        block = buffer[:n * (stop - start) * (m - start)].reshape(n, stop - start, m - start)
        for i, X in enumerate(mats):
            np.matmul(X[start:stop], X[start:].T, out=block[i])
        block[:, :, stop - start:] *= np.sqrt(2.0)
        flat = block.reshape(n, -1)
        G += flat @ flat.T
    return G


def neural_persistence(weights, *, p=2, normalize=True):
    """Neural persistence of one fully connected layer (Rieck et al., ICLR 2019).

    The layer is the complete bipartite graph between its ``n_in`` inputs and ``n_out`` outputs, with
    edge weights ``|W| / max |W|`` in [0, 1]. Filtered from 1 down to 0 (the *descending* filtration),
    every vertex is born at 1 and every edge that joins two components kills one: the killing edges
    form a maximum spanning tree, and a tree edge of weight w gives the 0-dimensional pair (1, w),
    persistence 1 - w. The neural persistence is the p-norm of these ``n_in + n_out - 1``
    persistences; normalised, it is divided by its largest possible value ``(n_in + n_out - 1)^(1/p)``
    and lies in [0, 1].

    The tree is found by Prim's algorithm on the bipartite graph (each step adds the heaviest edge
    from the tree to a vertex outside it, on either side).

    Parameters
    ----------
    weights : array-like or torch.Tensor of shape (n_out, n_in)
        The layer's weight matrix (``torch.nn.Linear.weight`` layout; the transpose gives the same value).
    p : float, default=2
        Order of the norm, ``p >= 1``.
    normalize : bool, default=True
        Divide by ``(n_in + n_out - 1)^(1/p)``.

    Returns
    -------
    float
        0 when all weights have the same magnitude (every tree edge has weight 1), including all zero.

    Raises
    ------
    ValueError
        For a matrix that is not 2-D, is empty or not finite, or an invalid ``p``.

    Examples
    --------
    >>> neural_persistence(np.ones((3, 4)))
    0.0
    >>> W = np.array([[1.0, 0.5], [0.0, 1.0]])
    >>> round(neural_persistence(W, normalize=False), 6)  # tree edges 1, 1, 0.5: persistences 0, 0, 0.5
    0.5
    """
    p = check_real(p, "p", low=1, closed="left")
    W = _as_numpy(weights)
    if W.ndim != 2 or W.size == 0:
        raise ValueError(f"weights must be a non-empty 2-D matrix (n_out, n_in); got shape {W.shape}.")
    if not np.all(np.isfinite(W)):
        raise ValueError("weights contains NaN or infinite values.")
    A = np.abs(W)
    top = A.max()
    A = A / top if top > 0 else np.ones_like(A)
    tree = _bipartite_maximum_spanning_tree(A)
    value = float(np.sum((1.0 - tree) ** p) ** (1.0 / p))
    if normalize:
        value /= (A.shape[0] + A.shape[1] - 1) ** (1.0 / p)
    return value


def _bipartite_maximum_spanning_tree(A):
    """Edge weights of a maximum spanning tree of the complete bipartite graph with weights ``A`` (rows, cols).

    Prim's algorithm over the ``n_rows + n_cols`` vertices, rows first: ``best[v]`` is the heaviest edge
    from the tree to vertex v, -inf once v is in the tree. ``by_row`` (``by_col``) holds the edges of
    each row (column) with -inf towards the vertices already in the tree, so that adding a vertex
    raises only the ``best`` of vertices still outside. Returns the ``n_rows + n_cols - 1`` tree edge
    weights in the order they join the tree.
    """
    n_rows, n_cols = A.shape
    by_row = A.copy()  # (n_rows, n_cols): column j set to -inf when column j joins
    by_col = A.T.copy()  # (n_cols, n_rows): column i set to -inf when row i joins
    best = np.full(n_rows + n_cols, -np.inf)
    best_row, best_col = best[:n_rows], best[n_rows:]  # views
    best_col[:] = by_row[0]  # the tree starts at row 0
    by_col[:, 0] = -np.inf
    tree = np.empty(n_rows + n_cols - 1)
    for step in range(len(tree)):
        v = int(best.argmax())  # the first maximum: a row before a column on ties
        tree[step] = best[v]
        best[v] = -np.inf
        if v < n_rows:  # add row v
            by_col[:, v] = -np.inf
            np.maximum(best_col, by_row[v], out=best_col)
        else:  # add column v - n_rows
            by_row[:, v - n_rows] = -np.inf
            np.maximum(best_row, by_col[v - n_rows], out=best_row)
    return tree


def network_neural_persistence(model_or_state_dict, *, p=2, normalize=True):
    """Neural persistence of every fully connected layer of a network, as a feature vector.

    The layers are the entries of the state dict whose name ends in ``weight`` and whose value is a
    2-D matrix, in state-dict order: the fully connected layers, which for fcviz networks are
    ``hidden1.linear`` … ``hiddenK.linear`` and ``output`` — every layer into or out of the hidden
    neurons of the connectome. Convolution kernels (4-D) and batch-norm scales (1-D) are left out.

    Parameters
    ----------
    model_or_state_dict : torch.nn.Module or mapping of str to array-like
        A network (its ``state_dict()`` is read) or its state dict, e.g. one of
        :attr:`fcviz.zoo.ConnectomeZoo.network_states`.
    p, normalize
        As in :func:`neural_persistence`.

    Returns
    -------
    ndarray of shape (n_linear_layers,)
        One normalised neural persistence per layer.

    Raises
    ------
    ValueError
        When there is no 2-D weight matrix.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> state = {"hidden1.linear.weight": rng.normal(size=(4, 6)), "hidden1.linear.bias": np.zeros(4),
    ...          "hidden1.norm.weight": np.ones(4), "output.weight": rng.normal(size=(2, 4))}
    >>> network_neural_persistence(state).shape
    (2,)
    """
    state = model_or_state_dict.state_dict() if hasattr(model_or_state_dict, "state_dict") else model_or_state_dict
    if not hasattr(state, "items"):
        raise ValueError("Pass a torch.nn.Module or a state dict (mapping of names to arrays); got "
                         f"{type(model_or_state_dict).__name__}.")
    layers = [value for name, value in state.items() if name.endswith("weight") and np.ndim(_as_numpy(value)) == 2]
    if not layers:
        raise ValueError(f"No fully connected layer (2-D weight) among the state dict entries {list(state)[:10]}.")
    return np.array([neural_persistence(W, p=p, normalize=normalize) for W in layers])
