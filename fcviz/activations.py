"""Record the outputs of named layers of any :class:`torch.nn.Module`.

Forward hooks are global state on a module, so they are attached only inside the context manager
:func:`capture_activations`, which removes them in ``finally`` even when the forward pass raises.
:func:`record_activations` runs stimuli through a model in batches and returns one
``(n_stimuli, n_units)`` tensor per recorded layer.

Layers are chosen by a name, a list of names or a predicate ``(name, module) -> bool`` over
``model.named_modules()``; :func:`resolve_layers` normalises all three up front. With ``layers=None`` the
model's ``hidden_layers`` attribute (set by :func:`fcviz.make_model`) is used.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch
from torch import nn

from ._validation import check_int, check_option

__all__ = ["resolve_layers", "capture_activations", "record_activations", "DEFAULT_BATCH_SIZE", "POOLS"]

#: Stimuli per forward pass in :func:`record_activations`; bounds memory on large stimulus sets.
DEFAULT_BATCH_SIZE = 512

#: Accepted values of ``pool``: every value a node (None), or one node per channel ("channel").
POOLS = (None, "channel")

LayerSpec = str | Sequence[str] | Callable[[str, nn.Module], bool] | None


def _available(model: nn.Module, limit: int = 40) -> str:
    names = [name for name, _ in model.named_modules() if name]
    shown = ", ".join(repr(n) for n in names[:limit])
    more = f", ... ({len(names) - limit} more)" if len(names) > limit else ""
    return f"[{shown}{more}]" if names else "[] (the model has no submodules)"


def resolve_layers(model: nn.Module, layers: LayerSpec = None) -> tuple[str, ...]:
    """Normalise a layer selection into a tuple of module names of ``model``.

    Parameters
    ----------
    model : torch.nn.Module
        The network whose layers are selected.
    layers : str, sequence of str, callable or None, default=None
        - ``None``: ``model.hidden_layers`` (the hidden activation layers of fcviz models);
        - a name such as ``"act1"`` (as in ``model.named_modules()``);
        - a list or tuple of names, kept in the order given;
        - a predicate ``(name, module) -> bool`` called on every named submodule (the root module,
          whose name is ``""``, is skipped), keeping ``named_modules()`` order.

    Returns
    -------
    tuple of str
        The selected names, non-empty and without duplicates.

    Raises
    ------
    ValueError
        If a name is unknown (the message lists the available names), a name repeats, the selection
        is empty, or ``layers=None`` and the model has no ``hidden_layers`` attribute.
    TypeError
        If ``layers`` is of none of the accepted types.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"Expected a torch.nn.Module; got {type(model).__name__}.")
    modules = dict(model.named_modules())
    if layers is None:
        hidden = getattr(model, "hidden_layers", None)
        if hidden is None:
            raise ValueError(
                f"layers=None needs a model with a 'hidden_layers' attribute (as fcviz.make_model sets), "
                f"but {type(model).__name__} has none. Pass layers= a name, a list of names or a predicate "
                f"(name, module) -> bool; available names: {_available(model)}."
            )
        names = (hidden,) if isinstance(hidden, str) else tuple(hidden)
        source = "model.hidden_layers"
    elif isinstance(layers, str):
        names, source = (layers,), "layers"
    elif callable(layers) and not isinstance(layers, nn.Module):
        names = tuple(name for name, module in modules.items() if name and layers(name, module))
        if not names:
            raise ValueError(
                f"The layer predicate selected no module; available names: {_available(model)}."
            )
        return names
    elif isinstance(layers, Sequence) and not isinstance(layers, (bytes, bytearray)):
        names, source = tuple(layers), "layers"
    else:
        raise TypeError(
            "layers must be None, a module name, a list of names or a predicate (name, module) -> bool; "
            f"got {type(layers).__name__}."
        )
    if not names:
        raise ValueError(f"{source} is empty; select at least one layer from {_available(model)}.")
    bad_type = [n for n in names if not isinstance(n, str)]
    if bad_type:
        raise TypeError(f"Layer names must be strings; {source} contains {bad_type[0]!r}.")
    unknown = [n for n in names if n not in modules]
    if unknown:
        raise ValueError(
            f"Unknown layer name(s) {unknown} in {source}; available names: {_available(model)}."
        )
    seen: set[str] = set()
    dupes = [n for n in names if n in seen or seen.add(n)]
    if dupes:
        raise ValueError(f"Layer name(s) {sorted(set(dupes))} appear more than once in {source}.")
    return names


