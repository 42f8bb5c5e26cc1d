"""`--format gitlab`: a GitLab Code Quality report (`artifacts: reports: codequality`).

A JSON array of issues with `description`, `check_name`, `fingerprint` (the same line-free
fingerprint as SARIF's, so an issue that only moved is not shown as new in a merge request),
`severity` and `location` {path, lines {begin, end}}."""

from __future__ import annotations

import orjson

from rerank_lint.diagnostics.diagnostic import Severity
from rerank_lint.output import Summary
from rerank_lint.output.common import DocumentFormatter, Fingerprints
from rerank_lint.output.escape import encodable_tree

# GitLab's scale is info, minor, major, critical, blocker; an error here makes the upload or the
# training fail, which is critical, not a blocker of the merge request itself.
_SEVERITIES = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}


class GitlabFormatter(DocumentFormatter):
    def finish(self, summary: Summary) -> None:
        fingerprints = Fingerprints()
        issues = [{
            "type": "issue",
            "description": f"{d.code} {d.message}",
            "check_name": f"{d.code} {d.name}",
            "categories": ["Bug Risk"] if d.severity is Severity.ERROR else ["Style"],
            "fingerprint": fingerprints.of(d),
            "severity": _SEVERITIES[d.severity],
            "location": {"path": d.path, "lines": {"begin": d.range.start.line + 1, "end": d.range.end.line + 1}},
        } for d in self.items]
        self.out.write(orjson.dumps(encodable_tree(issues), option=orjson.OPT_INDENT_2).decode() + "\n")
