"""Run clustering methods on graphs and score them against the true groups: the engine of the studies.

:func:`run_methods` clusters with every method ``n_repeats`` times (seeds ``random_state + repeat``)
and gives one table row per method: purity (mean ± std, with a bias-corrected bootstrap interval),
adjusted Rand index, normalised mutual information and the seconds taken. Methods: Top and Adj
(:class:`fcviz.TopClustering` at w = 1 and 0), the network methods CKA and NP
(:mod:`fcviz.similarity`) and the persistence-diagram baselines (:mod:`fcviz.baselines`, the
extra ``fcviz[baselines]``), which are run under a time budget. :mod:`fcviz.studies` builds the
paper's studies on it.
"""

from __future__ import annotations

import logging
import time
import warnings

import numpy as np

from ._kmeans import kmeans
from ._threads import on_one_thread
from ._validation import check_int, check_option
from .clustering import TopClustering
from .registry import METHODS, NETWORK_METHODS, stratified_indices
from .scores import clustering_scores, purity_score

__all__ = ["run_methods", "check_methods", "not_applicable", "PROTOCOLS"]

logger = logging.getLogger("fcviz.studies")  # the studies' log, as before the engine had its own module

#: ``protocol`` of :func:`run_methods`: fcviz's restarts, or the paper's one random start per run.
PROTOCOLS = ("fcviz", "paper")


def check_methods(methods):
    """The methods asked for: "all", one name or names from :data:`fcviz.registry.METHODS`, as a tuple."""
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


def not_applicable(method, reason):
    """The table row of a method that does not apply to a study, saying why."""
    return {**_skipped(method, reason), "status": f"n/a: {reason}"}


@on_one_thread  # thousands of tiny clusterings: see fcviz._threads
def run_methods(graphs, labels_true, *, methods="all", n_repeats=20, protocol="fcviz", random_state=0,
                baseline_budget=120.0, baseline_subsample=None, progress=False, activations=None,
                network_weights=None, n_bootstrap=200, birth_weight=None, n_jobs=None, client=None):
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
    n_jobs : int or None, default=None
        Local processes for the independent work: the baselines' Rips diagrams (one task per graph)
        and distance matrices (blocks of pairs), and the bootstrap resamples (blocks per method).
        None runs everything here. The table is the same, bit for bit (:mod:`fcviz.parallel`).
    client : distributed.Client or str, optional
        Run that work on a Dask cluster instead (default: the client of an enclosing
        :func:`fcviz.parallel.using` block).

    Returns
    -------
    table : list of dict
        One row per method (see :class:`StudyResult`).
    predictions : dict of str to ndarray of shape (n_repeats, n)
    """
    methods, graphs, labels_true, run, baseline_subsample = _checked_inputs(
        graphs, labels_true, methods, n_repeats, n_bootstrap, protocol, random_state, baseline_subsample)
    k, n_repeats = run["k"], run["n_repeats"]
    table, predictions = [], {}
    clusterers = {}  # method -> (cluster(positions, seed) -> labels, true labels of its rows)
    top_methods = [m for m in methods if m in ("Top", "Adj")]
    if top_methods:
        _run_top_methods(top_methods, graphs, labels_true, run, birth_weight, progress, table, predictions, clusterers)
    network_methods = [m for m in methods if m in NETWORK_METHODS]
    if network_methods:
        for name, value in (("activations", activations), ("network_weights", network_weights)):
            if value is not None and len(value) != len(graphs):
                raise ValueError(f"{name} must have one entry per graph ({len(graphs)}); got {len(value)}.")
        table_rows, preds = _run_network_methods(network_methods, labels_true, k, n_repeats, run["n_init"],
                                                 run["init"], random_state, activations, network_weights, clusterers)
        table.extend(table_rows)
        predictions.update(preds)
    baselines = [m for m in methods if m not in ("Top", "Adj", *NETWORK_METHODS)]
    if baselines:
        table_rows, preds = _run_baselines(graphs, labels_true, baselines, k, n_repeats, run["n_init"], random_state,
                                           baseline_budget, baseline_subsample, clusterers, (n_jobs, client))
        table.extend(table_rows)
        predictions.update(preds)
    if run["n_bootstrap"]:
        _add_bootstrap_intervals(table, clusterers, labels_true, run["n_bootstrap"], random_state, n_jobs, client)
    order = {m: i for i, m in enumerate(METHODS)}
    table.sort(key=lambda r: order[r["method"]])
    return table, predictions


def _checked_inputs(graphs, labels_true, methods, n_repeats, n_bootstrap, protocol, random_state, baseline_subsample):
    """The validated arguments of :func:`run_methods`: methods, graphs, labels, the run's settings and the
    baselines' subsample (``run``: ``k``, ``n_repeats``, ``n_bootstrap``, ``random_state``, ``n_init``, ``init``)."""
    methods = check_methods(methods)
    n_repeats = check_int(n_repeats, "n_repeats", minimum=1)
    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", minimum=0)
    check_option(protocol, "protocol", PROTOCOLS)
    graphs, labels_true = np.asarray(graphs), np.asarray(labels_true)
    if graphs.ndim != 3 or len(labels_true) != len(graphs):
        raise ValueError(
            f"Need graphs (N, n, n) and N labels; got graphs {graphs.shape} and {len(labels_true)} labels.")
    k = len(np.unique(labels_true))
    if baseline_subsample is not None:
        baseline_subsample = check_int(baseline_subsample, "baseline_subsample", minimum=k, maximum=len(graphs),
                                       hint="It is the number of graphs the baselines run on, at least one per "
                                            "group.")
    run = dict(k=k, n_repeats=n_repeats, n_bootstrap=n_bootstrap, random_state=random_state,
               **(dict(n_init=1, init="random") if protocol == "paper" else dict(n_init=10, init="k-means++")))
    return methods, graphs, labels_true, run, baseline_subsample


