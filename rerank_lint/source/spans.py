"""Exact source spans inside one JSON line.

orjson gives values, not positions, and it is what makes parsing fast. Positions are needed
only for the records that get a diagnostic, so they are found lazily: a byte-level tokenizer
walks the line once and records the span of every top-level key, value and list element.
Inside a string literal, `LiteralIndex` maps an index of the decoded string to the byte
offset of the source, so that escapes (`\\n`, `\\u00e9`, surrogate pairs) are underlined
exactly.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"?|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.DOTALL)
_ESCAPE_PIECE = re.compile(rb"\\u[0-9a-fA-F]{4}|\\.|[^\\]+", re.DOTALL)


@dataclass(slots=True)
class FieldSpan:
    key_start: int
    key_end: int
    value_start: int
    value_end: int
    # Spans of the elements when the value is a list: (start, end) of each element's token(s).
    elements: list[tuple[int, int]] = field(default_factory=list)
    # Spans of the commas between elements, to delete an element cleanly.
    commas: list[tuple[int, int]] = field(default_factory=list)


@dataclass(slots=True)
class LineSpans:
    fields: dict[str, list[FieldSpan]]  # a key seen twice has two spans: duplicate keys
    object_start: int
    object_end: int

    def field(self, key: str) -> FieldSpan | None:
        spans = self.fields.get(key)
        # orjson keeps the last of duplicate keys, so the last span is the value in effect.
        return spans[-1] if spans else None


def locate(content: bytes) -> LineSpans | None:
    """Spans of the top-level object of a line that orjson accepted; None if it is not an object."""
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(content)]
    if not tokens or content[tokens[0][0]:tokens[0][1]] != b"{":
        return None
    fields: dict[str, list[FieldSpan]] = {}
    i = 1
    n = len(tokens)
    while i < n:
        start, end = tokens[i]
        tok = content[start:end]
        if tok == b"}":
            return LineSpans(fields, tokens[0][0], end)
        if tok == b",":
            i += 1
            continue
        key = _decode_key(content[start:end])
        # key, colon, value
        i += 2
        if i >= n:
            break
        value_start, value_end, elements, commas, i = _value(content, tokens, i)
        fields.setdefault(key, []).append(FieldSpan(start, end, value_start, value_end, elements, commas))
    return LineSpans(fields, tokens[0][0], len(content))


def _decode_key(literal: bytes) -> str:
    import orjson

    try:
        return orjson.loads(literal)
    except orjson.JSONDecodeError:
        return literal.strip(b'"').decode("utf-8", "replace")


def _value(content: bytes, tokens, i):
    """Parse one value starting at token i; returns its span, element spans and next index."""
    start, end = tokens[i]
    first = content[start:end]
    if first not in (b"[", b"{"):
        return start, end, [], [], i + 1
    elements: list[tuple[int, int]] = []
    commas: list[tuple[int, int]] = []
    depth = 0
    element_start = None
    last_end = end
    j = i
    while j < len(tokens):
        s, e = tokens[j]
        tok = content[s:e]
        if tok in (b"[", b"{"):
            depth += 1
            if depth == 2 and element_start is None:
                element_start = s
        elif tok in (b"]", b"}"):
            depth -= 1
            if depth == 0:
                if element_start is not None:
                    elements.append((element_start, last_end))
                kept = elements if first == b"[" else []
                return start, e, kept, commas if first == b"[" else [], j + 1
        elif depth == 1 and tok == b",":
            if element_start is not None:
                elements.append((element_start, last_end))
                element_start = None
            commas.append((s, e))
        elif depth == 1 and element_start is None:
            element_start = s
        last_end = e
        j += 1
    return start, len(content), elements, commas, j


class LiteralIndex:
    """Maps character indexes of a JSON string's value to byte offsets in its literal.

    Built once per literal (a passage with thousands of findings is walked once, not once per
    finding): the literal is cut into pieces — runs of plain text of at most `CHUNK` characters,
    and single escapes — with the character and byte offset where each starts.
    """

    CHUNK = 1024

    def __init__(self, literal: bytes):
        self.literal = literal
        body = literal[1:-1]
        self.simple = b"\\" not in body and body.isascii()
        if self.simple:
            return
        self._chars: list[int] = []  # character offset where each piece starts
        self._bytes: list[int] = []  # byte offset (in the literal) where each piece starts
        self._texts: list[str | None] = []  # the piece's text, None for an escape
        chars = 0
        pending_high = False
        for m in _ESCAPE_PIECE.finditer(literal, 1, len(literal) - 1):
            piece = m.group()
            if piece.startswith(b"\\u") and 0xD800 <= int(piece[2:], 16) <= 0xDBFF:
                # First half of a surrogate pair: the pair is one character, starting here.
                self._chars.append(chars)
                self._bytes.append(m.start())
                self._texts.append(None)
                pending_high = True
                continue
            if piece.startswith(b"\\"):
                if not pending_high:
                    self._chars.append(chars)
                    self._bytes.append(m.start())
                    self._texts.append(None)
                pending_high = False
                chars += 1
                continue
            pending_high = False
            text = piece.decode("utf-8", "replace")
            offset = m.start()
            for start in range(0, len(text), self.CHUNK):
                chunk = text[start:start + self.CHUNK]
                self._chars.append(chars)
                self._bytes.append(offset)
                self._texts.append(chunk)
                chars += len(chunk)
                offset += len(chunk.encode("utf-8"))
        self._end_char = chars
        self._end_byte = len(literal) - 1

    def byte_of(self, index: int) -> int:
        if self.simple:
            return 1 + max(0, min(index, len(self.literal) - 2))
        if index >= self._end_char or not self._chars:
            return self._end_byte
        i = bisect_right(self._chars, max(index, 0)) - 1
        text = self._texts[i]
        within = index - self._chars[i]
        if text is None or within == 0:
            return self._bytes[i]
        return self._bytes[i] + len(text[:within].encode("utf-8"))