@contextlib.contextmanager
def capture_activations(
    model: nn.Module, layers: LayerSpec = None, *, device=None, pool: str | None = None
) -> Iterator[dict[str, list[torch.Tensor]]]:
    """Attach forward hooks that record layer outputs; always remove them on exit.

    Parameters
    ----------
    model : torch.nn.Module
        Any module.
    layers : str, sequence of str, callable or None, default=None
        Selection as in :func:`resolve_layers`.
    device : str or torch.device, optional
        Where captured tensors are moved; by default they stay where they were computed.
    pool : {None, "channel"}, default=None
        ``None``: every output value is a unit (a convolutional output ``(batch, C, H, W)`` gives
        ``C * H * W`` units). ``"channel"``: outputs with spatial dimensions are averaged over them,
        one unit per channel (``(batch, C)``); 2-D outputs are unchanged.

    Yields
    ------
    dict of str to list of torch.Tensor
        For each selected layer (in selection order), the outputs of every call made while the
        context is open, each detached and flattened per sample to ``(batch, n_units)``.

    Raises
    ------
    TypeError
        (during the forward pass) if a selected layer returns something other than a tensor.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU())
    >>> with capture_activations(net, "1") as captured:
    ...     _ = net(torch.ones(2, 4))
    >>> captured["1"][0].shape
    torch.Size([2, 3])
    """
    check_option(pool, "pool", POOLS, hint="Use pool='channel' for one node per convolutional channel.")
    names = resolve_layers(model, layers)
    modules = dict(model.named_modules())
    captured: dict[str, list[torch.Tensor]] = {name: [] for name in names}
    target = None if device is None else torch.device(device)

    def make_hook(name: str):
        def hook(module, inputs, output):
            if not isinstance(output, torch.Tensor):
                raise TypeError(
                    f"Layer {name!r} ({type(module).__name__}) returned {type(output).__name__}, not a "
                    "tensor; select a submodule whose output is a single tensor."
                )
            out = output.detach()
            if pool == "channel" and out.ndim > 2:
                out = out.flatten(2).mean(dim=2)
            out = out.reshape(out.shape[0], -1) if out.ndim > 0 else out.reshape(1, 1)
            captured[name].append(out if target is None else out.to(target))

        return hook

    handles = []
    try:
        for name in names:
            handles.append(modules[name].register_forward_hook(make_hook(name)))
        yield captured
    finally:
        for handle in handles:
            handle.remove()


def _model_device(model: nn.Module) -> torch.device:
    for tensor in list(model.parameters()) + list(model.buffers()):
        return tensor.device
    return torch.device("cpu")


def _model_float_dtype(model: nn.Module):
    for p in model.parameters():
        if p.is_floating_point():
            return p.dtype
    return None


def _as_stimuli(stimuli, model: nn.Module) -> torch.Tensor:
    """Stimuli as a tensor (no copy of a tensor input), floats cast to the model's float dtype."""
    if isinstance(stimuli, torch.Tensor):
        X = stimuli.detach()
    else:
        arr = np.asarray(stimuli)
        if arr.dtype == object:
            raise ValueError("stimuli must be a numeric array or tensor of shape (n_stimuli, ...).")
        X = torch.tensor(arr)  # a copy: never aliases (or warns about) a read-only caller array
    if X.ndim == 0 or X.shape[0] == 0:
        raise ValueError(
            f"stimuli must have shape (n_stimuli, ...) with at least one stimulus; got shape {tuple(X.shape)}."
        )
    dtype = _model_float_dtype(model)
    if dtype is not None and X.is_floating_point() and X.dtype != dtype:
        X = X.to(dtype)
    return X


