"""birth_death against a slow, obviously correct Kruskal; properties; batches; inputs untouched."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from conftest import symmetric
from fcviz import Persistence, birth_death, mst_edges
from fcviz.homology import check_persistence


def kruskal_birth_death(A):
    """Reference: Kruskal on edges by decreasing weight with union-find; births = tree edges."""
    n = A.shape[0]
    edges = sorted(((A[i, j], i, j) for i in range(n) for j in range(i + 1, n)), reverse=True)
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    births, deaths = [], []
    for w, i, j in edges:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[ri] = rj
            births.append(w)
        else:
            deaths.append(w)
    return np.sort(births), np.sort(deaths)


def random_graph(rng, n, kind):
    if kind == "uniform":
        W = rng.random((n, n))
    elif kind == "ties":  # few distinct values: many tied weights
        W = rng.integers(0, 3, size=(n, n)) / 2
    elif kind == "zeros":  # mostly zero, as with dead neurons
        W = rng.random((n, n)) * (rng.random((n, n)) < 0.2)
    else:  # constant graph: every spanning tree is maximal
        W = np.full((n, n), 0.5)
    return symmetric(W)


@pytest.mark.parametrize("kind", ["uniform", "ties", "zeros", "constant"])
@pytest.mark.parametrize("n", [2, 3, 4, 5, 8, 17, 40, 150])
def test_matches_kruskal(rng, n, kind):
    for _ in range(3):
        A = random_graph(rng, n, kind)
        births, deaths = kruskal_birth_death(A)
        P = birth_death(A)
        assert P.births.shape == (n - 1,) and P.deaths.shape == ((n - 1) * (n - 2) // 2,)
        np.testing.assert_array_equal(P.births, births)
        np.testing.assert_array_equal(P.deaths, deaths)


def test_large_graph_threaded_path_matches_kruskal(rng):
    A = random_graph(rng, 260, "ties")  # > threading threshold, with ties
    births, deaths = kruskal_birth_death(A)
    for n_jobs in (None, 1):
        P = birth_death(A, n_jobs=n_jobs)
        np.testing.assert_array_equal(P.births, births)
        np.testing.assert_array_equal(P.deaths, deaths)


def test_lossless_reordering_of_all_edges(rng):
    A = random_graph(rng, 60, "uniform")
    P = birth_death(A)
    np.testing.assert_array_equal(np.sort(P.vector), np.sort(A[np.triu_indices(60, 1)]))


def test_batch_list_and_loop_agree(rng):
    graphs = np.stack([random_graph(rng, 30, k) for k in ("uniform", "ties", "zeros", "constant")] * 2)
    P = birth_death(graphs)
    Q = birth_death(list(graphs))
    assert P.is_batch and len(P) == 8 and P.births.shape == (8, 29)
    for i, g in enumerate(graphs):
        single = birth_death(g)
        np.testing.assert_array_equal(P.births[i], single.births)
        np.testing.assert_array_equal(P.deaths[i], single.deaths)
        np.testing.assert_array_equal(Q[i].deaths, single.deaths)


def test_large_batch_threaded_equals_serial(rng):
    graphs = symmetric(rng.random((12, 70, 70)))
    P, Q = birth_death(graphs), birth_death(graphs, n_jobs=1)
    np.testing.assert_array_equal(P.births, Q.births)
    np.testing.assert_array_equal(P.deaths, Q.deaths)


def test_torch_input_and_float32(rng):
    torch = pytest.importorskip("torch")
    A = random_graph(rng, 12, "uniform")
    P = birth_death(torch.from_numpy(A))
    np.testing.assert_array_equal(P.births, birth_death(A).births)
    P32 = birth_death(A.astype(np.float32))
    assert P32.births.dtype == np.float32
    np.testing.assert_array_equal(P32.births, kruskal_birth_death(A.astype(np.float32))[0])


def test_input_with_zero_weights_is_not_modified(rng):
    # The paper's code overwrites zero weights in its caller's array; fcviz must not.
    A = random_graph(rng, 20, "zeros")
    assert (A == 0).sum() > 20
    before = A.copy()
    birth_death(A)
    birth_death(A[None].repeat(3, axis=0))
    mst_edges(A)
    np.testing.assert_array_equal(A, before)


def test_nearly_symmetric_input_reads_upper_triangle(rng):
    A = random_graph(rng, 25, "uniform")
    B = A.copy()
    B[np.tril_indices(25, -1)] += 1e-12  # symmetric only within tolerance
    before = B.copy()
    P = birth_death(B)
    np.testing.assert_array_equal(B, before)
    np.testing.assert_array_equal(P.births, birth_death(A).births)


def test_results_are_read_only(rng):
    P = birth_death(random_graph(rng, 10, "uniform"))
    with pytest.raises(ValueError):
        P.births[0] = 1.0


def test_mst_edges_form_a_spanning_tree_of_birth_weights(rng):
    for kind in ("uniform", "ties", "zeros"):
        A = random_graph(rng, 35, kind)
        rows, cols = mst_edges(A)
        assert np.all(rows < cols)
        np.testing.assert_array_equal(np.sort(A[rows, cols]), birth_death(A).births)
        # n - 1 edges connecting all nodes form a tree
        label = np.arange(35)
        for r, c in zip(rows, cols):
            label[label == label[r]] = label[c]
        assert len(set(label)) == 1


def test_persistence_container(rng):
    P = birth_death(symmetric(rng.random((4, 9, 9))))
    assert P.n_nodes == 9 and repr(P) == "Persistence(4 graphs of 9 nodes)"
    assert P.vector.shape == (4, 36)
    assert len(list(P)) == 4 and not P[0].is_batch
    S = Persistence.stack([P[0], P[1:3]])
    assert len(S) == 3
    with pytest.raises(TypeError):
        len(P[0])
    with pytest.raises(ValueError, match="different graph sizes"):
        Persistence.stack([P[0], birth_death(random_graph(rng, 5, "uniform"))])
    with pytest.raises(ValueError, match="Inconsistent"):
        check_persistence(Persistence(np.zeros(3), np.zeros(5)))


@st.composite
def graphs(draw, min_n=2, max_n=12):
    n = draw(st.integers(min_n, max_n))
    values = st.sampled_from([0.0, 0.25, 0.5, 1.0]) | st.floats(0, 1, allow_nan=False)
    W = draw(arrays(np.float64, (n, n), elements=values))
    return symmetric(W)


@settings(max_examples=60, deadline=None)
@given(graphs())
def test_property_matches_kruskal_and_relabelling_invariance(A):
    births, deaths = kruskal_birth_death(A)
    P = birth_death(A)
    np.testing.assert_array_equal(P.births, births)
    np.testing.assert_array_equal(P.deaths, deaths)
    perm = np.random.default_rng(A.shape[0]).permutation(A.shape[0])
    Q = birth_death(A[np.ix_(perm, perm)])
    np.testing.assert_array_equal(Q.births, P.births)
    np.testing.assert_array_equal(Q.deaths, P.deaths)
