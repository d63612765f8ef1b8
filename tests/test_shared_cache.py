"""Many kernels, one cache: a per-key file lock, read-only and full folders, ``python -m fcviz prefetch``.

The race tests start real processes (each a kernel of a class) on one empty cache folder; a file
barrier makes them ask for the zoo at the same moment.
"""

import errno
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import fcviz._zoo_cache as zoo_cache
import fcviz._zoo_lock as zoo_lock
import fcviz.zoo as zoo_module
from fcviz import BuildCancelled, connectome_zoo
from fcviz._prefetch import dashboard_zoo, planned_zoos

ROOT = Path(__file__).resolve().parent.parent
TINY = dict(dataset="digits", regularizers=("vanilla",), n_networks=2, epochs=1, n_stimuli=30)

# The kernels of a class: one launcher imports fcviz once and forks one process per kernel (so the
# test pays one import, not six). Each kernel waits for its "go" file, asks for the tiny zoo and
# writes what it got to result-<name>.json; its log goes to log-<name>. Every call of the zoo's build
# first appends the kernel's name to the file "built"; a "slow" kernel then hangs there, holding the
# lock, until it is killed. The launcher writes each kernel's pid-<name> and, at its end, status-<name>.
LAUNCHER = r"""
import hashlib, json, logging, os, sys, time, traceback
cache, marks = sys.argv[1:3]
import fcviz.zoo as zoo_module

def mark(name, text=""):
    with open(os.path.join(marks, name), "a") as file:
        file.write(text)

def kernel(name, mode):
    handler = logging.FileHandler(os.path.join(marks, "log-" + name))
    logging.getLogger("fcviz").addHandler(handler)
    if mode == "preload":
        import torch  # noqa: F401 (a kernel that has trained before: it takes over sooner)
    real_build = zoo_module._build

    def counted(settings, monitor):
        mark("built", name + "\n")
        if mode == "slow":
            mark("building-" + name)
            time.sleep(600)
        return real_build(settings, monitor)

    zoo_module._build = counted
    mark("ready-" + name)
    while not any(os.path.exists(os.path.join(marks, go)) for go in ("go", "go-" + name)):
        time.sleep(0.02)
    zoo = zoo_module.connectome_zoo("digits", ("vanilla",), n_networks=2, epochs=1, n_stimuli=30,
                                    cache_dir=cache, progress=False)
    digest = hashlib.sha256(zoo.graphs.tobytes())
    for net in sorted(zoo.network_states):
        for key in sorted(zoo.network_states[net]):
            digest.update(zoo.network_states[net][key].tobytes())
    handler.flush()
    mark("result-" + name + ".json", json.dumps({"name": name, "from_cache": zoo.from_cache, "labels": zoo.labels,
                                                  "digest": digest.hexdigest(), "cache_path": zoo.cache_path}))

children = {}
for item in sys.argv[3:]:
    name, mode = item.split(":")
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            kernel(name, mode)
            code = 0
        except BaseException:
            mark("error-" + name, traceback.format_exc())
        finally:
            os._exit(code)
    children[pid] = name
    mark("pid-" + name, str(pid))
for _ in list(children):
    pid, status = os.wait()
    mark("status-" + children[pid], str(os.waitstatus_to_exitcode(status)))
"""


def _launch(tmp_path, *kernels):
    """Start the launcher with kernels ``"name:mode"``; mode race (plain), slow or preload."""
    script = tmp_path / "launcher.py"
    script.write_text(LAUNCHER)
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONHASHSEED="0")
    env.pop("FCVIZ_CACHE_DIR", None)
    return subprocess.Popen([sys.executable, str(script), str(tmp_path / "cache"), str(tmp_path / "marks"),
                             *kernels], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            cwd=tmp_path)


def _wait_for(path, launcher, timeout=180.0, what=""):
    deadline = time.monotonic() + timeout
    while not path.exists():
        if launcher.poll() is not None:
            pytest.fail(f"the launcher ended while waiting for {what}: {launcher.stdout.read()}")
        assert time.monotonic() < deadline, f"timed out waiting for {what or path.name}"
        time.sleep(0.05)


