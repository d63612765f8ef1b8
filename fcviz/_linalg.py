"""Small dense linear-algebra helpers shared by the distance, clustering and baseline modules.

Torch-free: numpy only, so every stage can import it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["squared_euclidean", "gram_form"]


def _row_norms(X):
    return np.einsum("ij,ij->i", X, X)


def squared_euclidean(X=None, Y=None, *, x_norms=None, y_norms=None, inner=None):
    """Squared Euclidean distances between rows by the Gram form ``|x|^2 + |y|^2 - 2 x.y``.

    One matrix product instead of a double loop. Rounding can make the Gram form slightly
    negative for (nearly) equal rows, so the result is clipped at 0. The diagonal of a matrix
    against itself is not forced to exactly 0: set it yourself where that matters.

    Parameters
    ----------
    X : array-like of shape (N, d), optional
        Rows of the first set. May be None only when ``inner`` and ``x_norms`` are given.
    Y : array-like of shape (M, d), optional
        Rows of the second set; by default ``X`` against itself (and ``y_norms`` defaults to
        ``x_norms``).
    x_norms : array-like of shape (N,), optional
        Precomputed squared norms ``|x_i|^2`` of the rows of X.
    y_norms : array-like of shape (M,), optional
        Precomputed squared norms ``|y_j|^2`` of the rows of Y.
    inner : array-like of shape (N, M), optional
        Precomputed inner products ``x_i . y_j`` (``X @ Y.T``, or a block of a kernel (Gram)
        matrix). With it the rows themselves are needed only for norms not given.

    Returns
    -------
    ndarray of shape (N, M)
        ``D[i, j] = max(|x_i|^2 + |y_j|^2 - 2 x_i . y_j, 0)`` in float64, a new array.

    Raises
    ------
    ValueError
        If neither the rows nor the inner products and norms they would give are passed.

    Examples
    --------
    >>> import numpy as np
    >>> from fcviz._linalg import squared_euclidean
    >>> X = np.array([[0.0, 0.0], [3.0, 4.0]])
    >>> squared_euclidean(X)
    array([[ 0., 25.],
           [25.,  0.]])
    >>> squared_euclidean(X, np.array([[3.0, 0.0]]))
    array([[ 9.],
           [16.]])

    From a Gram matrix ``K = X @ X.T`` alone (kernel methods):

    >>> K = X @ X.T
    >>> squared_euclidean(inner=K, x_norms=np.diag(K))
    array([[ 0., 25.],
           [25.,  0.]])
    """
    if X is not None:
        X = np.asarray(X, dtype=np.float64)
    if Y is not None:
        Y = np.asarray(Y, dtype=np.float64)
    itself = Y is None
    if itself:
        Y = X
    if inner is None:
        if X is None:
            raise ValueError("squared_euclidean needs the rows X, or the inner products `inner` with x_norms.")
        inner = X @ Y.T
    else:
        inner = np.asarray(inner, dtype=np.float64)
    if x_norms is None:
        if X is None:
            raise ValueError("squared_euclidean needs x_norms (or the rows X) when given `inner`.")
        x_norms = _row_norms(X)
    if y_norms is None:
        y_norms = x_norms if itself else _row_norms(Y)
    x_norms = np.asarray(x_norms, dtype=np.float64)
    y_norms = np.asarray(y_norms, dtype=np.float64)
    if inner.shape != (x_norms.shape[0], y_norms.shape[0]):
        raise ValueError(
            f"squared_euclidean: inner products of shape {inner.shape} do not match {x_norms.shape[0]} "
            f"x_norms and {y_norms.shape[0]} y_norms."
        )
    return gram_form(inner, x_norms, y_norms)


def gram_form(inner, x_norms, y_norms):
    """:func:`squared_euclidean` from float64 arrays already checked: ``max(x + y - 2 inner, 0)``.

    The arithmetic of :func:`squared_euclidean`, without its conversions and checks: for loops that
    call it thousands of times on a few dozen points (k-means restarts), where those cost more.

    Parameters
    ----------
    inner : ndarray of shape (N, M)
    x_norms : ndarray of shape (N,)
    y_norms : ndarray of shape (M,)

    Returns
    -------
    ndarray of shape (N, M)
        A new array.
    """
    D = -2.0 * inner
    D += x_norms[:, None]
    D += y_norms[None, :]
    np.maximum(D, 0.0, out=D)
    return D
