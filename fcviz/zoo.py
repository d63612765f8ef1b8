"""Build and cache connectome datasets over regularizer x stimulus class x network.

:func:`connectome_zoo` trains networks with each training strategy, computes their functional
connectomes over held-out stimuli (all classes, or one class at a time for Study 2) and returns a
:class:`ConnectomeZoo`. Results are cached on disk as ``.npz`` files (no pickle; metadata as JSON text)
under a key that hashes every setting; writes are atomic and a corrupt entry is logged and rebuilt.

This module is the container and the entry points; the cache (settings, key, file format) lives in
:mod:`fcviz._zoo_cache` and the build (training, recording, progress) in :mod:`fcviz._zoo_build`.
"""

from __future__ import annotations

import logging
import numbers
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._validation import check_bool
from ._zoo_build import Monitor, training_runs
from ._zoo_build import build as _build  # the zoo's own steps, by the names its tests patch
from ._zoo_build import record_networks as _record_networks
from ._zoo_cache import (
    COLUMNS,
    FORMAT_VERSION,
    PRESETS,
    check_cache_dir,
    entry_path,
    expected_rows,
    load_entry,
    network_keys,
    recording_settings,
    resolve_classes,
    store_entry,
    zoo_cache_key,
    zoo_folder,
)
from ._zoo_cache import check_classes as _check_classes
from ._zoo_cache import checksum as _checksum  # noqa: F401 (tests forge cache entries with it)
from ._zoo_cache import resolve_settings as _resolve_settings
from ._zoo_lock import entry_lock
from .progress import check_cancel, check_progress_callback
from .registry import REGULARIZERS

__all__ = ["ConnectomeZoo", "connectome_zoo", "zoo_cache_key", "PRESETS", "REGULARIZERS", "FORMAT_VERSION"]

logger = logging.getLogger(__name__)


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
            known = list(self.labels[0]) if self.labels else list(COLUMNS)
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
        if not columns or any(not isinstance(c, str) or c not in COLUMNS for c in columns):
            raise ValueError(f"by must be one of {list(COLUMNS)} or a tuple of them; got {by!r}.")
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
            if name not in COLUMNS:
                raise ValueError(f"Cannot select by {name!r}; expected one of {list(COLUMNS)}.")
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
            states = {net: self.network_states[net] for net in network_keys(labels) if net in self.network_states}
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
        networks = network_keys(self.labels)
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
        for reg, net in network_keys(self.labels):
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
        check_cache_dir(cache_dir)
        monitor = Monitor(progress, check_progress_callback(progress_callback), check_cancel(cancel),
                           what="Recording the zoo's networks")
        settings = self.metadata["settings"]
        class_list = resolve_classes(settings["dataset"], _check_classes(classes))
        networks = network_keys(self.labels)
        child = recording_settings(self.metadata["key"], class_list, networks)
        key = zoo_cache_key(child)
        n_graphs = len(networks) * (1 if class_list is None else len(class_list))
        path = None
        if cache:
            folder = Path(self.cache_path).parent if cache_dir is None and self.cache_path else zoo_folder(cache_dir)
            path = entry_path(folder, settings, key, recorded=True)

        def record():
            graphs, labels, metadata = _record_networks(self, class_list, networks, monitor)
            metadata.update(key=key, recorded_from=child["recorded_from"], recorded_over=child["recorded_over"])
            return ConnectomeZoo(graphs, labels, metadata, None, False, states)

        return _cached_or_made(path, key, n_graphs, monitor, n_graphs, record, "recorded", states=states,
                               with_states=False)

    @classmethod
    def _cached(cls, path, key: str, n_graphs: int, states: dict | None = None) -> ConnectomeZoo | None:
        """The zoo in the cache file ``path`` (None when there is none, or ``path`` is None); with ``states``
        instead of the entry's own weights when given."""
        parts = load_entry(path, key, n_graphs)
        if parts is None:
            return None
        graphs, labels, metadata, own = parts
        return cls(graphs, labels, metadata, str(path), True, own if states is None else states)

    def _stored(self, path, key: str, *, with_states: bool = True) -> ConnectomeZoo:
        """This zoo written to the cache file ``path`` (nothing when None); with its ``cache_path`` once written."""
        written = store_entry(self, path, key, with_states=with_states)
        if written is None:
            return self
        return ConnectomeZoo(self.graphs, self.labels, self.metadata, written, False, self.network_states)

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


