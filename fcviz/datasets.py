"""Data set names → image and label tensors, with a stratified held-out stimulus split.

Four data sets are known:

* ``"digits"``: scikit-learn's embedded 8×8 handwritten digits (1,797 images). Always available
  offline; the default for tests, teaching and anything without a network.
* ``"mnist"``, ``"fashion-mnist"``, ``"cifar10"``: read with torchvision's data set classes from a data
  folder (the ``data_dir`` argument, else ``$FCVIZ_DATA_DIR``, else a per-user cache folder) in
  torchvision's own layout (``MNIST/raw/``, ``FashionMNIST/raw/``, ``cifar-10-batches-py/``).
  Missing files are downloaded when allowed; without a network the download fails within seconds and
  :class:`DatasetNotAvailableError` says where fcviz looked, which files it needs and how to place them
  by hand.

Only the training part of each data set is used. It is split once, deterministically for a given
``seed``, into a stratified held-out sixth (``split="stimuli"``: the images shown to trained networks to
record their activations, never trained on) and the other five sixths (``split="train"``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._paths import DATA_DIR_ENV
from ._paths import data_dir as resolve_data_dir
from ._validation import check_bool, check_int, check_option, is_tensor
from .registry import DATASETS, DatasetSpec, canonical_dataset_name, stratified_indices

__all__ = [
    "DatasetInfo",
    "DatasetNotAvailableError",
    "list_datasets",
    "load_stimuli",
    "canonical_dataset_name",
    "dataset_info",
    "SPLITS",
    "DOWNLOAD_TIMEOUT_S",
]

#: Valid values of ``split`` in :func:`load_stimuli`.
SPLITS = ("train", "stimuli")

#: Socket timeout (seconds) around download attempts, so that a machine without a network fails fast
#: instead of hanging.
DOWNLOAD_TIMEOUT_S = 5.0

@dataclass(frozen=True)
class DatasetInfo:
    """What fcviz knows about one data set.

    Attributes
    ----------
    name : str
        Canonical name, as accepted by :func:`load_stimuli`.
    class_names : tuple of str
        Human-readable name of each class; class ``k`` is ``class_names[k]``.
    image_shape : tuple of int
        ``(C, H, W)`` of one image as returned by :func:`load_stimuli`.
    n_classes : int
        Number of classes.
    n_images : int
        Size of the full training set (before the train/stimuli split).
    available_offline : bool
        True if the data can be loaded without a network right now (embedded, or files present in
        ``folder``).
    folder : pathlib.Path or None
        Where the files are expected (``None`` for embedded data).
    files : tuple of str
        File names expected inside ``folder``.
    """

    name: str
    class_names: tuple[str, ...]
    image_shape: tuple[int, int, int]
    n_classes: int
    n_images: int
    available_offline: bool
    folder: Path | None = None
    files: tuple[str, ...] = ()


class DatasetNotAvailableError(FileNotFoundError):
    """A data set's files are missing and could not be downloaded.

    The message names the folder searched, the files expected, how to place them by hand and that
    ``"digits"`` works offline. A subclass of :class:`FileNotFoundError` (and so of :class:`OSError`).
    """


def _expected_paths(spec: DatasetSpec, root: Path) -> list[Path]:
    return [root / spec.subfolder / f for f in spec.files]


def _files_present(spec: DatasetSpec, root: Path) -> bool:
    if spec.torchvision_class is None:
        return True
    for path in _expected_paths(spec, root):
        if not (path.is_file() or (spec.gz_files and path.with_name(path.name + ".gz").is_file())):
            return False
    return True


def dataset_info(dataset: str, *, data_dir: str | os.PathLike | None = None) -> DatasetInfo:
    """Information about one data set; see :class:`DatasetInfo`.

    Parameters
    ----------
    dataset : str
        Data set name (see :func:`list_datasets`).
    data_dir : str or path-like, optional
        Data folder to check for local files (default: ``$FCVIZ_DATA_DIR`` or the user cache).

    Returns
    -------
    DatasetInfo
    """
    spec = DATASETS[canonical_dataset_name(dataset)]
    if spec.torchvision_class is None:
        return DatasetInfo(spec.name, spec.class_names, spec.image_shape, len(spec.class_names),
                           spec.n_images, True)
    root = resolve_data_dir(data_dir)
    return DatasetInfo(
        spec.name,
        spec.class_names,
        spec.image_shape,
        len(spec.class_names),
        spec.n_images,
        _files_present(spec, root),
        root / spec.subfolder,
        spec.files,
    )


def list_datasets(*, data_dir: str | os.PathLike | None = None) -> dict[str, DatasetInfo]:
    """All known data sets and whether each can be loaded offline now.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Data folder to check for local files (default: ``$FCVIZ_DATA_DIR`` or the user cache).

    Returns
    -------
    dict of str to DatasetInfo
        Keyed by canonical name, in the order ``digits, mnist, fashion-mnist, cifar10``.

    Examples
    --------
    >>> info = list_datasets()["digits"]
    >>> info.image_shape, info.n_classes, info.available_offline
    ((1, 8, 8), 10, True)
    """
    return {name: dataset_info(name, data_dir=data_dir) for name in DATASETS}


# ----------------------------------------------------------------------------------------------------
# Loading the full training set as (uint8 or float images, int labels) numpy arrays


def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images / 16.0).astype(np.float32)[:, None, :, :]  # (N, 1, 8, 8), values in [0, 1]
    return images, bunch.target.astype(np.int64)


def _not_available(spec: DatasetSpec, root: Path, cause: str) -> DatasetNotAvailableError:
    folder = root / spec.subfolder
    listed = "\n".join(f"  {p}" + (" (or .gz)" if spec.gz_files else "") for p in _expected_paths(spec, root))
    if spec.gz_files:
        where = f"the four files (uncompressed, or as downloaded with .gz) into {folder}"
    else:
        where = (f"the extracted folder {spec.subfolder}/ (from cifar-10-python.tar.gz at "
                 f"https://www.cs.toronto.edu/~kriz/cifar.html) into {root}")
    return DatasetNotAvailableError(
        f"Dataset {spec.name!r} is not available: {cause}\n"
        f"fcviz searched the data folder {root} (set by data_dir=, else ${DATA_DIR_ENV}, else the user "
        f"cache folder) and expected these files:\n{listed}\n"
        "To install it by hand, on a machine with a network run\n"
        f"  python -c \"import torchvision; torchvision.datasets.{spec.torchvision_class}('DIR', download=True)\"\n"
        f"then copy {where}; or pass data_dir= / set {DATA_DIR_ENV} to a folder that already has them.\n"
        "The embedded dataset 'digits' works offline: load_stimuli('digits')."
    )


def _extract_local_archives(spec: DatasetSpec, root: Path) -> None:
    """Decompress ``*.gz`` files placed by hand next to missing raw MNIST-family files (no network)."""
    if not spec.gz_files:
        return
    from torchvision.datasets.utils import extract_archive

    for path in _expected_paths(spec, root):
        archive = path.with_name(path.name + ".gz")
        if not path.is_file() and archive.is_file():
            extract_archive(str(archive), str(path.parent))


@contextlib.contextmanager
def _socket_timeout(seconds: float):
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(old)


def _download(spec: DatasetSpec, root: Path) -> None:
    """Download into a temporary folder inside ``root`` and move the finished files into place."""
    import torchvision.datasets as tvd

    root.mkdir(parents=True, exist_ok=True)
    top = Path(spec.subfolder).parts[0]  # "MNIST", "FashionMNIST" or "cifar-10-batches-py"
    tmp = Path(tempfile.mkdtemp(prefix=".fcviz-download-", dir=root))
    try:
        with _socket_timeout(DOWNLOAD_TIMEOUT_S):
            getattr(tvd, spec.torchvision_class)(str(tmp), train=True, download=True)
        # Move file by file so that files a user already placed in the target folder survive.
        for src in (tmp / top).rglob("*"):
            if src.is_file():
                dst = root / top / src.relative_to(tmp / top)
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _load_torchvision(spec: DatasetSpec, root: Path, download: bool | None) -> tuple[np.ndarray, np.ndarray]:
    import torchvision.datasets as tvd

    cls = getattr(tvd, spec.torchvision_class)
    _extract_local_archives(spec, root)
    problem = None
    if _files_present(spec, root):
        try:
            ds = cls(str(root), train=True, download=False)
        except RuntimeError as exc:  # torchvision: "Dataset not found or corrupted"
            problem = f"the files in {root / spec.subfolder} could not be read ({exc})."
        else:
            return _to_arrays(spec, ds)
    else:
        problem = "its files are missing."
    if download is False:
        raise _not_available(spec, root, problem + " Downloading is disabled (download=False).")
    try:
        _download(spec, root)
        ds = cls(str(root), train=True, download=False)
    except Exception as exc:  # URLError, socket timeouts, torchvision's RuntimeError, disk errors
        reason = " ".join(str(exc).split()) or "no message"
        reason = reason if len(reason) <= 300 else reason[:297] + "..."
        raise _not_available(
            spec, root, f"{problem} The download failed ({type(exc).__name__}: {reason}); "
            "is this machine offline?"
        ) from exc
    return _to_arrays(spec, ds)


def _to_arrays(spec: DatasetSpec, ds) -> tuple[np.ndarray, np.ndarray]:
    """Images as uint8 ``(N, C, H, W)`` and labels as int64 ``(N,)`` from a torchvision data set."""
    data = np.asarray(ds.data)  # MNIST: tensor (N, 28, 28); CIFAR: ndarray (N, 32, 32, 3)
    if data.ndim == 3:
        data = data[:, None, :, :]
    else:
        data = data.transpose(0, 3, 1, 2)
    labels = np.asarray(ds.targets, dtype=np.int64)
    return data, labels


# ----------------------------------------------------------------------------------------------------
# Splitting and selecting


def _split_indices(labels: np.ndarray, split: str, seed: int) -> np.ndarray:
    """Indices of the ``"train"`` five sixths or the held-out ``"stimuli"`` sixth, stratified."""
    n_stimuli = int(round(len(labels) / 6))
    stimuli = stratified_indices(labels, n_stimuli, np.random.default_rng([seed, 0]))
    if split == "stimuli":
        return stimuli
    mask = np.ones(len(labels), dtype=bool)
    mask[stimuli] = False
    return np.flatnonzero(mask)


def _check_classes(classes, n_classes: int) -> np.ndarray | None:
    if classes is None:
        return None
    valid = f"integers in 0..{n_classes - 1}"
    if isinstance(classes, (bool, np.bool_)):
        raise ValueError(f"classes must be an int or a list of {valid}; got {classes!r}.")
    if isinstance(classes, (int, np.integer)):
        classes = [classes]
    if is_tensor(classes):
        classes = classes.tolist()
    if not isinstance(classes, (Sequence, np.ndarray)) or isinstance(classes, str):
        raise ValueError(f"classes must be an int or a list of {valid}; got {classes!r}.")
    out = []
    for c in classes:
        if isinstance(c, (bool, np.bool_)) or not isinstance(c, (int, np.integer)) or not 0 <= c < n_classes:
            raise ValueError(f"classes must be {valid} for this dataset; got {c!r} in {classes!r}.")
        out.append(int(c))
    if not out:
        raise ValueError(f"classes is empty; pass None for all classes or a list of {valid}.")
    return np.unique(out)


def load_stimuli(
    dataset: str = "digits",
    *,
    split: str = "stimuli",
    classes: int | Sequence[int] | None = None,
    n: int | None = None,
    data_dir: str | os.PathLike | None = None,
    download: bool | None = None,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Images and labels of a data set, as tensors.

    Parameters
    ----------
    dataset : str, default="digits"
        ``"digits"`` (embedded, offline), ``"mnist"``, ``"fashion-mnist"`` or ``"cifar10"``.
    split : {"stimuli", "train"}, default="stimuli"
        ``"stimuli"``: a stratified held-out sixth of the training set, never trained on (the images
        whose activations form connectomes). ``"train"``: the other five sixths, used for training.
        The split is deterministic for a given ``seed`` and independent of ``classes`` and ``n``.
    classes : int or sequence of int, optional
        Keep only these classes (e.g. one class per connectome in the stimulus study).
    n : int, optional
        Cap on the number of images: a stratified, deterministic subsample when the selection is
        larger; everything when it is not.
    data_dir : str or path-like, optional
        Folder of the torchvision data sets (default: ``$FCVIZ_DATA_DIR``, else the user cache folder).
        Ignored by ``"digits"``.
    download : bool, optional
        ``None`` (default): use local files, download only if they are missing. ``True``: same, and
        say so explicitly. ``False``: never download; raise if the files are missing.
    seed : int, default=0
        Seed of the train/stimuli split and of the ``n`` subsample.

    Returns
    -------
    X : torch.Tensor of shape (N, C, H, W), float32
        Images scaled to [0, 1] (digits: pixel values / 16; others: / 255). A new tensor.
    y : torch.Tensor of shape (N,), int64
        Class labels in ``0 .. n_classes - 1``, in the same order as ``X``.

    Raises
    ------
    ValueError
        For an unknown dataset or split, invalid ``classes`` or ``n``.
    DatasetNotAvailableError
        When files are missing and cannot be downloaded (for example offline). The message lists the
        folder searched, the files expected and how to place them by hand.

    Examples
    --------
    >>> X, y = load_stimuli("digits", classes=[3], n=20)
    >>> tuple(X.shape), sorted(set(y.tolist()))
    ((20, 1, 8, 8), [3])
    """
    name = canonical_dataset_name(dataset)
    spec = DATASETS[name]
    check_option(split, "split", SPLITS)
    wanted = _check_classes(classes, len(spec.class_names))
    cap = check_int(n, "n", minimum=1, allow_none=True, hint="It caps the number of images.")
    if download is not None:
        check_bool(download, "download")
    seed = check_int(seed, "seed", minimum=0)

    if spec.torchvision_class is None:
        images, labels = _load_digits()
    else:
        images, labels = _load_torchvision(spec, resolve_data_dir(data_dir), download)

    idx = _split_indices(labels, split, int(seed))
    if wanted is not None:
        idx = idx[np.isin(labels[idx], wanted)]
    if cap is not None and cap < len(idx):
        keep = stratified_indices(labels[idx], cap, np.random.default_rng([int(seed), 1]))
        idx = idx[keep]

    import torch  # the stimuli are tensors: only training and recording load them

    X = torch.from_numpy(np.ascontiguousarray(images[idx]))
    X = X.to(torch.float32) / 255.0 if X.dtype == torch.uint8 else X.to(torch.float32)
    return X, torch.from_numpy(labels[idx].copy())
