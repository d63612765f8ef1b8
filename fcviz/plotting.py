"""The ``plot_*`` wrappers of notebooks: now in :mod:`fcviz.viz.displays.plotting` (this path still works)."""

from .viz.displays.plotting import plot_connectome, plot_distance_matrix, plot_persistence

__all__ = ["plot_connectome", "plot_persistence", "plot_distance_matrix"]
