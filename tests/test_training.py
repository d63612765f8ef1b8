"""Tests of fcviz.training: determinism, batched == sequential, early exit, results and argument checks."""

import copy
import threading

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.optim.optimizer import register_optimizer_step_post_hook

import fcviz
from fcviz.datasets import load_stimuli
from fcviz.models import make_model
from fcviz.progress import BuildCancelled, BuildProgress
from fcviz.training import TrainingResult, _Stacked, network_seeds, train_networks

SMALL = dict(epochs=2, n_train=150, progress=False)


def assert_same_weights(models_a, models_b, atol=1e-5):
    assert len(models_a) == len(models_b)
    for a, b in zip(models_a, models_b):
        sa, sb = a.state_dict(), b.state_dict()
        assert list(sa) == list(sb)
        for key in sa:
            torch.testing.assert_close(sa[key], sb[key], atol=atol, rtol=0, msg=key)


def _assert_image_counts(accuracy, n):
    """Each accuracy is a count of correctly classified images out of the ``n`` seen in an epoch."""
    counts = accuracy * n
    np.testing.assert_allclose(counts, np.round(counts), rtol=0, atol=1e-9)
    assert ((counts >= 0) & (counts <= n)).all()


def _assert_same_predictions(models_a, models_b, X):
    """Where one network's top logit leads by more than twice the largest logit difference between the
    two versions of the network, both versions must predict the same class (only near-ties may flip)."""
    for a, b in zip(models_a, models_b):
        with torch.no_grad():
            la, lb = a(X), b(X)
        delta = float((la - lb).abs().max())
        assert delta < 1e-3, f"the logits differ by {delta}"
        top2 = la.topk(2, dim=1).values
        clear = (top2[:, 0] - top2[:, 1]) > 2 * delta
        assert clear.float().mean() > 0.9  # the comparison covers nearly every image
        assert torch.equal(la.argmax(1)[clear], lb.argmax(1)[clear])


def _assert_stops_at_first_epoch_reaching(result, target):
    """Each network stopped after the first epoch whose accuracy reached ``target`` (or after the last)."""
    acc, epochs = result.history["accuracy"], result.settings["epochs"]
    for k, e in enumerate(result.epochs_trained):
        assert 1 <= e <= epochs
        assert (acc[k, : e - 1] < target).all(), (k, e, acc[k])
        assert acc[k, e - 1] >= target or e == epochs, (k, e, acc[k])
        assert np.isnan(acc[k, e:]).all()


def test_result_structure():
    result = train_networks("digits", "vanilla", 3, seed=0, **SMALL)
    assert isinstance(result, TrainingResult)
    assert len(result.models) == 3 and len(result.seeds) == 3 and len(set(result.seeds)) == 3
    assert result.history["loss"].shape == result.history["accuracy"].shape == (3, 2)
    assert np.isfinite(result.history["loss"]).all()
    _assert_image_counts(result.history["accuracy"], 150)
    assert list(result.epochs_trained) == [2, 2, 2]
    assert result.dataset == "digits" and result.regularizer == "vanilla"
    assert result.settings["lr"] == 0.01 and result.settings["momentum"] == 0.9
    assert result.settings["batch_size"] == 50 and result.settings["n_train"] == 150
    for model in result.models:
        assert not model.training
        assert all(p.device.type == "cpu" for p in model.parameters())
        assert model.hidden_layers == ("hidden1.act", "hidden2.act")


def test_same_seed_same_weights_and_different_seeds_differ():
    a = train_networks("digits", "batch_norm", 2, seed=7, **SMALL)
    b = train_networks("digits", "batch_norm", 2, seed=7, **SMALL)
    c = train_networks("digits", "batch_norm", 2, seed=8, **SMALL)
    assert_same_weights(a.models, b.models, atol=0)
    assert not torch.allclose(a.models[0].hidden1.linear.weight, c.models[0].hidden1.linear.weight, atol=1e-3)
    assert not torch.allclose(a.models[0].hidden1.linear.weight, a.models[1].hidden1.linear.weight, atol=1e-3)


