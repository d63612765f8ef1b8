"""The maximum spanning tree drawn as a tree: no two drawn edges cross.

The crossing counter is checked first against cases with known answers and a slow obvious count,
so that "zero crossings" below can fail (the MDS layout of the same trees does cross).
"""

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pytest

from fcviz import mst_edges
from fcviz.synthetic import random_modular_graphs
from fcviz.viz.displays.network import SpanningTreeDisplay, mds_layout, spanning_tree_layout
from fcviz.viz.displays.tree_layout import count_crossings, radial_tree_layout, tree_root


def _drawn_crossings(display):
    """Proper crossings among the segments the display's LineCollection draws."""
    return count_crossings(np.array(display.edges_.get_segments()))


def _slow_crossings(segments):
    """Pairs of segments that cross at one point inside both, by solving for the intersection."""
    count = 0
    for (p, q), (r, s) in itertools.combinations(segments, 2):
        d1, d2 = q - p, s - r
        det = d1[0] * (-d2[1]) - d1[1] * (-d2[0])
        if abs(det) < 1e-12:
            continue  # parallel: no single crossing point
        t, u = np.linalg.solve(np.array([d1, -d2]).T, r - p)
        count += int(1e-9 < t < 1 - 1e-9 and 1e-9 < u < 1 - 1e-9)
    return count


