"""Static report figures: the per-group overview that the demo writes, a study's figures, for notebooks too.

:func:`group_figures` draws, for a connectome zoo grouped by a label (the training strategy by
default), each group's mean connectome and the groups' birth and death barycenters ± std next to the
distance matrix. :func:`study_figures` draws a study's purity per method with its bootstrap
intervals, the contingency matrix of one Top clustering and, when given, purity against the birth
weight β. All on pyplot-free figures that the caller saves or shows.
"""

from __future__ import annotations

import numpy as np

from ...homology import birth_death
from ...wasserstein import pairwise_distances
from .base import new_figure
from .curves import PersistenceDisplay
from .matrices import ConnectomeDisplay, DistanceMatrixDisplay
from .scores import ClusteringDisplay, PurityDisplay, PurityWeightDisplay

__all__ = ["group_figures", "study_figures"]


def group_figures(zoo, *, by="regularizer", persistence=None):
    """The overview figures of a zoo's groups.

    Parameters
    ----------
    zoo : fcviz.zoo.ConnectomeZoo
        Connectomes of shape ``(N, n, n)`` with their labels.
    by : str, default="regularizer"
        Label column to group by.
    persistence : Persistence, optional
        ``fcviz.birth_death(zoo.graphs)`` when already computed.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``"connectomes"``: one mean connectome per group (layer separators from the zoo's
        ``layer_sizes``); ``"birth_death"``: birth and death barycenters ± std per group and the
        ``(N, N)`` topological distance matrix. Neither figure is known to pyplot.
    """
    P = birth_death(zoo.graphs) if persistence is None else persistence
    codes, names = zoo.group_labels(by)
    layer_sizes = zoo.metadata.get("layer_sizes") or None

    means, axes = new_figure(len(names), figsize=(4.2 * len(names), 4))
    for g, (ax, name) in enumerate(zip(axes, names)):
        ConnectomeDisplay.from_connectome(zoo.graphs[codes == g].mean(axis=0), layer_sizes=layer_sizes, ax=ax,
                                          title=f"{name}: mean connectome", colorbar=ax is axes[-1])

    overview, axes = new_figure(3, figsize=(16, 4.6))
    PersistenceDisplay.from_groups(P, codes, names, ax=axes[:2])
    DistanceMatrixDisplay(pairwise_distances(P), labels=[names[c] for c in codes]).plot(ax=axes[2])
    dataset = zoo.metadata.get("settings", {}).get("dataset", "")
    overview.suptitle(f"{dataset}: barycenters (± std) per {by.replace('_', ' ')}")
    return {"connectomes": means, "birth_death": overview}


def study_figures(result, *, curve=None):
    """The figures of a study: purity per method, one Top clustering and, optionally, the β curve.

    Parameters
    ----------
    result : fcviz.studies.StudyResult
        A study's table, true labels ``labels_true`` of shape (N,), ``group_names`` and
        ``predictions`` (method -> ndarray of shape (n_repeats, N)).
    curve : fcviz.studies.BirthWeightCurve, optional
        Top purity against the birth weight β (``fcviz.studies.birth_weight_curve(...)``); see
        :meth:`PurityWeightDisplay.from_curve` for the attributes read.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``"purity"``: mean purity per method ± std over repeats, with the 95 % bootstrap intervals over
        networks where the study computed them (:meth:`PurityDisplay.from_study`);
        ``"contingency"``: true groups against the clusters of Top's first repeat (left out when the
        study has no Top predictions); ``"birth_weight"``: purity against β, only when ``curve`` is
        given. None of the figures is known to pyplot.
    """
    figures = {"purity": PurityDisplay.from_study(result).figure_}
    top = (getattr(result, "predictions", None) or {}).get("Top")
    if top is not None and len(top):
        labels_true = np.asarray(result.labels_true)
        names = [str(result.group_names[c]) for c in np.unique(labels_true)]
        display = ClusteringDisplay.from_predictions(labels_true, np.asarray(top)[0], class_names=names)
        display.figure_.suptitle("Top clustering, first repeat")
        figures["contingency"] = display.figure_
    if curve is not None:
        figures["birth_weight"] = PurityWeightDisplay.from_curve(curve).figure_
    return figures
