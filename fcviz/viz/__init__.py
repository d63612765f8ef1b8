"""The face of fcviz: matplotlib displays and the ipywidgets built on them.

- :mod:`fcviz.viz.displays`: Display objects and the ``plot_*`` wrappers (matplotlib only). A display
  stores data, draws once with ``plot(ax=None)`` on a pyplot-free figure, keeps its artists and changes
  them in place with ``update(...)``; :func:`figure_to_png` renders a figure for an ``ipywidgets.Image``.
- :mod:`fcviz.viz.widgets`: the explorers, the lesson widgets and the dashboard, all subclasses of one
  base (:class:`fcviz.viz.widgets.base.Widget`) that owns their layout, status line, error log and
  threading rule.

``import fcviz.viz`` imports neither matplotlib nor ipywidgets: every name below is imported on first
use. The old module paths (``fcviz.viz.explorers``, ``fcviz.viz.dashboard`` …) still import.
"""

from ._lazy import lazy_names
from ._moved import install as install_old_paths

install_old_paths()
del install_old_paths

_LAZY = {
    "figure_to_png": "displays.base",
    "new_figure": "displays.base",
    "BettiCurveDisplay": "displays.curves",
    "PersistenceDisplay": "displays.curves",
    "ConnectomeDisplay": "displays.matrices",
    "DistanceMatrixDisplay": "displays.matrices",
    "SpanningTreeDisplay": "displays.network",
    "mds_layout": "displays.network",
    "spanning_tree_layout": "displays.network",
    "radial_tree_layout": "displays.tree_layout",
    "count_crossings": "displays.tree_layout",
    "ClusteringDisplay": "displays.scores",
    "PurityDisplay": "displays.scores",
    "PurityWeightDisplay": "displays.scores",
    "RuntimeDisplay": "displays.runtime",
    "group_figures": "displays.reports",
    "study_figures": "displays.reports",
    "Explorer": "widgets.base",
    "Panel": "widgets.panel",
    "ConnectomeExplorer": "widgets.connectome",
    "ClusteringExplorer": "widgets.clustering",
    "DynamicsExplorer": "widgets.dynamics",
    "save_animation": "widgets.dynamics",
    "BarycenterSlider": "widgets.lessons",
    "FiltrationExplorer": "widgets.lessons",
    "LayerExplorer": "widgets.lessons",
    "ScalingExplorer": "widgets.lessons",
    "Dashboard": "widgets.dashboard",
}

__getattr__, __dir__ = lazy_names(__name__, _LAZY)
__all__ = sorted(_LAZY)