def _expected_input(model: nn.Module) -> str:
    """What the model's first layer expects, in words, for error messages ('' when unknown)."""
    if isinstance(getattr(model, "in_features", None), int):
        return f"{model.in_features} values per stimulus (e.g. images (n_stimuli, C, H, W) with C*H*W = {model.in_features})"
    for module in model.modules():
        if isinstance(module, nn.Linear):
            return f"{module.in_features} input features at its first linear layer"
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            return f"{module.in_channels} input channels at its first convolution"
    return ""


def _forward(model: nn.Module, batch: torch.Tensor, n_stimuli_shape: tuple) -> None:
    """Run one forward pass; a shape mismatch becomes a ValueError naming both shapes."""
    try:
        model(batch)
    except RuntimeError as exc:
        text = str(exc)
        shape_words = ("shape", "size", "Expected", "expected input")
        if not any(word in text for word in shape_words):
            raise
        expected = _expected_input(model)
        raise ValueError(
            f"The model cannot run on stimuli of shape {n_stimuli_shape} (one stimulus: {n_stimuli_shape[1:]})"
            + (f"; it expects {expected}" if expected else "")
            + f". Reshape the stimuli to what the model takes. (torch said: {text.splitlines()[0]})"
        ) from None


def record_activations(
    model: nn.Module,
    stimuli,
    layers: LayerSpec = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device=None,
    pool: str | None = None,
) -> dict[str, torch.Tensor]:
    """Run stimuli through a model and return the outputs of the selected layers.

    The model is put in eval mode for the recording (each submodule's previous train/eval mode is
    restored afterwards, also on error) and runs under :func:`torch.no_grad`, in batches of
    ``batch_size`` stimuli to bound memory.

    Parameters
    ----------
    model : torch.nn.Module
        Any module; its forward pass must accept a batch of stimuli.
    stimuli : torch.Tensor or ndarray of shape (n_stimuli, ...)
        Inputs, e.g. images ``(n_stimuli, C, H, W)``. Never modified. Floating inputs are cast to the
        model's parameter dtype and moved to the model's device for the forward pass.
    layers : str, sequence of str, callable or None, default=None
        Selection as in :func:`resolve_layers`; ``None`` means ``model.hidden_layers``.
    batch_size : int, default=512
        Stimuli per forward pass.
    device : str or torch.device, optional
        Where the returned tensors live; by default the device the model ran on.
    pool : {None, "channel"}, default=None
        ``"channel"`` averages convolutional outputs over positions: one unit per channel
        (see :func:`capture_activations`).

    Returns
    -------
    dict of str to torch.Tensor of shape (n_stimuli, n_units)
        One entry per selected layer, in selection order; outputs are flattened per stimulus.

    Raises
    ------
    ValueError
        For an unknown layer, empty stimuli, a bad ``batch_size`` or ``pool``, stimuli whose shape the
        model cannot take (the message names both), or a layer that was called zero times or more than
        once per forward pass (its recording would be ambiguous).

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    >>> acts = record_activations(net, torch.randn(10, 4), layers=["1", "2"])
    >>> {name: tuple(a.shape) for name, a in acts.items()}
    {'1': (10, 3), '2': (10, 2)}
    """
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    names = resolve_layers(model, layers)
    X = _as_stimuli(stimuli, model)
    run_device = _model_device(model)
    modes = [(m, m.training) for m in model.modules()]
    chunks: dict[str, list[torch.Tensor]] = {name: [] for name in names}
    try:
        model.eval()
        with torch.no_grad(), capture_activations(model, names, device=device, pool=pool) as captured:
            for start in range(0, X.shape[0], batch_size):
                batch = X[start : start + batch_size].to(run_device)
                _forward(model, batch, tuple(X.shape))
                for name in names:
                    calls = captured[name]
                    if len(calls) != 1:
                        raise ValueError(
                            f"Layer {name!r} was called {len(calls)} times in one forward pass; record "
                            "layers that run exactly once per pass."
                        )
                    chunks[name].append(calls.pop())
    finally:
        for module, mode in modes:
            module.training = mode
    return {name: torch.cat(parts) if len(parts) > 1 else parts[0] for name, parts in chunks.items()}
