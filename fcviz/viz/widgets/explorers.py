"""Explorers: live controllers over one connectome zoo, and what they share.

:class:`ConnectomeExplorer` shows one network (or a strategy's group mean) as a connectome, its
maximum spanning tree, its birth and death sets over every strategy's barycenter ± std, and its Betti
curves (:mod:`~fcviz.viz.widgets.connectome`); :class:`ClusteringExplorer`
(:mod:`~fcviz.viz.widgets.clustering`) clusters the zoo with Top clustering or a baseline and shows the
contingency matrix, the distance matrix ordered by predicted cluster and the scores.

How they redraw
---------------
Everything heavy is computed once per zoo and cached: the persistence of every graph
(:func:`fcviz.birth_death`), the strategies' barycenters (:func:`fcviz.barycenter`), the distance
matrices, and, on first use, the zoo recorded over one stimulus class
(:meth:`fcviz.ConnectomeZoo.recorded_over`, forward passes only) or the baselines' persistence
diagrams. A control change then only

1. looks up or computes the few library results it needs (a clustering, cached per method, number
   of clusters, seed and weight; a network's Betti curves);
2. works out which panels show something else now (each panel's frame has a key: what its figure
   depends on, e.g. the node order for the connectome only, the predicted labels for the clustering
   panels) and moves the artists of those displays only (``display.update``: no new artists, no new
   figure, no pyplot);
3. shows each changed panel's frame: from the panel's bounded frame cache when it was drawn before
   (bytes swapped, nothing drawn), else rendered to PNG bytes into its fixed-size
   ``ipywidgets.Image``: the figure layout was made at the first render and is frozen, and only the
   data artists are drawn, over the kept background of axes, ticks and labels (the same pixels as a
   full render; see :class:`fcviz.viz.widgets.panel.Panel`).

Top clustering at ``0 < w < 1`` on a large zoo runs in a background thread (``background``): the
status line says "computing …", the controls stay responsive, and the result shows when ready,
unless the controls moved on meanwhile (the threading rule of :mod:`fcviz.viz.widgets.base`).

The whole change runs under :meth:`~fcviz.viz.widgets.base.Widget.guard`: a failure shows "⚠ message"
in the status line and its traceback in the log (and ``last_error_``), and the images keep the last
good view. Tests drive an explorer by setting ``control.value`` and read its public state.
"""

from __future__ import annotations

from importlib import import_module

import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ...homology import as_persistence, birth_death
from ...registry import BASELINE_METHODS
from ..displays.matrices import layer_boundaries

__all__ = ["ConnectomeExplorer", "ClusteringExplorer", "available_methods", "zoo_layers", "BETTI_THRESHOLDS"]

#: Thresholds of the Betti curves: connectome weights are absolute correlations in [0, 1].
BETTI_THRESHOLDS = np.linspace(0.0, 1.0, 201)

#: Width of the controls' descriptions.
WIDE = {"description_width": "initial"}

_CLASSES = {"ConnectomeExplorer": "connectome", "ClusteringExplorer": "clustering"}


def __getattr__(name):
    if name in _CLASSES:  # the explorers themselves live in their own modules
        return getattr(import_module(f"{__package__}.{_CLASSES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def network_options(zoo, rows, *, accuracy="train acc"):
    """Dropdown options ``(label, row)`` naming each network of ``rows`` in a zoo.

    Parameters
    ----------
    zoo : fcviz.ConnectomeZoo
    rows : sequence of int
        Rows of ``zoo.labels``, in the order they are offered.
    accuracy : str
        How the label names the training accuracy, where the zoo recorded one.

    Returns
    -------
    list of (str, int)
        "network 3 · class 7 · train acc 0.91": the class only when ``rows`` span several classes.
    """
    per_class = len({zoo.labels[r]["stimulus_class"] for r in rows}) > 1
    options = []
    for r in rows:
        row = zoo.labels[r]
        label = f"network {row['network']}"
        if per_class:
            label += f" · class {row['stimulus_class']}"
        if row.get("train_accuracy") is not None:
            label += f" · {accuracy} {row['train_accuracy']:.2f}"
        options.append((label, int(r)))
    return options


def available_methods():
    """Clustering methods the explorer can run here: "Top", "Adj" and the installed baselines.

    Returns
    -------
    tuple of str
        ``("Top", "Adj")``, plus :data:`fcviz.registry.BASELINE_METHODS` when the ``fcviz[baselines]``
        extra imports.
    """
    from ...baselines import require_baselines

    try:
        require_baselines()
    except ImportError:
        return ("Top", "Adj")
    return ("Top", "Adj", *BASELINE_METHODS)


def check_zoo(zoo, owner):
    """``zoo`` if it looks like a :class:`fcviz.ConnectomeZoo`, else a ValueError."""
    if not all(hasattr(zoo, name) for name in ("graphs", "labels", "metadata", "group_labels", "label_column")):
        raise ValueError(
            f"{owner} needs a fcviz.ConnectomeZoo (from fcviz.connectome_zoo(...)); got {type(zoo).__name__}."
        )
    if len(zoo) < 2:
        raise ValueError(f"{owner} needs a zoo of at least 2 connectomes; got {len(zoo)}.")
    return zoo


def check_persistence(persistence, zoo, owner):
    """The zoo's batch persistence: the one given (checked against the zoo) or ``birth_death(zoo.graphs)``."""
    if persistence is None:
        return birth_death(zoo.graphs)
    P = as_persistence(persistence, name="persistence")
    if not P.is_batch or len(P) != len(zoo) or P.n_nodes != zoo.n_nodes:
        got = f"{len(P)} graphs of {P.n_nodes} nodes" if P.is_batch else f"one graph of {P.n_nodes} nodes"
        raise ValueError(
            f"{owner}: persistence must be fcviz.birth_death(zoo.graphs), a batch of {len(zoo)} graphs of "
            f"{zoo.n_nodes} nodes; got {got}. Pass persistence=None to compute it."
        )
    return P


def integer_ticks(axis, top):
    """Integer tick labels on ``axis``, padded to the width of ``top`` (figure spaces: as wide as a
    digit), so that they never grow wider than at the first render, when the layout was made."""
    width = len(str(int(top)))
    axis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True))  # AutoLocator's
    axis.set_major_formatter(FuncFormatter(lambda value, pos: f"{value:.0f}".rjust(width, "\u2007")))


def zoo_layers(zoo):
    """Inner layer boundaries and legend names from a zoo's metadata, ``(None, None)`` without layers.

    Shared by the explorers that draw a zoo's networks (layer separators, legend "hidden1 (32)").
    """
    sizes = zoo.metadata.get("layer_sizes")
    if not sizes or sum(sizes) != zoo.n_nodes:
        return None, None
    names = zoo.metadata.get("layer_names") or [f"layer {k + 1}" for k in range(len(sizes))]
    names = [f"{str(name).split('.')[0]} ({size})" for name, size in zip(names, sizes)]
    return layer_boundaries(zoo.n_nodes, layer_sizes=[int(s) for s in sizes]), names
