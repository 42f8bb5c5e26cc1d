"""Records: one parsed JSONL line, its format, its texts by role, and lazily its source spans."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NamedTuple

from rerank_lint.source.layout import describe_layout
from rerank_lint.source.spans import FieldSpan, LineSpans, LiteralIndex, locate


class Format(enum.Enum):
    COHERE = "cohere"
    BGE = "bge"
    # sentence-transformers reads columns by order, whatever their names: no fixed keys.
    ST = "sentence-transformers"


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
    frozenset({"query", "pos", "neg", "pos_scores", "neg_scores", "prompt", "type", "query_prompt", "passage_prompt"}),
    ("query", "pos", "neg"),
)
# The keys are empty: a sentence-transformers record's texts are its columns in order
# (`describe_layout`), so the Cohere/BGE rules that look up `relevant_key` find nothing to check.
ST = Schema(Format.ST, "", "", frozenset(), ())
SCHEMAS = {Format.COHERE: COHERE, Format.BGE: BGE, Format.ST: ST}


def detect_format(data: dict) -> Format | None:
    """The format a record's keys say it is in; None when they say nothing clear.

    Cohere's and BGE's keys are decisive. Without them, a record is sentence-transformers' only
    when its columns, read in order as that trainer reads them, form one of its layouts (pair,
    triplet, labeled pair or list): `{"query": "q"}` is a broken Cohere record, not a layout.
    """
    if "relevant_passages" in data or "hard_negatives" in data:
        return Format.COHERE
    if "pos" in data or "neg" in data:
        return Format.BGE
    if describe_layout(data).kind != "unknown":
        return Format.ST
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


class Passage(NamedTuple):
    """One passage of a record with its place and its label: relevant (True), negative (False),
    or unknown (None: a label that is not a number, or exactly 0.5)."""

    key: str
    index: int | None
    text: str
    relevant: bool | None


# A sentence-transformers label or score above this marks a relevant passage, below it a
# negative: the middle of BCE's [0, 1], and below 1 on a graded 0-3 scale.
RELEVANT_ABOVE = 0.5


def _label_says(value: object) -> bool | None:
    if isinstance(value, (int, float)) and value == value:  # bools count: True is 1; NaN says nothing
        return True if value > RELEVANT_ABOVE else False if value < RELEVANT_ABOVE else None
    return None


class Record:
    __slots__ = ("line", "content", "data", "schema", "_spans", "_content_hash", "_relevant", "_negatives", "_literals",
                 "_layout", "_passages")

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
        self._layout = None
        self._passages: list[Passage] | None = None

    @property
    def spans(self) -> LineSpans:
        if self._spans is None:
            self._spans = locate(self.content) or LineSpans({}, 0, len(self.content))
        return self._spans

    @property
    def layout(self):
        """A sentence-transformers record's column layout (worked out once: the texts, the query
        and every ST rule read it), None for the formats with fixed keys."""
        if self.schema.format is not Format.ST:
            return None
        if self._layout is None:
            self._layout = describe_layout(self.data)
        return self._layout

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
        if self.schema.format is Format.ST:
            return self._column_texts()
        refs = []
        query = data.get("query")
        if isinstance(query, str):
            refs.append(TextRef(Role.QUERY, "query", None, query))
        for role, key in ((Role.RELEVANT, self.schema.relevant_key), (Role.NEGATIVE, self.schema.negative_key)):
            value = data.get(key)
            if isinstance(value, list):
                refs.extend(TextRef(role, key, i, text) for i, text in enumerate(value) if isinstance(text, str))
        return refs

    def _column_texts(self) -> list[TextRef]:
        """A sentence-transformers record's texts: the first input column is the query, every
        other text column a passage (a labeled pair's passage is relevant or not by its label,
        which the text rules do not need: they read every passage the same way)."""
        layout = self.layout
        refs = []
        if layout.query is not None and isinstance(self.data[layout.query], str):
            refs.append(TextRef(Role.QUERY, layout.query, None, self.data[layout.query]))
        for position, key in enumerate(layout.passages):
            value = self.data[key]
            role = Role.RELEVANT if position == 0 and layout.kind != "labeled-list" else Role.NEGATIVE
            if isinstance(value, str):
                refs.append(TextRef(role, key, None, value))
            elif isinstance(value, list):
                refs.extend(TextRef(Role.RELEVANT, key, i, t) for i, t in enumerate(value) if isinstance(t, str))
        return refs

    def pairs(self) -> list[tuple[str, int | None, str]]:
        """(key, index, text) of every passage the trainer pairs with the query, in any format."""
        if self.schema.format is Format.ST:
            return [(ref.key, ref.index, ref.text) for ref in self._column_texts() if ref.role is not Role.QUERY]
        return [(self.schema.relevant_key, i, t) for i, t in self.relevant()] + \
            [(self.schema.negative_key, i, t) for i, t in self.negatives()]

    def passages(self) -> list[Passage]:
        """Every passage with its place and its label, in any format (the rules that compare
        relevant with negative passages read this, not the Cohere/BGE keys alone). Cohere's and
        BGE's lists say the label by their key. A sentence-transformers record says it by its
        layout: the first passage column of a pair, triplet or n-tuple is the positive and the
        others are negatives; a labeled pair's or list's label (an n-tuple's score) decides
        (`RELEVANT_ABOVE`)."""
        if self._passages is not None:
            return self._passages
        if self.schema.format is not Format.ST:
            found = [Passage(self.schema.relevant_key, i, t, True) for i, t in self.relevant()]
            found += [Passage(self.schema.negative_key, i, t, False) for i, t in self.negatives()]
        else:
            found = self._column_passages()
        self._passages = found
        return found

    def _column_passages(self) -> list[Passage]:
        layout, data = self.layout, self.data
        label = data.get(layout.label) if layout.label is not None else None
        if layout.kind in ("pair", "triplet", "n-tuple"):
            return [Passage(key, None, data[key], position == 0) for position, key in enumerate(layout.passages)]
        if layout.kind == "labeled-pair":
            key = layout.passages[0]
            return [Passage(key, None, data[key], _label_says(label))]
        labels = label if isinstance(label, list) else []
        if layout.kind == "n-tuple-scores":
            return [Passage(key, None, data[key], _label_says(labels[i]) if i < len(labels) else None)
                    for i, key in enumerate(layout.passages)]
        if layout.kind == "labeled-list":
            key = layout.passages[0]
            return [Passage(key, i, text, _label_says(labels[i]) if i < len(labels) else None)
                    for i, text in enumerate(data[key]) if isinstance(text, str)]
        return []

    @property
    def query_ref(self) -> tuple[str, str] | None:
        """(key, text) of the query in any format: `query`, or an ST record's first input column."""
        if self.schema.format is Format.ST:
            layout = self.layout
            value = self.data.get(layout.query) if layout.query is not None else None
            return (layout.query, value) if isinstance(value, str) else None
        return ("query", self.query) if self.query is not None else None

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
            mapping = self._literals[(key, index)] = LiteralIndex(self.content, literal_start, literal_end)
        return literal_start + mapping.byte_of(start), literal_start + mapping.byte_of(end)
