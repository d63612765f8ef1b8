"""The clustering explorer: cluster a zoo live with Top clustering at any weight, Adj, or a diagram baseline.

How it redraws, and what it shares with the connectome explorer: :mod:`fcviz.viz.widgets.explorers`.
"""

from __future__ import annotations

import html
import threading
import time
from collections import OrderedDict

import ipywidgets as widgets
import numpy as np
import traitlets

from ..._validation import check_bool, check_real
from ..._diagrams import EXTRA
from ...clustering import TopClustering, clustering_scores
from ...registry import BASELINE_METHODS
from ...wasserstein import pairwise_distances
from ..displays.matrices import DistanceMatrixDisplay
from ..displays.scores import ClusteringDisplay, PurityWeightDisplay
from .base import Explorer
from .explorers import WIDE, available_methods, check_persistence, check_zoo

__all__ = ["ClusteringExplorer", "MethodUnavailableError"]

_WIDE = WIDE
_FITS_KEPT = 256  # clusterings remembered per zoo (labels: a few hundred bytes each)
_BACKGROUND_EDGES = 1_000_000  # background="auto": fits at 0 < w < 1 of larger zoos run in a thread
_PAPER = "paper"  # the birth-weight slider's first stop: the paper's d_top (birth_weight=None)
_BIRTH_WEIGHTS = [("paper", _PAPER)] + [(f"{0.05 * i:.2f}", round(0.05 * i, 2)) for i in range(21)]
_CURVE_REPEATS = 10  # clusterings per birth weight of the purity-against-beta curve


class MethodUnavailableError(traitlets.TraitError, ImportError):
    """A clustering method the explorer cannot run here (a baseline whose extra is not installed).

    Both a :class:`traitlets.TraitError` (what setting a Dropdown to a missing option raised before)
    and an :class:`ImportError` (what is missing: a package).
    """


class _MethodDropdown(widgets.Dropdown):
    """The method control: a value that is not offered gets an error saying why and how to fix it."""

    @traitlets.validate("value")
    def _validate_value(self, proposal):
        value, offered = proposal.value, tuple(self.options)
        if isinstance(value, str) and value not in offered:
            raise _unavailable(value, offered)
        return super()._validate_value(proposal)


def _unavailable(method, offered):
    """The error for a method the explorer does not offer: a missing extra, or a name it does not run."""
    listed = ", ".join(f'"{m}"' for m in offered)
    if method in BASELINE_METHODS:
        from ...baselines import require_baselines

        try:
            require_baselines()
        except ImportError as exc:
            why = str(exc).split(" Install fcviz's")[0]
            return MethodUnavailableError(
                f'ClusteringExplorer: the method "{method}" is a persistence-diagram baseline and needs the '
                f"optional baselines extra (ripser, persim, kmedoids), which is not installed here: {why} "
                f"Install it with {EXTRA} and restart the kernel, or choose one of the available methods: "
                f"{listed} (ClusteringExplorer.available_methods)."
            )
        return MethodUnavailableError(
            f'ClusteringExplorer: this explorer was made before the baselines extra was installed, so it offers '
            f'{listed} only; make a new ClusteringExplorer to run "{method}".'
        )
    return MethodUnavailableError(
        f"ClusteringExplorer: method must be one of the available methods {listed}; got {method!r}. "
        f"The baselines {', '.join(BASELINE_METHODS)} need {EXTRA}; CKA and NP (network similarity) run in "
        "fcviz.studies, not in the explorer."
    )


