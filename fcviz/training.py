"""Train one or many networks of the paper, fast: N networks as one batched computation.

:func:`train_networks` trains ``n_networks`` networks of one data set and strategy with SGD (paper
defaults: learning rate 0.01, momentum 0.9, batch 50). Network ``k`` gets its own seeds, derived from
``(seed, k)`` with :class:`numpy.random.SeedSequence`, for its initial weights, its data order and its
dropout masks, so network ``k`` is the same whether it is trained alone or among ``N`` others.

``batched=True`` (default) stacks the parameters of all networks along a leading axis and runs one
forward and backward pass for all of them; each network still sees its own data order (an index tensor
of shape ``(N, batch)``). The update is :class:`torch.optim.SGD` on the stacked tensors, which is
element-wise and so exactly the per-network update (momentum and weight decay included). MLPs use a
hand-written batched forward (``torch.baddbmm``; batch norm through one ``F.batch_norm`` over
``N × width`` channels); other models (the CIFAR-10 net) use ``torch.func.functional_call`` under
``torch.func.vmap``. On the CPU, MLPs without batch norm (vanilla, L2, dropout) also get a written-out
backward pass (:class:`fcviz._batched_step.MLPBackprop`): the same gradients and update up to floating-point reassociation,
in buffers allocated once, with each weight gradient summed straight into its SGD momentum buffer;
elsewhere (CUDA, batch norm, other models) autograd and :class:`torch.optim.SGD` run the step.
``batched=False`` is the plain reference loop: one ``nn.Module`` and one ``torch.optim.SGD`` per network.

What is guaranteed, for a fixed ``seed``:

* Both modes are deterministic (on CPU; GPU kernels may differ in the last bits between runs).
* Without dropout, batched and sequential training give the same weights up to floating-point
  rounding: same initial weights, same data order, same update.
* With dropout, initial weights and data order still agree, but the masks differ: sequential training
  draws them from the global torch RNG (seeded per network), batched MLPs from one ``torch.Generator``
  per network (so network ``k`` is still independent of ``N``), and batched non-MLP models from the
  global RNG under ``vmap`` (deterministic for a given ``seed`` and ``N``).

Snapshots (``snapshot_epochs``) copy every network's ``state_dict`` at the end of the chosen epochs
(0: the initial weights, before any update) into :attr:`TrainingResult.snapshots`; taking them touches
no random state, so the training itself is the same with or without snapshots.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from ._validation import check_int, check_real, check_snapshot_epochs
from ._batched_step import make_batched_step
from .datasets import load_stimuli
from .models import MLP, make_model
from .progress import BuildProgress, check_cancel, check_progress_callback, raise_if_cancelled
from .registry import canonical_dataset_name, stratified_indices

__all__ = ["TrainingResult", "train_networks", "network_seeds", "resolve_device", "check_snapshot_epochs"]

logger = logging.getLogger(__name__)


@dataclass
class TrainingResult:
    """Trained networks and how they got there.

    Attributes
    ----------
    models : list of torch.nn.Module
        The trained networks, in evaluation mode, on the CPU; ``models[k]`` is network ``k``.
    history : dict of str to ndarray of shape (n_networks, epochs)
        ``"loss"``: mean training cross-entropy per epoch; ``"accuracy"``: training accuracy per epoch
        (measured during the epoch, in training mode). ``NaN`` after a network stopped early.
    seeds : list of int
        The seed of each network's initial weights (``network_seeds(seed, k)[0]``).
    epochs_trained : ndarray of shape (n_networks,)
        Epochs each network was trained for (fewer than ``epochs`` after an early exit).
    dataset, regularizer : str
        What was trained.
    hyperparameters : dict
        The model hyperparameters, defaults filled in (see :func:`fcviz.make_model`).
    settings : dict
        Training settings: seed, epochs, batch_size, lr, momentum, weight_decay, n_train, device,
        batched, target_accuracy, first_network, data_seed, snapshot_epochs.
    elapsed_s : float
        Wall-clock training time in seconds (data loading excluded).
    snapshots : dict of int to list of dict
        ``snapshots[epoch][k]``: the ``state_dict`` of network ``k`` (CPU tensors of its own) at the end
        of ``epoch``, for every epoch of ``snapshot_epochs`` (0: the initial weights). A network that
        stopped early keeps its final weights in later snapshots. Empty without ``snapshot_epochs``.
        :meth:`snapshot_models` turns them into networks.
    """

    models: list[nn.Module]
    history: dict[str, np.ndarray]
    seeds: list[int]
    epochs_trained: np.ndarray
    dataset: str
    regularizer: str
    hyperparameters: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    elapsed_s: float = 0.0
    snapshots: dict = field(default_factory=dict)

    def snapshot_models(self, epoch: int) -> list[nn.Module]:
        """The networks as they were at the end of ``epoch`` (0: untrained), rebuilt from :attr:`snapshots`.

        Parameters
        ----------
        epoch : int
            One of the recorded ``snapshot_epochs``.

        Returns
        -------
        list of torch.nn.Module
            One new module per network (copies of :attr:`models` with the snapshot's weights loaded),
            on the CPU and in evaluation mode; changing them leaves this result as it was.

        Raises
        ------
        ValueError
            If ``epoch`` was not recorded.

        Examples
        --------
        >>> result = train_networks("digits", "vanilla", 2, epochs=2, n_train=100, progress=False,
        ...                         snapshot_epochs=[0, 1])
        >>> sorted(result.snapshots), len(result.snapshot_models(0))
        ([0, 1], 2)
        """
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or int(epoch) not in self.snapshots:
            raise ValueError(
                f"epoch must be one of the recorded snapshot epochs {sorted(self.snapshots)}; got {epoch!r}."
                + ("" if self.snapshots else " Train with snapshot_epochs=[...] to record snapshots.")
            )
        models = []
        for model, state in zip(self.models, self.snapshots[int(epoch)]):
            copy_ = copy.deepcopy(model)
            copy_.load_state_dict(state)
            models.append(copy_.eval())
        return models


def network_seeds(seed: int, index: int) -> tuple[int, int, int]:
    """Seeds of network ``index`` in a run with ``seed``: (initial weights, data order, dropout).

    Derived with ``numpy.random.SeedSequence(seed, spawn_key=(index,))``, so they depend only on
    ``seed`` and ``index``, never on how many networks are trained together.

    Parameters
    ----------
    seed : int
        Run seed, non-negative.
    index : int
        Network index, non-negative.

    Returns
    -------
    tuple of int
        Three 32-bit seeds.
    """
    state = np.random.SeedSequence(int(seed), spawn_key=(int(index),)).generate_state(3, dtype=np.uint32)
    return int(state[0]), int(state[1]), int(state[2])


class _SnapshotRecorder:
    """Collects ``state_dict`` copies of every network at the snapshot epochs during training."""

    def __init__(self, epochs, n_networks: int):
        self.epochs = frozenset(epochs or ())
        self.states = {e: [None] * n_networks for e in sorted(self.epochs)}

    def wants(self, epoch: int) -> bool:
        return epoch in self.epochs

    def put(self, epoch: int, k: int, state: dict, *, copy: bool = True) -> None:
        self.states[epoch][k] = {name: t.detach().cpu().clone() for name, t in state.items()} if copy else state

    def start(self, models) -> None:
        if self.wants(0):
            for k, model in enumerate(models):
                self.put(0, k, model.state_dict())

    def finish(self, models) -> dict:
        """Fill the snapshots after a network's early exit with its final weights; return them all."""
        for states in self.states.values():
            for k, state in enumerate(states):
                if state is None:
                    states[k] = {name: t.detach().cpu().clone() for name, t in models[k].state_dict().items()}
        return self.states


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """``device``, or CUDA when available and ``device`` is None, else the CPU."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device must be None, 'cpu', 'cuda', 'cuda:0', ... ; got {device!r} ({exc}).") from None


def _batch_bounds(n: int, batch_size: int, has_batch_norm: bool) -> list[tuple[int, int]]:
    bounds = [(a, min(a + batch_size, n)) for a in range(0, n, batch_size)]
    if has_batch_norm and len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1:
        bounds.pop()  # batch norm cannot normalise a batch of one image; both modes drop it
    return bounds


def _has_batch_norm(model: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())


def _fork_rng(device: torch.device):
    return torch.random.fork_rng(devices=[device] if device.type == "cuda" else [])


def _seed_global(seed: int, device: torch.device) -> None:
    """Seed the global RNG of the CPU (and of ``device`` if CUDA); call inside :func:`_fork_rng`."""
    torch.random.default_generator.manual_seed(seed)  # cheaper than torch.manual_seed on CUDA builds
    if device.type == "cuda":
        with torch.cuda.device(device):
            torch.cuda.manual_seed(seed)


class _EpochTicker:
    """Stands in for the tqdm bar in the runners: ``update(n)`` advances the bar and reports progress."""

    def __init__(self, bar, callback, total: int, desc: str):
        self.bar, self.callback, self.total, self.desc = bar, callback, total, desc
        self.done = 0

    def update(self, n: int = 1) -> None:
        self.bar.update(n)
        self.done = min(self.total, self.done + n)
        if self.callback is not None:
            message = f"{self.desc}: {self.done}/{self.total} epochs"
            self.callback(BuildProgress("train", self.done, self.total, message))

    def finish(self, elapsed: float) -> None:
        self.done = self.total
        if self.callback is not None:
            self.callback(BuildProgress("done", self.total, self.total, f"{self.desc}: trained in {elapsed:.1f} s"))


# ----------------------------------------------------------------------------------------------------
# Sequential reference: one nn.Module and one torch.optim.SGD per network


def _train_sequential(models, X, y, order_gens, dropout_seeds, cfg, bar):
    n_net = len(models)
    loss = np.full((n_net, cfg["epochs"]), np.nan)
    acc = np.full((n_net, cfg["epochs"]), np.nan)
    done = np.zeros(n_net, dtype=np.int64)
    for k, model in enumerate(models):
        model.to(cfg["device"]).train()
        opt = torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=cfg["momentum"],
                              weight_decay=model.weight_decay)
        bounds = _batch_bounds(len(y), cfg["batch_size"], _has_batch_norm(model))
        with _fork_rng(cfg["device"]):
            _seed_global(dropout_seeds[k], cfg["device"])
            for epoch in range(cfg["epochs"]):
                perm = torch.randperm(len(y), generator=order_gens[k]).to(cfg["device"])
                total = torch.zeros((), device=cfg["device"])
                correct = torch.zeros((), dtype=torch.int64, device=cfg["device"])
                seen = 0
                for a, b in bounds:
                    raise_if_cancelled(cfg["cancel"], "Training")
                    idx = perm[a:b]
                    xb, yb = X.index_select(0, idx), y.index_select(0, idx)
                    logits = model(xb)
                    batch_loss = F.cross_entropy(logits, yb)
                    opt.zero_grad()
                    batch_loss.backward()
                    opt.step()
                    with torch.no_grad():
                        total += batch_loss.detach() * (b - a)
                        correct += (logits.argmax(1) == yb).sum()
                    seen += b - a
                loss[k, epoch] = total.item() / seen
                acc[k, epoch] = correct.item() / seen
                done[k] = epoch + 1
                if cfg["snapshots"].wants(epoch + 1):
                    cfg["snapshots"].put(epoch + 1, k, model.state_dict())
                bar.update(1)
                if cfg["target_accuracy"] is not None and acc[k, epoch] >= cfg["target_accuracy"]:
                    bar.update(cfg["epochs"] - epoch - 1)
                    break
        model.cpu().eval()
    return loss, acc, done


# ----------------------------------------------------------------------------------------------------
# Batched training: stacked parameters, one forward/backward for all networks


class _Stacked:
    """The state of N same-architecture networks stacked along a new leading axis."""

    def __init__(self, models: Sequence[nn.Module], device: torch.device, dropout_seeds, seed: int):
        self.template = models[0]
        self.device = device
        self.param_names = [name for name, _ in self.template.named_parameters()]
        self.buffer_names = [name for name, _ in self.template.named_buffers()]
        self.fast = isinstance(self.template, MLP)
        # The fast MLP path keeps linear weights as (N, in, out): baddbmm then needs no transposed
        # operand, and autograd writes the weight gradient in place without a transposing copy.
        self.transposed = {k for k in self.param_names if self.fast and k.endswith("weight")
                           and k.replace(".weight", "").split(".")[-1] in ("linear", "output")}
        states = [m.state_dict() for m in models]
        self.params = {k: self._stack([s[k] for s in states], k).requires_grad_() for k in self.param_names}
        self.buffers = {k: self._stack([s[k] for s in states], k) for k in self.buffer_names}
        self.p = float(getattr(self.template, "p", 0.0))
        if self.fast:
            self.generators = [torch.Generator(device=device).manual_seed(s) for s in dropout_seeds]
        else:
            base = copy.deepcopy(self.template).to("meta")
            base.train()

            def one(state, x):
                return torch.func.functional_call(base, state, (x,))

            self._vmapped = torch.func.vmap(one, randomness="different")
            self._vmap_seed = int(seed)

    def _stack(self, tensors, name: str) -> torch.Tensor:
        if name in self.transposed:
            tensors = [t.t() for t in tensors]
        return torch.stack(tensors).to(self.device).contiguous()

    def __len__(self) -> int:
        return next(iter(self.params.values())).shape[0]

    def keep(self, rows: torch.Tensor) -> None:
        """Keep only the networks at ``rows`` (after others stopped early)."""
        self.params = {k: v.detach()[rows].clone().requires_grad_() for k, v in self.params.items()}
        self.buffers = {k: v[rows].clone() for k, v in self.buffers.items()}
        if self.fast:
            self.generators = [self.generators[i] for i in rows.tolist()]

    def copy_into(self, row: int, model: nn.Module) -> None:
        """Copy the parameters and buffers of network ``row`` into ``model`` (same architecture), in place:
        what ``model.load_state_dict(self.state_of(row))`` does, without the intermediate copies."""
        with torch.no_grad():
            for name, param in model.named_parameters():
                value = self.params[name].detach()[row]
                param.copy_(value.t() if name in self.transposed else value)
            for name, buf in model.named_buffers():
                buf.copy_(self.buffers[name][row])

    def state_of(self, row: int) -> dict[str, torch.Tensor]:
        out = {k: (v.detach()[row].t() if k in self.transposed else v.detach()[row]).cpu().clone()
               for k, v in self.params.items()}
        out.update({k: v[row].cpu().clone() for k, v in self.buffers.items()})
        return out

    # -- forward passes: x of shape (N, B, ...) -> logits (N, B, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.fast:
            return self._forward_mlp(x)
        return self._vmapped({**self.params, **self.buffers}, x)

    def _forward_mlp(self, x: torch.Tensor) -> torch.Tensor:
        P = self.params
        h = x.flatten(2)
        for k in range(1, len(self.template.hidden_sizes) + 1):
            pre = f"hidden{k}."
            h = torch.baddbmm(P[pre + "linear.bias"].unsqueeze(1), h, P[pre + "linear.weight"])
            h = F.leaky_relu(h, self.template.negative_slope)
            if self.template.batch_norm:
                h = self._batch_norm(h, pre + "norm.", getattr(self.template, f"hidden{k}").norm)
            if self.p > 0:
                h = h * self.dropout_mask(h.shape)
        return torch.baddbmm(P["output.bias"].unsqueeze(1), h, P["output.weight"])

    def _batch_norm(self, h: torch.Tensor, pre: str, module: nn.BatchNorm1d) -> torch.Tensor:
        # (N, B, C) -> (B, N*C): one batch norm over N*C channels is N independent batch norms.
        n_net, batch, width = h.shape
        flat = h.transpose(0, 1).reshape(batch, n_net * width)
        out = F.batch_norm(
            flat,
            self.buffers[pre + "running_mean"].view(-1),  # views: updated in place
            self.buffers[pre + "running_var"].view(-1),
            self.params[pre + "weight"].reshape(-1),
            self.params[pre + "bias"].reshape(-1),
            training=True,
            momentum=module.momentum,
            eps=module.eps,
        )
        self.buffers[pre + "num_batches_tracked"] += 1
        return out.view(batch, n_net, width).transpose(0, 1)

    def dropout_mask(self, shape) -> torch.Tensor:
        """Inverted-dropout mask of ``shape`` (N, B, width), network ``i`` drawn from its own generator."""
        n_net, batch, width = shape
        mask = torch.empty(shape, device=self.device)
        for i, gen in enumerate(self.generators):
            torch.rand((batch, width), generator=gen, device=self.device, out=mask[i])
        return (mask >= self.p).to(mask.dtype) / (1.0 - self.p)


def _train_batched(models, X, y, order_gens, dropout_seeds, cfg, bar):
    n_net = len(models)
    epochs = cfg["epochs"]
    device = cfg["device"]
    loss = np.full((n_net, epochs), np.nan)
    acc = np.full((n_net, epochs), np.nan)
    done = np.zeros(n_net, dtype=np.int64)
    stacked = _Stacked(models, device, dropout_seeds, cfg["seed"])
    trainer = make_batched_step(stacked, cfg, models[0].weight_decay)
    active = list(range(n_net))  # network index of each stacked row
    bounds = _batch_bounds(len(y), cfg["batch_size"], _has_batch_norm(models[0]))
    sample_shape = X.shape[1:]
    rows_of_X = X.reshape(len(X), -1)  # a 2-D gather of whole rows: many times faster than a 4-D one
    # one buffer for every step's inputs (rewritten only after the previous step's backward pass):
    # a fresh 8 MB tensor per step costs its page faults again each time
    batch_rows = torch.empty(n_net * max(b - a for a, b in bounds), rows_of_X.shape[1], dtype=X.dtype, device=device)
    with _fork_rng(device):
        _seed_global(cfg["seed"], device)  # only used by dropout under vmap (non-MLP models)
        for epoch in range(epochs):
            rows = len(active)
            perms = torch.stack([torch.randperm(len(y), generator=order_gens[k]) for k in active]).to(device)
            total = torch.zeros(rows, device=device)
            correct = torch.zeros(rows, dtype=torch.int64, device=device)
            seen = 0
            for a, b in bounds:
                raise_if_cancelled(cfg["cancel"], "Training")
                idx = perms[:, a:b].reshape(-1)
                xb = torch.index_select(rows_of_X, 0, idx, out=batch_rows[:idx.numel()])
                xb = xb.view(rows, b - a, *sample_shape)
                yb = y.index_select(0, idx).view(rows, b - a)
                logits, ce = trainer.step(xb, yb)
                with torch.no_grad():
                    total += ce.sum(1)
                    correct += (logits.argmax(-1) == yb).sum(1)
                seen += b - a
            ep_loss = total.cpu().numpy() / seen
            ep_acc = correct.cpu().numpy() / seen
            finished = []
            for row, k in enumerate(active):
                loss[k, epoch], acc[k, epoch] = ep_loss[row], ep_acc[row]
                done[k] = epoch + 1
                if epoch == epochs - 1 or (cfg["target_accuracy"] is not None
                                           and ep_acc[row] >= cfg["target_accuracy"]):
                    finished.append(row)
            for row in finished:
                stacked.copy_into(row, models[active[row]])
            if cfg["snapshots"].wants(epoch + 1):  # state_of returns CPU copies: no second copy
                for row, k in enumerate(active):
                    cfg["snapshots"].put(epoch + 1, k, stacked.state_of(row), copy=False)
            bar.update(1)
            if len(finished) == len(active):
                break
            if finished:
                rows_kept = torch.tensor([r for r in range(len(active)) if r not in finished], device=device)
                trainer.keep(rows_kept)
                active = [active[r] for r in rows_kept.tolist()]
    for model in models:  # built on the CPU and never moved: the stacked copies trained on the device
        model.eval()
    return loss, acc, done


# ----------------------------------------------------------------------------------------------------


def _check_data(data, dataset: str):
    try:
        X, y = data
    except (TypeError, ValueError):
        raise ValueError("data must be a pair (X, y) of tensors: images (N, C, H, W) and labels (N,).") from None
    X = torch.as_tensor(X, dtype=torch.float32)
    y = torch.as_tensor(y, dtype=torch.int64)
    if X.ndim < 2 or y.ndim != 1 or len(X) != len(y):
        raise ValueError(
            f"data must be images X of shape (N, C, H, W) and labels y of shape (N,); got X {tuple(X.shape)} "
            f"and y {tuple(y.shape)}."
        )
    return X, y


def train_networks(dataset: str = "digits", regularizer: str = "vanilla", n_networks: int = 1, *, epochs: int,
                   seed: int = 0, device: str | torch.device | None = None, batch_size: int = 50, lr: float = 0.01,
                   momentum: float = 0.9, n_train: int | None = None, progress: bool = True, batched: bool = True,
                   target_accuracy: float | None = None, first_network: int = 0,
                   data: tuple[torch.Tensor, torch.Tensor] | None = None, data_dir=None, download: bool | None = None,
                   data_seed: int = 0, progress_callback=None, cancel=None, snapshot_epochs=None,
                   **hyperparameters) -> TrainingResult:
    """Train ``n_networks`` networks of one data set and training strategy with SGD.

    Parameters
    ----------
    dataset : str, default="digits"
        Data set and architecture (see :func:`fcviz.make_model`).
    regularizer : str, default="vanilla"
        ``"vanilla"``, ``"batch_norm"``, ``"l2"`` or ``"dropout"``.
    n_networks : int, default=1
        Number of networks.
    epochs : int
        Passes over the training data (the paper: 20–40).
    seed : int, default=0
        Run seed; network ``k`` uses :func:`network_seeds` ``(seed, first_network + k)``.
    device : str or torch.device, optional
        Default: CUDA when available, else the CPU.
    batch_size : int, default=50
    lr : float, default=0.01
    momentum : float, default=0.9
        SGD settings (paper defaults). Weight decay comes from the model (``"l2"`` strategy).
    n_train : int, optional
        Train on a stratified subsample of this many images (default: the whole training split).
    progress : bool, default=True
        Show a ``tqdm.auto`` progress bar (epochs × networks when sequential, epochs when batched).
    batched : bool, default=True
        Train all networks at once (fast; see the module notes) or one after the other.
    target_accuracy : float in (0, 1], optional
        Stop a network after the first epoch whose training accuracy reaches this value.
    first_network : int, default=0
        Index of the first network, to extend an earlier run with the same seed.
    data : (X, y), optional
        Train on these tensors (images ``(N, C, H, W)``, labels ``(N,)``) instead of loading
        ``dataset``'s training split; ``dataset`` then only picks the architecture.
    data_dir, download
        Passed to :func:`fcviz.load_stimuli`.
    data_seed : int, default=0
        Seed of the train/stimuli split and of the ``n_train`` subsample (keep it equal to the
        ``seed`` given to :func:`fcviz.load_stimuli` so that stimuli are never trained on).
    progress_callback : callable, optional
        Called with a :class:`fcviz.BuildProgress` after every epoch (``stage="train"``, ``done`` of
        ``total`` epochs counted as for the bar) and once at the end (``stage="done"``,
        ``done == total``), in the calling thread. Independent of ``progress``.
    cancel : threading.Event, optional
        Checked before every training batch; once set, training stops and :class:`fcviz.BuildCancelled`
        is raised (the networks are discarded).
    snapshot_epochs : sequence of int, optional
        Keep a copy of every network's weights at the end of these epochs, in ``[0, epochs]`` (0: the
        initial weights, before any update; ``epochs``: the final ones), in
        :attr:`TrainingResult.snapshots`; :meth:`TrainingResult.snapshot_models` rebuilds the networks.
        Plain data handed back with the result (no user code runs during training):
        ``len(snapshot_epochs) * n_networks`` copies of the weights in memory (a few kB each for the
        digits MLP, about 2.5 MB each for the CIFAR-10 net).
    **hyperparameters
        Passed to :func:`fcviz.make_model` (``hidden``, ``negative_slope``, ``weight_decay``, ``p``, …).

    Returns
    -------
    TrainingResult

    Raises
    ------
    ValueError
        For invalid arguments (see :func:`fcviz.make_model` and :func:`fcviz.load_stimuli` too).
    BuildCancelled
        When ``cancel`` is set before training ends.

    Examples
    --------
    >>> result = train_networks("digits", "vanilla", 2, epochs=1, seed=0, n_train=200, progress=False)
    >>> len(result.models), result.history["accuracy"].shape
    (2, (2, 1))
    >>> result = train_networks("digits", "vanilla", 2, epochs=2, n_train=200, progress=False,
    ...                         snapshot_epochs=[0, 1])
    >>> sorted(result.snapshots), len(result.snapshots[0])
    ([0, 1], 2)
    """
    name = canonical_dataset_name(dataset)
    run = _checked_run(n_networks=n_networks, epochs=epochs, seed=seed, batch_size=batch_size,
                       first_network=first_network, lr=lr, momentum=momentum, target_accuracy=target_accuracy,
                       n_train=n_train, snapshot_epochs=snapshot_epochs, device=device,
                       progress_callback=progress_callback, cancel=cancel)
    with torch.random.fork_rng(devices=[]):  # model arguments fail before the data loads; caller's RNG untouched
        template = make_model(name, regularizer, **hyperparameters)
    X, y = _training_data(name, template, data, run, data_dir, download, data_seed)
    seeds, models = _initial_networks(name, regularizer, run, hyperparameters)
    loss, acc, done, elapsed, snapshots = _run_training(f"{name}/{regularizer}", models, X, y, seeds, run,
                                                        batched and run["n_networks"] > 1, progress)
    return TrainingResult(models=models, history={"loss": loss, "accuracy": acc}, seeds=[s[0] for s in seeds],
                          epochs_trained=done, dataset=name, regularizer=regularizer,
                          hyperparameters=dict(template.hyperparameters), elapsed_s=elapsed,
                          settings=_settings_record(run, template, len(y), batched, data_seed),
                          snapshots=snapshots)


def _checked_run(*, n_networks, epochs, seed, batch_size, first_network, lr, momentum, target_accuracy, n_train,
                 snapshot_epochs, device, progress_callback, cancel) -> dict:
    """The validated settings of :func:`train_networks` (in the order it checks them), device resolved.

    Raises :class:`fcviz.BuildCancelled` when ``cancel`` is already set.
    """
    run = dict(n_networks=check_int(n_networks, "n_networks", minimum=1), epochs=check_int(epochs, "epochs", minimum=1))
    run["seed"] = check_int(seed, "seed", minimum=0)
    run["batch_size"] = check_int(batch_size, "batch_size", minimum=1)
    run["first_network"] = check_int(first_network, "first_network", minimum=0)
    run["lr"] = check_real(lr, "lr", low=0, closed="neither")
    run["momentum"] = check_real(momentum, "momentum", low=0, high=1, closed="left")
    run["target_accuracy"] = check_real(target_accuracy, "target_accuracy", low=0, high=1, closed="right",
                                        allow_none=True)
    run["n_train"] = check_int(n_train, "n_train", minimum=1, allow_none=True)
    run["snapshot_epochs"] = check_snapshot_epochs(snapshot_epochs, run["epochs"])
    run["device"] = resolve_device(device)
    run["progress_callback"] = check_progress_callback(progress_callback)
    run["cancel"] = check_cancel(cancel)
    raise_if_cancelled(run["cancel"], "Training")
    return run


def _training_data(name, template, data, run, data_dir, download, data_seed):
    """The training images and labels on the run's device: ``data``, or the data set's training split."""
    n_train = run["n_train"]
    if data is None:
        X, y = load_stimuli(name, split="train", n=n_train, data_dir=data_dir, download=download, seed=data_seed)
    else:
        X, y = _check_data(data, name)
        if n_train is not None and n_train < len(y):
            keep = stratified_indices(y.numpy(), n_train, np.random.default_rng([int(data_seed), 1]))
            X, y = X[torch.from_numpy(keep)], y[torch.from_numpy(keep)]
    if isinstance(template, MLP) and X[0].numel() != template.in_features:
        raise ValueError(
            f"The images have {X[0].numel()} values but the {name!r} model expects {template.in_features}."
        )
    return X.to(run["device"]), y.to(run["device"])


def _initial_networks(name, regularizer, run, hyperparameters) -> tuple[list, list]:
    """The networks' seeds (:func:`network_seeds`) and the untrained networks, each made under its own
    initialisation seed (the caller's RNG untouched)."""
    seeds = [network_seeds(run["seed"], run["first_network"] + k) for k in range(run["n_networks"])]
    models = []
    for init_seed, _, _ in seeds:
        with _fork_rng(run["device"]):
            _seed_global(init_seed, run["device"])
            models.append(make_model(name, regularizer, **hyperparameters))
    return seeds, models


def _run_training(what, models, X, y, seeds, run, use_batched, progress):
    """Train ``models`` in place, all at once or one after the other.

    Returns the loss and accuracy histories, the epochs each network trained, the seconds taken and
    the snapshots (:attr:`TrainingResult.snapshots`).
    """
    recorder = _SnapshotRecorder(run["snapshot_epochs"], len(models))
    recorder.start(models)
    desc = f"{what}: {len(models)} network{'s' if len(models) > 1 else ''}"
    order_gens = [torch.Generator().manual_seed(order_seed) for _, order_seed, _ in seeds]
    dropout_seeds = [dropout_seed for _, _, dropout_seed in seeds]
    cfg = dict(epochs=run["epochs"], batch_size=run["batch_size"], lr=float(run["lr"]),
               momentum=float(run["momentum"]), device=run["device"], target_accuracy=run["target_accuracy"],
               seed=run["seed"], cancel=run["cancel"], snapshots=recorder)
    total = run["epochs"] if use_batched else run["epochs"] * len(models)
    logger.info("Training %s for %d epochs on %d images (%s, batched=%s)", desc, run["epochs"], len(y),
                run["device"], use_batched)
    start = time.perf_counter()
    with tqdm(total=total, desc=desc, unit="epoch", disable=not progress) as bar:
        runner = _train_batched if use_batched else _train_sequential
        ticker = _EpochTicker(bar, run["progress_callback"], total, desc)
        loss, acc, done = runner(models, X, y, order_gens, dropout_seeds, cfg, ticker)
    elapsed = time.perf_counter() - start
    ticker.finish(elapsed)
    return loss, acc, done, elapsed, recorder.finish(models)


def _settings_record(run, template, n_train, batched, data_seed) -> dict:
    """``TrainingResult.settings``: what the networks were trained with."""
    snapshots = run["snapshot_epochs"]
    return dict(seed=run["seed"], epochs=run["epochs"], batch_size=run["batch_size"], lr=float(run["lr"]),
                momentum=float(run["momentum"]), weight_decay=template.weight_decay, n_train=n_train,
                device=str(run["device"]), batched=bool(batched), target_accuracy=run["target_accuracy"],
                first_network=run["first_network"], data_seed=data_seed,
                snapshot_epochs=None if snapshots is None else list(snapshots))