def test_global_rng_untouched():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    train_networks("digits", "dropout", 2, seed=0, **SMALL)
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("regularizer", ["vanilla", "l2", "batch_norm"])
def test_batched_equals_sequential(regularizer):
    batched = train_networks("digits", regularizer, 3, seed=1, batched=True, **SMALL)
    sequential = train_networks("digits", regularizer, 3, seed=1, batched=False, **SMALL)
    assert_same_weights(batched.models, sequential.models)
    np.testing.assert_allclose(batched.history["loss"], sequential.history["loss"], atol=1e-5)
    # An accuracy counts argmax hits: the paths' weights differ by ~1e-5, which can flip a near-tie image,
    # so the counts (out of 150) may differ by one image per epoch, not more.
    for result in (batched, sequential):
        _assert_image_counts(result.history["accuracy"], 150)
    assert np.abs(batched.history["accuracy"] - sequential.history["accuracy"]).max() * 150 <= 1 + 1e-9
    X, _ = load_stimuli("digits", split="train", n=150)
    _assert_same_predictions(batched.models, sequential.models, X)


@pytest.mark.parametrize("regularizer", ["vanilla", "dropout"])
def test_network_k_independent_of_n(regularizer):
    among = train_networks("digits", regularizer, 3, seed=2, **SMALL)
    alone = train_networks("digits", regularizer, 2, seed=2, first_network=1, **SMALL)
    assert_same_weights(among.models[1:], alone.models, atol=1e-6)
    assert among.seeds[1:] == alone.seeds
    assert among.seeds[1] == network_seeds(2, 1)[0]


def test_dropout_is_deterministic_and_active():
    a = train_networks("digits", "dropout", 2, seed=3, p=0.5, **SMALL)
    b = train_networks("digits", "dropout", 2, seed=3, p=0.5, **SMALL)
    assert_same_weights(a.models, b.models, atol=0)
    vanilla = train_networks("digits", "vanilla", 2, seed=3, **SMALL)  # same init and data order
    assert not torch.allclose(a.models[0].output.weight, vanilla.models[0].output.weight, atol=1e-4)
    seq_a = train_networks("digits", "dropout", 2, seed=3, p=0.5, batched=False, **SMALL)
    seq_b = train_networks("digits", "dropout", 2, seed=3, p=0.5, batched=False, **SMALL)
    assert_same_weights(seq_a.models, seq_b.models, atol=0)


EARLY_EXIT = dict(epochs=8, n_train=300, lr=0.1, target_accuracy=0.6, progress=False, seed=0)


def test_early_exit_batched_equals_sequential():
    batched = train_networks("digits", "vanilla", 4, **EARLY_EXIT)
    sequential = train_networks("digits", "vanilla", 4, batched=False, **EARLY_EXIT)
    for result in (batched, sequential):  # each path against its own history
        _assert_stops_at_first_epoch_reaching(result, 0.6)
    done = batched.epochs_trained
    assert len(set(done.tolist())) > 1 and done.min() < 8, "networks should stop at different epochs here"
    a, b = batched.history["accuracy"], sequential.history["accuracy"]
    both = ~np.isnan(a) & ~np.isnan(b)
    assert np.abs(a - b)[both].max() * 300 <= 1 + 1e-9  # one near-tie image at most, as in the test above
    # Every batched accuracy here is more than one image away from the target, so a one-image difference
    # cannot move a stop: both paths must stop at the same epochs, with the same weights.
    assert np.nanmin(np.abs(a - 0.6)) * 300 > 1, "choose a target away from the accuracies of this setting"
    assert done.tolist() == sequential.epochs_trained.tolist()
    assert_same_weights(batched.models, sequential.models)


def test_custom_data_and_vmap_path_equals_sequential():
    gen = torch.Generator().manual_seed(0)
    X, y = torch.rand(40, 3, 32, 32, generator=gen), torch.randint(0, 10, (40,), generator=gen)
    kwargs = dict(epochs=1, seed=0, data=(X, y), batch_size=20, progress=False, hidden=(16, 8),
                  channels=(4, 4, 8))
    batched = train_networks("cifar10", "l2", 2, **kwargs)
    sequential = train_networks("cifar10", "l2", 2, batched=False, **kwargs)
    assert_same_weights(batched.models, sequential.models)