def _finish(launcher, marks, names, timeout=240):
    try:
        out, _ = launcher.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:  # say how far each kernel got
        launcher.kill()
        state = {p.name: p.read_text()[-300:] for p in sorted(marks.iterdir())}
        pytest.fail(f"the kernels did not finish within {timeout} s: {state}")
    assert launcher.returncode == 0, out
    errors = {n: (marks / f"error-{n}").read_text() for n in names if (marks / f"error-{n}").exists()}
    assert not errors, errors


def _result(marks, name):
    assert (marks / f"status-{name}").read_text() == "0"
    return json.loads((marks / f"result-{name}.json").read_text())


def _leftovers(cache):
    """Files of the cache that are neither entries nor lock files (temporary or partial files)."""
    return [p for p in cache.rglob("*") if p.is_file() and not (p.suffix == ".npz" and p.parent.name == "zoo")
            and not (p.suffix == ".lock" and p.parent.name == zoo_lock.LOCK_FOLDER)]


@pytest.fixture
def marks(tmp_path):
    (tmp_path / "marks").mkdir()
    return tmp_path / "marks"


# ------------------------------------------------------------------------------------------------
# Processes racing on one cache


def test_six_kernels_racing_on_an_empty_cache_train_once(tmp_path, marks):
    t0 = time.monotonic()
    names = [f"k{i}" for i in range(6)]
    launcher = _launch(tmp_path, *(f"{name}:race" for name in names))
    try:
        for name in names:
            _wait_for(marks / f"ready-{name}", launcher, what=f"kernel {name} to start")
        (marks / "go").touch()  # all six ask for the zoo at once
        _finish(launcher, marks, names)
    finally:
        launcher.kill()
    results = [_result(marks, name) for name in names]
    built = (marks / "built").read_text().split()
    assert len(built) == 1, f"{built} trained; exactly one kernel should"
    assert [r["name"] for r in results if not r["from_cache"]] == built  # the others loaded its entry
    assert len({r["digest"] for r in results}) == 1 and len({json.dumps(r["labels"]) for r in results}) == 1
    entries = list((tmp_path / "cache" / "zoo").iterdir())
    assert len(entries) == 1 and entries[0].suffix == ".npz" and {r["cache_path"] for r in results} == {str(entries[0])}
    assert _leftovers(tmp_path / "cache") == []  # no temporary or partial file
    waited = [n for n in names if "waiting for it" in (marks / f"log-{n}").read_text()]
    assert waited and built[0] not in waited  # the others said why they waited
    print(f"six kernels: {time.monotonic() - t0:.1f} s, {len(waited)} waited")


def test_a_killed_builder_lets_another_kernel_take_over(tmp_path, marks):
    from filelock import FileLock, Timeout

    t0 = time.monotonic()
    launcher = _launch(tmp_path, "builder:slow", "other:preload")
    try:
        _wait_for(marks / "ready-builder", launcher, what="the builder to start")
        (marks / "go-builder").touch()
        _wait_for(marks / "building-builder", launcher, what="the builder to take the lock")
        (lock,) = (tmp_path / "cache" / zoo_lock.LOCK_FOLDER).iterdir()
        with pytest.raises(Timeout):  # the builder holds the entry's lock
            FileLock(str(lock)).acquire(blocking=False)
        _wait_for(marks / "ready-other", launcher, what="the other kernel to start")
        (marks / "go-other").touch()
        deadline = time.monotonic() + 60
        while not (marks / "log-other").exists() or "waiting for it" not in (marks / "log-other").read_text():
            assert time.monotonic() < deadline and not (marks / "status-other").exists(), "the other did not wait"
            time.sleep(0.05)
        os.kill(int((marks / "pid-builder").read_text()), signal.SIGKILL)  # kill -9 mid-build, lock held
        _finish(launcher, marks, ["other"])
    finally:
        launcher.kill()
    assert (marks / "status-builder").read_text() == str(-signal.SIGKILL)
    result = _result(marks, "other")
    assert (marks / "built").read_text().split() == ["builder", "other"]  # the other took over and trained
    assert not result["from_cache"] and result["cache_path"]
    assert _leftovers(tmp_path / "cache") == []
    again = connectome_zoo(**TINY, cache_dir=tmp_path / "cache", progress=False)  # whole: it loads
    assert again.from_cache and again.cache_path == result["cache_path"]
    with FileLock(str(lock)).acquire(blocking=False):  # and nothing holds the lock any more
        pass
    print(f"killed builder: {time.monotonic() - t0:.1f} s")


