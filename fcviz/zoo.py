"""Build and cache connectome datasets over regularizer x stimulus class x network.

:func:`connectome_zoo` trains networks with each training strategy, computes their functional
connectomes over held-out stimuli (all classes, or one class at a time for Study 2) and returns a
:class:`ConnectomeZoo`. Results are cached on disk as ``.npz`` files (no pickle; metadata as JSON text)
under a key that hashes every setting; writes are atomic and a corrupt entry is logged and rebuilt.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import logging
import numbers
import os
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["ConnectomeZoo", "connectome_zoo", "zoo_cache_key", "PRESETS", "REGULARIZERS", "FORMAT_VERSION"]

logger = logging.getLogger(__name__)

#: Version of the cache file layout; bump it to invalidate every cached zoo.
FORMAT_VERSION = 1

#: The four training strategies of Study 1, in display order.
REGULARIZERS = ("vanilla", "batch_norm", "l2", "dropout")

#: Preset settings. ``n_stimuli=None`` means every stimulus of the held-out sixth (per class in Study 2);
#: ``n_train=None`` the whole training split.
PRESETS: dict[str, dict[str, Any]] = {
    "classroom": {"n_networks": 8, "epochs": 15, "n_stimuli": None, "n_train": None},
    "paper": {"n_networks": 20, "epochs": 20, "n_stimuli": None, "n_train": None},
}
# The classroom preset caps work on the large datasets so that it stays a classroom-sized job.
_CLASSROOM_LARGE = {"n_stimuli": 500, "n_train": 5000}

# Overrides understood by the zoo itself; any other keyword goes to the model as a hyperparameter.
_TRAINING_KEYS = ("batch_size", "lr", "momentum", "device")
_PAIRINGS = ("fresh", "shared")
_NO_CLASS = -1  # how "all classes" (None) is stored in the cache file
_COLUMNS = ("regularizer", "stimulus_class", "network_seed", "network")


@dataclass(frozen=True, eq=False, repr=False)
class ConnectomeZoo:
    """Connectomes of many networks with their labels.

    Attributes
    ----------
    graphs : ndarray of shape (n_graphs, n_nodes, n_nodes), float64, read-only
        One functional connectome per row.
    labels : list of dict
        Per row: ``regularizer`` (str), ``stimulus_class`` (int, or None for all classes),
        ``network_seed`` (int, the seed of its initial weights), ``network`` (its index among the
        networks of its regularizer; with ``pairing="fresh"`` every class has new indices) and
        ``train_accuracy`` (float: accuracy over its last training epoch).
        ``pandas.DataFrame(zoo.labels)`` makes a table.
    metadata : dict
        ``settings`` (every setting, as hashed in the cache key), ``key``, ``timings`` (seconds),
        ``train_accuracy`` and ``n_dead`` per row, ``layer_names``, ``layer_sizes``, versions.
    cache_path : str or None
        The cache file this zoo was read from or written to.
    from_cache : bool
        True when the zoo was read from the cache.
    """

    graphs: np.ndarray
    labels: list
    metadata: dict
    cache_path: str | None = None
    from_cache: bool = False

    def __post_init__(self):
        graphs = np.asarray(self.graphs)
        if graphs.ndim != 3 or graphs.shape[1] != graphs.shape[2]:
            raise ValueError(f"graphs must have shape (n_graphs, n, n); got {graphs.shape}.")
        if len(self.labels) != graphs.shape[0]:
            raise ValueError(f"Got {len(self.labels)} label rows for {graphs.shape[0]} graphs.")
        if graphs.flags.writeable:
            graphs = graphs.copy()
            graphs.setflags(write=False)
        object.__setattr__(self, "graphs", graphs)

    def __len__(self) -> int:
        return self.graphs.shape[0]

    @property
    def n_nodes(self) -> int:
        """Number of nodes (hidden neurons) per graph."""
        return self.graphs.shape[1]

    def label_column(self, name: str) -> np.ndarray:
        """One label for every row, as an array (object dtype for ``stimulus_class``, which may be None)."""
        if not self.labels or name not in self.labels[0]:
            known = list(self.labels[0]) if self.labels else list(_COLUMNS)
            raise ValueError(f"Unknown label column {name!r}; expected one of {known}.")
        values = [row[name] for row in self.labels]
        return np.array(values, dtype=object if name == "stimulus_class" else None)

    def group_labels(self, by="regularizer") -> tuple[np.ndarray, list]:
        """Integer group codes, e.g. the true classes for clustering.

        Parameters
        ----------
        by : str or tuple of str, default="regularizer"
            A label column (``"regularizer"``, ``"stimulus_class"``, ``"network_seed"``, ``"network"``)
            or a tuple of them to group by their combination.

        Returns
        -------
        codes : ndarray of shape (n_graphs,), int64
            Group index of every row, numbered in order of first appearance.
        names : list
            The group values (tuples when ``by`` is a tuple); ``names[codes[i]]`` labels row i.
        """
        columns = (by,) if isinstance(by, str) else tuple(by) if isinstance(by, (tuple, list)) else ()
        if not columns or any(not isinstance(c, str) or c not in _COLUMNS for c in columns):
            raise ValueError(f"by must be one of {list(_COLUMNS)} or a tuple of them; got {by!r}.")
        index: dict = {}
        codes = np.empty(len(self), dtype=np.int64)
        for i, row in enumerate(self.labels):
            value = tuple(row[c] for c in columns) if len(columns) > 1 else row[columns[0]]
            codes[i] = index.setdefault(value, len(index))
        return codes, list(index)

    def select(self, **criteria) -> ConnectomeZoo:
        """The rows whose labels equal every given value, e.g. ``zoo.select(regularizer="l2")``."""
        for name in criteria:
            if name not in _COLUMNS:
                raise ValueError(f"Cannot select by {name!r}; expected one of {list(_COLUMNS)}.")
        keep = [i for i, row in enumerate(self.labels) if all(row[k] == v for k, v in criteria.items())]
        if not keep:
            raise ValueError(f"No row matches {criteria}.")
        meta = dict(self.metadata)
        for per_row in ("train_accuracy", "n_dead"):
            if per_row in meta:
                meta[per_row] = [meta[per_row][i] for i in keep]
        return ConnectomeZoo(
            self.graphs[keep], [dict(self.labels[i]) for i in keep], meta, self.cache_path, self.from_cache
        )

    def __repr__(self) -> str:
        settings = self.metadata.get("settings", {})
        regs = sorted({row["regularizer"] for row in self.labels})
        return (
            f"ConnectomeZoo(n_graphs={len(self)}, n_nodes={self.n_nodes}, dataset={settings.get('dataset')!r}, "
            f"regularizers={regs}, from_cache={self.from_cache})"
        )


# --------------------------------------------------------------------------------------------------
# Argument validation and the cache key


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _positive_int(name, value, *, allow_none=False, minimum=1):
    if value is None and allow_none:
        return None
    if not _is_int(value) or value < minimum:
        extra = " or None" if allow_none else ""
        raise ValueError(f"{name} must be an integer >= {minimum}{extra}; got {value!r}.")
    return int(value)


def _check_regularizers(regularizers) -> tuple[str, ...]:
    if isinstance(regularizers, str):
        regs = REGULARIZERS if regularizers == "all" else (regularizers,)
    else:
        try:
            regs = tuple(regularizers)
        except TypeError:
            raise ValueError(
                f"regularizers must be 'all', a name or a list of names from {list(REGULARIZERS)}; "
                f"got {regularizers!r}."
            ) from None
    if not regs:
        raise ValueError(f"regularizers is empty; pick from {list(REGULARIZERS)} or pass 'all'.")
    unknown = [r for r in regs if r not in REGULARIZERS]
    if unknown:
        raise ValueError(f"Unknown regularizer(s) {unknown}; expected names from {list(REGULARIZERS)} or 'all'.")
    if len(set(regs)) != len(regs):
        raise ValueError(f"regularizers contains duplicates: {list(regs)}.")
    return regs


def _check_classes(classes):
    """None (one stimulus set of all classes), "all", or a tuple of distinct non-negative ints."""
    if classes is None or (isinstance(classes, str) and classes == "all"):
        return classes
    if _is_int(classes):
        classes = (classes,)
    try:
        values = tuple(classes)
    except TypeError:
        values = None
    if values is None or isinstance(classes, str):
        raise ValueError(
            f"classes must be None (all classes together), 'all' (each class separately), an int or a list of "
            f"ints; got {classes!r}."
        )
    if not values:
        raise ValueError("classes is empty; pass None for all classes together or a list of class labels.")
    bad = [c for c in values if not _is_int(c) or c < 0]
    if bad:
        raise ValueError(f"Class labels must be non-negative integers; got {bad}.")
    if len(set(values)) != len(values):
        raise ValueError(f"classes contains duplicates: {list(values)}.")
    return tuple(int(c) for c in values)


def _jsonable(name, value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if _is_int(value):
        return int(value)
    if isinstance(value, numbers.Real):
        if not np.isfinite(value):
            raise ValueError(f"{name} must be finite; got {value!r}.")
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(name, v) for v in value]
    import torch

    if isinstance(value, torch.device):
        return str(value)
    raise ValueError(
        f"{name}={value!r} cannot be part of the cache key; pass a number, a string, a bool, None or a list of them."
    )


def _route_hyperparameters(dataset: str, regs: tuple[str, ...], hyper: dict) -> dict[str, dict]:
    """Model hyperparameters per regularizer: a strategy's own ones (``weight_decay``, ``p``) go only to it."""
    from .models import _REGULARIZER_PARAMS, make_model

    owned = {k: [r for r, params in _REGULARIZER_PARAMS.items() if k in params] for k in hyper}
    for k, owners in owned.items():
        if owners and not set(owners) & set(regs):
            raise ValueError(
                f"The override {k}= applies only to the {owners} strategy, which is not among the selected "
                f"regularizers {list(regs)}."
            )
    routed = {reg: {k: v for k, v in hyper.items() if not owned[k] or reg in owned[k]} for reg in regs}
    for reg in regs:  # unknown or invalid hyperparameters fail now, before any training
        make_model(dataset, reg, **routed[reg])
    return routed


