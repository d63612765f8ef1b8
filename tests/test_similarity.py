"""CKA and neural persistence against slow obvious implementations; the network methods in the studies."""

import numpy as np
import pytest
from clustering_checks import matching_labels

from fcviz import purity_score, similarity
from fcviz.similarity import cka_matrix, linear_cka, network_neural_persistence, neural_persistence


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def slow_hsic(K, L):
    """HSIC of two Gram matrices with the centring matrix H = I - 11ᵀ/m written out in loops."""
    m = len(K)
    H = [[(1.0 if i == j else 0.0) - 1.0 / m for j in range(m)] for i in range(m)]
    KH = [[sum(K[i][a] * H[a][j] for a in range(m)) for j in range(m)] for i in range(m)]
    LH = [[sum(L[i][a] * H[a][j] for a in range(m)) for j in range(m)] for i in range(m)]
    return sum(KH[i][j] * LH[j][i] for i in range(m) for j in range(m)) / (m - 1) ** 2


def slow_cka(X, Y):
    K, L = (X @ X.T).tolist(), (Y @ Y.T).tolist()
    return slow_hsic(K, L) / np.sqrt(slow_hsic(K, K) * slow_hsic(L, L))


def cov_cka(X, Y):
    """The same through covariance matrices: ||Σxy||² / (||Σxx|| ||Σyy||)."""
    p = X.shape[1]
    S = np.cov(np.hstack([X, Y]).T)
    return np.sum(S[:p, p:] ** 2) / (np.linalg.norm(S[:p, :p]) * np.linalg.norm(S[p:, p:]))


def slow_neural_persistence(W, p=2.0):
    """Kruskal on every bipartite edge, sorted by decreasing |w| / max|w|, with a plain union-find."""
    A = np.abs(np.asarray(W, float))
    A = A / A.max()
    n_out, n_in = A.shape
    parent = list(range(n_in + n_out))  # inputs 0 .. n_in-1, outputs n_in ..

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    edges = sorted(((A[j, i], i, n_in + j) for i in range(n_in) for j in range(n_out)), reverse=True)
    persistences = []
    for w, a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:  # the edge merges two components: one of them dies at w, born at 1
            parent[ra] = rb
            persistences.append(1.0 - w)
    assert len(persistences) == n_in + n_out - 1
    return sum(x ** p for x in persistences) ** (1 / p) / (n_in + n_out - 1) ** (1 / p)


@pytest.mark.parametrize("m, p, q", [(12, 3, 5), (6, 9, 4)])  # feature space smaller, then Gram space smaller
def test_linear_cka_matches_hsic_loops_and_covariances(rng, m, p, q):
    X = rng.normal(size=(m, p))
    Y = X[:, :1] @ rng.normal(size=(1, q)) + rng.normal(size=(m, q))
    expected = slow_cka(X, Y)
    assert linear_cka(X, Y) == pytest.approx(expected, rel=1e-10)
    assert cov_cka(X, Y) == pytest.approx(expected, rel=1e-10)
    assert linear_cka(Y, X) == pytest.approx(expected, rel=1e-10)


def test_linear_cka_invariances(rng):
    X = rng.normal(size=(30, 6))
    Y = np.tanh(X @ rng.normal(size=(6, 4))) + 0.3 * rng.normal(size=(30, 4))
    Q = np.linalg.qr(rng.normal(size=(6, 6)))[0]
    base = linear_cka(X, Y)
    assert linear_cka(X @ Q, Y) == pytest.approx(base, rel=1e-10)  # orthogonal transforms
    assert linear_cka(7.5 * X, 0.01 * Y) == pytest.approx(base, rel=1e-10)  # isotropic scaling
    assert linear_cka(X + 4.0, Y) == pytest.approx(base, rel=1e-10)  # offsets
    assert linear_cka(X, X) == pytest.approx(1.0)
    assert linear_cka(X, np.ones((30, 2))) == 0.0  # constant: nothing shared


