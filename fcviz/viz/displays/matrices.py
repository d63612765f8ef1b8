"""Heat-map displays: a connectome and a distance matrix between networks.

Each display follows scikit-learn's ``ConfusionMatrixDisplay``: the constructor stores data, ``plot``
draws once and keeps the artists (``im_``, ``colorbar_`` …), ``update`` changes those artists in place
and adds none, and ``from_*`` class methods compute their data with public fcviz functions.
"""

from __future__ import annotations

import numpy as np

from ...homology import spanning_tree_order
from .base import (check_labels, check_option, check_permutation, check_square, register_display, require_plotted,
                   resolve_axes)

__all__ = ["ConnectomeDisplay", "DistanceMatrixDisplay", "layer_boundaries", "read_connectome"]

_ORDERS = ("layer", "tree")


def read_connectome(connectome, *, boundaries=None, layer_sizes=None, owner="ConnectomeDisplay"):
    """The weights of a connectome and its inner layer boundaries, as the ``from_connectome`` builders need.

    Parameters
    ----------
    connectome : Connectome or array-like of shape (n, n)
        A :class:`fcviz.Connectome` brings its own layer boundaries; a plain array has none.
    boundaries, layer_sizes : sequence of int, optional
        Override the connectome's layers (see :func:`layer_boundaries`).
    owner : str
        The display, for messages.

    Returns
    -------
    graph : ndarray of shape (n, n)
    inner : tuple of int
        Node indices where a new layer starts (without 0 and n).
    """
    graph = check_square(connectome, "connectome", owner=owner)
    if boundaries is None and layer_sizes is None and hasattr(connectome, "boundaries"):
        boundaries = connectome.boundaries
    return graph, layer_boundaries(graph.shape[0], boundaries=boundaries, layer_sizes=layer_sizes, owner=owner)


def layer_boundaries(n_nodes, *, boundaries=None, layer_sizes=None, owner="ConnectomeDisplay"):
    """Inner layer boundaries: the node indices where a new layer starts, without 0 and ``n_nodes``.

    Parameters
    ----------
    n_nodes : int
        Nodes of the graph.
    boundaries : sequence of int, optional
        Layer starts, with or without 0 and ``n_nodes`` (``Connectome.boundaries`` has both).
    layer_sizes : sequence of int, optional
        Nodes per layer, summing to ``n_nodes`` (the zoo's ``metadata["layer_sizes"]``).
    owner : str
        Who asks, for messages.

    Returns
    -------
    ndarray of int of shape (n_layers - 1,)
        Strictly increasing values in ``(0, n_nodes)``; empty when neither argument is given.
    """
    if boundaries is not None and layer_sizes is not None:
        raise ValueError(f"{owner}: pass boundaries or layer_sizes, not both; they say the same thing.")
    if layer_sizes is not None:
        sizes = np.asarray(layer_sizes)
        if sizes.ndim != 1 or not np.issubdtype(sizes.dtype, np.integer) or np.any(sizes < 1) or sizes.sum() != n_nodes:
            raise ValueError(
                f"{owner}: layer_sizes must be positive integers summing to the {n_nodes} nodes; got "
                f"{np.asarray(layer_sizes).tolist()}."
            )
        return np.cumsum(sizes)[:-1]
    if boundaries is None:
        return np.zeros(0, dtype=int)
    b = np.asarray(boundaries)
    if b.size and (b.ndim != 1 or not np.issubdtype(b.dtype, np.integer)):
        raise ValueError(f"{owner}: boundaries must be a 1-D sequence of node indices; got {b.tolist()!r}.")
    b = b.astype(int)
    inner = b[(b != 0) & (b != n_nodes)]
    if np.any(inner < 0) or np.any(inner > n_nodes) or np.any(np.diff(inner) <= 0):
        raise ValueError(
            f"{owner}: boundaries must be increasing node indices in [0, {n_nodes}] (where layers start); "
            f"got {b.tolist()}."
        )
    return inner


