"""Scores of a clustering against the true classes: purity, adjusted Rand index, normalised mutual information.

Purity is the paper's score; :func:`clustering_scores` gives all three at once. The last two are
scikit-learn's own functions, re-exported so that one import gives every score.
"""

from __future__ import annotations

import numpy as np

__all__ = ["purity_score", "clustering_scores", "adjusted_rand_score", "normalized_mutual_info_score"]

# scikit-learn's scores, imported on first use so that ``import fcviz`` does not load scikit-learn.
_SKLEARN_SCORES = ("adjusted_rand_score", "normalized_mutual_info_score")


def __getattr__(name):
    if name in _SKLEARN_SCORES:
        import sklearn.metrics

        value = getattr(sklearn.metrics, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _contingency(labels_true, labels_pred):
    """Counts (n_classes, n_clusters) of samples per (true class, predicted cluster) pair."""
    classes, true_codes = np.unique(labels_true, return_inverse=True)
    clusters, pred_codes = np.unique(labels_pred, return_inverse=True)
    counts = np.bincount(true_codes.ravel() * clusters.size + pred_codes.ravel(),
                         minlength=classes.size * clusters.size)
    return counts.reshape(classes.size, clusters.size)


def _check_labels(labels_true, labels_pred):
    labels_true = np.asarray(labels_true)
    labels_pred = np.asarray(labels_pred)
    for name, labels in (("labels_true", labels_true), ("labels_pred", labels_pred)):
        if labels.ndim != 1:
            raise ValueError(f"{name} must be 1-D (one label per graph); got shape {labels.shape}.")
    if labels_true.shape != labels_pred.shape:
        raise ValueError(
            f"labels_true and labels_pred must have the same length; got {labels_true.shape[0]} and "
            f"{labels_pred.shape[0]}."
        )
    if labels_true.size == 0:
        raise ValueError("Cannot score an empty labelling; pass at least one label.")
    return labels_true, labels_pred


def purity_score(labels_true, labels_pred):
    """Purity of a clustering: each predicted cluster counts its most frequent true class.

    ``purity = (1 / N) sum over predicted clusters of the size of its largest true class``.

    Parameters
    ----------
    labels_true : array-like of shape (n_samples,)
        Ground-truth classes.
    labels_pred : array-like of shape (n_samples,)
        Predicted clusters.

    Returns
    -------
    float
        In (0, 1]; 1 when every predicted cluster holds one class only. Not symmetric: one cluster
        per sample always scores 1, so compare clusterings with the same ``n_clusters``.

    Examples
    --------
    >>> purity_score([0, 0, 1, 1], [0, 0, 0, 1])
    0.75
    >>> purity_score([0, 0, 1, 1], [0, 0, 0, 0]), purity_score([0, 0, 0, 0], [0, 0, 1, 1])
    (0.5, 1.0)
    """
    labels_true, labels_pred = _check_labels(labels_true, labels_pred)
    table = _contingency(labels_true, labels_pred)  # rows: true classes, columns: clusters
    return float(table.max(axis=0).sum() / labels_true.size)


def clustering_scores(labels_true, labels_pred):
    """Purity, adjusted Rand index and normalised mutual information of a clustering.

    Parameters
    ----------
    labels_true : array-like of shape (n_samples,)
        Ground-truth classes.
    labels_pred : array-like of shape (n_samples,)
        Predicted clusters.

    Returns
    -------
    dict
        ``{"purity": float, "adjusted_rand": float, "normalized_mutual_info": float}``.
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    labels_true, labels_pred = _check_labels(labels_true, labels_pred)
    return {
        "purity": purity_score(labels_true, labels_pred),
        "adjusted_rand": float(adjusted_rand_score(labels_true, labels_pred)),
        "normalized_mutual_info": float(normalized_mutual_info_score(labels_true, labels_pred)),
    }
