"""Display objects of fcviz.viz: they draw library output, update in place, and never touch pyplot.

Every display is checked for: the data drawn equals the library's output; 50 updates leave the
number of axes and artists unchanged; no pyplot figure is created; the rendered PNG changes after an
update; bad input raises a ValueError that says what was wrong. Plus betti_curves and
spanning_tree_order against brute-force versions.
"""

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.figure import Figure
from sklearn.metrics.cluster import contingency_matrix

import fcviz
from fcviz import barycenter, betti_curves, birth_death, mst_edges, pairwise_distances, purity_score
from fcviz import spanning_tree_order
from fcviz.plotting import plot_connectome, plot_distance_matrix
from fcviz.synthetic import random_modular_graphs
from fcviz.viz import (
    BettiCurveDisplay,
    ClusteringDisplay,
    ConnectomeDisplay,
    DistanceMatrixDisplay,
    PersistenceDisplay,
    PurityDisplay,
    PurityWeightDisplay,
    RuntimeDisplay,
    SpanningTreeDisplay,
    figure_to_png,
    mds_layout,
    radial_tree_layout,
    spanning_tree_layout,
)

from conftest import symmetric


@pytest.fixture
def graphs(rng):
    return random_modular_graphs(8, 10, 2, random_state=rng)


def _counts(fig):
    """Number of axes and of artists on each: what an update must not change."""
    return len(fig.axes), [len(ax.get_children()) for ax in fig.axes]


def _check_in_place(display, step, n=50):
    """Run ``step(i)`` n times; the artist counts stay, no pyplot figure appears, the PNG changes."""
    fig = display.figure_
    assert isinstance(fig, Figure) and plt.get_fignums() == []
    for _ in range(3):  # the layout settles over the first renders
        png = figure_to_png(fig, dpi=30)
    before = _counts(fig)
    for i in range(n):
        assert step(i) is display
    assert _counts(fig) == before
    assert plt.get_fignums() == []
    assert figure_to_png(fig, dpi=30) != png


# ---------------------------------------------------------------------------------------------------
# Library functions behind the displays


def _brute_betti(A, e):
    """Components and independent cycles of the graph of edges heavier than e, by union-find."""
    n = A.shape[0]
    parent = list(range(n))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    n_edges = 0
    for i, j in itertools.combinations(range(n), 2):
        if A[i, j] > e:
            n_edges += 1
            parent[find(i)] = find(j)
    components = len({find(i) for i in range(n)})
    return components, n_edges - n + components


def test_betti_curves_equal_union_find_on_random_graphs(rng):
    for n in (2, 3, 5, 7):
        A = symmetric(np.round(rng.random((n, n)), 1))  # rounded: tied weights and thresholds on weights
        thresholds = np.r_[-0.1, np.linspace(0, 1, 11), 1.2]
        b0, b1 = betti_curves(birth_death(A), thresholds)
        expected = np.array([_brute_betti(A, e) for e in thresholds])
        np.testing.assert_array_equal(b0, expected[:, 0])
        np.testing.assert_array_equal(b1, expected[:, 1])
        assert b0.dtype.kind == "i" and b0.shape == thresholds.shape


def test_betti_curves_properties_and_batch(graphs):
    P = birth_death(graphs)
    n = P.n_nodes
    e = np.linspace(-0.05, 1.05, 60)
    b0, b1 = betti_curves(P, e)
    assert b0.shape == b1.shape == (len(graphs), e.size)
    rows, cols = np.triu_indices(n, 1)
    weights = graphs[:, rows, cols]
    for k in range(len(graphs)):
        assert np.all(np.diff(b0[k]) >= 0) and np.all(np.diff(b1[k]) <= 0)  # fewer edges as e grows
        assert np.all(b0[k][e >= weights[k].max()] == n)
        assert np.all(b0[k][e < P.births[k].min()] == 1)
        assert np.all(b1[k][e >= P.deaths[k].max()] == 0)
        edges_above = (weights[k][None, :] > e[:, None]).sum(axis=1)
        np.testing.assert_array_equal(b0[k] - b1[k], n - edges_above)  # Euler characteristic
        one0, one1 = betti_curves(P[k], e)
        np.testing.assert_array_equal(one0, b0[k])
        np.testing.assert_array_equal(one1, b1[k])
    np.testing.assert_array_equal(betti_curves(graphs[0], e)[0], b0[0])  # a graph is decomposed first


def test_betti_curves_rejects_bad_thresholds(graphs):
    P = birth_death(graphs[0])
    with pytest.raises(ValueError, match="thresholds must be a 1-D array.*shape \\(2, 2\\)"):
        betti_curves(P, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="non-finite"):
        betti_curves(P, [0.1, np.nan])