def test_vmap_batch_norm_gradients_match_in_float64():
    # In float32, batch norm amplifies rounding differences between grouped and plain convolutions;
    # in float64 the batched gradient must equal the per-network one.
    torch.manual_seed(0)
    models = [make_model("cifar10", "batch_norm", hidden=(4, 4), channels=(2, 2, 2)).double() for _ in range(2)]
    X = torch.rand(2, 4, 3, 32, 32, dtype=torch.float64)
    y = torch.randint(0, 10, (2, 4))
    stacked = _Stacked([copy.deepcopy(m) for m in models], torch.device("cpu"), [0, 1], 0)
    logits = stacked.forward(X)
    (F.cross_entropy(logits.reshape(8, -1), y.reshape(-1), reduction="none").sum() / 4).backward()
    for k, model in enumerate(models):
        F.cross_entropy(model(X[k]), y[k]).backward()
        for name, param in model.named_parameters():
            torch.testing.assert_close(stacked.params[name].grad[k], param.grad, rtol=1e-9, atol=1e-12)
        for name, buf in model.named_buffers():
            torch.testing.assert_close(stacked.buffers[name][k], buf)


def test_training_reduces_the_loss():
    result = train_networks("digits", "vanilla", 2, epochs=3, seed=0, lr=0.05, n_train=300, progress=False)
    loss = result.history["loss"]
    assert (loss[:, -1] < loss[:, 0]).all()


def test_progress_false_is_silent(capsys):
    train_networks("digits", "vanilla", 2, epochs=1, seed=0, n_train=60, progress=False)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_networks": 0}, "n_networks"),
        ({"epochs": 0}, "epochs"),
        ({"seed": -1}, "seed"),
        ({"batch_size": 0}, "batch_size"),
        ({"lr": 0}, "lr"),
        ({"momentum": 1.0}, "momentum"),
        ({"target_accuracy": 1.5}, "target_accuracy"),
        ({"n_train": 0}, "n_train"),
        ({"device": "nonsense"}, "device"),
        ({"regularizer": "bn"}, "regularizer must be one of"),
        ({"dataset": "svhn"}, "Valid names"),
        ({"weight_decay": 0.1}, "Unknown hyperparameter"),
        ({"data": (torch.rand(5, 1, 8, 8), torch.zeros(4, dtype=torch.int64))}, "labels"),
        ({"data": (torch.rand(5, 1, 9, 9), torch.zeros(5, dtype=torch.int64))}, "expects 64"),
    ],
)
def test_invalid_arguments(kwargs, match):
    args = {"dataset": "digits", "regularizer": "vanilla", "n_networks": 1, "epochs": 1, "seed": 0,
            "progress": False, **kwargs}
    with pytest.raises(ValueError, match=match):
        train_networks(**args)


# ------------------------------------------------------------------------------------------------
# Progress callback and cancellation


@pytest.mark.parametrize("batched, total", [(True, 3), (False, 6)])
def test_progress_callback_reports_every_epoch(batched, total):
    reports = []
    train_networks("digits", "vanilla", 2, epochs=3, seed=0, n_train=100, progress=False, batched=batched,
                   progress_callback=reports.append)
    assert all(isinstance(r, BuildProgress) for r in reports)
    assert [r.stage for r in reports] == ["train"] * total + ["done"]
    assert [r.done for r in reports] == [*range(1, total + 1), total]  # monotone, ends at the total
    assert {r.total for r in reports} == {total} and reports[-1].fraction == 1.0
    assert all(r.message for r in reports)


def test_progress_callback_with_early_exit_ends_at_the_total():
    reports = []
    result = train_networks("digits", "vanilla", 2, epochs=8, seed=0, n_train=300, lr=0.1, target_accuracy=0.3,
                            progress=False, progress_callback=reports.append)
    assert result.epochs_trained.max() < 8
    done = [r.done for r in reports]
    assert done == sorted(done) and reports[-1] == BuildProgress("done", 8, 8, reports[-1].message)


