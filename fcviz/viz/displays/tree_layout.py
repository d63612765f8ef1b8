"""A tree (or forest) laid out radially so that its straight edges never cross.

The root sits at the centre, the nodes at depth ``d`` on the circle of radius ``d``, and every
subtree in its own angular wedge, proportional to its number of leaves (Eades' radial drawing).
A straight edge from a parent at radius ``d`` to a child at radius ``d + 1`` stays outside the
parent's circle when the angle between them is at most ``arccos(d / (d + 1))``; the children of a
node therefore share a wedge no wider than twice that angle, centred on the node. Then every edge
lies in its own ring (between its endpoints' circles) and inside the wedge of its parent, and the
wedges of one ring are disjoint: no two edges cross. It takes O(n) time after the tree.
"""

from __future__ import annotations

import numpy as np

__all__ = ["radial_tree_layout", "tree_root", "count_crossings"]

# Children stay this fraction inside the angle that keeps an edge out of its parent's circle, so that
# rounding cannot turn a touching edge into a crossing one.
_MARGIN = 0.97
# The wedges of a node's children are laid out for this fraction of that angle: each wedge then holds
# points strictly inside the angle, where its child goes.
_SPAN = 0.95


def _check_edges(edges, n_nodes, owner):
    """(rows, cols) as int arrays of one forest on ``n_nodes`` nodes, or a ValueError."""
    if isinstance(n_nodes, bool) or not isinstance(n_nodes, (int, np.integer)) or n_nodes < 1:
        raise ValueError(f"{owner} needs n_nodes as a positive integer; got {n_nodes!r}.")
    try:
        rows, cols = (np.asarray(side) for side in edges)
    except (TypeError, ValueError):
        raise ValueError(f"{owner} needs edges as a pair (rows, cols) of index arrays, e.g. fcviz.mst_edges(graph); "
                         f"got {type(edges).__name__}.") from None
    if rows.ndim != 1 or rows.shape != cols.shape:
        raise ValueError(f"{owner} needs rows and cols of one length each; got shapes {rows.shape} and {cols.shape}.")
    if rows.size and not (np.issubdtype(rows.dtype, np.integer) and np.issubdtype(cols.dtype, np.integer)):
        raise ValueError(f"{owner} needs integer node indices; got dtypes {rows.dtype} and {cols.dtype}.")
    rows, cols = rows.astype(np.intp), cols.astype(np.intp)
    bad = np.flatnonzero((rows < 0) | (rows >= n_nodes) | (cols < 0) | (cols >= n_nodes) | (rows == cols))
    if bad.size:
        k = int(bad[0])
        raise ValueError(f"{owner}: edge {k} joins nodes {int(rows[k])} and {int(cols[k])}; every edge must join "
                         f"two different nodes in range({n_nodes}).")
    root_of = np.arange(n_nodes)

    def find(i):
        while root_of[i] != i:
            root_of[i] = root_of[root_of[i]]
            i = root_of[i]
        return i

    for k, (i, j) in enumerate(zip(rows.tolist(), cols.tolist())):
        a, b = find(i), find(j)
        if a == b:
            raise ValueError(f"{owner}: edge {k} ({i}, {j}) closes a cycle; a tree layout needs a forest "
                             "(e.g. the maximum spanning tree from fcviz.mst_edges).")
        root_of[a] = b
    return rows, cols


def _neighbours(rows, cols, n_nodes, weights):
    """Sorted neighbour lists and the weighted degree (sum of incident edge weights) of every node."""
    order = np.lexsort((np.concatenate([cols, rows]), np.concatenate([rows, cols])))
    ends = np.concatenate([rows, cols])[order]
    others = np.concatenate([cols, rows])[order]
    starts = np.searchsorted(ends, np.arange(n_nodes + 1))
    others = others.tolist()
    lists = [others[starts[i]:starts[i + 1]] for i in range(n_nodes)]
    degree = np.zeros(n_nodes)
    np.add.at(degree, rows, weights)
    np.add.at(degree, cols, weights)
    return lists, degree


def _bfs(neighbours, start):
    """Nodes in breadth-first order from ``start``, with their parents (-1 at the start) and depths."""
    order, parent, depth = [start], {start: -1}, {start: 0}
    for node in order:  # the list grows while it is read
        for other in neighbours[node]:
            if other not in parent:
                parent[other] = node
                depth[other] = depth[node] + 1
                order.append(other)
    return order, parent, depth


