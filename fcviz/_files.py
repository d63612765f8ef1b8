"""Files written whole or not at all."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path, write):
    """Call ``write(binary_file)`` on a temporary file beside ``path``, then rename it to ``path``.

    A reader never sees a half-written file, and an interrupted write leaves the previous file in
    place (the temporary file is removed). The temporary file is created like any new file, so the
    result gets the usual permissions (from the umask).

    Parameters
    ----------
    path : str or path-like
        The file to write; its folder must exist.
    write : callable
        Receives the open binary file.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "xb") as file:
            write(file)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