def test_cka_matrix_is_pairwise_linear_cka_in_any_chunking(rng, monkeypatch):
    acts = [rng.normal(size=(25, w)) for w in (3, 8, 40)]
    acts.append(acts[0] @ rng.normal(size=(3, 5)))
    acts.append(np.zeros((25, 2)))
    expected = np.array([[linear_cka(a, b) if i != j or i < 4 else 0.0 for j, b in enumerate(acts)]
                         for i, a in enumerate(acts)])
    np.testing.assert_allclose(cka_matrix(acts), expected, atol=1e-12)  # 4 blocks of 7, 7, 7 and 4 rows
    for chunk in (1, 8 * 25 * 5 * 3):  # one stimulus row per block; blocks of 3 rows, the last one of 1
        monkeypatch.setattr(similarity, "_GRAM_CHUNK_BYTES", chunk)
        np.testing.assert_allclose(cka_matrix(acts), expected, atol=1e-12)


@pytest.mark.parametrize("bad, match", [
    ([np.ones(5)], "2-D activation matrix"),
    ([np.ones((5, 2)), np.ones((4, 2))], "same stimuli"),
    ([np.full((5, 2), np.nan)], "NaN"),
    ([], "at least one"),
])
def test_cka_rejects_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        cka_matrix(bad)


@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (5, 1), (4, 3), (7, 11), (32, 64)])
def test_neural_persistence_matches_kruskal(rng, shape):
    W = rng.normal(size=shape)
    assert neural_persistence(W) == pytest.approx(slow_neural_persistence(W), abs=1e-12)
    assert neural_persistence(W, p=1) == pytest.approx(slow_neural_persistence(W, p=1), abs=1e-12)
    assert neural_persistence(W.T) == pytest.approx(neural_persistence(W), abs=1e-12)


def test_neural_persistence_with_ties_and_bounds(rng):
    W = rng.integers(-2, 3, size=(6, 5)).astype(float)  # many ties
    assert neural_persistence(W) == pytest.approx(slow_neural_persistence(W), abs=1e-12)
    assert neural_persistence(np.zeros((3, 3))) == 0.0
    spike = np.zeros((4, 4))
    spike[0, 0] = 1.0  # one edge at 1, every other tree edge at 0: the largest possible value
    assert neural_persistence(spike) == pytest.approx(np.sqrt(6 / 7))
    for _ in range(5):
        assert 0.0 <= neural_persistence(rng.normal(size=(5, 8))) <= 1.0


def test_neural_persistence_invariances(rng):
    W = rng.normal(size=(9, 6))
    base = neural_persistence(W)
    assert neural_persistence(W[rng.permutation(9)][:, rng.permutation(6)]) == pytest.approx(base, abs=1e-12)
    assert neural_persistence(-3.0 * W) == pytest.approx(base, abs=1e-12)  # magnitudes, up to scale


