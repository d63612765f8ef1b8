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
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from ._validation import check_int, check_option
from .clustering import TopClustering, clustering_scores, purity_score
from .registry import METHODS, NETWORK_METHODS, stratified_indices
from .tables import format_table, html_table, markdown_table

__all__ = ["StudyResult", "METHODS", "CKA_MAX_STIMULI", "format_table", "run_methods", "training_strategies",
           "stimulus_classes", "stimuli"]

logger = logging.getLogger(__name__)

_PROTOCOLS = ("fcviz", "paper")
#: Stimuli at most over which CKA compares the networks' activations (a stratified subsample of the
#: zoo's own held-out stimuli).
CKA_MAX_STIMULI = 500


@dataclass(frozen=True, eq=False)
class StudyResult:
    """Outcome of a study.

    Attributes
    ----------
    table : list of dict
        One row per method: ``method``, ``purity_mean``, ``purity_std``, ``purity_ci_low`` and
        ``purity_ci_high`` (95 % bootstrap interval over networks, see :func:`run_methods`), ``ari_mean``, ``ari_std``,
        ``nmi_mean``, ``fit_seconds`` (mean per repeat), ``prep_seconds`` (one-off: persistence or
        diagrams; for CKA and NP the activations or weights and their similarities or features), ``n_graphs``
        (graphs clustered), ``status`` ("ok", "subsample", "skipped: …" or "n/a: …" where the method
        does not apply).
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

    def to_text(self):
        """The table as aligned text, like the paper's."""
        return format_table(self._rows(), self._HEADER)

    def __str__(self):
        return self.to_text()

    def _repr_html_(self):
        return html_table(self._rows(), self._HEADER, caption=self._caption())

    def to_markdown(self):
        """The table as Markdown, under the study's caption."""
        return markdown_table(self._rows(), self._HEADER, caption=self._caption())

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
        fields = list(dict.fromkeys(key for row in self.table for key in row))
        paths = {"csv": directory / f"{stem}.csv", "markdown": directory / f"{stem}.md"}
        with open(paths["csv"], "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=fields)
            writer.writeheader()
            writer.writerows(self.table)
        paths["markdown"].write_text(self.to_markdown() + "\n", encoding="utf-8")
        return paths


def _check_methods(methods):
    if isinstance(methods, str):
        methods = METHODS if methods == "all" else (methods,)
    methods = tuple(methods)
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise ValueError(f"methods must be 'all' or a list from {list(METHODS)}; got {list(methods)!r}.")
    return methods


def _score_rows(method, labels_true, predictions, fit_times, prep, status):
    scores = [clustering_scores(labels_true, p) for p in predictions]
    purity = np.array([s["purity"] for s in scores])
    ari = np.array([s["adjusted_rand"] for s in scores])
    nmi = np.array([s["normalized_mutual_info"] for s in scores])
    return {
        "method": method, "purity_mean": float(purity.mean()), "purity_std": float(purity.std()),
        "ari_mean": float(ari.mean()), "ari_std": float(ari.std()), "nmi_mean": float(nmi.mean()),
        "purity_ci_low": np.nan, "purity_ci_high": np.nan,
        "fit_seconds": float(np.mean(fit_times)), "prep_seconds": float(prep),
        "n_graphs": int(len(labels_true)), "status": status,
    }


def _skipped(method, reason):
    return {"method": method, "purity_mean": np.nan, "purity_std": np.nan, "ari_mean": np.nan, "ari_std": np.nan,
            "nmi_mean": np.nan, "purity_ci_low": np.nan, "purity_ci_high": np.nan, "fit_seconds": np.nan,
            "prep_seconds": np.nan, "n_graphs": 0,
            "status": f"skipped: {reason}"}


def _not_applicable(method, reason):
    return {**_skipped(method, reason), "status": f"n/a: {reason}"}


def run_methods(graphs, labels_true, *, methods="all", n_repeats=20, protocol="fcviz", random_state=0,
                baseline_budget=120.0, baseline_subsample=None, progress=False, activations=None,
                network_weights=None, n_bootstrap=200):
    """Cluster graphs with each method ``n_repeats`` times and score against the true groups.

    Parameters
    ----------
    graphs : ndarray of shape (N, n, n)
        Connectomes.
    labels_true : array-like of shape (N,)
        True group of each graph; the number of clusters is the number of groups.
    methods : "all" or sequence of str, default="all"
        From :data:`METHODS`. Baselines are skipped with a note when ``fcviz[baselines]`` is missing.
    n_repeats : int, default=20
        Runs per method, each with its own seed ``random_state + repeat``.
    protocol : {"fcviz", "paper"}, default="fcviz"
        ``"fcviz"``: k-means++ (or k-medoids) with 10 restarts per run, keeping the best objective.
        ``"paper"``: one random start per run, as in the paper's code.
    random_state : int, default=0
        Base seed.
    baseline_budget : float or None, default=120
        Seconds allowed for the Rips persistence of the baselines (estimated before running).
        None runs them whatever the cost.
    baseline_subsample : int, optional
        When over budget, run the baselines on a stratified subsample of this many graphs instead.
    progress : bool, default=False
        Log each method as it finishes.
    activations : sequence of N arrays of shape (m, p_i), optional
        Hidden activations of the network behind each graph over one shared set of m stimuli; needed by
        ``"CKA"`` (reported as not applicable without them).
    network_weights : sequence of N state dicts, optional
        Weights of the network behind each graph (see
        :func:`fcviz.similarity.network_neural_persistence`); needed by ``"NP"``.
    n_bootstrap : int, default=200
        Resamples of the 95 % interval of purity (``purity_ci_low``, ``purity_ci_high``): the graphs are
        resampled with replacement within their true groups (the same resamples for every method, drawn
        from ``random_state``), each resample is clustered once (seed ``random_state + b``) on the rows
        of the features, distances or persistences computed for the table (nothing is recomputed), and
        the interval is the 2.5th to 97.5th percentile of the resampled purities. 0 skips it (NaN).
        A resample repeats some graphs, and copies always share a cluster, so with few graphs per
        group the interval leans high and need not contain ``purity_mean``; read it as the spread
        of purity over networks, not as a bias-corrected interval.

    Returns
    -------
    table : list of dict
        One row per method (see :class:`StudyResult`).
    predictions : dict of str to ndarray of shape (n_repeats, n)
    """
    methods = _check_methods(methods)
    n_repeats = check_int(n_repeats, "n_repeats", minimum=1)
    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", minimum=0)
    check_option(protocol, "protocol", _PROTOCOLS)
    graphs = np.asarray(graphs)
    labels_true = np.asarray(labels_true)
    if graphs.ndim != 3 or len(labels_true) != len(graphs):
        raise ValueError(f"Need graphs (N, n, n) and N labels; got graphs {graphs.shape} and {len(labels_true)} labels.")
    k = len(np.unique(labels_true))
    if baseline_subsample is not None:
        baseline_subsample = check_int(baseline_subsample, "baseline_subsample", minimum=k, maximum=len(graphs),
                                       hint="It is the number of graphs the baselines run on, at least one per "
                                            "group.")
    n_init, init = (1, "random") if protocol == "paper" else (10, "k-means++")
    table, predictions = [], {}
    clusterers = {}  # method -> (cluster(positions, seed) -> labels, true labels of its rows)

    top_methods = [m for m in methods if m in ("Top", "Adj")]
    if top_methods:
        from .homology import birth_death

        t0 = time.perf_counter()
        P = birth_death(graphs)
        prep = time.perf_counter() - t0
        for method in top_methods:
            weight, data = (1.0, P) if method == "Top" else (0.0, graphs)
            labels, times = [], []
            for r in range(n_repeats):
                model = TopClustering(k, top_relative_weight=weight, init=init, n_init=n_init,
                                      random_state=random_state + r)
                t0 = time.perf_counter()
                labels.append(model.fit_predict(data))
                times.append(time.perf_counter() - t0)
            predictions[method] = np.array(labels)
            clusterers[method] = (_top_clusterer(data, k, weight, init, n_init), labels_true)
            table.append(_score_rows(method, labels_true, labels, times, prep if method == "Top" else 0.0, "ok"))
            if progress:
                logger.info("%s done: purity %.3f", method, table[-1]["purity_mean"])

    network_methods = [m for m in methods if m in NETWORK_METHODS]
    if network_methods:
        for name, value in (("activations", activations), ("network_weights", network_weights)):
            if value is not None and len(value) != len(graphs):
                raise ValueError(f"{name} must have one entry per graph ({len(graphs)}); got {len(value)}.")
        table_rows, preds = _run_network_methods(network_methods, labels_true, k, n_repeats, n_init, init,
                                                 random_state, activations, network_weights, clusterers)
        table.extend(table_rows)
        predictions.update(preds)

    baselines = [m for m in methods if m not in ("Top", "Adj", *NETWORK_METHODS)]
    if baselines:
        table_rows, preds = _run_baselines(graphs, labels_true, baselines, k, n_repeats, n_init, random_state,
                                           baseline_budget, baseline_subsample, clusterers)
        table.extend(table_rows)
        predictions.update(preds)
    if n_bootstrap:
        resamples = _group_resamples(labels_true, n_bootstrap, random_state)
        for row in table:
            if row["method"] in clusterers:
                cluster, truth = clusterers[row["method"]]
                low, high = _bootstrap_interval(cluster, truth, labels_true, resamples, random_state)
                row.update(purity_ci_low=low, purity_ci_high=high)
    order = {m: i for i, m in enumerate(METHODS)}
    table.sort(key=lambda r: order[r["method"]])
    return table, predictions


def _top_clusterer(data, k, weight, init, n_init):
    def cluster(index, seed):
        model = TopClustering(k, top_relative_weight=weight, init=init, n_init=n_init, random_state=seed)
        return model.fit_predict(data[index])

    return cluster


def _group_resamples(labels_true, n_bootstrap, seed):
    """``n_bootstrap`` resamples of the positions, with replacement within each true group (group sizes kept)."""
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(labels_true == g) for g in np.unique(labels_true)]
    return [np.concatenate([rng.choice(members, size=len(members)) for members in groups])
            for _ in range(n_bootstrap)]


