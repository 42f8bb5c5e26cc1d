"""The reduced neighbour search of large sets (coverage/fast.py) against the exact one."""

import numpy as np

from coverage_synthetic import make_topics, sample
from rerank_lint.coverage import analysis
from rerank_lint.coverage import fast as fastpath
from rerank_lint.coverage import metrics


def _sets():
    topics = make_topics(8, seed=3)
    real, _ = sample(topics, range(8), 1500, seed=4)
    train, _ = sample(topics, range(6), 1200, seed=5)
    return real, train


def _neighbours(real, train, fast):
    notes = []
    real_radius, train_radius, cross, radius = analysis.neighbours(real, train, 5, None, fast, 0, notes, {})
    return real_radius, train_radius, cross, radius, notes


def test_the_reduced_search_decides_as_the_exact_one():
    real, train = _sets()
    exact = _neighbours(real, train, fast=False)
    reduced = _neighbours(real, train, fast=True)
    assert "search" in reduced[3]  # the reduced path ran
    np.testing.assert_allclose(reduced[0], exact[0], atol=1e-5)
    np.testing.assert_allclose(reduced[1], exact[1], atol=1e-5)
    assert (reduced[2].covered == exact[2].covered).all()


def test_radii_the_reduced_search_gets_wrong_are_computed_exactly(monkeypatch):
    real, train = _sets()
    # Two dimensions cannot hold these topics: the candidates miss most true neighbours.
    monkeypatch.setattr(fastpath, "DIMS", 2)
    monkeypatch.setattr(fastpath, "MIN_EXPLAINED", 0.0)
    v, _ = fastpath.basis(real, train, 2)
    poor = fastpath.kth_neighbour_similarity(real, real @ v, 5)
    assert fastpath.radius_agreement(real, poor, 5) < fastpath.MIN_RADIUS_AGREEMENT
    real_radius, train_radius, cross, radius, notes = _neighbours(real, train, fast=True)
    np.testing.assert_allclose(real_radius, metrics.kth_neighbour_similarity(real, 5), atol=1e-6)
    np.testing.assert_allclose(train_radius, metrics.kth_neighbour_similarity(train, 5), atol=1e-6)
    assert any("computed on the full vectors" in note for note in notes)
    exact = _neighbours(real, train, fast=False)
    assert (cross.covered == exact[2].covered).all()
