"""Peak memory of a kernel that opens the dashboard on a cached classroom zoo, with and without torch.

Target (issue 20: thirty students' kernels on one server): a kernel that opens the dashboard on the
cached classroom zoo peaks at no more than 300 MB, and never imports torch. Before issue 20 such a
kernel imported torch through the cache-key check and peaked at 639 MB.

What runs:

1. The classroom zoo of the dashboard (digits, ``preset="classroom"``: 4 strategies x 8 networks,
   15 epochs, snapshots for the Dynamics tab) is built into a temporary ``FCVIZ_CACHE_DIR`` by a
   separate process, with its recordings over every stimulus class (what the Connectomes tab offers),
   unless ``--cache-dir`` names a cache that holds them already (a teacher's prebuilt one).
2. A fresh ipykernel (jupyter_client's ``KernelManager``, as JupyterLab and the Hub start one; or, with
   ``--plain``, a plain ``python`` process) runs notebook 00's first cells: ``import fcviz``,
   ``fcviz.dashboard()``, Build (a cache hit), the summary table; then it switches every tab's controls
   (strategy, stimulus class, network, clustering method, every epoch of the dynamics). Figures are the
   dashboard's own PNG images; ``MPLBACKEND`` is unset, as in JupyterLab.
3. The kernel reports ``resource.getrusage(RUSAGE_SELF).ru_maxrss``: the exact high-water mark of its
   resident memory over its whole life, no spike missed; and whether torch / torchvision are in
   ``sys.modules``.
4. The same again in a new kernel that runs ``import torch`` first: what the dashboard cost while the
   cache check imported torch.

MB here are 10**6 bytes. Usage::

    python benchmarks/bench_kernel_memory.py                 # build a temporary cache, measure both
    python benchmarks/bench_kernel_memory.py --cache-dir DIR # a prebuilt cache (built there if missing)
    python benchmarks/bench_kernel_memory.py --plain         # plain python processes instead of kernels

Exits with status 1 when the torch-free kernel imports torch or peaks above ``--target`` MB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MB = 300.0
BEFORE_MB = 639.0  # measured before issue 20, quoted by the issue
MB = 1e6

# Builds the cache: the zoo Build asks for, and its recordings over every class (the Connectomes tab).
PREBUILD = """
import fcviz
zoo = fcviz.connectome_zoo(**fcviz.dashboard().zoo_arguments(), progress=False)
for label in range(10):
    zoo.trained().recorded_over(label, progress=False)
print("cached:", zoo.cache_path)
"""

# Notebook 00's first cells, then every tab's controls, as separate cells.
CELLS = [
    """
    import os
    import numpy as np
    import fcviz
    """,
    """
    dash = fcviz.dashboard()
    display(dash)
    """,
    """
    dash.build_button.click()
    assert dash.wait(600), "the build did not finish"
    assert dash.zoo_ is not None and dash.last_error_ is None, dash.last_error_
    assert dash.zoo_.from_cache, "the zoo was not in the cache: it was trained"
    display(dash.zoo_.summary())
    """,
    """
    def turn(explorer, *controls):
        for control in controls:
            for i in range(len(control.options)):
                control.index = i
                explorer.wait(600)

    con, clu, dyn = (dash.explorers_[title] for title in ("Connectomes", "Clustering", "Dynamics"))
    turn(con, con.strategy, con.network, con.order, con.stimulus_class)
    turn(clu, clu.method)
    clu.method.value = "Top"
    clu.show_curve()
    clu.wait(600)
    for epoch in range(dyn.epoch.min, dyn.epoch.max + 1):
        dyn.epoch.value = epoch
    turn(dyn, dyn.strategy, dyn.network, dyn.order)
    errors = {title: explorer.last_error_ for title, explorer in dash.explorers_.items()}
    assert not any(errors.values()), errors
    """,
    """
    import json as _json, resource as _resource, sys as _sys
    _scale = 1 if _sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    print("FCVIZ_BENCH " + _json.dumps({"peak": _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss * _scale,
                                        "torch": "torch" in _sys.modules,
                                        "torchvision": "torchvision" in _sys.modules}))
    """,
]


def child_env(cache_dir, threads):
    """fcviz from this checkout, the benchmark's cache, inline figures (MPLBACKEND unset), a thread count."""
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)
    env.pop("FCVIZ_FAST", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["FCVIZ_CACHE_DIR"] = str(cache_dir)
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[name] = str(threads)
    return env


def prebuild(cache_dir, threads):
    tic = time.perf_counter()
    env = {**child_env(cache_dir, threads), "MPLBACKEND": "Agg"}
    subprocess.run([sys.executable, "-c", PREBUILD], env=env, check=True, timeout=1800)
    return time.perf_counter() - tic


def _result(text):
    lines = [line for line in text.splitlines() if line.startswith("FCVIZ_BENCH ")]
    if not lines:
        raise RuntimeError(f"no measurement came back:\n{text[-3000:]}")
    return json.loads(lines[-1][len("FCVIZ_BENCH "):])


def measure_kernel(cells, env, cwd, timeout):
    """Run ``cells`` in a fresh ipykernel; return its report (peak bytes, torch imported)."""
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="python3")
    km.start_kernel(env=env, cwd=str(cwd))
    kc = km.client()
    out = []
    try:
        kc.start_channels()
        kc.wait_for_ready(timeout=120)

        def hook(msg):
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out.append(content["text"])
            elif kind == "error":
                out.append("\n".join(content["traceback"]))

        for cell in cells:
            reply = kc.execute_interactive(textwrap.dedent(cell), timeout=timeout, output_hook=hook,
                                           store_history=False)
            if reply["content"]["status"] != "ok":
                raise RuntimeError("a cell failed in the kernel:\n" + "".join(out)[-3000:])
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return _result("".join(out))


