"""Per-group summaries of a connectome zoo: the numbers the demo, the widgets and the notebooks show.

:func:`group_summary` groups a :class:`~fcviz.zoo.ConnectomeZoo` by a label column (the training
strategy by default) and reports, per group: how many networks, their mean training accuracy, the mean
edge weight (mean |r|), the mean birth and death values of the group's barycenter and its spread (the
mean topological distance of the members to the barycenter).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .homology import Persistence, birth_death, check_persistence
from .tables import format_table, html_table
from .wasserstein import barycenter

__all__ = ["GroupSummary", "group_summary"]

# How a grouping column is titled in tables.
_COLUMN_TITLES = {"regularizer": "strategy", "stimulus_class": "class"}
_HEADER = ("group", "networks", "train acc", "mean |r|", "mean birth", "mean death", "spread")


@dataclass(frozen=True, eq=False)
class GroupSummary:
    """One row of numbers per group of a zoo.

    Attributes
    ----------
    by : str or tuple of str
        The label column(s) the zoo was grouped by.
    rows : list of dict
        Per group: ``group`` (its label value), ``n_networks``, ``train_accuracy`` (mean; NaN when
        unknown), ``mean_weight`` (mean edge weight, i.e. mean |r|), ``mean_birth`` and ``mean_death``
        (means of the barycenter's sorted sets) and ``spread`` (mean topological distance from the
        members to the barycenter).
    """

    by: object
    rows: list

    def _cells(self):
        return [
            (str(r["group"]), r["n_networks"], f"{r['train_accuracy']:.3f}", f"{r['mean_weight']:.3f}",
             f"{r['mean_birth']:.3f}", f"{r['mean_death']:.3f}", f"{r['spread']:.3f}")
            for r in self.rows
        ]

    def _header(self):
        name = self.by if isinstance(self.by, str) else "/".join(self.by)
        return (_COLUMN_TITLES.get(name, name), *_HEADER[1:])

    def to_text(self):
        """The summary as aligned text columns."""
        return format_table(self._cells(), self._header())

    def __str__(self):
        return self.to_text()

    def _repr_html_(self):
        return html_table(self._cells(), self._header(), caption=f"Connectome zoo by {self._header()[0]}")


def group_summary(zoo, by="regularizer", *, persistence=None, birth_weight=None):
    """Summarise every group of a connectome zoo.

    Parameters
    ----------
    zoo : fcviz.zoo.ConnectomeZoo
        The connectomes and their labels. Of a zoo with training snapshots only the trained
        networks (the last epoch) are summarised, unless ``by`` includes ``"epoch"``.
    by : str or tuple of str, default="regularizer"
        Label column(s) to group by (see :meth:`ConnectomeZoo.group_labels`).
    persistence : Persistence, optional
        ``fcviz.birth_death(zoo.graphs)`` when already computed (a batch of ``len(zoo)`` graphs).
    birth_weight : None or float in [0, 1], default=None
        The distance of the spread: None is d_top; a float weighs births against deaths (see
        :func:`fcviz.topological_distance`).

    Returns
    -------
    GroupSummary
        Rows in the order groups first appear in the zoo.

    Examples
    --------
    >>> from fcviz import connectome_zoo
    >>> zoo = connectome_zoo(n_networks=2, epochs=1, n_stimuli=50, cache=False, progress=False)
    >>> summary = group_summary(zoo)
    >>> [row["group"] for row in summary.rows], summary.rows[0]["n_networks"]
    (['vanilla', 'batch_norm', 'l2', 'dropout'], 2)
    """
    if persistence is None:
        P = birth_death(zoo.graphs)
    else:
        P = check_persistence(persistence, name="persistence")
        if not isinstance(P, Persistence) or not P.is_batch or len(P) != len(zoo) or P.n_nodes != zoo.n_nodes:
            raise ValueError(
                f"persistence must be the batch birth_death(zoo.graphs) of {len(zoo)} graphs of {zoo.n_nodes} "
                f"nodes; got {P!r}. Omit it to compute it here."
            )
    columns = (by,) if isinstance(by, str) else tuple(by)
    if len(zoo.epochs) > 1 and "epoch" not in columns:  # training snapshots: summarise the trained networks
        zoo, P = zoo.trained(), P[zoo.rows(epoch=zoo.epochs[-1])]
    codes, names = zoo.group_labels(by)
    accuracy = np.array([np.nan if row.get("train_accuracy") is None else row["train_accuracy"]
                         for row in zoo.labels], dtype=float)
    rows = []
    for g, name in enumerate(names):
        members = np.flatnonzero(codes == g)
        B = barycenter(P[members], birth_weight=birth_weight)
        rows.append({
            "group": name,
            "n_networks": int(members.size),
            "train_accuracy": float(np.mean(accuracy[members])),
            "mean_weight": float(zoo.graphs[members].mean()),
            "mean_birth": float(B.births.mean()),
            "mean_death": float(B.deaths.mean()),
            "spread": float(B.mean_distance),
        })
    return GroupSummary(by, rows)
