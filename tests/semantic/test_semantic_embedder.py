"""Batching of the texts to embed: longest first, by a token budget, with the model's own
vectors as the result."""

import pytest

from rerank_lint.semantic.embedder import batches


def test_batches_hold_every_text_once_longest_first_within_the_budget():
    lengths = [5, 300, 40, 40, 12, 256, 7, 90, 1, 64] * 13
    found = list(batches(lengths, budget=512, most=50))
    order = [i for batch in found for i in batch]
    assert sorted(order) == list(range(len(lengths)))
    assert [lengths[i] for i in order] == sorted(lengths, reverse=True)
    for batch in found:
        longest = max(lengths[i] for i in batch)
        assert len(batch) <= 50
        assert len(batch) * longest <= 512 or len(batch) == 1  # a text longer than the budget goes alone


def test_batched_vectors_are_the_models_own(tmp_path, monkeypatch):
    pytest.importorskip("sentence_transformers", reason="the semantic extra is not installed")
    import numpy as np

    from rerank_lint.settings import Settings
    from rerank_lint.semantic.embedder import Embedder, load_model, resolve_model

    monkeypatch.setenv("RERANK_LINT_CACHE_DIR", str(tmp_path))
    settings = Settings().merged({"semantic": True, "semantic-batch-tokens": 64})
    texts = [("word " * n).strip() + f" {n}" for n in (1, 3, 9, 27, 81, 243, 400, 2, 50)]
    ours = Embedder(settings).embed(texts)
    model = load_model(resolve_model(settings), settings.semantic_device)
    theirs = model.encode(texts, normalize_embeddings=True)
    assert np.allclose(ours, theirs, atol=1e-5)
