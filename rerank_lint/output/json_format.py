"""`--format json`: a JSON array of diagnostics (ruff-like fields, plus byte and UTF-16 columns)."""

from __future__ import annotations

import orjson

from rerank_lint.diagnostics.diagnostic import Diagnostic, Edit, LineEdit, Position
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
    return {
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


class JsonFormatter(DocumentFormatter):
    def finish(self, summary: Summary) -> None:
        items = encodable_tree([diagnostic_dict(d, self.docs_url) for d in self.items])
        self.out.write(orjson.dumps(items, option=orjson.OPT_INDENT_2).decode() + "\n")
