"""Many kernels, one cache: a file lock per zoo cache entry, and folders that cannot be written.

A class on one JupyterHub may build the same zoo into one shared cache at once. The entry
``<root>/zoo/<name>.npz`` has the lock file ``<root>/locks/<name>.lock`` (the ``filelock`` package:
``flock(2)`` on Unix). The first kernel takes the lock and builds; the others wait, say so once (a
log warning and a progress report), and then load what it wrote. The operating system releases a
``flock`` when its process ends, killed or not: a lock file left behind is empty and never blocks the
next kernel. The lock files live beside the ``zoo/`` folder, so that folder holds entries only, and
stay after release (removing them would let two kernels lock two different files of one name). The
entry itself appears whole or not at all (:func:`fcviz._files.write_atomic`).

A folder that cannot be written (read-only, full, another user's) never fails a build: the zoo is
built in memory and one warning per folder and reason says why nothing was saved. Reading never needs
write access: a cache hit is read without any lock, so nothing is created in a read-only folder.
A filesystem without ``flock`` gets no lock (never a soft lock that could outlive its owner): kernels
may then build the same zoo twice, and the atomic writer keeps the entry whole.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LOCK_FOLDER", "EntryLock", "entry_lock", "lock_path", "say_unsaved"]

logger = logging.getLogger("fcviz.zoo")  # the zoo's modules log under the public module's name

#: Folder of the lock files, beside the cache root's ``zoo/`` folder.
LOCK_FOLDER = "locks"
#: Seconds between two looks at a held lock (and at the cancel event) while waiting.
POLL_S = 0.2
#: Seconds between two "still waiting" lines while another kernel builds.
REMIND_S = 60.0
# errno values that mean "this filesystem cannot lock", not "this folder cannot be written"
_NO_LOCKING = {errno.ENOSYS, errno.ENOLCK, getattr(errno, "EOPNOTSUPP", errno.ENOSYS)}

_said: set = set()  # (folder, reason) already warned about in this process
_said_guard = threading.Lock()


def lock_path(entry: Path) -> Path:
    """The lock file of the cache entry ``entry``: ``<root>/locks/<entry name without .npz>.lock``."""
    entry = Path(entry)
    return entry.parent.parent / LOCK_FOLDER / f"{entry.stem}.lock"


def _reason(exc: OSError) -> str:
    code = getattr(exc, "errno", None)
    if code == errno.EROFS:
        return "the folder is on a read-only file system"
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "the disk is full"
    if code in (errno.EACCES, errno.EPERM) or isinstance(exc, PermissionError):
        return "this user may not write there"
    return f"{type(exc).__name__}: {exc}"


def say_unsaved(folder, exc: OSError) -> str:
    """Warn, once per folder and reason in this process, that a zoo is kept in memory; return the reason."""
    reason = _reason(exc)
    with _said_guard:
        first = (str(folder), reason) not in _said
        _said.add((str(folder), reason))
    if first:
        logger.warning("Could not write the zoo cache in %s (%s: %s); building in memory, so nothing is saved "
                       "there. Said once per folder.", folder, reason, exc)
    return reason


@dataclass
class EntryLock:
    """What :func:`entry_lock` found.

    Attributes
    ----------
    writable : bool
        False: build in memory and store nothing (no cache, or a folder that cannot be written).
    locked : bool
        This process holds the entry's lock (so it should look for the entry once more before building).
    waited : bool
        Another process held the lock first; it has probably written the entry meanwhile.
    reason : str or None
        Why nothing will be saved, when ``writable`` is False for a cache folder.
    """

    writable: bool
    locked: bool = False
    waited: bool = False
    reason: str | None = None


def _wait(lock, entry: Path, monitor, total: int) -> None:
    """Block until ``lock`` is ours, saying so once and every :data:`REMIND_S`; honour the cancel event."""
    from filelock import Timeout

    message = (f"another kernel is building this zoo into {entry.parent}; waiting for it, then loading "
               "its result")
    logger.warning("%s (lock %s).", message[0].upper() + message[1:], lock.lock_file)
    monitor.report("stimuli", 0, total, message)
    started = remind = time.monotonic()
    while True:  # short tries, so that a cancel is seen within POLL_S (filelock 3.12 and later)
        try:
            lock.acquire(timeout=POLL_S, poll_interval=min(0.05, POLL_S))
            return
        except Timeout:
            monitor.check()  # raises BuildCancelled once the cancel event is set
            if time.monotonic() - remind >= REMIND_S:
                remind = time.monotonic()
                logger.info("Still waiting for the zoo lock %s (%.0f s).", lock.lock_file, remind - started)


def _file_lock(path: Path):
    """A ``filelock.FileLock`` at ``path`` (its folder created) that never falls back to a soft lock."""
    from filelock import FileLock

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return FileLock(str(path), fallback_to_soft=False)  # filelock 4: no marker file that outlives a kill
    except TypeError:  # filelock 3 has no soft fallback on Unix: flock or NotImplementedError
        return FileLock(str(path))


@contextlib.contextmanager
def entry_lock(entry: Path | None, monitor, total: int = 0):
    """Hold the lock of cache entry ``entry`` inside the block; yields an :class:`EntryLock`.

    ``entry`` None (no cache): nothing is locked and ``writable`` is False. A lock that cannot be
    created because the folder cannot be written gives ``writable=False`` and one warning
    (:func:`say_unsaved`); a filesystem without locks gives ``writable=True, locked=False``.
    ``monitor`` (:class:`fcviz._zoo_build.Monitor`) carries the waiting message and the cancel event.
    """
    if entry is None:
        yield EntryLock(writable=False)
        return
    from filelock import Timeout

    state = EntryLock(writable=True, locked=True)
    try:
        lock = _file_lock(lock_path(entry))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            _wait(lock, Path(entry), monitor, total)
            state.waited = True
    except (OSError, NotImplementedError) as exc:
        state.locked = False
        if isinstance(exc, NotImplementedError) or exc.errno in _NO_LOCKING:
            logger.info("No file locks on the filesystem of %s (%s); building without one.", entry.parent, exc)
        else:
            state.writable, state.reason = False, say_unsaved(Path(entry).parent, exc)
    if not state.locked:
        yield state
        return
    try:
        yield state
    finally:
        lock.release()