def _run_top_methods(methods, graphs, labels_true, run, birth_weight, progress, table, predictions, clusterers):
    """Top (w = 1, on the persistences) and Adj (w = 0, on the edges): rows, predictions and clusterers added."""
    from .homology import birth_death

    k, n_init, init = run["k"], run["n_init"], run["init"]
    t0 = time.perf_counter()
    P = birth_death(graphs)
    prep = time.perf_counter() - t0
    for method in methods:
        weight, data = (1.0, P) if method == "Top" else (0.0, graphs)
        beta = birth_weight if method == "Top" else None
        labels, times = [], []
        for r in range(run["n_repeats"]):
            model = TopClustering(k, top_relative_weight=weight, birth_weight=beta, init=init, n_init=n_init,
                                  random_state=run["random_state"] + r)
            t0 = time.perf_counter()
            labels.append(model.fit_predict(data))
            times.append(time.perf_counter() - t0)
        predictions[method] = np.array(labels)
        clusterers[method] = (_TopClusterer(data, k, weight, init, n_init, beta), labels_true)
        table.append(_score_rows(method, labels_true, labels, times, prep if method == "Top" else 0.0, "ok"))
        if progress:
            logger.info("%s done: purity %.3f", method, table[-1]["purity_mean"])


#: Blocks of resamples per method when the bootstrap runs on several processes or a cluster.
BOOTSTRAP_BLOCKS = 8


def _add_bootstrap_intervals(table, clusterers, labels_true, n_bootstrap, random_state, n_jobs=None, client=None):
    """The bias-corrected 95 % interval of purity of every row that has a clusterer (see :func:`run_methods`).

    The resamples are drawn here, once; blocks of them are clustered as tasks of
    :func:`fcviz.parallel.run_tasks` (resample ``b`` with seed ``random_state + b`` wherever it runs).
    """
    from .parallel import run_tasks, split

    resamples = _group_resamples(labels_true, n_bootstrap, random_state)
    methods = [row["method"] for row in table if row["method"] in clusterers]
    # a baseline run on a stratified subsample resamples its own rows
    own = {m: resamples if len(clusterers[m][1]) == len(labels_true) else
           _group_resamples(clusterers[m][1], n_bootstrap, random_state) for m in methods}
    blocks = split(n_bootstrap, BOOTSTRAP_BLOCKS)
    tasks = [(m, a, b) for m in methods for a, b in blocks]
    values = run_tasks(_bootstrap_block, tasks, labels=[f"{m} bootstrap resamples {a}..{b - 1}" for m, a, b in tasks],
                       shared={"clusterers": {m: clusterers[m] for m in methods}, "resamples": own,
                               "seed": random_state}, n_jobs=n_jobs, client=client, name="bootstrap")
    # tasks are method-major: each method's blocks are one run of len(blocks) results
    purities = {m: np.concatenate(values[i * len(blocks):(i + 1) * len(blocks)]) for i, m in enumerate(methods)}
    for row in table:
        if row["method"] in purities:
            boot = purities[row["method"]]
            # percentile interval, shifted by the bootstrap's estimate of bias (see n_bootstrap in run_methods)
            shift = row["purity_mean"] - boot.mean()
            low, high = np.clip(np.percentile(boot, [2.5, 97.5]) + shift, 0.0, 1.0)
            row.update(purity_ci_low=float(low), purity_ci_high=float(high), purity_bootstrap=boot)


def _bootstrap_block(method, start, stop, *, clusterers, resamples, seed):
    """A task: the purities of resamples ``start..stop - 1`` of ``method``, shape (stop - start,), on one thread."""
    from ._threads import one_thread

    cluster, truth = clusterers[method]
    with one_thread(fresh=True):
        return _bootstrap_purities(cluster, truth, truth, resamples[method][start:stop], seed + start)


