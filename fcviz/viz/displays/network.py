"""A network drawn as a graph: neurons as dots, the maximum spanning tree (birth edges) as lines.

The tree is laid out as a tree (:func:`~fcviz.viz.displays.tree_layout.radial_tree_layout`: its
centre in the middle, each subtree in its own wedge, no two edges crossing); :func:`mds_layout`
(classical scaling of ``1 - w``, where strongly connected nodes sit close but edges cross) is the
other choice.
"""

from __future__ import annotations

import numpy as np

from ...homology import mst_edges
from .base import check_labels, check_option, check_square, register_display, require_plotted, resolve_axes
from .matrices import layer_boundaries, read_connectome
from .tree_layout import radial_tree_layout

__all__ = ["SpanningTreeDisplay", "mds_layout", "spanning_tree_layout", "TREE_LAYOUTS"]

#: How :class:`SpanningTreeDisplay` can place the nodes.
TREE_LAYOUTS = ("radial", "mds")


def mds_layout(graph):
    """2-D node positions by classical multidimensional scaling of the distances ``1 - w``.

    Parameters
    ----------
    graph : array-like of shape (n, n)
        Edge weights in [0, 1]; strongly connected nodes end up close together.

    Returns
    -------
    ndarray of shape (n, 2)
        Centred coordinates. The sign of each axis is fixed so that the coordinate of largest
        magnitude is positive (the smallest index among ties), so that similar graphs give similar,
        not mirrored, layouts.

    Notes
    -----
    Classical (Torgerson) scaling: double-centre the squared distances, ``B = -J D^2 J / 2``, and
    scale the two leading eigenvectors of ``B`` by the square roots of their (clipped at 0)
    eigenvalues. Only those two eigenpairs are computed (LAPACK's ``syevr`` on an index range):
    several times faster than the full decomposition at a few hundred nodes, which matters for a
    widget that lays out a network on every change.
    """
    from scipy.linalg import eigh

    A = check_square(graph, "graph", owner="mds_layout")
    n = A.shape[0]
    D2 = (1.0 - A) ** 2
    np.fill_diagonal(D2, 0.0)
    D2 -= D2.mean(axis=0, keepdims=True)  # double centring: J D^2 J
    D2 -= D2.mean(axis=1, keepdims=True)
    B = -0.25 * (D2 + D2.T)  # -J D^2 J / 2, symmetrised against rounding
    values, vectors = eigh(B, subset_by_index=[max(n - 2, 0), n - 1], overwrite_a=True, check_finite=False)
    top = vectors[:, ::-1] * np.sqrt(np.clip(values[::-1], 0.0, None))  # ascending -> the largest first
    for k in range(top.shape[1]):
        lead = int(np.argmax(np.abs(top[:, k])))
        if top[lead, k] < 0:
            top[:, k] = -top[:, k]
    return top


def spanning_tree_layout(graph, *, layout="radial"):
    """A graph's maximum spanning tree and the node positions a :class:`SpanningTreeDisplay` draws.

    Parameters
    ----------
    graph : array-like of shape (n, n)
        Edge weights (validated as in :func:`fcviz.birth_death`).
    layout : {"radial", "mds"}, default="radial"
        ``"radial"``: :func:`~fcviz.viz.displays.tree_layout.radial_tree_layout` of the tree, rooted
        at its centre (no crossing edges); ``"mds"``: :func:`mds_layout` of the whole graph.

    Returns
    -------
    tree : (rows, cols) of ndarray of int of shape (n - 1,)
        The tree's edges, from :func:`fcviz.mst_edges`.
    positions : ndarray of shape (n, 2)

    Examples
    --------
    >>> from fcviz.synthetic import random_modular_graphs
    >>> from fcviz.viz.displays.tree_layout import count_crossings
    >>> G = random_modular_graphs(1, 64, 4, random_state=0)[0]
    >>> (rows, cols), xy = spanning_tree_layout(G)
    >>> count_crossings(np.stack([xy[rows], xy[cols]], axis=1))
    0
    """
    check_option(layout, "layout", TREE_LAYOUTS, hint="\"radial\" draws the tree without crossing edges.")
    A = check_square(graph, "graph", owner="spanning_tree_layout")
    rows, cols = mst_edges(A)
    if layout == "mds":
        return (rows, cols), mds_layout(A)
    return (rows, cols), radial_tree_layout((rows, cols), A.shape[0], weights=A[rows, cols])


