"""The zoo's cache: the settings that name an entry, their key, and the ``.npz`` file that holds it.

:func:`resolve_settings` validates the arguments of :func:`fcviz.connectome_zoo` into the settings
dict that :func:`zoo_cache_key` hashes. An entry is one ``.npz`` file (no pickle; metadata as JSON
text) with a checksum over its arrays, written whole or not at all by :func:`fcviz._files.write_atomic`;
a corrupt entry is logged, deleted and rebuilt. Reading gives the parts of a zoo, not the container,
so that this module needs nothing from :mod:`fcviz.zoo`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import numbers
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ._files import write_atomic
from ._paths import cache_dir as resolve_cache_dir
from ._model_settings import model_settings
from ._validation import check_int, check_option, check_real, check_snapshot_epochs
from ._zoo_lock import say_unsaved
from .registry import DATASETS, REGULARIZER_PARAMS, REGULARIZERS, canonical_dataset_name

__all__ = [
    "FORMAT_VERSION", "PRESETS", "COLUMNS", "zoo_cache_key", "resolve_settings", "check_classes", "resolve_classes",
    "check_cache_dir", "expected_rows", "recording_settings", "zoo_folder", "entry_path", "load_entry", "store_entry",
    "network_keys", "checksum",
]

logger = logging.getLogger("fcviz.zoo")  # the zoo's modules log under the public module's name

#: Version of the cache file layout; bump it to invalidate every cached zoo.
#: 2: entries keep each network's trained weights (``state/...`` arrays) and ``model_settings``.
FORMAT_VERSION = 2


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
COLUMNS = ("regularizer", "stimulus_class", "network_seed", "network", "epoch")
# Label arrays every cache entry has; entries written before the epoch column lack "epoch" (read as the
# number of epochs trained: such entries hold trained networks only).
_STORED_COLUMNS = COLUMNS[:4]


# --------------------------------------------------------------------------------------------------
# Argument validation and the cache key


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


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


def check_classes(classes):
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
    torch = sys.modules.get("torch")  # a torch.device exists only once torch is imported
    if torch is not None and isinstance(value, torch.device):
        return str(value)
    raise ValueError(
        f"{name}={value!r} cannot be part of the cache key; pass a number, a string, a bool, None or a list of them."
    )


def _route_hyperparameters(dataset: str, regs: tuple[str, ...], hyper: dict) -> dict[str, dict]:
    """Model hyperparameters per regularizer: a strategy's own ones (``weight_decay``, ``p``) go only to it."""
    owned = {k: [r for r, params in REGULARIZER_PARAMS.items() if k in params] for k in hyper}
    for k, owners in owned.items():
        if owners and not set(owners) & set(regs):
            raise ValueError(
                f"The override {k}= applies only to the {owners} strategy, which is not among the selected "
                f"regularizers {list(regs)}."
            )
    routed = {reg: {k: v for k, v in hyper.items() if not owned[k] or reg in owned[k]} for reg in regs}
    for reg in regs:  # unknown or invalid hyperparameters fail now, before any training
        model_settings(dataset, reg, routed[reg])
    return routed


def resolve_settings(dataset, regularizers, classes, n_networks, preset, seed, pairing, overrides,
                      snapshot_epochs=None) -> dict:
    """Validate every argument and return the settings dict that the cache key hashes.

    ``snapshot_epochs`` enters the dict only when it adds snapshots: sorted, without the last epoch
    (whose connectomes are the trained networks' own), and only when that leaves any; so a zoo without
    snapshots has the very key it had before snapshots existed.
    """
    dataset = canonical_dataset_name(dataset)
    check_option(preset, "preset", tuple(PRESETS))
    check_option(pairing, "pairing", _PAIRINGS,
                 hint="'fresh' trains a new set of networks per stimulus class, as in the paper; 'shared' reuses "
                      "one set across classes.")
    seed = check_int(seed, "seed", minimum=0)
    regs = _check_regularizers(regularizers)
    n_classes = DATASETS[dataset].n_classes
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
    values["n_networks"] = check_int(values["n_networks"], "n_networks", minimum=1)
    values["epochs"] = check_int(values["epochs"], "epochs", minimum=1)
    values["n_train"] = check_int(values["n_train"], "n_train", minimum=1, allow_none=True)
    values["n_stimuli"] = check_int(values["n_stimuli"], "n_stimuli", minimum=2, allow_none=True)
    snapshots = [e for e in check_snapshot_epochs(snapshot_epochs, values["epochs"]) or () if e < values["epochs"]]
    training = {k: overrides.pop(k) for k in list(overrides) if k in _TRAINING_KEYS}
    if "batch_size" in training:
        training["batch_size"] = check_int(training["batch_size"], "batch_size", minimum=1)
    if "lr" in training:
        training["lr"] = check_real(training["lr"], "lr", low=0, closed="neither")
    if "momentum" in training:
        training["momentum"] = check_real(training["momentum"], "momentum", low=0, high=1, closed="left")
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
        **({"snapshot_epochs": snapshots} if snapshots else {}),
    }


