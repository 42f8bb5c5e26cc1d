"""Blockwise similarity search against brute force (numpy only, no model)."""

import pytest

np = pytest.importorskip("numpy", reason="the semantic extra (numpy) is not installed")

from rerank_lint.semantic import search  # noqa: E402


def unit_vectors(n, dim=16, seed=0, duplicates=0):
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(n, dim)).astype(np.float32)
    for k in range(duplicates):  # near-copies of earlier rows, so that there are pairs to find
        v[n - 1 - k] = v[k] + rng.normal(scale=0.05, size=dim)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def brute_pairs(v, threshold):
    s = v @ v.T
    i, j = np.nonzero(np.triu(s >= threshold, k=1))
    return set(zip(i.tolist(), j.tolist()))


@pytest.mark.parametrize("block_bytes", [64, 4096, 1 << 26])
def test_blockwise_pairs_equal_brute_force(monkeypatch, block_bytes):
    monkeypatch.setattr(search, "BLOCK_BYTES", block_bytes)
    v = unit_vectors(300, duplicates=40)
    i, j, s = search.similar_pairs(v, 0.8)
    assert set(zip(i.tolist(), j.tolist())) == brute_pairs(v, 0.8)
    assert all(a < b for a, b in zip(i.tolist(), j.tolist()))
    assert np.allclose(s, np.einsum("ij,ij->i", v[i], v[j]), atol=1e-5)


def test_top_k_bounds_the_pairs_of_a_crowded_row():
    v = np.tile(unit_vectors(1), (50, 1))  # 50 identical vectors: 1225 pairs
    i, j, _ = search.similar_pairs(v, 0.9, top_k=5)
    assert np.bincount(i).max() <= 5
    # Still one connected cluster: every row links to later rows.
    assert len(set(search.clusters(50, i, j).tolist())) == 1


def test_clusters():
    first, second = np.array([0, 1, 5]), np.array([1, 2, 6])
    labels = search.clusters(8, first, second)
    assert labels[0] == labels[1] == labels[2] and labels[5] == labels[6] and len(set(labels.tolist())) == 5


def test_best_matches():
    a, b = unit_vectors(20, seed=1), unit_vectors(30, seed=2)
    best, score = search.best_matches(a, b)
    full = a @ b.T
    assert best.tolist() == full.argmax(axis=1).tolist()
    assert np.allclose(score, full.max(axis=1))