def _prim_from_heaviest(A):
    """Join order of Prim's algorithm on the full graph, started at the heaviest edge."""
    n = A.shape[0]
    i, j = np.unravel_index(np.argmax(np.triu(A, 1)), A.shape)
    order = [min(i, j), max(i, j)]
    while len(order) < n:
        rest = [v for v in range(n) if v not in order]
        best = A[np.ix_(order, rest)]
        order.append(rest[np.unravel_index(best.argmax(), best.shape)[1]])
    return order


def test_spanning_tree_order_is_prim_from_the_heaviest_edge(rng, graphs):
    for n in (2, 4, 9):
        A = symmetric(rng.random((n, n)))  # distinct weights: one tree, one order
        order = spanning_tree_order(A)
        assert order.tolist() == _prim_from_heaviest(A)
    order = spanning_tree_order(graphs[0])
    assert sorted(order.tolist()) == list(range(graphs.shape[1]))
    with pytest.raises(ValueError, match="one graph"):
        spanning_tree_order(graphs)


# ---------------------------------------------------------------------------------------------------
# Displays


def test_figure_to_png_accepts_figures_and_displays(graphs):
    display = ConnectomeDisplay(graphs[0]).plot()
    pngs = [figure_to_png(display, dpi=20) for _ in range(3)] + [figure_to_png(display.figure_, dpi=20)]
    assert pngs[0].startswith(b"\x89PNG") and pngs[-1] == pngs[-2]  # a settled layout renders the same
    fig, ax = plt.subplots()  # a pyplot figure keeps its own canvas
    canvas = fig.canvas
    assert figure_to_png(fig, dpi=10).startswith(b"\x89PNG") and fig.canvas is canvas
    with pytest.raises(TypeError, match="Figure or a plotted display"):
        figure_to_png(ConnectomeDisplay(graphs[0]))  # not plotted yet
    with pytest.raises(ValueError, match="dpi must be a positive number; got 0"):
        figure_to_png(display, dpi=0)


def test_connectome_display_layer_and_tree_order(graphs):
    A = graphs[0]
    display = ConnectomeDisplay(A, boundaries=[0, 6, 10], title="net").plot()
    np.testing.assert_array_equal(display.im_.get_array(), A)
    assert display.ax_.get_title() == "net" and display.colorbar_ is not None
    assert len(display.lines_) == 2 and all(line.get_visible() for line in display.lines_)
    assert display.lines_[0].get_ydata()[0] == 5.5
    assert len(display.figure_.axes) == 2  # the heat map and its colour bar

    display.update(A, order="tree")
    order = spanning_tree_order(A)
    np.testing.assert_array_equal(display.order_, order)
    np.testing.assert_array_equal(display.im_.get_array(), A[np.ix_(order, order)])
    assert not any(line.get_visible() for line in display.lines_)

    def step(i):
        return display.update(graphs[i % len(graphs)], title=f"network {i}", order=("layer", "tree")[i % 2])

    _check_in_place(display, step)
    assert display.ax_.get_title() == "network 49"
    np.testing.assert_array_equal(display.im_.get_array(), graphs[1][np.ix_(display.order_, display.order_)])


def test_connectome_display_from_connectome_and_layer_sizes(graphs):
    from fcviz.connectome import Connectome

    C = Connectome(graphs[0], ("fc1", "fc2"), (7, 3), np.zeros(10, dtype=bool), 50)
    display = ConnectomeDisplay.from_connectome(C)
    assert [line.get_xdata()[0] for line in display.lines_[1::2]] == [6.5]  # boundary at node 7
    np.testing.assert_array_equal(display.im_.get_array(), np.asarray(C))
    same = ConnectomeDisplay.from_connectome(graphs[0], layer_sizes=[7, 3])  # the zoo's metadata
    assert [line.get_xdata()[0] for line in same.lines_[1::2]] == [6.5]
    tree = SpanningTreeDisplay.from_connectome(C)
    assert tree.layers_.tolist() == [0] * 7 + [1] * 3
    assert [t.get_text() for t in tree.ax_.get_legend().get_texts()] == ["fc1", "fc2"]
    assert plt.get_fignums() == []


def test_connectome_display_bad_input(graphs):
    with pytest.raises(ValueError, match="square .* got shape \\(8, 10, 10\\).*graphs\\[0\\]"):
        ConnectomeDisplay(graphs).plot()
    with pytest.raises(ValueError, match="order must be one of \\['layer', 'tree'\\]; got 'random'"):
        ConnectomeDisplay(graphs[0], order="random").plot()
    with pytest.raises(ValueError, match="permutation of range\\(10\\)"):
        ConnectomeDisplay(graphs[0], order=[0, 0, 1]).plot()
    with pytest.raises(ValueError, match="boundaries or layer_sizes, not both"):
        ConnectomeDisplay.from_connectome(graphs[0], boundaries=[5], layer_sizes=[5, 5])
    with pytest.raises(ValueError, match="summing to the 10 nodes; got \\[5, 4\\]"):
        ConnectomeDisplay.from_connectome(graphs[0], layer_sizes=[5, 4])
    with pytest.raises(ValueError, match="increasing node indices in \\[0, 10\\]"):
        ConnectomeDisplay(graphs[0], boundaries=[6, 3]).plot()
    display = ConnectomeDisplay(graphs[0], boundaries=[5]).plot()
    with pytest.raises(ValueError, match="separators for 10 nodes; got a graph of 6 nodes"):
        display.update(graphs[0][:6, :6])
    with pytest.raises(ValueError, match="call plot\\(\\) first"):
        ConnectomeDisplay(graphs[0]).update(graphs[1])


