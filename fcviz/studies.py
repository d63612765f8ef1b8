"""The paper's two clustering studies as functions that return tidy results.

- :func:`training_strategies` (Study 1): networks trained with vanilla SGD, batch norm, L2 and
  dropout; connectomes from one stimulus set; cluster into as many groups as strategies.
- :func:`stimulus_classes` (Study 2): networks of one strategy; connectomes from the stimuli of one class
  each; cluster into as many groups as classes.

Each method is run ``n_repeats`` times with different seeds and scored against the true groups:
purity (mean ± std), adjusted Rand index and normalised mutual information, with its runtime.
Methods: ``"Top"`` (TopClustering, w = 1), ``"Adj"`` (w = 0: k-means on edge weights) and the
persistence-diagram baselines ``"BD"``, ``"WD"``, ``"SWK"``, ``"HK"``, ``"PI"`` (the extra
``fcviz[baselines]``). Vietoris–Rips persistence, which the baselines need, grows steeply with the
number of nodes: its cost is estimated up front and compared with ``baseline_budget``; a baseline
over budget is run on a stratified subsample when ``baseline_subsample`` is given, or else reported
as skipped with the estimate — never an unannounced multi-hour run.

The network methods compare the networks themselves, the tools people reach for instead of
connectomes (:mod:`fcviz.similarity`): ``"CKA"`` clusters the networks by average-linkage
agglomerative clustering on 1 − linear CKA of their hidden activations over one shared stimulus set
(deterministic: every repeat gives the same labels), ``"NP"`` by k-means on the per-layer neural
persistence of their weights. Both need the trained networks, which a zoo keeps; they apply to
Study 1 only (in Study 2 the groups are stimulus classes, not networks) and are reported as
"n/a: …" where they do not apply.

The engine that runs and scores the methods, :func:`run_methods`, lives in :mod:`fcviz.methods` and
is re-exported here.
"""

from __future__ import annotations

import io
import logging
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from ._files import write_atomic
from ._threads import on_one_thread
from ._validation import check_int, check_option
from .clustering import TopClustering
from .methods import PROTOCOLS, check_methods, not_applicable, run_methods
from .registry import METHODS, NETWORK_METHODS
from .scores import clustering_scores
from .tables import CaptionedTable, format_table

__all__ = ["StudyResult", "BirthWeightCurve", "METHODS", "CKA_MAX_STIMULI", "DEFAULT_BIRTH_WEIGHTS", "format_table",
           "run_methods", "training_strategies", "stimulus_classes", "stimuli", "birth_weight_curve"]

logger = logging.getLogger(__name__)

#: The birth weights of :func:`birth_weight_curve` by default: 0, 0.1, …, 1.
DEFAULT_BIRTH_WEIGHTS = tuple(round(0.1 * i, 1) for i in range(11))
#: Stimuli at most over which CKA compares the networks' activations (a stratified subsample of the
#: zoo's own held-out stimuli).
CKA_MAX_STIMULI = 500


