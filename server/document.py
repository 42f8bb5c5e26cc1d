"""An open document: its lines, the edits the client sends, and LSP positions.

The text is kept as a list of lines split on "\\n" only, the way the engine reads JSONL, so an
edit touches the few lines it covers and never re-joins or re-splits the whole document (a
20,000-record file is tens of megabytes). Each edit reports which engine lines it replaced,
for `IncrementalLinter.splice`.

Columns arrive in the negotiated position encoding (UTF-16 code units by default, UTF-8 bytes
or code points when the client offers them) and are converted here, exactly, in both directions.
"""

from __future__ import annotations

from dataclasses import dataclass

from rerank_lint.diagnostics.diagnostic import position_in_line

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"
BOM_CHAR = "\ufeff"


@dataclass(frozen=True, slots=True)
class Splice:
    """Engine lines [start, stop) of the old text became `count` lines of the new text."""

    start: int
    stop: int
    count: int


def _units(ch: str, encoding: str) -> int:
    code = ord(ch)
    if encoding == UTF16:
        return 2 if code > 0xFFFF else 1
    if encoding == UTF8:
        return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    return 1


def char_index(text: str, column: int, encoding: str) -> int:
    """The index in `text` of an LSP column (clamped to the line, as the spec asks)."""
    if column <= 0:
        return 0
    if encoding == UTF32 or text.isascii():
        return min(column, len(text))
    units = 0
    for index, ch in enumerate(text):
        if units >= column:
            return index
        units += _units(ch, encoding)
    return len(text)


def column_of(text: str, index: int, encoding: str) -> int:
    """The LSP column of character `index` of `text`."""
    prefix = text[:index]
    if encoding == UTF32 or prefix.isascii():
        return len(prefix)
    return sum(_units(ch, encoding) for ch in prefix)


def byte_column(content: bytes, byte: int, encoding: str) -> int:
    """The LSP column of a byte offset of a line's content."""
    return position_in_line(0, content, byte).column(encoding)


class TextDocument:
    def __init__(self, uri: str, text: str, version: int | None, encoding: str):
        self.uri = uri
        self.version = version
        self.encoding = encoding
        self.lines: list[str] = text.split("\n")

    # --- the engine's view -------------------------------------------------------------

    @property
    def engine_line_count(self) -> int:
        # A text ending with a newline has an empty last "line" that JSONL readers do not see.
        return len(self.lines) - (1 if self.lines[-1] == "" else 0)

    @property
    def has_bom(self) -> bool:
        return self.lines[0].startswith(BOM_CHAR)

    def engine_line(self, index: int, lines: list[str] | None = None) -> tuple[bytes, bytes, bool]:
        """Line `index` as the engine reads it: content, ending, and whether a BOM precedes it."""
        lines = self.lines if lines is None else lines
        text = lines[index]
        bom = index == 0 and text.startswith(BOM_CHAR)
        if bom:
            text = text[1:]
        content = text.encode("utf-8", "surrogatepass")
        if index == len(lines) - 1:
            return content, b"", bom
        if content.endswith(b"\r"):
            return content[:-1], b"\r\n", bom
        return content, b"\n", bom

    def text(self) -> str:
        return "\n".join(self.lines)

    def column_shift(self, line: int) -> int:
        """Engine columns of line 0 do not count a byte order mark; LSP columns do."""
        if line == 0 and self.has_bom:
            return 3 if self.encoding == UTF8 else 1
        return 0

    # --- edits -------------------------------------------------------------------------

    def replace_all(self, text: str) -> Splice:
        old = self.engine_line_count
        self.lines = text.split("\n")
        return Splice(0, old, self.engine_line_count)

    def apply(self, start: tuple[int, int], end: tuple[int, int], new_text: str) -> Splice:
        """Replace the text between two LSP positions (line, column)."""
        lines = self.lines
        start_line, start_char = self._locate(*start)
        end_line, end_char = self._locate(*end)
        if (end_line, end_char) < (start_line, start_char):
            start_line, start_char, end_line, end_char = end_line, end_char, start_line, start_char
        old_count = self.engine_line_count
        old_segment = lines[start_line:end_line + 1]
        replacement = (lines[start_line][:start_char] + new_text + lines[end_line][end_char:]).split("\n")
        lines[start_line:end_line + 1] = replacement
        new_count = self.engine_line_count
        # Whole lines the edit leaves as they were (the line below an inserted line, the lines
        # around a deleted one) are not reported as replaced: their line states, and what the
        # server keeps for them (JSON fragments, semantic results), survive the edit. The last
        # line of the segment is only kept from its end, where what follows it is unchanged
        # (whether a line is the file's last decides its line ending).
        limit = min(len(old_segment), len(replacement))
        head = 0
        while head < limit - 1 and old_segment[head] == replacement[head]:
            head += 1
        tail = 0
        while tail < limit - head and old_segment[-1 - tail] == replacement[-1 - tail]:
            tail += 1
        first = start_line + head
        stop = max(first, min(end_line + 1 - tail, old_count))
        count = max(0, min(start_line + len(replacement) - tail, new_count) - first)
        return Splice(first, stop, count)

    def _locate(self, line: int, column: int) -> tuple[int, int]:
        if line >= len(self.lines):
            last = len(self.lines) - 1
            return last, len(self.lines[last])
        text = self.lines[max(line, 0)]
        return max(line, 0), char_index(text, column, self.encoding)

    # --- positions out ------------------------------------------------------------------

    def end_position(self, line: int) -> tuple[int, int]:
        """The LSP position at the end of a line's text (before any "\\r" of a CRLF ending)."""
        text = self.lines[line]
        if line < len(self.lines) - 1 and text.endswith("\r"):
            text = text[:-1]
        return line, column_of(text, len(text), self.encoding)
