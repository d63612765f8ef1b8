"""The paper's architectures and its four training strategies.

=================  ==================================================================  ===============
dataset            architecture                                                        hidden neurons
=================  ==================================================================  ===============
``digits``         MLP 64-32-16-10 (ours: the embedded, offline data set)              48
``mnist``          MLP 784-128-64-10                                                   192
``fashion-mnist``  MLP 784-256-128-10                                                  384
``cifar10``        3 VGG blocks (conv 32,32 / 64,64 / 128,128, 3×3, pad 1, max-pool),  384
                   then FC 2048-256-128-10
=================  ==================================================================  ===============

Every hidden activation is a LeakyReLU (``negative_slope``, default 0.01). The regulariser adds:

* ``"vanilla"``: nothing.
* ``"batch_norm"``: batch normalisation after every hidden activation (``BatchNorm1d`` in the fully
  connected part, ``BatchNorm2d`` after each convolution of the CIFAR-10 net).
* ``"l2"``: weight decay (``weight_decay``, default 1e-3), applied by the optimiser; stored as
  ``model.weight_decay`` (0.0 for the other strategies).
* ``"dropout"``: dropout (``p``, default 0.2) after every fully connected hidden layer and, in the
  CIFAR-10 net, after each VGG block's max-pool.

Each hidden layer is an ``nn.Sequential`` named ``hidden1``, ``hidden2``, … with children ``linear``,
``act`` and, when present, ``norm`` and ``dropout``, in that order. ``model.hidden_layers`` names the
modules whose *outputs* are the hidden-neuron activations of the connectome: ``hiddenK.norm`` when
batch norm is present, else ``hiddenK.act`` (always before dropout). In evaluation mode batch norm is a
per-neuron affine map, which leaves absolute Pearson correlations unchanged, so recording before or
after it gives the same connectome; we record after it because that is what the next layer sees.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import torch
from torch import nn

from ._model_settings import DEFAULT_CHANNELS, DEFAULT_HIDDEN, model_settings
from .registry import DATASETS, REGULARIZERS

__all__ = ["make_model", "list_regularizers", "MLP", "VGGNet", "REGULARIZERS", "DEFAULT_HIDDEN"]


def list_regularizers() -> tuple[str, ...]:
    """Names accepted as ``regularizer`` by :func:`make_model` and :func:`fcviz.train_networks`.

    Returns
    -------
    tuple of str
        ``("vanilla", "batch_norm", "l2", "dropout")``.
    """
    return REGULARIZERS


def _hidden_block(n_in: int, n_out: int, *, negative_slope: float, batch_norm: bool, p: float) -> nn.Sequential:
    layers = OrderedDict(linear=nn.Linear(n_in, n_out), act=nn.LeakyReLU(negative_slope))
    if batch_norm:
        layers["norm"] = nn.BatchNorm1d(n_out)
    if p > 0:
        layers["dropout"] = nn.Dropout(p)
    return nn.Sequential(layers)


class _HiddenStack(nn.Module):
    """Shared part of both architectures: ``hidden1 … hiddenK`` blocks and an ``output`` layer."""

    def _build_head(self, n_in, hidden, n_classes, *, negative_slope, batch_norm, p):
        self.hidden_sizes = tuple(int(h) for h in hidden)
        names = []
        for k, width in enumerate(self.hidden_sizes, start=1):
            self.add_module(f"hidden{k}", _hidden_block(n_in, width, negative_slope=negative_slope,
                                                        batch_norm=batch_norm, p=p))
            names.append(f"hidden{k}.norm" if batch_norm else f"hidden{k}.act")
            n_in = width
        self.output = nn.Linear(n_in, n_classes)
        self.hidden_layers = tuple(names)
        self.negative_slope = float(negative_slope)
        self.batch_norm = bool(batch_norm)
        self.p = float(p)

    def _head(self, x: torch.Tensor) -> torch.Tensor:
        for k in range(1, len(self.hidden_sizes) + 1):
            x = getattr(self, f"hidden{k}")(x)
        return self.output(x)


class MLP(_HiddenStack):
    """Fully connected network: flatten, ``hidden1 … hiddenK``, ``output``.

    Parameters
    ----------
    in_features : int
        Number of input values (pixels × channels).
    hidden : sequence of int
        Width of each hidden layer.
    n_classes : int
        Number of outputs (logits).
    negative_slope : float
        LeakyReLU slope for negative inputs.
    batch_norm : bool
        Add ``BatchNorm1d`` after each hidden activation.
    p : float
        Dropout probability after each hidden layer (0: no dropout layer).
    """

    def __init__(self, in_features: int, hidden: Sequence[int], n_classes: int, *,
                 negative_slope: float = 0.01, batch_norm: bool = False, p: float = 0.0):
        super().__init__()
        self.in_features = int(in_features)
        self.flatten = nn.Flatten()
        self._build_head(self.in_features, hidden, n_classes, negative_slope=negative_slope,
                         batch_norm=batch_norm, p=p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of shape ``(B, n_classes)`` for images of shape ``(B, C, H, W)`` (or ``(B, in_features)``)."""
        return self._head(self.flatten(x))