@pytest.fixture
def optimizer_steps():
    """The number of optimizer steps (training batches) taken so far, by any torch optimizer."""
    steps = []
    handle = register_optimizer_step_post_hook(lambda optimizer, args, kwargs: steps.append(1))
    yield lambda: len(steps)
    handle.remove()


class CancelEvent(threading.Event):
    """A cancel event that notes the optimizer steps taken when it was set and counts the looks at it after."""

    def __init__(self, steps):
        super().__init__()
        self.steps, self.steps_at_set, self.checks_after = steps, None, 0

    def set(self):
        self.steps_at_set = self.steps()
        super().set()

    def is_set(self):
        value = super().is_set()
        self.checks_after += value
        return value


@pytest.mark.parametrize("batched", [True, False])
def test_cancel_stops_training_at_the_next_batch(batched, optimizer_steps):
    stop = CancelEvent(optimizer_steps)
    reports = []

    def on_report(report):
        reports.append(report)
        stop.set()  # cancel at the end of the first epoch

    with pytest.raises(BuildCancelled, match="cancelled"):
        train_networks("digits", "vanilla", 2, epochs=100_000, seed=0, n_train=300, progress=False, cancel=stop,
                       batched=batched, progress_callback=on_report)
    assert [(r.stage, r.done) for r in reports] == [("train", 1)]  # no epoch ended after the cancel, no "done"
    assert stop.steps_at_set == 300 // 50  # one epoch: 6 batches (batched: one step for both networks)
    assert optimizer_steps() == stop.steps_at_set and stop.checks_after == 1  # no batch ran after the cancel
    assert issubclass(fcviz.BuildCancelled, RuntimeError) and fcviz.BuildCancelled is BuildCancelled
    assert fcviz.BuildProgress is BuildProgress


def test_cancel_from_another_thread_stops_training(optimizer_steps):
    stop, first_epoch = CancelEvent(optimizer_steps), threading.Event()
    canceller = threading.Thread(target=lambda: first_epoch.wait(60) and stop.set())
    canceller.start()
    try:
        with pytest.raises(BuildCancelled, match="cancelled"):
            train_networks("digits", "vanilla", 2, epochs=100_000, seed=0, n_train=300, progress=False, cancel=stop,
                           progress_callback=lambda report: first_epoch.set())
    finally:
        first_epoch.set()
        canceller.join()
    # set at any moment: the batch in flight may finish, no other one starts; the first look after the set raised
    assert optimizer_steps() - stop.steps_at_set <= 1 and stop.checks_after == 1


def test_cancel_already_set_trains_nothing():
    stop = threading.Event()
    stop.set()
    reports = []
    with pytest.raises(BuildCancelled):
        train_networks("digits", "vanilla", 1, epochs=1, seed=0, progress=False, cancel=stop,
                       progress_callback=reports.append)
    assert reports == []
    result = train_networks("digits", "vanilla", 1, epochs=1, seed=0, n_train=60, progress=False,
                            cancel=threading.Event())  # an unset event changes nothing
    assert list(result.epochs_trained) == [1]


@pytest.mark.parametrize(
    "kwargs, match",
    [({"progress_callback": 3}, "progress_callback must be None or a callable"),
     ({"cancel": True}, "cancel must be None or an object with an is_set"),
     ({"cancel": "stop"}, "threading.Event")],
)
def test_invalid_progress_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        train_networks("digits", "vanilla", 1, epochs=1, seed=0, progress=False, **kwargs)


# ------------------------------------------------------------------------------------------------
# Snapshots