class ClusteringExplorer(Explorer):
    """Cluster a zoo live: Top clustering at any topological weight, Adj, or a diagram baseline.

    Parameters
    ----------
    zoo : fcviz.ConnectomeZoo
        Connectomes with their labels.
    persistence : Persistence, optional
        ``fcviz.birth_death(zoo.graphs)`` when already computed.
    by : str or tuple of str, default="regularizer"
        The label column(s) that give the true classes (see :meth:`fcviz.ConnectomeZoo.group_labels`),
        e.g. ``"stimulus_class"`` for Study 2.
    baseline_budget : float or None, default=60
        Seconds allowed for the baselines' Vietoris–Rips persistence diagrams (estimated first, see
        :func:`fcviz.baselines.persistence_diagrams`); None runs them whatever the cost.
    background : bool or "auto", default="auto"
        Run Top clustering at ``0 < w < 1`` (centroid graphs by topological interpolation, the slow
        case) in a background thread: the callback returns at once, the status line says
        "computing …" and the controls stay responsive; the result is shown when it is ready unless
        the controls have moved on meanwhile (it is cached either way), and :meth:`wait` waits for
        it. ``"auto"``: only for zoos of more than a million edge weights in all (80 graphs of 384
        nodes hold 5.9 million); smaller zoos cluster in a fraction of a second, in the callback.
    dpi : int, default=100
    backend : {"image", "ipympl"}, default="image"
    frame_cache : int, default=64
        Frames kept per panel, see :class:`fcviz.viz.widgets.base.Explorer`.

    Attributes
    ----------
    method : ipywidgets.Dropdown
        ``"Top"``, ``"Adj"`` and every baseline whose extra is installed (:attr:`available_methods`).
        Setting another value raises :class:`MethodUnavailableError` (a TraitError and an
        ImportError) that says what is missing and how to install it.
    available_methods : tuple of str
        The methods this explorer can run here (read-only): check ``"WD" in
        explorer.available_methods`` before choosing a baseline.
    weight : ipywidgets.FloatSlider
        ``top_relative_weight`` of :class:`fcviz.TopClustering`, 0 … 1 in steps of 0.05 (1: topology
        only, the paper's Top); enabled for "Top" only.
    birth_weight : ipywidgets.SelectionSlider
        Births ↔ deaths: ``"paper"`` (the paper's d_top, sums over all births and deaths), then
        ``birth_weight`` beta = 0 (deaths only) … 1 (births only) in steps of 0.05 (see
        :func:`fcviz.topological_distance`). For Top at w > 0; it also sets the distance shown.
    curve_button : ipywidgets.Button
        "purity against β": computes :func:`fcviz.studies.birth_weight_curve` for the zoo (once; the
        groups' count of clusters, 10 repeats) and shows it in the ``"curve"`` panel, with the
        slider's beta marked.
    n_clusters : ipywidgets.IntSlider
        2 … min(10, N); initially the number of true classes.
    seed : ipywidgets.IntText
        ``random_state`` of the clustering.
    readout : ipywidgets.HTML
        Purity, adjusted Rand index, normalised mutual information and the fit time.
    zoo : fcviz.ConnectomeZoo
    labels_true_ : ndarray of shape (N,)
        True class codes, ``zoo.group_labels(by)[0]``; ``class_names_`` their names.
    persistence_ : Persistence
        ``birth_death(zoo.graphs)``.
    labels_ : ndarray of shape (N,)
        Predicted cluster of every network (the last successful clustering).
    scores_ : dict
        :func:`fcviz.clustering_scores` of ``labels_``.
    distances_ : ndarray of shape (N, N)
        The distance matrix shown: :func:`fcviz.pairwise_distances` (d_top) for Top; squared
        Euclidean distances between the graphs' edge weights for Adj; for a baseline its diagram
        distances (:func:`fcviz.baselines.diagram_features`, or
        :func:`fcviz.baselines.diagram_distances` for PI, whose features are images).
    diagrams_ : list of ndarray or None
        The baselines' H1 persistence diagrams, computed on first use of a baseline.
    fit_seconds_ : float
        Time of the last clustering (when it was computed; a clustering shown again comes from
        ``fits_``).
    fits_ : collections.OrderedDict
        The clusterings computed for this zoo: ``(method, n_clusters, seed, weight, birth_weight)``
        (weight and birth_weight None where they do not apply) -> (labels, seconds); the 256 most
        recently used are kept.
    curve_ : fcviz.studies.BirthWeightCurve or None
        The purity-against-beta curve, once asked for (:meth:`show_curve`).
    figures_, images_, displays_ : dict
        Keys ``"contingency"`` (:class:`ClusteringDisplay`) and ``"distances"``
        (:class:`DistanceMatrixDisplay` in the order ``argsort(labels_)``). A panel is redrawn only
        when what it shows changes (the same labels from another seed or weight leave it alone), and
        a frame shown before comes from its cache. ``"curve"`` (:class:`PurityWeightDisplay`, the
        panel of :meth:`show_curve`) is added once the curve is asked for, until another zoo is set.
    """

    def __init__(self, zoo, *, persistence=None, by="regularizer", baseline_budget=60.0, background="auto",
                 dpi=100, backend="image", frame_cache=64):
        super().__init__(dpi=dpi, backend=backend, frame_cache=frame_cache)
        self.by = by
        self.baseline_budget = check_real(baseline_budget, "baseline_budget", low=0, closed="neither",
                                          allow_none=True)
        if background != "auto":
            background = check_bool(background, "background")
        self.background = background
        self._fit_lock = threading.Lock()  # one background fit at a time (they queue up)
        self._wanted = None  # the settings the controls ask for now
        self.method = _MethodDropdown(options=available_methods(), value="Top", description="method", style=_WIDE,
                                      layout=widgets.Layout(width="160px"))
        self.weight = widgets.FloatSlider(value=1.0, min=0.0, max=1.0, step=0.05, continuous_update=False,
                                          readout_format=".2f", description="topological weight w", style=_WIDE,
                                          layout=widgets.Layout(width="330px"))
        self.birth_weight = widgets.SelectionSlider(
            options=_BIRTH_WEIGHTS, value=_PAPER, continuous_update=False, description="deaths ← β → births",
            style=_WIDE, layout=widgets.Layout(width="330px"),
            tooltip="paper: sums over all births and deaths; beta: births weigh beta, deaths 1 - beta (as distributions)")
        self.curve_button = widgets.Button(description="purity against β", icon="line-chart",
                                           tooltip="Top purity for every birth weight (computed once)",
                                           layout=widgets.Layout(width="auto"))
        self.n_clusters = widgets.IntSlider(value=2, min=2, max=2, continuous_update=False, description="clusters",
                                            style=_WIDE, layout=widgets.Layout(width="260px"))
        self.seed = widgets.IntText(value=0, description="seed", style=_WIDE, layout=widgets.Layout(width="120px"))
        self.readout = widgets.HTML()
        # Layout at the first render only: tick labels keep their width while the number of clusters
        # (a new contingency display: reset) and the distance (thaw, see _show) stay.
        self.add_panel("contingency", figsize=(4.6, 4.0), freeze_layout_after=1, blit=True)
        self.add_panel("distances", figsize=(5.0, 4.4), freeze_layout_after=1, blit=True)
        self._curve_box = widgets.Box([])  # holds the curve panel once asked for (exports hold it from then on)
        self.set_zoo(zoo, persistence=persistence)
        for control in (self.method, self.weight, self.birth_weight, self.n_clusters, self.seed):
            self.on_change(control, self._draw)
        self.curve_button.on_click(lambda _: self.show_curve())

    @property
    def available_methods(self):
        """The clustering methods this explorer can run here: "Top", "Adj" and the installed baselines.

        Returns
        -------
        tuple of str
            The options of :attr:`method`, e.g. ``("Top", "Adj")`` without the ``fcviz[baselines]``
            extra and ``("Top", "Adj", "BD", "WD", "SWK", "HK", "PI")`` with it.
        """
        return tuple(self.method.options)

    def set_zoo(self, zoo, *, persistence=None):
        """Cluster another zoo (e.g. one just built): reset every cache, the controls and the panels.

        Parameters
        ----------
        zoo : fcviz.ConnectomeZoo
        persistence : Persistence, optional
            ``fcviz.birth_death(zoo.graphs)`` when already computed.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If ``zoo`` is not a zoo, ``by`` is not a label column or ``persistence`` does not belong to
            the zoo; the explorer is unchanged.
        """
        owner = type(self).__name__
        zoo = check_zoo(zoo, owner)
        labels_true, names = zoo.group_labels(self.by)
        P = check_persistence(persistence, zoo, owner)
        distances = {("Top", None): pairwise_distances(P)}
        top = min(10, len(zoo))

        def swap():  # the new zoo's state and controls (a new choice: a fit of the old zoo is dropped)
            self._wanted = None
            self.zoo = zoo
            self.labels_true_ = labels_true
            self.class_names_ = ["all" if name is None else str(name) for name in names]
            self.persistence_ = P
            self.diagrams_ = None
            self._distances = distances
            self._features = {}
            self.fits_ = OrderedDict()
            self.curve_ = None
            self._drop_curve_panel()
            with self.muted():
                self.n_clusters.max = max(top, self.n_clusters.min)
                self.n_clusters.value = int(np.clip(len(names), 2, top))
            self._shown_clusters = self._drawn_distance = None

        with self.drawing():  # no other drawing between the new state and the new displays
            self.commit(swap, new_choice=True)
            self.forget_frames()
            self._draw(now=True, ticket=self.ticket_)
        self.set_status(html.escape(self._describe()))
        return self

    # ------------------------------------------------------------------ library calls (cached)

    def _baseline_features(self, method):
        """What the baseline clusters (diagram distances or images), computing the diagrams on first use."""
        from ...baselines import diagram_features, persistence_diagrams

        if self.diagrams_ is None:
            self.notify(f"computing persistence diagrams of {len(self.zoo)} graphs (Vietoris–Rips, H1)…")
            self.diagrams_ = persistence_diagrams(self.zoo.graphs, time_budget=self.baseline_budget)
        if method not in self._features:
            self._features[method] = diagram_features(self.diagrams_, method=method)
        return self._features[method]

    def _distance(self, method, birth_weight=None):
        """(distance matrix, title) shown for ``method`` (Top: under ``birth_weight``); computed once per zoo."""
        key = (method, birth_weight)
        if key not in self._distances:
            if method == "Top":
                self._distances[key] = pairwise_distances(self.persistence_, birth_weight=birth_weight)
            elif method == "Adj":
                from ...wasserstein import edge_distances

                self._distances[key] = edge_distances(self.zoo.graphs)
            elif method == "PI":
                from ...baselines import diagram_distances

                self._baseline_features(method)
                self._distances[key] = diagram_distances(self.diagrams_, method="PI")
            else:
                self._distances[key] = self._baseline_features(method)
        titles = {"Top": "d_top, a squared 2-Wasserstein distance" if birth_weight is None
                  else f"β-weighted distance (β = {birth_weight:.2f}), squared",
                  "Adj": "edge distance ‖A − B‖²", "PI": "persistence-image distance (PI)"}
        return self._distances[key], titles.get(method, f"diagram distance ({method})")

    def _fit(self, method, k, seed, weight, birth_weight=None):
        """Predicted clusters of the zoo, and the seconds the clustering took."""
        from ...baselines import cluster_features

        tic = time.perf_counter()
        if method in ("Top", "Adj"):
            w = weight if method == "Top" else 0.0
            data = self.persistence_ if w == 1.0 else self.zoo.graphs
            labels = TopClustering(k, top_relative_weight=w, birth_weight=birth_weight,
                                   random_state=seed).fit_predict(data)
        else:
            features = self._baseline_features(method)
            tic = time.perf_counter()
            labels = cluster_features(features, k, method=method, random_state=seed)
        return np.asarray(labels), time.perf_counter() - tic

    def _recall(self, settings):
        """The cached clustering of ``settings`` (labels, seconds), or None."""
        fit = self.fits_.get(settings)
        if fit is not None:
            self.fits_.move_to_end(settings)
        return fit

    def _remember(self, settings, fit, fits):
        """Keep a clustering in ``fits`` (the ``fits_`` of the zoo it was computed for)."""

        def keep():
            fits[settings] = fit
            while len(fits) > _FITS_KEPT:
                fits.popitem(last=False)

        self.commit(keep)

    def _in_background(self, method, weight):
        """Whether a clustering not cached yet runs in a background thread (see ``background``)."""
        if method != "Top" or not 0.0 < weight < 1.0 or self.background is False:
            return False
        n = self.zoo.n_nodes
        return self.background is True or len(self.zoo) * n * (n - 1) // 2 > _BACKGROUND_EDGES

    # ------------------------------------------------------------------ drawing

    def _draw(self, *, now=False, ticket=None):
        """Show the clustering the controls ask for: cached, computed here, or (slow ones) computed in
        the background unless ``now``."""
        ticket = self.current_ticket() if ticket is None else ticket
        method, k, seed = self.method.value, self.n_clusters.value, self.seed.value
        weight = float(self.weight.value)
        beta = None if method != "Top" or weight == 0.0 else self._beta()
        settings = (method, k, seed, weight if method == "Top" else None, beta)

        def choose():
            self.weight.disabled = method != "Top"
            self.birth_weight.disabled = method != "Top" or weight == 0.0
            self._wanted = settings

        if not self.commit(choose, ticket):
            return
        fits = self.fits_
        fit = self._recall(settings)
        if fit is None and not now and self._in_background(method, weight):
            self.run_in_background(self._fit_in_background, settings, fits, name="fcviz-clustering-fit",
                                   start=False)  # after the status line says "computing …"
            return
        if fit is None:
            fit = self._fit(method, k, seed, weight, beta)
            self._remember(settings, fit, fits)
        self._show(settings, *fit, ticket=ticket)

    def _beta(self):
        """The slider's birth weight: None for "paper"."""
        value = self.birth_weight.value
        return None if value == _PAPER else float(value)

    def show_curve(self):
        """Compute (once per zoo) and show Top purity against the birth weight, with the slider's beta marked.

        Returns
        -------
        fcviz.studies.BirthWeightCurve
        """
        with self.guard("computing purity against β"):
            if self.curve_ is None:
                from ...studies import birth_weight_curve

                self.notify(f"computing Top purity for {len(_BIRTH_WEIGHTS)} birth weights × {_CURVE_REPEATS} "
                            "repeats …")
                persistence = self.persistence_ if len(self.zoo.epochs) == 1 else None
                self.curve_ = birth_weight_curve(self.zoo, by=self.by, birth_weights=[v for _, v in _BIRTH_WEIGHTS[1:]],
                                                 n_repeats=_CURVE_REPEATS, persistence=persistence)
            if "curve" not in self.panels_:
                with self.drawing():
                    panel = self.add_panel("curve", figsize=(5.2, 3.4), freeze_layout_after=1)
                self.commit(lambda: setattr(self._curve_box, "children", (panel.widget,)))
            self._draw(now=True)
        return self.curve_

    def _drop_curve_panel(self):
        """Remove the curve panel (another zoo: its curve is not computed yet)."""
        panel = self.panels_.pop("curve", None)
        if panel is not None:
            for registry in (self.figures_, self.images_, self.displays_, self.shown_):
                registry.pop("curve", None)
            self._curve_box.children = ()
            panel.close()

    def _fit_in_background(self, settings, fits):
        """A background thread: compute one clustering; show it if no newer choice was made meanwhile.

        Runs under the ticket of the change that started it (see :meth:`run_in_background`): its result is
        kept in ``fits`` (the zoo's cache) in any case, and shown, like its failure, only while current.
        """
        ticket = self.current_ticket()
        with self._fit_lock:  # fits queue up; one that the controls have left meanwhile is skipped
            if not self.is_current(ticket):
                return
            tic = time.perf_counter()
            fit = self._recall(settings) or self._fit(*settings)
            self._remember(settings, fit, fits)
            if self._show(settings, *fit, ticket=ticket):
                self.redraw_seconds_ = time.perf_counter() - tic
                self.set_status(html.escape(self._describe()) + (
                    f' <span style="color:#777">· {1000 * self.redraw_seconds_:.0f} ms in the background</span>'),
                    ticket)

    def _show(self, settings, labels, seconds, *, ticket=None):
        """Move the displays to one clustering, render the panels whose frame changed and show them.

        Returns whether it was shown (not when a newer choice came meanwhile).
        """
        method, k, seed, weight, beta = settings
        scores = clustering_scores(self.labels_true_, labels)
        D, title = self._distance(method, beta)
        order = np.argsort(labels, kind="stable")
        names = np.array([str(c) for c in labels])  # as the contingency matrix's columns
        panels = self.panels_
        shown = np.asarray(labels).tobytes()  # the frames: what each figure depends on
        keys = {"contingency": (k, shown), "distances": (method, beta, shown)}
        if "curve" in panels:
            keys["curve"] = beta if method == "Top" else "none"

        def update(changed):
            if "contingency" in changed and self._shown_clusters != k:  # columns: a new display
                panels["contingency"].reset()
                self.displays_["contingency"] = ClusteringDisplay.from_predictions(
                    self.labels_true_, labels, class_names=self.class_names_, n_clusters=k,
                    ax=panels["contingency"].axes[0])
                self._shown_clusters = k
            elif "contingency" in changed:
                self.displays_["contingency"].update_from_predictions(self.labels_true_, labels)
            if "distances" in changed and "distances" not in panels["distances"].displays:
                panels["distances"].reset()
                ax = panels["distances"].axes[0]
                self.displays_["distances"] = DistanceMatrixDisplay(D, labels=names, order=order,
                                                                    title=title).plot(ax=ax)
                ax.tick_params(axis="x", labelbottom=False)  # the rows carry the cluster names
                ax.set_xlabel("networks, grouped by predicted cluster")
                ax.set_ylabel("predicted cluster")
                panels["distances"].follow_data(ax.xaxis, ax.yaxis)  # a tick per cluster: they move
            elif "distances" in changed:
                self.displays_["distances"].update(D, labels=names, order=order, title=title)
                if self._drawn_distance != (method, beta):  # other distances: other colour-bar tick labels
                    panels["distances"].thaw()
            self._drawn_distance = (method, beta) if "distances" in changed else self._drawn_distance
            if "curve" in changed:
                self._update_curve(beta if method == "Top" else None)
            for name in changed:
                panels[name].displays = {name: self.displays_[name]}

        def record():  # committed with the images
            self.labels_, self.scores_, self.distances_, self.fit_seconds_ = labels, scores, D, seconds
            self._settings = {"method": method, "n_clusters": k, "seed": seed, "weight": float(
                self.weight.value) if weight is None else weight, "birth_weight": beta}
            self._shown_settings = settings
            self.readout.value = self._readout()

        recorded = []
        self.refresh(keys, update, ticket=ticket, after=lambda: recorded.append(record()))
        return bool(recorded)

    def tables(self):
        """The clustering shown, for export: ``"scores"`` (one row: purity, adjusted Rand index …) and
        ``"clusters"`` (the zoo's label rows with a ``cluster`` column).

        Returns
        -------
        dict of str to list of dict
        """
        with self._state:  # labels and scores of one clustering
            scores, labels, zoo = self.scores_, self.labels_, self.zoo
        tables = {}
        if scores:
            tables["scores"] = [dict(scores)]
        if labels is not None and len(labels) == len(zoo):
            tables["clusters"] = [{**row, "cluster": int(c)} for row, c in zip(zoo.labels, labels)]
        return tables

    def _update_curve(self, beta):
        """Draw the curve panel (first time) and move its marker to ``beta`` (hidden for None)."""
        panel = self.panels_["curve"]
        if "curve" not in self.displays_:
            panel.reset()
            ax = panel.axes[0]
            display = PurityWeightDisplay.from_curve(self.curve_, ax=ax)
            self._curve_marker = ax.axvline(0.0, color="crimson", lw=1.2, ls="-", alpha=0.8)
            self.displays_["curve"] = display
        self._curve_marker.set_xdata([beta or 0.0, beta or 0.0])
        self._curve_marker.set_visible(beta is not None)

    @staticmethod
    def _how(s):
        if s["method"] != "Top":
            return s["method"]
        beta = s.get("birth_weight")
        return f"Top (w = {s['weight']:.2f}" + ("" if beta is None else f", β = {beta:.2f}") + ")"

    def _readout(self):
        s, scores = self._settings, self.scores_
        how = self._how(s)
        cells = [("purity", f"{scores['purity']:.3f}"), ("adjusted Rand", f"{scores['adjusted_rand']:.3f}"),
                 ("NMI", f"{scores['normalized_mutual_info']:.3f}"), ("fit", f"{1000 * self.fit_seconds_:.0f} ms")]
        body = " · ".join(f"{html.escape(k)} <b>{v}</b>" for k, v in cells)
        return (f"<div style='font-size:90%'><b>{html.escape(how)}</b>, {s['n_clusters']} clusters, seed "
                f"{s['seed']}, {len(self.labels_)} networks: {body}</div>")

    def _describe(self):
        s = self._settings
        shown = f"{self._how(s)}: {s['n_clusters']} clusters, seed {s['seed']}, purity {self.scores_['purity']:.3f}"
        wanted = self._wanted
        if wanted is None or wanted == self._shown_settings:
            return shown
        method, k, seed, weight, beta = wanted
        how = self._how({"method": method, "weight": weight, "birth_weight": beta})
        return f"computing {how}, {k} clusters, seed {seed} in the background … (showing {shown})"

    def _layout(self):
        controls = widgets.HBox([self.method, self.weight, self.n_clusters, self.seed])
        topology = widgets.HBox([self.birth_weight, self.curve_button])
        panels = self.panels_
        return [controls, topology, self.status, self.readout,
                widgets.HBox([panels["contingency"].widget, panels["distances"].widget]), self._curve_box]
