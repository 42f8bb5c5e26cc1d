"""Embedding queries with the project's model and cache, the same way `check --semantic` does.

`check --semantic` gets vectors through `semantic.embedder.Embedder(settings).embed(texts)`
(via `semantic.index.SemanticIndex.embed`): the model is resolved from `semantic-model` (a
folder, the bundled MiniLM, or the local Hugging Face cache; never downloaded), vectors are
read from the SQLite cache keyed by the model's fingerprint, and only the misses load the
model. So a warm run neither imports torch nor loads the model.

The caller passes the `Settings` (this module does not import them: the settings know the rule
table, whose coverage rules import this package).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    import numpy as np


def _settings(settings, *, model: str | None = None, device: str | None = None,
              cache_dir: str | None = None):
    overrides = {}
    if model is not None:
        overrides["semantic-model"] = model
    if device is not None:
        overrides["semantic-device"] = device
    if cache_dir is not None:
        overrides["semantic-cache-dir"] = cache_dir
    return settings.merged(overrides) if overrides else settings


def embed_queries(texts: Sequence[str], settings, *, model: str | None = None, device: str | None = None,
                  cache_dir: str | None = None, stats: dict | None = None) -> "np.ndarray":
    """Unit-length float32 embeddings of `texts` (one row each, in order), through the
    embedding cache. `settings` is a `Settings`; `model`,
    `device`, `cache_dir` override its `semantic-*` settings. Raises `ConfigError`
    (`ModelNotFound`) when the model is not on this machine, ImportError without the semantic
    extra. `stats`, when given, receives how many texts were looked up and how many encoded
    (0 encoded: a warm run, the model was not loaded)."""
    import numpy as np

    from ..semantic.embedder import Embedder

    embedder = Embedder(_settings(settings, model=model, device=device, cache_dir=cache_dir))
    texts = list(texts)
    vectors = embedder.embed(texts) if texts else np.zeros((0, 0), dtype=np.float32)
    if stats is not None:
        stats.update(looked_up=embedder.looked_up, encoded=embedder.encoded, encode_seconds=embedder.encode_seconds,
                     model=embedder.spec.setting,
                     model_identity=embedder.spec.identity, model_folder=str(embedder.spec.folder))
    return vectors
