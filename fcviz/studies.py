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

import io
import logging
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from ._files import write_atomic
from ._threads import on_one_thread
from ._validation import check_int, check_option
from .clustering import TopClustering, clustering_scores, purity_score
from .registry import METHODS, NETWORK_METHODS, stratified_indices
from .tables import CaptionedTable, format_table

__all__ = ["StudyResult", "BirthWeightCurve", "METHODS", "CKA_MAX_STIMULI", "DEFAULT_BIRTH_WEIGHTS", "format_table",
           "run_methods", "training_strategies", "stimulus_classes", "stimuli", "birth_weight_curve"]

logger = logging.getLogger(__name__)

_PROTOCOLS = ("fcviz", "paper")
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


@on_one_thread  # thousands of tiny clusterings: see fcviz._threads
def run_methods(graphs, labels_true, *, methods="all", n_repeats=20, protocol="fcviz", random_state=0,
                baseline_budget=120.0, baseline_subsample=None, progress=False, activations=None,
                network_weights=None, n_bootstrap=200, birth_weight=None):
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
        from ``random_state``); the distinct graphs of a resample are clustered once (seed
        ``random_state + b``) on the rows of the features, distances or persistences computed for the
        table (nothing is recomputed), and purity is scored with each graph counted as often as it
        was drawn. The interval is the 2.5th to 97.5th percentile of the resampled purities. 0 skips
        it (NaN). Clustering the copies of a graph as separate points would hand k-means ready-made
        tight clusters and bias purity upwards, hence the distinct graphs. A resample still holds
        about 63 % distinct graphs, and fewer graphs are easier to split: on digits Study 2 the
        resampled purities averaged 0.43 where the table's was 0.38, and their raw percentiles
        [0.38, 0.50] missed it. So the interval is bias-corrected: the percentiles are shifted by
        ``purity_mean`` minus the mean resampled purity (clipped to [0, 1]). The raw resampled
        purities are kept in ``purity_bootstrap``; :meth:`StudyResult.compare` pairs two methods on
        the same resamples, with the same correction.
    birth_weight : None or float in [0, 1], default=None
        The topological distance of ``"Top"`` (see :class:`fcviz.TopClustering`); None is the paper's.

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
            beta = birth_weight if method == "Top" else None
            labels, times = [], []
            for r in range(n_repeats):
                model = TopClustering(k, top_relative_weight=weight, birth_weight=beta, init=init, n_init=n_init,
                                      random_state=random_state + r)
                t0 = time.perf_counter()
                labels.append(model.fit_predict(data))
                times.append(time.perf_counter() - t0)
            predictions[method] = np.array(labels)
            clusterers[method] = (_top_clusterer(data, k, weight, init, n_init, beta), labels_true)
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
                purities = _bootstrap_purities(cluster, truth, labels_true, resamples, random_state)
                # percentile interval, shifted by the bootstrap's estimate of bias (see n_bootstrap above)
                shift = row["purity_mean"] - purities.mean()
                low, high = np.clip(np.percentile(purities, [2.5, 97.5]) + shift, 0.0, 1.0)
                row.update(purity_ci_low=float(low), purity_ci_high=float(high), purity_bootstrap=purities)
    order = {m: i for i, m in enumerate(METHODS)}
    table.sort(key=lambda r: order[r["method"]])
    return table, predictions


def _top_clusterer(data, k, weight, init, n_init, birth_weight=None):
    def cluster(index, seed):
        model = TopClustering(k, top_relative_weight=weight, birth_weight=birth_weight, init=init, n_init=n_init,
                              random_state=seed)
        return model.fit_predict(data[index])

    return cluster


def _group_resamples(labels_true, n_bootstrap, seed):
    """``n_bootstrap`` resamples of the positions, with replacement within each true group (group sizes kept)."""
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(labels_true == g) for g in np.unique(labels_true)]
    return [np.concatenate([rng.choice(members, size=len(members)) for members in groups])
            for _ in range(n_bootstrap)]