def zoo_cache_key(settings: dict) -> str:
    """SHA-256 hex digest of a settings dict (canonical JSON), as used to name cache entries."""
    text = json.dumps(settings, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def resolve_classes(dataset: str, classes):
    """Checked ``classes`` (None, "all" or a tuple from :func:`check_classes`) as None or a tuple of labels."""
    from .registry import DATASETS

    n_classes = DATASETS[dataset].n_classes
    if classes == "all":
        return tuple(range(n_classes))
    if classes is not None and max(classes) >= n_classes:
        raise ValueError(f"classes must be labels in 0 .. {n_classes - 1} for {dataset!r}; got {list(classes)}.")
    return classes


def check_cache_dir(cache_dir) -> None:
    """Refuse a ``cache_dir`` that is neither a path nor None."""
    if cache_dir is not None and not isinstance(cache_dir, (str, os.PathLike)):
        raise ValueError(f"cache_dir must be a path (str or os.PathLike) or None; got {cache_dir!r}.")


def expected_rows(settings: dict) -> int:
    """Number of connectomes in the zoo of ``settings``: regularizers x class sets x networks x epochs."""
    n_sets = 1 if settings["classes"] is None else len(settings["classes"])
    n_epochs = 1 + len(settings.get("snapshot_epochs", ()))
    return len(settings["regularizers"]) * n_sets * settings["n_networks"] * n_epochs


def recording_settings(zoo_key: str, class_list, networks: list) -> dict:
    """What names a zoo's networks recorded over other stimuli (:meth:`fcviz.ConnectomeZoo.recorded_over`)."""
    return {"format_version": FORMAT_VERSION, "recorded_from": zoo_key,
            "recorded_over": None if class_list is None else list(class_list),
            "networks": [[reg, net] for reg, net in networks]}


def zoo_folder(cache_dir=None) -> Path:
    """``zoo/`` under the cache root (the argument, then ``FCVIZ_CACHE_DIR``, then the user cache dir)."""
    return Path(resolve_cache_dir(cache_dir)) / "zoo"


def entry_path(folder: Path, settings: dict, key: str, *, recorded: bool = False) -> Path:
    """The cache file of ``key`` in ``folder``: ``<dataset>-<preset>-[recorded-]<key[:24]>.npz``."""
    return folder / f"{settings['dataset']}-{settings['preset']}-{'recorded-' if recorded else ''}{key[:24]}.npz"


# --------------------------------------------------------------------------------------------------
# Cache files


class _CorruptEntry(Exception):
    """A cache file that cannot be trusted."""


def checksum(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


_STATE_PREFIX = "state/"  # arrays "state/<regularizer>/<parameter>" of shape (networks of that regularizer, ...)


def _states_to_arrays(states: dict) -> dict[str, np.ndarray]:
    """Trained weights as arrays: ``model_regularizer`` and ``model_network`` of shape (M,) name the M
    networks; ``state/<regularizer>/<name>`` stacks the ``state_dict`` entry ``name`` of that
    regularizer's networks, in their order among the M."""
    networks = list(states)
    arrays = {
        "model_regularizer": np.array([reg for reg, _ in networks], dtype=str),
        "model_network": np.array([net for _, net in networks], dtype=np.int64),
    }
    for reg in dict.fromkeys(reg for reg, _ in networks):
        members = [states[net] for net in networks if net[0] == reg]
        for name in members[0]:
            arrays[f"{_STATE_PREFIX}{reg}/{name}"] = np.stack([m[name] for m in members])
    return arrays


def _states_from_arrays(arrays: dict[str, np.ndarray], labels: list) -> dict | None:
    """The inverse of :func:`_states_to_arrays` (None when the entry holds no weights); checks shapes."""
    if "model_regularizer" not in arrays:
        return None
    regs, nets = arrays["model_regularizer"], arrays.get("model_network")
    if regs.ndim != 1 or nets is None or nets.shape != regs.shape:
        raise _CorruptEntry("the network index arrays of the weights disagree")
    states = {}
    for reg in dict.fromkeys(str(r) for r in regs):
        rows = np.flatnonzero(regs == reg)
        prefix = f"{_STATE_PREFIX}{reg}/"
        names = [k for k in arrays if k.startswith(prefix)]
        if not names or any(arrays[k].ndim < 1 or arrays[k].shape[0] != len(rows) for k in names):
            raise _CorruptEntry(f"the weights of the {reg!r} networks are missing or have the wrong shape")
        for k in names:
            arrays[k].setflags(write=False)
        for j, row in enumerate(rows):
            states[reg, int(nets[row])] = {k[len(prefix):]: arrays[k][j] for k in names}
    missing = [net for net in network_keys(labels) if net not in states]
    if missing:
        raise _CorruptEntry(f"no weights for the networks {missing[:3]}{' ...' if len(missing) > 3 else ''}")
    return states


def _to_arrays(zoo, key: str, *, with_states: bool = True) -> dict[str, np.ndarray]:
    """The arrays of a cache entry for ``zoo`` (a :class:`fcviz.ConnectomeZoo`), its checksum last."""
    labels = zoo.labels
    arrays = {
        "graphs": np.ascontiguousarray(zoo.graphs, dtype=np.float64),
        "regularizer": np.array([row["regularizer"] for row in labels], dtype=str),
        "stimulus_class": np.array(
            [_NO_CLASS if row["stimulus_class"] is None else row["stimulus_class"] for row in labels], dtype=np.int64
        ),
        "network_seed": np.array([row["network_seed"] for row in labels], dtype=np.int64),
        "network": np.array([row["network"] for row in labels], dtype=np.int64),
        "epoch": np.array([row["epoch"] for row in labels], dtype=np.int64),
        "metadata": np.array(json.dumps(zoo.metadata, sort_keys=True)),
        "key": np.array(key),
    }
    if with_states and zoo.network_states:
        arrays.update(_states_to_arrays(zoo.network_states))
    arrays["checksum"] = np.array(checksum(arrays))
    return arrays


def _read_entry(path: Path, key: str, n_graphs: int) -> tuple[np.ndarray, list, dict, dict | None]:
    """Read and verify a cache file: graphs, label rows, metadata and weights (None when it holds none).

    Raises :class:`_CorruptEntry` saying what is wrong.
    """
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in ("graphs", *_STORED_COLUMNS, "metadata", "key", "checksum") if k not in npz.files]
            if missing:
                raise _CorruptEntry(f"missing arrays {missing}")
            arrays = {k: npz[k] for k in npz.files}
    except _CorruptEntry:
        raise
    except Exception as exc:  # truncated zip, bad CRC, bad header ...: any unreadable file is rebuilt
        raise _CorruptEntry(f"unreadable ({type(exc).__name__}: {exc})") from None
    stored = str(arrays.pop("checksum"))
    if checksum(arrays) != stored:
        raise _CorruptEntry("checksum mismatch")
    if str(arrays["key"]) != key:
        raise _CorruptEntry("key mismatch")
    graphs = arrays["graphs"]
    N = graphs.shape[0] if graphs.ndim == 3 else -1
    if graphs.ndim != 3 or graphs.shape[1] != graphs.shape[2] or graphs.dtype != np.float64:
        raise _CorruptEntry(f"graphs have shape {graphs.shape} and dtype {graphs.dtype}")
    try:
        metadata = json.loads(str(arrays["metadata"]))
    except ValueError as exc:
        raise _CorruptEntry(f"metadata is not JSON ({exc})") from None
    if "epoch" not in arrays:  # an entry written before the epoch column: trained networks only
        settings = metadata.get("settings") if isinstance(metadata, dict) else None
        if not isinstance(settings, dict) or "epochs" not in settings or "snapshot_epochs" in settings:
            raise _CorruptEntry("missing arrays ['epoch']")
        arrays["epoch"] = np.full(max(N, 0), settings["epochs"], dtype=np.int64)
    if N != n_graphs or any(arrays[c].shape != (N,) for c in COLUMNS):
        raise _CorruptEntry(f"expected {n_graphs} graphs and labels; found {N} graphs")
    accuracy = metadata.get("train_accuracy") or [None] * N
    labels = [
        {
            "regularizer": str(arrays["regularizer"][i]),
            "stimulus_class": None if arrays["stimulus_class"][i] == _NO_CLASS else int(arrays["stimulus_class"][i]),
            "network_seed": int(arrays["network_seed"][i]),
            "network": int(arrays["network"][i]),
            "epoch": int(arrays["epoch"][i]),
            "train_accuracy": accuracy[i],
        }
        for i in range(N)
    ]
    states = _states_from_arrays(arrays, labels)
    graphs.setflags(write=False)
    return graphs, labels, metadata, states


def load_entry(path: Path | None, key: str, n_graphs: int) -> tuple[np.ndarray, list, dict, dict | None] | None:
    """The parts of the cached zoo at ``path`` (see :func:`_read_entry`), or None when there is none.

    A corrupt entry is logged and deleted.
    """
    if path is None or not path.exists():
        return None
    try:
        parts = _read_entry(path, key, n_graphs)
    except _CorruptEntry as exc:
        logger.warning("Cache entry %s is corrupt (%s); rebuilding it.", path, exc)
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    logger.info("Loaded the connectome zoo from %s", path)
    return parts


def store_entry(zoo, path: Path | None, key: str, *, with_states: bool = True) -> str | None:
    """Write ``zoo`` to ``path`` atomically; return the path written, or None (``path`` None, or not writable).

    The folder is created first. The file is flushed to disk before it takes its name, so a crash
    leaves the previous entry or the new one, never a torn file.
    """
    if path is None:
        return None
    arrays = _to_arrays(zoo, key, with_states=with_states)

    def write(file):
        np.savez(file, **arrays)
        file.flush()
        os.fsync(file.fileno())

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, write)
    except OSError as exc:  # read-only, full, another user's: the zoo stays in memory, said once per folder
        say_unsaved(path.parent, exc)
        return None
    return str(path)


def network_keys(labels: list) -> list[tuple[str, int]]:
    """The distinct ``(regularizer, network)`` of label rows, in order of first appearance."""
    return list(dict.fromkeys((row["regularizer"], int(row["network"])) for row in labels))
