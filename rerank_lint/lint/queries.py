"""The training queries of a file, read by the engine (every format `check` reads), for the
front ends that compare them with a query log."""

from __future__ import annotations

from pathlib import Path

from rerank_lint.lint.engine import Linter


def training_queries(path: Path, settings) -> list[tuple[int, str]]:
    """(line, query) of each record with a query, read by the engine's reader (every format
    `check` reads), no rule run."""
    linter = Linter(settings, only=lambda cls: False)
    found = []
    for result in linter.iter_path(path):
        record = result.record
        if record is not None and isinstance(record.query, str) and record.query.strip():
            found.append((record.line, record.query))
    return found
