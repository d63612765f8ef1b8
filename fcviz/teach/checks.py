"""Self-checks for the lesson exercises: right, or what is off and a hint.

Every check compares a student's answer with what fcviz computes itself (never a typed number),
within a tolerance. When the answer is right it prints one line ``✓ <what was checked>: True`` and
returns True; when it is wrong it raises :class:`AssertionError` whose message says what is off (which
value, by how much, which shapes) and ends with a one-line ``Hint:`` pointing at the idea. An answer
still at its placeholder (``...`` or None) raises "not answered yet", so an unsolved exercise scores
zero under nbgrader. The hints recognise the common slips (births and deaths swapped, a minimum
instead of a maximum spanning tree, ``>=`` instead of ``>``, a square root too many, the edge-wise
mean instead of the barycenter) by computing them too.

Two kinds of error:

- the student's answer (``births``, ``value``, ...) that is wrong, unfinished or of the wrong shape
  raises :class:`AssertionError` (nbgrader scores the cell zero);
- an argument the lesson supplies (``graph``, ``threshold``, ``kind``, labels) that is invalid raises
  the :class:`ValueError` or :class:`TypeError` of fcviz's own validators.

No argument is modified. Example::

    from fcviz.teach import checks
    checks.births_deaths(A, births, deaths)       # ✓ births and deaths of the 6-node graph ...: True
"""

from __future__ import annotations

import numpy as np

from .._validation import check_graphs, check_option, check_real, is_tensor
from ..homology import Persistence, as_persistence, betti_curves, birth_death, mst_edges
from ..scores import purity_score
from ..wasserstein import barycenter as _barycenter
from ..wasserstein import topological_distance, wasserstein_distance

__all__ = ["NOT_ANSWERED", "barycenter", "betti_numbers", "births_deaths", "close", "distance", "is_true",
           "purity"]

#: What an answer still at its placeholder raises (a fresh student version scores zero with it).
NOT_ANSWERED = "not answered yet: replace the ... in the exercise cell"

RTOL = 1e-6
ATOL = 1e-9

# --------------------------------------------------------------------------------------------------
# Shared pieces: the placeholder, the answer as numbers, the comparison, the two outcomes


def _is_placeholder(value):
    if value is ... or value is None:
        return True
    return isinstance(value, (list, tuple)) and any(_is_placeholder(v) for v in value)


def _require(name, value):
    if _is_placeholder(value):
        raise AssertionError(f"{name}: {NOT_ANSWERED}.")


def _numbers(name, value, *, ndim=None):
    """The student's answer as a new float64 array, or an AssertionError saying why it is not one."""
    _require(name, value)
    if is_tensor(value):
        value = value.detach().cpu().numpy()
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(
            f"{name} must be numbers (a number or an array of numbers); got {type(value).__name__} "
            f"{_short(value)}. Compute it with numpy or fcviz."
        ) from None
    if ndim == 0:
        if arr.size != 1:
            raise AssertionError(f"{name} must be one number; got an array of shape {arr.shape}.")
        arr = arr.reshape(())
    elif ndim is not None and arr.ndim != ndim:
        raise AssertionError(f"{name} must be a {ndim}-D array; got shape {arr.shape}.")
    bad = ~np.isfinite(arr)
    if bad.any():
        where = "" if arr.ndim == 0 else f" at index {tuple(int(i) for i in np.argwhere(bad)[0])}"
        raise AssertionError(f"{name} holds a value that is not finite ({arr[bad].flat[0]}){where}.")
    return arr


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _tolerances(rtol, atol):
    return (check_real(rtol, "rtol", low=0, hint="It is the relative tolerance, e.g. 1e-6."),
            check_real(atol, "atol", low=0, hint="It is the absolute tolerance, e.g. 1e-9."))


