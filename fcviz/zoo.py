"""Build and cache connectome datasets over regularizer x stimulus class x network.

:func:`connectome_zoo` trains networks with each training strategy, computes their functional
connectomes over held-out stimuli (all classes, or one class at a time for Study 2) and returns a
:class:`ConnectomeZoo`. Results are cached on disk as ``.npz`` files (no pickle; metadata as JSON text)
under a key that hashes every setting; writes are atomic and a corrupt entry is logged and rebuilt.
"""

from __future__ import annotations

import contextlib
import copy
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

from ._paths import cache_dir as resolve_cache_dir
from ._validation import check_bool, check_int, check_option, check_real
from .progress import BuildProgress, check_cancel, check_progress_callback, raise_if_cancelled
from .registry import REGULARIZER_PARAMS, REGULARIZERS

__all__ = ["ConnectomeZoo", "connectome_zoo", "zoo_cache_key", "PRESETS", "REGULARIZERS", "FORMAT_VERSION"]

logger = logging.getLogger(__name__)

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
_COLUMNS = ("regularizer", "stimulus_class", "network_seed", "network", "epoch")
# Label arrays every cache entry has; entries written before the epoch column lack "epoch" (read as the
# number of epochs trained: such entries hold trained networks only).
_STORED_COLUMNS = _COLUMNS[:4]


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
        networks of its regularizer; with ``pairing="fresh"`` every class has new indices), ``epoch``
        (int: the epochs of training behind the connectome; the trained networks' rows have the number
        of epochs trained, snapshot rows the snapshot's epoch, 0 before training) and
        ``train_accuracy`` (float: accuracy over the training epoch ``epoch``; None at epoch 0).
        ``pandas.DataFrame(zoo.labels)`` makes a table. A zoo built with ``snapshot_epochs`` orders
        its rows by epoch, then in grid order; see :attr:`epochs` and :meth:`at_epoch`.
    metadata : dict
        ``settings`` (every setting, as hashed in the cache key), ``key``, ``timings`` (seconds),
        ``train_accuracy`` and ``n_dead`` per row, ``layer_names``, ``layer_sizes``,
        ``model_settings`` (what :func:`fcviz.make_model` needs to rebuild the networks), versions.
        A zoo made by :meth:`recorded_over` also has ``recorded_from`` (the key of the zoo whose
        networks it recorded) and ``recorded_over`` (its stimulus classes).
    cache_path : str or None
        The cache file this zoo was read from or written to.
    from_cache : bool
        True when the zoo was read from the cache.
    network_states : dict or None
        The trained weights: ``(regularizer, network)`` → the network's ``state_dict`` as read-only
        numpy arrays (float32 parameters and running statistics, int64 counters). None for a zoo
        built without them; :meth:`models` and :meth:`recorded_over` need them.
    """

    graphs: np.ndarray
    labels: list
    metadata: dict
    cache_path: str | None = None
    from_cache: bool = False
    network_states: dict | None = None

    def __post_init__(self):
        graphs = np.asarray(self.graphs)
        if graphs.ndim != 3 or graphs.shape[1] != graphs.shape[2]:
            raise ValueError(f"graphs must have shape (n_graphs, n, n); got {graphs.shape}.")
        if len(self.labels) != graphs.shape[0]:
            raise ValueError(f"Got {len(self.labels)} label rows for {graphs.shape[0]} graphs.")
        if self.network_states is not None and not isinstance(self.network_states, dict):
            raise ValueError(
                "network_states must be None or a dict mapping (regularizer, network) to a state_dict of numpy "
                f"arrays; got {type(self.network_states).__name__}."
            )
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
            or ``"epoch"``, or a tuple of them to group by their combination.

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

    def rows(self, **criteria) -> np.ndarray:
        """Positions of the rows whose labels equal every given value, e.g. ``zoo.rows(epoch=15)``.

        The positions index ``graphs`` and anything computed per row (such as
        ``fcviz.birth_death(zoo.graphs)``); :meth:`select` returns those rows as a zoo.

        Returns
        -------
        ndarray of shape (n_matching,), int64
            Ascending; empty when no row matches.
        """
        for name in criteria:
            if name not in _COLUMNS:
                raise ValueError(f"Cannot select by {name!r}; expected one of {list(_COLUMNS)}.")
        return np.array([i for i, row in enumerate(self.labels) if all(row.get(k) == v for k, v in criteria.items())],
                        dtype=np.int64)

    def select(self, **criteria) -> ConnectomeZoo:
        """The rows whose labels equal every given value, e.g. ``zoo.select(regularizer="l2")``."""
        keep = self.rows(**criteria).tolist()
        if not keep:
            raise ValueError(f"No row matches {criteria}.")
        meta = dict(self.metadata)
        for per_row in ("train_accuracy", "n_dead"):
            if per_row in meta:
                meta[per_row] = [meta[per_row][i] for i in keep]
        labels = [dict(self.labels[i]) for i in keep]
        states = None
        if self.network_states is not None:
            states = {net: self.network_states[net] for net in _network_keys(labels) if net in self.network_states}
        return ConnectomeZoo(self.graphs[keep], labels, meta, self.cache_path, self.from_cache, states)

    @property
    def epochs(self) -> list[int]:
        """The distinct ``epoch`` labels of the rows, ascending: ``[epochs]`` for a zoo built without
        snapshots, e.g. ``[0, 1, 2, 5, 10, 15]`` with ``snapshot_epochs=[0, 1, 2, 5, 10]`` and 15 epochs."""
        return sorted({int(e) for e in self.label_column("epoch")})

    def trained(self) -> ConnectomeZoo:
        """The trained networks: :meth:`at_epoch` of the last epoch, or the zoo itself without snapshots."""
        return self.at_epoch(self.epochs[-1]) if len(self.epochs) > 1 else self

    def at_epoch(self, epoch: int) -> ConnectomeZoo:
        """The connectomes recorded after ``epoch`` epochs of training, in grid order.

        ``zoo.at_epoch(zoo.epochs[-1])`` is the zoo of the trained networks, as built without
        snapshots; the same as ``zoo.select(epoch=epoch)`` with a clearer error. The result keeps the
        trained (final) weights: :meth:`models` and :meth:`recorded_over` always use those.

        Parameters
        ----------
        epoch : int
            One of :attr:`epochs`.

        Returns
        -------
        ConnectomeZoo

        Raises
        ------
        ValueError
            If no row has that epoch.

        Examples
        --------
        >>> zoo = connectome_zoo(regularizers=["vanilla", "l2"], n_networks=2, epochs=2, n_stimuli=50,
        ...                      snapshot_epochs=[0, 1], cache=False, progress=False)
        >>> zoo.epochs, len(zoo), len(zoo.at_epoch(0))
        ([0, 1, 2], 12, 4)
        """
        epochs = self.epochs
        if isinstance(epoch, bool) or not isinstance(epoch, numbers.Integral) or int(epoch) not in epochs:
            raise ValueError(f"epoch must be one of this zoo's epochs {epochs}; got {epoch!r}.")
        return self.select(epoch=int(epoch))

    def _require_states(self, what: str) -> dict:
        """The trained weights of every network of this zoo, or a ValueError saying why they are missing."""
        networks = _network_keys(self.labels)
        states = self.network_states or {}
        missing = [net for net in networks if net not in states]
        model_settings = self.metadata.get("model_settings")
        if missing or not model_settings or "settings" not in self.metadata or "key" not in self.metadata:
            raise ValueError(
                f"{what} needs the trained weights of the zoo's networks, but this zoo holds "
                f"{'none' if not states else f'none for {len(missing)} of its {len(networks)} networks'}"
                f"{'' if model_settings else ' (and no model settings)'}. connectome_zoo keeps them since cache "
                f"format {FORMAT_VERSION}; rebuild the zoo with connectome_zoo(...) (an older cache entry is "
                "rebuilt automatically)."
            )
        return states

    def models(self) -> dict:
        """The trained networks of this zoo, rebuilt from their stored weights; no training.

        Each network is made with :func:`fcviz.make_model` from the zoo's dataset, its regularizer and
        the stored ``metadata["model_settings"]``, then its weights are loaded with
        ``load_state_dict``. The caller's global torch random state is left untouched.

        Returns
        -------
        dict of (str, int) to torch.nn.Module
            ``(regularizer, network)`` (the row labels) → the trained network, on the CPU and in
            evaluation mode, in order of first appearance in :attr:`labels`. Each call builds new
            modules, so changing one leaves the zoo as it was.

        Raises
        ------
        ValueError
            If the zoo holds no trained weights (e.g. built by an older fcviz version).

        Examples
        --------
        >>> zoo = connectome_zoo(regularizers="l2", n_networks=2, epochs=1, n_stimuli=30, cache=False,
        ...                      progress=False)
        >>> nets = zoo.models()
        >>> list(nets), nets["l2", 0].training
        ([('l2', 0), ('l2', 1)], False)
        """
        import torch

        from .models import make_model

        states = self._require_states("ConnectomeZoo.models()")
        dataset = self.metadata["settings"]["dataset"]
        hyper = self.metadata["model_settings"]["hyperparameters"]
        out = {}
        for reg, net in _network_keys(self.labels):
            with torch.random.fork_rng(devices=[]):
                model = make_model(dataset, reg, **hyper[reg])
            model.load_state_dict({name: torch.from_numpy(np.array(value)) for name, value in states[reg, net].items()})
            out[reg, net] = model.eval()
        return out

    def recorded_over(
        self,
        classes=None,
        *,
        cache: bool | None = None,
        cache_dir=None,
        progress: bool = True,
        progress_callback=None,
        cancel=None,
    ) -> ConnectomeZoo:
        """The same trained networks recorded over other stimuli: forward passes only, no retraining.

        The stimuli follow the zoo's own rules: :func:`fcviz.load_stimuli` with ``split="stimuli"``, the
        zoo's ``n_stimuli`` cap (per class) and its ``seed``. So ``zoo.recorded_over(None)`` of a zoo built
        with ``classes=None`` reproduces ``zoo.graphs``, and ``zoo.recorded_over(3)`` gives the
        connectomes of the very same networks over the held-out images of class 3.

        Parameters
        ----------
        classes : None, "all", int or sequence of int, default=None
            ``None``: one stimulus set with every class. Otherwise one stimulus set per class
            (``"all"``: every class of the dataset), as in :func:`connectome_zoo`.
        cache : bool, optional
            Read and write a cache entry of its own, keyed by this zoo's key, its networks and
            ``classes`` (it holds connectomes only: the weights stay in this zoo's entry). Default:
            True when this zoo has a cache file (``cache_path``), else False.
        cache_dir : str or path-like, optional
            Cache root; default: the folder of this zoo's cache file, else as in :func:`connectome_zoo`.
        progress : bool, default=True
            Show a progress bar (one step per recorded network).
        progress_callback : callable, optional
            Called with a :class:`fcviz.BuildProgress` after each group of recorded networks
            (``stage="record"``; ``done`` and ``total`` count connectomes) and at the end
            (``stage="done"``), also when the result comes from the cache.
        cancel : threading.Event, optional
            Checked before each group of networks; once set, :class:`fcviz.BuildCancelled` is raised
            and no cache entry is written.

        Returns
        -------
        ConnectomeZoo
            ``graphs`` of shape ``(n_regularizers * n_class_sets * n_networks, n_nodes, n_nodes)``, where
            ``n_networks`` counts the distinct networks of this zoo per regularizer, in grid order
            (regularizer, then class, then network). Labels keep each network's ``network`` and
            ``network_seed``, set ``stimulus_class`` and have ``epoch`` = the epochs trained (the
            stored weights are the trained ones, also for a zoo with snapshots); the new zoo shares this
            zoo's weights.

        Raises
        ------
        ValueError
            For invalid arguments, or when this zoo holds no trained weights.
        BuildCancelled
            When ``cancel`` is set before the recording ends.

        Examples
        --------
        >>> zoo = connectome_zoo(regularizers="l2", n_networks=2, epochs=1, n_stimuli=30, cache=False,
        ...                      progress=False)
        >>> threes = zoo.recorded_over(3, cache=False, progress=False)
        >>> threes.graphs.shape, [row["stimulus_class"] for row in threes.labels]
        ((2, 48, 48), [3, 3])
        """
        states = self._require_states("ConnectomeZoo.recorded_over()")
        cache = self.cache_path is not None if cache is None else check_bool(cache, "cache")
        progress = check_bool(progress, "progress")
        if cache_dir is not None and not isinstance(cache_dir, (str, os.PathLike)):
            raise ValueError(f"cache_dir must be a path (str or os.PathLike) or None; got {cache_dir!r}.")
        monitor = _Monitor(progress, check_progress_callback(progress_callback), check_cancel(cancel),
                           what="Recording the zoo's networks")
        settings = self.metadata["settings"]
        class_list = _resolve_classes(settings["dataset"], _check_classes(classes))
        networks = _network_keys(self.labels)
        child = {"format_version": FORMAT_VERSION, "recorded_from": self.metadata["key"],
                 "recorded_over": None if class_list is None else list(class_list),
                 "networks": [[reg, net] for reg, net in networks]}
        key = zoo_cache_key(child)
        n_graphs = len(networks) * (1 if class_list is None else len(class_list))
        path = None
        if cache:
            folder = (Path(self.cache_path).parent if cache_dir is None and self.cache_path
                      else Path(resolve_cache_dir(cache_dir)) / "zoo")
            path = folder / f"{settings['dataset']}-{settings['preset']}-recorded-{key[:24]}.npz"
            zoo = _load_entry(path, key, n_graphs)
            if zoo is not None:
                monitor.report("done", n_graphs, n_graphs, f"loaded {n_graphs} connectomes from the cache")
                return ConnectomeZoo(zoo.graphs, zoo.labels, zoo.metadata, zoo.cache_path, True, states)
        graphs, labels, metadata = _record_networks(self, class_list, networks, monitor)
        metadata.update(key=key, recorded_from=child["recorded_from"], recorded_over=child["recorded_over"])
        monitor.check()
        zoo = ConnectomeZoo(graphs, labels, metadata, None, False, states)
        zoo = _store_entry(zoo, path, key, with_states=False)
        monitor.report("done", n_graphs, n_graphs, f"recorded {n_graphs} connectomes")
        return zoo

    def summary(self, by="regularizer", *, persistence=None, birth_weight=None):
        """Per-group numbers (networks, accuracy, mean |r|, mean birth and death, spread).

        See :func:`fcviz.summary.group_summary`; ``print`` it for a text table, or let Jupyter show it.
        """
        from .summary import group_summary

        return group_summary(self, by, persistence=persistence, birth_weight=birth_weight)

    def _repr_html_(self) -> str:
        from .tables import html_table

        settings = self.metadata.get("settings", {})
        epochs = self.epochs
        final = self.trained()  # count networks, not snapshots
        codes, names = final.group_labels(("regularizer", "stimulus_class"))
        counts = np.bincount(codes, minlength=len(names))
        rows = [(reg, "all" if cls is None else cls, int(count)) for (reg, cls), count in zip(names, counts)]
        source = f"cache {self.cache_path}" if self.from_cache else "built now"
        at = f" at epochs {epochs}" if len(epochs) > 1 else ""
        caption = (f"ConnectomeZoo: {len(self)} connectomes{at} of {self.n_nodes} hidden neurons, dataset "
                   f"{settings.get('dataset')!r}, preset {settings.get('preset')!r} ({source})")
        return html_table(rows, ("strategy", "stimulus class", "networks"), caption=caption)

    def __repr__(self) -> str:
        settings = self.metadata.get("settings", {})
        regs = sorted({row["regularizer"] for row in self.labels})
        epochs = sorted({row.get("epoch") for row in self.labels if row.get("epoch") is not None})
        at = f", epochs={epochs}" if len(epochs) > 1 else ""
        return (
            f"ConnectomeZoo(n_graphs={len(self)}, n_nodes={self.n_nodes}, dataset={settings.get('dataset')!r}, "
            f"regularizers={regs}{at}, from_cache={self.from_cache})"
        )


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
    from .models import make_model

    owned = {k: [r for r, params in REGULARIZER_PARAMS.items() if k in params] for k in hyper}
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


def _resolve_settings(dataset, regularizers, classes, n_networks, preset, seed, pairing, overrides,
                      snapshot_epochs=None) -> dict:
    """Validate every argument and return the settings dict that the cache key hashes.

    ``snapshot_epochs`` enters the dict only when it adds snapshots: sorted, without the last epoch
    (whose connectomes are the trained networks' own), and only when that leaves any; so a zoo without
    snapshots has the very key it had before snapshots existed.
    """
    from .datasets import canonical_dataset_name, dataset_info

    dataset = canonical_dataset_name(dataset)
    check_option(preset, "preset", tuple(PRESETS))
    check_option(pairing, "pairing", _PAIRINGS,
                 hint="'fresh' trains a new set of networks per stimulus class, as in the paper; 'shared' reuses "
                      "one set across classes.")
    seed = check_int(seed, "seed", minimum=0)
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
    values["n_networks"] = check_int(values["n_networks"], "n_networks", minimum=1)
    values["epochs"] = check_int(values["epochs"], "epochs", minimum=1)
    values["n_train"] = check_int(values["n_train"], "n_train", minimum=1, allow_none=True)
    values["n_stimuli"] = check_int(values["n_stimuli"], "n_stimuli", minimum=2, allow_none=True)
    from .training import check_snapshot_epochs

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
    missing = [net for net in _network_keys(labels) if net not in states]
    if missing:
        raise _CorruptEntry(f"no weights for the networks {missing[:3]}{' ...' if len(missing) > 3 else ''}")
    return states


def _to_arrays(zoo: ConnectomeZoo, key: str, *, with_states: bool = True) -> dict[str, np.ndarray]:
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
            missing = [k for k in ("graphs", *_STORED_COLUMNS, "metadata", "key", "checksum") if k not in npz.files]
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
    try:
        metadata = json.loads(str(arrays["metadata"]))
    except ValueError as exc:
        raise _CorruptEntry(f"metadata is not JSON ({exc})") from None
    if "epoch" not in arrays:  # an entry written before the epoch column: trained networks only
        settings = metadata.get("settings") if isinstance(metadata, dict) else None
        if not isinstance(settings, dict) or "epochs" not in settings or "snapshot_epochs" in settings:
            raise _CorruptEntry("missing arrays ['epoch']")
        arrays["epoch"] = np.full(max(N, 0), settings["epochs"], dtype=np.int64)
    if N != n_graphs or any(arrays[c].shape != (N,) for c in _COLUMNS):
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
    return ConnectomeZoo(graphs, labels, metadata, str(path), True, states)


def _load_entry(path: Path | None, key: str, n_graphs: int) -> ConnectomeZoo | None:
    """The cached zoo at ``path``, or None when there is none; a corrupt entry is logged and deleted."""
    if path is None or not path.exists():
        return None
    try:
        zoo = _read_entry(path, key, n_graphs)
    except _CorruptEntry as exc:
        logger.warning("Cache entry %s is corrupt (%s); rebuilding it.", path, exc)
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    logger.info("Loaded the connectome zoo from %s", path)
    return zoo


def _store_entry(zoo: ConnectomeZoo, path: Path | None, key: str, *, with_states: bool = True) -> ConnectomeZoo:
    """Write ``zoo`` to ``path`` atomically (nothing when ``path`` is None); return it with its cache path."""
    if path is None:
        return zoo
    try:
        _write_atomic(path, _to_arrays(zoo, key, with_states=with_states))
    except OSError as exc:
        logger.warning("Could not write the zoo cache %s (%s); continuing without it.", path, exc)
        return zoo
    return ConnectomeZoo(zoo.graphs, zoo.labels, zoo.metadata, str(path), False, zoo.network_states)


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


class _Monitor:
    """What a build reports to and listens to: the tqdm flag, the progress callback, the cancel event.

    ``done`` is the work reported so far; :meth:`report` never lets it decrease and advances a given
    tqdm bar by the difference, so the bar and the callback always agree.
    """

    def __init__(self, bar: bool = False, callback=None, cancel=None, what: str = "The connectome zoo build"):
        self.bar, self.callback, self.cancel, self.what = bool(bar), callback, cancel, what
        self.done = 0

    def check(self) -> None:
        raise_if_cancelled(self.cancel, self.what)

    def report(self, stage: str, done: int, total: int, message: str, tqdm_bar=None) -> None:
        if tqdm_bar is not None and done > self.done:
            tqdm_bar.update(done - self.done)
        self.done = max(self.done, int(done))
        if self.callback is not None:
            self.callback(BuildProgress(stage, self.done, int(total), message))

    def epochs(self, tqdm_bar, base: int, n_epochs: int, total: int, name: str):
        """A :func:`fcviz.train_networks` progress callback that maps its epochs into this build's units."""
        def on_epoch(report: BuildProgress) -> None:
            if report.stage == "train":
                done = base + min(n_epochs, report.done * n_epochs // max(report.total, 1))
                self.report("train", done, total, f"{name}: epoch {done - base}/{n_epochs}", tqdm_bar)

        return on_epoch


def _network_keys(labels: list) -> list[tuple[str, int]]:
    """The distinct ``(regularizer, network)`` of label rows, in order of first appearance."""
    return list(dict.fromkeys((row["regularizer"], int(row["network"])) for row in labels))


def _training_runs(settings: dict) -> list[tuple[str, int, list]]:
    """The training runs of a zoo: ``(regularizer, run index, stimulus classes recorded)``.

    One run per (regularizer, class) with pairing="fresh", else per regularizer. Fresh sets of one
    regularizer share its seed and take consecutive network indices, so no network appears twice.
    """
    class_list = [None] if settings["classes"] is None else list(settings["classes"])
    shared = settings["pairing"] == "shared" or class_list == [None]
    return [(reg, k, class_list if shared else [c])
            for reg in settings["regularizers"]
            for k, c in enumerate([None] if shared else class_list)]


def _resolve_classes(dataset: str, classes):
    """Checked ``classes`` (None, "all" or a tuple from :func:`_check_classes`) as None or a tuple of labels."""
    from .registry import DATASETS

    n_classes = DATASETS[dataset].n_classes
    if classes == "all":
        return tuple(range(n_classes))
    if classes is not None and max(classes) >= n_classes:
        raise ValueError(f"classes must be labels in 0 .. {n_classes - 1} for {dataset!r}; got {list(classes)}.")
    return classes


def _load_stimulus_sets(settings: dict, class_list: list) -> dict:
    """The held-out stimuli ``(m, C, H, W)`` of each class set (None: every class), by the zoo's rules."""
    from .datasets import load_stimuli

    dataset = settings["dataset"]
    stimuli = {
        c: load_stimuli(dataset, split="stimuli", classes=c, n=settings["n_stimuli"], seed=settings["seed"])[0]
        for c in class_list
    }
    for c, X in stimuli.items():
        if len(X) < 2:
            raise ValueError(f"Stimulus class {c} of {dataset!r} has {len(X)} held-out stimuli; a connectome needs 2.")
    return stimuli


def _state_arrays(model) -> dict[str, np.ndarray]:
    """A trained model's ``state_dict`` as read-only numpy arrays: float32, integer counters as int64."""
    out = {}
    for name, tensor in model.state_dict().items():
        dtype = np.float32 if tensor.is_floating_point() else np.int64
        array = tensor.detach().cpu().numpy().astype(dtype)  # always a copy
        array.setflags(write=False)
        out[name] = array
    return out


def _build(settings: dict, progress) -> tuple[np.ndarray, list, dict, dict]:
    """Train every group, record its connectomes; return graphs, label rows, metadata and weights.

    ``progress`` is a bool (show a bar) or a :class:`_Monitor` (bar, callback and cancel event).
    The weights map ``(regularizer, network)`` to the network's ``state_dict`` as numpy arrays.

    The digits networks (64-32-16-10) are so small that intra-op threads only add synchronisation:
    measured on 2 busy cores, one thread trained them 3-10x faster than two. Their build therefore
    runs on one torch thread (restored afterwards); the other data sets keep torch's setting.
    """
    monitor = progress if isinstance(progress, _Monitor) else _Monitor(bool(progress))
    threads = 1 if settings["dataset"] == "digits" else None
    with _torch_threads(threads):
        graphs, labels, metadata, states = _build_grid(settings, monitor)
    metadata["torch_threads"] = threads
    return graphs, labels, metadata, states


def _build_grid(settings: dict, monitor: _Monitor) -> tuple[np.ndarray, list, dict, dict]:
    """The work of :func:`_build`."""
    import torch
    from tqdm.auto import tqdm

    from . import __version__
    from .connectome import functional_connectomes
    from .training import train_networks

    t_start = time.perf_counter()
    timings = {"stimuli_s": 0.0, "train_s": 0.0, "connectome_s": 0.0}
    dataset, seed, n_networks = settings["dataset"], settings["seed"], settings["n_networks"]
    class_list = [None] if settings["classes"] is None else list(settings["classes"])
    runs = _training_runs(settings)
    n_epochs = settings["epochs"]
    total = len(runs) * n_epochs  # progress counts training epochs
    snapshot_epochs = list(settings.get("snapshot_epochs", ()))  # never the last epoch (see _resolve_settings)
    snapshots = {e: ([], []) for e in snapshot_epochs}  # epoch -> (graphs, label rows)
    if snapshot_epochs:
        timings["snapshot_s"] = 0.0

    monitor.report("stimuli", 0, total, f"loading the {dataset} stimuli")
    tic = time.perf_counter()
    stimuli = _load_stimulus_sets(settings, class_list)
    timings["stimuli_s"] = time.perf_counter() - tic

    shared = settings["pairing"] == "shared" or class_list == [None]
    training = settings["training"]
    graphs, labels, states, model_hyper = [], [], {}, {}
    layer_names = layer_sizes = None
    with tqdm(total=total, desc="connectome zoo", disable=not monitor.bar, unit="epoch") as bar:
        for r, (reg, k, run_classes) in enumerate(runs):
            name = reg if shared else f"{reg}, class {run_classes[0]}"
            bar.set_postfix_str(name)
            monitor.check()
            tic = time.perf_counter()
            result = train_networks(
                dataset, reg, n_networks, epochs=n_epochs, seed=_regularizer_seed(seed, reg),
                first_network=k * n_networks, n_train=settings["n_train"], data_seed=seed, progress=False,
                progress_callback=monitor.epochs(bar, r * n_epochs, n_epochs, total, name), cancel=monitor.cancel,
                snapshot_epochs=snapshot_epochs or None, **training, **settings["hyperparameters"][reg],
            )
            timings["train_s"] += time.perf_counter() - tic
            accuracy = _final_accuracy(result)
            model_hyper[reg] = json.loads(json.dumps(result.hyperparameters))  # as it reads back from JSON
            monitor.check()
            tic = time.perf_counter()
            for c in run_classes:
                connectomes = functional_connectomes(result.models, stimuli[c], device=training.get("device"),
                                                     warn_dead=False)
                for i, conn in enumerate(connectomes):
                    layer_names, layer_sizes = conn.layer_names, conn.layer_sizes
                    graphs.append(conn.weights)
                    labels.append({"regularizer": reg, "stimulus_class": c, "network_seed": int(result.seeds[i]),
                                   "network": k * n_networks + i, "epoch": int(result.epochs_trained[i]),
                                   "train_accuracy": accuracy[i], "n_dead": conn.n_dead})
            for i, model in enumerate(result.models):
                states[reg, k * n_networks + i] = _state_arrays(model)
            timings["connectome_s"] += time.perf_counter() - tic
            tic = time.perf_counter()
            # One set of copies reloaded with each snapshot's weights (copying the modules costs 5x
            # more than loading weights into them); the same stimuli and batched correlation as above.
            models_e = [copy.deepcopy(model) for model in result.models] if snapshot_epochs else []
            for e in snapshot_epochs:
                monitor.check()
                for model, state in zip(models_e, result.snapshots[e]):
                    model.load_state_dict(state)
                for c in run_classes:
                    connectomes = functional_connectomes(models_e, stimuli[c], device=training.get("device"),
                                                         warn_dead=False)
                    for i, conn in enumerate(connectomes):
                        snapshots[e][0].append(conn.weights)
                        snapshots[e][1].append({
                            "regularizer": reg, "stimulus_class": c, "network_seed": int(result.seeds[i]),
                            "network": k * n_networks + i, "epoch": e,
                            "train_accuracy": None if e == 0 else float(result.history["accuracy"][i, e - 1]),
                            "n_dead": conn.n_dead})
            if snapshot_epochs:
                timings["snapshot_s"] += time.perf_counter() - tic
                timings["connectome_s"] += time.perf_counter() - tic
            monitor.report("record", (r + 1) * n_epochs, total,
                           f"{name}: recorded {n_networks * len(run_classes) * (1 + len(snapshot_epochs))} "
                           "connectomes", bar)
    # rows by epoch, then in grid order; the trained networks (the last epoch) last
    graphs = [g for e in snapshot_epochs for g in snapshots[e][0]] + graphs
    labels = [row for e in snapshot_epochs for row in snapshots[e][1]] + labels
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
        "model_settings": {"dataset": dataset, "hyperparameters": model_hyper},
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "fcviz_version": __version__,
        "torch_version": torch.__version__,
    }
    graphs = np.stack(graphs)
    graphs.setflags(write=False)
    return graphs, labels, metadata, states


def _record_networks(zoo: ConnectomeZoo, class_list, networks: list, monitor: _Monitor):
    """Record the stored networks of ``zoo`` over the stimuli of each class set; no training.

    Networks are recorded in groups of the zoo's ``n_networks`` (as they were trained), on the zoo's
    device and torch thread count, so recording a zoo over its own stimuli reproduces its graphs.
    Returns graphs ``(len(networks) * n_class_sets, n, n)`` in grid order, label rows and metadata.
    """
    import torch
    from tqdm.auto import tqdm

    from . import __version__
    from .connectome import functional_connectomes

    t_start = time.perf_counter()
    settings = zoo.metadata["settings"]
    sets = [None] if class_list is None else list(class_list)
    total = len(networks) * len(sets)  # progress counts connectomes
    monitor.report("stimuli", 0, total, f"loading the {settings['dataset']} stimuli")
    stimuli = _load_stimulus_sets(settings, sets)
    t_stimuli = time.perf_counter() - t_start
    trained = settings["epochs"]  # the stored weights are the trained ones (a zoo never stops early)
    first = {}  # (regularizer, network) -> its first label row in the zoo, a row of the trained network first
    for row in sorted(zoo.labels, key=lambda r: r.get("epoch", trained) != trained):
        first.setdefault((row["regularizer"], int(row["network"])), row)
    models = zoo.models()
    device, group = settings["training"].get("device"), settings["n_networks"]
    graphs, labels, n_dead = [], [], []
    conn = None
    threads = 1 if settings["dataset"] == "digits" else None  # as in _build: same kernels, same bits
    with _torch_threads(threads), tqdm(total=total, desc="recording", disable=not monitor.bar, unit="network") as bar:
        for reg in dict.fromkeys(reg for reg, _ in networks):
            nets = [net for net in networks if net[0] == reg]
            for c in sets:
                for a in range(0, len(nets), group):
                    monitor.check()
                    chunk = nets[a:a + group]
                    connectomes = functional_connectomes([models[net] for net in chunk], stimuli[c], device=device,
                                                         warn_dead=False)
                    for net, conn in zip(chunk, connectomes):
                        graphs.append(conn.weights)
                        n_dead.append(conn.n_dead)
                        row = first[net]
                        accuracy = row.get("train_accuracy") if row.get("epoch", trained) == trained else None
                        labels.append({"regularizer": reg, "stimulus_class": c, "network_seed": row["network_seed"],
                                       "network": net[1], "epoch": trained, "train_accuracy": accuracy})
                    where = "all classes" if c is None else f"class {c}"
                    monitor.report("record", len(graphs), total, f"{reg}, {where}: {len(graphs)}/{total} connectomes",
                                   bar)
    if sum(n_dead):
        logger.warning(
            "%d dead neurons (zero variance over the stimuli) in %d of %d connectomes; their edges weigh 0.",
            sum(n_dead), sum(1 for d in n_dead if d), len(n_dead),
        )
    total_s = time.perf_counter() - t_start
    metadata = {
        "settings": {**{k: v for k, v in settings.items() if k != "snapshot_epochs"},  # trained networks only
                     "classes": None if class_list is None else list(class_list), "pairing": "shared"},
        "timings": {"stimuli_s": t_stimuli, "connectome_s": total_s - t_stimuli, "total_s": total_s},
        "train_accuracy": [row["train_accuracy"] for row in labels],
        "n_dead": n_dead,
        "layer_names": list(conn.layer_names),
        "layer_sizes": list(conn.layer_sizes),
        "model_settings": zoo.metadata["model_settings"],
        "torch_threads": threads,
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
    progress_callback=None,
    cancel=None,
    snapshot_epochs=None,
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
        Show a progress bar while building; it advances once per training epoch.
    pairing : {"fresh", "shared"}, default="fresh"
        With per-class stimuli: ``"fresh"`` trains a new set of networks for every class, so no network
        appears twice (as in the paper); ``"shared"`` reuses one set across classes, which is cheaper but
        pairs the connectomes of different classes (same ``network_seed``).
    progress_callback : callable, optional
        Called with a :class:`fcviz.BuildProgress` while building, in the building thread: ``done`` and
        ``total`` count training epochs over all training runs (runs x epochs); ``stage`` is
        ``"stimuli"`` at the start, ``"train"`` after every epoch, ``"record"`` after each run's
        connectomes and ``"done"`` at the end (also for a cache hit, with ``done == total``).
        Not part of the cache key.
    cancel : threading.Event, optional
        Checked before every training batch and between runs; once set, the build stops and
        :class:`fcviz.BuildCancelled` is raised. A cancelled build writes no cache entry (and leaves no
        temporary file). Not part of the cache key.
    snapshot_epochs : sequence of int, optional
        Also record every network's connectome, over the same stimuli, after these epochs of training
        (0: at initialisation, before any update), to watch the topology emerge; values in
        ``[0, epochs]``, distinct, in any order. Each row gets its ``epoch`` label; the rows are
        ordered by epoch, then in grid order (:attr:`ConnectomeZoo.epochs`,
        :meth:`ConnectomeZoo.at_epoch`). The last epoch is the trained networks' own connectome and is
        stored once, whether listed or not: ``[0, 5]`` and ``[0, 5, 15]`` with 15 epochs build the same
        zoo under the same cache key, and a zoo without snapshots keeps the key it always had.
        Training is unchanged by snapshots.
    **overrides
        ``epochs``, ``n_stimuli`` (per stimulus set), ``n_train``, ``batch_size``, ``lr``, ``momentum``,
        ``device``; any other keyword is a model hyperparameter passed to :func:`fcviz.make_model`
        (e.g. a weight decay or dropout rate). Every override is part of the cache key.

    Returns
    -------
    ConnectomeZoo
        ``graphs`` of shape ``(n_regularizers * n_class_sets * n_networks, n_nodes, n_nodes)`` in grid
        order (regularizer, then class, then network), with ``labels``, ``metadata`` and the trained
        weights (``network_states``; see :meth:`ConnectomeZoo.models` and
        :meth:`ConnectomeZoo.recorded_over`), all stored in one cache entry. With ``snapshot_epochs``,
        ``n_epochs`` such blocks, one per distinct epoch in ascending order, the trained networks last.

    Raises
    ------
    ValueError
        For any invalid argument, before any training starts.
    BuildCancelled
        When ``cancel`` is set before the build ends.

    Examples
    --------
    >>> zoo = connectome_zoo(n_networks=2, epochs=1, n_stimuli=50, cache=False, progress=False)
    >>> zoo.graphs.shape
    (8, 48, 48)
    >>> codes, names = zoo.group_labels("regularizer")
    >>> codes.tolist(), names
    ([0, 0, 1, 1, 2, 2, 3, 3], ['vanilla', 'batch_norm', 'l2', 'dropout'])
    """
    cache = check_bool(cache, "cache")
    progress = check_bool(progress, "progress")
    if cache_dir is not None and not isinstance(cache_dir, (str, os.PathLike)):
        raise ValueError(f"cache_dir must be a path (str or os.PathLike) or None; got {cache_dir!r}.")
    classes = _check_classes(classes)
    settings = _resolve_settings(dataset, regularizers, classes, n_networks, preset, seed, pairing, dict(overrides),
                                 snapshot_epochs)
    monitor = _Monitor(progress, check_progress_callback(progress_callback), check_cancel(cancel))
    key = zoo_cache_key(settings)
    total = len(_training_runs(settings)) * settings["epochs"]
    path = None
    if cache:
        path = Path(resolve_cache_dir(cache_dir)) / "zoo" / f"{settings['dataset']}-{preset}-{key[:24]}.npz"
        n_sets = 1 if settings["classes"] is None else len(settings["classes"])
        n_epochs = 1 + len(settings.get("snapshot_epochs", ()))
        zoo = _load_entry(path, key, len(settings["regularizers"]) * n_sets * settings["n_networks"] * n_epochs)
        if zoo is not None:
            monitor.report("done", total, total, f"loaded {len(zoo)} connectomes from the cache")
            return zoo
    graphs, labels, metadata, *weights = _build(settings, monitor)
    monitor.check()  # a build cancelled at its very end is still cancelled: nothing is written
    metadata["key"] = key
    zoo = ConnectomeZoo(graphs, labels, metadata, None, False, weights[0] if weights else None)
    zoo = _store_entry(zoo, path, key)
    monitor.report("done", total, total, f"built {len(zoo)} connectomes")
    return zoo
