"""Where fcviz keeps data sets and caches.

Both folders are resolved the same way, nilearn style: an explicit argument wins, then an environment
variable, then a per-user cache folder from :mod:`platformdirs`. Nothing here creates a folder; callers
create one only when they are about to write into it.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_dir", "cache_dir", "DATA_DIR_ENV", "CACHE_DIR_ENV"]

#: Environment variable naming the folder that holds (or receives) downloaded data sets.
DATA_DIR_ENV = "FCVIZ_DATA_DIR"
#: Environment variable naming the folder for fcviz's caches (connectome zoo and friends).
CACHE_DIR_ENV = "FCVIZ_CACHE_DIR"


def _user_cache() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("fcviz"))


def _resolve(explicit, env: str, subfolder: str) -> Path:
    """``explicit``, else the folder in ``$env``, else ``<user cache>/<subfolder>``."""
    if explicit is not None:
        return Path(explicit).expanduser()
    value = os.environ.get(env, "").strip()
    if value:
        return Path(value).expanduser()
    return _user_cache() / subfolder


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Folder of the data sets: ``explicit``, else ``$FCVIZ_DATA_DIR``, else ``<user cache>/data``.

    Parameters
    ----------
    explicit : str or path-like, optional
        A folder chosen by the caller; returned as a :class:`~pathlib.Path` (``~`` expanded).

    Returns
    -------
    pathlib.Path
        The folder. It may not exist yet.
    """
    return _resolve(explicit, DATA_DIR_ENV, "data")


def cache_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Folder of fcviz's caches: ``explicit``, else ``$FCVIZ_CACHE_DIR``, else the user cache folder.

    Parameters
    ----------
    explicit : str or path-like, optional
        A folder chosen by the caller; returned as a :class:`~pathlib.Path` (``~`` expanded).

    Returns
    -------
    pathlib.Path
        The folder. It may not exist yet.
    """
    return _resolve(explicit, CACHE_DIR_ENV, "")
