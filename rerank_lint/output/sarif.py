"""`--format sarif`: SARIF 2.1.0 for code-scanning tools, with rule metadata and help text.

Results carry a `partialFingerprints` entry that does not depend on line numbers (see
`common.Fingerprints`), so code scanning keeps tracking an alert when records move. Problems
the baseline suppresses are kept as results with an external suppression, as SARIF intends,
instead of being dropped."""

from __future__ import annotations

import orjson

from rerank_lint import __version__
from rerank_lint.diagnostics.diagnostic import FILE_START, Diagnostic, Severity
from rerank_lint.rules.registry import REGISTRY
from rerank_lint.output import Summary, rule_url
from rerank_lint.output.common import DocumentFormatter, Fingerprints
from rerank_lint.output.escape import encodable_tree, uri_path

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
FINGERPRINT_KEY = "rerankLintRecord/v1"


def _region(range_) -> dict:
    s, e = range_.start, range_.end
    # SARIF columns count UTF-16 code units by default (run.columnKind "utf16CodeUnits").
    return {"startLine": s.line + 1, "startColumn": s.utf16 + 1, "endLine": e.line + 1, "endColumn": e.utf16 + 1}


def _location(path: str, range_, table: bool = False, column: str | None = None) -> dict:
    if not table:
        return {"physicalLocation": {"artifactLocation": {"uri": uri_path(path)}, "region": _region(range_)}}
    # A Parquet source: its bytes have no text columns; the region is the row (1-based) and
    # the column a logical location.
    location: dict = {"physicalLocation": {"artifactLocation": {"uri": uri_path(path)}}}
    if range_ is not FILE_START:
        row = range_.start.line + 1
        location["physicalLocation"]["region"] = {"startLine": row, "endLine": row}
        if column is not None:
            location["logicalLocations"] = [{"name": column, "fullyQualifiedName": f"row {row}/column {column}", "kind": "member"}]
    return location


def rule_descriptors(docs_url: str | None = None) -> list[dict]:
    descriptors = []
    for code in sorted(REGISTRY):
        cls = REGISTRY[code]
        descriptors.append({
            "id": code,
            "name": cls.name,
            "shortDescription": {"text": cls.summary},
            "fullDescription": {"text": cls.summary},
            "help": {"text": cls.doc(), "markdown": cls.doc()},
            "defaultConfiguration": {"level": _LEVELS[cls.severity]},
        } | ({"helpUri": url} if (url := rule_url(code, docs_url)) else {}))
    return descriptors


class SarifFormatter(DocumentFormatter):
    keeps_suppressed = True  # baseline-suppressed problems are results marked as suppressed

    def result(self, d: Diagnostic, suppressed: bool, index: dict[str, int], fingerprints: Fingerprints) -> dict:
        result = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": _LEVELS[d.severity],
            "message": {"text": d.message},
            "locations": [_location(d.path, d.range, d.table, d.column)],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprints.of(d)},
        }
        if d.related:
            result["relatedLocations"] = [{"id": i, "message": {"text": r.message}} | _location(r.path, r.range, d.table if r.table is None else r.table)
                                          for i, r in enumerate(d.related)]
        if d.table:
            result["properties"] = {"row": None if d.range is FILE_START else d.range.start.line + 1, "column": d.column}
        if suppressed:
            result["suppressions"] = [{"kind": "external", "justification": "recorded in the rerank-lint baseline"}]
        return result

    def finish(self, summary: Summary) -> None:
        rules = rule_descriptors(self.docs_url)
        index = {rule["id"]: i for i, rule in enumerate(rules)}
        fingerprints = Fingerprints()
        document = {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {"name": "rerank-lint", "version": __version__, "rules": rules}
                         | ({"informationUri": self.docs_url} if self.docs_url else {})},
                "columnKind": "utf16CodeUnits",
                "results": [self.result(d, suppressed, index, fingerprints) for d, suppressed in zip(self.items, self.suppressed)],
            }],
        }
        self.out.write(orjson.dumps(encodable_tree(document), option=orjson.OPT_INDENT_2).decode() + "\n")
