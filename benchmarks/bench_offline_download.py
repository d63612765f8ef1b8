"""How long a real MNIST download attempt takes to give up (or to succeed) on this machine.

tests/test_datasets.py checks the offline error with a stubbed network (every URL fails), and that
each attempt runs under fcviz's socket timeout. This script makes the real attempt into a temporary
folder and prints the elapsed time against the 30 s limit the unit test used to assert. On a machine
with a network it downloads MNIST (about 10 MB) into the temporary folder, which is then deleted.

    python benchmarks/bench_offline_download.py
"""

from __future__ import annotations

import sys
import tempfile
import time

LIMIT_S = 30.0


def main() -> int:
    from fcviz.datasets import DOWNLOAD_TIMEOUT_S, DatasetNotAvailableError, load_stimuli

    with tempfile.TemporaryDirectory(prefix="fcviz-bench-") as tmp:
        tic = time.perf_counter()
        try:
            X, _ = load_stimuli("mnist", data_dir=tmp, n=10)
        except DatasetNotAvailableError as exc:
            outcome = "failed: " + str(exc).splitlines()[0][:160]
        else:
            outcome = f"downloaded ({tuple(X.shape)} stimuli loaded): this machine has a network"
        elapsed = time.perf_counter() - tic
    passed = elapsed < LIMIT_S
    print(f"MNIST download attempt {outcome}")
    print(f"elapsed {elapsed:.2f} s (socket timeout {DOWNLOAD_TIMEOUT_S} s per attempt; limit {LIMIT_S} s; "
          f"{elapsed / LIMIT_S:.3f} of the limit) {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
