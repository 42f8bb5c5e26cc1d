"""The editor's coverage (LiveCoverage) after each edit equals a full comparison of the new set."""

import numpy as np
import pytest

from rerank_lint.coverage import compare_queries, incremental, metrics
from rerank_lint.coverage.incremental import LiveCoverage
from coverage_synthetic import make_topics, sample, texts

EDITOR_FIGURES = ("coverage", "coverage_traffic", "fidelity", "uncovered", "scattered", "training_faithful")


def assert_same_as_full(live_result, real_texts, real, train_texts, train, counts, threshold=None):
    # The set-level figures (not the editor's) on tiny samples: they are not compared.
    full = compare_queries(real_texts, real, train_texts, train, real_counts=counts, similarity_threshold=threshold,
                           two_sample_max=20, projection_max=10)
    for name in EDITOR_FIGURES:
        assert getattr(live_result, name) == getattr(full, name), name
    assert [(t.size, t.traffic, t.examples, t.nearest_training) for t in live_result.topics] == \
        [(t.size, t.traffic, t.examples, t.nearest_training) for t in full.topics]
    assert [(f.index, f.text, f.nearest_real, f.similarity) for f in live_result.far_training] == \
        [(f.index, f.text, f.nearest_real, f.similarity) for f in full.far_training]
    return full


class Edits:
    """A training set as (texts, vectors) that edits change one query at a time."""

    def __init__(self, texts, vectors):
        self.texts, self.vectors = list(texts), list(vectors)

    def replace(self, i, text, vector):
        self.texts[i], self.vectors[i] = text, vector

    def remove(self, i):
        del self.texts[i], self.vectors[i]

    def insert(self, i, text, vector):
        self.texts.insert(i, text)
        self.vectors.insert(i, vector)

    def matrix(self):
        return np.stack(self.vectors)


@pytest.mark.parametrize("threshold", [None, 0.8])
def test_edits_give_the_full_comparisons_figures(threshold):
    topics = make_topics(6)
    real, rl = sample(topics, range(6), 700, seed=1)
    train, tl = sample(topics, range(5), 500, seed=2)  # no topic 5: an uncovered topic
    extra, el = sample(topics, [5, 2], 40, seed=3)  # what the edits bring
    counts = np.where(rl == 5, 3, 1)
    real_texts = texts("r", rl)
    edits = Edits(texts("t", tl), train)
    live = LiveCoverage(real_texts, real, counts, similarity_threshold=threshold)
    first = live.update(edits.texts, edits.matrix())
    assert_same_as_full(first, real_texts, real, edits.texts, edits.matrix(), counts, threshold)
    assert first.topics and "topic5" in first.topics[0].examples[0]
    rng = np.random.default_rng(4)
    seen = {(first.coverage, first.fidelity)}
    for step in range(12):
        i = int(rng.integers(len(edits.texts)))
        kind = step % 4
        if kind == 0:  # one query rewritten, as typing does: a new text, a new vector
            edits.replace(i, f"new {step} topic{el[step]}", extra[step])
        elif kind == 1:
            edits.remove(i)
        elif kind == 2:
            edits.insert(i, f"added {step} topic{el[step]}", extra[step])
        else:  # lines moved: the same queries in another order
            edits.insert(0, edits.texts.pop(i), None)
            edits.vectors[0] = edits.vectors.pop(i + 1)
        result = live.update(edits.texts, edits.matrix())
        assert_same_as_full(result, real_texts, real, edits.texts, edits.matrix(), counts, threshold)
        if threshold is None:  # the radii themselves, not only the figures they decide
            rows = [live._slot[t] for t in edits.texts]
            assert np.allclose(live.train_radius[rows], metrics.kth_neighbour_similarity(edits.matrix(), 5), atol=1e-5)
        seen.add((result.coverage, result.fidelity))
    assert len(seen) >= 3  # the edits did change the figures
    assert live.rebuilds == 1  # every edit was an update, not a comparison of everything
    assert incremental.EDITOR_NOTE in result.notes and result.two_sample is None


def test_an_edit_rechecks_few_queries_and_a_large_change_rebuilds():
    topics = make_topics(8)
    real, rl = sample(topics, range(8), 2000, seed=5)
    train, tl = sample(topics, range(8), 2000, seed=6)
    edits = Edits(texts("t", tl), train)
    live = LiveCoverage(texts("r", rl), real)
    live.update(edits.texts, edits.matrix())
    other, ol = sample(topics, [3], 1, seed=7)
    edits.replace(10, "rewritten topic3", other[0])
    live.update(edits.texts, edits.matrix())
    assert live.rebuilds == 1 and 0 < live.rechecked < 100  # of 4000 queries
    fresh, fl = sample(topics, range(8), 300, seed=8)  # a paste of 300 queries: 15% of the set
    for n, vector in enumerate(fresh):
        edits.insert(0, f"pasted {n}", vector)
    live.update(edits.texts, edits.matrix())
    assert live.rebuilds == 2
