"""Validators shared by every entry point: one per domain object.

``check_graphs`` turns whatever a user passes as graphs (numpy arrays, torch tensors, lists of either,
objects with ``__array__`` such as :class:`fcviz.connectome.Connectome`) into one float array of shape
``(B, n, n)`` and checks it: square, at least two nodes, finite, non-negative and symmetric within a
tolerance. Every failure raises :class:`ValueError` naming the problem, the value or index seen and how
to fix it. Inputs are never modified: the array returned is either the caller's own (read only by us)
or a converted copy.
"""

from __future__ import annotations

import numbers
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "check_graphs",
    "is_tensor",
    "check_values",
    "check_sorted_range",
    "as_float_array",
    "check_int",
    "check_real",
    "check_option",
    "check_bool",
    "check_snapshot_epochs",
    "check_birth_weight",
    "check_estimator_params",
    "IntIn",
    "RealIn",
    "OneOf",
    "RANDOM_STATE",
    "InvalidParameterError",
    "SYMMETRY_TOL",
]

#: Largest ``|A[i, j] - A[j, i]|`` accepted as "symmetric". ``np.corrcoef`` is symmetric only to
#: rounding (about 1e-16); anything larger than this is a real asymmetry.
SYMMETRY_TOL = 1e-8

# Rows per block of the symmetry check: the transposed read stays inside the cache.
_BLOCK_ROWS = 32


