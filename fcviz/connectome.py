"""Functional connectomes: activations -> |Pearson correlation| graphs between hidden neurons.

The connectome of a network over m stimuli is the weighted complete graph on its n hidden neurons with
edge weight ``w_ij = |corr(a_i, a_j)|`` between the activation vectors of neurons i and j, and a zero
diagonal. A neuron whose activation is the same for every stimulus (a *dead* neuron) has no correlation:
its edges weigh 0 and a :class:`RuntimeWarning` reports how many there were.

The correlation is computed in torch in float64, batched over networks with one ``bmm``; the weights are
clipped to [0, 1] and built from one triangle so that ``A == A.T`` holds bit for bit.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .activations import DEFAULT_BATCH_SIZE, LayerSpec, record_activations

__all__ = ["Connectome", "correlation_connectome", "functional_connectome", "functional_connectomes"]


def _abs_pearson(X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """|Pearson correlation| between the columns of each ``X[b]``.

    Parameters
    ----------
    X : torch.Tensor of shape (B, m, n), float64
        Activations of n units over m >= 2 stimuli, for B networks. Not modified.

    Returns
    -------
    W : torch.Tensor of shape (B, n, n), float64
        Weights in [0, 1], zero diagonal, exactly symmetric; zero rows/columns for dead units.
    dead : torch.Tensor of shape (B, n), bool
        Units whose activation is constant over the stimuli.
    """
    dead = X.amax(dim=1) == X.amin(dim=1)
    centered = X - X.mean(dim=1, keepdim=True)
    norm = torch.linalg.vector_norm(centered, dim=1)
    dead = dead | (norm == 0)
    scale = torch.where(dead, torch.zeros_like(norm), 1.0 / norm)
    Z = centered * scale.unsqueeze(1)
    C = torch.bmm(Z.transpose(1, 2), Z).abs_().clamp_(max=1.0)
    upper = torch.triu(C, diagonal=1)
    return upper + upper.transpose(1, 2), dead


def _dead_message(n_dead: int, n_units: int, n_stimuli: int, n_graphs: int = 1) -> str:
    where = f" (summed over {n_graphs} networks)" if n_graphs > 1 else ""
    return (
        f"{n_dead} of {n_units * n_graphs} hidden units{where} have zero variance over the {n_stimuli} "
        "stimuli (dead neurons); their edges were given weight 0. Use more or more varied stimuli, or "
        "inspect Connectome.dead_mask."
    )


def correlation_connectome(activations):
    """Absolute Pearson correlation between units: the connectome of given activations.

    Parameters
    ----------
    activations : ndarray or torch.Tensor of shape (n_stimuli, n_units) or (B, n_stimuli, n_units)
        Activation of every unit for every stimulus (one network, or B networks). Never modified.

    Returns
    -------
    weights : ndarray or torch.Tensor of shape (n_units, n_units) or (B, n_units, n_units)
        float64 weights in [0, 1] with a zero diagonal, exactly symmetric and free of NaN: rows and
        columns of dead units (constant activation) are 0. A numpy input gives a numpy array; a tensor
        gives a tensor on the same device.

    Raises
    ------
    ValueError
        If the input is not 2-D or 3-D, has fewer than 2 stimuli or no unit, or is not finite.

    Warns
    -----
    RuntimeWarning
        When some units are dead, with their number.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> A = correlation_connectome(rng.normal(size=(50, 4)))
    >>> A.shape, bool((A == A.T).all()), float(A.trace())
    ((4, 4), True, 0.0)
    """
    is_tensor = isinstance(activations, torch.Tensor)
    if is_tensor:
        X = activations.detach()
    else:
        arr = np.asarray(activations)
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool) or np.iscomplexobj(arr):
            raise ValueError(f"activations must be a real numeric array; got dtype {arr.dtype}.")
        X = torch.tensor(arr)  # a copy: the caller's array is never aliased
    if X.ndim not in (2, 3):
        raise ValueError(
            "activations must have shape (n_stimuli, n_units) or (B, n_stimuli, n_units); "
            f"got shape {tuple(X.shape)}."
        )
    X = X.to(torch.float64)
    batch = X.ndim == 3
    if not batch:
        X = X.unsqueeze(0)
    _check_activations(X)
    W, dead = _abs_pearson(X)
    n_dead = int(dead.sum())
    if n_dead:
        warnings.warn(
            _dead_message(n_dead, X.shape[2], X.shape[1], X.shape[0]), RuntimeWarning, stacklevel=2
        )
    if not batch:
        W = W[0]
    return W if is_tensor else W.numpy()


def _check_activations(X: torch.Tensor) -> None:
    """Validate a float64 stack ``(B, m, n)`` of activations."""
    if X.shape[0] == 0:
        raise ValueError("Got an empty batch of activations (B = 0); pass at least one network's activations.")
    if X.shape[1] < 2:
        raise ValueError(
            f"A correlation needs at least 2 stimuli; got {X.shape[1]} (activations of shape "
            f"{tuple(X.shape)}, stimuli along axis -2)."
        )
    if X.shape[2] < 1:
        raise ValueError(f"activations have no unit (shape {tuple(X.shape)}).")
    if not bool(torch.isfinite(X).all()):
        raise ValueError(
            f"activations contain {int((~torch.isfinite(X)).sum())} non-finite values (NaN or inf); "
            "check the model and the stimuli."
        )


@dataclass(frozen=True, eq=False, repr=False)
class Connectome:
    """The functional connectome of one network.

    Attributes
    ----------
    weights : ndarray of shape (n_nodes, n_nodes), float64, read-only
        ``|Pearson correlation|`` between hidden neurons; zero diagonal, exactly symmetric, in [0, 1].
        ``np.asarray(connectome)`` returns it.
    layer_names : tuple of str
        The recorded layers, in the order their neurons appear in ``weights``.
    layer_sizes : tuple of int
        Neurons per layer; they sum to ``n_nodes``.
    dead_mask : ndarray of shape (n_nodes,), bool, read-only
        True for neurons with zero variance over the stimuli (their edges weigh 0).
    n_stimuli : int
        Number of stimuli the correlations were computed over.

    Examples
    --------
    >>> import numpy as np, torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3), torch.nn.Tanh())
    >>> C = functional_connectome(net, torch.randn(20, 4), layers=["1", "3"])
    >>> np.asarray(C).shape, C.layer_sizes, C.boundaries
    ((8, 8), (5, 3), (0, 5, 8))
    """

    weights: np.ndarray
    layer_names: tuple[str, ...]
    layer_sizes: tuple[int, ...]
    dead_mask: np.ndarray
    n_stimuli: int

    def __post_init__(self):
        weights = np.asarray(self.weights)
        if weights.flags.writeable or weights.dtype != np.float64:  # never freeze a caller's array
            weights = np.array(weights, dtype=np.float64)
        weights.setflags(write=False)
        dead = np.asarray(self.dead_mask)
        if dead.flags.writeable or dead.dtype != bool:
            dead = np.array(dead, dtype=bool)
        dead.setflags(write=False)
        names, sizes = tuple(self.layer_names), tuple(int(s) for s in self.layer_sizes)
        n = weights.shape[0] if weights.ndim == 2 else -1
        if weights.ndim != 2 or weights.shape[1] != n:
            raise ValueError(f"Connectome weights must be a square (n, n) matrix; got shape {weights.shape}.")
        if len(names) != len(sizes) or sum(sizes) != n:
            raise ValueError(
                f"layer_names {names} and layer_sizes {sizes} must have equal lengths and sizes summing to "
                f"the {n} nodes."
            )
        if dead.shape != (n,):
            raise ValueError(f"dead_mask must have shape ({n},); got {dead.shape}.")
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "dead_mask", dead)
        object.__setattr__(self, "layer_names", names)
        object.__setattr__(self, "layer_sizes", sizes)
        object.__setattr__(self, "n_stimuli", int(self.n_stimuli))

    @property
    def n_nodes(self) -> int:
        """Number of hidden neurons (graph nodes)."""
        return self.weights.shape[0]

    @property
    def shape(self) -> tuple[int, int]:
        """Shape of the weight matrix, ``(n_nodes, n_nodes)``."""
        return self.weights.shape

    @property
    def n_dead(self) -> int:
        """Number of dead neurons (zero variance over the stimuli)."""
        return int(self.dead_mask.sum())

    @property
    def boundaries(self) -> tuple[int, ...]:
        """Node offsets where layers start and end: layer k holds nodes ``boundaries[k]:boundaries[k+1]``."""
        return tuple(int(b) for b in np.concatenate([[0], np.cumsum(self.layer_sizes, dtype=int)]))

    def layer_slice(self, name: str) -> slice:
        """The node indices of layer ``name`` as a slice into ``weights``."""
        if name not in self.layer_names:
            raise ValueError(f"Unknown layer {name!r}; this connectome has layers {list(self.layer_names)}.")
        k = self.layer_names.index(name)
        b = self.boundaries
        return slice(b[k], b[k + 1])

    def __array__(self, dtype=None, copy=None):
        if copy is False and dtype is not None and np.dtype(dtype) != self.weights.dtype:
            raise ValueError("Cannot convert a Connectome to another dtype without a copy.")
        out = self.weights if dtype is None else self.weights.astype(dtype, copy=False)
        return out.copy() if copy else out

    def __repr__(self) -> str:
        layers = ", ".join(f"{name!r}: {size}" for name, size in zip(self.layer_names, self.layer_sizes))
        return (
            f"Connectome(n_nodes={self.n_nodes}, layers={{{layers}}}, n_dead={self.n_dead}, "
            f"n_stimuli={self.n_stimuli})"
        )


def _record(model, stimuli, layers, batch_size, device, pool) -> tuple[torch.Tensor, tuple[str, ...], tuple[int, ...]]:
    """Activations of one model as float64 ``(m, n)`` with its layer names and sizes."""
    acts = record_activations(model, stimuli, layers, batch_size=batch_size, device=device, pool=pool)
    names = tuple(acts)
    sizes = tuple(int(a.shape[1]) for a in acts.values())
    X = torch.cat([a.to(torch.float64) for a in acts.values()], dim=1)
    return X, names, sizes


def _build_connectomes(
    models: Sequence[nn.Module], stimuli, layers: LayerSpec = None, *, batch_size=DEFAULT_BATCH_SIZE, device=None,
    pool=None,
) -> list[Connectome]:
    """Connectomes of several models without warning; networks of equal layout share one ``bmm``."""
    records = [_record(model, stimuli, layers, batch_size, device, pool) for model in models]
    groups: dict[tuple, list[int]] = {}
    for i, (X, names, sizes) in enumerate(records):
        groups.setdefault((X.device, names, sizes), []).append(i)
    out: list[Connectome | None] = [None] * len(records)
    for (_, names, sizes), idx in groups.items():
        X = torch.stack([records[i][0] for i in idx])
        _check_activations(X)
        W, dead = _abs_pearson(X)
        W = W.cpu().numpy()
        W.setflags(write=False)
        dead = dead.cpu().numpy()
        dead.setflags(write=False)
        for k, i in enumerate(idx):
            out[i] = Connectome(W[k], names, sizes, dead[k], X.shape[1])
    return out


def _warn_dead(connectomes: Sequence[Connectome]) -> None:
    n_dead = sum(c.n_dead for c in connectomes)
    if n_dead:
        c0 = connectomes[0]
        n_units = sum(c.n_nodes for c in connectomes) // len(connectomes)
        warnings.warn(
            _dead_message(n_dead, n_units, c0.n_stimuli, len(connectomes)), RuntimeWarning, stacklevel=3
        )


def functional_connectome(
    model: nn.Module, stimuli, layers: LayerSpec = None, *, batch_size: int = DEFAULT_BATCH_SIZE, device=None,
    pool: str | None = None,
) -> Connectome:
    """The functional connectome of one network over a set of stimuli.

    Parameters
    ----------
    model : torch.nn.Module
        A trained network (any module; its train/eval mode is restored afterwards).
    stimuli : torch.Tensor or ndarray of shape (n_stimuli, ...)
        At least 2 inputs. Never modified.
    layers : str, sequence of str, callable or None, default=None
        Which layers' neurons are the nodes (see :func:`fcviz.activations.resolve_layers`); ``None``
        means ``model.hidden_layers``. Layers are concatenated in selection order.
    batch_size : int, default=512
        Stimuli per forward pass.
    device : str or torch.device, optional
        Where activations are gathered and correlated; by default the model's device.
    pool : {None, "channel"}, default=None
        ``None``: every recorded value is a node. ``"channel"``: a convolutional layer's output
        ``(C, H, W)`` is averaged over positions, one node per channel (a torchvision ResNet-18's
        ``layer3`` + ``layer4`` then give 256 + 512 nodes instead of 6,144).

    Returns
    -------
    Connectome
        ``np.asarray(result)`` is the ``(n_nodes, n_nodes)`` float64 weight matrix.

    Raises
    ------
    ValueError
        For an unknown layer, fewer than 2 stimuli, stimuli of a shape the model cannot take (the
        message names the shape given and the one expected), or non-finite activations.

    Warns
    -----
    RuntimeWarning
        When some neurons are dead (constant over the stimuli), with their number.
    """
    (connectome,) = _build_connectomes([model], stimuli, layers, batch_size=batch_size, device=device, pool=pool)
    _warn_dead([connectome])
    return connectome


def functional_connectomes(
    models: Sequence[nn.Module],
    stimuli,
    layers: LayerSpec = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device=None,
    pool: str | None = None,
    warn_dead: bool = True,
) -> list[Connectome]:
    """Functional connectomes of several networks over the same stimuli, correlated in one batch.

    Networks with the same layer layout are stacked into ``(B, n_stimuli, n_nodes)`` and correlated
    with a single batched matrix product; ``np.asarray(result)`` then gives ``(B, n_nodes, n_nodes)``.

    Parameters
    ----------
    models : sequence of torch.nn.Module
        Trained networks.
    stimuli, layers, batch_size, device, pool
        As in :func:`functional_connectome`.
    warn_dead : bool, default=True
        Warn about dead neurons; callers that report them their own way (the zoo logs one summary)
        pass False and read :attr:`Connectome.n_dead`.

    Returns
    -------
    list of Connectome
        One per model, in order.

    Warns
    -----
    RuntimeWarning
        When some neurons are dead, with their total number.
    """
    if isinstance(models, nn.Module):
        raise TypeError("functional_connectomes takes a sequence of models; for one model use functional_connectome.")
    models = list(models)
    if not models:
        raise ValueError("Got an empty list of models; pass at least one network.")
    connectomes = _build_connectomes(models, stimuli, layers, batch_size=batch_size, device=device, pool=pool)
    if warn_dead:
        _warn_dead(connectomes)
    return connectomes
