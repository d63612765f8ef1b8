"""Training dynamics: how the topology of the connectomes emerges over training (an fcviz extension).

A zoo built with ``snapshot_epochs`` (see :func:`fcviz.connectome_zoo`) holds the connectomes of the
same networks over the same stimuli after several epochs of training (0: at initialisation), with an
``epoch`` label. :func:`training_dynamics` repeats the library's analyses at every epoch; it adds no
mathematics of its own:

- per epoch and group: the barycenter of the group's persistences and its spread
  (:func:`fcviz.barycenter`, ``mean_distance``);
- per network: the topological distance from its connectome at each epoch to its own final
  connectome (:func:`fcviz.topological_distance`; "own" means the same regularizer, stimulus class and
  network);
- per epoch: how well Top clustering recovers the groups (:class:`fcviz.TopClustering` with as many
  clusters as groups, over ``n_repeats`` seeds, scored by :func:`fcviz.purity_score`) and the
  permutation test between the groups (:func:`fcviz.permutation_test`).

The module needs numpy, scipy and scikit-learn only: it works on any zoo object, cached or built.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validation import check_birth_weight, check_int, check_real
from .clustering import TopClustering, purity_score
from .homology import birth_death
from .stats import permutation_test
from .tables import format_table, html_table
from .wasserstein import barycenter, topological_distance

__all__ = ["DynamicsResult", "training_dynamics", "default_snapshot_epochs", "SNAPSHOT_SCHEDULE"]

#: Epochs recorded by default while training (0: at initialisation), roughly log-spaced because the
#: topology changes fastest early; :func:`default_snapshot_epochs` keeps those before the last epoch.
SNAPSHOT_SCHEDULE = (0, 1, 2, 5, 10, 15, 20, 30, 40)


def default_snapshot_epochs(epochs):
    """The default training snapshots of a run of ``epochs`` epochs (the final epoch is recorded anyway).

    Parameters
    ----------
    epochs : int
        Number of training epochs, at least 1.

    Returns
    -------
    tuple of int
        The values of :data:`SNAPSHOT_SCHEDULE` below ``epochs``, ascending.

    Examples
    --------
    >>> default_snapshot_epochs(15)
    (0, 1, 2, 5, 10)
    >>> default_snapshot_epochs(2)
    (0, 1)
    """
    epochs = check_int(epochs, "epochs", minimum=1)
    return tuple(e for e in SNAPSHOT_SCHEDULE if e < epochs)


def _group_title(group) -> str:
    """How a group value reads in a table: ``None`` (all stimulus classes) as "all", tuples joined by "/"."""
    if isinstance(group, tuple):
        return "/".join(_group_title(g) for g in group)
    return "all" if group is None else str(group)


@dataclass(frozen=True, eq=False)
class DynamicsResult:
    """The analyses of a zoo repeated at every recorded epoch of training.

    Attributes
    ----------
    by : str or tuple of str
        The label column(s) that define the groups.
    epochs : tuple of int
        The recorded epochs, ascending; ``epochs[-1]`` is the final one.
    group_names : list
        The groups in order of first appearance in the zoo (as :meth:`ConnectomeZoo.group_labels`).
    per_epoch : list of dict
        One row per epoch: ``epoch``, ``n_graphs``, ``purity_mean`` and ``purity_std`` (Top purity
        over the repeats), ``statistic`` and ``pvalue`` (permutation test between the groups).
    per_group : list of dict
        One row per (epoch, group): ``epoch``, ``group``, ``n_networks``, ``mean_birth`` and
        ``mean_death`` (means of the barycenter's sorted sets), ``spread`` (mean d_top from the
        members to their barycenter) and ``distance_to_final`` (the members' mean d_top to their
        own final connectome).
    per_network : list of dict
        One row per connectome: ``epoch``, ``group``, ``regularizer``, ``stimulus_class``,
        ``network``, ``network_seed`` and ``distance_to_final`` (d_top to the same network's final
        connectome over the same stimuli; 0 at the final epoch).
    barycenters : dict of (int, object) to Barycenter
        ``barycenters[epoch, group]``: the group's barycenter (with ``births_std``, ``deaths_std``).
    purities : ndarray of shape (n_epochs, n_repeats), read-only
        The Top purity of every repeat; row ``i`` belongs to ``epochs[i]``.
    settings : dict
        ``by``, ``n_repeats``, ``n_permutations`` and ``random_state``.
    """

    by: object
    epochs: tuple
    group_names: list
    per_epoch: list
    per_group: list
    per_network: list = field(repr=False)
    barycenters: dict = field(repr=False)
    purities: np.ndarray = field(repr=False)
    settings: dict = field(default_factory=dict)

    def row(self, epoch):
        """The :attr:`per_epoch` row of ``epoch``."""
        for r in self.per_epoch:
            if r["epoch"] == epoch:
                return r
        raise ValueError(f"epoch must be one of the analysed epochs {list(self.epochs)}; got {epoch!r}.")

    def first_separation(self, threshold=0.6):
        """The first epoch whose mean Top purity reaches ``threshold``, or None if none does.

        Parameters
        ----------
        threshold : float in [0, 1], default=0.6
            Purity to reach. With ``k`` equal groups, a clustering no better than chance scores about
            ``1 / k`` (0.25 for the four training strategies).

        Returns
        -------
        int or None
        """
        threshold = check_real(threshold, "threshold", low=0, high=1)
        for r in self.per_epoch:
            if r["purity_mean"] >= threshold:
                return r["epoch"]
        return None

    def _header(self):
        return ("epoch", "Top purity", "perm. statistic", "p-value",
                *(f"{_group_title(g)} to final" for g in self.group_names))

    def _rows(self):
        to_final = {(r["epoch"], r["group"]): r["distance_to_final"] for r in self.per_group}
        rows = []
        for r in self.per_epoch:
            groups = [to_final.get((r["epoch"], g)) for g in self.group_names]
            rows.append((r["epoch"], f"{r['purity_mean']:.3f} ± {r['purity_std']:.3f}", f"{r['statistic']:.3f}",
                         f"{r['pvalue']:.3f}", *("-" if d is None else f"{d:.3f}" for d in groups)))
        return rows

    def _caption(self):
        by = self.by if isinstance(self.by, str) else "/".join(self.by)
        groups = ", ".join(_group_title(g) for g in self.group_names)
        s = self.settings
        return (f"Training dynamics by {by} ({groups}) at epochs {list(self.epochs)}: Top purity over "
                f"{s.get('n_repeats')} seeds, permutation test with {s.get('n_permutations')} relabellings")

    def to_text(self):
        """The per-epoch table as aligned text: Top purity (mean ± std over the repeats), permutation
        statistic and p-value, and per group "<group> to final": its members' mean d_top to their own
        final connectomes."""
        return format_table(self._rows(), self._header())

    def __str__(self):
        return self.to_text()

    def _repr_html_(self):
        return html_table(self._rows(), self._header(), caption=self._caption())


def _check_by(by):
    """``by`` as a column name or a tuple of them (the zoo checks the names); never ``"epoch"``."""
    if isinstance(by, list):
        by = tuple(by)
    if by == "epoch" or (isinstance(by, tuple) and "epoch" in by):
        raise ValueError(
            f"by must not contain 'epoch'; got {by!r}. training_dynamics already analyses every epoch "
            "separately: group by 'regularizer' or 'stimulus_class'."
        )
    return by


def training_dynamics(zoo, *, by="regularizer", n_repeats=20, n_permutations=999, random_state=0, birth_weight=None):
    """Barycenters, distances to the final connectome, Top purity and a permutation test per epoch.

    Parameters
    ----------
    zoo : fcviz.ConnectomeZoo
        A zoo with an ``epoch`` label, typically built with ``snapshot_epochs`` (a zoo without
        snapshots gives one epoch). Every connectome must have a final-epoch counterpart (same
        regularizer, stimulus class and network).
    by : str or tuple of str, default="regularizer"
        The label column(s) that define the groups (see :meth:`ConnectomeZoo.group_labels`); not
        ``"epoch"``. At least two groups are needed.
    n_repeats : int, default=20
        Top clusterings per epoch, with seeds ``random_state + repeat`` (as in :mod:`fcviz.studies`).
    n_permutations : int, default=999
        Relabellings of the permutation test at each epoch (seeded with ``random_state``).
    random_state : int, default=0
        Base seed.
    birth_weight : None or float in [0, 1], default=None
        The topological distance of every number here (distances to the final connectome, spread,
        Top clustering, permutation test): None is the paper's d_top; a float weighs births against
        deaths (see :func:`fcviz.topological_distance`). The barycenters do not depend on it.

    Returns
    -------
    DynamicsResult
        Tidy rows per epoch, per (epoch, group) and per connectome; ``print`` it for the per-epoch
        table, or let Jupyter show it.

    Raises
    ------
    ValueError
        For invalid arguments, a zoo with fewer than two groups, or a connectome without a
        final-epoch counterpart.

    Notes
    -----
    The persistences of all connectomes are computed once (:func:`fcviz.birth_death`); everything
    else calls the public functions named in the module notes on the rows of one epoch. Top
    clustering uses its defaults (``top_relative_weight=1``, k-means++ with 10 restarts) and as many
    clusters as there are groups.

    Examples
    --------
    >>> from fcviz import connectome_zoo
    >>> zoo = connectome_zoo(regularizers=["vanilla", "batch_norm"], n_networks=3, epochs=2, n_stimuli=60,
    ...                      snapshot_epochs=[0, 1], cache=False, progress=False)
    >>> result = training_dynamics(zoo, n_repeats=2, n_permutations=99)
    >>> result.epochs, [r["distance_to_final"] for r in result.per_group if r["epoch"] == 2]
    ((0, 1, 2), [0.0, 0.0])
    """
    by = _check_by(by)
    n_repeats = check_int(n_repeats, "n_repeats", minimum=1)
    n_permutations = check_int(n_permutations, "n_permutations", minimum=1)
    random_state = check_int(random_state, "random_state", minimum=0)
    birth_weight = check_birth_weight(birth_weight)
    codes, names = zoo.group_labels(by)
    if len(names) < 2:
        raise ValueError(
            f"training_dynamics needs at least two groups by {by!r}; this zoo has one ({_group_title(names[0])!r}). "
            "Build the zoo with several regularizers (or stimulus classes) and group by that column."
        )
    epoch_of = np.asarray(zoo.label_column("epoch"), dtype=np.int64)
    epochs = tuple(int(e) for e in np.unique(epoch_of))
    P = birth_death(zoo.graphs)
    to_final = _distances_to_final(zoo, P, epoch_of, epochs[-1], birth_weight)
    per_epoch, per_group, barycenters = [], [], {}
    purities = np.empty((len(epochs), n_repeats))
    for e_index, epoch in enumerate(epochs):
        rows = np.flatnonzero(epoch_of == epoch)
        groups = codes[rows]
        per_epoch.append(_epoch_scores(P, rows, groups, names, epoch, purities[e_index], random_state=random_state,
                                       n_permutations=n_permutations, birth_weight=birth_weight))
        for g in dict.fromkeys(groups.tolist()):
            members = rows[groups == g]
            B = barycenter(P[members], birth_weight=birth_weight)
            barycenters[epoch, names[g]] = B
            per_group.append({
                "epoch": epoch, "group": names[g], "n_networks": int(members.size),
                "mean_birth": float(B.births.mean()), "mean_death": float(B.deaths.mean()),
                "spread": B.mean_distance, "distance_to_final": float(to_final[members].mean()),
            })
    purities.setflags(write=False)
    settings = {"by": by, "n_repeats": n_repeats, "n_permutations": n_permutations, "random_state": random_state}
    per_network = _per_network(zoo, epoch_of, codes, names, to_final)
    return DynamicsResult(by, epochs, list(names), per_epoch, per_group, per_network, barycenters, purities,
                          settings)


def _per_network(zoo, epoch_of, codes, names, to_final) -> list:
    """The rows of :attr:`DynamicsResult.per_network`: each connectome's labels and distance to its final one."""
    return [
        {"epoch": int(epoch_of[i]), "group": names[codes[i]], "regularizer": row["regularizer"],
         "stimulus_class": row["stimulus_class"], "network": int(row["network"]),
         "network_seed": int(row["network_seed"]), "distance_to_final": float(to_final[i])}
        for i, row in enumerate(zoo.labels)
    ]