def _is_close(value, expected, rtol, atol):
    value, expected = np.asarray(value, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    return value.shape == expected.shape and bool(np.allclose(value, expected, rtol=rtol, atol=atol))


def _mismatch(value, expected, rtol, atol):
    """None when ``value`` is within tolerance of ``expected``; else what is off, in words."""
    if value.shape != expected.shape:
        return f"has shape {value.shape}; expected {expected.shape}"
    bad = ~np.isclose(value, expected, rtol=rtol, atol=atol)
    if not bad.any():
        return None
    if value.ndim == 0:
        return f"is {float(value):.6g}; expected {float(expected):.6g} (off by {float(value - expected):+.3g})"
    gaps = np.where(bad, np.abs(value - expected), 0.0)
    at = np.unravel_index(int(np.argmax(gaps)), gaps.shape)
    where = at[0] if len(at) == 1 else at
    return (f"{int(bad.sum())} of {bad.size} values are off; the largest gap is {gaps[at]:.3g} at index {where} "
            f"(yours {value[at]:.6g}, expected {expected[at]:.6g})")


def _ok(what):
    print(f"✓ {what}: True")
    return True


def _fail(what, problem, hint=""):
    raise AssertionError(f"{what} {problem}." + (f"\nHint: {hint}" if hint else ""))


def _one_graph(graph, name="graph"):
    """The one (n, n) graph as a float array (the caller's or a converted copy; read only)."""
    A, is_batch = check_graphs(graph, name=name)
    if is_batch:
        raise ValueError(f"{name} must be one (n, n) graph; got a batch of shape {A.shape}. Pass one graph.")
    return A[0]


def _one_persistence(G, name):
    P = as_persistence(G, name=name)
    if P.is_batch:
        raise ValueError(f"{name} must be one graph (n, n) or one Persistence; got a batch of {len(P)}.")
    return P


# --------------------------------------------------------------------------------------------------
# Births and deaths


def _births_hint(A, births, n):
    """Why the births are wrong: the usual slips are computed and recognised."""
    edges = np.sort(A[np.triu_indices(n, 1)])
    if births.size == edges.size:
        return "those are all the edges; the births are only the n - 1 edges of the maximum spanning tree."
    if births.size != n - 1:
        return f"a spanning tree of {n} nodes has n - 1 = {n - 1} edges, so there are {n - 1} births."
    if _is_close(np.sort(births), edges[-(n - 1):], RTOL, ATOL):
        return ("those are the n - 1 heaviest edges, but some of them close a cycle. Take edges heaviest first "
                "and skip any that joins two nodes already connected (Kruskal): that is the maximum spanning tree.")
    rows, cols = mst_edges(A.max() - A, check_input=False)  # the minimum spanning tree of A
    if _is_close(np.sort(births), np.sort(A[rows, cols]), RTOL, ATOL):
        return ("that is the minimum spanning tree. The filtration adds the heaviest edges first, so the "
                "births are the weights of the maximum spanning tree.")
    return "the births are the weights of the maximum spanning tree (fcviz.mst_edges gives its edges)."


def _deaths_hint(deaths, n):
    n_all = n * (n - 1) // 2
    if deaths.size in (n * n, n * (n - 1)):
        return "count each edge once: the upper triangle without the diagonal, A[np.triu_indices(n, 1)]."
    if deaths.size == n_all:
        return "those are all the edges; remove the n - 1 birth (tree) edges from them."
    return (f"the deaths are every edge that is not in the maximum spanning tree: the {n_all} edge weights "
            f"minus the {n - 1} births, so {n_all - (n - 1)} values.")


def births_deaths(graph, births, deaths, *, ordered=False, rtol=RTOL, atol=ATOL):
    """Check a student's birth and death sets of one graph against :func:`fcviz.birth_death`.

    Parameters
    ----------
    graph : array-like of shape (n, n)
        The weighted graph of the exercise.
    births : array-like of shape (n - 1,)
        The student's births: the maximum spanning tree's edge weights.
    deaths : array-like of shape ((n - 1)(n - 2) / 2,)
        The student's deaths: every other edge weight.
    ordered : bool, default=False
        False compares both as sets (any order). True also requires them sorted ascending, as
        :func:`fcviz.birth_death` returns them.
    rtol, atol : float
        Tolerances of :func:`numpy.allclose`.

    Returns
    -------
    bool
        True, after printing ``✓ births and deaths ...: True``.

    Raises
    ------
    AssertionError
        What is off (swapped sets, a wrong count, the values that differ) and a hint.
    ValueError
        If ``graph`` is not one valid weighted graph.

    Examples
    --------
    >>> A = np.array([[0, .9, .2], [.9, 0, .5], [.2, .5, 0]])
    >>> births_deaths(A, [0.9, 0.5], [0.2])
    ✓ births (2) and deaths (1) of the 3-node graph match fcviz.birth_death: True
    True
    """
    rtol, atol = _tolerances(rtol, atol)
    A = _one_graph(graph)
    n = A.shape[0]
    b, d = _numbers("births", births, ndim=1), _numbers("deaths", deaths, ndim=1)
    P = birth_death(A, check_input=False)  # _one_graph checked it
    expected_b, expected_d = np.asarray(P.births, np.float64), np.asarray(P.deaths, np.float64)
    if not _is_close(np.sort(b), expected_b, rtol, atol) and _is_close(np.sort(b), expected_d, rtol, atol) \
            and _is_close(np.sort(d), expected_b, rtol, atol):
        _fail("births and deaths", "are swapped",
              "the births are the n - 1 edges that merge components (the maximum spanning tree); the deaths "
              "are the edges that close cycles.")
    for name, got, expected, hint in (("births", b, expected_b, lambda: _births_hint(A, b, n)),
                                      ("deaths", d, expected_d, lambda: _deaths_hint(d, n))):
        if got.size != expected.size:
            _fail(name, f"has {got.size} values; a graph of {n} nodes has {expected.size} {name}", hint())
        problem = _mismatch(np.sort(got), expected, rtol, atol)
        if problem is not None:
            _fail(f"{name} (sorted)", problem, hint())
        if ordered and np.any(np.diff(got) < 0):
            _fail(name, "has the right values but not in ascending order",
                  "sort them with np.sort, as fcviz.birth_death returns them.")
    return _ok(f"births ({n - 1}) and deaths ({expected_d.size}) of the {n}-node graph match fcviz.birth_death")


# --------------------------------------------------------------------------------------------------
# Betti numbers


def _counts(name, value, shape):
    arr = _numbers(name, value)
    if arr.size == 1 and shape == ():
        arr = arr.reshape(())
    if arr.shape != shape:
        raise AssertionError(f"{name} has shape {arr.shape}; one count per threshold means shape {shape}.")
    return arr


def _betti_hint(which, got, P, e, n):
    """The usual slips on the Betti numbers, computed and recognised."""
    births, deaths = np.asarray(P.births), np.asarray(P.deaths)
    above_b = (births[:, None] > e.ravel()).sum(axis=0).reshape(e.shape)
    above_d = (deaths[:, None] > e.ravel()).sum(axis=0).reshape(e.shape)
    at_least = ((births[:, None] >= e.ravel()).sum(axis=0).reshape(e.shape),
                (deaths[:, None] >= e.ravel()).sum(axis=0).reshape(e.shape))
    if which == "beta0":
        if np.array_equal(got, n - at_least[0]):
            return "keep the edges strictly heavier than the threshold (weight > e), not those >= e."
        if np.array_equal(got, above_b):
            return "β0 counts components, not tree edges: n minus the number of births above the threshold."
        return ("β0 is the number of connected components of the graph that keeps the edges heavier than the "
                "threshold: n minus the births above it.")
    if np.array_equal(got, at_least[1]):
        return "keep the edges strictly heavier than the threshold (weight > e), not those >= e."
    if np.array_equal(got, above_b + above_d):
        return "that counts every edge kept; β1 counts only the edges that close a cycle: the deaths above it."
    return ("β1 is the number of independent cycles: the deaths above the threshold (edges kept minus n plus "
            "β0).")


def betti_numbers(graph, threshold, beta0, beta1):
    """Check a student's Betti numbers of a graph filtered at one or several thresholds.

    The filtered graph keeps the edges of weight greater than the threshold; ``beta0`` counts its
    connected components and ``beta1`` its independent cycles (:func:`fcviz.betti_curves`). Counts
    are compared exactly.

    Parameters
    ----------
    graph : array-like of shape (n, n) or Persistence
        The weighted graph of the exercise (or its persistence).
    threshold : float or array-like of shape (k,)
        The threshold(s) e.
    beta0, beta1 : int or array-like of shape (k,)
        The student's counts, one per threshold.

    Returns
    -------
    bool
        True, after printing ``✓ Betti numbers ...: True``.

    Raises
    ------
    AssertionError
        Which count is off at which threshold, and a hint.
    ValueError
        If the graph is invalid or a threshold is not a finite number.

    Examples
    --------
    >>> A = np.array([[0, .9, .2], [.9, 0, .5], [.2, .5, 0]])
    >>> betti_numbers(A, 0.3, 1, 0)
    ✓ Betti numbers (β0, β1) = (1, 0) at threshold 0.3 match fcviz.betti_curves: True
    True
    """
    P = _one_persistence(graph, "graph") if isinstance(graph, Persistence) else birth_death(_one_graph(graph), check_input=False)
    e = np.array(threshold, dtype=np.float64)
    if e.ndim > 1 or e.size == 0 or not np.all(np.isfinite(e)):
        raise ValueError(f"threshold must be a finite number or a 1-D array of them; got {_short(threshold)}.")
    got0, got1 = _counts("beta0", beta0, e.shape), _counts("beta1", beta1, e.shape)
    expected0, expected1 = (np.asarray(x).reshape(e.shape) for x in betti_curves(P, e.ravel()))
    n = P.n_nodes
    if not (np.array_equal(got0, expected0) and np.array_equal(got1, expected1)) \
            and np.array_equal(got0, expected1) and np.array_equal(got1, expected0):
        _fail("beta0 and beta1", "are swapped", "β0 counts connected components, β1 independent cycles.")
    for name, symbol, got, expected in (("beta0", "β0", got0, expected0), ("beta1", "β1", got1, expected1)):
        wrong = got != expected
        if wrong.any():
            i = np.argwhere(wrong)[0]
            at = float(e[tuple(i)]) if e.ndim else float(e)
            _fail(name, f"is off at {int(wrong.sum())} of {wrong.size} thresholds; at threshold {at:.6g} "
                  f"{symbol} is {int(expected[tuple(i)])}, not {got[tuple(i)]:g}",
                  _betti_hint(name, got, P, e, n))
    if e.ndim == 0:
        what = f"Betti numbers (β0, β1) = ({int(expected0)}, {int(expected1)}) at threshold {float(e):.6g}"
    else:
        what = f"Betti numbers β0 and β1 at {e.size} thresholds"
    return _ok(what + " match fcviz.betti_curves")


# --------------------------------------------------------------------------------------------------
# Distances and barycenters


def _distance_hint(kind, value, expected, PG, PH, G, H, rtol, atol):
    if expected > 0 and np.isclose(value, np.sqrt(expected), rtol=rtol, atol=atol):
        return "that is the 2-Wasserstein distance itself; the check asks for its square, the matching cost."
    if np.isclose(value ** 2, expected, rtol=rtol, atol=atol) and value > 0:
        return "that is already squared twice over: sum the squared gaps once, with no extra square."
    sets = {"births": [(PG.births, PH.births)], "deaths": [(PG.deaths, PH.deaths)],
            "top": [(PG.births, PH.births), (PG.deaths, PH.deaths)]}[kind]
    if all(x.size == y.size for x, y in sets):
        means = sum(float(np.mean((x - y) ** 2)) for x, y in sets if x.size)
        if np.isclose(value, means, rtol=rtol, atol=atol):
            return "sum the squared gaps rank by rank; do not average them."
        reversed_cost = sum(float(np.sum((x - y[::-1]) ** 2)) for x, y in sets)
        if np.isclose(value, reversed_cost, rtol=rtol, atol=atol):
            return "pair the i-th smallest with the i-th smallest: sort both sets the same way (ascending)."
    if kind == "top":
        parts = wasserstein_distance(PG, PH, p=2, dim=0) ** 2, wasserstein_distance(PG, PH, p=2, dim=1) ** 2
        if any(np.isclose(value, part, rtol=rtol, atol=atol) for part in parts):
            return "d_top adds both parts: the births' squared W2 plus the deaths' squared W2."
    if G is not None and H is not None and G.shape == H.shape:
        rows, cols = np.triu_indices(G.shape[0], 1)
        if np.isclose(value, float(np.sum((G[rows, cols] - H[rows, cols]) ** 2)), rtol=rtol, atol=atol):
            return ("that compares the matrices edge by edge (fcviz.edge_distances); the topological distance "
                    "compares the sorted birth and death sets, whatever the node order.")
    return ("sort both sets ascending, pair them rank by rank (the cheapest matching in one dimension) and sum "
            "the squared gaps.")


def distance(G, H, value, *, kind="top", rtol=RTOL, atol=ATOL):
    """Check a student's distance between two graphs.

    Parameters
    ----------
    G, H : array-like of shape (n, n) or Persistence
        The two graphs of the exercise, or their persistences.
    value : float
        The student's distance.
    kind : {"top", "births", "deaths"}, default="top"
        "top": :func:`fcviz.topological_distance` (squared W2 of both sets, summed). "births" or
        "deaths": the squared 2-Wasserstein distance of that set alone,
        ``fcviz.wasserstein_distance(G, H, p=2, dim=0 or 1) ** 2``.
    rtol, atol : float
        Tolerances of :func:`numpy.isclose`.

    Returns
    -------
    bool
        True, after printing ``✓ ...: True``.

    Examples
    --------
    >>> G = np.array([[0, .9, .2], [.9, 0, .5], [.2, .5, 0]])
    >>> H = np.array([[0, .8, .1], [.8, 0, .5], [.1, .5, 0]])
    >>> distance(G, H, 0.02)
    ✓ d_top = 0.02 matches fcviz.topological_distance: True
    True
    """
    rtol, atol = _tolerances(rtol, atol)
    check_option(kind, "kind", ("top", "births", "deaths"),
                 hint="top is d_top (both sets); births or deaths the squared W2 of that set alone.")
    graphs = [None if isinstance(X, Persistence) else _one_graph(X, name) for X, name in ((G, "G"), (H, "H"))]
    PG, PH = (_one_persistence(X if g is None else g, name) for X, g, name in ((G, graphs[0], "G"),
                                                                               (H, graphs[1], "H")))
    got = _numbers("value", value, ndim=0)
    if kind == "top":
        expected, what = topological_distance(PG, PH), "d_top"
        source = "fcviz.topological_distance"
    else:
        expected = wasserstein_distance(PG, PH, p=2, dim=0 if kind == "births" else 1) ** 2
        what, source = f"squared W2 of the {kind}", "fcviz.wasserstein_distance(..., p=2) ** 2"
    problem = _mismatch(got, np.asarray(expected, np.float64), rtol, atol)
    if problem is not None:
        _fail(what, problem, _distance_hint(kind, float(got), expected, PG, PH, *graphs, rtol, atol))
    return _ok(f"{what} = {expected:.6g} matches {source}")


def _barycenter_hint(name, got, graphs, P, rtol, atol):
    median = np.median(P.births if name == "births" else P.deaths, axis=0)
    if _is_close(np.sort(got), median, rtol, atol):
        return "that is the median rank by rank; the barycenter (Fréchet mean of d_top) is the mean."
    if graphs is not None:
        mean_graph = birth_death(graphs.mean(axis=0))
        if _is_close(np.sort(got), getattr(mean_graph, name), rtol, atol):
            return ("that is the persistence of the edge-wise mean connectome, a different average; the barycenter "
                    "averages the sorted vectors rank by rank.")
    return (f"average rank by rank: the i-th smallest {name[:-1]} of the barycenter is the mean of the graphs' i-th "
            f"smallest {name}, np.mean(P.{name}, axis=0).")


def barycenter(graphs, births, deaths, *, rtol=RTOL, atol=ATOL):
    """Check a student's barycenter births and deaths against :func:`fcviz.barycenter`.

    Parameters
    ----------
    graphs : array-like of shape (m, n, n), list of graphs or of Persistence, or batch Persistence
        The group of the exercise.
    births : array-like of shape (n - 1,)
        The student's barycenter births (a sorted vector; compared sorted).
    deaths : array-like of shape ((n - 1)(n - 2) / 2,)
        The student's barycenter deaths.
    rtol, atol : float
        Tolerances of :func:`numpy.allclose`.

    Returns
    -------
    bool
        True, after printing ``✓ ...: True``.

    Examples
    --------
    >>> G = np.array([[0, .9, .2], [.9, 0, .5], [.2, .5, 0]])
    >>> H = np.array([[0, .8, .1], [.8, 0, .5], [.1, .5, 0]])
    >>> barycenter([G, H], [0.5, 0.85], [0.15])
    ✓ barycenter of 2 graphs (2 births, 1 deaths) matches fcviz.barycenter: True
    True
    """
    rtol, atol = _tolerances(rtol, atol)
    P = as_persistence(graphs, name="graphs")
    if not P.is_batch:
        P = Persistence.stack([P])
    arrays = None
    if not isinstance(graphs, Persistence) and not (isinstance(graphs, (list, tuple))
                                                    and any(isinstance(g, Persistence) for g in graphs)):
        arrays, _ = check_graphs(graphs, name="graph")
    B = _barycenter(P)
    b, d = _numbers("births", births, ndim=1), _numbers("deaths", deaths, ndim=1)
    expected_b, expected_d = np.asarray(B.births, np.float64), np.asarray(B.deaths, np.float64)
    if not _is_close(np.sort(b), expected_b, rtol, atol) and _is_close(np.sort(b), expected_d, rtol, atol) \
            and _is_close(np.sort(d), expected_b, rtol, atol):
        _fail("births and deaths", "are swapped", "pass the barycenter's births first, then its deaths.")
    for name, got, expected in (("births", b, expected_b), ("deaths", d, expected_d)):
        problem = _mismatch(np.sort(got), expected, rtol, atol)
        if problem is not None:
            _fail(f"barycenter {name} (sorted)", problem, _barycenter_hint(name, got, arrays, P, rtol, atol))
    return _ok(f"barycenter of {len(P)} graphs ({expected_b.size} births, {expected_d.size} deaths) "
               "matches fcviz.barycenter")


# --------------------------------------------------------------------------------------------------
# Purity, and the generic checks


def purity(labels_true, labels_pred, value, *, rtol=RTOL, atol=ATOL):
    """Check a student's purity of a clustering against :func:`fcviz.purity_score`.

    Parameters
    ----------
    labels_true : array-like of shape (N,)
        The true classes.
    labels_pred : array-like of shape (N,)
        The clusters found.
    value : float
        The student's purity.
    rtol, atol : float
        Tolerances of :func:`numpy.isclose`.

    Returns
    -------
    bool
        True, after printing ``✓ ...: True``.

    Examples
    --------
    >>> purity([0, 0, 1, 1], [0, 0, 0, 1], 0.75)
    ✓ purity = 0.75 matches fcviz.purity_score: True
    True
    """
    rtol, atol = _tolerances(rtol, atol)
    _require("labels_pred", labels_pred)
    expected = purity_score(labels_true, labels_pred)
    got = _numbers("value", value, ndim=0)
    problem = _mismatch(got, np.asarray(expected), rtol, atol)
    if problem is None:
        return _ok(f"purity = {expected:.6g} matches fcviz.purity_score")
    true, pred = np.asarray(labels_true), np.asarray(labels_pred)
    v = float(got)
    if np.isclose(v, purity_score(pred, true), rtol=rtol, atol=atol):
        hint = "for every found cluster take its most frequent true class; you went the other way round."
    elif np.isclose(v, expected * true.size, rtol=rtol, atol=atol):
        hint = "divide by the number of samples: purity is a fraction in (0, 1]."
    elif np.isclose(v, 100 * expected, rtol=rtol, atol=atol):
        hint = "purity is a fraction in (0, 1], not a percentage."
    elif true.dtype.kind == pred.dtype.kind and np.isclose(v, float(np.mean(true == pred)), rtol=rtol, atol=atol):
        hint = ("cluster numbers are arbitrary names: count, in each cluster, its most frequent true class, not "
                "where the labels are equal.")
    else:
        hint = "purity = (1 / N) × sum over clusters of the size of its largest true class."
    _fail("purity", problem, hint)


def close(name, value, expected, *, rtol=RTOL, atol=ATOL, hint=""):
    """Check that a student's number or array is within tolerance of the expected one.

    The other checks are built the same way; this one serves exercises that compute something
    else (a p-value, a distance ratio). ``expected`` is computed by the lesson, never typed.

    Parameters
    ----------
    name : str
        What is checked, for the messages.
    value : float or array-like
        The student's answer.
    expected : float or array-like
        What the lesson computed; same shape as ``value``.
    rtol, atol : float
        Tolerances of :func:`numpy.allclose`.
    hint : str, optional
        The idea to recall when the answer is off.

    Returns
    -------
    bool
        True, after printing ``✓ <name> = <value>: True``.

    Examples
    --------
    >>> close("the ratio", 2 / 3, 0.6666667, rtol=1e-6)
    ✓ the ratio = 0.666667: True
    True
    """
    rtol, atol = _tolerances(rtol, atol)
    got = _numbers(name, value)
    try:
        target = np.array(expected, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"expected must be numbers; got {type(expected).__name__} {_short(expected)}.") from None
    if got.size == 1 and target.size == 1:
        got, target = got.reshape(()), target.reshape(())
    problem = _mismatch(got, target, rtol, atol)
    if problem is not None:
        _fail(name, problem, hint)
    return _ok(f"{name} = {float(got):.6g}" if got.ndim == 0 else f"{name} ({got.size} values)")


def is_true(name, condition, *, hint=""):
    """Check a claim that the student's code evaluates to True or False.

    Parameters
    ----------
    name : str
        The claim, in words (e.g. "the sorted matching is the cheapest").
    condition : bool
        The student's evaluation of it: a bool, a numpy bool or a one-element boolean array.
    hint : str, optional
        The idea to recall when it is False.

    Returns
    -------
    bool
        True, after printing ``✓ <name>: True``.

    Examples
    --------
    >>> is_true("1 < 2", 1 < 2)
    ✓ 1 < 2: True
    True
    """
    _require(name, condition)
    if isinstance(condition, np.ndarray):
        if condition.dtype != bool or condition.size != 1:
            raise AssertionError(
                f"{name} must be True or False; got an array of dtype {condition.dtype} and shape "
                f"{condition.shape}. Reduce it with .all() or .any()."
            )
        condition = condition.reshape(()).item()
    if not isinstance(condition, (bool, np.bool_)):
        raise AssertionError(
            f"{name} must be True or False (a comparison such as a < b); got {type(condition).__name__} "
            f"{_short(condition)}."
        )
    if not condition:
        _fail(name, "is False", hint)
    return _ok(name)
