"""`--format junit`: JUnit XML, for CI systems that show test reports (one suite per file
with problems, one failing test case per problem; one passing case when nothing is found)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from rerank_lint.diagnostics.diagnostic import Diagnostic
from rerank_lint.output import Summary, rule_url
from rerank_lint.output.common import DocumentFormatter
from rerank_lint.output.escape import visible


class JunitFormatter(DocumentFormatter):
    def finish(self, summary: Summary) -> None:
        # ElementTree escapes markup but writes control characters and lone surrogates as they
        # are, which no XML parser accepts: every name and message goes through `visible`.
        self.by_file: dict[str, list[Diagnostic]] = {}
        for d in self.items:
            self.by_file.setdefault(visible(d.path), []).append(d)
        root = ET.Element("testsuites", name="rerank-lint", tests=str(max(summary.total, 1)), failures=str(summary.total))
        if not self.by_file:
            # A report with no test case reads as "nothing ran"; one passing case says "checked, clean".
            self.by_file["rerank-lint"] = []
        for path, items in self.by_file.items():
            suite = ET.SubElement(root, "testsuite", name=path, tests=str(max(len(items), 1)), failures=str(len(items)))
            if not items:
                ET.SubElement(suite, "testcase", name="rerank-lint", classname=path)
            for d in items:
                start = d.range.start
                message = visible(d.message)
                case = ET.SubElement(suite, "testcase", name=f"{d.code} {d.name}", classname=f"{path}:{start.line + 1}:{start.char + 1}")
                failure = ET.SubElement(case, "failure", message=message, type=d.severity.label)
                url = rule_url(d.code, self.docs_url)
                failure.text = f"{path}:{start.line + 1}:{start.char + 1}: {d.code} {message}" + (f"\n{url}" if url else "")
        ET.indent(root)
        self.out.write(ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n")