def test_network_neural_persistence_reads_linear_layers():
    torch = pytest.importorskip("torch")
    from fcviz import make_model

    torch.manual_seed(0)
    model = make_model("digits", "batch_norm")
    values = network_neural_persistence(model)
    weights = [m.weight for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert values.shape == (len(weights),) == (3,)
    np.testing.assert_allclose(values, [slow_neural_persistence(w.detach().numpy()) for w in weights], atol=1e-9)
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    np.testing.assert_array_equal(network_neural_persistence(state), values)
    with pytest.raises(ValueError, match="No fully connected layer"):
        network_neural_persistence({"bias": np.zeros(3)})


def test_network_methods_in_the_studies(tmp_path):
    from fcviz.studies import run_methods, stimulus_classes, training_strategies

    kwargs = dict(n_networks=2, epochs=1, n_stimuli=60, cache_dir=str(tmp_path), progress=False)
    result = training_strategies("digits", methods=["Top", "CKA", "NP"], n_repeats=2, **kwargs)
    assert [r["method"] for r in result.table] == ["Top", "CKA", "NP"]
    for method in ("CKA", "NP"):
        row = result.row(method)
        assert row["status"] == "ok" and row["n_graphs"] == 8 and result.predictions[method].shape == (2, 8)
        purities = [purity_score(result.labels_true, labels) for labels in result.predictions[method]]
        assert row["purity_mean"] == pytest.approx(np.mean(purities))  # the row scores its own labels
    assert result.row("CKA")["purity_std"] == 0  # agglomerative clustering is deterministic
    # CKA's labels are average linkage on 1 - CKA of the recorded activations (scipy's linkage here)
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    from fcviz.studies import _network_inputs

    acts = _network_inputs(result.zoo, ["CKA"])[0]["activations"]
    D = 1 - np.array([[linear_cka(a, b) for b in acts] for a in acts])
    np.fill_diagonal(D, 0.0)
    expected = fcluster(linkage(squareform((D + D.T) / 2, checks=False), "average"), 4, "maxclust")
    matching_labels(result.predictions["CKA"][0], expected, "CKA against scipy's average linkage")
    assert "CKA" in result.to_text() and "NP" in result._repr_html_()

    result2 = stimulus_classes("digits", "vanilla", classes=[0, 1], methods=["Top", "CKA", "NP"], n_repeats=2,
                               pairing="shared", **kwargs)
    for method in ("CKA", "NP"):
        assert result2.row(method)["status"].startswith("n/a: groups are stimulus classes")
        assert method not in result2.predictions
    line = next(l for l in result2.to_text().splitlines() if l.startswith("CKA"))
    assert "n/a" in line and "nan" not in line

    graphs, y = result.zoo.graphs, result.labels_true
    weights = [result.zoo.network_states[r["regularizer"], r["network"]] for r in result.zoo.labels]
    table, predictions = run_methods(graphs, y, methods=["NP"], n_repeats=2, network_weights=weights)
    np.testing.assert_array_equal(predictions["NP"], result.predictions["NP"])
    with pytest.raises(ValueError, match="network_weights must have one entry per graph"):
        run_methods(graphs, y, methods=["NP"], network_weights=weights[:3])


def _planted_networks(rng, n_per_group=4, m=40):
    """Three groups of networks built to differ in what CKA and NP read.

    Activations: the networks of group g encode g's own three latent features over the same m stimuli
    (tanh of a random per-network mixing, 6 to 11 units, plus noise), so CKA is high within a group and
    near 0 across. Weights: magnitudes all near 1 (NP near 0), uniform in [0, 1] (NP in between), or one
    spike above small weights (NP near its maximum).
    """
    latents = [rng.normal(size=(m, 3)) for _ in range(3)]
    activations, weights = [], []
    for g in range(3):
        for _ in range(n_per_group):
            width = int(rng.integers(6, 12))
            activations.append(np.tanh(latents[g] @ rng.normal(size=(3, width))) + 0.1 * rng.normal(size=(m, width)))
            low, high = [(0.9, 1.0), (0.0, 1.0), (0.0, 0.1)][g]
            W = rng.choice([-1.0, 1.0], size=(8, 10)) * rng.uniform(low, high, size=(8, 10))
            if g == 2:
                W[0, 0] = 1.0
            weights.append({"hidden1.linear.weight": W, "hidden1.linear.bias": np.zeros(8),
                            "output.weight": W[:2].T.copy()})
    return activations, weights, np.repeat([0, 1, 2], n_per_group)


def test_network_methods_recover_planted_groups():
    """CKA and NP must find groups built to be separable. Purity 1 with 3 clusters is the true partition:
    a method that ignores its input (constant features: one cluster) scores 1/3, random labels hit the
    true partition with probability 3! / 3^12 (about 1e-5) per run."""
    from fcviz.studies import run_methods
    from fcviz.synthetic import random_modular_graphs

    activations, weights, y = _planted_networks(np.random.default_rng(0))
    graphs = random_modular_graphs(len(y), 6, 2, random_state=0)  # not read by the network methods
    table, predictions = run_methods(graphs, y, methods=["CKA", "NP"], n_repeats=3, random_state=1, n_bootstrap=20,
                                     activations=activations, network_weights=weights)
    for row in table:
        assert row["status"] == "ok" and row["purity_mean"] == 1.0 and row["ari_mean"] == pytest.approx(1.0), row
        assert (row["purity_ci_low"], row["purity_ci_high"]) == (1.0, 1.0)  # every resample too
        for labels in predictions[row["method"]]:
            matching_labels(labels, y, row["method"])
