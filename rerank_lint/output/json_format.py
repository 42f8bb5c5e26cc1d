"""`--format json`: a JSON array of diagnostics (ruff-like fields, plus byte and UTF-16 columns)."""

from __future__ import annotations

import codecs
import tempfile

import orjson

from rerank_lint.diagnostics.diagnostic import FILE_START, Diagnostic, Edit, LineEdit, Position
from rerank_lint.output import Summary, rule_url
from rerank_lint.output.common import DocumentFormatter
from rerank_lint.output.escape import encodable_tree


def _position(p: Position) -> dict:
    return {"row": p.line + 1, "column": p.char + 1, "byte": p.byte, "utf16": p.utf16}


def diagnostic_dict(d: Diagnostic, docs_url: str | None = None) -> dict:
    fix = None
    if d.fix is not None:
        edits = []
        for e in d.fix.edits:
            if isinstance(e, Edit):
                edits.append({"line": e.line + 1, "start_byte": e.start, "end_byte": e.end,
                              "content": e.replacement.decode("utf-8", "replace")})
            elif isinstance(e, LineEdit):
                edits.append({"line": e.line + 1, "action": e.action.value})
        fix = {"applicability": d.fix.applicability.value, "message": d.fix.description, "edits": edits}
    item = {
        "code": d.code,
        "name": d.name,
        "severity": d.severity.label,
        "message": d.message,
        "filename": d.path,
        "location": _position(d.range.start),
        "end_location": _position(d.range.end),
        "fix": fix,
        "related": [{"filename": r.path, "location": _position(r.range.start), "end_location": _position(r.range.end),
                     "message": r.message} for r in d.related],
        "record": d.record_key,
        "url": rule_url(d.code, docs_url),
    }
    if d.table:
        # A Parquet source: the 1-based row (as `location.row`; `dataset[row - 1]`) and the
        # column; null for a diagnostic about the whole file.
        item["row"] = None if d.range is FILE_START else d.range.start.line + 1
        item["column"] = d.column
    return item


class JsonFormatter(DocumentFormatter):
    """Each diagnostic is encoded as it comes (the objects of a million diagnostics took a GB)
    and the document is written at the end, as orjson indents it whole: nothing reaches the
    output when the check stops on an error half-way."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._encoded = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY)
        self._count = 0

    def emit(self, d: Diagnostic, suppressed: bool = False) -> None:
        item = orjson.dumps(encodable_tree(diagnostic_dict(d, self.docs_url)), option=orjson.OPT_INDENT_2)
        # One level deeper inside the array; a newline occurs only between tokens (strings escape theirs).
        self._encoded.write((b",\n  " if self._count else b"[\n  ") + item.replace(b"\n", b"\n  "))
        self._count += 1

    def finish(self, summary: Summary) -> None:
        if not self._count:
            self.out.write("[]\n")
            return
        self._encoded.write(b"\n]\n")
        self._encoded.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        while chunk := self._encoded.read(1 << 20):
            self.out.write(decoder.decode(chunk))
        self.out.write(decoder.decode(b"", final=True))
        self._encoded.close()


_IN_MEMORY = 16 << 20  # bytes of encoded diagnostics kept in memory before they go to a temporary file
