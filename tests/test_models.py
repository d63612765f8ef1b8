"""Tests of fcviz.models: architectures, hidden layers, strategies and argument checks."""

import pytest
import torch
from torch import nn

from fcviz.models import REGULARIZERS, list_regularizers, make_model


@pytest.mark.parametrize(
    "dataset, shape, n_hidden",
    [("digits", (1, 8, 8), 48), ("mnist", (1, 28, 28), 192), ("fashion-mnist", (1, 28, 28), 384),
     ("cifar10", (3, 32, 32), 384)],
)
@pytest.mark.parametrize("regularizer", REGULARIZERS)
def test_output_shapes_and_hidden_layers(dataset, shape, n_hidden, regularizer):
    torch.manual_seed(0)
    model = make_model(dataset, regularizer)
    assert model.dataset == dataset and model.regularizer == regularizer
    assert sum(model.hidden_sizes) == n_hidden
    x = torch.rand(4, *shape)
    model.eval()
    outputs = {}
    modules = dict(model.named_modules())
    hooks = [modules[name].register_forward_hook(lambda m, i, o, name=name: outputs.__setitem__(name, o))
             for name in model.hidden_layers]
    try:
        logits = model(x)
    finally:
        for h in hooks:
            h.remove()
    assert logits.shape == (4, 10)
    assert len(model.hidden_layers) == 2
    assert [outputs[n].shape[1] for n in model.hidden_layers] == list(model.hidden_sizes)
    expected = nn.BatchNorm1d if regularizer == "batch_norm" else nn.LeakyReLU
    assert all(isinstance(modules[n], expected) for n in model.hidden_layers)


def test_paper_widths():
    assert make_model("mnist").hidden_sizes == (128, 64)
    assert make_model("fashion-mnist").hidden_sizes == (256, 128)
    cifar = make_model("cifar10")
    assert cifar.hidden1.linear.in_features == 2048 and cifar.hidden_sizes == (256, 128)
    convs = [m.out_channels for m in cifar.modules() if isinstance(m, nn.Conv2d)]
    assert convs == [32, 32, 64, 64, 128, 128]
    assert make_model("mnist").hidden1.linear.in_features == 784


def test_strategies():
    assert make_model("digits", "vanilla").weight_decay == 0.0
    assert make_model("digits", "l2").weight_decay == 1e-3
    assert make_model("digits", "l2", weight_decay=1e-2).weight_decay == 1e-2
    drop = make_model("digits", "dropout", p=0.3)
    assert [m.p for m in drop.modules() if isinstance(m, nn.Dropout)] == [0.3, 0.3]
    assert not any(isinstance(m, nn.Dropout) for m in make_model("digits", "vanilla").modules())
    bn = make_model("cifar10", "batch_norm")
    assert sum(isinstance(m, nn.BatchNorm2d) for m in bn.modules()) == 6
    assert sum(isinstance(m, nn.BatchNorm1d) for m in bn.modules()) == 2
    model = make_model("digits", hidden=(20, 10, 5), negative_slope=0.1)
    assert model.hidden_layers == ("hidden1.act", "hidden2.act", "hidden3.act")
    assert model.hidden1.act.negative_slope == 0.1
    assert model.hyperparameters == {"hidden": (20, 10, 5), "negative_slope": 0.1}


def test_same_seed_same_weights():
    torch.manual_seed(5)
    a = make_model("mnist")
    torch.manual_seed(5)
    b = make_model("mnist")
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        (("imagenet",), {}, "Valid names"),
        (("digits", "weight_decay"), {}, "regularizer must be one of"),
        (("digits", "vanilla"), {"weight_decay": 0.1}, "Unknown hyperparameter"),
        (("digits", "l2"), {"p": 0.1}, "Unknown hyperparameter"),
        (("digits", "dropout"), {"p": 1.0}, r"\[0, 1\)"),
        (("digits", "l2"), {"weight_decay": -1}, "weight_decay"),
        (("digits",), {"hidden": (0, 3)}, "positive ints"),
        (("digits",), {"hidden": ()}, "positive ints"),
        (("digits",), {"negative_slope": "x"}, "negative_slope"),
        (("mnist",), {"channels": (1, 2, 3)}, "Unknown hyperparameter"),
        (("cifar10",), {"channels": (8, 16)}, "3 ints"),
    ],
)
def test_invalid_arguments(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_model(*args, **kwargs)


def test_list_regularizers():
    assert list_regularizers() == ("vanilla", "batch_norm", "l2", "dropout")
