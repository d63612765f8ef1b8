"""Tests for fcviz.activations: layer selection, hook hygiene, batching, modes."""

import numpy as np
import pytest
import torch
from torch import nn

from fcviz.activations import capture_activations, record_activations, resolve_layers


class TinyNet(nn.Module):
    """A small MLP with fcviz's ``hidden_layers`` convention and a switchable failure."""

    hidden_layers = ("act1", "act2")

    def __init__(self, fail=False):
        super().__init__()
        self.fc1 = nn.Linear(6, 5)
        self.act1 = nn.Tanh()
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(5, 4)
        self.act2 = nn.Tanh()
        self.out = nn.Linear(4, 3)
        self.fail = fail

    def forward(self, x):
        x = self.act1(self.fc1(x.flatten(1)))
        x = self.act2(self.fc2(self.drop(x)))
        if self.fail:
            raise RuntimeError("boom")
        return self.out(x)


@pytest.fixture
def net():
    torch.manual_seed(0)
    return TinyNet()


@pytest.fixture
def stimuli():
    return torch.randn(23, 1, 2, 3, generator=torch.Generator().manual_seed(1))


def _hooks(model):
    return sum(len(m._forward_hooks) for m in model.modules())


def test_default_layers_are_hidden_layers(net, stimuli):
    acts = record_activations(net, stimuli)
    assert list(acts) == ["act1", "act2"]
    assert acts["act1"].shape == (23, 5) and acts["act2"].shape == (23, 4)
    assert not acts["act1"].requires_grad
    assert _hooks(net) == 0


def test_layer_selection_by_name_list_and_predicate(net, stimuli):
    assert resolve_layers(net, "fc2") == ("fc2",)
    assert resolve_layers(net, ["act2", "fc1"]) == ("act2", "fc1")  # order kept
    assert resolve_layers(net, lambda name, m: isinstance(m, nn.Tanh)) == ("act1", "act2")
    by_list = record_activations(net, stimuli, ["act1", "act2"])
    by_pred = record_activations(net, stimuli, lambda name, m: name.startswith("act"))
    for name in ("act1", "act2"):
        torch.testing.assert_close(by_list[name], by_pred[name], rtol=0, atol=0)


def test_unknown_layer_lists_available_names(net):
    with pytest.raises(ValueError, match=r"Unknown layer name\(s\) \['nope'\].*'fc1'.*'act2'"):
        resolve_layers(net, ["act1", "nope"])


@pytest.mark.parametrize(
    "layers, error, match",
    [
        ([], ValueError, "empty"),
        (["act1", "act1"], ValueError, "more than once"),
        (lambda n, m: False, ValueError, "selected no module"),
        (3, TypeError, "layers must be"),
        ([1], TypeError, "must be strings"),
    ],
)
def test_bad_layer_selections(net, layers, error, match):
    with pytest.raises(error, match=match):
        resolve_layers(net, layers)


def test_layers_none_without_hidden_layers_is_a_clear_error(stimuli):
    plain = nn.Sequential(nn.Flatten(), nn.Linear(6, 2))
    with pytest.raises(ValueError, match="hidden_layers.*available names: \\['0', '1'\\]"):
        record_activations(plain, stimuli)


def test_hooks_removed_when_forward_raises(stimuli):
    net = TinyNet(fail=True)
    with pytest.raises(RuntimeError, match="boom"):
        record_activations(net, stimuli)
    assert _hooks(net) == 0
    assert net.training  # mode restored on error too
    with pytest.raises(RuntimeError, match="boom"):
        with capture_activations(net, ["act1", "fc2"]):
            net(stimuli)
    assert _hooks(net) == 0


def test_capture_context_flattens_and_moves(net, stimuli):
    with capture_activations(net, "fc1", device="cpu") as captured:
        net(stimuli[:4])
        net(stimuli[4:6])
    assert [t.shape for t in captured["fc1"]] == [(4, 5), (2, 5)]
    assert _hooks(net) == 0


def test_conv_outputs_flattened_per_sample(stimuli):
    conv = nn.Sequential(nn.Conv2d(1, 3, kernel_size=1), nn.ReLU())
    acts = record_activations(conv, stimuli, "0")
    assert acts["0"].shape == (23, 3 * 2 * 3)


def test_batches_equal_one_pass_and_modes_restored(net, stimuli):
    net.train()
    net.drop.eval()  # mixed modes must come back exactly
    one = record_activations(net, stimuli, batch_size=1000)
    many = record_activations(net, stimuli, batch_size=4)
    for name in one:
        torch.testing.assert_close(one[name], many[name])
    assert net.training and net.fc1.training and not net.drop.training


def test_eval_mode_used_during_recording(net, stimuli):
    net.train()
    a = record_activations(net, stimuli)["act2"]
    b = record_activations(net, stimuli)["act2"]
    torch.testing.assert_close(a, b, rtol=0, atol=0)  # dropout inactive


def test_numpy_stimuli_not_modified_and_cast(net, stimuli):
    X = stimuli.numpy().astype(np.float64)
    X.setflags(write=False)
    before = X.copy()
    acts = record_activations(net, X, batch_size=5)
    assert acts["act1"].dtype == torch.float32
    np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_bad_batch_size(net, stimuli, bad):
    with pytest.raises(ValueError, match="batch_size"):
        record_activations(net, stimuli, batch_size=bad)


def test_empty_stimuli(net):
    with pytest.raises(ValueError, match="at least one stimulus"):
        record_activations(net, torch.empty(0, 6))


def test_layer_called_twice_is_rejected(stimuli):
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.act = nn.Tanh()

        def forward(self, x):
            return self.act(self.act(x))

    net = Twice()
    with pytest.raises(ValueError, match="called 2 times"):
        record_activations(net, stimuli, "act")
    assert _hooks(net) == 0