def test_plot_connectome_twice_on_one_axes_updates_instead_of_stacking(graphs):
    fig, ax = plt.subplots()
    assert plot_connectome(graphs[0], ax, boundaries=[5], title="a") is ax
    assert plot_connectome(graphs[1], ax, title="b") is ax
    assert len(fig.axes) == 2 and len(ax.images) == 1 and len(ax.lines) == 2  # one colour bar, one image
    np.testing.assert_array_equal(ax.images[0].get_array(), graphs[1])
    assert ax.get_title() == "b"
    D = pairwise_distances(graphs)
    labels = ["a"] * 4 + ["b"] * 4
    plot_distance_matrix(D, ax2 := fig.add_subplot(1, 2, 2), labels=labels)
    n_axes = len(fig.axes)
    plot_distance_matrix(2 * D, ax2, labels=labels)
    assert len(fig.axes) == n_axes and len(ax2.images) == 1
    np.testing.assert_allclose(ax2.images[0].get_array(), 2 * D)


def test_persistence_display_from_groups_draws_barycenters_and_highlight(graphs):
    P = birth_death(graphs)
    codes = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    display = PersistenceDisplay.from_groups(P, codes, ["vanilla", "l2"], highlight=2)
    assert set(display.axes_) == {"births", "deaths"} and plt.get_fignums() == []
    for which in ("births", "deaths"):
        ax = display.axes_[which]
        for g in (0, 1):
            B = barycenter(P[np.flatnonzero(codes == g)])
            line = display.lines_[which][g]
            assert line is ax.lines[g]
            np.testing.assert_array_equal(line.get_ydata(), getattr(B, which))
            x = line.get_xdata()
            assert np.all((x > 0) & (x < 1))
            band = display.bands_[which][g]
            assert isinstance(band, PolyCollection)
            upper = band.get_paths()[0].vertices[: x.size, 1]
            np.testing.assert_allclose(upper, getattr(B, which) + getattr(B, f"{which}_std"))
        np.testing.assert_array_equal(display.highlight_[which].get_ydata(), getattr(P[2], which))
    legend = [t.get_text() for t in display.axes_["deaths"].get_legend().get_texts()]
    assert legend == ["vanilla", "l2", "network 2"]

    def step(i):
        if i % 2:
            return display.update(highlight=P[i % len(P)])
        half = P[np.arange(4) + (i // 2) % 2 * 4]
        return display.update([barycenter(half[:2]), barycenter(half[2:])])

    _check_in_place(display, step)
    np.testing.assert_array_equal(display.highlight_["deaths"].get_ydata(), P[49 % 8].deaths)
    np.testing.assert_array_equal(display.lines_["births"][1].get_ydata(), barycenter(P[2:4]).births)  # i = 48
    display.update(highlight=False)
    assert not display.highlight_["births"].get_visible()


def test_persistence_display_one_set_batches_and_different_sizes(graphs):
    P = birth_death(graphs)
    small = birth_death(random_modular_graphs(3, 6, 2, random_state=1))
    display = PersistenceDisplay([P[:3], small], names=["ten", "six"], which="deaths").plot()
    assert list(display.axes_) == ["deaths"] and len(display.ax_.lines) == 6  # one thin curve per member
    np.testing.assert_array_equal(display.lines_["deaths"][4].get_ydata(), small.deaths[1])
    assert display.bands_["deaths"] == [None, None]
    assert display.lines_["deaths"][3].get_xdata().max() < 1  # ranks normalised whatever the size
    with pytest.raises(ValueError, match="which must be one of \\['both', 'births', 'deaths'\\]; got 'edges'"):
        PersistenceDisplay(P, which="edges").plot()
    with pytest.raises(ValueError, match="sequence of 2 matplotlib Axes; got one Axes.*which='births'"):
        PersistenceDisplay(P).plot(ax=display.ax_)
    with pytest.raises(ValueError, match="without a highlighted network"):
        display.update(highlight=P[0])
    with pytest.raises(ValueError, match="plotted structure"):
        display.update([P[:2], small])
    with pytest.raises(ValueError, match="codes of shape \\(3,\\) for 8 items"):
        PersistenceDisplay.from_groups(P, [0, 1, 0], ["a", "b"])
    with pytest.raises(ValueError, match="codes must be integers 0 … 1"):
        PersistenceDisplay.from_groups(P, np.arange(8) % 3, ["a", "b"])
    with pytest.raises(ValueError, match="highlight must be one network; got a batch of 2"):
        PersistenceDisplay(P, highlight=P[:2]).plot()


def test_persistence_display_thins_long_curves_without_losing_what_is_seen():
    from fcviz.viz.curves import MAX_CURVE_POINTS, rank_samples

    P = birth_death(random_modular_graphs(6, 24, 2, random_state=3))  # 23 births, 253 deaths
    codes = np.repeat([0, 1], 3)
    full = PersistenceDisplay.from_groups(P, codes, ["a", "b"], highlight=0, max_points=None)
    thin = PersistenceDisplay.from_groups(P, codes, ["a", "b"], highlight=0, max_points=40)
    for which in ("births", "deaths"):
        m = getattr(P, which).shape[1]
        index = rank_samples(m, 40)
        assert index[0] == 0 and index[-1] == m - 1 and np.all(np.diff(index) > 0) and index.size == min(m, 40)
        for k in (0, 1):
            B = barycenter(P[codes == k])
            values, std = getattr(B, which), getattr(B, f"{which}_std")
            line = thin.lines_[which][k]
            np.testing.assert_array_equal(line.get_ydata(), values[index])  # sampled from the sorted values
            np.testing.assert_allclose(line.get_xdata(), (index + 0.5) / m)  # at their normalised ranks
            np.testing.assert_array_equal(thin.data_[which][k], values)  # the full curve is kept
            np.testing.assert_array_equal(full.lines_[which][k].get_ydata(), values)
            # the band's edges are the envelope of the ranks each sample stands for: it covers the full band
            edge = thin.bands_[which][k].get_paths()[0].vertices
            upper, lower = edge[: index.size, 1], edge[index.size: 2 * index.size, 1][::-1]
            starts = np.r_[0, (index[:-1] + index[1:] + 1) // 2]
            owner = np.searchsorted(starts, np.arange(m), side="right") - 1
            assert np.all(upper[owner] >= values + std) and np.all(lower[owner] <= values - std)
            assert upper.max() == (values + std).max() and lower.min() == (values - std).min()
        assert thin.axes_[which].get_ylim() == full.axes_[which].get_ylim()
    thin.update(highlight=P[4])
    np.testing.assert_array_equal(thin.highlight_["deaths"].get_ydata(), P[4].deaths[rank_samples(253, 40)])
    np.testing.assert_array_equal(thin.highlight_data_["deaths"], P[4].deaths)
    big = birth_death(random_modular_graphs(1, 66, 2, random_state=0)[0])  # 2,080 deaths: thinned by default
    display = PersistenceDisplay(big, which="deaths").plot()
    assert display.lines_["deaths"][0].get_xdata().size == MAX_CURVE_POINTS == 2000
    with pytest.raises(ValueError, match="max_points must be"):
        PersistenceDisplay(big, max_points=1).plot()


def test_betti_curve_display(graphs):
    P = birth_death(graphs[:3])
    e = np.linspace(0, 1, 21)
    display = BettiCurveDisplay.from_persistence(P, e, names=["a", "b", "c"])
    b0, b1 = betti_curves(P, e)
    for k in range(3):
        np.testing.assert_array_equal(display.lines_["betti0"][k].get_ydata(), b0[k])
        np.testing.assert_array_equal(display.lines_["betti1"][k].get_xydata(), np.column_stack([e, b1[k]]))

    def step(i):
        return display.update(*betti_curves(birth_death(graphs[[i % 8, (i + 1) % 8, (i + 2) % 8]]), e))

    _check_in_place(display, step)
    b0, b1 = betti_curves(birth_death(graphs[[49 % 8, 50 % 8, 51 % 8]]), e)  # what step 49 drew
    for k in range(3):
        np.testing.assert_array_equal(display.lines_["betti0"][k].get_ydata(), b0[k])
        np.testing.assert_array_equal(display.lines_["betti1"][k].get_ydata(), b1[k])
    with pytest.raises(ValueError, match="T = 21 thresholds; got shape \\(3, 5\\)"):
        display.update(b0[:, :5], b1[:, :5])
    with pytest.raises(ValueError, match="draws 3 curve\\(s\\); got 1"):
        display.update(b0[0], b1[0])
    one = BettiCurveDisplay.from_persistence(graphs[0], which="betti1")
    assert list(one.axes_) == ["betti1"]
    assert one.lines_["betti1"][0].get_ydata()[0] == birth_death(graphs[0]).deaths.size  # every death above e = 0


def test_mds_layout_recovers_planar_distances_with_fixed_signs(rng):
    points = rng.random((7, 2)) * 0.5
    dist = np.sqrt(((points[:, None] - points[None]) ** 2).sum(-1))
    Y = mds_layout(1 - dist)
    np.testing.assert_allclose(np.sqrt(((Y[:, None] - Y[None]) ** 2).sum(-1)), dist, atol=1e-10)
    for k in range(2):
        assert Y[np.argmax(np.abs(Y[:, k])), k] > 0
    np.testing.assert_array_equal(mds_layout(1 - dist), Y)


def test_spanning_tree_display(graphs):
    display = SpanningTreeDisplay(graphs[0], boundaries=[5], title="tree").plot()
    rows, cols = mst_edges(graphs[0])
    tree, positions = spanning_tree_layout(graphs[0])  # the tree drawn as a tree (tests/test_viz_tree_layout.py)
    np.testing.assert_array_equal(tree[0], rows)
    np.testing.assert_array_equal(positions, radial_tree_layout((rows, cols), 10, weights=graphs[0][rows, cols]))
    assert isinstance(display.nodes_, PathCollection) and isinstance(display.edges_, LineCollection)
    np.testing.assert_allclose(display.nodes_.get_offsets(), positions)
    segments = display.edges_.get_segments()
    assert len(segments) == graphs.shape[1] - 1
    np.testing.assert_allclose(np.array(segments), np.stack([positions[rows], positions[cols]], axis=1))
    widths = np.asarray(display.edges_.get_linewidths())
    weights = graphs[0][rows, cols]
    assert np.all(np.diff(widths[np.argsort(weights)]) >= 0)  # heavier edges are drawn wider
    colors = display.nodes_.get_facecolors()
    assert np.allclose(colors[0], colors[4]) and not np.allclose(colors[4], colors[5])

    _check_in_place(display, lambda i: display.update(graphs[(i + 1) % len(graphs)]))
    np.testing.assert_allclose(display.nodes_.get_offsets(), spanning_tree_layout(graphs[50 % 8])[1])
    mds = SpanningTreeDisplay(graphs[0], layout="mds").plot()  # the other layout, still there
    np.testing.assert_allclose(mds.nodes_.get_offsets(), mds_layout(graphs[0]))
    with pytest.raises(ValueError, match="shows 10 nodes coloured by layer; got a graph of 4 nodes"):
        display.update(graphs[0][:4, :4])
    with pytest.raises(ValueError, match="asymmetric|symmetric"):
        SpanningTreeDisplay(np.triu(graphs[0])).plot()


def test_distance_matrix_display(graphs):
    P = birth_death(graphs)
    labels = np.array(["a"] * 4 + ["b"] * 4)
    display = DistanceMatrixDisplay.from_persistence(P, labels=labels)
    D = pairwise_distances(P)
    np.testing.assert_array_equal(display.im_.get_array(), D)
    assert [t.get_text() for t in display.ax_.get_yticklabels()] == ["a", "b"]
    assert len(display.separators_.get_segments()) == 2

    order = np.array([0, 4, 1, 5, 2, 6, 3, 7])
    display.update(order=order)
    np.testing.assert_array_equal(display.im_.get_array(), D[np.ix_(order, order)])
    assert [t.get_text() for t in display.ax_.get_xticklabels()] == ["a", "b"] * 4
    assert len(display.separators_.get_segments()) == 14

    rng = np.random.default_rng(0)
    drawn = {}

    def step(i):
        drawn["D"], drawn["order"] = D * (1 + i), rng.permutation(8)
        return display.update(drawn["D"], order=drawn["order"])

    _check_in_place(display, step)
    np.testing.assert_array_equal(display.im_.get_array(), drawn["D"][np.ix_(drawn["order"], drawn["order"])])
    assert [t.get_text() for t in display.ax_.get_xticklabels()] == [
        label for k, label in enumerate(labels[drawn["order"]]) if k == 0 or label != labels[drawn["order"]][k - 1]]
    with pytest.raises(ValueError, match="permutation of range\\(8\\)"):
        display.update(order=[0, 1])
    with pytest.raises(ValueError, match="labels do not fit 3 items"):
        display.update(D[:3, :3])
    with pytest.raises(ValueError, match="finite distances"):
        DistanceMatrixDisplay(np.full((2, 2), np.nan)).plot()


def test_clustering_display(graphs):
    labels_true = np.repeat([0, 1, 2], 4)
    labels_pred = np.array([1, 1, 1, 0, 0, 0, 0, 2, 2, 2, 2, 2])
    display = ClusteringDisplay.from_predictions(labels_true, labels_pred, class_names=["x", "y", "z"])
    M = contingency_matrix(labels_true, labels_pred)
    np.testing.assert_array_equal(display.im_.get_array(), M)
    texts = np.vectorize(lambda t: t.get_text())(display.texts_)
    assert texts.tolist() == [["1", "3", ""], ["3", "", "1"], ["", "", "4"]]
    assert display.misassigned_.tolist() == [[True, False, False], [False, False, True], [False, False, False]]
    assert display.texts_[0, 0].get_color() == "crimson" and display.texts_[1, 0].get_color() != "crimson"
    assert display.ax_.get_title() == f"purity {purity_score(labels_true, labels_pred):.3f}, 2 of 12 misassigned"
    assert [t.get_text() for t in display.ax_.get_yticklabels()] == ["x", "y", "z"]

    rng = np.random.default_rng(1)
    drawn = {}

    def step(i):
        drawn["pred"] = rng.permutation(labels_pred)
        return display.update_from_predictions(labels_true, drawn["pred"])

    _check_in_place(display, step)
    M = contingency_matrix(labels_true, drawn["pred"])
    np.testing.assert_array_equal(display.im_.get_array(), M)
    texts = np.vectorize(lambda t: t.get_text())(display.texts_)
    assert texts.tolist() == [[str(v) if v else "" for v in row] for row in M.tolist()]
    assert display.ax_.get_title().startswith(f"purity {purity_score(labels_true, drawn['pred']):.3f}, ")
    with pytest.raises(ValueError, match="values \\[7\\] that this display has no row or column for"):
        display.update_from_predictions(labels_true, np.r_[labels_pred[:-1], 7])
    with pytest.raises(ValueError, match="shows a \\(3, 3\\) matrix; got shape \\(2, 2\\)"):
        display.update(np.eye(2, dtype=int))
    with pytest.raises(ValueError, match="1-D of the same length"):
        ClusteringDisplay.from_predictions(labels_true, labels_pred[:5])
    with pytest.raises(ValueError, match="non-negative counts"):
        ClusteringDisplay(-np.eye(2)).plot()


def test_purity_displays(graphs):
    from fcviz.studies import run_methods, StudyResult

    labels_true = np.repeat([0, 1], 4)
    table, predictions = run_methods(graphs, labels_true, methods=("Top", "Adj"), n_repeats=2)
    result = StudyResult(table, labels_true, ["a", "b"], predictions)
    display = PurityDisplay.from_study(result)
    heights = [bar.get_height() for bar in display.bars_]
    assert display.methods_ == ["Top", "Adj"]
    np.testing.assert_allclose(heights, [result.row("Top")["purity_mean"], result.row("Adj")["purity_mean"]])
    top = result.row("Top")
    np.testing.assert_allclose(display.errorbars_.get_segments()[0][:, 1],
                               [top["purity_mean"] - top["purity_std"], top["purity_mean"] + top["purity_std"]])
    assert display.ax_.lines[0].get_ydata()[0] == 0.5  # chance: the largest class share

    _check_in_place(display, lambda i: display.update({"Top": (1 - i / 100, 0.01), "Adj": None}))
    assert display.bars_[0].get_height() == pytest.approx(0.51)  # step 49
    np.testing.assert_allclose(display.errorbars_.get_segments()[0][:, 1], [0.50, 0.52])
    assert display.texts_[0].get_text() == "0.51"
    assert display.texts_[1].get_text() == "skipped" and display.bars_[1].get_height() == 0
    with pytest.raises(ValueError, match="shows methods \\['Top', 'Adj'\\]"):
        display.update({"WD": (0.5, 0.1)})
    with pytest.raises(ValueError, match="must be a pair \\(mean, std\\)"):
        PurityDisplay({"Top": (0.5, 0.1, 3)}).plot()
    with pytest.raises(ValueError, match="needs a fcviz.studies.StudyResult"):
        PurityDisplay.from_study({"Top": (0.5, 0.1)})

    sweep = PurityWeightDisplay.from_scores({1.0: (0.9, 0.05), 0.0: (0.5, 0.1), 0.5: (0.7, 0.0)})
    np.testing.assert_array_equal(sweep.line_.get_xydata(), [[0.0, 0.5], [0.5, 0.7], [1.0, 0.9]])
    np.testing.assert_allclose(sweep.band_.get_paths()[0].vertices[:3, 1], [0.6, 0.7, 0.95])
    _check_in_place(sweep, lambda i: sweep.update(means=[0.5, 0.6, 0.9 - i / 100]))
    np.testing.assert_allclose(sweep.line_.get_xydata(), [[0.0, 0.5], [0.5, 0.6], [1.0, 0.41]])  # step 49
    with pytest.raises(ValueError, match="one equal, non-zero length"):
        sweep.update(means=[0.5])



def test_purity_display_intervals_and_notes():
    scores = {"Top": (0.9, 0.05), "Adj": (0.6, 0.1), "WD": None, "CKA": (np.nan, np.nan)}
    display = PurityDisplay(scores, intervals={"Top": (0.8, 0.97), "Adj": (np.nan, np.nan)},
                            notes={"CKA": "n/a"}, chance=0.25).plot()
    assert isinstance(display.intervals_, LineCollection) and display.intervals_ is not display.errorbars_
    segments = display.intervals_.get_segments()
    np.testing.assert_allclose(segments[0], [[0.2, 0.8], [0.2, 0.97]])  # beside the ± std segment at x = 0
    assert [seg.size for seg in segments[1:]] == [0, 0, 0]  # no interval: nothing drawn
    np.testing.assert_allclose(display.errorbars_.get_segments()[0][:, 1], [0.85, 0.95])
    assert display.intervals_.get_linewidth()[0] > display.errorbars_.get_linewidth()[0]
    assert [t.get_text() for t in display.texts_] == ["0.90", "0.60", "skipped", "n/a"]
    assert display.texts_[0].get_position()[1] == pytest.approx(0.98)  # above the interval's top
    legend = [t.get_text() for t in display.legend_.get_texts()]
    assert legend == ["bar: mean over repeats", "black: ± std over repeats",
                      "grey: 95 % bootstrap interval over networks", "largest class share"]

    # update: new intervals in the same artists; None clears them, the legend then drops the grey entry
    _check_in_place(display, lambda i: display.update(
        {"Top": (0.9 - i / 100, 0.05), "Adj": (0.6, 0.1), "WD": None, "CKA": None},
        {"Top": (0.7, 0.95 - i / 200)}, notes={"CKA": "n/a", "WD": "n/a"}))
    np.testing.assert_allclose(display.intervals_.get_segments()[0][:, 1], [0.7, 0.95 - 49 / 200])
    assert display.texts_[2].get_text() == "n/a"
    n_children = len(display.ax_.get_children())
    display.update({"Top": (0.5, 0.0), "Adj": (0.5, 0.0), "WD": None, "CKA": None})
    assert display.intervals_.get_segments()[0].size == 0
    assert [t.get_text() for t in display.texts_[2:]] == ["skipped", "skipped"]
    assert len(display.legend_.get_texts()) == 3 and len(display.ax_.get_children()) == n_children
    display.update({"Top": (0.5, 0.0), "Adj": (0.5, 0.0), "WD": None, "CKA": None}, {"Adj": (0.4, 0.6)})
    assert len(display.legend_.get_texts()) == 4

    with pytest.raises(ValueError, match="intervals of \\['NP'\\] name no plotted method"):
        PurityDisplay(scores, intervals={"NP": (0.1, 0.2)}).plot()
    with pytest.raises(ValueError, match="low 0.9 above high 0.8"):
        PurityDisplay(scores, intervals={"Top": (0.9, 0.8)}).plot()
    with pytest.raises(ValueError, match="must be a pair \\(low, high\\) or None"):
        PurityDisplay(scores, intervals={"Top": (0.9,)}).plot()
    with pytest.raises(ValueError, match="notes must be strings"):
        PurityDisplay(scores, notes={"WD": 1}).plot()


def test_purity_display_from_study_reads_intervals_and_status():
    from fcviz.studies import StudyResult

    def row(method, mean, std, low, high, status):
        return {"method": method, "purity_mean": mean, "purity_std": std, "purity_ci_low": low,
                "purity_ci_high": high, "status": status}

    table = [row("Top", 0.9, 0.02, 0.75, 1.0, "ok"), row("Adj", 0.7, 0.1, np.nan, np.nan, "ok"),
             row("WD", np.nan, np.nan, np.nan, np.nan, "skipped: over the time budget"),
             row("CKA", np.nan, np.nan, np.nan, np.nan, "n/a: Study 2's groups are stimulus classes")]
    result = StudyResult(table, np.repeat([0, 1], 4), ["a", "b"], {}, settings={"dataset": "digits"})
    display = PurityDisplay.from_study(result)
    assert display.notes == {"WD": "skipped", "CKA": "n/a"}
    assert [t.get_text() for t in display.texts_] == ["0.90", "0.70", "skipped", "n/a"]
    np.testing.assert_allclose(display.intervals_.get_segments()[0][:, 1], [0.75, 1.0])
    assert display.intervals_.get_segments()[1].size == 0
    assert display.ax_.get_title() == "Clustering purity (digits)"


def test_purity_weight_display_birth_weight_curve():
    from types import SimpleNamespace

    curve = SimpleNamespace(birth_weights=np.array([0.0, 0.25, 0.5, 1.0]), purity_mean=np.array([0.6, 0.8, 0.9, 0.5]),
                            purity_std=np.array([0.1, 0.05, 0.0, 0.2]), paper_purity=0.7,
                            settings={"study": "training_strategies", "dataset": "digits"})
    display = PurityWeightDisplay.from_curve(curve)
    np.testing.assert_array_equal(display.line_.get_xydata(), np.column_stack([curve.birth_weights, curve.purity_mean]))
    assert display.ax_.get_xlabel() == "birth weight β (0: deaths only, 1: births only)"
    assert display.reference_.get_linestyle() == "--" and list(display.reference_.get_ydata()) == [0.7, 0.7]
    assert [t.get_text() for t in display.legend_.get_texts()][1] == display.reference_.get_label()
    assert "digits" in display.ax_.get_title() and "training strategies" in display.ax_.get_title()
    _check_in_place(display, lambda i: display.update(means=curve.purity_mean - i / 100,
                                                      reference=(0.7 - i / 100, "paper")))
    assert list(display.reference_.get_ydata()) == [0.7 - 49 / 100] * 2
    np.testing.assert_allclose(display.line_.get_ydata(), curve.purity_mean - 49 / 100)
    assert display.legend_.get_texts()[1].get_text() == "paper"

    no_paper = SimpleNamespace(**{**vars(curve), "paper_purity": np.nan})
    display = PurityWeightDisplay.from_curve(no_paper, title=None)
    assert display.reference_ is None and display.legend_ is None and display.ax_.get_title() == ""
    with pytest.raises(ValueError, match="has no reference line"):
        display.update(reference=(0.5, "paper"))
    default = PurityWeightDisplay([0, 1], [0.5, 0.9], [0, 0]).plot()
    assert default.ax_.get_xlabel().startswith("topological weight w") and default.reference_ is None
    with pytest.raises(ValueError, match="without \\['paper_purity'\\]"):
        PurityWeightDisplay.from_curve(SimpleNamespace(birth_weights=[0], purity_mean=[1], purity_std=[0]))
    with pytest.raises(ValueError, match="reference as a pair \\(purity, label\\)"):
        PurityWeightDisplay([0, 1], [0.5, 0.9], [0, 0], reference=0.7).plot()


def test_study_figures(graphs):
    from types import SimpleNamespace

    from fcviz.studies import StudyResult, run_methods
    from fcviz.viz import study_figures

    labels_true = np.repeat([0, 1], 4)
    table, predictions = run_methods(graphs, labels_true, methods=("Top", "Adj"), n_repeats=2, n_bootstrap=5)
    result = StudyResult(table, labels_true, ["a", "b"], predictions)
    curve = SimpleNamespace(birth_weights=np.linspace(0, 1, 3), purity_mean=np.full(3, 0.8), purity_std=np.zeros(3),
                            paper_purity=0.75, settings={"study": "training_strategies", "dataset": "digits"})
    figures = study_figures(result, curve=curve)
    assert list(figures) == ["purity", "contingency", "birth_weight"]
    assert all(isinstance(f, Figure) for f in figures.values()) and plt.get_fignums() == []
    image = figures["contingency"].axes[0].images[0]
    np.testing.assert_array_equal(image.get_array(), contingency_matrix(labels_true, predictions["Top"][0]))
    assert [t.get_text() for t in figures["contingency"].axes[0].get_yticklabels()] == ["a", "b"]
    assert all(figure_to_png(f, dpi=20)[:4] == b"\x89PNG" for f in figures.values())
    del predictions["Top"]
    assert list(study_figures(result)) == ["purity"]

def test_runtime_display():
    timings = {"Top": ([30, 60, 120], [1e-4, 3e-4, 1e-3]), "WD": ([30, 60, 120], [0.2, 3.0, None])}
    display = RuntimeDisplay(timings).plot()
    assert display.ax_.get_xscale() == "log" and display.ax_.get_yscale() == "log"
    np.testing.assert_array_equal(display.lines_["Top"].get_xydata(), [[30, 1e-4], [60, 3e-4], [120, 1e-3]])
    assert np.isnan(display.lines_["WD"].get_ydata()[2])  # over budget: not drawn
    _check_in_place(display, lambda i: display.update({m: (n, np.asarray(t, dtype=float) * (1 + i))
                                                       for m, (n, t) in timings.items()}))
    np.testing.assert_allclose(display.lines_["Top"].get_xydata(), [[30, 5e-3], [60, 1.5e-2], [120, 5e-2]])  # x 50
    np.testing.assert_allclose(display.lines_["WD"].get_ydata()[:2], [10.0, 150.0])
    assert np.isnan(display.lines_["WD"].get_ydata()[2])
    with pytest.raises(ValueError, match="positive for log axes"):
        RuntimeDisplay({"Top": ([0, 10], [1.0, 2.0])}).plot()
    with pytest.raises(ValueError, match="one equal length"):
        display.update({"Top": ([30], [1.0, 2.0]), "WD": ([30], [1.0])})


def test_every_display_exported():
    import fcviz.viz as viz

    for name in viz.__all__:
        assert getattr(viz, name) is not None
    assert "betti_curves" in fcviz.__all__ and "spanning_tree_order" in fcviz.__all__