def _untrained(regularizer, seed, k, **hyperparameters):
    """Network k of a run with ``seed`` before any update, built the way train_networks builds it."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(network_seeds(seed, k)[0])
        return make_model("digits", regularizer, **hyperparameters)


@pytest.mark.parametrize("regularizer, batched", [("vanilla", True), ("batch_norm", True), ("dropout", True),
                                                  ("batch_norm", False), ("dropout", False)])
def test_snapshots_are_the_weights_at_those_epochs(regularizer, batched):
    kwargs = dict(seed=4, n_train=150, progress=False, batched=batched)
    result = train_networks("digits", regularizer, 3, epochs=3, snapshot_epochs=[3, 0, 1], **kwargs)
    assert sorted(result.snapshots) == [0, 1, 3] and result.settings["snapshot_epochs"] == [0, 1, 3]
    one_epoch = train_networks("digits", regularizer, 3, epochs=1, **kwargs)
    untrained = [_untrained(regularizer, 4, k) for k in range(3)]
    assert_same_weights(result.snapshot_models(0), untrained, atol=0)
    assert_same_weights(result.snapshot_models(1), one_epoch.models, atol=0)
    assert_same_weights(result.snapshot_models(3), result.models, atol=0)
    plain = train_networks("digits", regularizer, 3, epochs=3, **kwargs)
    assert_same_weights(plain.models, result.models, atol=0)  # snapshots do not change the training
    assert plain.snapshots == {}


def test_snapshot_models_are_fresh_copies_in_eval_mode():
    result = train_networks("digits", "batch_norm", 2, epochs=1, n_train=100, progress=False, snapshot_epochs=[0])
    models = result.snapshot_models(0)
    assert all(not m.training for m in models) and models[0] is not result.models[0]
    with torch.no_grad():
        models[0].hidden1.linear.weight.zero_()
    assert result.snapshot_models(0)[0].hidden1.linear.weight.abs().sum() > 0
    assert torch.count_nonzero(result.snapshots[0][0]["hidden1.norm.num_batches_tracked"]) == 0
    for bad in (1, -1, "0", True, 0.0):
        with pytest.raises(ValueError, match=r"epoch must be one of the recorded snapshot epochs \[0\]"):
            result.snapshot_models(bad)
    with pytest.raises(ValueError, match="Train with snapshot_epochs"):
        train_networks("digits", "vanilla", 1, epochs=1, n_train=60, progress=False).snapshot_models(0)


def test_snapshot_after_an_early_exit_keeps_the_final_weights():
    result = train_networks("digits", "vanilla", 4, snapshot_epochs=range(9), **EARLY_EXIT)
    _assert_stops_at_first_epoch_reaching(result, 0.6)
    done = result.epochs_trained
    assert len(set(done.tolist())) > 1 and done.min() < 8, "networks should stop at different epochs here"
    for epoch in range(9):
        snapshot = result.snapshot_models(epoch)
        for k, e in enumerate(done):
            if epoch >= e:  # stopped: its final weights
                assert_same_weights(snapshot[k : k + 1], result.models[k : k + 1], atol=0)
            else:  # still training: the last update came later
                assert not torch.allclose(snapshot[k].output.weight, result.models[k].output.weight,
                                          atol=1e-4), (epoch, k)


@pytest.mark.parametrize(
    "snapshot_epochs, match",
    [
        (3, "snapshot_epochs must be None or a sequence of epochs"),
        ("0,1", "snapshot_epochs must be None or a sequence of epochs"),
        ([], "snapshot_epochs is empty"),
        ([0, 3], r"snapshot_epochs\[1\] must be an integer in \[0, 2\]; got 3\. .*epochs is 2"),
        ([-1], r"snapshot_epochs\[0\] must be an integer in \[0, 2\]; got -1"),
        ([1.0], r"snapshot_epochs\[0\] must be an integer in \[0, 2\]; got 1\.0"),
        ([True], r"snapshot_epochs\[0\] must be an integer"),
        ([1, 0, 1], r"must not repeat an epoch; got \[1, 0, 1\] \(repeated: \[1\]\)"),
    ],
)
def test_invalid_snapshot_epochs(snapshot_epochs, match):
    with pytest.raises(ValueError, match=match):
        train_networks("digits", "vanilla", 1, epochs=2, progress=False, snapshot_epochs=snapshot_epochs)