def _distances_to_final(zoo, P, epoch_of, final, birth_weight):
    """d_top from every connectome to its network's connectome at the ``final`` epoch (0 for those)."""
    identity = [(row["regularizer"], row["stimulus_class"], int(row["network"])) for row in zoo.labels]
    final_row = {identity[i]: int(i) for i in np.flatnonzero(epoch_of == final)}
    missing = sorted({identity[i] for i in range(len(identity)) if identity[i] not in final_row}, key=str)
    if missing:
        raise ValueError(
            f"{len(missing)} networks have no connectome at the final epoch {final} to compare with, e.g. "
            f"(regularizer, stimulus_class, network) = {missing[0]}. Pass a zoo with every network's final "
            "connectome (not a selection of earlier epochs)."
        )
    return np.array([topological_distance(P[i], P[final_row[identity[i]]], birth_weight) for i in range(len(zoo))])


def _epoch_scores(P, rows, groups, names, epoch, purities, *, random_state, n_permutations, birth_weight):
    """Top purity over the repeats (written into ``purities``) and the permutation test of one epoch.

    Returns the epoch's row of :attr:`DynamicsResult.per_epoch`.
    """
    present = list(dict.fromkeys(groups.tolist()))
    if len(present) < 2:
        raise ValueError(
            f"Epoch {epoch} has connectomes of one group only ({_group_title(names[present[0]])!r}); "
            "every epoch needs at least two groups."
        )
    P_epoch = P[rows]
    for r in range(len(purities)):
        predicted = TopClustering(len(present), birth_weight=birth_weight,
                                  random_state=random_state + r).fit_predict(P_epoch)
        purities[r] = purity_score(groups, predicted)
    test = permutation_test(P_epoch, groups, n_permutations=n_permutations, random_state=random_state,
                            birth_weight=birth_weight)
    return {"epoch": epoch, "n_graphs": int(rows.size),
            "purity_mean": float(purities.mean()), "purity_std": float(purities.std()),
            "statistic": float(test.statistic), "pvalue": float(test.pvalue)}
