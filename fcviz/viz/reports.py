"""Static report figures: the per-group overview that the demo writes and notebooks show.

:func:`group_figures` draws, for a connectome zoo grouped by a label (the training strategy by
default), each group's mean connectome and the groups' birth and death barycenters ± std next to the
distance matrix, on pyplot-free figures that the caller saves or shows.
"""

from __future__ import annotations

from ..homology import birth_death
from ..wasserstein import pairwise_distances
from .base import new_figure
from .curves import PersistenceDisplay
from .matrices import ConnectomeDisplay, DistanceMatrixDisplay

__all__ = ["group_figures"]


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