class _TopClusterer:
    """Top or Adj (TopClustering at a weight) on rows of ``data``: picklable, so a bootstrap task can carry it."""

    def __init__(self, data, k, weight, init, n_init, birth_weight=None):
        self.data, self.k, self.weight, self.init, self.n_init, self.birth_weight = (data, k, weight, init, n_init,
                                                                                      birth_weight)

    def __call__(self, index, seed):
        model = TopClustering(self.k, top_relative_weight=self.weight, birth_weight=self.birth_weight,
                              init=self.init, n_init=self.n_init, random_state=seed)
        return model.fit_predict(self.data[index])


def _group_resamples(labels_true, n_bootstrap, seed):
    """``n_bootstrap`` resamples of the positions, with replacement within each true group (group sizes kept)."""
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(labels_true == g) for g in np.unique(labels_true)]
    return [np.concatenate([rng.choice(members, size=len(members)) for members in groups])
            for _ in range(n_bootstrap)]


def _bootstrap_purities(cluster, truth, labels_true, resamples, seed):
    """Purity on each resample, shape (B,), resample ``b`` clustered with seed ``seed + b`` (``resamples`` index
    the method's own rows: :func:`_add_bootstrap_intervals` draws a subsampled method's from its rows)."""
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
    from .similarity import cka_matrix, network_neural_persistence

    rows, predictions = [], {}
    for method in methods:
        inputs = activations if method == "CKA" else weights
        if inputs is None:
            what = "hidden activations" if method == "CKA" else "weights"
            rows.append(not_applicable(method, f"needs the networks' {what} (a study on a zoo with trained "
                                                "weights passes them)"))
            continue
        t0 = time.perf_counter()
        if method == "CKA":
            features = 1.0 - cka_matrix(inputs)
            np.fill_diagonal(features, 0.0)
        else:
            features = np.stack([network_neural_persistence(w) for w in inputs])
        prep = time.perf_counter() - t0
        cluster = _NetworkClusterer(method, features, k, init, n_init)
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


class _NetworkClusterer:
    """CKA (average linkage on 1 - CKA) or NP (k-means on neural persistence) on rows of ``features``."""

    def __init__(self, method, features, k, init, n_init):
        self.method, self.features, self.k, self.init, self.n_init = method, features, k, init, n_init

    def __call__(self, index, seed):
        if self.method == "CKA":  # deterministic: the seed is unused and the repeats only fill the columns
            from sklearn.cluster import AgglomerativeClustering

            model = AgglomerativeClustering(n_clusters=self.k, metric="precomputed", linkage="average")
            return model.fit_predict(self.features[np.ix_(index, index)]).astype(np.int64)
        # scikit-learn's KMeans labels without its per-call set-up, which costs more than the fit here
        return kmeans(self.features[index], self.k, init=self.init, n_init=self.n_init,
                      random_state=seed).astype(np.int64)


def _run_baselines(graphs, labels_true, methods, k, n_repeats, n_init, random_state, budget, subsample, clusterers,
                   where=(None, None)):
    """The diagram baselines' rows and predictions; ``where`` is ``(n_jobs, client)`` of their Rips diagrams
    and distance matrices."""
    n_jobs, client = where
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
    diagrams = bl.persistence_diagrams(graphs[index], n_jobs=n_jobs, client=client)
    rips_seconds = time.perf_counter() - t0
    truth = labels_true[index]
    rows, predictions = [], {}
    for method in methods:
        # The distance matrix (or the persistence images) is computed once; only the clustering repeats.
        t0 = time.perf_counter()
        features = bl.diagram_features(diagrams, method=method, n_jobs=n_jobs, client=client)
        prep = rips_seconds + time.perf_counter() - t0
        labels, times = [], []
        for r in range(n_repeats):
            t0 = time.perf_counter()
            labels.append(bl.cluster_features(features, k, method=method, random_state=random_state + r,
                                              n_init=n_init))
            times.append(time.perf_counter() - t0)
        predictions[method] = np.array(labels)
        clusterers[method] = (_BaselineClusterer(features, k, method, n_init), truth)
        rows.append(_score_rows(method, truth, labels, times, prep, status))
    return rows, predictions


class _BaselineClusterer:
    """A diagram baseline (k-medoids on distances, k-means on images) on rows of ``features``."""

    def __init__(self, features, k, method, n_init):
        self.features, self.k, self.method, self.n_init = features, k, method, n_init

    def __call__(self, index, seed):
        from . import baselines as bl

        rows = self.features[index] if self.method == "PI" else self.features[np.ix_(index, index)]
        return bl.cluster_features(rows, self.k, method=self.method, random_state=seed, n_init=self.n_init)
