"""Tests of fcviz.datasets and fcviz._paths: digits loading, the stimuli split, filters, offline errors."""

import socket
import urllib.error
import urllib.request

import numpy as np
import pytest
import torch

from fcviz import _paths
from fcviz.datasets import (
    DOWNLOAD_TIMEOUT_S,
    DatasetNotAvailableError,
    canonical_dataset_name,
    list_datasets,
    load_stimuli,
)


def test_digits_shapes_dtypes_and_range():
    X, y = load_stimuli("digits")
    assert X.dtype == torch.float32 and y.dtype == torch.int64
    assert X.ndim == 4 and tuple(X.shape[1:]) == (1, 8, 8)
    assert len(X) == len(y) == round(1797 / 6)
    assert float(X.min()) >= 0.0 and float(X.max()) == 1.0
    assert set(y.tolist()) == set(range(10))


def test_digits_matches_sklearn_values():
    from sklearn.datasets import load_digits

    images = load_digits().images / 16.0
    X, _ = load_stimuli("digits", split="train", n=5)
    # every returned image is one of scikit-learn's images, scaled by 1/16
    flat = images.reshape(len(images), -1)
    for img in X.reshape(len(X), -1).numpy():
        assert np.isclose(flat, img, atol=1e-7).all(axis=1).any()


def test_stimuli_and_train_are_disjoint_and_cover_everything():
    from sklearn.datasets import load_digits

    from fcviz.datasets import _split_indices

    _, ys = load_stimuli("digits", split="stimuli")
    _, yt = load_stimuli("digits", split="train")
    target = load_digits().target
    s = _split_indices(target, "stimuli", 0)
    t = _split_indices(target, "train", 0)
    assert len(np.intersect1d(s, t)) == 0
    assert len(s) + len(t) == len(np.union1d(s, t)) == len(target)
    assert np.array_equal(target[s], ys.numpy()) and np.array_equal(target[t], yt.numpy())


def test_stimuli_split_is_stratified_and_deterministic():
    _, y = load_stimuli("digits")
    counts = np.bincount(y.numpy(), minlength=10)
    from sklearn.datasets import load_digits

    full = np.bincount(load_digits().target, minlength=10)
    assert np.all(np.abs(counts - full / 6) <= 1)
    X1, y1 = load_stimuli("digits", seed=3)
    X2, y2 = load_stimuli("digits", seed=3)
    X3, _ = load_stimuli("digits", seed=4)
    assert torch.equal(X1, X2) and torch.equal(y1, y2)
    assert not torch.equal(X1, X3)


def test_class_filter_and_cap():
    X, y = load_stimuli("digits", classes=3)
    assert set(y.tolist()) == {3} and len(X) == len(y) > 20
    X, y = load_stimuli("digits", classes=[1, 7], n=21)
    assert len(y) == 21 and set(y.tolist()) == {1, 7}
    assert abs(int((y == 1).sum()) - int((y == 7).sum())) <= 2  # stratified
    X2, y2 = load_stimuli("digits", classes=[7, 1, 1], n=21)  # order and duplicates do not matter
    assert torch.equal(X, X2) and torch.equal(y, y2)
    # the class filter selects from the same held-out stimuli
    _, y_all = load_stimuli("digits")
    assert int((y_all == 3).sum()) == len(load_stimuli("digits", classes=3)[1])
    # a cap above the size returns everything
    assert len(load_stimuli("digits", classes=3, n=10_000)[1]) == int((y_all == 3).sum())


def test_returned_tensors_are_fresh():
    X1, _ = load_stimuli("digits", n=10)
    X1 += 5
    X2, _ = load_stimuli("digits", n=10)
    assert float(X2.max()) <= 1.0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"dataset": "imagenet"}, "Valid names"),
        ({"dataset": 3}, "name"),
        ({"split": "test"}, "split must be one of"),
        ({"classes": 10}, "0..9"),
        ({"classes": [-1]}, "0..9"),
        ({"classes": []}, "empty"),
        ({"classes": "3"}, "classes"),
        ({"classes": True}, "classes"),
        ({"n": 0}, "positive int"),
        ({"n": 2.5}, "positive int"),
        ({"download": "yes"}, "download"),
        ({"seed": -1}, "seed"),
    ],
)
def test_invalid_arguments(kwargs, match):
    kwargs = {"dataset": "digits", **kwargs}
    with pytest.raises(ValueError, match=match):
        load_stimuli(**kwargs)