@dataclass(frozen=True, eq=False)
class StudyResult(CaptionedTable):
    """Outcome of a study.

    Attributes
    ----------
    table : list of dict
        One row per method: ``method``, ``purity_mean``, ``purity_std``, ``purity_ci_low`` and
        ``purity_ci_high`` (95 % bootstrap interval over networks, see :func:`run_methods`), ``ari_mean``, ``ari_std``,
        ``nmi_mean``, ``fit_seconds`` (mean per repeat), ``prep_seconds`` (one-off: persistence or
        diagrams; for CKA and NP the activations or weights and their similarities or features), ``n_graphs``
        (graphs clustered), ``status`` ("ok", "subsample", "skipped: …" or "n/a: …" where the method
        does not apply), and with a bootstrap ``purity_bootstrap`` (ndarray of shape (n_bootstrap,):
        purity on each resample, the same resamples for every method; see :meth:`compare`).
    labels_true : ndarray of shape (N,)
        True group of every graph.
    group_names : list
        ``group_names[labels_true[i]]`` names graph i's group.
    predictions : dict of str to ndarray of shape (n_repeats, n)
        Predicted labels of every repeat (over the subsample for subsampled baselines).
    zoo : fcviz.zoo.ConnectomeZoo or None
        The connectomes used.
    settings : dict
        The study's arguments.
    """

    table: list
    labels_true: np.ndarray
    group_names: list
    predictions: dict = field(repr=False)
    zoo: object = field(default=None, repr=False)
    settings: dict = field(default_factory=dict)

    def compare(self, method, other):
        """Paired bootstrap comparison of two methods' purity over the same resamples of networks.

        Parameters
        ----------
        method, other : str
            Two methods of the table that ran on every graph with a bootstrap (``n_bootstrap > 0``).

        Returns
        -------
        dict
            ``difference`` (purity of ``method`` minus ``other``, the table's means),
            ``ci_low``, ``ci_high`` (95 % percentile interval of the paired difference over the
            resamples, bias-corrected as the table's intervals: shifted so that its mean is
            ``difference``) and ``share_better`` (fraction of those corrected differences above 0;
            ties count half). An interval that contains 0 means the table does not tell them apart.
        """
        rows = [self.row(method), self.row(other)]
        boots = [r.get("purity_bootstrap") for r in rows]
        for r, boot in zip(rows, boots):
            if r["status"] != "ok":
                raise ValueError(
                    f"compare pairs methods run on every graph; {r['method']!r} has status {r['status']!r}. A "
                    "subsampled baseline is resampled on its own rows; a skipped or n/a method has no scores.")
            if boot is None:
                raise ValueError(f"compare needs the bootstrap of {r['method']!r}: run the study with n_bootstrap > 0.")
        difference = rows[0]["purity_mean"] - rows[1]["purity_mean"]
        diff = boots[0] - boots[1]
        diff = diff - diff.mean() + difference  # the bias correction of the intervals (see run_methods)
        low, high = np.percentile(diff, [2.5, 97.5])
        return {"difference": difference, "ci_low": float(low), "ci_high": float(high),
                "share_better": float(np.mean(diff > 0) + 0.5 * np.mean(diff == 0))}

    def row(self, method):
        """The table row of ``method``."""
        for r in self.table:
            if r["method"] == method:
                return r
        raise KeyError(f"No method {method!r} in this study; ran {[r['method'] for r in self.table]}.")

    _HEADER = ("method", "purity", "ARI", "NMI", "fit s", "prep s", "graphs", "status")

    def _rows(self):
        rows = []
        for r in self.table:
            if r["status"].startswith(("skipped", "n/a")):
                rows.append((r["method"], "-", "-", "-", "-", "-", "-", r["status"]))
                continue
            low, high = r.get("purity_ci_low", np.nan), r.get("purity_ci_high", np.nan)
            interval = f" [{low:.2f}, {high:.2f}]" if np.isfinite(low) and np.isfinite(high) else ""
            rows.append((
                r["method"], f"{r['purity_mean']:.3f} ± {r['purity_std']:.3f}{interval}",
                f"{r['ari_mean']:.3f} ± {r['ari_std']:.3f}", f"{r['nmi_mean']:.3f}",
                f"{r['fit_seconds']:.4f}", f"{r['prep_seconds']:.3f}", str(r["n_graphs"]), r["status"],
            ))
        return rows

    def _caption(self):
        study = self.settings.get("study", "study")
        groups = ", ".join(str(g) for g in self.group_names)
        return f"{study}: {len(self.labels_true)} graphs in {len(self.group_names)} groups ({groups})"

    def __repr__(self):
        scores = ", ".join(f"{r['method']} {r['purity_mean']:.3f}" if r["status"] in ("ok", "subsample")
                           else f"{r['method']} {r['status'].split(':')[0]}" for r in self.table)
        return f"<StudyResult {self._caption()}; purity: {scores}>"

    def to_text(self):
        """The table as aligned text, like the paper's (no caption)."""
        return format_table(self._rows(), self._HEADER)

    def write_report(self, directory):
        """Write the table as CSV (every row field, numbers unrounded) and as Markdown into ``directory``.

        Parameters
        ----------
        directory : str or path-like
            Created if missing. The files are named after the study (``settings["study"]``).

        Returns
        -------
        dict of str to pathlib.Path
            ``"csv"`` and ``"markdown"``: the files written.
        """
        import csv
        from pathlib import Path

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        stem = self.settings.get("study", "study")
        fields = [key for key in dict.fromkeys(key for row in self.table for key in row) if key != "purity_bootstrap"]
        paths = {"csv": directory / f"{stem}.csv", "markdown": directory / f"{stem}.md"}
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(self.table)
        write_atomic(paths["csv"], lambda f: f.write(text.getvalue().encode("utf-8")))
        write_atomic(paths["markdown"], lambda f: f.write((self.to_markdown() + "\n").encode("utf-8")))
        return paths