def _resolve_settings(dataset, regularizers, classes, n_networks, preset, seed, pairing, overrides) -> dict:
    """Validate every argument and return the settings dict that the cache key hashes."""
    from .datasets import canonical_dataset_name, dataset_info

    dataset = canonical_dataset_name(dataset)
    if not isinstance(preset, str) or preset not in PRESETS:
        raise ValueError(f"Unknown preset {preset!r}; expected one of {list(PRESETS)}.")
    if not isinstance(pairing, str) or pairing not in _PAIRINGS:
        raise ValueError(
            f"pairing must be 'fresh' (a new set of networks per stimulus class, as in the paper) or 'shared' "
            f"(one set reused across classes); got {pairing!r}."
        )
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}.")
    regs = _check_regularizers(regularizers)
    n_classes = dataset_info(dataset).n_classes
    if classes == "all":
        classes = tuple(range(n_classes))
    elif classes is not None and max(classes) >= n_classes:
        raise ValueError(f"classes must be labels in 0 .. {n_classes - 1} for {dataset!r}; got {list(classes)}.")

    values = dict(PRESETS[preset])
    if preset == "classroom" and dataset != "digits":
        values.update(_CLASSROOM_LARGE)
    if n_networks is not None:
        values["n_networks"] = n_networks
    for key in ("epochs", "n_train", "n_stimuli"):
        if key in overrides:
            values[key] = overrides.pop(key)
    values["n_networks"] = _positive_int("n_networks", values["n_networks"])
    values["epochs"] = _positive_int("epochs", values["epochs"])
    values["n_train"] = _positive_int("n_train", values["n_train"], allow_none=True)
    values["n_stimuli"] = _positive_int("n_stimuli", values["n_stimuli"], allow_none=True, minimum=2)
    training = {k: overrides.pop(k) for k in list(overrides) if k in _TRAINING_KEYS}
    if "batch_size" in training:
        training["batch_size"] = _positive_int("batch_size", training["batch_size"])
    for key in ("lr", "momentum"):
        if key in training:
            v = training[key]
            ok = isinstance(v, numbers.Real) and not isinstance(v, bool) and np.isfinite(v)
            if not ok or v < 0 or (key == "lr" and v == 0) or (key == "momentum" and v >= 1):
                expected = "a positive number" if key == "lr" else "a number in [0, 1)"
                raise ValueError(f"{key} must be {expected}; got {v!r}.")
            training[key] = float(v)
    hyper = {k: _jsonable(k, v) for k, v in sorted(overrides.items())}
    routed = _route_hyperparameters(dataset, regs, hyper)
    from . import __version__

    return {
        "format_version": FORMAT_VERSION,
        "fcviz_version": __version__,  # new code may train differently: never reuse an older build
        "dataset": dataset,
        "regularizers": list(regs),
        "classes": None if classes is None else list(classes),
        "preset": preset,
        **values,
        "seed": int(seed),
        "pairing": pairing,
        "training": {k: _jsonable(k, v) for k, v in sorted(training.items())},
        "hyperparameters": routed,
    }


