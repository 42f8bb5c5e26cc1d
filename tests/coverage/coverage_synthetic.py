"""Synthetic embeddings with a known answer: topics as clusters on the unit sphere, each with a
low-dimensional spread (as sentence embeddings have), so that two samples of one distribution
cover each other nearly completely."""

import numpy as np

DIM = 64
SPREAD_DIMS = 6


def make_topics(n_topics: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_topics, DIM))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    bases = rng.normal(size=(n_topics, SPREAD_DIMS, DIM))
    return centres, bases


def sample(topics, topic_ids, n: int, seed: int, spread: float = 0.12):
    """(unit vectors, topic label of each) for n points drawn from the given topics."""
    centres, bases = topics
    rng = np.random.default_rng(seed)
    labels = rng.choice(topic_ids, n)
    coef = rng.normal(scale=spread, size=(n, SPREAD_DIMS))
    x = centres[labels] + np.einsum("ns,nsd->nd", coef, bases[labels]) / np.sqrt(DIM)
    x += rng.normal(scale=0.01, size=x.shape)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32), labels


def texts(prefix: str, labels) -> list[str]:
    return [f"{prefix} {i} about topic{l}" for i, l in enumerate(labels)]
