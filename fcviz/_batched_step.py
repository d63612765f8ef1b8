"""One step of batched training: the stacked networks of :mod:`fcviz.training` forward, backward, updated.

:func:`make_batched_step` picks the step for a ``_Stacked`` set of networks (``N`` same-architecture
networks with their parameters stacked along a leading axis, see :mod:`fcviz.training`):

* :class:`MLPBackprop` on the CPU for MLPs without batch norm (vanilla, L2, dropout): the backward pass
  written out, buffers allocated once, each gradient summed straight into its SGD momentum buffer by
  ``torch.baddbmm``, and :class:`PresummedSGD` to move the parameters;
* :class:`AutogradStep` everywhere else (CUDA, batch norm, the CIFAR-10 net): autograd and
  :class:`torch.optim.SGD` (fused on CPU and CUDA).

Both give the same update up to floating-point reassociation. Both expose ``step(xb, yb)`` (returns
the logits and the per-image cross-entropy of the batch, before the update) and ``keep(rows)`` (keep
only some networks, after others stopped early, with their momentum).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = ["make_batched_step", "make_optimizer", "StackedStep", "AutogradStep", "MLPBackprop", "PresummedSGD"]


class PresummedSGD(torch.optim.Optimizer):
    """SGD whose momentum buffers are already up to date when :meth:`step` runs.

    :class:`MLPBackprop` writes each gradient straight into ``state[p]["momentum_buffer"]``:
    ``buf = momentum * buf + grad + weight_decay * p`` (``buf = grad + weight_decay * p`` at the first
    step), the update of :class:`torch.optim.SGD` without dampening or Nesterov, so :meth:`step` only
    moves the parameters, ``p -= lr * buf``. Being a torch optimizer, its steps run the global optimizer
    hooks like any other.

    Parameters
    ----------
    params : iterable of torch.Tensor
        The stacked parameters.
    lr, momentum, weight_decay : float
        As for :class:`torch.optim.SGD`.
    """

    def __init__(self, params, lr: float, momentum: float, weight_decay: float):
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        """Move every parameter with a momentum buffer by ``-lr * buf``."""
        for group in self.param_groups:
            params = [p for p in group["params"] if "momentum_buffer" in self.state[p]]
            if params:
                torch._foreach_add_(params, [self.state[p]["momentum_buffer"] for p in params], alpha=-group["lr"])


def make_optimizer(stacked, cfg, weight_decay: float, *, presummed: bool = False, old=None, rows=None,
                   old_params=None):
    """The optimizer of the stacked parameters: :class:`torch.optim.SGD` (fused on CPU and CUDA), or
    :class:`PresummedSGD` for :class:`MLPBackprop`; ``old`` hands over its momentum buffers at ``rows``."""
    params = list(stacked.params.values())
    if presummed:
        opt = PresummedSGD(params, lr=cfg["lr"], momentum=cfg["momentum"], weight_decay=weight_decay)
    else:
        fused = cfg["device"].type in ("cpu", "cuda")
        opt = torch.optim.SGD(params, lr=cfg["lr"], momentum=cfg["momentum"], weight_decay=weight_decay,
                              fused=fused or None)
    if old is not None:  # carry momentum buffers over for the networks kept
        for name, param in stacked.params.items():
            buf = old.state.get(old_params[name], {}).get("momentum_buffer")
            if buf is not None:
                opt.state[param]["momentum_buffer"] = buf[rows].clone()
    return opt


class StackedStep:
    """What every batched step shares: the stacked networks, their optimizer, and :meth:`keep`.

    ``presummed`` (a class attribute) says whether the step writes the gradients into the momentum
    buffers itself (:class:`PresummedSGD`) or leaves them to :class:`torch.optim.SGD`.
    """

    presummed = False

    def __init__(self, stacked, cfg, weight_decay: float):
        self.stacked, self.cfg, self.weight_decay = stacked, cfg, weight_decay
        self.opt = make_optimizer(stacked, cfg, weight_decay, presummed=self.presummed)

    def keep(self, rows: torch.Tensor) -> None:
        """Keep only the networks at ``rows``, with their momentum."""
        old_params = dict(self.stacked.params)
        self.stacked.keep(rows)
        self.opt = make_optimizer(self.stacked, self.cfg, self.weight_decay, presummed=self.presummed,
                                  old=self.opt, rows=rows, old_params=old_params)


class AutogradStep(StackedStep):
    """One SGD step of the stacked networks through autograd and :class:`torch.optim.SGD` (any model)."""

    def step(self, xb: torch.Tensor, yb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Train on ``xb`` (N, B, ...) with labels ``yb`` (N, B); return the logits (N, B, C) and the
        cross-entropy (N, B) of this batch, before the update."""
        rows, batch = yb.shape
        logits = self.stacked.forward(xb)
        ce = F.cross_entropy(logits.reshape(rows * batch, -1), yb.reshape(-1), reduction="none").view(rows, batch)
        batch_loss = ce.sum() / batch  # sum over networks of each network's mean loss
        self.opt.zero_grad()
        batch_loss.backward()
        self.opt.step()
        return logits.detach(), ce.detach()


