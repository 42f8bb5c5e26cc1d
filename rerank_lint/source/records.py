"""Records: one parsed JSONL line, its format, its texts by role, and lazily its source spans."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NamedTuple

from rerank_lint.source.spans import FieldSpan, LineSpans, LiteralIndex, locate


class Format(enum.Enum):
    COHERE = "cohere"
    BGE = "bge"


class Role(enum.Enum):
    QUERY = "query"
    RELEVANT = "relevant passage"
    NEGATIVE = "hard negative"


@dataclass(frozen=True, slots=True)
class Schema:
    format: Format
    relevant_key: str
    negative_key: str
    known_keys: frozenset[str]
    required_keys: tuple[str, ...]


COHERE = Schema(
    Format.COHERE,
    "relevant_passages",
    "hard_negatives",
    frozenset({"query", "relevant_passages", "hard_negatives"}),
    ("query", "relevant_passages"),
)
BGE = Schema(
    Format.BGE,
    "pos",
    "neg",
    frozenset({"query", "pos", "neg", "pos_scores", "neg_scores", "prompt", "type"}),
    ("query", "pos", "neg"),
)
SCHEMAS = {Format.COHERE: COHERE, Format.BGE: BGE}


def detect_format(data: dict) -> Format | None:
    """The format a record's keys say it is in; None when they say neither."""
    if "relevant_passages" in data or "hard_negatives" in data:
        return Format.COHERE
    if "pos" in data or "neg" in data:
        return Format.BGE
    return None


def schema_for(data: dict, forced: "Schema | None" = None, file_schema: "Schema | None" = None) -> "Schema":
    """The one answer to "which schema reads this record", for every front end: the configured
    format when one is set (`--input-format`), else what the record's own keys say, else the
    file's format (that of its first record with format keys), else Cohere's."""
    if forced is not None:
        return forced
    detected = detect_format(data)
    if detected is not None:
        return SCHEMAS[detected]
    return file_schema or SCHEMAS[Format.COHERE]


class TextRef(NamedTuple):
    """One text of a record: where it sits (key and list index) and what role it plays.
    (A NamedTuple: several are made per record, and tuples are the cheapest to build.)"""

    role: Role
    key: str
    index: int | None
    text: str


class Record:
    __slots__ = ("line", "content", "data", "schema", "_spans", "_content_hash", "_relevant", "_negatives", "_literals")

    def __init__(self, line: int, content: bytes, data: dict, schema: Schema):
        self.line = line
        self.content = content
        self.data = data
        self.schema = schema
        self._spans: LineSpans | None = None
        self._content_hash: int | None = None
        self._relevant: list[tuple[int, str]] | None = None
        self._negatives: list[tuple[int, str]] | None = None
        self._literals: dict | None = None

    @property
    def spans(self) -> LineSpans:
        if self._spans is None:
            self._spans = locate(self.content) or LineSpans({}, 0, len(self.content))
        return self._spans

    @property
    def query(self) -> str | None:
        value = self.data.get("query")
        return value if isinstance(value, str) else None

    def strings(self, key: str) -> list[tuple[int, str]]:
        """The string elements of a list field, with their indexes (other types are skipped)."""
        value = self.data.get(key)
        if not isinstance(value, list):
            return []
        return [(i, v) for i, v in enumerate(value) if isinstance(v, str)]

    # Several rules ask for these on every record: computed once.
    def relevant(self) -> list[tuple[int, str]]:
        if self._relevant is None:
            self._relevant = self.strings(self.schema.relevant_key)
        return self._relevant

    def negatives(self) -> list[tuple[int, str]]:
        if self._negatives is None:
            self._negatives = self.strings(self.schema.negative_key)
        return self._negatives

    def texts(self) -> list[TextRef]:
        # Called for every record by the text rules: built directly, without the helpers above.
        data = self.data
        refs = []
        query = data.get("query")
        if isinstance(query, str):
            refs.append(TextRef(Role.QUERY, "query", None, query))
        for role, key in ((Role.RELEVANT, self.schema.relevant_key), (Role.NEGATIVE, self.schema.negative_key)):
            value = data.get(key)
            if isinstance(value, list):
                refs.extend(TextRef(role, key, i, text) for i, text in enumerate(value) if isinstance(text, str))
        return refs

    @property
    def content_hash(self) -> int:
        """Hash of the record's bytes (surrounding whitespace ignored), shared by the rules that
        compare whole records."""
        if self._content_hash is None:
            self._content_hash = hash(self.content.strip())
        return self._content_hash

    # --- source positions -------------------------------------------------------------

    def field_span(self, key: str) -> FieldSpan | None:
        return self.spans.field(key)

    def value_bytes(self, key: str, index: int | None = None) -> tuple[int, int]:
        """Byte span of a field's value, or of one element of a list field."""
        span = self.field_span(key)
        if span is None:
            return self.spans.object_start, self.spans.object_end
        if index is None:
            return span.value_start, span.value_end
        if index < len(span.elements):
            return span.elements[index]
        return span.value_start, span.value_end

    def key_bytes(self, key: str) -> tuple[int, int]:
        span = self.field_span(key)
        if span is None:
            return self.spans.object_start, self.spans.object_end
        return span.key_start, span.key_end

    def text_bytes(self, key: str, index: int | None, start: int, end: int) -> tuple[int, int]:
        """Byte span in the line of characters [start, end) of a string value."""
        literal_start, literal_end = self.value_bytes(key, index)
        if self.content[literal_start:literal_start + 1] != b'"':
            return literal_start, literal_end
        if self._literals is None:
            self._literals = {}
        mapping = self._literals.get((key, index))
        if mapping is None:
            mapping = self._literals[(key, index)] = LiteralIndex(self.content[literal_start:literal_end])
        return literal_start + mapping.byte_of(start), literal_start + mapping.byte_of(end)
