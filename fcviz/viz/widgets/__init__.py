"""The widgets: ipywidgets controllers over the library that draw :mod:`fcviz.viz.displays`.

Every widget derives from :class:`~fcviz.viz.widgets.base.Widget`, which owns the layout, the status
line, the error log, ``widget``, ``last_error_``, ``figures_``, display in a notebook and ``close()``,
and enforces the threading rule written in its docstring. Modules: :mod:`~fcviz.viz.widgets.base`
(the base and the explorers' :class:`Explorer`), :mod:`~fcviz.viz.widgets.panel` (a figure shown as
PNG), :mod:`~fcviz.viz.widgets.connectome`, :mod:`~fcviz.viz.widgets.clustering` and
:mod:`~fcviz.viz.widgets.dynamics` (the explorers; :mod:`~fcviz.viz.widgets.explorers` holds what they
share), :mod:`~fcviz.viz.widgets.lessons` (the tutorials' widgets) and
:mod:`~fcviz.viz.widgets.dashboard` (build, explore, export). Every name is imported on first use.
"""

from .._lazy import lazy_names

_LAZY = {
    "Widget": "base",
    "Explorer": "base",
    "guarded": "base",
    "Panel": "panel",
    "ipympl_available": "panel",
    "ConnectomeExplorer": "connectome",
    "ClusteringExplorer": "clustering",
    "available_methods": "explorers",
    "DynamicsExplorer": "dynamics",
    "save_animation": "dynamics",
    "BarycenterSlider": "lessons",
    "FiltrationExplorer": "lessons",
    "LayerExplorer": "lessons",
    "ScalingExplorer": "lessons",
    "Dashboard": "dashboard",
    "AppDashboard": "app",
}

__getattr__, __dir__ = lazy_names(__name__, _LAZY)
__all__ = sorted(_LAZY)
