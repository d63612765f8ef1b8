"""The zoo's build: train every group of networks, record their connectomes, report progress.

:func:`build` trains the networks of a settings dict (:func:`fcviz._zoo_cache.resolve_settings`)
with :func:`fcviz.train_networks` and records their connectomes (and those of the snapshots) with
:func:`fcviz.functional_connectomes`; :func:`record_networks` records a zoo's stored networks over
other stimuli without training. :class:`Monitor` carries the progress bar, the progress callback and
the cancel event through both.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import json
import logging
import time
import zlib

import numpy as np

from .progress import BuildProgress, raise_if_cancelled

__all__ = ["build", "record_networks", "training_runs", "Monitor"]

logger = logging.getLogger("fcviz.zoo")  # the zoo's modules log under the public module's name


def _regularizer_seed(seed: int, regularizer: str) -> int:
    """A stable 32-bit training seed per (seed, regularizer)."""
    entropy = [int(seed), zlib.crc32(regularizer.encode())]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


def _final_accuracy(result) -> list[float]:
    """Training accuracy of each network over its last training epoch (from the training history)."""
    acc = np.asarray(result.history["accuracy"], dtype=float)
    done = np.asarray(result.epochs_trained)
    return [float(acc[k, done[k] - 1]) for k in range(len(result.models))]


@contextlib.contextmanager
def _torch_threads(n: int | None):
    """Set torch's intra-op thread count inside the block (None: leave it), restoring it on exit."""
    import torch

    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class Monitor:
    """What a build reports to and listens to: the tqdm flag, the progress callback, the cancel event,
    and where its tasks run (``n_jobs``, ``client``: see :func:`fcviz.parallel.run_tasks`).

    ``done`` is the work reported so far; :meth:`report` never lets it decrease and advances a given
    tqdm bar by the difference, so the bar and the callback always agree.
    """

    def __init__(self, bar: bool = False, callback=None, cancel=None, what: str = "The connectome zoo build", *,
                 n_jobs=None, client=None):
        self.bar, self.callback, self.cancel, self.what = bool(bar), callback, cancel, what
        self.n_jobs, self.client = n_jobs, client  # where the groups run (see fcviz.parallel)
        self.done = 0

    def check(self) -> None:
        raise_if_cancelled(self.cancel, self.what)

    def report(self, stage: str, done: int, total: int, message: str, tqdm_bar=None) -> None:
        if tqdm_bar is not None and done > self.done:
            tqdm_bar.update(done - self.done)
        self.done = max(self.done, int(done))
        if self.callback is not None:
            self.callback(BuildProgress(stage, self.done, int(total), message))

    def epochs(self, tqdm_bar, base: int, n_epochs: int, total: int, name: str):
        """A :func:`fcviz.train_networks` progress callback that maps its epochs into this build's units."""
        def on_epoch(report: BuildProgress) -> None:
            if report.stage == "train":
                done = base + min(n_epochs, report.done * n_epochs // max(report.total, 1))
                self.report("train", done, total, f"{name}: epoch {done - base}/{n_epochs}", tqdm_bar)

        return on_epoch


#: Training time of a strategy relative to vanilla SGD (digits at 384 neurons, one thread: 0.79, 0.82, 1.08
#: and 1.21 s a group of 8 networks x 15 epochs). On a cluster the costliest groups start first, so that
#: the last to finish are short ones; in Dask's order of submission, 4 groups on 2 workers finished
#: about 15 % later than the best split. Only the order of starting depends on it, never the results.
STRATEGY_COST = {"vanilla": 1.0, "l2": 1.04, "batch_norm": 1.37, "dropout": 1.53}


def training_runs(settings: dict) -> list[tuple[str, int, list]]:
    """The training runs of a zoo: ``(regularizer, run index, stimulus classes recorded)``.

    One run per (regularizer, class) with pairing="fresh", else per regularizer. Fresh sets of one
    regularizer share its seed and take consecutive network indices, so no network appears twice.
    """
    class_list = [None] if settings["classes"] is None else list(settings["classes"])
    shared = settings["pairing"] == "shared" or class_list == [None]
    return [(reg, k, class_list if shared else [c])
            for reg in settings["regularizers"]
            for k, c in enumerate([None] if shared else class_list)]


def _load_stimulus_sets(settings: dict, class_list: list) -> dict:
    """The held-out stimuli ``(m, C, H, W)`` of each class set (None: every class), by the zoo's rules."""
    from .datasets import load_stimuli

    dataset = settings["dataset"]
    stimuli = {
        c: load_stimuli(dataset, split="stimuli", classes=c, n=settings["n_stimuli"], seed=settings["seed"])[0]
        for c in class_list
    }
    for c, X in stimuli.items():
        if len(X) < 2:
            raise ValueError(f"Stimulus class {c} of {dataset!r} has {len(X)} held-out stimuli; a connectome needs 2.")
    return stimuli


def _state_arrays(model) -> dict[str, np.ndarray]:
    """A trained model's ``state_dict`` as read-only numpy arrays: float32, integer counters as int64."""
    out = {}
    for name, tensor in model.state_dict().items():
        dtype = np.float32 if tensor.is_floating_point() else np.int64
        array = tensor.detach().cpu().numpy().astype(dtype)  # always a copy
        array.setflags(write=False)
        out[name] = array
    return out


def build(settings: dict, progress) -> tuple[np.ndarray, list, dict, dict]:
    """Train every group, record its connectomes; return graphs, label rows, metadata and weights.

    ``progress`` is a bool (show a bar) or a :class:`Monitor` (bar, callback, cancel event and where
    the groups run: ``n_jobs`` local processes or a Dask ``client``, see :mod:`fcviz.parallel`).
    The weights map ``(regularizer, network)`` to the network's ``state_dict`` as numpy arrays.

    The digits networks (64-32-16-10) are so small that intra-op threads only add synchronisation,
    so each of their groups trains and records on one torch thread (restored afterwards), here or
    on a worker: the same kernels give the same bits. The other data sets keep torch's setting here
    and a worker's share of its machine's cores there.
    """
    monitor = progress if isinstance(progress, Monitor) else Monitor(bool(progress))
    graphs, labels, metadata, states = _build_grid(settings, monitor)
    metadata["torch_threads"] = 1 if settings["dataset"] == "digits" else None
    return graphs, labels, metadata, states


def _group_name(settings: dict, reg: str, run_classes: list) -> str:
    shared = settings["pairing"] == "shared" or settings["classes"] is None
    return reg if shared else f"{reg}, class {run_classes[0]}"


def _build_grid(settings: dict, monitor: Monitor) -> tuple[np.ndarray, list, dict, dict]:
    """The work of :func:`build`: one task per training run (:func:`group_task`), in task order."""
    from tqdm.auto import tqdm

    from .parallel import run_tasks

    t_start = time.perf_counter()
    runs, n_epochs = training_runs(settings), settings["epochs"]
    total = len(runs) * n_epochs  # progress counts training epochs
    snapshot_epochs = list(settings.get("snapshot_epochs", ()))  # never the last epoch (see resolve_settings)
    monitor.report("stimuli", 0, total, f"loading the {settings['dataset']} stimuli")
    tic = time.perf_counter()
    stimuli = _load_stimulus_sets(settings, [None] if settings["classes"] is None else list(settings["classes"]))
    timings = {"stimuli_s": time.perf_counter() - tic, "train_s": 0.0, "connectome_s": 0.0}
    if snapshot_epochs:
        timings["snapshot_s"] = 0.0
    names = [_group_name(settings, reg, run_classes) for reg, _, run_classes in runs]
    with tqdm(total=total, desc="connectome zoo", disable=not monitor.bar, unit="epoch") as bar:
        def local(r):  # in this process: epoch by epoch progress, and the caller's cancel event
            bar.set_postfix_str(names[r])
            return {"on_epoch": monitor.epochs(bar, r * n_epochs, n_epochs, total, names[r])}

        def finished(n_done, n_tasks, r, group):
            n_conn = settings["n_networks"] * len(runs[r][2]) * (1 + len(snapshot_epochs))
            monitor.report("record", n_done * n_epochs, total,
                           f"{names[r]}: recorded {n_conn} connectomes ({n_done}/{n_tasks} groups)", bar)

        groups = run_tasks(
            group_task, [(reg, k, run_classes) for reg, k, run_classes in runs],
            priorities=[STRATEGY_COST.get(reg, 1.0) * len(run_classes) for reg, _, run_classes in runs],
            labels=[f"training group {name!r} (run {k})" for name, (_, k, _) in zip(names, runs)],
            shared={"settings": settings, "stimuli": stimuli}, n_jobs=monitor.n_jobs, client=monitor.client,
            on_done=finished, cancel=monitor.cancel, gpu=True, pass_cancel=True, local_kwargs=local,
            name="train", what=monitor.what)
    monitor.check()
    trained, snapshots = ([], []), {e: ([], []) for e in snapshot_epochs}
    states, model_hyper, layers = {}, {}, None
    for (reg, _, _), group in zip(runs, groups):  # task order: the serial path's order whatever finished first
        model_hyper[reg] = group["hyperparameters"]
        trained[0].extend(group["graphs"])
        trained[1].extend(group["labels"])
        for e in snapshot_epochs:
            snapshots[e][0].extend(group["snapshots"][e][0])
            snapshots[e][1].extend(group["snapshots"][e][1])
        states.update(group["states"])
        layers = group["layers"]
        for name, seconds in group["timings"].items():
            timings[name] += seconds
    # rows by epoch, then in grid order; the trained networks (the last epoch) last
    graphs = [g for e in snapshot_epochs for g in snapshots[e][0]] + trained[0]
    labels = [row for e in snapshot_epochs for row in snapshots[e][1]] + trained[1]
    n_dead = [row.pop("n_dead") for row in labels]
    _warn_dead(n_dead)
    timings["total_s"] = time.perf_counter() - t_start
    metadata = _metadata(settings, labels, n_dead, layers, timings,
                         {"dataset": settings["dataset"], "hyperparameters": model_hyper})
    return _frozen_stack(graphs), labels, metadata, states


def group_task(reg: str, k: int, run_classes: list, *, settings: dict, stimuli: dict, cancel=None,
               on_epoch=None) -> dict:
    """One training run of a zoo, trained and recorded (its snapshots too): a task of :mod:`fcviz.parallel`.

    Everything it needs travels with it (the settings hold the seeds), so it gives the same bits
    wherever it runs. Returns ``graphs`` and ``labels`` (trained networks), ``snapshots``
    (epoch → (graphs, labels)), ``states``, ``hyperparameters``, ``layers`` and ``timings``.
    """
    from .parallel import task_threads

    threads = 1 if settings["dataset"] == "digits" else task_threads()
    timings = {"train_s": 0.0, "connectome_s": 0.0}
    with _torch_threads(threads):
        tic = time.perf_counter()
        result = _train_run(settings, reg, k, on_epoch, cancel)
        timings["train_s"] = time.perf_counter() - tic
        raise_if_cancelled(cancel, "The connectome zoo build")
        tic = time.perf_counter()
        run = _RecordedRun(result, reg, k * settings["n_networks"], stimuli, run_classes,
                           settings["training"].get("device"))
        trained = ([], [])
        layers = run.record_trained(trained)
        timings["connectome_s"] = time.perf_counter() - tic
        snapshot_epochs = list(settings.get("snapshot_epochs", ()))
        snapshots = {e: ([], []) for e in snapshot_epochs}
        if snapshot_epochs:
            tic = time.perf_counter()
            run.record_snapshots(snapshots, cancel)
            timings["snapshot_s"] = time.perf_counter() - tic
            timings["connectome_s"] += timings["snapshot_s"]
        return {"graphs": trained[0], "labels": trained[1], "snapshots": snapshots, "states": run.states(),
                "hyperparameters": json.loads(json.dumps(result.hyperparameters)),  # as it reads back from JSON
                "layers": layers, "timings": timings}


def _train_run(settings: dict, reg: str, k: int, on_epoch, cancel):
    """Train run ``k`` of regularizer ``reg`` (its networks ``k * n_networks`` on); see :func:`training_runs`."""
    from .training import train_networks

    seed, n_networks = settings["seed"], settings["n_networks"]
    return train_networks(
        settings["dataset"], reg, n_networks, epochs=settings["epochs"], seed=_regularizer_seed(seed, reg),
        first_network=k * n_networks, n_train=settings["n_train"], data_seed=seed, progress=False,
        progress_callback=on_epoch, cancel=cancel,
        snapshot_epochs=list(settings.get("snapshot_epochs", ())) or None,
        **settings["training"], **settings["hyperparameters"][reg],
    )


class _RecordedRun:
    """The connectomes of one training run: its trained networks and their snapshots, over each class's stimuli."""

    def __init__(self, result, reg: str, first: int, stimuli: dict, classes: list, device):
        self.result, self.reg, self.first = result, reg, first
        self.stimuli, self.classes, self.device = stimuli, classes, device

    def _record(self, models, into: tuple[list, list], epoch: int, accuracy: list):
        """Append the connectomes of ``models`` over every class and their label rows; return the last one."""
        from .connectome import functional_connectomes

        conn = None
        for c in self.classes:
            for i, conn in enumerate(functional_connectomes(models, self.stimuli[c], device=self.device,
                                                            warn_dead=False)):
                into[0].append(conn.weights)
                into[1].append({"regularizer": self.reg, "stimulus_class": c,
                                "network_seed": int(self.result.seeds[i]), "network": self.first + i,
                                "epoch": int(self.result.epochs_trained[i]) if epoch is None else epoch,
                                "train_accuracy": accuracy[i], "n_dead": conn.n_dead})
        return conn

    def record_trained(self, into: tuple[list, list]) -> tuple[list, list]:
        """Record the trained networks into ``into``; return the layer names and sizes."""
        conn = self._record(self.result.models, into, None, _final_accuracy(self.result))
        return list(conn.layer_names), list(conn.layer_sizes)

    def record_snapshots(self, into: dict, cancel) -> None:
        """Record every snapshot epoch ``e`` into ``into[e]``, over the same stimuli as the trained networks.

        One set of copies is reloaded with each snapshot's weights (copying the modules costs more
        than loading weights into them).
        """
        result = self.result
        models = [copy.deepcopy(model) for model in result.models]
        for e in into:
            raise_if_cancelled(cancel, "The connectome zoo build")
            for model, state in zip(models, result.snapshots[e]):
                model.load_state_dict(state)
            accuracy = [None if e == 0 else float(result.history["accuracy"][i, e - 1])
                        for i in range(len(models))]
            self._record(models, into[e], e, accuracy)

    def states(self) -> dict:
        """The trained weights, ``(regularizer, network)`` → ``state_dict`` as numpy arrays."""
        return {(self.reg, self.first + i): _state_arrays(model) for i, model in enumerate(self.result.models)}


def _warn_dead(n_dead: list) -> None:
    if sum(n_dead):
        logger.warning(
            "%d dead neurons (zero variance over the stimuli) in %d of %d connectomes; their edges weigh 0.",
            sum(n_dead), sum(1 for d in n_dead if d), len(n_dead),
        )


def _frozen_stack(graphs: list) -> np.ndarray:
    graphs = np.stack(graphs)
    graphs.setflags(write=False)
    return graphs


def _metadata(settings: dict, labels: list, n_dead: list, layers: tuple, timings: dict, model_settings: dict,
              **extra) -> dict:
    """The metadata of a built or recorded zoo (see :class:`fcviz.ConnectomeZoo`)."""
    import torch

    from . import __version__

    return {
        "settings": settings,
        "timings": timings,
        "train_accuracy": [row["train_accuracy"] for row in labels],
        "n_dead": n_dead,
        "layer_names": list(layers[0]),
        "layer_sizes": list(layers[1]),
        "model_settings": model_settings,
        **extra,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "fcviz_version": __version__,
        "torch_version": torch.__version__,
    }


def record_networks(zoo, class_list, networks: list, monitor: Monitor):
    """Record the stored networks of ``zoo`` over the stimuli of each class set; no training.

    Networks are recorded in groups of the zoo's ``n_networks`` (as they were trained), on the zoo's
    device and torch thread count, so recording a zoo over its own stimuli reproduces its graphs.
    Returns graphs ``(len(networks) * n_class_sets, n, n)`` in grid order, label rows and metadata.
    """
    from tqdm.auto import tqdm

    from .connectome import functional_connectomes

    t_start = time.perf_counter()
    settings = zoo.metadata["settings"]
    sets = [None] if class_list is None else list(class_list)
    total = len(networks) * len(sets)  # progress counts connectomes
    monitor.report("stimuli", 0, total, f"loading the {settings['dataset']} stimuli")
    stimuli = _load_stimulus_sets(settings, sets)
    t_stimuli = time.perf_counter() - t_start
    trained = settings["epochs"]  # the stored weights are the trained ones (a zoo never stops early)
    first = {}  # (regularizer, network) -> its first label row in the zoo, a row of the trained network first
    for row in sorted(zoo.labels, key=lambda r: r.get("epoch", trained) != trained):
        first.setdefault((row["regularizer"], int(row["network"])), row)
    models = zoo.models()
    device, group = settings["training"].get("device"), settings["n_networks"]
    graphs, labels, n_dead = [], [], []
    conn = None
    threads = 1 if settings["dataset"] == "digits" else None  # as in build: same kernels, same bits
    with _torch_threads(threads), tqdm(total=total, desc="recording", disable=not monitor.bar, unit="network") as bar:
        for reg in dict.fromkeys(reg for reg, _ in networks):
            nets = [net for net in networks if net[0] == reg]
            for c in sets:
                for a in range(0, len(nets), group):
                    monitor.check()
                    chunk = nets[a:a + group]
                    connectomes = functional_connectomes([models[net] for net in chunk], stimuli[c], device=device,
                                                         warn_dead=False)
                    for net, conn in zip(chunk, connectomes):
                        graphs.append(conn.weights)
                        n_dead.append(conn.n_dead)
                        row = first[net]
                        accuracy = row.get("train_accuracy") if row.get("epoch", trained) == trained else None
                        labels.append({"regularizer": reg, "stimulus_class": c, "network_seed": row["network_seed"],
                                       "network": net[1], "epoch": trained, "train_accuracy": accuracy})
                    where = "all classes" if c is None else f"class {c}"
                    monitor.report("record", len(graphs), total, f"{reg}, {where}: {len(graphs)}/{total} connectomes",
                                   bar)
    _warn_dead(n_dead)
    total_s = time.perf_counter() - t_start
    settings = {**{k: v for k, v in settings.items() if k != "snapshot_epochs"},  # trained networks only
                "classes": None if class_list is None else list(class_list), "pairing": "shared"}
    timings = {"stimuli_s": t_stimuli, "connectome_s": total_s - t_stimuli, "total_s": total_s}
    metadata = _metadata(settings, labels, n_dead, (conn.layer_names, conn.layer_sizes), timings,
                         zoo.metadata["model_settings"], torch_threads=threads)
    return _frozen_stack(graphs), labels, metadata
