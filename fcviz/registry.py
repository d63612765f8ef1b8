"""The names every stage of fcviz shares: data sets, training strategies, clustering methods.

One torch-free home for them, so that the data loader, the model factory, the zoo, the studies, the
command line and the widgets all read the same lists (and a new data set or method is added once).

* :data:`DATASETS` — name → :class:`DatasetSpec` (classes, image shape, torchvision source);
  :func:`canonical_dataset_name` normalises user spellings.
* :data:`REGULARIZERS` — the four training strategies of the paper, in display order;
  :data:`REGULARIZER_PARAMS` — the hyperparameters each strategy owns.
* :data:`METHODS` — every clustering method a study can run, in table order;
  :data:`BASELINE_METHODS` — those that need the optional ``fcviz[baselines]`` extra;
  :data:`NETWORK_METHODS` — those that need the networks themselves (activations, weights).
* :func:`stratified_indices` — the one stratified sampler (stimulus split, subsamples).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "DatasetSpec",
    "DATASETS",
    "DATASET_ALIASES",
    "canonical_dataset_name",
    "REGULARIZERS",
    "REGULARIZER_PARAMS",
    "METHODS",
    "BASELINE_METHODS",
    "NETWORK_METHODS",
    "stratified_indices",
]


@dataclass(frozen=True)
class DatasetSpec:
    """What fcviz needs to know to load one data set.

    Attributes
    ----------
    name : str
        Canonical name.
    class_names : tuple of str
        Human-readable name of each class.
    image_shape : tuple of int
        ``(C, H, W)`` of one image.
    n_images : int
        Size of the full training set.
    torchvision_class : str or None
        Attribute of ``torchvision.datasets`` that reads it (None: embedded).
    subfolder : str or None
        Where torchvision keeps its files, relative to the data folder.
    files : tuple of str
        File names expected inside ``subfolder``.
    gz_files : bool
        The files may also be placed gzip-compressed (MNIST family).
    """

    name: str
    class_names: tuple[str, ...]
    image_shape: tuple[int, int, int]
    n_images: int
    torchvision_class: str | None = None
    subfolder: str | None = None
    files: tuple[str, ...] = ()
    gz_files: bool = False

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return len(self.class_names)


_DIGIT_NAMES = tuple(str(i) for i in range(10))
_MNIST_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
_CIFAR_FILES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch", "batches.meta")

#: Every data set fcviz knows, by canonical name, in display order.
DATASETS: dict[str, DatasetSpec] = {
    "digits": DatasetSpec("digits", _DIGIT_NAMES, (1, 8, 8), 1797),
    "mnist": DatasetSpec("mnist", _DIGIT_NAMES, (1, 28, 28), 60000, "MNIST", "MNIST/raw", _MNIST_FILES, True),
    "fashion-mnist": DatasetSpec(
        "fashion-mnist",
        (
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
        ),
        (1, 28, 28),
        60000,
        "FashionMNIST",
        "FashionMNIST/raw",
        _MNIST_FILES,
        True,
    ),
    "cifar10": DatasetSpec(
        "cifar10",
        ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
        (3, 32, 32),
        50000,
        "CIFAR10",
        "cifar-10-batches-py",
        _CIFAR_FILES,
        False,
    ),
}

#: Other spellings accepted for the data set names (after lower-casing).
DATASET_ALIASES = {"fashion_mnist": "fashion-mnist", "fashionmnist": "fashion-mnist", "cifar-10": "cifar10",
                   "cifar_10": "cifar10"}

#: The four training strategies of the paper, in display order.
REGULARIZERS = ("vanilla", "batch_norm", "l2", "dropout")

#: Hyperparameters each strategy owns (besides the architecture's ``hidden``, ``negative_slope`` and,
#: for cifar10, ``channels``).
REGULARIZER_PARAMS = {"vanilla": (), "batch_norm": (), "l2": ("weight_decay",), "dropout": ("p",)}

#: Persistence-diagram baselines (optional extra ``fcviz[baselines]``).
BASELINE_METHODS = ("BD", "WD", "SWK", "HK", "PI")

#: Methods that compare the networks themselves rather than their connectomes (Study 1 only): linear CKA
#: of the hidden activations and the neural persistence of the weights (:mod:`fcviz.similarity`).
NETWORK_METHODS = ("CKA", "NP")

#: Every clustering method of the studies, in table order: Top clustering, k-means on edge weights,
#: the baselines, then the network methods.
METHODS = ("Top", "Adj", *BASELINE_METHODS, *NETWORK_METHODS)


def canonical_dataset_name(dataset: str) -> str:
    """Normalise a data set name (case, ``_`` versus ``-``, common aliases).

    Parameters
    ----------
    dataset : str
        A name such as ``"MNIST"``, ``"fashion_mnist"`` or ``"CIFAR-10"``.

    Returns
    -------
    str
        One of ``"digits"``, ``"mnist"``, ``"fashion-mnist"``, ``"cifar10"``.

    Raises
    ------
    ValueError
        If the name is unknown; the message lists the valid names.

    Examples
    --------
    >>> canonical_dataset_name("Fashion_MNIST")
    'fashion-mnist'
    """
    if not isinstance(dataset, str):
        raise ValueError(
            f"The dataset must be a name (str), one of {list(DATASETS)}; got {type(dataset).__name__}."
        )
    key = dataset.strip().lower()
    key = DATASET_ALIASES.get(key, key)
    if key not in DATASETS:
        raise ValueError(
            f"Unknown dataset {dataset!r}. Valid names: {list(DATASETS)} ('digits' is embedded and "
            "works offline)."
        )
    return key


def stratified_indices(labels, n, rng) -> np.ndarray:
    """``n`` indices into ``labels`` keeping the class proportions (largest remainder), sorted.

    Parameters
    ----------
    labels : array-like of shape (N,)
        Class (or group) of every item.
    n : int
        Number of indices wanted, ``0 <= n <= N``.
    rng : numpy.random.Generator
        Source of the random choice inside each class.

    Returns
    -------
    ndarray of shape (n,), int64
        Sorted positions; class ``c`` gets ``n * N_c / N`` of them, rounded by largest remainder.

    Examples
    --------
    >>> labels = np.repeat([0, 1], [6, 3])
    >>> idx = stratified_indices(labels, 3, np.random.default_rng(0))
    >>> np.bincount(labels[idx]).tolist()
    [2, 1]
    """
    labels = np.asarray(labels)
    if not 0 <= n <= len(labels):
        raise ValueError(f"n must be an integer in [0, {len(labels)}] (the number of items); got {n!r}.")
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * (n / counts.sum()) if len(counts) else counts
    quota = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - quota), kind="stable")
    quota[order[: n - int(quota.sum())]] += 1
    chosen = [
        rng.choice(np.flatnonzero(labels == c), size=int(q), replace=False)
        for c, q in zip(classes, quota)
    ]
    return np.sort(np.concatenate(chosen)).astype(np.int64) if chosen else np.zeros(0, np.int64)
