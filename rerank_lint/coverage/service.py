"""The one way every front end runs the coverage check: `rerank-lint coverage`, the semantic
rules RL609/RL610 (so `check --semantic`, pre-commit and the editor), and the report. Same
log reading, same training queries, same embeddings and the same result cache, so that the
figures agree wherever they are shown.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .querylog import QueryLog, QueryLogError, normalise, read_query_log


def log_path(settings) -> Path | None:
    """The configured `user-queries`, relative to the config file that set it."""
    return settings.resolve(settings.user_queries) if settings.user_queries else None


def read_log(settings, path: Path | None = None, column: str | None = None) -> QueryLog:
    path = path or log_path(settings)
    if path is None:
        raise QueryLogError("no query log: pass --queries PATH or set `user-queries`")
    column = column if column is not None else settings.user_queries_column
    return read_query_log(path, column=column)


def distinct(queries) -> list[str]:
    return list(dict.fromkeys(t for t in (normalise(q) for q in queries) if t))


def compare(train_texts: list[str], log: QueryLog, settings, *, train_source: str = "training queries",
            progress: bool = False):
    """(CoverageResult, stats) for distinct training texts against a log. Raises ConfigError
    (no model), ImportError (no semantic extra), QueryLogError (nothing to compare)."""
    import time

    from ..semantic.embedder import resolve_model
    from .cache import cached_compare, log_vectors
    from .embed import embed_queries

    if not train_texts:
        raise QueryLogError(f"{train_source}: no training query to compare")
    say = (lambda m: print(f"rerank-lint: {m}", file=sys.stderr, flush=True)) if progress else (lambda m: None)
    spec = resolve_model(settings)
    stats: dict = {"model": spec.setting, "model_identity": spec.identity}
    real_stats: dict = {}
    seconds: dict[str, float] = {}

    def vectors():
        # Only when the comparison is not in the result cache: a warm run reads no vector.
        clock = time.perf_counter()
        say(f"embedding {len(train_texts)} training queries (cached ones are read, not embedded)")
        train_vectors = embed_queries(train_texts, settings, stats=stats)
        seconds["embed_training"] = time.perf_counter() - clock
        clock = time.perf_counter()
        say(f"embedding {len(log.texts)} distinct log queries")
        real_vectors = log_vectors(log.path, spec.identity, lambda: embed_queries(log.texts, settings, stats=real_stats))
        seconds["embed_log"] = time.perf_counter() - clock
        if len(log.texts) * len(train_texts) > 100_000_000:
            say(f"comparing {len(log.texts)} x {len(train_texts)} queries (minutes the first time, seconds after)")
        return real_vectors, train_vectors

    options = {}
    if settings.coverage_similarity is not None:
        options["similarity_threshold"] = settings.coverage_similarity
    result, warm = cached_compare(log.texts, train_texts, vectors, settings=settings, real_counts=log.counts,
                                  model=spec.setting, identity=spec.identity, real_source=log.path,
                                  train_source=train_source, **options)
    seconds["embed_encode"] = stats.get("encode_seconds", 0.0) + real_stats.get("encode_seconds", 0.0)
    stats.update(warm=warm, encoded=stats.get("encoded", 0) + real_stats.get("encoded", 0),
                 timings={k: round(v, 2) for k, v in seconds.items()})
    return result, stats


class EditorCoverage:
    """The coverage of one document in the editor, kept across its versions: the log is read
    and embedded once per version of the log file (and of the options), and each pass updates a
    `LiveCoverage` with the document's training queries and the vectors the semantic index
    already holds, so that an edit costs what the queries it changed cost (incremental.py)."""

    def __init__(self, settings):
        self.settings = settings
        self._version: tuple | None = None
        self._live = None

    def compare(self, train_texts: list[str], train_vectors):
        """The editor's CoverageResult (no set-level figures). Raises as `compare` does."""
        from .embed import embed_queries
        from .incremental import LiveCoverage

        settings = self.settings
        path = log_path(settings)
        try:
            st = os.stat(path) if path is not None else None
        except OSError:
            st = None  # read_log says what is wrong with it
        version = (str(path), st and st.st_mtime_ns, st and st.st_size, settings.user_queries_column,
                   settings.coverage_similarity)
        if self._live is None or version != self._version:
            log = read_log(settings)
            stats: dict = {}
            real_vectors = embed_queries(log.texts, settings, stats=stats)
            self._live = LiveCoverage(log.texts, real_vectors, log.counts, similarity_threshold=settings.coverage_similarity,
                                      real_source=log.path, model=stats.get("model"))
            self._version = version
        if not train_texts:
            raise QueryLogError("no training query to compare")
        return self._live.update(train_texts, train_vectors)

    @property
    def live(self):
        return self._live


def wilson(share: float, n: int, z: float = 1.959964) -> tuple[float, float]:
    """95% Wilson interval of a share measured on n items."""
    if n <= 0:
        return 0.0, 1.0
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * (share * (1 - share) / n + z * z / (4 * n * n)) ** 0.5 / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)
