"""How sentence-transformers reads a record: by column ORDER, whatever the names.

Its CrossEncoderTrainer feeds every column but `label`/`labels`/`score`/`scores` to the model,
the first as the query (the "anchor"). Reading that layout is part of reading a record (it
decides the record's schema, `source.records.schema_for`), so it lives here, below the trainer
profiles that use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

# Column names sentence-transformers never feeds to the model (it reads them as the target).
LABEL_COLUMNS = ("label", "labels", "score", "scores")

# Column names that are almost always bookkeeping, not text for the model: as inputs they make
# sentence-transformers train on "query [SEP] passage [SEP] 12345".
_METADATA_NAMES = frozenset({
    "id", "_id", "idx", "index", "qid", "pid", "docid", "doc_id", "query_id", "passage_id", "corpus_id",
    "source", "dataset", "split", "lang", "language", "url", "meta", "metadata", "type", "task", "category",
    "timestamp", "date", "created_at", "uuid", "hash",
})


def _is_text(value: object) -> bool:
    return isinstance(value, str)


def _is_text_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _looks_like_metadata(name: str, value: object) -> bool:
    lowered = name.lower()
    if lowered in _METADATA_NAMES or lowered.endswith("_id") or lowered.endswith("_ids"):
        return True
    # The trainer would stringify a number, a boolean, a null or an object and feed it in.
    return not (_is_text(value) or _is_text_list(value))


@dataclass(frozen=True)
class ColumnLayout:
    """How sentence-transformers reads one record: by column order, whatever the names."""

    kind: str  # one of ST_LAYOUTS, or "unknown"
    inputs: tuple[str, ...]  # every non-label column, in order: what the model is fed
    query: str | None  # the first input column
    passages: tuple[str, ...]  # the other input columns that hold texts
    label: str | None  # the first label/labels/score/scores column
    extra: tuple[str, ...]  # input columns that look like bookkeeping but become inputs


def describe_layout(record: Mapping[str, object]) -> ColumnLayout:
    """The sentence-transformers layout of a record, read the way the trainer reads it.

    The first input column is the query (the "anchor"), every other input column a passage to
    the trainer, an `id` or `source` column too: those are reported in `extra` and left out of
    `passages`. The kind follows `mine_hard_negatives`' output names.
    """
    names = list(record)
    label = next((n for n in names if n in LABEL_COLUMNS), None)
    inputs = tuple(n for n in names if n not in LABEL_COLUMNS)
    query = inputs[0] if inputs else None
    rest = inputs[1:]
    extra = tuple(n for n in rest if _looks_like_metadata(n, record[n]))
    if query is not None and _looks_like_metadata(query, record[query]):
        extra = (query,) + extra
    passages = tuple(n for n in rest if n not in extra)
    # The kind is that of the text columns (what the file means to hold); `extra` says what the
    # trainer will feed in besides.
    label_value = record[label] if label is not None else None
    kind = "unknown"
    if len(passages) == 1 and _is_text_list(record[passages[0]]) and isinstance(label_value, list):
        kind = "labeled-list"
    elif len(passages) == 1 and _is_text(record[passages[0]]):
        kind = "labeled-pair" if label is not None else "pair"
    elif len(passages) >= 2 and all(_is_text(record[n]) for n in passages):
        if label is None:
            kind = "triplet" if len(passages) == 2 else "n-tuple"
        elif isinstance(label_value, list):
            kind = "n-tuple-scores"
    return ColumnLayout(kind, inputs, query, passages, label, extra)
