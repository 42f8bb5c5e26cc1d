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
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field

# Whitespace and bare words are single-character-class repeats, which the regex engine runs
# without growing its backtracking stack; string literals are scanned by hand (an alternation
# inside a repeat, as in `"(?:[^"\\]|\\.)*"`, costs the engine memory per character: a
# 10 MB passage took 1 GB).
_SPACE = re.compile(rb"\s*")
_WORD = re.compile(rb'[^\s{}\[\]:,"]+')
_ESCAPE_PIECE = re.compile(rb"\\u[0-9a-fA-F]{4}|\\.|[^\\]+", re.DOTALL)
_PUNCT = frozenset(b"{}[]:,")
_QUOTE, _BACKSLASH = ord('"'), ord("\\")


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


def _tokens(content: bytes):
    """(start, end, punctuation byte or 0) of each token, lazily: a list of every token of a
    long line would itself cost dozens of times the line."""
    n = len(content)
    p = 0
    while True:
        p = _SPACE.match(content, p).end()
        if p >= n:
            return
        c = content[p]
        if c == _QUOTE:
            q = p + 1
            while True:
                q = content.find(b'"', q)
                if q < 0:
                    yield p, n, 0  # unterminated: the rest of the line
                    return
                b = q - 1
                while content[b] == _BACKSLASH:  # stops at the opening quote at the latest
                    b -= 1
                if (q - 1 - b) % 2 == 0:
                    break  # an even run of backslashes escapes itself, not the quote
                q += 1
            yield p, q + 1, 0
            p = q + 1
        elif c in _PUNCT:
            yield p, p + 1, c
            p += 1
        else:
            end = _WORD.match(content, p).end()
            yield p, end, 0
            p = end


def locate(content: bytes) -> LineSpans | None:
    """Spans of the top-level object of a line that orjson accepted; None if it is not an object."""
    tokens = _tokens(content)
    first = next(tokens, None)
    if first is None or first[2] != ord("{"):
        return None
    fields: dict[str, list[FieldSpan]] = {}
    for start, end, kind in tokens:
        if kind == ord("}"):
            return LineSpans(fields, first[0], end)
        if kind == ord(","):
            continue
        key = _decode_key(content[start:end])
        if next(tokens, None) is None:  # the colon
            break
        value = next(tokens, None)
        if value is None:
            break
        value_start, value_end, elements, commas = _value(content, value, tokens)
        fields.setdefault(key, []).append(FieldSpan(start, end, value_start, value_end, elements, commas))
    return LineSpans(fields, first[0], len(content))


def _decode_key(literal: bytes) -> str:
    import orjson

    try:
        return orjson.loads(literal)
    except orjson.JSONDecodeError:
        return literal.strip(b'"').decode("utf-8", "replace")


_OPEN, _CLOSE = frozenset(b"[{"), frozenset(b"]}")


def _value(content: bytes, first, tokens):
    """One value starting at token `first`, consuming its tokens; its span and element spans."""
    start, end, kind = first
    if kind not in _OPEN:
        return start, end, [], []
    is_list = kind == ord("[")
    elements: list[tuple[int, int]] = []
    commas: list[tuple[int, int]] = []
    depth = 1
    element_start = None
    last_end = end
    for s, e, tok in tokens:
        if tok in _OPEN:
            depth += 1
            if depth == 2 and element_start is None:
                element_start = s
        elif tok in _CLOSE:
            depth -= 1
            if depth == 0:
                if element_start is not None:
                    elements.append((element_start, last_end))
                return start, e, (elements if is_list else []), (commas if is_list else [])
        elif depth == 1 and tok == ord(","):
            if element_start is not None:
                elements.append((element_start, last_end))
                element_start = None
            commas.append((s, e))
        elif depth == 1 and element_start is None:
            element_start = s
        last_end = e
    return start, len(content), elements, commas


_NON_ASCII = re.compile(rb"[\x80-\xff]")


class LiteralIndex:
    """Maps character indexes of a JSON string's value to byte offsets in its literal.

    Built once per literal (a passage with thousands of findings is walked once, not once per
    finding): the literal is cut into pieces — runs of plain text of at most `CHUNK` characters,
    and single escapes — with the character and byte offset where each starts. The literal is
    read in place, `source[start:end]`, never copied: a copy of a 20 MB passage was a whole
    extra record's worth of memory.
    """

    CHUNK = 1024

    def __init__(self, source: bytes, start: int = 0, end: int | None = None):
        end = len(source) if end is None else end
        self._source, self._base, self._size = source, start, end - start
        self.simple = source.find(b"\\", start + 1, end - 1) < 0 and (
            source.isascii() or _NON_ASCII.search(source, start + 1, end - 1) is None)
        if self.simple:
            return
        # Offsets only, in compact arrays; a piece's text is decoded again when asked for: the
        # decoded pieces of a 20 MB passage cost over a hundred times its size.
        self._chars = array("q")  # character offset where each piece starts
        self._bytes = array("q")  # byte offset (in the literal) where each piece starts
        self._ends = array("q")  # byte offset where a plain piece ends; -1 for an escape
        chars = 0
        pending_high = False
        window = 4 * self.CHUNK
        for m in _ESCAPE_PIECE.finditer(source, start + 1, end - 1):
            first, stop = m.span()
            if source[first] == 0x5C:  # a backslash: one escape
                if source[first + 1] == 0x75 and 0xD800 <= int(source[first + 2:first + 6], 16) <= 0xDBFF:
                    # First half of a surrogate pair: the pair is one character, starting here.
                    self._chars.append(chars)
                    self._bytes.append(first - start)
                    self._ends.append(-1)
                    pending_high = True
                    continue
                if not pending_high:
                    self._chars.append(chars)
                    self._bytes.append(first - start)
                    self._ends.append(-1)
                pending_high = False
                chars += 1
                continue
            pending_high = False
            b = first
            while b < stop:
                e = min(stop, b + window)
                while e < stop and e > b + 1 and 0x80 <= source[e] < 0xC0:
                    e -= 1  # end the window before a byte that starts a character
                self._chars.append(chars)
                self._bytes.append(b - start)
                self._ends.append(e - start)
                chars += len(source[b:e].decode("utf-8", "replace"))
                b = e
        self._end_char = chars
        self._end_byte = self._size - 1

    def byte_of(self, index: int) -> int:
        if self.simple:
            return 1 + max(0, min(index, self._size - 2))
        if index >= self._end_char or not self._chars:
            return self._end_byte
        i = bisect_right(self._chars, max(index, 0)) - 1
        within = index - self._chars[i]
        if self._ends[i] < 0 or within == 0:
            return self._bytes[i]
        base = self._base
        text = self._source[base + self._bytes[i]:base + self._ends[i]].decode("utf-8", "replace")
        return self._bytes[i] + len(text[:within].encode("utf-8"))