def _study(zoo, by, methods, n_repeats, protocol, random_state, baseline_budget, baseline_subsample, settings,
           n_bootstrap=200, birth_weight=None, n_jobs=None, client=None):
    zoo = _trained(zoo)
    labels_true, names = zoo.group_labels(by)
    methods = check_methods(methods)
    network = [m for m in methods if m in NETWORK_METHODS]
    inputs, reasons, record_seconds = {}, {}, 0.0
    if network and by != "regularizer":
        reasons = {"CKA": "groups are stimulus classes; CKA compares networks on shared stimuli",
                   "NP": "groups are stimulus classes; weights do not depend on stimuli"}
    elif network:
        t0 = time.perf_counter()
        inputs, reasons = _network_inputs(zoo, network)
        record_seconds = time.perf_counter() - t0  # rebuilding the networks and recording: part of CKA's prep
    table, predictions = run_methods(
        zoo.graphs, labels_true, methods=methods, n_repeats=n_repeats, protocol=protocol,
        random_state=random_state, baseline_budget=baseline_budget, baseline_subsample=baseline_subsample,
        n_bootstrap=n_bootstrap, birth_weight=birth_weight, n_jobs=n_jobs, client=client, **inputs,
    )
    table = [not_applicable(r["method"], reasons[r["method"]]) if r["method"] in reasons else r for r in table]
    for row in table:
        if row["method"] == "CKA" and row["status"] == "ok":
            row["prep_seconds"] += record_seconds
    for method in reasons:
        predictions.pop(method, None)
    return StudyResult(table, labels_true, names, predictions, zoo, settings)


def _trained(zoo):
    """The zoo's trained networks: a zoo with training snapshots contributes its last epoch."""
    if len(zoo.epochs) > 1:
        logger.info("The zoo holds epochs %s; the study uses the trained networks (epoch %d).", zoo.epochs,
                    zoo.epochs[-1])
    return zoo.trained()


def _network_inputs(zoo, methods):
    """Per graph of ``zoo``: its network's hidden activations (CKA) and weights (NP); reasons for what is missing.

    The activations are recorded from the zoo's kept weights over its own held-out stimuli (the zoo's
    ``n_stimuli`` and ``seed``, at most :data:`CKA_MAX_STIMULI`), the same set for every network.
    """
    keys = [(row["regularizer"], row["network"]) for row in zoo.labels]
    states = zoo.network_states or {}
    if any(key not in states for key in keys):
        reason = "the zoo holds no trained weights; rebuild it with connectome_zoo(...)"
        return {}, {m: reason for m in methods}
    inputs = {}
    if "NP" in methods:
        inputs["network_weights"] = [states[key] for key in keys]
    if "CKA" in methods:
        from .activations import record_activations
        from .datasets import load_stimuli

        settings = zoo.metadata["settings"]
        n = settings.get("n_stimuli")
        n = CKA_MAX_STIMULI if n is None else min(n, CKA_MAX_STIMULI)
        X, _ = load_stimuli(settings["dataset"], split="stimuli", n=n, seed=settings["seed"])
        import torch

        recorded, threads = {}, torch.get_num_threads()
        # Small forward passes: one thread is faster, and leaves no spinning OpenMP workers behind to slow
        # down the numpy and scikit-learn work that follows.
        torch.set_num_threads(1)
        try:
            for key, model in zoo.models().items():
                layers = record_activations(model, X)
                recorded[key] = np.concatenate([a.cpu().numpy() for a in layers.values()], axis=1)
        finally:
            torch.set_num_threads(threads)
        inputs["activations"] = [recorded[key] for key in keys]
    return inputs, {}


