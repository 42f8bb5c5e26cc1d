"""What every semantic rule shares: the file's semantic index, and previews in messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rerank_lint.rules.base import DatasetRule
from rerank_lint.semantic.index import SemanticIndex

if TYPE_CHECKING:
    import numpy as np


class SemanticRule(DatasetRule):
    """Notes each record in the shared index; concludes at the end of the file, with vectors."""

    semantic = True
    index: SemanticIndex | None = None  # set by `start`; None when it declined or never ran

    def start(self, context):
        self.index = SemanticIndex.of(context)

    def observe(self, record, report):
        self.index.add(record)

    def finish(self, report, context):
        # `finish` runs even where `start` declined or failed (the engine finishes every
        # dataset rule): no index, nothing to conclude.
        if self.index is None or not self.index.records:
            return
        vectors = self.index.vectors()
        if vectors is not None:
            self.conclude(report, context, vectors)

    def conclude(self, report, context, vectors: "np.ndarray") -> None:
        raise NotImplementedError


def preview(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


# --- queries --------------------------------------------------------------------------------
