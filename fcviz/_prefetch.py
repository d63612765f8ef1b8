"""``python -m fcviz prefetch``: the data sets and the zoos of the dashboard and the notebooks, in one cache.

A teacher runs it once into a folder that the students' kernels then read (``FCVIZ_CACHE_DIR``, which
may be read-only for them); ``binder/postBuild`` runs the same command. For each data set it
downloads the data (not for the embedded digits), builds the zoo that :func:`fcviz.dashboard` builds
first with its default controls, records that zoo's networks over every class (what the Connectome
tab shows per class), and, for digits, builds every zoo the notebooks build with their default
settings. What is cached already is loaded, not rebuilt, so running it twice costs seconds.
"""

from __future__ import annotations

import os
import time

from ._paths import DATA_DIR_ENV
from .registry import DATASETS, REGULARIZERS, canonical_dataset_name

__all__ = ["dashboard_zoo", "planned_zoos", "prefetch", "NOTEBOOK_ZOOS"]

_CLASSROOM = {"preset": "classroom"}
_SNAPSHOTS = [0, 1, 2, 5, 10]  # notebook 06's snapshots with the classroom's 15 epochs

#: The zoos the notebooks build with their default settings (all on digits): where, and the
#: arguments of :func:`fcviz.connectome_zoo` (Study 2 builds one regularizer over every class).
NOTEBOOK_ZOOS = (
    ("notebooks 01 and 04", {"regularizers": "all", **_CLASSROOM}),
    ("notebook 04, exercise", {"regularizers": "all", "weight_decay": 1e-2, "p": 0.4, **_CLASSROOM}),
    ("notebook 05, Study 2", {"regularizers": ("vanilla",), "classes": "all", **_CLASSROOM}),
    ("notebook 05, shared pairing", {"regularizers": ("vanilla",), "classes": "all", "pairing": "shared",
                                     **_CLASSROOM}),
    ("notebook 05, exercise", {"regularizers": ("vanilla",), "classes": "all", "hidden": (128, 128, 128),
                               **_CLASSROOM}),
    ("notebook 06", {"regularizers": "all", "snapshot_epochs": _SNAPSHOTS, **_CLASSROOM}),
    ("notebook 06, exercise", {"regularizers": ("vanilla",), "classes": [0, 1, 7], "snapshot_epochs": _SNAPSHOTS,
                               **_CLASSROOM}),
)


def dashboard_zoo(dataset: str, preset: str = "classroom") -> dict:
    """The arguments of the zoo that ``fcviz.dashboard(dataset)`` builds first (its default controls)."""
    from ._zoo_cache import PRESETS
    from .dynamics import default_snapshot_epochs

    values = PRESETS[preset]
    return {"dataset": canonical_dataset_name(dataset), "regularizers": tuple(REGULARIZERS),
            "n_networks": values["n_networks"], "preset": preset,
            "snapshot_epochs": list(default_snapshot_epochs(values["epochs"]))}


def planned_zoos(dataset: str, *, notebooks: bool = True) -> list[tuple[str, dict]]:
    """``(where, connectome_zoo arguments)`` of every zoo :func:`prefetch` builds for ``dataset``."""
    dataset = canonical_dataset_name(dataset)
    plan = [("dashboard", dashboard_zoo(dataset))]
    if notebooks and dataset == "digits":
        plan += [(where, {"dataset": "digits", **kwargs}) for where, kwargs in NOTEBOOK_ZOOS]
    return plan


def _check_writable(cache_dir) -> str:
    """The zoo folder under ``cache_dir``, created; a ValueError when it cannot be written."""
    from ._zoo_cache import zoo_folder

    folder = zoo_folder(cache_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"cannot create the cache folder {folder} ({exc}).") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"the cache folder {folder} is not writable by this user; prefetch needs to write there.")
    return str(folder)


def _fetch_data(dataset: str, data_dir) -> None:
    from .datasets import load_stimuli

    if DATASETS[dataset].torchvision_class is not None:
        load_stimuli(dataset, download=True, data_dir=data_dir)


def _build_zoos(dataset: str, cache_dir, notebooks: bool, echo) -> None:
    from .zoo import connectome_zoo

    for where, kwargs in planned_zoos(dataset, notebooks=notebooks):
        tic = time.perf_counter()
        zoo = connectome_zoo(**kwargs, cache_dir=cache_dir, progress=False)
        how = "in the cache already" if zoo.from_cache else "built"
        echo(f"  {where}: {len(zoo)} connectomes {how} ({time.perf_counter() - tic:.0f} s) -> {zoo.cache_path}")
        if where == "dashboard":  # the Connectome tab records the networks over one class at a time
            tic = time.perf_counter()
            n_classes = DATASETS[dataset].n_classes
            for c in range(n_classes):
                zoo.recorded_over(c, progress=False)
            echo(f"  dashboard, per class: {n_classes} recordings ({time.perf_counter() - tic:.0f} s)")


def prefetch(datasets=("digits",), *, cache_dir=None, data_dir=None, notebooks: bool = True, echo=print) -> dict:
    """Download ``datasets`` and build their classroom zoos into the cache ``cache_dir``.

    Parameters
    ----------
    datasets : sequence of str, default=("digits",)
        Data set names; unknown names fail before anything is done.
    cache_dir : str or path-like, optional
        Cache root (zoos go in ``zoo/``), as in :func:`fcviz.connectome_zoo`; must be writable.
    data_dir : str or path-like, optional
        Where the data sets are downloaded (else ``FCVIZ_DATA_DIR``, else the user cache folder); the
        builds read them from there.
    notebooks : bool, default=True
        Also build the notebooks' zoos (digits only).
    echo : callable, default=print
        Receives one line per step.

    Returns
    -------
    dict
        Data set → None when its zoos are in the cache, else the reason (e.g. the download failed).

    Raises
    ------
    ValueError
        For an unknown data set or a cache folder that cannot be written.
    """
    names = [canonical_dataset_name(d) for d in datasets]
    if not names:
        raise ValueError("no data set to prefetch; name at least one, e.g. digits.")
    folder = _check_writable(cache_dir)
    if data_dir is not None:
        os.environ[DATA_DIR_ENV] = str(data_dir)  # the builds load their images through the default folder
    echo(f"Prefetching {', '.join(names)} into {folder}")
    failures = {}
    for name in dict.fromkeys(names):
        echo(f"{name}:")
        try:
            _fetch_data(name, data_dir)
        except FileNotFoundError as exc:  # DatasetNotAvailableError: offline, or no permission
            failures[name] = str(exc).splitlines()[0]
            echo(f"  not available, skipped: {failures[name]}")
            continue
        _build_zoos(name, cache_dir, notebooks, echo)
        failures[name] = None
    return failures