def _random_tree(n, rng, kind):
    """Edges of a random tree on n nodes: uniform attachment, a caterpillar or a spider (deep and wide)."""
    if kind == "recursive":
        parents = [int(rng.integers(0, i)) for i in range(1, n)]
    elif kind == "caterpillar":  # a long spine with leaves hanging from it
        spine = max(2, n // 3)
        parents = list(range(spine - 1)) + [int(rng.integers(0, spine)) for _ in range(spine, n)]
    else:  # a spider: long legs from node 0, some branching at their ends
        parents = [0 if i % 7 == 1 else i - 1 for i in range(1, n)]
    perm = rng.permutation(n)  # node indices in no particular order
    return perm[np.arange(1, n)], perm[np.array(parents)]


# ---------------------------------------------------------------------------------------- the counter

def test_the_counter_finds_known_crossings_and_ignores_touching():
    square = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    diagonals = [square[[0, 2]], square[[1, 3]]]
    assert count_crossings(diagonals) == 1
    sides = [square[[0, 1]], square[[1, 2]], square[[2, 3]], square[[3, 0]]]
    assert count_crossings(sides) == 0  # a cycle: shared endpoints only
    assert count_crossings(sides + diagonals) == 1
    touching = [[[0, 0], [2, 0]], [[1, 0], [1, 1]]]  # a T: one end on the other segment
    assert count_crossings(touching) == 0
    collinear = [[[0, 0], [2, 0]], [[1, 0], [3, 0]]]
    assert count_crossings(collinear) == 0
    star_of_crossings = [[[np.cos(a), np.sin(a)], [-np.cos(a), -np.sin(a)]] for a in np.linspace(0, 3, 5)]
    assert count_crossings(star_of_crossings) == 10  # five lines through the origin: every pair crosses


def test_the_counter_agrees_with_a_slow_count(rng):
    segments = rng.random((40, 2, 2))
    expected = _slow_crossings(segments)
    assert expected > 20 and count_crossings(segments) == expected


def test_the_counter_finds_the_crossings_of_the_mds_layout():
    """The old layout of the same trees crosses: the zero-crossing tests below can fail."""
    G = random_modular_graphs(1, 64, 4, random_state=0)[0]
    rows, cols = mst_edges(G)
    xy = mds_layout(G)
    assert count_crossings(np.stack([xy[rows], xy[cols]], axis=1)) > 0
    old = SpanningTreeDisplay(G, layout="mds").plot()
    assert _drawn_crossings(old) > 0


def test_the_counter_rejects_other_shapes():
    with pytest.raises(ValueError, match=r"segments of shape \(m, 2, 2\); got shape \(3, 4\)"):
        count_crossings(np.zeros((3, 4)))


# ---------------------------------------------------------------------------------------- the layout

@pytest.mark.parametrize("n", [10, 64, 384])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_spanning_tree_display_draws_no_crossings(n, seed):
    G = random_modular_graphs(1, n, 4, signal=0.3 + 0.4 * seed, random_state=seed)[0]
    display = SpanningTreeDisplay(G, boundaries=[n // 2]).plot()
    assert len(display.edges_.get_segments()) == n - 1
    assert _drawn_crossings(display) == 0
    display.update(random_modular_graphs(1, n, 8, random_state=seed + 10)[0])  # moved in place
    assert _drawn_crossings(display) == 0
    plt.close("all")


@pytest.mark.parametrize("kind", ["recursive", "caterpillar", "spider"])
@pytest.mark.parametrize("n", [2, 3, 17, 200, 1000])
def test_random_trees_of_every_shape_have_no_crossings(kind, n, rng):
    rows, cols = _random_tree(n, rng, kind)
    xy = radial_tree_layout((rows, cols), n)
    assert np.all(np.isfinite(xy))
    assert count_crossings(np.stack([xy[rows], xy[cols]], axis=1)) == 0
    assert len({tuple(p) for p in np.round(xy, 9)}) == n  # no two nodes on one spot


def test_nodes_sit_on_the_circle_of_their_depth_around_the_centre():
    # a path 0-1-2-3-4 with a leaf 5 on node 2: the middle of the longest path 0 … 4 is node 2
    rows, cols = np.array([0, 1, 2, 3, 2]), np.array([1, 2, 3, 4, 5])
    assert tree_root((rows, cols), 6) == [2]
    xy = radial_tree_layout((rows, cols), 6)
    np.testing.assert_allclose(xy[2], [0, 0], atol=1e-12)
    np.testing.assert_allclose(np.hypot(*xy.T), [2, 1, 0, 1, 2, 1], atol=1e-12)
    moved = radial_tree_layout((rows, cols), 6, root=0)
    np.testing.assert_allclose(np.hypot(*moved.T), [0, 1, 2, 3, 4, 3], atol=1e-12)
    # two middles (2 and 3 of the path 0 … 4, 6): the one of larger degree, 3
    assert tree_root((np.array([0, 1, 2, 3, 3, 4]), np.array([1, 2, 3, 4, 5, 6])), 7) == [3]


def test_subtrees_get_wedges_in_proportion_to_their_leaves():
    # the root 0 with a leaf (1) and a subtree of three leaves (2 -> 3, 4, 5): angles 90 and 270 degrees
    rows, cols = np.array([0, 0, 2, 2, 2]), np.array([1, 2, 3, 4, 5])
    xy = radial_tree_layout((rows, cols), 6, root=0)
    angles = np.degrees(np.arctan2(xy[:, 1], xy[:, 0])) % 360
    assert angles[2] - angles[1] == pytest.approx(360 * 2 / 4)  # wedges of 360 * 3/4 and 360 * 1/4


def test_a_forest_is_laid_out_tree_by_tree_without_crossings(rng):
    a, b = _random_tree(30, rng, "recursive")
    c, d = _random_tree(12, rng, "spider")
    rows, cols = np.concatenate([a, c + 30]), np.concatenate([b, d + 30])
    xy = radial_tree_layout((rows, cols), 45)  # nodes 42, 43, 44 alone
    assert count_crossings(np.stack([xy[rows], xy[cols]], axis=1)) == 0
    assert xy[:30, 0].max() < xy[30:42, 0].min() < xy[30:42, 0].max() < xy[42:, 0].min()  # largest first
    np.testing.assert_array_equal(radial_tree_layout((rows, cols), 45), xy)  # deterministic
    assert len(tree_root((rows, cols), 45)) == 5


def test_ties_are_broken_the_same_way_every_time():
    G = np.ones((12, 12)) - np.eye(12)  # every spanning tree is maximal: Prim's from node 0 decides
    first = spanning_tree_layout(G)
    second = spanning_tree_layout(G.copy())
    np.testing.assert_array_equal(first[1], second[1])
    # two centres (a path of 4 nodes): the one with the heavier edges wins
    edges = (np.array([0, 1, 2]), np.array([1, 2, 3]))
    assert tree_root(edges, 4, weights=[0.1, 0.5, 0.9]) == [2]
    assert tree_root(edges, 4, weights=[0.9, 0.5, 0.1]) == [1]
    assert tree_root(edges, 4) == [1]  # equal weights: the smaller index


def test_bad_trees_get_clear_errors():
    with pytest.raises(ValueError, match=r"edge 2 \(0, 2\) closes a cycle"):
        radial_tree_layout(([0, 1, 0], [1, 2, 2]), 3)
    with pytest.raises(ValueError, match=r"joins nodes 0 and 5; every edge must join two different nodes in range\(3\)"):
        radial_tree_layout(([0], [5]), 3)
    with pytest.raises(ValueError, match="integer node indices"):
        radial_tree_layout(([0.0], [1.5]), 3)
    with pytest.raises(ValueError, match=r"root must be a node index in range\(3\); got 7"):
        radial_tree_layout(([0, 1], [1, 2]), 3, root=7)
    with pytest.raises(ValueError, match=r"one finite weight per edge, shape \(2,\)"):
        tree_root(([0, 1], [1, 2]), 3, weights=[1.0])
    with pytest.raises(ValueError, match="layout must be one of \\['radial', 'mds'\\]; got 'spring'"):
        SpanningTreeDisplay(np.ones((3, 3)) - np.eye(3), layout="spring").plot()


def test_the_input_arrays_are_not_changed(rng):
    rows, cols = _random_tree(50, rng, "recursive")
    kept = rows.copy(), cols.copy()
    radial_tree_layout((rows, cols), 50)
    np.testing.assert_array_equal(rows, kept[0])
    np.testing.assert_array_equal(cols, kept[1])
