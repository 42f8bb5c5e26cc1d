"""`--format sarif`: SARIF 2.1.0 for code-scanning tools, with rule metadata and help text."""

from __future__ import annotations

import sys

import orjson

from .. import __version__
from ..diagnostics import Diagnostic, Severity
from ..rules import REGISTRY
from . import RULES_URL, Summary, rule_url

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _region(range_) -> dict:
    s, e = range_.start, range_.end
    # SARIF columns count UTF-16 code units by default (run.columnKind "utf16CodeUnits").
    return {"startLine": s.line + 1, "startColumn": s.utf16 + 1, "endLine": e.line + 1, "endColumn": e.utf16 + 1}


class SarifFormatter:
    streaming = False

    def __init__(self, out=None, **_):
        self.out = out or sys.stdout
        self.items: list[Diagnostic] = []

    def emit(self, d: Diagnostic) -> None:
        self.items.append(d)

    def finish(self, summary: Summary) -> None:
        codes = sorted(REGISTRY)
        index = {code: i for i, code in enumerate(codes)}
        rules = []
        for code in codes:
            cls = REGISTRY[code]
            rules.append({
                "id": code,
                "name": cls.name,
                "shortDescription": {"text": cls.summary},
                "fullDescription": {"text": cls.summary},
                "help": {"text": cls.doc(), "markdown": cls.doc()},
                "helpUri": rule_url(code),
                "defaultConfiguration": {"level": _LEVELS[cls.severity]},
            })
        results = []
        for d in self.items:
            result = {
                "ruleId": d.code,
                "ruleIndex": index[d.code],
                "level": _LEVELS[d.severity],
                "message": {"text": d.message},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": d.path}, "region": _region(d.range)}}],
            }
            if d.record_key:
                result["partialFingerprints"] = {"recordHash/v1": f"{d.code}:{d.record_key}"}
            if d.related:
                result["relatedLocations"] = [
                    {"id": i, "message": {"text": r.message},
                     "physicalLocation": {"artifactLocation": {"uri": r.path}, "region": _region(r.range)}}
                    for i, r in enumerate(d.related)
                ]
            results.append(result)
        document = {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {"name": "rerank-lint", "version": __version__, "informationUri": RULES_URL, "rules": rules}},
                "columnKind": "utf16CodeUnits",
                "results": results,
            }],
        }
        self.out.write(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n")
