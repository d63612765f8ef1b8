"""Permutation test: do groups of networks differ in topology? (an fcviz extension, not in the paper)

The statistic is the ratio of the mean topological distance between graphs of different groups to
the mean distance between graphs of the same group. Under the null hypothesis that the group labels
do not matter (the graphs are exchangeable), shuffling the labels leaves its distribution unchanged,
so the p-value is the fraction of shuffles that reach the observed ratio. The (N, N) distance matrix
is computed once; each permutation only re-reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validation import check_int
from .wasserstein import pairwise_distances

__all__ = ["PermutationTestResult", "permutation_test"]

# Permutations evaluated per vectorised block (bounds the (block, n_pairs) boolean work array).
_BLOCK_ELEMENTS = 2_000_000


@dataclass(frozen=True)
class PermutationTestResult:
    """Outcome of :func:`permutation_test`.

    Attributes
    ----------
    statistic : float
        Observed mean between-group d_top over mean within-group d_top; about 1 when the groups do
        not differ, larger when they do.
    pvalue : float
        ``(1 + #{null >= statistic}) / (1 + n_permutations)``: never 0, at least
        ``1 / (1 + n_permutations)``.
    null_distribution : ndarray of shape (n_permutations,)
        The statistic under each random relabelling.
    n_permutations : int
        Number of relabellings drawn.
    """

    statistic: float
    pvalue: float
    null_distribution: np.ndarray = field(repr=False)
    n_permutations: int


def _check_groups(groups, n_items):
    groups = np.asarray(groups)
    if groups.ndim != 1:
        raise ValueError(f"groups must be 1-D, one label per network; got shape {groups.shape}.")
    if groups.shape[0] != n_items:
        raise ValueError(
            f"groups has {groups.shape[0]} labels but there are {n_items} networks; pass one label per network."
        )
    _, codes, counts = np.unique(groups, return_inverse=True, return_counts=True)
    if counts.size < 2:
        raise ValueError(
            f"permutation_test needs at least two groups; all {n_items} networks have the label "
            f"{groups[0]!r}."
        )
    if counts.max() < 2:
        raise ValueError(
            "permutation_test needs at least one group with two or more networks (within-group "
            f"distances); every one of the {counts.size} groups has a single network."
        )
    return codes.ravel()


def _ratio(codes, rows, cols, d):
    """Statistic for label arrays ``codes`` of shape (P, N): mean between / mean within, shape (P,)."""
    same = codes[:, rows] == codes[:, cols]
    n_within = same.sum(axis=1)
    within = (same * d).sum(axis=1)
    between = d.sum() - within
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (between / (d.size - n_within)) / (within / n_within)
    # identical graphs within every group: infinite separation unless between is 0 too
    return np.where(np.isnan(ratio), 1.0, ratio)


def permutation_test(items, groups, *, n_permutations=1000, random_state=None, birth_weight=None):
    """Test whether groups of networks differ in topology, by permuting the group labels.

    Parameters
    ----------
    items : array-like of shape (N, n, n), list of graphs or persistences, or batch Persistence
        The networks (graphs are decomposed once). Graphs of different sizes are compared through
        the quantile extension of :func:`fcviz.topological_distance`.
    groups : array-like of shape (N,)
        Group label of each network: at least two groups, and at least one group with two or more
        members.
    n_permutations : int, default=1000
        Number of random relabellings (group sizes are kept).
    random_state : int, numpy.random.Generator, RandomState or None, default=None
        Seed of the relabellings.
    birth_weight : None or float in [0, 1], default=None
        The distance compared: None is d_top; a float weighs births against deaths (see
        :func:`fcviz.topological_distance`).

    Returns
    -------
    PermutationTestResult
        ``statistic``, ``pvalue``, ``null_distribution`` and ``n_permutations``.

    Raises
    ------
    ValueError
        If ``groups`` does not give one label per network, has a single group, or no group with
        two members; or if ``n_permutations`` is not a positive integer.

    Notes
    -----
    The statistic is ``mean_{g(i) != g(j)} d_top(i, j) / mean_{g(i) == g(j), i < j} d_top(i, j)``.
    The p-value counts the observed labelling as one of the permutations (the "+1" correction), so
    it is a valid, slightly conservative p-value. This test is an fcviz extension: the paper clusters
    the networks but does not test group differences.

    Examples
    --------
    >>> import numpy as np
    >>> from fcviz.synthetic import random_modular_graphs
    >>> from fcviz.stats import permutation_test
    >>> X = np.concatenate([random_modular_graphs(6, 12, 2, random_state=0),
    ...                     random_modular_graphs(6, 12, 4, random_state=1)])
    >>> result = permutation_test(X, [0] * 6 + [1] * 6, n_permutations=199, random_state=0)
    >>> result.pvalue < 0.05
    True
    """
    n_permutations = check_int(n_permutations, "n_permutations", minimum=1)
    n_permutations = int(n_permutations)
    D = pairwise_distances(items, birth_weight=birth_weight)
    codes = _check_groups(groups, D.shape[0])
    rows, cols = np.triu_indices(D.shape[0], 1)
    d = D[rows, cols]
    statistic = float(_ratio(codes[None], rows, cols, d)[0])

    rng = np.random.default_rng(random_state) if not isinstance(random_state, np.random.RandomState) \
        else random_state
    block = max(1, _BLOCK_ELEMENTS // max(d.size, 1))
    null = np.empty(n_permutations)
    for start in range(0, n_permutations, block):
        stop = min(n_permutations, start + block)
        shuffled = np.array([rng.permutation(codes) for _ in range(stop - start)])
        null[start:stop] = _ratio(shuffled, rows, cols, d)
    pvalue = (1.0 + np.count_nonzero(null >= statistic)) / (1.0 + n_permutations)
    null.flags.writeable = False
    return PermutationTestResult(statistic, float(pvalue), null, n_permutations)
