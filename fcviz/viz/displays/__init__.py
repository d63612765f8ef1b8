"""Display objects and the ``plot_*`` wrappers over them: matplotlib only, never ipywidgets.

A *display* (scikit-learn's ``ConfusionMatrixDisplay`` is the model) stores data, draws once with
``plot(ax=None)`` (on a pyplot-free figure when no axes are given), keeps its artists (``ax_``,
``figure_``, ``im_``, ``lines_`` …) and changes them in place with ``update(...)``; ``from_*`` class
methods compute the data with public fcviz functions.

Modules: :mod:`~fcviz.viz.displays.base` (pyplot-free figures, PNG bytes, input checks),
:mod:`~fcviz.viz.displays.matrices` (connectomes, distance matrices), :mod:`~fcviz.viz.displays.curves`
(birth and death sets, Betti curves), :mod:`~fcviz.viz.displays.network` (spanning trees),
:mod:`~fcviz.viz.displays.tree_layout` (a tree laid out without crossings),
:mod:`~fcviz.viz.displays.scores` (contingency, purity), :mod:`~fcviz.viz.displays.runtime` (run
times), :mod:`~fcviz.viz.displays.reports`
(static report figures) and :mod:`~fcviz.viz.displays.plotting` (``plot_*`` for notebooks). Every name
is imported on first use.
"""

from .._lazy import lazy_names

_LAZY = {
    "figure_to_png": "base",
    "new_figure": "base",
    "BettiCurveDisplay": "curves",
    "PersistenceDisplay": "curves",
    "ConnectomeDisplay": "matrices",
    "DistanceMatrixDisplay": "matrices",
    "SpanningTreeDisplay": "network",
    "mds_layout": "network",
    "spanning_tree_layout": "network",
    "radial_tree_layout": "tree_layout",
    "count_crossings": "tree_layout",
    "ClusteringDisplay": "scores",
    "PurityDisplay": "scores",
    "PurityWeightDisplay": "scores",
    "RuntimeDisplay": "runtime",
    "group_figures": "reports",
    "study_figures": "reports",
    "plot_connectome": "plotting",
    "plot_distance_matrix": "plotting",
    "plot_persistence": "plotting",
}

__getattr__, __dir__ = lazy_names(__name__, _LAZY)
__all__ = sorted(_LAZY)
