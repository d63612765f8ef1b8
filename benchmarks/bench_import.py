"""Benchmark: how long ``import fcviz`` takes in a fresh interpreter, and what it loads.

Every kernel start pays it. The script starts ``--repeats`` fresh interpreters, each timing
``import numpy`` (the floor: fcviz needs it) and then ``import fcviz``, and prints the medians,
the heavy packages present after the import (none expected) and the issue's target.

Run: python benchmarks/bench_import.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

TARGET_S = 0.3
HEAVY = ("sklearn", "scipy", "torch", "matplotlib", "ipywidgets")
CHILD = f"""
import json, sys, time
t0 = time.perf_counter(); import numpy; t1 = time.perf_counter(); import fcviz; t2 = time.perf_counter()
print(json.dumps({{"numpy": t1 - t0, "fcviz": t2 - t0, "heavy": [m for m in {HEAVY!r} if m in sys.modules]}}))
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    # the children run where the fcviz this interpreter would import lives (``-c`` puts the working
    # directory first on sys.path), so the fcviz measured is the one PYTHONPATH or the install points to
    home = Path(importlib.util.find_spec("fcviz").origin).parents[1]
    runs = []
    for _ in range(args.repeats):
        out = subprocess.run([sys.executable, "-c", CHILD], check=True, capture_output=True, text=True, cwd=home)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    t_numpy = float(np.median([r["numpy"] for r in runs]))
    t_fcviz = float(np.median([r["fcviz"] for r in runs]))
    heavy = sorted({m for r in runs for m in r["heavy"]})
    print(f"cores available: {len(os.sched_getaffinity(0))}; load average {os.getloadavg()[0]:.2f}; "
          f"median of {args.repeats} fresh interpreters")
    print(f"import numpy: {t_numpy:.3f} s; import fcviz (numpy included): {t_fcviz:.3f} s; "
          f"heavy packages loaded: {', '.join(heavy) or 'none'}")
    ok = t_fcviz <= TARGET_S and not heavy
    print(f"RATIO import fcviz = {t_fcviz:.3f} s  (target <= {TARGET_S} s, nothing heavy loaded): "
          f"{'PASS' if ok else 'FAIL'}")
    return t_fcviz


if __name__ == "__main__":
    main()