class MLPBackprop(StackedStep):
    """One SGD step of stacked MLPs without batch norm, the backward pass written out (the CPU fast path).

    The same computation as :class:`AutogradStep` on ``stacked.forward`` (same forward, same
    dropout masks, same gradients and update up to floating-point reassociation), without its overhead:
    every activation and gradient lives in a buffer allocated once (fresh multi-megabyte tensors cost
    their page faults again at every step), no autograd graph is built, and each weight gradient
    ``a.T @ g`` is summed straight into its momentum buffer by ``torch.baddbmm`` (``beta=momentum``),
    so the update (:class:`PresummedSGD`) reads no separate gradient. Bias gradients are the same
    product with a row of ones for ``a``.

    Parameters
    ----------
    stacked : fcviz.training._Stacked
        Stacked :class:`fcviz.MLP` networks without batch norm (``stacked.fast``).
    cfg : dict
        The training settings (``lr``, ``momentum``, ``device``).
    weight_decay : float
        L2 penalty, added to every gradient as in :class:`torch.optim.SGD`.
    """

    presummed = True

    def __init__(self, stacked, cfg, weight_decay: float):
        super().__init__(stacked, cfg, weight_decay)
        template = stacked.template
        self.layers = [f"hidden{k}.linear" for k in range(1, len(template.hidden_sizes) + 1)] + ["output"]
        self.slope = template.negative_slope
        self.storage: dict[str, torch.Tensor] = {}
        self.views: dict[tuple, torch.Tensor] = {}

    @staticmethod
    def applies(stacked, device: torch.device) -> bool:
        """Whether this step can train ``stacked`` on ``device``: MLPs without batch norm, on the CPU."""
        return stacked.fast and not stacked.template.batch_norm and device.type == "cpu"

    def _buffer(self, name: str, *shape: int) -> torch.Tensor:
        """A float tensor of ``shape`` on the storage ``name``, reused from step to step (grown when too small)."""
        view = self.views.get((name, shape))
        if view is None:
            size = math.prod(shape)
            store = self.storage.get(name)
            if store is None or store.numel() < size:
                store = self.storage[name] = torch.empty(size, device=self.stacked.device)
                self.views = {key: v for key, v in self.views.items() if key[0] != name}
            view = self.views[name, shape] = store[:size].view(shape)
        return view

    def step(self, xb: torch.Tensor, yb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Train on ``xb`` (N, B, ...) with labels ``yb`` (N, B); return the logits (N, B, C) and the
        cross-entropy (N, B) of this batch, before the update."""
        with torch.no_grad():
            inputs, masks, logits = self._forward(xb.flatten(2))
            ce, grad = self._cross_entropy(logits, yb)
            self._backward(inputs, masks, grad)
        self.opt.step()
        return logits, ce

    def _forward(self, h: torch.Tensor):
        """Inputs of every layer, dropout masks (or None) of every hidden layer, and the logits."""
        P, inputs, masks = self.stacked.params, [], []
        for depth, layer in enumerate(self.layers):
            inputs.append(h)
            weight = P[layer + ".weight"]
            out = self._buffer(f"pre{depth}", h.shape[0], h.shape[1], weight.shape[2])
            h = torch.baddbmm(P[layer + ".bias"].unsqueeze(1), h, weight, out=out)
            if depth < len(self.layers) - 1:
                F.leaky_relu(h, self.slope, inplace=True)  # slope >= 0: sign(output) == sign(input)
                mask = self.stacked.dropout_mask(h.shape) if self.stacked.p > 0 else None
                if mask is not None:
                    h.mul_(mask)
                masks.append(mask)
        return inputs, masks, h

    def _cross_entropy(self, logits: torch.Tensor, yb: torch.Tensor):
        """Per-image cross-entropy (N, B) and its gradient (N, B, C) for the loss of :class:`AutogradStep`
        (the sum over networks of each network's mean loss), computed as autograd computes it."""
        rows, batch, n_classes = logits.shape
        # the CPU's log_softmax over a short last axis (10 classes) is slow, about 11 us per 1,000
        # images; over the middle axis of a transposed copy it is a fifth of that, the same values
        by_class = self._buffer("logits_by_class", rows, n_classes, batch).copy_(logits.transpose(1, 2))
        log_p = torch.log_softmax(by_class, 1, out=self._buffer("log_p", rows, n_classes, batch)).transpose(1, 2)
        labels = yb.unsqueeze(-1)
        ce = log_p.gather(-1, labels).squeeze(-1).neg_()
        weight = torch.full((), 1.0, dtype=logits.dtype, device=logits.device) / batch  # d loss / d ce
        grad = torch.exp(log_p, out=self._buffer("grad_logits", rows, batch, n_classes)).mul_(weight)
        grad.scatter_add_(-1, labels, weight.neg().expand(rows, batch, 1))  # p * w - w at the label
        return ce, grad

    def _backward(self, inputs, masks, grad: torch.Tensor) -> None:
        """Accumulate every parameter's gradient into its momentum buffer, from the output layer down."""
        P = self.stacked.params
        rows, batch = grad.shape[:2]
        ones = self._buffer("ones", rows, 1, batch).fill_(1.0)
        for depth in range(len(self.layers) - 1, -1, -1):
            layer, a = self.layers[depth], inputs[depth]
            weight, bias = P[layer + ".weight"], P[layer + ".bias"]
            self._accumulate(weight, a.transpose(1, 2), grad)
            self._accumulate(bias, ones, grad, view=(rows, 1, -1))
            if depth:
                shape = (rows, batch, weight.shape[1])
                grad_a = torch.bmm(grad, weight.transpose(1, 2), out=self._buffer(f"grad{depth}", *shape))
                if masks[depth - 1] is not None:
                    grad_a.mul_(masks[depth - 1])
                grad = torch.ops.aten.leaky_relu_backward.grad_input(grad_a, a, self.slope, True, grad_input=grad_a)

    def _accumulate(self, param: torch.Tensor, a_t: torch.Tensor, grad: torch.Tensor, view=None) -> None:
        """``buf = momentum * buf + a_t @ grad + weight_decay * param`` (``buf = ...`` at the first step)."""
        state = self.opt.state[param]
        buf = state.get("momentum_buffer")
        beta = self.cfg["momentum"]
        if buf is None:
            buf = state["momentum_buffer"] = torch.empty_like(param)
            beta = 0.0  # ignores the uninitialised buffer
        out = buf if view is None else buf.view(view)
        torch.baddbmm(out, a_t, grad, beta=beta, out=out)
        if self.weight_decay:
            buf.add_(param.detach(), alpha=self.weight_decay)



def make_batched_step(stacked, cfg, weight_decay: float):
    """The batched training step for ``stacked``: :class:`MLPBackprop` where it applies, else autograd."""
    if MLPBackprop.applies(stacked, cfg["device"]):
        return MLPBackprop(stacked, cfg, weight_decay)
    return AutogradStep(stacked, cfg, weight_decay)