def zoo_cache_key(settings: dict) -> str:
    """SHA-256 hex digest of a settings dict (canonical JSON), as used to name cache entries."""
    text = json.dumps(settings, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------------------------------
# Cache files


class _CorruptEntry(Exception):
    """A cache file that cannot be trusted."""


def _checksum(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


def _to_arrays(zoo: ConnectomeZoo, key: str) -> dict[str, np.ndarray]:
    labels = zoo.labels
    arrays = {
        "graphs": np.ascontiguousarray(zoo.graphs, dtype=np.float64),
        "regularizer": np.array([row["regularizer"] for row in labels], dtype=str),
        "stimulus_class": np.array(
            [_NO_CLASS if row["stimulus_class"] is None else row["stimulus_class"] for row in labels], dtype=np.int64
        ),
        "network_seed": np.array([row["network_seed"] for row in labels], dtype=np.int64),
        "network": np.array([row["network"] for row in labels], dtype=np.int64),
        "metadata": np.array(json.dumps(zoo.metadata, sort_keys=True)),
        "key": np.array(key),
    }
    arrays["checksum"] = np.array(_checksum(arrays))
    return arrays


def _write_atomic(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write an ``.npz`` to a temporary file in the same folder, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _read_entry(path: Path, key: str, n_graphs: int) -> ConnectomeZoo:
    """Read and verify a cache file; raise :class:`_CorruptEntry` saying what is wrong."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in ("graphs", *_COLUMNS, "metadata", "key", "checksum") if k not in npz.files]
            if missing:
                raise _CorruptEntry(f"missing arrays {missing}")
            arrays = {k: npz[k] for k in npz.files}
    except _CorruptEntry:
        raise
    except Exception as exc:  # truncated zip, bad CRC, bad header ...: any unreadable file is rebuilt
        raise _CorruptEntry(f"unreadable ({type(exc).__name__}: {exc})") from None
    checksum = str(arrays.pop("checksum"))
    if _checksum(arrays) != checksum:
        raise _CorruptEntry("checksum mismatch")
    if str(arrays["key"]) != key:
        raise _CorruptEntry("key mismatch")
    graphs = arrays["graphs"]
    N = graphs.shape[0] if graphs.ndim == 3 else -1
    if graphs.ndim != 3 or graphs.shape[1] != graphs.shape[2] or graphs.dtype != np.float64:
        raise _CorruptEntry(f"graphs have shape {graphs.shape} and dtype {graphs.dtype}")
    if N != n_graphs or any(arrays[c].shape != (N,) for c in _COLUMNS):
        raise _CorruptEntry(f"expected {n_graphs} graphs and labels; found {N} graphs")
    try:
        metadata = json.loads(str(arrays["metadata"]))
    except ValueError as exc:
        raise _CorruptEntry(f"metadata is not JSON ({exc})") from None
    accuracy = metadata.get("train_accuracy") or [None] * N
    labels = [
        {
            "regularizer": str(arrays["regularizer"][i]),
            "stimulus_class": None if arrays["stimulus_class"][i] == _NO_CLASS else int(arrays["stimulus_class"][i]),
            "network_seed": int(arrays["network_seed"][i]),
            "network": int(arrays["network"][i]),
            "train_accuracy": accuracy[i],
        }
        for i in range(N)
    ]
    graphs.setflags(write=False)
    return ConnectomeZoo(graphs, labels, metadata, str(path), True)


# --------------------------------------------------------------------------------------------------
# Building


def _regularizer_seed(seed: int, regularizer: str) -> int:
    """A stable 32-bit training seed per (seed, regularizer)."""
    entropy = [int(seed), zlib.crc32(regularizer.encode())]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


def _final_accuracy(result) -> list[float]:
    """Training accuracy of each network over its last training epoch (from the training history)."""
    acc = np.asarray(result.history["accuracy"], dtype=float)
    done = np.asarray(result.epochs_trained)
    return [float(acc[k, done[k] - 1]) for k in range(len(result.models))]


@contextlib.contextmanager
def _torch_threads(n: int | None):
    """Set torch's intra-op thread count inside the block (None: leave it), restoring it on exit."""
    import torch

    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _build(settings: dict, progress: bool) -> tuple[np.ndarray, list, dict]:
    """Train every group, record its connectomes; return graphs, label rows and metadata.

    The digits networks (64-32-16-10) are so small that intra-op threads only add synchronisation:
    measured on 2 busy cores, one thread trained them 3-10x faster than two. Their build therefore
    runs on one torch thread (restored afterwards); the other data sets keep torch's setting.
    """
    threads = 1 if settings["dataset"] == "digits" else None
    with _torch_threads(threads):
        graphs, labels, metadata = _build_grid(settings, progress)
    metadata["torch_threads"] = threads
    return graphs, labels, metadata


def _build_grid(settings: dict, progress: bool) -> tuple[np.ndarray, list, dict]:
    """The work of :func:`_build`."""
    import torch
    from tqdm.auto import tqdm

    from . import __version__
    from .connectome import _build_connectomes
    from .datasets import load_stimuli
    from .training import train_networks

    t_start = time.perf_counter()
    timings = {"stimuli_s": 0.0, "train_s": 0.0, "connectome_s": 0.0}
    dataset, seed, n_networks = settings["dataset"], settings["seed"], settings["n_networks"]
    class_list = [None] if settings["classes"] is None else list(settings["classes"])

    tic = time.perf_counter()
    stimuli = {
        c: load_stimuli(dataset, split="stimuli", classes=c, n=settings["n_stimuli"], seed=seed)[0]
        for c in class_list
    }
    for c, X in stimuli.items():
        if len(X) < 2:
            raise ValueError(f"Stimulus class {c} of {dataset!r} has {len(X)} held-out stimuli; a connectome needs 2.")
    timings["stimuli_s"] = time.perf_counter() - tic

    # One training run per (regularizer, class) with pairing="fresh", else per regularizer. Fresh sets of
    # one regularizer share its seed and take consecutive network indices, so no network appears twice.
    shared = settings["pairing"] == "shared" or class_list == [None]
    runs = [(reg, k, class_list if shared else [c])
            for reg in settings["regularizers"]
            for k, c in enumerate([None] if shared else class_list)]
    training = settings["training"]
    graphs, labels = [], []
    layer_names = layer_sizes = None
    bar = tqdm(runs, desc="connectome zoo", disable=not progress, unit="run")
    for reg, k, run_classes in bar:
        bar.set_postfix_str(reg if shared else f"{reg}, class {run_classes[0]}")
        tic = time.perf_counter()
        result = train_networks(
            dataset, reg, n_networks, epochs=settings["epochs"], seed=_regularizer_seed(seed, reg),
            first_network=k * n_networks, n_train=settings["n_train"], data_seed=seed, progress=False,
            **training, **settings["hyperparameters"][reg],
        )
        timings["train_s"] += time.perf_counter() - tic
        accuracy = _final_accuracy(result)
        tic = time.perf_counter()
        for c in run_classes:
            connectomes = _build_connectomes(result.models, stimuli[c], device=training.get("device"))
            for i, conn in enumerate(connectomes):
                layer_names, layer_sizes = conn.layer_names, conn.layer_sizes
                graphs.append(conn.weights)
                labels.append({"regularizer": reg, "stimulus_class": c, "network_seed": int(result.seeds[i]),
                               "network": k * n_networks + i, "train_accuracy": accuracy[i],
                               "n_dead": conn.n_dead})
        timings["connectome_s"] += time.perf_counter() - tic
    bar.close()
    n_dead = [row.pop("n_dead") for row in labels]
    if sum(n_dead):
        logger.warning(
            "%d dead neurons (zero variance over the stimuli) in %d of %d connectomes; their edges weigh 0.",
            sum(n_dead), sum(1 for d in n_dead if d), len(n_dead),
        )
    timings["total_s"] = time.perf_counter() - t_start
    metadata = {
        "settings": settings,
        "timings": timings,
        "train_accuracy": [row["train_accuracy"] for row in labels],
        "n_dead": n_dead,
        "layer_names": list(layer_names),
        "layer_sizes": list(layer_sizes),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "fcviz_version": __version__,
        "torch_version": torch.__version__,
    }
    graphs = np.stack(graphs)
    graphs.setflags(write=False)
    return graphs, labels, metadata


def connectome_zoo(
    dataset: str = "digits",
    regularizers=REGULARIZERS,
    classes=None,
    n_networks: int | None = None,
    preset: str = "classroom",
    *,
    seed: int = 0,
    cache: bool = True,
    cache_dir=None,
    progress: bool = True,
    pairing: str = "fresh",
    **overrides,
) -> ConnectomeZoo:
    """Train networks and collect their functional connectomes over regularizer x class x network.

    Parameters
    ----------
    dataset : str, default="digits"
        A name from :func:`fcviz.datasets.list_datasets`; ``"digits"`` works offline.
    regularizers : str or sequence of str, default=("vanilla", "batch_norm", "l2", "dropout")
        Training strategies, or ``"all"``.
    classes : None, "all", int or sequence of int, default=None
        ``None``: one stimulus set with every class (Study 1, ``stimulus_class`` None in the labels).
        Otherwise one stimulus set per class (Study 2); ``"all"`` means every class of the dataset.
    n_networks : int, optional
        Networks per group; default from the preset (classroom 8, paper 20).
    preset : {"classroom", "paper"}, default="classroom"
        ``"classroom"``: 8 networks per group, 15 epochs (on large datasets at most 5,000 training images
        and 500 stimuli): a cold build of the default zoo (digits, 4 x 8 networks) takes well under 30 s
        on 2 CPU cores.
        ``"paper"``: 20 networks per group, 20 epochs, all held-out stimuli.
    seed : int, default=0
        Master seed: it fixes the train/stimuli split and, with the regularizer's name, each
        network's seeds (see :func:`fcviz.training.network_seeds`).
    cache : bool, default=True
        Read and write the on-disk cache.
    cache_dir : str or path-like, optional
        Cache root (argument, then ``FCVIZ_CACHE_DIR``, then the user cache dir); zoos go in ``zoo/``.
    progress : bool, default=True
        Show a progress bar while building.
    pairing : {"fresh", "shared"}, default="fresh"
        With per-class stimuli: ``"fresh"`` trains a new set of networks for every class, so no network
        appears twice (as in the paper); ``"shared"`` reuses one set across classes, which is cheaper but
        pairs the connectomes of different classes (same ``network_seed``).
    **overrides
        ``epochs``, ``n_stimuli`` (per stimulus set), ``n_train``, ``batch_size``, ``lr``, ``momentum``,
        ``device``; any other keyword is a model hyperparameter passed to :func:`fcviz.make_model`
        (e.g. a weight decay or dropout rate). Every override is part of the cache key.

    Returns
    -------
    ConnectomeZoo
        ``graphs`` of shape ``(n_regularizers * n_class_sets * n_networks, n_nodes, n_nodes)`` in grid
        order (regularizer, then class, then network), with ``labels`` and ``metadata``.

    Raises
    ------
    ValueError
        For any invalid argument, before any training starts.

    Examples
    --------
    >>> zoo = connectome_zoo(n_networks=2, epochs=1, n_stimuli=50, cache=False, progress=False)
    >>> zoo.graphs.shape
    (8, 48, 48)
    >>> codes, names = zoo.group_labels("regularizer")
    >>> codes.tolist(), names
    ([0, 0, 1, 1, 2, 2, 3, 3], ['vanilla', 'batch_norm', 'l2', 'dropout'])
    """
    if not isinstance(cache, bool):
        raise ValueError(f"cache must be True or False; got {cache!r}.")
    if not isinstance(progress, bool):
        raise ValueError(f"progress must be True or False; got {progress!r}.")
    if cache_dir is not None and not isinstance(cache_dir, (str, os.PathLike)):
        raise ValueError(f"cache_dir must be a path (str or os.PathLike) or None; got {cache_dir!r}.")
    classes = _check_classes(classes)
    settings = _resolve_settings(dataset, regularizers, classes, n_networks, preset, seed, pairing, dict(overrides))
    key = zoo_cache_key(settings)
    path = None
    if cache:
        from ._paths import cache_dir as resolve_cache_dir

        path = Path(resolve_cache_dir(cache_dir)) / "zoo" / f"{settings['dataset']}-{preset}-{key[:24]}.npz"
        if path.exists():
            n_sets = 1 if settings["classes"] is None else len(settings["classes"])
            try:
                zoo = _read_entry(path, key, len(settings["regularizers"]) * n_sets * settings["n_networks"])
                logger.info("Loaded the connectome zoo from %s", path)
                return zoo
            except _CorruptEntry as exc:
                logger.warning("Cache entry %s is corrupt (%s); rebuilding it.", path, exc)
                with contextlib.suppress(OSError):
                    path.unlink()
    graphs, labels, metadata = _build(settings, progress)
    metadata["key"] = key
    zoo = ConnectomeZoo(graphs, labels, metadata, None if path is None else str(path), False)
    if path is not None:
        try:
            _write_atomic(path, _to_arrays(zoo, key))
        except OSError as exc:
            logger.warning("Could not write the zoo cache %s (%s); continuing without it.", path, exc)
            object.__setattr__(zoo, "cache_path", None)
    return zoo
