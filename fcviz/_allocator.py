"""The C allocator of a Dask worker: undo the setting that makes fcviz's tasks fault on every array.

Dask's nanny starts each worker with ``MALLOC_TRIM_THRESHOLD_=65536`` (its configuration
``distributed.nanny.pre-spawn-environ``), so that freed memory goes back to the system quickly. On
glibc, setting that variable at all also switches off the allocator's *dynamic* mmap threshold:
every allocation above 128 KiB is then a fresh ``mmap`` and every ``free`` of it a ``munmap``, and
each new page is zero-filled by the kernel on first touch. fcviz's tasks allocate and free arrays
of that size by the thousand (persim's cost matrices for each pair of diagrams, k-means' distance
tables, a training batch's activations), so in a worker the blocks of a bottleneck-distance matrix
took 80 times the page faults and 1.6 times the CPU time of the same blocks in the client (2.45 M
faults and 11.4 s against 30 k and 7.0 s, on this project's 2-core VM).

:func:`keep_freed_memory` puts back, once per process, what glibc's dynamic threshold converges
to: blocks up to 32 MiB come from the heap, and up to 64 MiB of freed heap are kept for reuse.
A worker's resident memory can then sit up to that much above what its live arrays need. It does
nothing on other C libraries, or where the variable is not set (a worker that fcviz's
:func:`fcviz.parallel.local_cluster` starts has it unset, so glibc's own heuristic applies there).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading

__all__ = ["keep_freed_memory", "MMAP_THRESHOLD", "TRIM_THRESHOLD"]

#: Bytes from which an allocation gets its own mmap (glibc's dynamic threshold tops out here on 64-bit).
MMAP_THRESHOLD = 32 * 2**20
#: Bytes of free memory at the top of the heap kept before it is given back (twice the above, as glibc does).
TRIM_THRESHOLD = 64 * 2**20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters, from glibc's malloc.h

_lock = threading.Lock()
_done = False


def keep_freed_memory() -> bool:
    """In a process started with ``MALLOC_TRIM_THRESHOLD_`` on glibc, raise its mmap and trim thresholds.

    Idempotent and cheap after the first call (fcviz calls it at the start of every task that runs
    in another process).

    Returns
    -------
    bool
        Whether the thresholds were changed by this call.
    """
    global _done
    if _done:
        return False
    with _lock:
        if _done:
            return False
        _done = True
        if "MALLOC_TRIM_THRESHOLD_" not in os.environ or not sys.platform.startswith("linux"):
            return False
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            mallopt, version = libc.mallopt, libc.gnu_get_libc_version  # glibc only (musl has neither)
        except (OSError, AttributeError):
            return False
        del version
        mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
        return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
