"""Warm runs of the coverage check: the result of a comparison kept on disk, and the log's
vectors kept in memory.

A comparison of 100k x 100k queries takes minutes; the same comparison again (CI on an
unchanged file, pre-commit, the report after `check`) must take seconds. The result is a
function of the two sets of texts, the log's counts, the model and the options, so it is kept
as JSON under a digest of exactly those, next to the embedding cache (`semantic-cache-dir`;
"none" keeps nothing). Old results are not evicted one by one: the folder keeps the newest
`KEEP` files.

The log's vectors are kept in memory per (path, mtime, size, model) for the editor, which
re-checks a file after every pause in typing against the same log.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .result import SCHEMA_VERSION, CoverageResult, FarQuery, QuerySet, Topic, TwoSample

KEEP = 32
_log_vectors: dict[tuple, object] = {}


def digest(real_texts, real_counts, train_texts, model: str | None, options: dict) -> str:
    h = hashlib.sha256(f"coverage/{SCHEMA_VERSION}/{model}/{json.dumps(options, sort_keys=True)}".encode())
    for part in (real_texts, [str(c) for c in (real_counts or [])], train_texts):
        h.update(b"\x00section\x00")
        for text in part:
            h.update(text.encode("utf-8", "surrogatepass"))
            h.update(b"\x00")
    return h.hexdigest()


def _folder(settings) -> Path | None:
    from rerank_lint.semantic.cache import cache_dir_for

    folder = cache_dir_for(settings) if settings is not None else None
    return None if folder is None else Path(folder) / "coverage"


def load(settings, key: str) -> CoverageResult | None:
    folder = _folder(settings)
    if folder is None:
        return None
    try:
        data = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        return from_dict(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent or unreadable: computed again


def save(settings, key: str, result: CoverageResult) -> None:
    folder = _folder(settings)
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{key}.{os.getpid()}.tmp"
        tmp.write_text(result.to_json(per_query=True, indent=None), encoding="utf-8")
        os.replace(tmp, folder / f"{key}.json")
        kept = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only cache folder costs speed, not correctness


def from_dict(data: dict) -> CoverageResult:
    if data.get("schema") != SCHEMA_VERSION:
        raise ValueError("another schema")
    data = dict(data)
    data.pop("schema")
    data["real"], data["training"] = QuerySet(**data["real"]), QuerySet(**data["training"])
    data["two_sample"] = TwoSample(**data["two_sample"]) if data.get("two_sample") else None
    data["topics"] = [Topic(**t) for t in data["topics"]]
    data["far_training"] = [FarQuery(**f) for f in data["far_training"]]
    return CoverageResult(**data)


def log_vectors(path: str, model: str, compute):
    """The vectors of the log at `path`, computed once per version of the file."""
    try:
        st = os.stat(path)
        key = (os.path.abspath(path), st.st_mtime_ns, st.st_size, model)
    except OSError:
        return compute()
    found = _log_vectors.get(key)
    if found is None:
        for old in [k for k in _log_vectors if k[0] == key[0]]:
            del _log_vectors[old]
        found = _log_vectors[key] = compute()
    return found


def cached_compare(real_texts, train_texts, vectors, *, settings=None, real_counts=None, model: str | None = None,
                   identity: str | None = None, **options) -> tuple[CoverageResult, bool]:
    """`compare_queries`, or its result from an earlier run with the same inputs: (result, warm).
    `vectors()` gives (real vectors, training vectors), called only when the result is not kept;
    `identity` (the model's fingerprint, default `model`) is part of the key."""
    from .analysis import compare_queries

    sources = {k: options.pop(k) for k in ("real_source", "train_source") if k in options}
    key = digest(real_texts, real_counts, train_texts, identity or model, options)
    found = load(settings, key)
    if found is not None:
        found.real.source = sources.get("real_source", found.real.source)
        found.training.source = sources.get("train_source", found.training.source)
        return found, True
    real_vectors, train_vectors = vectors()
    result = compare_queries(real_texts, real_vectors, train_texts, train_vectors, real_counts=real_counts,
                             model=model, **sources, **options)
    save(settings, key, result)
    return result, False
