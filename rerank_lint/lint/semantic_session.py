"""The semantic rules (RL6xx) on a document that changes a few lines at a time, as in an editor.

The CLI streams a file once through `Linter` and the rules conclude at its end. An editor
re-checks after every pause in typing, so `SemanticSession` keeps the file's `SemanticIndex`
from one pass to the next: each pass is given the document's records as they are now (the
cheap pass already parsed them), the index takes in only the lines that changed (`sync`), the
model embeds only the texts that appeared, and the rules conclude with the same code as the
CLI's, from structures that follow the changes (near-duplicate pairs, topic spread, the best
matches in the paired file) instead of comparing everything again. The result is what
`Linter.check_bytes` gives for the same text; `tests/semantic/test_semantic_incremental.py`
checks that on edit sequences.

A pass runs on a worker thread and owns the session while it runs; the caller hands it a
snapshot (immutable records and line contents), never the live document.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rerank_lint.diagnostics.diagnostic import Diagnostic
from rerank_lint.diagnostics.reporter import Reporter
from rerank_lint.lint.engine import Linter
from rerank_lint.source.records import Record, Schema
from rerank_lint.semantic.index import SemanticIndex


class SnapshotStore:
    """The `LineStore` interface over a snapshot of the document's line contents."""

    def __init__(self, contents: Sequence[bytes]):
        self._contents = contents

    def content(self, number: int) -> bytes:
        return self._contents[number] if 0 <= number < len(self._contents) else b""

    def close(self) -> None:
        pass


class SemanticSession:
    """The semantic rules of one document, kept across its versions."""

    def __init__(self, linter: Linter, display: str, eval_path: Path | None = None, train_path: Path | None = None):
        self.linter = linter
        self.display = display
        self.eval_path, self.train_path = eval_path, train_path
        self.index = SemanticIndex(linter.settings)
        self.counterpart: object | None = None  # the paired file, read once per session
        self.source: object | None = None  # what the caller built the session for (its lint state)

    def check(self, records: Sequence[tuple[int, int, Record]], contents: Sequence[bytes],
              schema: Schema | None = None) -> list[Diagnostic]:
        """The semantic diagnostics of the document whose records are `(serial, line, record)`
        in line order (a serial names one version of one line) and whose lines are `contents`;
        `schema` is the file's format (that of its first record with format keys)."""
        if self.index.worn:
            self.index = SemanticIndex(self.linter.settings)  # drop the rows of texts long gone
        self.index.sync(records)
        linter = self.linter
        context = linter.file_context(self.display, SnapshotStore(contents), sum(map(len, contents)) + len(contents),
                                      eval_path=self.eval_path, train_path=self.train_path)
        context.schema = linter.forced_schema or schema
        context.lines, context.records = len(contents), len(records)
        context.counterpart = self.counterpart
        context.extras["semantic"] = self.index
        context.extras["editor"] = True  # rules that can update their conclusions per edit do (RL609, RL610)
        reporter = Reporter(context, linter.severities)
        linter.start_rules(linter.dataset_rules, reporter, context)
        found = linter.finish_rules(linter.dataset_rules, reporter, context)
        self.counterpart = context.counterpart
        return found

    def nearest_query(self, query: str) -> tuple[int, str, float] | None:
        """The most similar other query of the last `check` (another group of RL402, so not a
        mere repeat): its line, text and cosine similarity. None before a check, or for a query
        the last check did not see."""
        index = self.index
        text_id = index.table.ids.get(query)
        vectors = index.vectors() if text_id is not None and index.records else None
        if vectors is None:
            return None
        groups = index.query_groups()
        if len(groups.text) < 2:
            return None
        import numpy as np

        scores = vectors[groups.text] @ vectors[text_id]
        # Its own group: the first query of each group has its key in the index's cache.
        keys = index.keep("query-keys", dict)
        own = keys.get(text_id)
        scores[[g for g, t in enumerate(groups.text.tolist()) if keys.get(t) == own]] = -np.inf
        best = int(np.argmax(scores))
        if scores[best] == -np.inf:
            return None
        return int(groups.line[best]), index.table.texts[groups.text[best]], float(scores[best])