def test_canonical_names():
    assert canonical_dataset_name("MNIST") == "mnist"
    assert canonical_dataset_name("fashion_mnist") == "fashion-mnist"
    assert canonical_dataset_name("CIFAR-10") == "cifar10"


def test_list_datasets(tmp_path):
    info = list_datasets(data_dir=tmp_path)
    assert list(info) == ["digits", "mnist", "fashion-mnist", "cifar10"]
    assert info["digits"].available_offline and info["digits"].image_shape == (1, 8, 8)
    assert not info["mnist"].available_offline
    assert info["mnist"].folder == tmp_path / "MNIST" / "raw"
    assert info["cifar10"].image_shape == (3, 32, 32) and info["cifar10"].class_names[0] == "airplane"
    assert all(i.n_classes == 10 == len(i.class_names) for i in info.values())
    # files placed by hand (even gzip-compressed) make a data set available offline
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in info["mnist"].files:
        (raw / (name + ".gz")).write_bytes(b"")
    assert list_datasets(data_dir=tmp_path)["mnist"].available_offline


def _close_network(monkeypatch, error):
    """Make every URL that torchvision opens fail with ``error``, as on a machine without a network;
    return the list of (URL, socket timeout in force) of the attempts."""
    opened = []

    def urlopen(request, *args, **kwargs):
        opened.append((getattr(request, "full_url", request), socket.getdefaulttimeout()))
        raise error

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return opened


@pytest.mark.parametrize("error", [
    urllib.error.URLError(socket.gaierror(-3, "Temporary failure in name resolution")),  # no DNS
    TimeoutError("timed out"),  # an OSError: what the socket timeout raises
], ids=["dns", "timeout"])
def test_offline_download_fails_with_a_helpful_message(tmp_path, monkeypatch, error):
    opened = _close_network(monkeypatch, error)
    before = socket.getdefaulttimeout()
    with pytest.raises(DatasetNotAvailableError) as err:
        load_stimuli("mnist", data_dir=tmp_path)
    assert opened and all("train-images-idx3-ubyte" in url for url, _ in opened)  # the download was tried
    # fails fast: every attempt ran under fcviz's socket timeout, which is restored afterwards
    assert {timeout for _, timeout in opened} == {DOWNLOAD_TIMEOUT_S} and socket.getdefaulttimeout() == before
    msg = str(err.value)
    assert "The download failed" in msg and "is this machine offline?" in msg
    assert str(tmp_path) in msg
    assert "train-images-idx3-ubyte" in msg and "MNIST" in msg
    assert "digits" in msg and "FCVIZ_DATA_DIR" in msg
    assert isinstance(err.value, FileNotFoundError)
    assert not any(p.name.startswith(".fcviz-download") for p in tmp_path.iterdir())


def test_no_download_raises_without_network_access(tmp_path, monkeypatch):
    def forbidden(*args, **kwargs):  # pragma: no cover - must not be called
        raise AssertionError("download attempted")

    monkeypatch.setattr("fcviz.datasets._download", forbidden)
    with pytest.raises(DatasetNotAvailableError, match="cifar-10-batches-py") as err:
        load_stimuli("cifar10", data_dir=tmp_path, download=False)
    assert "download=False" in str(err.value)


def test_data_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FCVIZ_DATA_DIR", str(tmp_path / "env"))
    with pytest.raises(DatasetNotAvailableError, match="env"):
        load_stimuli("fashion-mnist", download=False)
    assert _paths.data_dir() == tmp_path / "env"
    assert _paths.data_dir(tmp_path / "arg") == tmp_path / "arg"


def test_paths_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv("FCVIZ_DATA_DIR", raising=False)
    monkeypatch.delenv("FCVIZ_CACHE_DIR", raising=False)
    assert _paths.data_dir().parent == _paths.cache_dir()
    assert _paths.data_dir().name == "data"
    monkeypatch.setenv("FCVIZ_CACHE_DIR", str(tmp_path))
    assert _paths.cache_dir() == tmp_path
    assert _paths.cache_dir("~/x").is_absolute()