def training_strategies(dataset="digits", *, preset="classroom", regularizers="all", methods="all", n_repeats=20,
                        protocol="fcviz", random_state=0, baseline_budget=120.0, baseline_subsample=None,
                        zoo=None, progress=True, n_bootstrap=200, birth_weight=None, n_jobs=None, client=None,
                        **zoo_options):
    """Study 1: does topology recover the training strategy of a network?

    Parameters
    ----------
    dataset : str, default="digits"
        Dataset name (``"digits"`` runs offline).
    preset : {"classroom", "paper"}, default="classroom"
        Zoo size (see :func:`fcviz.zoo.connectome_zoo`).
    regularizers : "all" or sequence of str, default="all"
        Training strategies to tell apart.
    methods : "all" or sequence of str, default="all"
        Methods to compare (:data:`METHODS`).
    n_repeats : int, default=20
        Clustering runs per method.
    protocol : {"fcviz", "paper"}, default="fcviz"
        Restarts per run (see :func:`run_methods`).
    random_state : int, default=0
        Base seed of the clustering runs (the zoo has its own ``seed``).
    baseline_budget : float or None, default=120
        Seconds allowed for Rips persistence; see :func:`run_methods`.
    baseline_subsample : int, optional
        Run over-budget baselines on this many graphs instead of skipping them.
    zoo : ConnectomeZoo, optional
        Use these connectomes instead of building or loading a zoo. A zoo with training snapshots
        contributes its trained networks only (its last epoch).
    progress : bool, default=True
        Progress bar while the zoo is built.
    n_bootstrap : int, default=200
        Resamples of the 95 % interval of purity over networks (see :func:`run_methods`); 0 skips it.
    birth_weight : None or float in [0, 1], default=None
        The topological distance of ``"Top"``: None is the paper's d_top; a float weighs births
        against deaths (see :func:`fcviz.topological_distance` and :func:`birth_weight_curve`).
    n_jobs : int or None, default=None
        Local processes for the zoo's training groups and the study's independent work (see
        :func:`run_methods`); None runs everything here. The result is the same, bit for bit.
    client : distributed.Client or str, optional
        Run that work on a Dask cluster instead (default: an enclosing
        :func:`fcviz.parallel.using` block's client); see :mod:`fcviz.parallel`.
    **zoo_options
        Passed to :func:`fcviz.zoo.connectome_zoo` (``n_networks``, ``epochs``, ``seed``, ``cache_dir`` …).

    Returns
    -------
    StudyResult
        ``result.to_text()`` prints the table.
    """
    if zoo is None:
        from .zoo import connectome_zoo

        zoo = connectome_zoo(dataset, regularizers, None, preset=preset, progress=progress, n_jobs=n_jobs,
                             client=client, **zoo_options)
    settings = {"study": "training_strategies", "dataset": dataset, "preset": preset, "n_repeats": n_repeats,
                "protocol": protocol, "random_state": random_state, "n_bootstrap": n_bootstrap,
                "birth_weight": birth_weight, **zoo_options}
    return _study(zoo, "regularizer", methods, n_repeats, protocol, random_state, baseline_budget,
                  baseline_subsample, settings, n_bootstrap, birth_weight, n_jobs, client)


def stimulus_classes(dataset="digits", regularizer="vanilla", *, classes="all", preset="classroom",
                     pairing="fresh", methods="all", n_repeats=20, protocol="fcviz", random_state=0,
                     baseline_budget=120.0, baseline_subsample=None, zoo=None, progress=True, n_bootstrap=200,
                     birth_weight=None, n_jobs=None, client=None, **zoo_options):
    """Study 2: does topology recover which class of stimuli a network was shown?

    Parameters
    ----------
    dataset : str, default="digits"
    regularizer : str, default="vanilla"
        The one training strategy of every network.
    classes : "all" or sequence of int, default="all"
        Stimulus classes, one connectome per network and class.
    pairing : {"fresh", "shared"}, default="fresh"
        ``"fresh"`` trains new networks for every class (the paper: no network appears twice);
        ``"shared"`` reuses one set across classes, cheaper but pairing the connectomes.
    preset, methods, n_repeats, protocol, random_state, baseline_budget, baseline_subsample, zoo, progress
        As in :func:`training_strategies`. ``"CKA"`` and ``"NP"`` are reported as not applicable: the
        groups here are stimulus classes, not networks.
    n_bootstrap, birth_weight, n_jobs, client
        As in :func:`training_strategies`.
    **zoo_options
        Passed to :func:`fcviz.zoo.connectome_zoo`.

    Returns
    -------
    StudyResult
    """
    if zoo is None:
        from .zoo import connectome_zoo

        zoo = connectome_zoo(dataset, (regularizer,), classes, preset=preset, pairing=pairing, progress=progress,
                             n_jobs=n_jobs, client=client, **zoo_options)
    settings = {"study": "stimulus_classes", "dataset": dataset, "regularizer": regularizer, "pairing": pairing,
                "preset": preset, "n_repeats": n_repeats, "protocol": protocol, "random_state": random_state,
                "n_bootstrap": n_bootstrap, "birth_weight": birth_weight, **zoo_options}
    return _study(zoo, "stimulus_class", methods, n_repeats, protocol, random_state, baseline_budget,
                  baseline_subsample, settings, n_bootstrap, birth_weight, n_jobs, client)