def _bootstrap_interval(cluster, truth, labels_true, resamples, seed):
    """95 % percentile interval of purity over the resamples; a subsampled method maps them onto its rows."""
    if len(truth) != len(labels_true):  # a baseline run on a stratified subsample: resample its own rows
        resamples = _group_resamples(truth, len(resamples), seed)
    from sklearn.exceptions import ConvergenceWarning

    purities = np.empty(len(resamples))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # duplicated rows can leave fewer distinct points
        for b, index in enumerate(resamples):
            purities[b] = purity_score(truth[index], cluster(index, seed + b))
    low, high = np.percentile(purities, [2.5, 97.5])
    return float(low), float(high)


def _run_network_methods(methods, labels_true, k, n_repeats, n_init, init, random_state, activations, weights,
                         clusterers):
    from sklearn.cluster import AgglomerativeClustering, KMeans

    from .similarity import cka_matrix, network_neural_persistence

    rows, predictions = [], {}
    for method in methods:
        inputs = activations if method == "CKA" else weights
        if inputs is None:
            what = "hidden activations" if method == "CKA" else "weights"
            rows.append(_not_applicable(method, f"needs the networks' {what} (a study on a zoo with trained "
                                                "weights passes them)"))
            continue
        t0 = time.perf_counter()
        if method == "CKA":
            features = 1.0 - cka_matrix(inputs)
            np.fill_diagonal(features, 0.0)
        else:
            features = np.stack([network_neural_persistence(w) for w in inputs])
        prep = time.perf_counter() - t0

        def cluster(index, seed, method=method, features=features):
            if method == "CKA":  # deterministic: the seed is unused and the repeats only fill the columns
                model = AgglomerativeClustering(n_clusters=k, metric="precomputed", linkage="average")
                return model.fit_predict(features[np.ix_(index, index)]).astype(np.int64)
            model = KMeans(k, init=init, n_init=n_init, random_state=seed)
            return model.fit_predict(features[index]).astype(np.int64)

        labels, times = [], []
        everything = np.arange(len(labels_true))
        for r in range(n_repeats):
            t0 = time.perf_counter()
            labels.append(cluster(everything, random_state + r))
            times.append(time.perf_counter() - t0)
        predictions[method] = np.array(labels)
        clusterers[method] = (cluster, labels_true)
        rows.append(_score_rows(method, labels_true, labels, times, prep, "ok"))
    return rows, predictions


