"""Records: one parsed JSONL line, its format, its texts by role, and lazily its source spans."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Iterator

import orjson

from .spans import FieldSpan, LineSpans, char_to_byte, locate


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


@dataclass(frozen=True, slots=True)
class TextRef:
    """One text of a record: where it sits (key and list index) and what role it plays."""

    role: Role
    key: str
    index: int | None
    text: str


class Record:
    __slots__ = ("line", "content", "data", "schema", "_spans")

    def __init__(self, line: int, content: bytes, data: dict, schema: Schema):
        self.line = line
        self.content = content
        self.data = data
        self.schema = schema
        self._spans: LineSpans | None = None

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

    def relevant(self) -> list[tuple[int, str]]:
        return self.strings(self.schema.relevant_key)

    def negatives(self) -> list[tuple[int, str]]:
        return self.strings(self.schema.negative_key)

    def texts(self) -> Iterator[TextRef]:
        query = self.query
        if query is not None:
            yield TextRef(Role.QUERY, "query", None, query)
        for i, text in self.relevant():
            yield TextRef(Role.RELEVANT, self.schema.relevant_key, i, text)
        for i, text in self.negatives():
            yield TextRef(Role.NEGATIVE, self.schema.negative_key, i, text)

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
        literal = self.content[literal_start:literal_end]
        if not literal.startswith(b'"'):
            return literal_start, literal_end
        return literal_start + char_to_byte(literal, start), literal_start + char_to_byte(literal, end)

    def element_removal(self, key: str, index: int) -> tuple[int, int] | None:
        """Byte span that removes one list element with one adjacent comma, leaving valid JSON."""
        span = self.field_span(key)
        if span is None or index >= len(span.elements):
            return None
        start, end = span.elements[index]
        if index + 1 < len(span.elements):
            # Remove up to the next element: the element, its comma and the spacing after it.
            return start, span.elements[index + 1][0]
        if index > 0:
            # Last element: remove from the end of the previous one.
            return span.elements[index - 1][1], end
        return start, end


def parse_record(line: int, content: bytes, forced: Format | None = None) -> Record | dict | None:
    """Parse a line; raises orjson.JSONDecodeError. Returns a Record for objects, else the value."""
    data = orjson.loads(content)
    if not isinstance(data, dict):
        return data
    fmt = forced or detect_format(data) or Format.COHERE
    return Record(line, content, data, SCHEMAS[fmt])
