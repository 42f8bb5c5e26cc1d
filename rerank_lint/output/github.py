"""`--format github`: GitHub Actions workflow commands, which GitHub shows as annotations.

GitHub shows at most 10 annotations of each level per step and 50 per job, so the most severe
come first, and the full counts go to the step summary (`$GITHUB_STEP_SUMMARY`) when the job
has one."""

from __future__ import annotations

import os

from rerank_lint.diagnostics.diagnostic import Diagnostic, Severity
from rerank_lint.output import Summary
from rerank_lint.output.common import DocumentFormatter, most_severe_first
from rerank_lint.output.escape import visible
from rerank_lint.output.markdown import check_summary

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
ANNOTATIONS_PER_JOB = 50


def _escape_data(text: str) -> str:
    # Line breaks keep GitHub's own escape, which it decodes back (a path must still match the
    # file); every other control, ESC first, would reach the log viewer raw.
    return visible(text, keep="\r\n").replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(d: Diagnostic) -> str:
    s, e = d.range.start, d.range.end
    props = [f"file={_escape_property(d.path)}", f"line={s.line + 1}", f"col={s.char + 1}", f"endLine={e.line + 1}"]
    if d.table:  # a Parquet file: the row, no text columns; the column name in the title
        props = props[:2] + [f"endLine={e.line + 1}"]
    elif e.line == s.line:
        props.append(f"endColumn={e.char + 1}")
    column = f" (column {d.column})" if d.table and d.column else ""
    props.append(f"title={_escape_property(f'{d.code} {d.name}{column}')}")
    return f"::{_LEVELS[d.severity]} {','.join(props)}::{_escape_data(d.message)}\n"


class GithubFormatter(DocumentFormatter):
    def __init__(self, out=None, step_summary: str | None = None, **_):
        super().__init__(out, **_)
        self.step_summary = step_summary if step_summary is not None else os.environ.get("GITHUB_STEP_SUMMARY")

    def finish(self, summary: Summary) -> None:
        for d in most_severe_first(self.items):
            self.out.write(workflow_command(d))
        if len(self.items) > ANNOTATIONS_PER_JOB:
            # Past the limit GitHub drops annotations silently: say where the rest are.
            where = "the job summary" if self.step_summary else "`rerank-lint check` output"
            self.out.write(f"::notice title=rerank-lint::{len(self.items)} problems found; GitHub shows only the first "
                           f"{ANNOTATIONS_PER_JOB} annotations per job (the most severe). All counts are in {where}.\n")
        if self.step_summary:
            with open(self.step_summary, "a", encoding="utf-8") as out:
                out.write(check_summary(summary, docs_url=self.docs_url))