class VGGNet(_HiddenStack):
    """Three VGG blocks (two 3×3 convolutions, padding 1, then 2×2 max-pool) and a fully connected head.

    Parameters
    ----------
    in_shape : tuple of int
        ``(C, H, W)`` of the input images; ``H`` and ``W`` must be divisible by 8.
    hidden : sequence of int
        Widths of the fully connected hidden layers.
    n_classes : int
        Number of outputs (logits).
    channels : sequence of int
        Output channels of the convolutions in each block.
    negative_slope, batch_norm, p
        As in :class:`MLP`; batch norm also follows every convolution's activation and dropout also
        follows every max-pool.
    """

    def __init__(self, in_shape: Sequence[int], hidden: Sequence[int], n_classes: int, *,
                 channels: Sequence[int] = DEFAULT_CHANNELS, negative_slope: float = 0.01,
                 batch_norm: bool = False, p: float = 0.0):
        super().__init__()
        c_in, height, width = (int(v) for v in in_shape)
        blocks = OrderedDict()
        for b, c_out in enumerate(channels, start=1):
            layers = OrderedDict()
            for j in (1, 2):
                layers[f"conv{j}"] = nn.Conv2d(c_in, int(c_out), kernel_size=3, padding=1)
                layers[f"act{j}"] = nn.LeakyReLU(negative_slope)
                if batch_norm:
                    layers[f"norm{j}"] = nn.BatchNorm2d(int(c_out))
                c_in = int(c_out)
            layers["pool"] = nn.MaxPool2d(2)
            if p > 0:
                layers["dropout"] = nn.Dropout(p)
            blocks[f"block{b}"] = nn.Sequential(layers)
            height, width = height // 2, width // 2
        self.features = nn.Sequential(blocks)
        self.flatten = nn.Flatten()
        self.channels = tuple(int(c) for c in channels)
        self._build_head(c_in * height * width, hidden, n_classes, negative_slope=negative_slope,
                         batch_norm=batch_norm, p=p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of shape ``(B, n_classes)`` for images of shape ``(B, C, H, W)``."""
        return self._head(self.flatten(self.features(x)))


def make_model(dataset: str = "digits", regularizer: str = "vanilla", **hyperparameters) -> nn.Module:
    """Build an untrained network of the paper for a data set and a training strategy.

    The weights come from PyTorch's default initialisation and so from the global torch RNG: call
    ``torch.manual_seed`` first (as :func:`fcviz.train_networks` does) for reproducible weights.

    Parameters
    ----------
    dataset : str, default="digits"
        ``"digits"``, ``"mnist"``, ``"fashion-mnist"`` or ``"cifar10"``; picks the architecture.
    regularizer : str, default="vanilla"
        ``"vanilla"``, ``"batch_norm"``, ``"l2"`` or ``"dropout"``.
    **hyperparameters
        ``hidden`` : sequence of int — hidden widths (default per data set, see ``DEFAULT_HIDDEN``);
        ``negative_slope`` : float — LeakyReLU slope (default 0.01);
        ``channels`` : sequence of int — ``cifar10`` only, conv channels per block (default (32, 64, 128));
        ``weight_decay`` : float — ``"l2"`` only (default 1e-3);
        ``p`` : float in [0, 1) — ``"dropout"`` only (default 0.2).

    Returns
    -------
    torch.nn.Module
        An :class:`MLP` or :class:`VGGNet` in training mode, with attributes ``dataset``,
        ``regularizer``, ``hyperparameters`` (dict, defaults filled in), ``weight_decay`` (float),
        ``hidden_layers`` (tuple of module names whose outputs are the connectome's neurons) and
        ``hidden_sizes`` (tuple of int).

    Raises
    ------
    ValueError
        For an unknown data set, regulariser or hyperparameter, or an invalid hyperparameter value.

    Examples
    --------
    >>> model = make_model("mnist", "batch_norm")
    >>> model.hidden_layers, sum(model.hidden_sizes)
    (('hidden1.norm', 'hidden2.norm'), 192)
    """
    name, settings = model_settings(dataset, regularizer, hyperparameters)
    hidden, slope = settings["hidden"], settings["negative_slope"]
    weight_decay = settings.get("weight_decay", 0.0)
    p = settings.get("p", 0.0)
    spec = DATASETS[name]
    batch_norm = regularizer == "batch_norm"
    if name == "cifar10":
        model = VGGNet(spec.image_shape, hidden, len(spec.class_names), channels=settings["channels"],
                       negative_slope=slope, batch_norm=batch_norm, p=p)
    else:
        c, h, w = spec.image_shape
        model = MLP(c * h * w, hidden, len(spec.class_names), negative_slope=slope,
                    batch_norm=batch_norm, p=p)
    model.dataset = name
    model.regularizer = regularizer
    model.weight_decay = weight_decay
    model.hyperparameters = settings
    return model