#: Former name of :func:`stimulus_classes` (Study 2), kept for existing notebooks and scripts.
stimuli = stimulus_classes


_STUDY_OF = {"regularizer": "training_strategies", "stimulus_class": "stimulus_classes"}


@dataclass(frozen=True, eq=False)
class BirthWeightCurve(CaptionedTable):
    """Top clustering's purity against ``birth_weight``: how much births versus deaths separate the groups.

    Attributes
    ----------
    birth_weights : ndarray of shape (K,)
        Increasing values of beta in [0, 1] (0: deaths only, 1: births only).
    purity_mean, purity_std, ari_mean : ndarray of shape (K,)
        Purity (mean and std over the repeats) and mean adjusted Rand index at each beta.
    paper_purity, paper_purity_std, paper_ari : float
        The same with the paper's distance (``birth_weight=None``: sums over all ranks).
    labels_true : ndarray of shape (N,)
        True group of every graph.
    group_names : list
    settings : dict
        ``study`` ("training_strategies", "stimulus_classes" or the label column), ``by``, ``dataset``,
        ``n_repeats``, ``protocol``, ``random_state``.
    """

    birth_weights: np.ndarray
    purity_mean: np.ndarray
    purity_std: np.ndarray
    ari_mean: np.ndarray
    paper_purity: float
    paper_purity_std: float
    paper_ari: float
    labels_true: np.ndarray = field(repr=False)
    group_names: list = field(default_factory=list)
    settings: dict = field(default_factory=dict)

    @property
    def best_birth_weight(self):
        """The beta of the highest mean purity (the smallest such beta on ties)."""
        return float(self.birth_weights[int(np.argmax(self.purity_mean))])

    _HEADER = ("birth_weight", "purity", "ARI")

    def _rows(self):
        rows = [("None (paper)", f"{self.paper_purity:.3f} ± {self.paper_purity_std:.3f}", f"{self.paper_ari:.3f}")]
        rows += [(f"{b:.2f}", f"{m:.3f} ± {sd:.3f}", f"{a:.3f}")
                 for b, m, sd, a in zip(self.birth_weights, self.purity_mean, self.purity_std, self.ari_mean)]
        return rows

    def __repr__(self):
        best = int(np.argmax(self.purity_mean))
        return (f"<BirthWeightCurve {self.settings.get('study', 'study')}: {len(self.birth_weights)} birth weights, "
                f"best {self.birth_weights[best]:.2f} (purity {self.purity_mean[best]:.3f}); paper's distance "
                f"{self.paper_purity:.3f}>")

    def _caption(self):
        study = self.settings.get("study", "study")
        return (f"{study}: Top purity against birth_weight (0: deaths only, 1: births only), "
                f"{len(self.labels_true)} graphs in {len(self.group_names)} groups; best {self.best_birth_weight:.2f}")

    def write_csv(self, directory):
        """Write ``<study>_birth_weight.csv`` (one row per beta, the paper's distance as ``None``) into ``directory``.

        Returns
        -------
        pathlib.Path
            The file written.
        """
        import csv
        from pathlib import Path

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.settings.get('study', 'study')}_birth_weight.csv"
        rows = [("None", self.paper_purity, self.paper_purity_std, self.paper_ari)]
        rows += list(zip(self.birth_weights.tolist(), self.purity_mean.tolist(), self.purity_std.tolist(),
                         self.ari_mean.tolist()))
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(["birth_weight", "purity_mean", "purity_std", "ari_mean"])
        writer.writerows(rows)
        return write_atomic(path, lambda f: f.write(text.getvalue().encode("utf-8")))


def _check_birth_weights(birth_weights):
    from ._validation import check_birth_weight

    if birth_weights is None:
        return np.array(DEFAULT_BIRTH_WEIGHTS)
    given = np.atleast_1d(np.asarray(birth_weights, dtype=object))
    if given.ndim != 1 or given.size == 0:
        raise ValueError(f"birth_weights must be a non-empty 1-D sequence of numbers in [0, 1]; got shape "
                         f"{given.shape}.")
    if any(b is None for b in given):
        raise ValueError("birth_weights must be numbers in [0, 1]; the paper's distance (None) is always "
                         "included as paper_purity, leave it out.")
    return np.unique([check_birth_weight(b) for b in given])


