"""`--format rdjson`: reviewdog's Diagnostic Format (rdjson), for `reviewdog -f=rdjson`.

One `DiagnosticResult` object: `source` {name, url}, `severity`, and `diagnostics`, each with
`message`, `location` {path, range {start, end}}, `severity` (ERROR, WARNING, INFO), `code`
{value, url}, `suggestions` [{range, text}] from the fixes that edit text, and
`related_locations` [{message, location}]. Lines and columns start at 1; columns count UTF-8
bytes and the end is exclusive, as reviewdog.proto defines them."""

from __future__ import annotations

import orjson

from rerank_lint.diagnostics.diagnostic import Diagnostic, Edit, Position, Range, Severity
from rerank_lint.output import Summary, rule_url
from rerank_lint.output.common import DocumentFormatter
from rerank_lint.output.escape import encodable_tree

_SEVERITIES = {Severity.ERROR: "ERROR", Severity.WARNING: "WARNING", Severity.INFO: "INFO"}


def _position(p: Position) -> dict:
    return {"line": p.line + 1, "column": p.byte + 1}


def _range(r: Range) -> dict:
    return {"start": _position(r.start), "end": _position(r.end)}


def _location(path: str, r: Range) -> dict:
    return {"path": path, "range": _range(r)}


def _suggestions(d: Diagnostic) -> list[dict]:
    # Whole-line actions (delete a line, strip a BOM) have no text form a reviewer could accept.
    if d.fix is None:
        return []
    return [{"range": {"start": {"line": e.line + 1, "column": e.start + 1}, "end": {"line": e.line + 1, "column": e.end + 1}},
             "text": e.replacement.decode("utf-8", "replace")}
            for e in d.fix.edits if isinstance(e, Edit)]


def source(docs_url: str | None) -> dict:
    return {"name": "rerank-lint"} | ({"url": docs_url} if docs_url else {})


def rdjson_diagnostic(d: Diagnostic, docs_url: str | None = None) -> dict:
    item = {
        "message": d.message,
        "location": _location(d.path, d.range),
        "severity": _SEVERITIES[d.severity],
        "source": source(docs_url),
        "code": {"value": d.code} | ({"url": url} if (url := rule_url(d.code, docs_url)) else {}),
    }
    suggestions = _suggestions(d)
    if suggestions:
        item["suggestions"] = suggestions
    if d.related:
        item["related_locations"] = [{"message": r.message, "location": _location(r.path, r.range)} for r in d.related]
    return item


class RdjsonFormatter(DocumentFormatter):
    def finish(self, summary: Summary) -> None:
        worst = max(summary.by_severity, default=None)
        document = {"source": source(self.docs_url), "diagnostics": [rdjson_diagnostic(d, self.docs_url) for d in self.items]}
        if worst is not None:
            document["severity"] = _SEVERITIES[worst]
        self.out.write(orjson.dumps(encodable_tree(document), option=orjson.OPT_INDENT_2).decode() + "\n")
