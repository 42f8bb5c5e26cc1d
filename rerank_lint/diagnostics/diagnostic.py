"""What a rule reports: a diagnostic with an exact range, an optional fix and related places.

Positions are kept in three units at once because every front end wants a different one:
UTF-8 bytes (fixes rewrite bytes), UTF-16 code units (the LSP default) and code points
(what people count as columns, and LSP's utf-32). Lines are 0-based here; front ends that
print for humans add one.
"""

from __future__ import annotations

import enum
from bisect import bisect_right
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    def count(self, n: int) -> str:
        """"1 warning", "3 warnings", "2 info" (info is not counted with an s)."""
        return f"{n} {self.label}{'s' if n != 1 and self is not Severity.INFO else ''}"

    @classmethod
    def parse(cls, name: str) -> "Severity":
        try:
            return cls[name.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {name!r} (use error, warning or info)") from None


@dataclass(frozen=True, slots=True)
class Position:
    line: int
    byte: int
    utf16: int
    char: int

    def column(self, encoding: str) -> int:
        if encoding == "utf-8":
            return self.byte
        if encoding == "utf-16":
            return self.utf16
        return self.char


@dataclass(frozen=True, slots=True)
class Range:
    start: Position
    end: Position

    @classmethod
    def in_line(cls, line: int, content: bytes, start_byte: int, end_byte: int) -> "Range":
        return LineIndex(content).range(line, start_byte, end_byte)


def position_in_line(line: int, content: bytes, byte: int) -> Position:
    """Position of a byte offset of a line, with its UTF-16 and code-point columns."""
    return LineIndex(content).position(line, byte)


def _utf16_units(text: str) -> int:
    """UTF-16 code units of a text (two for a character outside the BMP), at C speed."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le", "surrogatepass")) // 2


class LineIndex:
    """Columns of byte offsets in one line, in time independent of the line's length.

    A 100 MB line with thousands of diagnostics must not decode its prefix for each one, so
    the line is decoded once and checkpoints are kept every `STEP` characters.
    """

    STEP = 1024

    def __init__(self, content: bytes):
        self.content = content
        self.ascii = content.isascii()
        self._bytes: list[int] = []
        self._chars: list[int] = []
        self._utf16: list[int] = []
        self._valid = True
        if not self.ascii:
            # Decoded window by window, never the whole line at once (a 10 MB line would cost
            # its size several times over); a window ends before a byte that starts a character,
            # so each decodes on its own and every checkpoint is a character boundary.
            n = len(content)
            b = c = u = 0
            window = 4 * self.STEP
            while b < n:
                end = min(n, b + window)
                while end < n and end > b and 0x80 <= content[end] < 0xC0:
                    end -= 1
                try:
                    if end <= b:
                        raise UnicodeDecodeError("utf-8", content, b, b + 1, "no character boundary")
                    chunk = content[b:end].decode("utf-8")
                except UnicodeDecodeError:
                    self._valid = False  # such a line gets few diagnostics: decode prefixes instead
                    self._bytes, self._chars, self._utf16 = [], [], []
                    return
                self._bytes.append(b)
                self._chars.append(c)
                self._utf16.append(u)
                c += len(chunk)
                u += _utf16_units(chunk)
                b = end

    def position(self, line: int, byte: int) -> Position:
        byte = max(0, min(byte, len(self.content)))
        if self.ascii:
            return Position(line, byte, byte, byte)
        base_byte = base_char = base_utf16 = 0
        if self._valid and self._bytes:
            i = bisect_right(self._bytes, byte) - 1
            base_byte, base_char, base_utf16 = self._bytes[i], self._chars[i], self._utf16[i]
        text = self.content[base_byte:byte].decode("utf-8", "replace")
        return Position(line, byte, base_utf16 + _utf16_units(text), base_char + len(text))

    def range(self, line: int, start: int, end: int) -> "Range":
        return Range(self.position(line, start), self.position(line, end))


FILE_START = Range(Position(0, 0, 0, 0), Position(0, 0, 0, 0))


class Applicability(enum.Enum):
    """Safe fixes keep the meaning of the data; unsafe ones need `--unsafe-fixes` (as in ruff)."""

    SAFE = "safe"
    UNSAFE = "unsafe"


# How every front end labels what a fix needs, as ruff does: `rerank-lint rule`, `check` output,
# its statistics and the report all use these.
FIX_MARKERS = {Applicability.SAFE: "[*]", Applicability.UNSAFE: "[~]", None: "   "}
FIX_LEGEND = "[*] fixable with --fix   [~] fixable with --fix --unsafe-fixes"


def fix_marker(applicability: "Applicability | None") -> str:
    return FIX_MARKERS[applicability]


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace bytes [start, end) of a line's content (terminator excluded) with `replacement`."""

    line: int
    start: int
    end: int
    replacement: bytes


class LineAction(enum.Enum):
    DELETE = "delete"  # drop the line and its terminator
    STRIP_BOM = "strip-bom"
    USE_LF = "use-lf"  # CRLF -> LF
    ADD_NEWLINE = "add-newline"  # missing final newline
    ALL_LF = "all-lf"  # every CRLF of the file -> LF (one diagnostic for the whole file)


@dataclass(frozen=True, slots=True)
class LineEdit:
    line: int
    action: LineAction


@dataclass(frozen=True, slots=True)
class Fix:
    description: str
    edits: tuple[Edit | LineEdit, ...]
    applicability: Applicability = Applicability.SAFE


@dataclass(frozen=True, slots=True)
class Related:
    """Another place involved in a diagnostic: the first occurrence of a duplicate, a leak's other side."""

    path: str
    range: Range
    message: str
    # Whether the place is in a table (Parquet) file: None when it is in the diagnostic's own
    # file (placed as the diagnostic is); a leak's other side says it, since the two files of a
    # train/eval pair need not be of one kind.
    table: bool | None = None


@dataclass(slots=True)
class Diagnostic:
    code: str
    name: str
    severity: Severity
    message: str
    path: str
    range: Range
    fix: Fix | None = None
    related: list[Related] = field(default_factory=list)
    # Hash of the record's content: stable across line moves, used by the baseline.
    record_key: str | None = None
    # A table source (Parquet): the line is the 0-based row index and `column` the column the
    # range falls in (None for a whole row or the file); front ends show "row N:column X".
    table: bool = False
    column: str | None = None

    @property
    def line(self) -> int:
        return self.range.start.line
