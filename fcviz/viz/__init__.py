"""The face of fcviz: matplotlib displays (and, later, widgets) over the library.

This subpackage is the only part of fcviz that imports matplotlib (and ipywidgets); ``import fcviz``
loads neither. A *display* stores data, draws once with ``plot(ax=None)`` (on a pyplot-free figure
when no axes are given), keeps its artists (``ax_``, ``figure_``, ``im_``, ``lines_`` …) and changes
them in place with ``update(...)``; ``from_*`` class methods compute the data with public fcviz
functions. :func:`figure_to_png` renders a figure for an ``ipywidgets.Image``.
"""

from .base import figure_to_png, new_figure
from .curves import BettiCurveDisplay, PersistenceDisplay
from .dashboard import Dashboard
from .dynamics_explorer import DynamicsExplorer, save_animation
from .explorers import ClusteringExplorer, ConnectomeExplorer
from .matrices import ConnectomeDisplay, DistanceMatrixDisplay
from .lessons import BarycenterSlider, FiltrationExplorer, LayerExplorer, ScalingExplorer
from .network import SpanningTreeDisplay, mds_layout
from .reports import group_figures, study_figures
from .scores import ClusteringDisplay, PurityDisplay, PurityWeightDisplay, RuntimeDisplay
from .widgets import Explorer, Panel

__all__ = [
    "BarycenterSlider",
    "BettiCurveDisplay",
    "ClusteringDisplay",
    "ClusteringExplorer",
    "ConnectomeDisplay",
    "ConnectomeExplorer",
    "Dashboard",
    "DistanceMatrixDisplay",
    "DynamicsExplorer",
    "FiltrationExplorer",
    "LayerExplorer",
    "Explorer",
    "Panel",
    "PersistenceDisplay",
    "PurityDisplay",
    "PurityWeightDisplay",
    "RuntimeDisplay",
    "ScalingExplorer",
    "SpanningTreeDisplay",
    "figure_to_png",
    "group_figures",
    "mds_layout",
    "new_figure",
    "save_animation",
    "study_figures",
]