def measure_plain(cells, env, cwd, timeout):
    """Run ``cells`` as one script in a fresh plain python process (``display`` prints nothing)."""
    script = "def display(*objects):\n    pass\n" + "".join(textwrap.dedent(cell) for cell in cells)
    proc = subprocess.run([sys.executable, "-c", script], env=env, cwd=str(cwd), capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"the process failed:\n{proc.stderr[-3000:]}")
    return _result(proc.stdout)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache-dir", help="a prebuilt cache (built there when the zoo is missing); "
                                            "default: a temporary one, built now")
    parser.add_argument("--plain", action="store_true", help="plain python processes instead of ipykernels")
    parser.add_argument("--threads", type=int, default=2, help="OMP/MKL threads of the kernels (default 2)")
    parser.add_argument("--target", type=float, default=TARGET_MB, help=f"MB (default {TARGET_MB:.0f})")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per cell (default 900)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="fcviz-bench-memory-") as work:
        cache = Path(args.cache_dir) if args.cache_dir else Path(work) / "cache"
        seconds = prebuild(cache, args.threads)
        print(f"cache {cache}: ready in {seconds:.0f} s (a cache hit takes a second)")
        measure = measure_plain if args.plain else measure_kernel
        env = child_env(cache, args.threads)
        runs = {}
        for name, cells in (("dashboard on the cached classroom zoo", CELLS),
                            ("the same after `import torch`", ["import torch"] + CELLS)):
            tic = time.perf_counter()
            runs[name] = measure(cells, env, work, args.timeout)
            runs[name]["seconds"] = time.perf_counter() - tic

    kind = "plain python process" if args.plain else "ipykernel"
    print(f"\nPeak RSS of a fresh {kind} (ru_maxrss), target <= {args.target:.0f} MB "
          f"(before issue 20: {BEFORE_MB:.0f} MB, with torch)")
    print(f"{'run':<40} {'peak MB':>8} {'torch':>6} {'torchvision':>12} {'seconds':>8}")
    for name, run in runs.items():
        print(f"{name:<40} {run['peak'] / MB:>8.0f} {'yes' if run['torch'] else 'no':>6} "
              f"{'yes' if run['torchvision'] else 'no':>12} {run['seconds']:>8.1f}")
    free, with_torch = runs.values()
    print(f"torch costs {(with_torch['peak'] - free['peak']) / MB:.0f} MB per kernel")
    failed = free["torch"] or free["torchvision"] or free["peak"] / MB > args.target
    print("FAIL" if failed else "OK", f"(torch-free kernel: {free['peak'] / MB:.0f} MB, torch "
          f"{'imported' if free['torch'] else 'not imported'})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