# ------------------------------------------------------------------------------------------------
# Folders that cannot be written (in process, with a stand-in build)


@pytest.fixture
def fake_build(monkeypatch):
    """A fast deterministic stand-in for training; counts the builds."""
    calls = []

    def build(settings, progress):
        calls.append(settings)
        n = len(settings["regularizers"]) * settings["n_networks"]
        upper = np.triu(np.random.default_rng(settings["seed"]).uniform(size=(n, 5, 5)), 1)
        labels = [{"regularizer": r, "stimulus_class": None, "network_seed": 100 + k, "network": k,
                   "epoch": settings["epochs"], "train_accuracy": 0.5}
                  for r in settings["regularizers"] for k in range(settings["n_networks"])]
        meta = {"settings": settings, "train_accuracy": [0.5] * n, "n_dead": [0] * n, "timings": {}}
        return upper + upper.transpose(0, 2, 1), labels, meta

    monkeypatch.setattr(zoo_module, "_build", build)
    return calls


def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def _unsaved(caplog):
    return [r for r in caplog.records if "Could not write the zoo cache" in r.getMessage()]


def _read_only(folder, monkeypatch):
    """Make ``folder`` read-only: chmod 555, or, where that cannot stop this user (root), a filesystem
    that answers every write with EROFS."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    if os.access(folder, os.W_OK):  # root: the permission bits do not apply
        def refuse(*args, **kwargs):
            raise OSError(errno.EROFS, "Read-only file system", str(folder))

        monkeypatch.setattr(zoo_lock, "_file_lock", refuse)  # creating the lock (and its folder) fails
        monkeypatch.setattr(zoo_cache, "write_atomic", refuse)  # and so does writing an entry


def test_read_only_cache_builds_in_memory_and_says_so_once(fake_build, tmp_path, monkeypatch, caplog):
    cache = tmp_path / "shared"
    _read_only(cache, monkeypatch)
    before = _files(cache)
    reports = []
    try:
        with caplog.at_level(logging.WARNING, logger="fcviz.zoo"):
            first = connectome_zoo(cache_dir=cache, progress=False, progress_callback=reports.append)
            second = connectome_zoo(cache_dir=cache, progress=False, n_networks=3)
    finally:
        cache.chmod(0o755)
    assert len(fake_build) == 2 and first.cache_path is None and not first.from_cache and len(second) == 12
    assert len(_unsaved(caplog)) == 1  # said once, with the reason
    message = _unsaved(caplog)[0].getMessage()
    assert str(cache / "zoo") in message and ("read-only" in message or "may not write" in message)
    assert "in memory (not saved" in reports[-1].message and reports[-1].stage == "done"
    assert _files(cache) == before  # no lock file, no entry, no temporary file


def test_students_read_a_read_only_shared_cache(fake_build, tmp_path, monkeypatch, caplog):
    cache = tmp_path / "shared"
    built = connectome_zoo(cache_dir=cache, progress=False)  # the teacher's prefetch
    listing = _files(cache)
    _read_only(cache, monkeypatch)
    try:
        with caplog.at_level(logging.WARNING, logger="fcviz.zoo"):
            student = connectome_zoo(cache_dir=cache, progress=False)
    finally:
        for path in [cache, *cache.rglob("*")]:
            path.chmod(0o755)
    assert student.from_cache and len(fake_build) == 1 and not _unsaved(caplog)
    np.testing.assert_array_equal(student.graphs, built.graphs)
    assert _files(cache) == listing  # reading wrote nothing, not even a lock


def test_full_disk_builds_in_memory_and_leaves_no_partial_file(fake_build, tmp_path, monkeypatch, caplog):
    real_savez = np.savez

    def disk_full(file, **arrays):
        file.write(b"PK\x03\x04 the first blocks of a zip file")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zoo_cache.np, "savez", disk_full)
    with caplog.at_level(logging.WARNING, logger="fcviz.zoo"):
        zoos = [connectome_zoo(cache_dir=tmp_path, progress=False, seed=seed) for seed in (0, 1)]
    assert all(z.cache_path is None and not z.from_cache for z in zoos) and len(fake_build) == 2
    assert len(_unsaved(caplog)) == 1 and "the disk is full" in _unsaved(caplog)[0].getMessage()
    assert list((tmp_path / "zoo").iterdir()) == []  # neither an entry nor a temporary file
    monkeypatch.setattr(zoo_cache.np, "savez", real_savez)
    assert connectome_zoo(cache_dir=tmp_path, progress=False).cache_path is not None  # space again: saved


def test_waiting_for_a_lock_says_so_and_honours_cancel(fake_build, tmp_path):
    from filelock import FileLock

    from fcviz._zoo_cache import entry_path, zoo_cache_key, zoo_folder

    settings = zoo_module._resolve_settings("digits", zoo_module.REGULARIZERS, None, None, "classroom", 0, "fresh",
                                            {}, None)
    lock = FileLock(str(zoo_lock.lock_path(entry_path(zoo_folder(tmp_path), settings, zoo_cache_key(settings)))))
    cancel, reports, outcome = threading.Event(), [], []

    def kernel():
        try:
            connectome_zoo(cache_dir=tmp_path, progress=False, progress_callback=reports.append, cancel=cancel)
        except BaseException as exc:
            outcome.append(exc)

    with lock:  # another kernel is building
        thread = threading.Thread(target=kernel)
        thread.start()
        deadline = time.monotonic() + 10
        while not reports and time.monotonic() < deadline:
            time.sleep(0.01)
        cancel.set()
        thread.join(10)
    assert not thread.is_alive() and isinstance(outcome[0], BuildCancelled) and fake_build == []
    assert "another kernel is building this zoo" in reports[0].message and reports[0].stage == "stimuli"


# ------------------------------------------------------------------------------------------------
# python -m fcviz prefetch


def test_prefetch_plans_the_dashboards_zoo():
    import fcviz

    args = fcviz.dashboard("digits").zoo_arguments()
    key = zoo_module.zoo_cache_key

    def settings(kwargs):
        kw = dict(kwargs)
        return zoo_module._resolve_settings(
            kw.pop("dataset"), kw.pop("regularizers"), zoo_module._check_classes(kw.pop("classes", None)),
            kw.pop("n_networks", None), kw.pop("preset"), kw.pop("seed", 0), kw.pop("pairing", "fresh"), kw,
            kw.pop("snapshot_epochs", None))

    assert key(settings(dashboard_zoo("digits"))) == key(settings(args))
    plan = planned_zoos("digits")
    assert plan[0][0] == "dashboard" and len(plan) == 8 and [w for w, _ in planned_zoos("mnist")] == ["dashboard"]


def test_prefetch_command_fills_a_cache_and_says_what_is_missing(tmp_path, monkeypatch, capsys):
    import fcviz._prefetch as prefetch_module
    from fcviz.__main__ import main

    built = []

    def offline(name, data_dir):
        if name != "digits":
            raise FileNotFoundError(f"Dataset {name!r} is not available: is this machine offline?\nmore")

    monkeypatch.setattr(prefetch_module, "_fetch_data", offline)
    monkeypatch.setattr(prefetch_module, "_build_zoos", lambda name, cache_dir, notebooks, echo: built.append(name))
    with pytest.raises(SystemExit) as exit_:
        main(["prefetch", "--datasets", "digits,mnist", "--cache-dir", str(tmp_path)])
    assert exit_.value.code == 1 and built == ["digits"]
    out, err = capsys.readouterr()
    assert "mnist" in err and "not available" in out and "offline" in out
    assert main(["prefetch", "--datasets", "digits,mnist", "--cache-dir", str(tmp_path), "--skip-unavailable"]) == 0
    assert "skipped mnist" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        main(["prefetch", "--datasets", "digits,imagenet", "--cache-dir", str(tmp_path)])
    assert exit_.value.code == 2 and "imagenet" in capsys.readouterr().err
    postbuild = (ROOT / "binder" / "postBuild").read_text()
    assert "python -m fcviz prefetch" in postbuild and "fcviz.dashboard(" not in postbuild