def _run_baselines(graphs, labels_true, methods, k, n_repeats, n_init, random_state, budget, subsample, clusterers):
    try:
        from . import baselines as bl

        bl.require_baselines()
    except ImportError as exc:
        logger.warning("%s", exc)
        return [_skipped(m, 'needs pip install "fcviz[baselines]"') for m in methods], {}
    index = np.arange(len(graphs))
    status = "ok"
    if budget is not None:
        try:
            bl.check_baseline_budget(graphs.shape[1], len(graphs), budget, graph=graphs[0])
        except bl.BaselineBudgetError as exc:
            if subsample is None:
                reason = f"Rips estimated {bl.human_seconds(exc.estimate)} > budget {bl.human_seconds(budget)}"
                return [_skipped(m, reason) for m in methods], {}
            index = stratified_indices(labels_true, subsample, np.random.default_rng(random_state))
            status = "subsample"
            try:
                bl.check_baseline_budget(graphs.shape[1], len(index), budget, graph=graphs[0])
            except bl.BaselineBudgetError as exc2:
                reason = (f"even {len(index)} graphs: Rips estimated {bl.human_seconds(exc2.estimate)} "
                          f"> budget {bl.human_seconds(budget)}")
                return [_skipped(m, reason) for m in methods], {}
    t0 = time.perf_counter()
    diagrams = bl.persistence_diagrams(graphs[index])
    rips_seconds = time.perf_counter() - t0
    truth = labels_true[index]
    rows, predictions = [], {}
    for method in methods:
        # The distance matrix (or the persistence images) is computed once; only the clustering repeats.
        t0 = time.perf_counter()
        features = bl.diagram_features(diagrams, method=method)
        prep = rips_seconds + time.perf_counter() - t0
        labels, times = [], []
        for r in range(n_repeats):
            t0 = time.perf_counter()
            labels.append(bl.cluster_features(features, k, method=method, random_state=random_state + r,
                                              n_init=n_init))
            times.append(time.perf_counter() - t0)
        predictions[method] = np.array(labels)
        clusterers[method] = (_baseline_clusterer(bl, features, k, method, n_init), truth)
        rows.append(_score_rows(method, truth, labels, times, prep, status))
    return rows, predictions