class ConnectomeDisplay:
    """A connectome as a heat map of its edge weights, with layer separators.

    Parameters
    ----------
    graph : array-like of shape (n, n)
        Edge weights, e.g. ``|Pearson correlation|`` between hidden neurons.
    boundaries : sequence of int, optional
        Node indices where a new layer starts (with or without 0 and ``n``), e.g.
        ``Connectome.boundaries``; drawn as thin lines in layer order.
    order : {"layer", "tree"} or array-like of shape (n,), default="layer"
        Node order. ``"layer"``: as given (neurons grouped by layer). ``"tree"``: the order in which
        nodes join the maximum spanning tree grown from the heaviest edge
        (:func:`fcviz.spanning_tree_order`), so modules show as blocks. An array is used as is.
    title : str, optional

    Attributes
    ----------
    im_ : matplotlib.image.AxesImage
        The heat map; ``im_.get_array()`` is ``graph[order_][:, order_]``.
    lines_ : list of matplotlib.lines.Line2D
        A horizontal and a vertical separator per inner boundary; hidden in any order but "layer".
    colorbar_ : matplotlib.colorbar.Colorbar or None
        Created once by :meth:`plot`.
    order_ : ndarray of int of shape (n,)
        The node order drawn.
    ax_ : matplotlib.axes.Axes
    figure_ : matplotlib.figure.Figure

    Examples
    --------
    >>> from fcviz.synthetic import random_modular_graphs
    >>> from fcviz.viz import ConnectomeDisplay
    >>> G = random_modular_graphs(2, 12, 3, random_state=0)
    >>> display = ConnectomeDisplay(G[0], boundaries=[8], order="tree").plot()
    >>> display.update(G[1], title="second").im_.get_array().shape
    (12, 12)
    """

    def __init__(self, graph, *, boundaries=None, order="layer", title=None):
        self.graph = graph
        self.boundaries = boundaries
        self.order = order
        self.title = title

    @classmethod
    def from_connectome(cls, connectome, *, order="layer", boundaries=None, layer_sizes=None, title=None, ax=None,
                        **plot_kw):
        """Draw a :class:`fcviz.Connectome` or a plain (n, n) array.

        Parameters
        ----------
        connectome : Connectome or array-like of shape (n, n)
            A connectome gives its weights and, unless ``boundaries`` or ``layer_sizes`` are given,
            its layer boundaries.
        order : {"layer", "tree"} or array-like of shape (n,), default="layer"
        boundaries : sequence of int, optional
            Node indices where layers start.
        layer_sizes : sequence of int, optional
            Nodes per layer instead of ``boundaries`` (the zoo's ``metadata["layer_sizes"]``).
        title : str, optional
        ax : matplotlib.axes.Axes, optional
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        ConnectomeDisplay
            Plotted.
        """
        graph, inner = read_connectome(connectome, boundaries=boundaries, layer_sizes=layer_sizes,
                                       owner=cls.__name__)
        return cls(graph, boundaries=inner, order=order, title=title).plot(ax=ax, **plot_kw)

    def _prepare(self, graph, order):
        A = check_square(graph, "graph", owner=type(self).__name__)
        n = A.shape[0]
        if isinstance(order, str):
            check_option(order, "order", _ORDERS)
            perm = np.arange(n) if order == "layer" else spanning_tree_order(A)
        else:
            perm = check_permutation(order, n, expected="'layer', 'tree' or a permutation of range(n)")
        return A, perm

    def plot(self, ax=None, *, cmap="magma", colorbar=True, vmin=0.0, vmax=None, separator_color="white",
             colorbar_label="|correlation|"):
        """Draw the heat map.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on; a pyplot-free figure is created when omitted.
        cmap : str or Colormap, default="magma"
        colorbar : bool, default=True
            Add a colour bar (once; :meth:`update` reuses it).
        vmin : float, default=0.0
        vmax : float, optional
            Top of the colour scale; by default ``max(1, largest weight)``, recomputed by :meth:`update`.
        separator_color : color, default="white"
            Colour of the layer separators.
        colorbar_label : str, default="|correlation|"

        Returns
        -------
        self
        """
        A, perm = self._prepare(self.graph, self.order)
        n = A.shape[0]
        inner = layer_boundaries(n, boundaries=self.boundaries)
        self.figure_, (self.ax_,) = resolve_axes(ax, 1, owner=type(self).__name__)
        ax = self.ax_
        self._vmax = vmax
        self.im_ = ax.imshow(A[np.ix_(perm, perm)], cmap=cmap, vmin=vmin, vmax=self._top(A), interpolation="nearest")
        self.lines_ = []
        for b in inner:
            self.lines_.append(ax.axhline(b - 0.5, color=separator_color, lw=0.6))
            self.lines_.append(ax.axvline(b - 0.5, color=separator_color, lw=0.6))
        self._n_nodes = n
        self.colorbar_ = self.figure_.colorbar(self.im_, ax=ax, label=colorbar_label, fraction=0.046, pad=0.04) \
            if colorbar else None
        self._show(A, perm, self.title)
        register_display(ax, self)
        return self

    def _top(self, A):
        return max(1.0, float(A.max())) if self._vmax is None else self._vmax

    def _show(self, A, perm, title):
        is_layer = isinstance(self.order, str) and self.order == "layer"
        for line in self.lines_:
            line.set_visible(is_layer)
        self.order_ = perm
        which = self.order if isinstance(self.order, str) else "custom"
        self.ax_.set_xlabel(f"neuron ({which} order)")
        self.ax_.set_ylabel(f"neuron ({which} order)")
        if title is not None:
            self.ax_.set_title(title)

    def update(self, graph, *, title=None, order=None):
        """Show another graph in the same artists.

        Parameters
        ----------
        graph : array-like of shape (n, n)
            The new weights. With layer separators drawn, ``n`` must be the plotted number of nodes.
        title : str, optional
            New title; the old one stays when omitted.
        order : {"layer", "tree"} or array-like of shape (n,), optional
            New node order; by default the display's order (recomputed for the new graph for "tree").

        Returns
        -------
        self
        """
        require_plotted(self, "im_")
        A, perm = self._prepare(graph, self.order if order is None else order)
        n = A.shape[0]
        if n != self._n_nodes:
            if self.lines_:
                raise ValueError(
                    f"This ConnectomeDisplay was drawn with layer separators for {self._n_nodes} nodes; got a graph "
                    f"of {n} nodes. Update with a graph of {self._n_nodes} nodes or make a new display."
                )
            self.im_.set_extent((-0.5, n - 0.5, n - 0.5, -0.5))
            self.ax_.set_xlim(-0.5, n - 0.5)
            self.ax_.set_ylim(n - 0.5, -0.5)
            self._n_nodes = n
        if order is not None:
            self.order = order
        self.graph = graph
        self.im_.set_data(A[np.ix_(perm, perm)])
        self.im_.set_clim(self.im_.norm.vmin, self._top(A))
        self._show(A, perm, title)
        return self