@on_one_thread
def birth_weight_curve(zoo, *, by="regularizer", birth_weights=None, n_repeats=20, protocol="fcviz", random_state=0,
                       persistence=None, n_jobs=None, client=None):
    """Top clustering's purity against ``birth_weight`` beta, and with the paper's distance.

    The paper's d_top sums n - 1 squared birth gaps and (n - 1)(n - 2) / 2 death gaps, so on large
    networks the deaths decide. ``birth_weight`` beta weighs births by beta and deaths by 1 - beta,
    each as a distribution (:func:`fcviz.topological_distance`); this curve shows which of the two
    separates the groups of a zoo.

    Parameters
    ----------
    zoo : fcviz.ConnectomeZoo
        The connectomes (a zoo with training snapshots contributes its last epoch).
    by : str, default="regularizer"
        The label column of the groups: ``"regularizer"`` (Study 1) or ``"stimulus_class"`` (Study 2).
    birth_weights : sequence of float in [0, 1], optional
        Default :data:`DEFAULT_BIRTH_WEIGHTS` (0, 0.1, …, 1); sorted, duplicates dropped.
    n_repeats : int, default=20
        Clusterings per beta, seeds ``random_state + repeat``.
    protocol : {"fcviz", "paper"}, default="fcviz"
        As in :func:`run_methods`.
    random_state : int, default=0
    persistence : Persistence, optional
        ``fcviz.birth_death(zoo.graphs)`` of the (trained) zoo when already computed.
    n_jobs, client
        Where the points of the curve are computed, one task per beta (:mod:`fcviz.parallel`); the
        curve is the same, bit for bit.

    Returns
    -------
    BirthWeightCurve

    Notes
    -----
    Cheap: the persistence is computed once and each clustering is k-means on rescaled vectors in
    the N x N Gram space (classroom digits: 11 betas x 20 repeats in about a second).
    """
    from .homology import birth_death

    n_repeats = check_int(n_repeats, "n_repeats", minimum=1)
    check_option(protocol, "protocol", PROTOCOLS)
    betas = _check_birth_weights(birth_weights)
    zoo = _trained(zoo)
    labels_true, names = zoo.group_labels(by)
    P = birth_death(zoo.graphs) if persistence is None else persistence
    if len(P) != len(labels_true):
        raise ValueError(f"persistence holds {len(P)} graphs but the zoo {len(labels_true)}; pass "
                         "birth_death(zoo.graphs) or leave it out.")
    from .parallel import run_tasks

    n_init, init = (1, "random") if protocol == "paper" else (10, "k-means++")
    points = [None, *betas.tolist()]
    scores = np.array(run_tasks(
        _curve_point, [(beta,) for beta in points], labels=[f"birth weight {beta}" for beta in points],
        shared={"persistence": P, "labels_true": labels_true, "k": len(names), "n_repeats": n_repeats, "init": init,
                "n_init": n_init, "random_state": random_state}, n_jobs=n_jobs, client=client, name="beta-curve"))
    settings = {"study": _STUDY_OF.get(by, by), "by": by,
                "dataset": zoo.metadata.get("settings", {}).get("dataset"), "n_repeats": n_repeats,
                "protocol": protocol, "random_state": random_state}
    return BirthWeightCurve(betas, scores[1:, 0], scores[1:, 1], scores[1:, 2], float(scores[0, 0]),
                            float(scores[0, 1]), float(scores[0, 2]), labels_true, list(names), settings)


def _curve_point(beta, *, persistence, labels_true, k, n_repeats, init, n_init, random_state):
    """A task of :func:`birth_weight_curve`: (mean purity, its std, mean ARI) of Top at ``beta``, on one thread."""
    from sklearn.exceptions import ConvergenceWarning

    from ._threads import one_thread

    with warnings.catch_warnings(), one_thread(fresh=True):
        warnings.simplefilter("ignore", ConvergenceWarning)  # beta = 0 or 1 can make some graphs coincide
        runs = [clustering_scores(labels_true, TopClustering(k, birth_weight=beta, init=init, n_init=n_init,
                                                             random_state=random_state + r).fit_predict(persistence))
                for r in range(n_repeats)]
    purity = np.array([run["purity"] for run in runs])
    return purity.mean(), purity.std(), np.mean([run["adjusted_rand"] for run in runs])
