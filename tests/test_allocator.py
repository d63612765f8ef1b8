"""fcviz._allocator: a process started as Dask starts its workers stops faulting on every large array."""

import os
import subprocess
import sys

import pytest

CHILD = r"""
import resource, sys
import numpy as np
from fcviz._allocator import keep_freed_memory

def faults():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(200):
        a = np.ones(2**18)  # 2 MiB: above the fixed 128 KiB mmap threshold
        del a
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

faults()  # numpy's first-use costs out of the way
trimmed = faults()
changed = keep_freed_memory()
print(trimmed, faults(), changed, keep_freed_memory())
"""


def _run(env_value):
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_TRIM_THRESHOLD_"}
    if env_value is not None:
        env["MALLOC_TRIM_THRESHOLD_"] = env_value
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True)
    trimmed, kept, changed, again = out.stdout.split()
    return int(trimmed), int(kept), changed == "True", again == "True"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_a_dask_like_worker_keeps_its_freed_memory():
    trimmed, kept, changed, again = _run("65536")  # what Dask's nanny sets
    assert changed and not again  # once per process
    assert trimmed > 200 * 400  # every 2 MiB array faulted in page by page (512 pages)
    assert kept < trimmed / 20


def test_nothing_changes_without_the_variable():
    trimmed, kept, changed, _ = _run(None)
    assert not changed
    assert trimmed < 200 * 50 and kept < 200 * 50  # glibc's dynamic threshold already reuses the memory