def _centre(neighbours, component, degree):
    """The middle of a longest path of one tree (the node of least eccentricity); of two middles, the
    one of larger weighted degree, then the smaller index."""
    order, _, depth = _bfs(neighbours, component[0])
    far = max(order, key=lambda v: (depth[v], -v))
    order, parent, depth = _bfs(neighbours, far)
    end = max(order, key=lambda v: (depth[v], -v))
    path = [end]
    while parent[path[-1]] != -1:
        path.append(parent[path[-1]])
    length = len(path) - 1
    middles = {path[length // 2], path[(length + 1) // 2]}
    return min(middles, key=lambda v: (-degree[v], v))


def tree_root(edges, n_nodes, *, weights=None):
    """The root of every tree of a forest: its centre (least eccentricity), ties by weighted degree.

    Parameters
    ----------
    edges : (rows, cols) of int arrays of shape (m,)
        The forest's edges, e.g. ``fcviz.mst_edges(graph)``.
    n_nodes : int
    weights : array-like of shape (m,), optional
        Edge weights; a centre pair is broken by the larger sum of incident weights, then the smaller
        index. Without weights every edge weighs 1.

    Returns
    -------
    list of int
        One root per tree, trees in the order of their smallest node.

    Examples
    --------
    >>> tree_root(([0, 1, 2, 3], [1, 2, 3, 4]), 5)  # a path 0-1-2-3-4: its middle
    [2]
    >>> tree_root(([0, 2], [1, 3]), 5)  # two edges and a lone node
    [0, 2, 4]
    """
    rows, cols = _check_edges(edges, n_nodes, "tree_root")
    w = _check_weights(weights, rows.size, "tree_root")
    neighbours, degree = _neighbours(rows, cols, n_nodes, w)
    return [_centre(neighbours, component, degree) for component in _components(neighbours, n_nodes)]


def _check_weights(weights, m, owner):
    if weights is None:
        return np.ones(m)
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (m,) or not np.all(np.isfinite(w)):
        raise ValueError(f"{owner} needs one finite weight per edge, shape ({m},); got shape {w.shape}"
                         f"{'' if w.shape != (m,) else ' with non-finite values'}.")
    return w


def _components(neighbours, n_nodes):
    """The trees of a forest as node lists (breadth-first from their smallest node), in that order."""
    seen = np.zeros(n_nodes, dtype=bool)
    components = []
    for start in range(n_nodes):
        if not seen[start]:
            order, _, _ = _bfs(neighbours, start)
            seen[order] = True
            components.append(order)
    return components


def _children_in_order(kids, leaves):
    """The two largest subtrees at the ends (they reach back to their parent most easily), the others
    between them in index order."""
    if len(kids) < 3:
        return sorted(kids, key=lambda c: (-leaves[c], c))
    first, last = sorted(kids, key=lambda c: (-leaves[c], c))[:2]
    return [first] + [c for c in kids if c not in (first, last)] + [last]


def _children_span(lo, hi, theta, reach, sizes):
    """The widest span [a, a + s * sum(sizes)] inside [lo, hi] whose split into wedges proportional to
    ``sizes`` (in order) gives every wedge a point within ``reach`` of ``theta``.

    The first wedge must end at or after ``theta - reach`` and the last one start at or before
    ``theta + reach`` (the wedges between follow); each bound, and ``a >= lo``, ``a + s L <= hi``,
    caps the scale ``s``. Returns (a, s).
    """
    total, first, last = float(sum(sizes)), float(sizes[0]), float(sizes[-1])
    caps = [(hi - lo) / total]
    if total > last:
        caps.append((theta + reach - lo) / (total - last))
    if total > first:
        caps.append((hi - theta + reach) / (total - first))
    if total > first + last:
        caps.append(2 * reach / (total - first - last))
    s = max(0.0, min(caps))
    a_low = max(lo, theta - reach - s * first)
    a_high = min(hi - s * total, theta + reach - s * (total - last))
    return (a_low + a_high) / 2 if a_high >= a_low else a_low, s


def _layout_tree(neighbours, root):
    """Radial positions of one tree rooted at ``root``: (nodes, xy of shape (len(nodes), 2))."""
    order, parent, depth = _bfs(neighbours, root)
    children = {v: [c for c in neighbours[v] if c != parent[v]] for v in order}
    leaves = {}
    for v in reversed(order):  # children before their parent
        leaves[v] = sum(leaves[c] for c in children[v]) or 1
    angle = {root: 0.0}
    wedge = {root: (np.pi / 2, np.pi / 2 + 2 * np.pi)}  # the first child starts at the top
    for v in order:
        kids = _children_in_order(children[v], leaves)
        if not kids:
            continue
        lo, hi = wedge[v]
        d, theta = depth[v], angle[v]
        reach = np.arccos(d / (d + 1.0)) if d else np.inf  # an edge from the root is a ray: any angle
        if d:
            lo, share = _children_span(lo, hi, theta, _SPAN * reach, [leaves[c] for c in kids])
        else:
            share = (hi - lo) / leaves[v]
        for c in kids:
            width = share * leaves[c]
            wedge[c] = (lo, lo + width)
            near = min(max(lo + width / 2, theta - _MARGIN * reach), theta + _MARGIN * reach)
            angle[c] = min(max(near, lo), lo + width)
            lo += width
    nodes = np.array(order, dtype=np.intp)
    radius = np.array([depth[v] for v in order], dtype=np.float64)
    theta = np.array([angle[v] for v in order])
    return nodes, np.stack([radius * np.cos(theta), radius * np.sin(theta)], axis=1)


def radial_tree_layout(edges, n_nodes, *, root=None, weights=None):
    """Positions of a tree's nodes on circles of their depth, subtrees in disjoint wedges: no crossings.

    Parameters
    ----------
    edges : (rows, cols) of int arrays of shape (m,)
        The edges of a tree or forest on ``n_nodes`` nodes, e.g. ``fcviz.mst_edges(graph)``.
    n_nodes : int
    root : int, optional
        The node at the centre of its tree; by default each tree's centre (:func:`tree_root`).
    weights : array-like of shape (m,), optional
        Edge weights, used only to choose between two centres.

    Returns
    -------
    ndarray of shape (n_nodes, 2)
        The root at (0, 0), a node at depth ``d`` at distance ``d`` from it; every subtree in an
        angular wedge proportional to its number of leaves (as wide as the ring allows), children
        in the order of their index, the first child of the root at the top. The trees of a forest
        are laid out one by one and set side by side, largest first (then by smallest node), each
        one edge length apart. The same edges give the same positions.

    Raises
    ------
    ValueError
        If the edges do not form a forest on ``n_nodes`` nodes, or ``root`` is not a node.

    Notes
    -----
    Why no edge crosses another: see the module docstring. Breadth-first search and the wedges take
    O(n) time.

    Examples
    --------
    >>> import numpy as np
    >>> xy = radial_tree_layout(([0, 0, 0], [1, 2, 3]), 4)  # a star: the centre, three leaves around it
    >>> np.round(np.hypot(*xy.T), 6).tolist()
    [0.0, 1.0, 1.0, 1.0]
    """
    rows, cols = _check_edges(edges, n_nodes, "radial_tree_layout")
    w = _check_weights(weights, rows.size, "radial_tree_layout")
    if root is not None and (isinstance(root, bool) or not isinstance(root, (int, np.integer))
                             or not 0 <= root < n_nodes):
        raise ValueError(f"radial_tree_layout: root must be a node index in range({n_nodes}); got {root!r}.")
    neighbours, degree = _neighbours(rows, cols, n_nodes, w)
    trees = []
    for component in _components(neighbours, n_nodes):
        start = int(root) if root is not None and root in component else _centre(neighbours, component, degree)
        trees.append(_layout_tree(neighbours, start))
    trees.sort(key=lambda tree: (-tree[0].size, int(tree[0].min())))
    positions = np.zeros((n_nodes, 2))
    left = 0.0
    for nodes, xy in trees:  # side by side, bottoms aligned
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        positions[nodes] = xy + np.array([left - lo[0], -lo[1]])
        left += hi[0] - lo[0] + 1.0
    if len(trees) == 1:
        positions[trees[0][0]] = trees[0][1]  # one tree: its root at the origin
    return positions


def count_crossings(segments, *, tol=1e-9):
    """Number of pairs of line segments that cross at a point inside both (proper crossings).

    Parameters
    ----------
    segments : array-like of shape (m, 2, 2)
        Segment ``k`` runs from ``segments[k, 0]`` to ``segments[k, 1]`` (e.g.
        ``LineCollection.get_segments()``).
    tol : float, default=1e-9
        Orientation values within ``tol`` of 0 count as touching, not crossing: segments that share
        an endpoint or touch do not cross.

    Returns
    -------
    int

    Examples
    --------
    >>> count_crossings([[[0, 0], [1, 1]], [[0, 1], [1, 0]]])  # an X
    1
    >>> count_crossings([[[0, 0], [1, 1]], [[1, 1], [2, 0]]])  # a V: a shared end
    0
    """
    S = np.asarray(segments, dtype=np.float64)
    if S.ndim != 3 or S.shape[1:] != (2, 2):
        raise ValueError(f"count_crossings needs segments of shape (m, 2, 2); got shape {S.shape}.")
    p, q = S[:, 0], S[:, 1]
    total = 0
    for k in range(len(S) - 1):  # one row of pairs at a time: O(m) memory
        a, b, c, d = p[k], q[k], p[k + 1:], q[k + 1:]
        ends_apart = _side(_orientation(a, b, c), tol) * _side(_orientation(a, b, d), tol) == -1
        sides_apart = _side(_orientation(c, d, a[None]), tol) * _side(_orientation(c, d, b[None]), tol) == -1
        total += int(np.count_nonzero(ends_apart & sides_apart))
    return total


def _side(values, tol):
    """-1, 0 or 1: which side of a line, 0 within ``tol`` of it."""
    return np.where(values > tol, 1, np.where(values < -tol, -1, 0))


def _orientation(a, b, c):
    """Twice the signed area of triangles (a, b, c): > 0 counter-clockwise, < 0 clockwise."""
    return (b[..., 0] - a[..., 0]) * (c[..., 1] - a[..., 1]) - (b[..., 1] - a[..., 1]) * (c[..., 0] - a[..., 0])
