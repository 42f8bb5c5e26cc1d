"""The numerical core on synthetic embeddings where the answer is known, and its blockwise
computations against brute force."""

import json

import numpy as np
import pytest

from rerank_lint.coverage import analysis, compare_queries, metrics
from coverage_synthetic import make_topics, sample, texts


@pytest.fixture
def small_blocks(monkeypatch):
    # Blocks smaller than the sets: the blockwise paths (several row and column blocks, the
    # self-similarity mask crossing block edges) are what run on 100k x 100k.
    monkeypatch.setattr(metrics, "BLOCK_ROWS", 7)
    monkeypatch.setattr(metrics, "BLOCK_COLS", 11)


def unit(rng, n, d=16):
    x = rng.normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_kth_neighbour_similarity_matches_brute_force(small_blocks):
    x = unit(np.random.default_rng(0), 60)
    sims = x @ x.T
    np.fill_diagonal(sims, -np.inf)
    for k in (1, 3, 5):
        expected = np.sort(sims, axis=1)[:, -k]
        assert np.allclose(metrics.kth_neighbour_similarity(x, k), expected, atol=1e-6)
    assert np.allclose(metrics.kth_neighbour_similarity(x[:3], 5), np.sort(sims[:3, :3], axis=1)[:, 1])
    assert metrics.kth_neighbour_similarity(x[:1], 5).tolist() == [1.0]


def test_cross_neighbours_match_brute_force(small_blocks):
    rng = np.random.default_rng(1)
    real, train = unit(rng, 40), unit(rng, 33)
    rr, tr = metrics.kth_neighbour_similarity(real, 3), metrics.kth_neighbour_similarity(train, 3)
    got = metrics.cross_neighbours(real, train, rr, tr)
    sims = real @ train.T
    assert (got.covered == (sims >= tr[None, :]).any(axis=1)).all()
    assert (got.faithful == (sims >= rr[:, None]).any(axis=0)).all()
    assert (got.nearest_train == sims.argmax(axis=1)).all()
    assert np.allclose(got.nearest_real_sim, sims.max(axis=0))
    index, best = metrics.nearest(train, real)
    assert (index == sims.argmax(axis=0)).all() and np.allclose(best, sims.max(axis=0))


def test_auc_delong_is_the_mann_whitney_auc():
    rng = np.random.default_rng(2)
    pos, neg = rng.normal(1, 1, 50), np.concatenate([rng.normal(0, 1, 40), [1.0, 1.0]])
    pos[:3] = 1.0  # ties count half
    brute = np.mean([(p > n) + 0.5 * (p == n) for p in pos for n in neg])
    auc, var = metrics.auc_delong(pos, neg)
    assert auc == pytest.approx(brute)
    assert 0 < var < 0.01


def test_same_distribution_split_in_two():
    topics = make_topics(6)
    real, rl = sample(topics, range(6), 1000, seed=1)
    train, tl = sample(topics, range(6), 1000, seed=2)
    result = compare_queries(texts("r", rl), real, texts("t", tl), train)
    assert result.coverage > 0.9 and result.fidelity > 0.9
    t = result.two_sample
    assert abs(t.auc - 0.5) < 0.05 and t.ci_low < 0.5 + 0.01 and t.p_value > 0.01
    assert t.verdict == "indistinguishable"
    assert result.topics == []  # the few misses are scattered, in regions the training set covers
    assert result.scattered == result.uncovered


def test_training_set_missing_a_topic_of_the_log():
    topics = make_topics(6)
    real, rl = sample(topics, range(6), 1000, seed=1)
    train, tl = sample(topics, range(5), 1000, seed=2)  # no topic 5
    result = compare_queries(texts("r", rl), real, texts("t", tl), train)
    missing = int((rl == 5).sum())
    first = result.topics[0]
    assert all("topic5" in e for e in first.examples) and len(first.examples) == 3
    assert first.size >= 0.9 * missing and first.uncovered_share > 0.8
    assert first.keywords == ["topic5"]
    assert result.coverage == pytest.approx(1 - result.uncovered / 1000, abs=1e-4)
    assert result.coverage < 1 - 0.9 * missing / 1000
    assert result.two_sample.p_value < 1e-3 and result.two_sample.auc > 0.55
    assert not any("topic5" in e for t in result.topics[1:] for e in t.examples)


def test_traffic_orders_topics_and_weights_coverage():
    topics = make_topics(6)
    real, rl = sample(topics, range(6), 600, seed=3)
    train, tl = sample(topics, range(4), 600, seed=4)  # topics 4 and 5 missing
    counts = np.where(rl == 4, 10, 1)  # topic 4 is the popular one
    result = compare_queries(texts("r", rl), real, texts("t", tl), train, real_counts=counts)
    assert "topic4" in result.topics[0].examples[0] and "topic5" in result.topics[1].examples[0]
    assert result.topics[0].traffic > result.topics[1].traffic
    assert result.coverage_traffic < result.coverage  # the uncovered topic carries the traffic
    assert result.real.total == int(counts.sum())