def _bootstrap_purities(cluster, truth, labels_true, resamples, seed):
    """Purity on each resample, shape (B,); a subsampled method maps the resamples onto its own rows."""
    if len(truth) != len(labels_true):  # a baseline run on a stratified subsample: resample its own rows
        resamples = _group_resamples(truth, len(resamples), seed)
    from sklearn.exceptions import ConvergenceWarning

    purities = np.empty(len(resamples))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a resample may hold fewer distinct graphs than k
        for b, index in enumerate(resamples):
            distinct, copies = np.unique(index, return_counts=True)
            # every drawn copy counts, with the cluster of its network
            labels = cluster(distinct, seed + b)
            purities[b] = purity_score(np.repeat(truth[distinct], copies), np.repeat(labels, copies))
    return purities


def _run_network_methods(methods, labels_true, k, n_repeats, n_init, init, random_state, activations, weights,
                         clusterers):
    from sklearn.cluster import AgglomerativeClustering

    from .clustering import kmeans

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
            # scikit-learn's KMeans labels without its per-call set-up (2.3 ms, 6x the fit here)
            return kmeans(features[index], k, init=init, n_init=n_init, random_state=seed).astype(np.int64)

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
           n_bootstrap=200, birth_weight=None):
    zoo = _trained(zoo)
    labels_true, names = zoo.group_labels(by)
    methods = _check_methods(methods)
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
        n_bootstrap=n_bootstrap, birth_weight=birth_weight, **inputs,
    )
    table = [_not_applicable(r["method"], reasons[r["method"]]) if r["method"] in reasons else r for r in table]
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
                        zoo=None, progress=True, n_bootstrap=200, birth_weight=None, **zoo_options):
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
                "protocol": protocol, "random_state": random_state, "n_bootstrap": n_bootstrap,
                "birth_weight": birth_weight, **zoo_options}
    return _study(zoo, "regularizer", methods, n_repeats, protocol, random_state, baseline_budget,
                  baseline_subsample, settings, n_bootstrap, birth_weight)


def stimulus_classes(dataset="digits", regularizer="vanilla", *, classes="all", preset="classroom",
                     pairing="fresh", methods="all", n_repeats=20, protocol="fcviz", random_state=0,
                     baseline_budget=120.0, baseline_subsample=None, zoo=None, progress=True, n_bootstrap=200,
                     birth_weight=None, **zoo_options):
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
    n_bootstrap, birth_weight
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
                "n_bootstrap": n_bootstrap, "birth_weight": birth_weight, **zoo_options}
    return _study(zoo, "stimulus_class", methods, n_repeats, protocol, random_state, baseline_budget,
                  baseline_subsample, settings, n_bootstrap, birth_weight)


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
                       persistence=None):
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
    check_option(protocol, "protocol", _PROTOCOLS)
    betas = _check_birth_weights(birth_weights)
    zoo = _trained(zoo)
    labels_true, names = zoo.group_labels(by)
    P = birth_death(zoo.graphs) if persistence is None else persistence
    if len(P) != len(labels_true):
        raise ValueError(f"persistence holds {len(P)} graphs but the zoo {len(labels_true)}; pass "
                         "birth_death(zoo.graphs) or leave it out.")
    k = len(names)
    n_init, init = (1, "random") if protocol == "paper" else (10, "k-means++")
    scores = []
    with warnings.catch_warnings():
        from sklearn.exceptions import ConvergenceWarning

        warnings.simplefilter("ignore", ConvergenceWarning)  # beta = 0 or 1 can make some graphs coincide
        for beta in [None, *betas.tolist()]:
            runs = [clustering_scores(labels_true, TopClustering(k, birth_weight=beta, init=init, n_init=n_init,
                                                                 random_state=random_state + r).fit_predict(P))
                    for r in range(n_repeats)]
            purity = np.array([run["purity"] for run in runs])
            scores.append((purity.mean(), purity.std(), np.mean([run["adjusted_rand"] for run in runs])))
    scores = np.array(scores)
    settings = {"study": _STUDY_OF.get(by, by), "by": by,
                "dataset": zoo.metadata.get("settings", {}).get("dataset"), "n_repeats": n_repeats,
                "protocol": protocol, "random_state": random_state}
    return BirthWeightCurve(betas, scores[1:, 0], scores[1:, 1], scores[1:, 2], float(scores[0, 0]),
                            float(scores[0, 1]), float(scores[0, 2]), labels_true, list(names), settings)