def is_tensor(x) -> bool:
    """``isinstance(x, torch.Tensor)`` without importing torch: no tensor exists before torch is imported."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def as_float_array(x, *, name="graph"):
    """Convert array-likes and torch tensors to a floating numpy array without copying when possible.

    Parameters
    ----------
    x : array-like or torch.Tensor
        Input data. Integer and boolean data become float64; float32 stays float32.
    name : str
        What the data is, for error messages.

    Returns
    -------
    ndarray
        A floating array. It may share memory with ``x``: callers must not write into it.
    """
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # torch.Tensor without importing torch
        x = x.detach().cpu().numpy()
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Could not read the {name} as a numeric array: {exc}") from None
    if arr.dtype == object:
        raise ValueError(
            f"The {name} must be a numeric array; got an array of Python objects with shape {arr.shape}. "
            "Pass an ndarray or tensor of numbers (for graphs of different sizes, call once per size)."
        )
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(f"The {name} must be real-valued; got dtype {arr.dtype}.")
    if not np.issubdtype(arr.dtype, np.floating):
        if not (np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool):
            raise ValueError(f"The {name} must be numeric; got dtype {arr.dtype}.")
        arr = arr.astype(np.float64)
    elif arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    return arr


def _stack(graphs, name):
    """Stack a list or tuple of graphs into ``(B, n, n)``, explaining unequal shapes."""
    if len(graphs) == 0:
        raise ValueError(f"Got an empty list of {name}s; pass at least one (n, n) graph.")
    arrays = [as_float_array(g, name=name) for g in graphs]
    for i, a in enumerate(arrays):
        if a.ndim != 2:
            raise ValueError(
                f"Each {name} in a list must be a 2-D (n, n) matrix; {name} {i} has shape {a.shape}."
            )
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        sizes = sorted({a.shape[0] for a in arrays})
        first = {a.shape: i for i, a in reversed(list(enumerate(arrays)))}
        where = ", ".join(f"{name} {i} is {s[0]}x{s[1]}" for s, i in sorted(first.items()))
        raise ValueError(
            f"All {name}s must have the same number of nodes; got sizes {sizes} ({where}). "
            "Decompose each size separately, or compare different sizes with "
            "fcviz.topological_distance, which accepts them."
        )
    dtype = np.result_type(*arrays)
    return np.stack(arrays).astype(dtype, copy=False)


def _diagnose(A, tol, name):
    """Find the first problem in ``A`` of shape (B, n, n) and raise a ValueError describing it."""
    batch = A.shape[0] > 1
    bad = ~np.isfinite(A)
    if bad.any():
        b, i, j = (int(v) for v in np.argwhere(bad)[0])
        where = f"{name} {b}, " if batch else ""
        raise ValueError(
            f"The {name} must contain only finite weights; found {A[b, i, j]} at {where}entry ({i}, {j}) "
            f"({int(bad.sum())} non-finite entries in all). NaN usually comes from the correlation of a "
            "neuron with zero variance: give such edges weight 0 (fcviz.functional_connectome does)."
        )
    neg = A < 0
    if neg.any():
        b, i, j = (int(v) for v in np.argwhere(neg)[0])
        where = f"{name} {b}, " if batch else ""
        raise ValueError(
            f"The {name} weights must be non-negative; found {A[b, i, j]:.6g} at {where}entry ({i}, {j}). "
            "For a correlation matrix take its absolute value (np.abs(C)), as a functional connectome does."
        )
    asym = np.abs(A - A.transpose(0, 2, 1))
    b, i, j = np.unravel_index(int(np.argmax(asym)), asym.shape)
    where = f"{name} {b}, " if batch else ""
    raise ValueError(
        f"The {name} must be symmetric (an undirected graph); |A[{i}, {j}] - A[{j}, {i}]| = "
        f"{asym[b, i, j]:.3g} at {where}entries ({i}, {j}) and ({j}, {i}) exceeds the tolerance {tol:g}. "
        "Symmetrise it first, e.g. (A + A.T) / 2, if the asymmetry is only numerical."
    )


def _block_check(A, tol, signs):
    """Return the largest |A - A.T| over one graph (n, n), or NaN when a bad value is met.

    Non-finite values always give NaN; with ``signs``, so does a negative upper-triangle entry.
    Reads every entry once, in cache-sized blocks, so the transposed read stays in the cache.
    """
    n = A.shape[0]
    worst = 0.0
    with np.errstate(invalid="ignore"):  # inf - inf: reported by _diagnose, not warned here
        for r0 in range(0, n, _BLOCK_ROWS):
            r1 = min(n, r0 + _BLOCK_ROWS)
            upper = A[r0:r1, r0:]
            diff = np.subtract(upper, A[r0:, r0:r1].T)
            np.abs(diff, out=diff)
            m = diff.max()
            if not (m <= tol) or (signs and not upper.min() >= 0):  # NaN-aware
                return np.nan
            worst = max(worst, float(m))
    return worst


def check_graphs(graphs, *, tol=SYMMETRY_TOL, name="graph", min_nodes=2, check_input=True):
    """Validate one graph or a batch of equal-size graphs.

    Parameters
    ----------
    graphs : array-like or torch.Tensor of shape (n, n) or (B, n, n), or list of (n, n)
        Weighted adjacency matrices. The diagonal is ignored by the topology but must be finite
        and non-negative too.
    tol : float, default=1e-8
        Largest accepted ``|A[i, j] - A[j, i]|``.
    name : str, default="graph"
        What to call the input in messages.
    min_nodes : int, default=2
        Smallest accepted number of nodes.
    check_input : bool, default=True
        When False only shapes are checked (hot paths on data known to be valid).

    Returns
    -------
    A : ndarray of shape (B, n, n)
        C-contiguous float32 or float64 graphs; may share memory with the input (never written to).
        Where the input was symmetric only within ``tol``, a symmetric copy built from the upper
        triangle, so that every later computation sees one exact weight per edge.
    is_batch : bool
        False when a single (n, n) graph was given.

    Raises
    ------
    ValueError
        If the input is not a square matrix or stack of them, has fewer than ``min_nodes`` nodes,
        or contains a non-finite, negative or asymmetric weight.
    """
    if isinstance(graphs, (list, tuple)):
        A, is_batch = _stack(graphs, name), True
    else:
        A = as_float_array(graphs, name=name)
        is_batch = A.ndim == 3
    if A.ndim not in (2, 3) or A.shape[-1] != A.shape[-2]:
        raise ValueError(
            f"Expected a square matrix (n, n) or a stack of them (B, n, n); got an array of shape {A.shape}."
            + (" Did you pass node features or activations instead of a graph? Build a graph with "
               "fcviz.functional_connectome." if A.ndim == 2 else "")
        )
    if A.ndim == 2:
        A = A[None]
    if A.shape[0] == 0:
        raise ValueError(f"Got an empty batch of {name}s with shape {A.shape}; pass at least one graph.")
    n = A.shape[-1]
    if n < min_nodes:
        raise ValueError(
            f"A {name} needs at least {min_nodes} nodes for persistent graph homology; got {n} "
            f"(shape {A.shape[1:]})."
        )
    A = np.ascontiguousarray(A)
    if check_input:
        A = check_values(A, tol=tol, name=name)
    return A, is_batch


def check_values(A, *, tol=SYMMETRY_TOL, name="graph", signs=True):
    """Check the weights of graphs already shaped ``(B, n, n)``; return graphs safe to decompose.

    Parameters
    ----------
    A : ndarray of shape (B, n, n)
        C-contiguous graphs, as returned by :func:`check_graphs` with ``check_input=False``.
    tol : float, default=1e-8
        Largest accepted ``|A[i, j] - A[j, i]|``.
    name : str, default="graph"
        What to call the input in messages.
    signs : bool, default=True
        Check that weights are non-negative. Callers that sort the edges anyway skip this pass and
        call :func:`check_sorted_range` on the sorted edges instead.

    Returns
    -------
    ndarray of shape (B, n, n)
        ``A`` itself when every graph is exactly symmetric, else a copy whose graphs that were
        symmetric only within ``tol`` are rebuilt from their upper triangle.

    Raises
    ------
    ValueError
        If a weight is non-finite or negative, or a graph is asymmetric beyond ``tol``.
    """
    asymmetric = []
    for b in range(A.shape[0]):
        worst = _block_check(A[b], tol, signs)
        if not worst <= tol:
            _diagnose(A, tol, name)
        if worst > 0:
            asymmetric.append(b)
    if asymmetric:
        A = A.copy()
        for b in asymmetric:
            upper = np.triu(A[b], 1)
            A[b] = upper + upper.T + np.diag(np.diagonal(A[b]))
    return A


def check_sorted_range(A, sorted_edges, *, tol=SYMMETRY_TOL, name="graph"):
    """Range check in O(n) of graphs whose edge weights are already sorted; raises like check_values.

    Parameters
    ----------
    A : ndarray of shape (B, n, n)
        The graphs, already checked by :func:`check_values` with ``signs=False``.
    sorted_edges : ndarray of shape (B, n (n - 1) / 2)
        Their upper-triangle weights sorted ascending along the last axis (NaN sorts last), so the
        first and last values bound them all.

    Raises
    ------
    ValueError
        If a weight (diagonal included) is negative or non-finite.
    """
    diagonal = np.diagonal(A, axis1=1, axis2=2)
    ok = np.all(diagonal >= 0) and np.all(np.isfinite(diagonal))
    if sorted_edges.shape[-1]:
        ok = ok and np.all(sorted_edges[..., 0] >= 0) and np.all(np.isfinite(sorted_edges[..., -1]))
    if not ok:
        _diagnose(A, tol, name)


# --------------------------------------------------------------------------------------------------
# Scalar parameters: one validator per kind, one message style
#   "<name> must be <what>; got <value!r>."


def _fail(name, expected, value, hint=""):
    raise ValueError(f"{name} must be {expected}; got {value!r}." + (f" {hint}" if hint else ""))


def check_int(value, name, *, minimum=None, maximum=None, allow_none=False, hint=""):
    """Validate an integer parameter (``bool`` is not an integer) and return it as ``int``.

    Parameters
    ----------
    value : object
        The value given by the caller.
    name : str
        The parameter's name, for the message.
    minimum, maximum : int, optional
        Inclusive bounds.
    allow_none : bool, default=False
        Accept ``None`` (returned unchanged).
    hint : str, optional
        A sentence appended to the message (how to fix it).

    Returns
    -------
    int or None

    Raises
    ------
    ValueError
        ``"n_networks must be a positive integer; got 0."``

    Examples
    --------
    >>> check_int(3, "n_clusters", minimum=1)
    3
    >>> check_int(True, "n_clusters", minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: n_clusters must be a positive integer; got True.
    """
    if value is None and allow_none:
        return None
    ok = isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))
    ok = ok and (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    if not ok:
        if minimum in (0, 1) and maximum is None:
            expected = "a positive integer" if minimum == 1 else "a non-negative integer"
        elif minimum is not None and maximum is not None:
            expected = f"an integer in [{minimum}, {maximum}]"
        elif minimum is not None:
            expected = f"an integer >= {minimum}"
        elif maximum is not None:
            expected = f"an integer <= {maximum}"
        else:
            expected = "an integer"
        _fail(name, expected + (" or None" if allow_none else ""), value, hint)
    return int(value)


def check_real(value, name, *, low=None, high=None, closed="both", allow_none=False, hint=""):
    """Validate a finite real parameter (``bool`` is not a number) and return it as ``float``.

    Parameters
    ----------
    value : object
        The value given by the caller.
    name : str
        The parameter's name, for the message.
    low, high : float, optional
        Bounds of the accepted interval.
    closed : {"both", "left", "right", "neither"}, default="both"
        Which bounds belong to the interval.
    allow_none : bool, default=False
        Accept ``None`` (returned unchanged).
    hint : str, optional
        A sentence appended to the message.

    Returns
    -------
    float or None

    Raises
    ------
    ValueError
        ``"lr must be a number in (0, inf); got -1."``

    Examples
    --------
    >>> check_real(0.5, "top_relative_weight", low=0, high=1)
    0.5
    >>> check_real(1.5, "top_relative_weight", low=0, high=1)
    Traceback (most recent call last):
    ...
    ValueError: top_relative_weight must be a number in [0, 1]; got 1.5.
    """
    if value is None and allow_none:
        return None
    left_closed = closed in ("both", "left")
    right_closed = closed in ("both", "right")
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and np.isfinite(value)
    if ok and low is not None:
        ok = value >= low if left_closed else value > low
    if ok and high is not None:
        ok = value <= high if right_closed else value < high
    if not ok:
        if low is None and high is None:
            expected = "a finite number"
        else:
            lo = "-inf" if low is None else f"{low:g}"
            hi = "inf" if high is None else f"{high:g}"
            expected = (f"a number in {'[' if left_closed and low is not None else '('}{lo}, "
                        f"{hi}{']' if right_closed and high is not None else ')'}")
        _fail(name, expected + (" or None" if allow_none else ""), value, hint)
    return float(value)


def check_option(value, name, options, *, hint=""):
    """Validate a parameter that must be one of a fixed set of values; return it unchanged.

    Examples
    --------
    >>> check_option("fresh", "pairing", ("fresh", "shared"))
    'fresh'
    >>> check_option("new", "pairing", ("fresh", "shared"))
    Traceback (most recent call last):
    ...
    ValueError: pairing must be one of ['fresh', 'shared']; got 'new'.
    """
    try:  # strings match strings only; numbers match equal numbers of any integer type
        ok = not isinstance(value, (bool, np.bool_)) and any(
            isinstance(option, str) == isinstance(value, str) and bool(option == value) for option in options
        )
    except (TypeError, ValueError):  # e.g. an array compared with a string
        ok = False
    if not ok:
        _fail(name, f"one of {list(options)}", value, hint)
    return value


def check_bool(value, name):
    """Validate a ``True``/``False`` flag (numpy booleans accepted); return a Python bool.

    Examples
    --------
    >>> check_bool(1, "cache")
    Traceback (most recent call last):
    ...
    ValueError: cache must be True or False; got 1.
    """
    if not isinstance(value, (bool, np.bool_)):
        _fail(name, "True or False", value)
    return bool(value)


def check_snapshot_epochs(snapshot_epochs, epochs: int, name: str = "snapshot_epochs") -> tuple[int, ...] | None:
    """Validate the epochs at which to snapshot a training run; return them sorted.

    Parameters
    ----------
    snapshot_epochs : None or sequence of int
        Epochs in ``[0, epochs]`` (0: before any update), distinct, in any order.
    epochs : int
        The number of training epochs.
    name : str, default="snapshot_epochs"
        The parameter's name, for the message.

    Returns
    -------
    tuple of int or None
        The epochs in ascending order; None when ``snapshot_epochs`` is None.

    Raises
    ------
    ValueError
        For a value that is not a sequence of integers, an empty sequence, an epoch outside
        ``[0, epochs]`` or a repeated epoch.

    Examples
    --------
    >>> check_snapshot_epochs([5, 0, 1], 10)
    (0, 1, 5)
    >>> check_snapshot_epochs([0, 12], 10)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: snapshot_epochs[1] must be an integer in [0, 10]; got 12. Snapshots are taken ...
    """
    if snapshot_epochs is None:
        return None
    if isinstance(snapshot_epochs, (str, bytes)) or not isinstance(snapshot_epochs, (Sequence, np.ndarray)):
        raise ValueError(
            f"{name} must be None or a sequence of epochs such as [0, 1, 5]; got {snapshot_epochs!r}."
        )
    values = list(snapshot_epochs.tolist() if isinstance(snapshot_epochs, np.ndarray) else snapshot_epochs)
    if not values:
        raise ValueError(f"{name} is empty; pass None for no snapshots or a list of epochs such as [0, 1, 5].")
    hint = f"Snapshots are taken at the end of an epoch (0: before training); epochs is {epochs}."
    values = [check_int(v, f"{name}[{i}]", minimum=0, maximum=epochs, hint=hint) for i, v in enumerate(values)]
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"{name} must not repeat an epoch; got {values} (repeated: {repeated}).")
    return tuple(sorted(values))


def check_birth_weight(birth_weight):
    """Validate ``birth_weight`` of the topological distance: None (the paper's sum) or a float in [0, 1].

    Examples
    --------
    >>> check_birth_weight(None) is None, check_birth_weight(1)
    (True, 1.0)
    """
    return check_real(birth_weight, "birth_weight", low=0, high=1, allow_none=True,
                      hint="None is the paper's distance (sums over births and deaths); a float beta weighs the "
                           "mean over births by beta and the mean over deaths by 1 - beta.")


# ----------------------------------------------------------------------------------------------
# Estimator parameters, in scikit-learn's words
#   "The 'tol' parameter of TopClustering must be a float in the range [0, inf). Got -1.0 instead."


class InvalidParameterError(ValueError, TypeError):
    """An estimator parameter of the wrong type or value; a ValueError and a TypeError, as in scikit-learn."""


def _bound(value, missing):
    if value is None:
        return missing
    return f"{int(value)}" if float(value).is_integer() else f"{value:g}"


@dataclass(frozen=True)
class IntIn:
    """An integer (not a bool) in ``[low, high]``; None leaves that side open."""

    low: int | None = None
    high: int | None = None

    def accepts(self, value) -> bool:
        return (isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))
                and (self.low is None or value >= self.low) and (self.high is None or value <= self.high))

    def __str__(self):
        return (f"an int in the range {'(' if self.low is None else '['}{_bound(self.low, '-inf')}, "
                f"{_bound(self.high, 'inf')}{')' if self.high is None else ']'}")


@dataclass(frozen=True)
class RealIn:
    """A finite real number (not a bool) between ``low`` and ``high``; ``closed`` as in :func:`check_real`."""

    low: float | None = None
    high: float | None = None
    closed: str = "both"

    def accepts(self, value) -> bool:
        try:
            check_real(value, "value", low=self.low, high=self.high, closed=self.closed)
        except ValueError:
            return False
        return True

    def __str__(self):
        left = self.low is not None and self.closed in ("both", "left")
        right = self.high is not None and self.closed in ("both", "right")
        return (f"a float in the range {'[' if left else '('}{_bound(self.low, '-inf')}, "
                f"{_bound(self.high, 'inf')}{']' if right else ')'}")


@dataclass(frozen=True)
class OneOf:
    """One of a few strings."""

    options: tuple

    def accepts(self, value) -> bool:
        return isinstance(value, str) and value in self.options

    def __str__(self):
        return "a str among {" + ", ".join(repr(o) for o in sorted(self.options)) + "}"


class _RandomState:
    """A seed for :func:`sklearn.utils.check_random_state`: an int in [0, 2**32 - 1] or a RandomState."""

    def accepts(self, value) -> bool:
        return IntIn(0, 2**32 - 1).accepts(value) or isinstance(value, np.random.RandomState)

    def __str__(self):
        return f"{IntIn(0, 2**32 - 1)}, an instance of 'numpy.random.mtrand.RandomState'"


#: The ``random_state`` of an estimator (together with None in its list of allowed values).
RANDOM_STATE = _RandomState()


def check_estimator_params(estimator, allowed: dict) -> None:
    """Check an estimator's constructor parameters against the values each one allows.

    Parameters
    ----------
    estimator : sklearn.base.BaseEstimator
        Its parameters named in ``allowed`` (the attributes ``get_params(deep=False)`` returns) are checked.
    allowed : dict of str to list
        Per parameter, the kinds of value it accepts: :class:`IntIn`, :class:`RealIn`,
        :class:`OneOf`, :data:`RANDOM_STATE` or None (the value None).

    Raises
    ------
    InvalidParameterError
        For the first parameter that none of its kinds accepts, with scikit-learn's message:
        ``"The 'n_init' parameter of TopClustering must be an int in the range [1, inf). Got 0 instead."``

    Examples
    --------
    >>> from sklearn.cluster import KMeans
    >>> try:
    ...     check_estimator_params(KMeans(n_init=0), {"n_init": [IntIn(1)]})
    ... except InvalidParameterError as exc:
    ...     print(exc)
    The 'n_init' parameter of KMeans must be an int in the range [1, inf). Got 0 instead.
    >>> issubclass(InvalidParameterError, ValueError) and issubclass(InvalidParameterError, TypeError)
    True
    """
    # the attributes that get_params(deep=False) reads, without its signature inspection (~0.1 ms a call)
    for name, kinds in allowed.items():
        value = getattr(estimator, name)
        if any(value is None if kind is None else kind.accepts(value) for kind in kinds):
            continue
        words = [str(kind) for kind in kinds if kind is not None] + (["None"] if None in kinds else [])
        expected = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"
        raise InvalidParameterError(
            f"The {name!r} parameter of {type(estimator).__name__} must be {expected}. Got {value!r} instead."
        )