class DistanceMatrixDisplay:
    """A pairwise distance matrix between networks, optionally reordered and split into groups.

    Parameters
    ----------
    distances : array-like of shape (N, N)
        E.g. :func:`fcviz.pairwise_distances`.
    labels : array-like of shape (N,), optional
        Group of every item (e.g. its training strategy). Runs of equal labels in the displayed order
        get one tick label each and are separated by lines.
    order : array-like of int of shape (N,), optional
        Display the items in this order (rows and columns), e.g. ``np.argsort(labels_pred,
        kind="stable")`` to see predicted clusters as blocks. Default: as given.
    title : str, default="Topological distance"

    Attributes
    ----------
    im_ : matplotlib.image.AxesImage
        ``im_.get_array()`` is ``distances[order_][:, order_]``.
    separators_ : matplotlib.collections.LineCollection
        Group separators (empty without labels).
    colorbar_ : matplotlib.colorbar.Colorbar or None
    order_ : ndarray of int of shape (N,)
    ax_, figure_ : the axes and figure drawn on.
    """

    def __init__(self, distances, *, labels=None, order=None, title="Topological distance"):
        self.distances = distances
        self.labels = labels
        self.order = order
        self.title = title

    @classmethod
    def from_persistence(cls, persistence, *, labels=None, order=None, title="Topological distance", ax=None,
                         birth_weight=None, **plot_kw):
        """Compute :func:`fcviz.pairwise_distances` of graphs or persistences and draw it.

        Parameters
        ----------
        persistence : Persistence (batch), array-like of shape (N, n, n) or list of graphs
        labels, order, title
            As in the constructor.
        ax : matplotlib.axes.Axes, optional
        birth_weight : None or float in [0, 1], default=None
            The distance drawn: None is d_top; a float weighs births against deaths (see
            :func:`fcviz.topological_distance`).
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        DistanceMatrixDisplay
            Plotted.
        """
        from ...wasserstein import pairwise_distances

        D = pairwise_distances(persistence, birth_weight=birth_weight)
        return cls(D, labels=labels, order=order, title=title).plot(ax=ax, **plot_kw)

    def _prepare(self, distances, labels, order):
        D = check_square(distances, "distances", owner=type(self).__name__)
        N = D.shape[0]
        labels = check_labels(labels, N, "labels", owner=type(self).__name__)
        if order is None:
            perm = np.arange(N)
        else:
            perm = check_permutation(order, N, expected="a permutation of range(n) (one index per item)")
        return D, labels, perm

    def plot(self, ax=None, *, cmap="viridis", colorbar=True, separator_color="white"):
        """Draw the matrix.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
        cmap : str or Colormap, default="viridis"
        colorbar : bool, default=True
        separator_color : color, default="white"

        Returns
        -------
        self
        """
        from matplotlib.collections import LineCollection

        D, labels, perm = self._prepare(self.distances, self.labels, self.order)
        self.figure_, (self.ax_,) = resolve_axes(ax, 1, owner=type(self).__name__)
        self.im_ = self.ax_.imshow(D[np.ix_(perm, perm)], cmap=cmap, interpolation="nearest")
        self.separators_ = LineCollection([], colors=separator_color, linewidths=0.8)
        self.ax_.add_collection(self.separators_, autolim=False)
        self.colorbar_ = self.figure_.colorbar(self.im_, ax=self.ax_, fraction=0.046, pad=0.04) if colorbar else None
        self._show(D, labels, perm, self.title)
        register_display(self.ax_, self)
        return self

    def _show(self, D, labels, perm, title):
        N = D.shape[0]
        self.order_ = perm
        self.im_.set_extent((-0.5, N - 0.5, N - 0.5, -0.5))
        self.ax_.set_xlim(-0.5, N - 0.5)
        self.ax_.set_ylim(N - 0.5, -0.5)
        self.im_.set_clim(float(D.min()), float(D.max()) if D.max() > D.min() else float(D.min()) + 1.0)
        if labels is None:
            self.separators_.set_segments([])
        else:
            shown = labels[perm]
            starts = np.flatnonzero(np.r_[True, shown[1:] != shown[:-1]])
            ends = np.r_[starts[1:], N]
            centres = (starts + ends - 1) / 2
            names = [str(shown[s]) for s in starts]
            self.ax_.set_xticks(centres, names, rotation=45, ha="right")
            self.ax_.set_yticks(centres, names)
            lo, hi = -0.5, N - 0.5
            segments = [seg for s in starts[1:] - 0.5 for seg in (((lo, s), (hi, s)), ((s, lo), (s, hi)))]
            self.separators_.set_segments(segments)
        if title is not None:
            self.ax_.set_title(title)

    def update(self, distances=None, *, labels=None, order=None, title=None):
        """Show other distances, labels or order in the same artists.

        Parameters
        ----------
        distances : array-like of shape (N, N), optional
            New distances; by default the current ones (e.g. to change only the order).
        labels : array-like of shape (N,), optional
            New group labels; by default the current ones.
        order : array-like of int of shape (N,), optional
            New display order; by default the current one (reset to the identity when N changes).
        title : str, optional

        Returns
        -------
        self
        """
        require_plotted(self, "im_")
        new_distances = self.distances if distances is None else distances
        new_labels = self.labels if labels is None else labels
        new_order = self.order if order is None else order
        n_new = np.shape(new_distances)[0] if np.ndim(new_distances) else 0
        if n_new != len(self.order_):  # a new number of items: the old order and labels cannot apply
            if order is None:
                new_order = None
            if labels is None and new_labels is not None:
                raise ValueError(
                    f"The display's {len(new_labels)} labels do not fit {n_new} items; pass labels= with the new "
                    "distances."
                )
        D, lab, perm = self._prepare(new_distances, new_labels, new_order)
        self.distances, self.labels, self.order = new_distances, new_labels, new_order
        self.im_.set_data(D[np.ix_(perm, perm)])
        self._show(D, lab, perm, title)
        return self

