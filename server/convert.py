"""From the engine's diagnostics and fixes to LSP JSON, in the document's position encoding.

Diagnostics are turned into plain JSON (dicts, then `orjson.Fragment`s) rather than lsprotocol
objects: a 20,000-record file can carry tens of thousands of them, and structuring them through
cattrs on every keystroke would cost more than linting the edit. Each line's JSON is cached with
the line (see `state.DocumentState`), so a publish mostly joins ready-made fragments.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import orjson
from pygls.uris import from_fs_path, to_fs_path

from rerank_lint.diagnostics.diagnostic import Diagnostic, Edit, Fix, LineAction, LineEdit, Range, Severity
from rerank_lint.output import rule_url

from server.document import TextDocument, byte_column

SOURCE = "rerank-lint"
LSP_SEVERITY = {Severity.ERROR: 1, Severity.WARNING: 2, Severity.INFO: 3}


def uri_of(path: str) -> str:
    """The URI of an engine path (a diagnostic's, a related place's); URIs stay as they are."""
    if "://" in path or path.startswith("untitled:"):
        return path
    return from_fs_path(os.path.abspath(path)) or path


def path_of(uri: str) -> Path | None:
    """The file of a `file:` URI, else None (an untitled buffer)."""
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    return Path(path) if path else None


def lsp_position(line: int, column: int) -> dict:
    return {"line": line, "character": column}


def lsp_range(r: Range, doc: TextDocument, delta: int = 0) -> dict:
    encoding = doc.encoding
    start, end = r.start, r.end
    return {
        "start": lsp_position(start.line + delta, start.column(encoding) + doc.column_shift(start.line + delta)),
        "end": lsp_position(end.line + delta, end.column(encoding) + doc.column_shift(end.line + delta)),
    }


def diagnostic_json(d: Diagnostic, doc: TextDocument, delta: int, uri_of: Callable[[str], str],
                    docs_url: str | None = None) -> dict:
    item = {
        "range": lsp_range(d.range, doc, delta),
        "severity": LSP_SEVERITY[d.severity],
        "code": d.code,
        "source": SOURCE,
        "message": d.message,
    }
    url = rule_url(d.code, docs_url)
    if url:  # else the hover carries the rule's doc: a link would point at no published page
        item["codeDescription"] = {"href": url}
    if d.related:
        line = d.range.start.line
        item["relatedInformation"] = [
            {
                "location": {
                    "uri": uri_of(r.path),
                    # Places on the diagnostic's own line move with it; others are current already.
                    "range": lsp_range(r.range, doc, delta if uri_of(r.path) == doc.uri and r.range.start.line == line else 0),
                },
                "message": r.message,
            }
            for r in d.related
        ]
    if d.record_key:
        item["data"] = {"record": d.record_key}
    return item


def fragment(d: Diagnostic, doc: TextDocument, delta: int, uri_of: Callable[[str], str],
             docs_url: str | None = None) -> orjson.Fragment:
    # Fragments are kept between publishes, one per diagnostic. orjson.dumps leaves each result
    # in a 4 KB buffer whatever its length (orjson 3.x); the copy is its exact size, about
    # 400 bytes: 25 MB instead of 230 MB for a file with 59,000 diagnostics.
    return orjson.Fragment(fragment_bytes(d, doc, delta, uri_of, docs_url))


def fragment_bytes(d: Diagnostic, doc: TextDocument, delta: int, uri_of: Callable[[str], str],
                   docs_url: str | None = None) -> bytes:
    """The JSON of a diagnostic, copied to its exact size (see `fragment`)."""
    return bytes(memoryview(orjson.dumps(diagnostic_json(d, doc, delta, uri_of, docs_url))))


# --- fixes ----------------------------------------------------------------------------------

def text_edit(doc: TextDocument, start: tuple[int, int], end: tuple[int, int], new_text: str) -> dict:
    return {"range": {"start": lsp_position(*start), "end": lsp_position(*end)}, "newText": new_text}


def line_content(doc: TextDocument, line: int) -> bytes:
    return doc.engine_line(line)[0]


def fix_edits(fix: Fix, doc: TextDocument) -> list[dict] | None:
    """LSP text edits for one engine fix; None when a part of it cannot be expressed."""
    edits: list[dict] = []
    for edit in fix.edits:
        if isinstance(edit, Edit):
            content = line_content(doc, edit.line)
            shift = doc.column_shift(edit.line)
            start = (edit.line, byte_column(content, edit.start, doc.encoding) + shift)
            end = (edit.line, byte_column(content, edit.end, doc.encoding) + shift)
            edits.append(text_edit(doc, start, end, edit.replacement.decode("utf-8")))
        else:
            converted = line_edit(edit, doc)
            if converted is None:
                return None
            edits.extend(converted)
    return edits


def line_edit(edit: LineEdit, doc: TextDocument) -> list[dict] | None:
    line = edit.line
    last = doc.engine_line_count - 1
    if edit.action is LineAction.DELETE:
        if line < len(doc.lines) - 1:
            return [text_edit(doc, (line, 0), (line + 1, 0), "")]
        if line == 0:
            return [text_edit(doc, (0, 0), doc.end_position(0), "")]
        return [text_edit(doc, doc.end_position(line - 1), doc.end_position(line), "")]
    if edit.action is LineAction.STRIP_BOM:
        return [text_edit(doc, (0, 0), (0, 1 if doc.encoding != "utf-8" else 3), "")] if doc.has_bom else []
    if edit.action is LineAction.USE_LF:
        return _crlf_to_lf(doc, [line])
    if edit.action is LineAction.ALL_LF:
        return _crlf_to_lf(doc, [i for i in range(len(doc.lines) - 1) if doc.lines[i].endswith("\r")])
    if edit.action is LineAction.ADD_NEWLINE:
        return [text_edit(doc, doc.end_position(last), doc.end_position(last), "\n")]
    return None


def _crlf_to_lf(doc: TextDocument, lines: list[int]) -> list[dict]:
    # The client sees "\r\n" as the line break: replace the break itself.
    return [text_edit(doc, doc.end_position(i), (i + 1, 0), "\n") for i in lines if doc.lines[i].endswith("\r")]


def whole_line_edits(changes: list[tuple[int, bytes, bytes | None]], doc: TextDocument) -> list[dict]:
    """Edits from `fixes.rewrite`'s changed lines: each line (with its ending) replaced or deleted."""
    edits = []
    for number, _old, new in changes:
        text = "" if new is None else new.decode("utf-8")
        if number < len(doc.lines) - 1:
            edits.append(text_edit(doc, (number, 0), (number + 1, 0), text))
        else:
            edits.append(text_edit(doc, (number, 0), doc.end_position(number), text))
    return edits