def test_far_training_queries_and_threshold_mode():
    topics = make_topics(6)
    real, rl = sample(topics, range(3), 300, seed=5)
    train, tl = sample(topics, [0, 1, 2, 3], 300, seed=6)  # topic 3 is nobody's question
    result = compare_queries(texts("r", rl), real, texts("t", tl), train, similarity_threshold=0.8)
    assert result.radius == {"method": "threshold", "similarity": 0.8}
    assert result.far_training and all("topic3" in f.text for f in result.far_training)
    far = [i for i, ok in enumerate(result.training_faithful) if not ok]
    assert {int(tl[i]) for i in far} == {3}
    assert result.fidelity == pytest.approx(1 - len(far) / 300, abs=1e-4)
    sims = [f.similarity for f in result.far_training]
    assert sims == sorted(sims)  # farthest first


def test_json_and_text_output():
    topics = make_topics(4)
    real, rl = sample(topics, range(4), 200, seed=7)
    train, tl = sample(topics, range(3), 200, seed=8)
    result = compare_queries(texts("r", rl), real, texts("t", tl), train, real_source="log.txt",
                             train_source="train.jsonl", model="m")
    data = json.loads(result.to_json())
    assert data["schema"] == 1 and data["coverage"] == result.coverage
    assert {"fidelity", "two_sample", "topics", "style", "projection", "far_training"} <= set(data)
    assert "training_faithful" not in data and len(json.loads(result.to_json(per_query=True))["training_faithful"]) == 200
    assert len(data["projection"]["real"]) == 200 and len(data["projection"]["training"][0]) == 2
    text = result.render_text()
    assert "coverage" in text and "Uncovered topics" in text and "topic3" in text and "AUC" in text


def test_projection_separates_two_distant_sets():
    topics = make_topics(2)
    a, _ = sample(topics, [0], 300, seed=9)
    b, _ = sample(topics, [1], 300, seed=10)
    proj = metrics.pca_2d(a, b, max_per_set=100)
    assert proj.real.shape == (100, 2) and proj.train.shape == (100, 2)
    assert proj.explained[0] > 0.5  # the axis between the two sets carries most of the variance
    assert np.sign(proj.real[:, 0]).std() == 0 and np.sign(proj.real[0, 0]) != np.sign(proj.train[0, 0])


def test_bad_input_is_a_value_error():
    x = unit(np.random.default_rng(3), 5)
    with pytest.raises(ValueError, match="embeddings for"):
        compare_queries(["a"], x, ["b"] * 5, x)
    with pytest.raises(ValueError, match="dimension"):
        compare_queries(["a"] * 5, x, ["b"] * 5, x[:, :8])
    tiny = compare_queries(["a", "b"], x[:2] * 3, ["c", "d", "e"], x[2:])  # not unit length: renormalised
    assert tiny.two_sample is None and any("unit length" in n for n in tiny.notes)


def test_a_topic_the_training_set_holds_in_another_style_is_no_uncovered_topic(monkeypatch):
    """Topic 5's training queries are one template said over and over (tiny spread at the topic's
    centre): their k-NN balls are too tight to hold the log's varied queries about it, which are
    all uncovered and form a pure cluster, but hundreds of training queries lie in that region.
    The style profile reports that gap; the list of missing topics must not."""
    topics = make_topics(6)
    real, rl = sample(topics, range(6), 1200, seed=5)
    varied, vl = sample(topics, range(5), 1000, seed=6)
    templated, tl5 = sample(topics, [5], 200, seed=7, spread=0.005)
    train, tl = np.vstack([varied, templated]), np.concatenate([vl, tl5])
    result = compare_queries(texts("r", rl), real, texts("t", tl), train)
    topic5 = rl == 5
    assert result.uncovered >= 0.9 * topic5.sum()  # the templated queries cover almost none of them
    assert not any("topic5" in e for t in result.topics for e in t.examples)

    # The same comparison judged by purity alone lists topic 5 first: the density is what tells.
    monkeypatch.setattr(analysis, "MAX_TOPIC_TRAINING_DENSITY", float("inf"))
    by_purity = compare_queries(texts("r", rl), real, texts("t", tl), train)
    assert all("topic5" in e for e in by_purity.topics[0].examples)
    assert by_purity.topics[0].training_density > 0.5


def test_a_missing_topic_has_no_training_query_in_its_region():
    topics = make_topics(6)
    real, rl = sample(topics, range(6), 1000, seed=1)
    train, tl = sample(topics, range(5), 1000, seed=2)
    first = compare_queries(texts("r", rl), real, texts("t", tl), train).topics[0]
    assert first.training_density == 0