class SpanningTreeDisplay:
    """A network as a graph: neurons coloured by layer, the maximum spanning tree as weighted lines.

    The tree's edges are the birth edges of the persistent graph homology; line width grows with the
    edge weight. Node positions come from :func:`spanning_tree_layout`: by default the tree drawn as a
    tree, radially from its centre, with no two edges crossing.

    Parameters
    ----------
    graph : array-like of shape (n, n)
        Edge weights (validated as in :func:`fcviz.birth_death`).
    boundaries : sequence of int, optional
        Node indices where a new layer starts, e.g. ``Connectome.boundaries``.
    layer_names : sequence of str, optional
        One per layer, for the legend.
    title : str, optional
    layout : {"radial", "mds"}, default="radial"
        ``"radial"``: the tree's centre in the middle, every node on the circle of its depth, subtrees
        in disjoint wedges (no crossings); ``"mds"``: classical scaling of ``1 - w`` (similar nodes
        close, long crossing edges). See :func:`spanning_tree_layout`.

    Attributes
    ----------
    nodes_ : matplotlib.collections.PathCollection
        One dot per neuron; ``nodes_.get_offsets()`` is ``positions_``.
    edges_ : matplotlib.collections.LineCollection
        The n - 1 tree edges; ``edges_.get_linewidths()`` grows with ``weights_``.
    positions_ : ndarray of shape (n, 2)
    tree_ : (rows, cols)
        Endpoints of the tree's edges, from :func:`fcviz.mst_edges`.
    weights_ : ndarray of shape (n - 1,)
        Their weights (the birth set, unsorted).
    layers_ : ndarray of int of shape (n,)
        Layer index of every node.
    ax_, figure_ : the axes and figure drawn on.
    """

    def __init__(self, graph, *, boundaries=None, layer_names=None, title=None, layout="radial"):
        self.graph = graph
        self.boundaries = boundaries
        self.layer_names = layer_names
        self.title = title
        self.layout = layout

    @classmethod
    def from_connectome(cls, connectome, *, boundaries=None, layer_sizes=None, title=None, layout="radial", ax=None,
                        **plot_kw):
        """Draw a :class:`fcviz.Connectome` (with its layers) or a plain (n, n) array.

        Parameters
        ----------
        connectome : Connectome or array-like of shape (n, n)
        boundaries : sequence of int, optional
            Node indices where layers start; by default the connectome's own.
        layer_sizes : sequence of int, optional
            Nodes per layer instead of ``boundaries``.
        title : str, optional
        layout : {"radial", "mds"}, default="radial"
            Node positions, as in the constructor.
        ax : matplotlib.axes.Axes, optional
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        SpanningTreeDisplay
            Plotted.
        """
        graph, inner = read_connectome(connectome, boundaries=boundaries, layer_sizes=layer_sizes,
                                       owner=cls.__name__)
        names = getattr(connectome, "layer_names", None)
        return cls(graph, boundaries=inner, layer_names=names, title=title, layout=layout).plot(ax=ax, **plot_kw)

    def _layout(self, graph):
        A = check_square(graph, "graph", owner=type(self).__name__)
        (rows, cols), positions = spanning_tree_layout(A, layout=self.layout)
        segments = np.stack([positions[rows], positions[cols]], axis=1)
        return A, (rows, cols), A[rows, cols], positions, segments

    def _widths(self, weights):
        top = max(1.0, float(weights.max())) if weights.size else 1.0
        return self._min_width + self._width_scale * weights / top

    def plot(self, ax=None, *, node_size=None, cmap="tab10", edge_color="0.35", width_scale=None, min_width=0.3,
             legend=True):
        """Draw dots and tree edges.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
        node_size : float, optional
            Marker area of the dots; by default 24 up to 100 nodes, then ``24 * sqrt(100 / n)`` (12 at
            384 nodes), so that a large tree's dots do not cover each other.
        cmap : str or Colormap, default="tab10"
            Layer colours.
        edge_color : color, default="0.35"
        width_scale, min_width : float, optional and 0.3
            An edge of weight w is drawn ``min_width + width_scale * w`` points wide (weights above 1
            are scaled to the largest); ``width_scale`` is by default 3 up to 100 nodes, then
            ``3 * sqrt(100 / n)``, as the dots.
        legend : bool, default=True
            A legend of the layers when there are several.

        Returns
        -------
        self
        """
        from matplotlib import colormaps
        from matplotlib.collections import LineCollection
        from matplotlib.lines import Line2D

        A, tree, weights, positions, segments = self._layout(self.graph)
        n = A.shape[0]
        inner = layer_boundaries(n, boundaries=self.boundaries, owner=type(self).__name__)
        layers = np.searchsorted(inner, np.arange(n), side="right")
        n_layers = len(inner) + 1
        names = check_labels(self.layer_names, n_layers, "layer_names", owner=type(self).__name__)
        self.figure_, (self.ax_,) = resolve_axes(ax, 1, owner=type(self).__name__)
        ax = self.ax_
        crowd = min(1.0, float(np.sqrt(100.0 / n)))  # dots and lines shrink with a crowded tree
        node_size = 24.0 * crowd if node_size is None else node_size
        width_scale = 3.0 * crowd if width_scale is None else width_scale
        self._width_scale, self._min_width = width_scale, min_width
        palette = colormaps[cmap] if isinstance(cmap, str) else cmap
        colors = [palette(k % palette.N) if palette.N < 256 else palette(k / max(1, n_layers - 1))
                  for k in range(n_layers)]
        self.edges_ = LineCollection(segments, colors=edge_color, linewidths=self._widths(weights), zorder=1,
                                     capstyle="round")
        ax.add_collection(self.edges_, autolim=False)
        self.nodes_ = ax.scatter(positions[:, 0], positions[:, 1], s=node_size, c=[colors[k] for k in layers],
                                 edgecolors="white", linewidths=0.4, zorder=2)
        if legend and n_layers > 1:
            labels = names if names is not None else [f"layer {k + 1}" for k in range(n_layers)]
            handles = [Line2D([], [], ls="", marker="o", color=colors[k], label=str(labels[k]))
                       for k in range(n_layers)]
            ax.legend(handles=handles, frameon=False, loc="best", fontsize=8)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xticks([])
        ax.set_yticks([])
        self.layers_ = layers
        self._n_nodes = n
        self._show(tree, weights, positions, self.title)
        register_display(ax, self)
        return self

    def _show(self, tree, weights, positions, title):
        self.tree_, self.weights_, self.positions_ = tree, weights, positions
        lo, hi = positions.min(axis=0), positions.max(axis=0)
        pad = 0.08 * max(float((hi - lo).max()), 1e-9)
        self.ax_.set_xlim(lo[0] - pad, hi[0] + pad)
        self.ax_.set_ylim(lo[1] - pad, hi[1] + pad)
        if title is not None:
            self.ax_.set_title(title)

    def update(self, graph, *, title=None):
        """Move dots and tree edges to another graph of the same number of nodes.

        Parameters
        ----------
        graph : array-like of shape (n, n)
        title : str, optional

        Returns
        -------
        self
        """
        require_plotted(self, "nodes_")
        A, tree, weights, positions, segments = self._layout(graph)
        if A.shape[0] != self._n_nodes:
            raise ValueError(
                f"This SpanningTreeDisplay shows {self._n_nodes} nodes coloured by layer; got a graph of "
                f"{A.shape[0]} nodes. Make a new display for a network of another size."
            )
        self.graph = graph
        self.nodes_.set_offsets(positions)
        self.edges_.set_segments(segments)
        self.edges_.set_linewidths(self._widths(weights))
        self._show(tree, weights, positions, title)
        return self
