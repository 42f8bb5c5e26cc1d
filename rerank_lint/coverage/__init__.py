"""Query coverage: do the training queries mirror real users' queries? (issue 16)

Compares the queries of a training file with a log of real user queries: coverage and fidelity
(k-NN recall and precision), a classifier two-sample AUC, the uncovered topics, style profile
deltas and a 2-D map, all in one `CoverageResult`.

Importing this package is cheap (no numpy, no torch): `read_query_log` and the result types are
pure Python; numpy is imported by `compare_queries` and the metrics, torch only by the
embedder when some text is not in the cache.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .querylog import DEFAULT_MAX_BYTES, LogProblem, QueryLog, QueryLogError, read_query_log
from .result import CoverageResult, FarQuery, QuerySet, Topic, TwoSample

if TYPE_CHECKING:
    from .analysis import compare_queries
    from .embed import embed_queries

__all__ = ["DEFAULT_MAX_BYTES", "CoverageResult", "FarQuery", "LogProblem", "QueryLog", "QueryLogError", "QuerySet",
           "Topic", "TwoSample", "check_coverage", "compare_queries", "embed_queries", "read_query_log"]


def __getattr__(name: str):
    # Lazy: `compare_queries` pulls in numpy only when used.
    if name == "compare_queries":
        from .analysis import compare_queries
        return compare_queries
    if name == "embed_queries":
        from .embed import embed_queries
        return embed_queries
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def check_coverage(train_texts, log: QueryLog, settings, *, train_source: str = "training queries",
                   stats: dict | None = None, **options) -> CoverageResult:
    """Embed the distinct training queries and the log's queries (cache first) and compare them.
    `options` go to `compare_queries` (k, similarity_threshold, max_topics, ...)."""
    import time

    from .analysis import compare_queries
    from .embed import embed_queries

    distinct = list(dict.fromkeys(t for t in (" ".join(q.split()) for q in train_texts) if t))
    if not distinct:
        raise QueryLogError(f"{train_source}: no training query to compare")
    clock = time.perf_counter()
    info: dict = {}
    train_vectors = embed_queries(distinct, settings, stats=info)
    real_vectors = embed_queries(log.texts, settings, stats=(info2 := {}))
    embed_seconds = time.perf_counter() - clock
    result = compare_queries(log.texts, real_vectors, distinct, train_vectors, real_counts=log.counts,
                             real_source=log.path, train_source=train_source, model=info.get("model"), **options)
    result.timings = {"embed": round(embed_seconds, 3), **result.timings}
    if stats is not None:
        stats.update(encoded=info["encoded"] + info2["encoded"], looked_up=info["looked_up"] + info2["looked_up"],
                     model_identity=info["model_identity"])
    return result