def _baseline_clusterer(bl, features, k, method, n_init):
    def cluster(index, seed):
        rows = features[index] if method == "PI" else features[np.ix_(index, index)]
        return bl.cluster_features(rows, k, method=method, random_state=seed, n_init=n_init)

    return cluster


def _study(zoo, by, methods, n_repeats, protocol, random_state, baseline_budget, baseline_subsample, settings,
           n_bootstrap=200):
    if len(zoo.epochs) > 1:  # a zoo with training snapshots: the studies compare the trained networks
        logger.info("The zoo holds epochs %s; the study uses the trained networks (epoch %d).", zoo.epochs,
                    zoo.epochs[-1])
        zoo = zoo.at_epoch(zoo.epochs[-1])
    labels_true, names = zoo.group_labels(by)
    methods = _check_methods(methods)
    network = [m for m in methods if m in NETWORK_METHODS]
    inputs, reasons, record_seconds = {}, {}, 0.0
    if network and by != "regularizer":
        reasons = {"CKA": "Study 2's groups are stimulus classes; CKA compares networks over one shared "
                          "stimulus set",
                   "NP": "Study 2's groups are stimulus classes; neural persistence reads the weights, which "
                         "do not depend on the stimuli"}
    elif network:
        t0 = time.perf_counter()
        inputs, reasons = _network_inputs(zoo, network)
        record_seconds = time.perf_counter() - t0  # rebuilding the networks and recording: part of CKA's prep
    table, predictions = run_methods(
        zoo.graphs, labels_true, methods=methods, n_repeats=n_repeats, protocol=protocol,
        random_state=random_state, baseline_budget=baseline_budget, baseline_subsample=baseline_subsample,
        n_bootstrap=n_bootstrap, **inputs,
    )
    table = [_not_applicable(r["method"], reasons[r["method"]]) if r["method"] in reasons else r for r in table]
    for row in table:
        if row["method"] == "CKA" and row["status"] == "ok":
            row["prep_seconds"] += record_seconds
    for method in reasons:
        predictions.pop(method, None)
    return StudyResult(table, labels_true, names, predictions, zoo, settings)


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
                        zoo=None, progress=True, n_bootstrap=200, **zoo_options):
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
    **zoo_options
        Passed to :func:`fcviz.zoo.connectome_zoo` (``n_networks``, ``epochs``, ``seed``, ``cache_dir`` …).

    Returns
    -------
    StudyResult
        ``result.to_text()`` prints the table.
    """
    if zoo is None:
        from .zoo import connectome_zoo

        zoo = connectome_zoo(dataset, regularizers, None, preset=preset, progress=progress, **zoo_options)
    settings = {"study": "training_strategies", "dataset": dataset, "preset": preset, "n_repeats": n_repeats,
                "protocol": protocol, "random_state": random_state, "n_bootstrap": n_bootstrap, **zoo_options}
    return _study(zoo, "regularizer", methods, n_repeats, protocol, random_state, baseline_budget,
                  baseline_subsample, settings, n_bootstrap)


def stimulus_classes(dataset="digits", regularizer="vanilla", *, classes="all", preset="classroom",
                     pairing="fresh", methods="all", n_repeats=20, protocol="fcviz", random_state=0,
                     baseline_budget=120.0, baseline_subsample=None, zoo=None, progress=True, n_bootstrap=200,
                     **zoo_options):
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
    n_bootstrap : int, default=200
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
                             **zoo_options)
    settings = {"study": "stimulus_classes", "dataset": dataset, "regularizer": regularizer, "pairing": pairing,
                "preset": preset, "n_repeats": n_repeats, "protocol": protocol, "random_state": random_state,
                "n_bootstrap": n_bootstrap, **zoo_options}
    return _study(zoo, "stimulus_class", methods, n_repeats, protocol, random_state, baseline_budget,
                  baseline_subsample, settings, n_bootstrap)


#: Former name of :func:`stimulus_classes` (Study 2), kept for existing notebooks and scripts.
stimuli = stimulus_classes
