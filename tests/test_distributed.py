"""fcviz.parallel on a real Dask LocalCluster (2 worker processes): same bits, faults, cancel, CLI.

One cluster serves the module (about 3 s to start); the zoos are tiny (digits, 2 networks, few
epochs). The tests at the top need no Dask: the serial path, the thread and GPU decisions, and the
message when Dask is missing.
"""

import os
import signal
import sys
import threading
import time

import numpy as np
import pytest

from fcviz import parallel
from fcviz.zoo import connectome_zoo

ZOO = dict(n_networks=2, epochs=3, n_stimuli=40, progress=False, snapshot_epochs=[0, 1])


# --------------------------------------------------------------------------- without Dask


def _fails_on(value, bad):
    if value == bad:
        raise ValueError(f"value {value} is bad")
    return value * 10


def test_serial_tasks_keep_order_and_name_the_failing_task():
    done = []
    out = parallel.run_tasks(_fails_on, [(1, 0), (2, 0), (3, 0)], on_done=lambda *a: done.append(a[:3]))
    assert out == [10, 20, 30] and done == [(1, 3, 0), (2, 3, 1), (3, 3, 2)]
    with pytest.raises(ValueError, match=r"^graph 2: value 2 is bad$"):
        parallel.run_tasks(_fails_on, [(1, 2), (2, 2)], labels=["graph 1", "graph 2"])
    with pytest.raises(ValueError, match="labels must name every task"):
        parallel.run_tasks(_fails_on, [(1, 2)], labels=[])
    with pytest.raises(ValueError, match="n_jobs must be"):
        parallel.run_tasks(_fails_on, [(1, 2), (2, 3)], n_jobs=0)


def test_local_processes_give_the_serial_results_and_errors():
    assert parallel.run_tasks(_fails_on, [(i, -1) for i in range(5)], n_jobs=2) == [0, 10, 20, 30, 40]
    with pytest.raises(ValueError, match="task 3: value 3 is bad"):
        parallel.run_tasks(_fails_on, [(i, 3) for i in range(5)], n_jobs=2)


def test_threads_per_task_and_gpu_decision():
    assert parallel._host_threads(None) is None and parallel._host_threads(3) == 3
    # two one-thread workers on a host share its cores
    assert parallel._host_thread_counts({"workers": {"a": {"host": "h", "nthreads": 1},
                                                     "b": {"host": "h", "nthreads": 1},
                                                     "c": {"host": "g", "nthreads": 4}}}) == {"h": 2, "g": 4}
    cpu = {"workers": {"a": {"resources": {}}, "b": {}}}
    gpu = {"workers": {"a": {"resources": {}}, "b": {"resources": {"GPU": 1}}}}
    assert not parallel.wants_gpu(cpu) and parallel.wants_gpu(gpu) and not parallel.wants_gpu({})
    assert parallel.split(10, 3) == [(0, 3), (3, 6), (6, 10)] and parallel.split(2, 8) == [(0, 1), (1, 2)]


def test_without_dask_the_error_names_the_extra(monkeypatch, capsys):
    from fcviz.__main__ import main

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now raises ImportError
    with pytest.raises(ImportError, match=r'pip install "fcviz\[distributed\]"'):
        parallel.local_cluster(2)
    with pytest.raises(SystemExit):
        main(["zoo", "--workers", "2", "--no-cache"])
    assert 'pip install "fcviz[distributed]"' in capsys.readouterr().err


# --------------------------------------------------------------------------- on a real cluster

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this test module
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def serial_zoo():
    return connectome_zoo("digits", cache=False, **ZOO)


def _same_zoo(a, b):
    assert np.array_equal(a.graphs, b.graphs) and a.labels == b.labels
    assert a.network_states.keys() == b.network_states.keys()
    for key, state in a.network_states.items():
        assert all(np.array_equal(state[name], b.network_states[key][name]) for name in state), key


def test_zoo_on_the_cluster_is_the_serial_zoo_and_the_client_writes_the_cache(client, serial_zoo, tmp_path):
    reports = []
    zoo = connectome_zoo("digits", cache_dir=tmp_path, client=client, progress_callback=reports.append, **ZOO)
    _same_zoo(serial_zoo, zoo)
    assert zoo.cache_path and os.path.dirname(zoo.cache_path) == str(tmp_path / "zoo")
    assert [r.done for r in reports if r.stage == "record"] == [3, 6, 9, 12]  # finished groups, in epochs
    again = connectome_zoo("digits", cache_dir=tmp_path, client=client, **ZOO)
    assert again.from_cache
    _same_zoo(serial_zoo, again)


def test_a_killed_worker_does_not_change_the_zoo(client, serial_zoo):
    pids = client.run(os.getpid)
    killed = []

    def kill_a_busy_worker(report):
        if report.stage == "record" and not killed:  # one group finished, three still to come
            busy = [address for address, keys in client.processing().items() if keys]
            killed.append(busy[0])
            os.kill(pids[busy[0]], signal.SIGKILL)

    zoo = connectome_zoo("digits", cache=False, client=client, progress_callback=kill_a_busy_worker, **ZOO)
    assert killed, "no worker was busy when the first group finished"
    _same_zoo(serial_zoo, zoo)
    client.wait_for_workers(2, timeout=60)  # the nanny restarts it for the next tests


