"""Tests for fcviz.connectome: graph properties, agreement with np.corrcoef, dead neurons, batching."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from torch import nn

from fcviz.connectome import (
    Connectome,
    correlation_connectome,
    functional_connectome,
    functional_connectomes,
)


def _reference(X):
    """Slow obvious implementation: |np.corrcoef| with a zero diagonal."""
    R = np.abs(np.corrcoef(X, rowvar=False))
    np.fill_diagonal(R, 0.0)
    return R


def _mlp(seed, widths=(6, 7, 5)):
    torch.manual_seed(seed)
    net = nn.Sequential(
        nn.Linear(widths[0], widths[1]), nn.Tanh(), nn.Linear(widths[1], widths[2]), nn.Tanh(), nn.Linear(widths[2], 2)
    )
    net.hidden_layers = ("1", "3")
    return net


def _assert_graph(A):
    assert A.dtype == np.float64
    assert np.array_equal(A, np.swapaxes(A, -1, -2))  # bitwise
    assert np.all(np.diagonal(A, axis1=-2, axis2=-1) == 0)
    assert A.min() >= 0 and A.max() <= 1 and np.isfinite(A).all()


def test_matches_corrcoef_on_random_data(rng):
    X = rng.normal(size=(80, 30)) @ rng.normal(size=(30, 30))  # correlated columns
    A = correlation_connectome(X)
    _assert_graph(A)
    np.testing.assert_allclose(A, _reference(X), atol=1e-12, rtol=0)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(2, 12), st.integers(1, 8)), elements=st.floats(-1e3, 1e3)))
def test_properties_hold_for_any_finite_input(X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        A = correlation_connectome(X)
    _assert_graph(A)
    live = X.max(axis=0) != X.min(axis=0)
    if live.sum() >= 2 and np.all(X[:, live].std(axis=0) > 1e-6 * (1 + np.abs(X[:, live]).max(axis=0))):
        np.testing.assert_allclose(A[np.ix_(live, live)], _reference(X[:, live]), atol=1e-9)


def test_torch_in_torch_out_and_batch_equals_loop(rng):
    X = torch.from_numpy(rng.normal(size=(3, 40, 9))).to(torch.float32)
    W = correlation_connectome(X)
    assert isinstance(W, torch.Tensor) and W.dtype == torch.float64 and W.shape == (3, 9, 9)
    for b in range(3):
        single = correlation_connectome(X[b])
        np.testing.assert_allclose(W[b].numpy(), single.numpy(), atol=1e-14, rtol=0)
        np.testing.assert_allclose(W[b].numpy(), _reference(X[b].double().numpy()), atol=1e-12)


def test_input_never_modified(rng):
    X = rng.normal(size=(20, 5))
    X[:, 2] = 3.0
    before = X.copy()
    with pytest.warns(RuntimeWarning):
        correlation_connectome(X)
    np.testing.assert_array_equal(X, before)
    T = torch.from_numpy(before.copy())
    with pytest.warns(RuntimeWarning):
        correlation_connectome(T)
    np.testing.assert_array_equal(T.numpy(), before)
    X.setflags(write=False)  # read-only inputs are accepted
    with pytest.warns(RuntimeWarning):
        correlation_connectome(X)


def test_dead_units_weigh_zero_and_warn(rng):
    X = rng.normal(size=(30, 6))
    X[:, 1] = 0.0
    X[:, 4] = 0.1  # a constant that is not exact in binary
    with pytest.warns(RuntimeWarning, match="2 of 6 hidden units have zero variance over the 30 stimuli"):
        A = correlation_connectome(X)
    _assert_graph(A)
    assert not A[[1, 4]].any() and not A[:, [1, 4]].any()
    live = [0, 2, 3, 5]
    np.testing.assert_allclose(A[np.ix_(live, live)], _reference(X[:, live]), atol=1e-12)


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.zeros(5), "shape"),
        (np.zeros((1, 4)), "at least 2 stimuli"),
        (np.zeros((3, 0)), "no unit"),
        (np.array([[1.0, np.nan], [2.0, 3.0]]), "non-finite"),
        (np.array([["a", "b"], ["c", "d"]]), "numeric"),
    ],
)
def test_invalid_activations(bad, match):
    with pytest.raises(ValueError, match=match):
        correlation_connectome(bad)


def test_functional_connectome_object():
    net = _mlp(0)
    X = torch.randn(50, 6, generator=torch.Generator().manual_seed(0))
    C = functional_connectome(net, X)
    assert isinstance(C, Connectome)
    A = np.asarray(C)
    assert A.shape == (12, 12) and C.shape == (12, 12) and C.n_nodes == 12
    _assert_graph(A)
    assert C.layer_names == ("1", "3") and C.layer_sizes == (7, 5) and C.boundaries == (0, 7, 12)
    assert C.layer_slice("3") == slice(7, 12)
    assert C.n_dead == 0 and C.dead_mask.shape == (12,) and C.n_stimuli == 50
    assert not A.flags.writeable  # the connectome is immutable
    assert np.array(C).flags.writeable  # np.array copies
    assert np.asarray(C, dtype=np.float32).dtype == np.float32
    # equality with the obvious path: record by hand, then np.corrcoef
    with torch.no_grad():
        h1 = net[1](net[0](X))
        h2 = net[3](net[2](h1))
    np.testing.assert_allclose(A, _reference(torch.cat([h1, h2], 1).double().numpy()), atol=1e-12)
    assert "n_nodes=12" in repr(C)


def test_functional_connectome_dead_neurons_warn_with_count():
    net = _mlp(1)
    with torch.no_grad():
        net[2].weight[[0, 3]] = 0.0  # two neurons of layer "3" become constant
    X = torch.randn(40, 6, generator=torch.Generator().manual_seed(0))
    with pytest.warns(RuntimeWarning, match="2 of 12 hidden units") as record:
        C = functional_connectome(net, X)
    assert record[0].filename == __file__  # stacklevel points at the caller
    assert C.n_dead == 2 and np.flatnonzero(C.dead_mask).tolist() == [7, 10]
    A = np.asarray(C)
    assert not A[[7, 10]].any() and not A[:, [7, 10]].any()
    _assert_graph(A)


def test_batched_connectomes_equal_loop():
    nets = [_mlp(s) for s in range(4)] + [_mlp(9, widths=(6, 3, 2))]  # mixed layouts
    X = torch.randn(30, 6, generator=torch.Generator().manual_seed(0))
    batch = functional_connectomes(nets, X, batch_size=7)
    assert [c.n_nodes for c in batch] == [12, 12, 12, 12, 5]
    stacked = np.asarray(batch[:4])
    assert stacked.shape == (4, 12, 12)
    for net, c in zip(nets, batch):
        single = functional_connectome(net, X, batch_size=7)
        np.testing.assert_allclose(np.asarray(c), np.asarray(single), atol=1e-14, rtol=0)
        _assert_graph(np.asarray(c))


def test_functional_connectomes_rejects_bad_models():
    X = torch.randn(5, 6)
    with pytest.raises(ValueError, match="empty list"):
        functional_connectomes([], X)
    with pytest.raises(TypeError, match="sequence of models"):
        functional_connectomes(_mlp(0), X)


def test_connectome_validates_its_fields():
    with pytest.raises(ValueError, match="square"):
        Connectome(np.zeros((2, 3)), ("a",), (2,), np.zeros(2, bool), 5)
    with pytest.raises(ValueError, match="summing"):
        Connectome(np.zeros((3, 3)), ("a",), (2,), np.zeros(3, bool), 5)
    W = np.zeros((2, 2))
    Connectome(W, ("a",), (2,), np.zeros(2, bool), 5)
    assert W.flags.writeable  # a caller's array is copied, not frozen