def connectome_zoo(dataset: str = "digits", regularizers=REGULARIZERS, classes=None, n_networks: int | None = None,
                   preset: str = "classroom", *, seed: int = 0, cache: bool = True, cache_dir=None,
                   progress: bool = True, pairing: str = "fresh", progress_callback=None, cancel=None,
                   snapshot_epochs=None, n_jobs=None, client=None, **overrides) -> ConnectomeZoo:
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
        and 500 stimuli), sized for a classroom's laptops.
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
    n_jobs, client : int, or distributed.Client or address, optional
        Train the groups in ``n_jobs`` local processes or on a Dask cluster (:mod:`fcviz.parallel`):
        the same zoo, bit for bit; this process writes the cache. Not part of the cache key.
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
    cache, progress = check_bool(cache, "cache"), check_bool(progress, "progress")
    check_cache_dir(cache_dir)
    settings = _resolve_settings(dataset, regularizers, _check_classes(classes), n_networks, preset, seed, pairing,
                                 dict(overrides), snapshot_epochs)
    monitor = Monitor(progress, check_progress_callback(progress_callback), check_cancel(cancel),
                      n_jobs=_check_n_jobs(n_jobs), client=client)
    key, total = zoo_cache_key(settings), len(training_runs(settings)) * settings["epochs"]  # progress: epochs
    path = entry_path(zoo_folder(cache_dir), settings, key) if cache else None

    def build():
        graphs, labels, metadata, *weights = _build(settings, monitor)
        return ConnectomeZoo(graphs, labels, {**metadata, "key": key}, None, False, weights[0] if weights else None)

    return _cached_or_made(path, key, expected_rows(settings), monitor, total, build, "built")


def _check_n_jobs(n_jobs):
    if n_jobs is None or n_jobs == -1 or (isinstance(n_jobs, numbers.Integral) and not isinstance(n_jobs, bool)
                                          and n_jobs >= 1):
        return n_jobs
    raise ValueError(f"n_jobs must be None, -1 (every core) or a positive number of processes; got {n_jobs!r}.")


def _cached_or_made(path, key: str, n_graphs: int, monitor: Monitor, total: int, make, verb: str, *,
                    states=None, with_states: bool = True) -> ConnectomeZoo:
    """The zoo in the cache entry ``path`` (None: no cache), or ``make()`` written there.

    ``monitor`` reports ``"done"`` with ``total`` either way; a build cancelled at its very end is
    still cancelled, and nothing is written. ``states`` replace the weights of an entry read back,
    ``with_states`` decides whether a written entry holds them. A missing entry is built under its
    file lock (:func:`fcviz._zoo_lock.entry_lock`): another process building it meanwhile is waited
    for and its entry loaded; a folder that cannot be written gives a zoo in memory, said once.
    """
    zoo = ConnectomeZoo._cached(path, key, n_graphs, states)  # a hit takes no lock: read-only caches work
    if zoo is not None:
        monitor.report("done", total, total, f"loaded {len(zoo)} connectomes from the cache")
        return zoo
    with entry_lock(path, monitor, total) as held:  # one process builds, the others wait, then load
        zoo = ConnectomeZoo._cached(path, key, n_graphs, states) if held.locked else None
        if zoo is not None:
            meanwhile = " (built by another kernel meanwhile)" if held.waited else ""
            monitor.report("done", total, total, f"loaded {len(zoo)} connectomes from the cache{meanwhile}")
            return zoo
        zoo = make()
        monitor.check()
        zoo = zoo._stored(path if held.writable else None, key, with_states=with_states)
    unsaved = ""
    if path is not None and zoo.cache_path is None:
        unsaved = f" in memory (not saved: {held.reason or 'the cache folder cannot be written'})"
    monitor.report("done", total, total, f"{verb} {len(zoo)} connectomes{unsaved}")
    return zoo