def _stops_when_told(index, bad, cancel=None):
    if index == bad:
        raise ZeroDivisionError(f"network {index} diverged")
    started = time.monotonic()
    while time.monotonic() - started < 30:
        if cancel is not None and cancel.is_set():
            return "stopped"
        time.sleep(0.05)
    return "ran to the end"


def test_a_failing_task_reaches_the_caller_and_the_others_are_cancelled(client):
    tic = time.monotonic()
    with pytest.raises(ZeroDivisionError, match="^Rips diagram of graph 1: network 1 diverged$") as info:
        parallel.run_tasks(_stops_when_told, [(i, 1) for i in range(6)], client=client, pass_cancel=True,
                           labels=[f"Rips diagram of graph {i}" for i in range(6)])
    assert type(info.value) is ZeroDivisionError
    assert time.monotonic() - tic < 30  # six 30 s tasks: the others did not run to their end
    deadline = time.monotonic() + 10
    while any(client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(client.processing().values()), "tasks still run after the failure"


def test_cancel_stops_the_cluster_tasks(client):
    stop = threading.Event()
    threading.Timer(1.5, stop.set).start()
    tic = time.monotonic()
    from fcviz import BuildCancelled

    with pytest.raises(BuildCancelled, match="cluster tasks were cancelled"):
        parallel.run_tasks(_stops_when_told, [(i, -5) for i in range(6)], client=client, cancel=stop,
                           pass_cancel=True)
    assert time.monotonic() - tic < 10
    deadline = time.monotonic() + 10
    while any(client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(client.processing().values())


def test_dashboard_cancel_cancels_the_cluster_build(client, tmp_path):
    from fcviz.viz.widgets.dashboard import Dashboard

    board = Dashboard("digits", strategies=("vanilla", "l2"), n_networks=2, epochs=400, n_stimuli=40,
                      snapshot_epochs=None, cache_dir=tmp_path, client=client)
    board.build()
    deadline = time.monotonic() + 30
    while not any(k.startswith("fcviz-train") for keys in client.processing().values() for k in keys):
        assert time.monotonic() < deadline and board.building_, board.status.value
        time.sleep(0.1)
    assert "Dask cluster" in board.status.value
    board.cancel()
    assert board.wait(30)
    assert "Cancelled" in board.status.value and board.zoo_ is None
    deadline = time.monotonic() + 10
    while any(client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(client.processing().values()), "the training tasks kept running"
    assert not list((tmp_path / "zoo").glob("*.npz")) if (tmp_path / "zoo").exists() else True
    board.close()


def _started(index):
    started = time.time()
    time.sleep(0.3)
    return index, started


def test_the_costliest_tasks_start_first_and_results_keep_task_order(client):
    deadline = time.monotonic() + 20  # the cancel tests above may leave a stopping task on a worker
    while any(client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    for where in ({"client": client}, {"n_jobs": 2}):
        for _ in range(2):  # the first run pays a fresh worker's first-task costs (imports, thread pools)
            out = parallel.run_tasks(_started, [(i,) for i in range(4)], priorities=[1, 1, 3, 2], **where)
        assert [i for i, _ in out] == [0, 1, 2, 3]
        first_two = {i for i, _ in sorted(out, key=lambda r: r[1])[:2]}
        assert first_two == {2, 3}, where
    with pytest.raises(ValueError, match="one number per task"):
        parallel.run_tasks(_started, [(0,), (1,)], priorities=[1], n_jobs=2)


def test_study_and_curve_on_the_cluster_are_the_serial_ones(client, serial_zoo):
    from fcviz import studies

    pytest.importorskip("ripser")
    options = dict(zoo=serial_zoo, methods=["Top", "BD", "SWK", "HK", "PI"], n_repeats=2, n_bootstrap=12)
    a = studies.training_strategies(**options)
    with parallel.using(client):
        b = studies.training_strategies(**options)
        curve = studies.birth_weight_curve(serial_zoo, birth_weights=[0.0, 1.0], n_repeats=2)
    for ra, rb in zip(a.table, b.table):
        for key in ("purity_mean", "purity_ci_low", "purity_ci_high", "ari_mean", "status"):
            assert ra[key] == rb[key], (ra["method"], key)
        assert np.array_equal(ra["purity_bootstrap"], rb["purity_bootstrap"])
    serial = studies.birth_weight_curve(serial_zoo, birth_weights=[0.0, 1.0], n_repeats=2)
    assert np.array_equal(serial.purity_mean, curve.purity_mean) and serial.paper_purity == curve.paper_purity


def test_cli_on_an_existing_scheduler_and_an_unreachable_one(client, capsys):
    from fcviz.__main__ import main

    main(["zoo", "--regularizers", "vanilla", "--networks", "2", "--epochs", "1", "--no-cache",
          "--scheduler", client.scheduler_info()["address"]])
    out = capsys.readouterr().out
    assert "Dask cluster" in out and "2 workers" in out and "ConnectomeZoo(n_graphs=2" in out
    tic = time.monotonic()
    with pytest.raises(SystemExit):
        main(["zoo", "--no-cache", "--scheduler", "tcp://127.0.0.1:1"])
    assert time.monotonic() - tic < 30
    assert "tcp://127.0.0.1:1" in capsys.readouterr().err
