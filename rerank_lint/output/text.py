"""`path:line:col: CODE message`, one line per problem, as ruff's concise output; columns are
1-based characters. Printed as the problems are found, so a large file shows progress."""

from __future__ import annotations

import sys

from rerank_lint.diagnostics.diagnostic import FILE_START, Applicability, Diagnostic, Severity, fix_marker
from rerank_lint.rules.registry import REGISTRY
from rerank_lint.output import Summary
from rerank_lint.output.escape import visible


def table_place(range_, column: str | None = None) -> str:
    """`row 12:column positive` in a table (Parquet) source: rows count from 1, as lines do
    (row 1 is `dataset[0]`), so that the numbers in messages match."""
    if range_ is FILE_START:
        return "file"
    return f"row {range_.start.line + 1}" + (f":column {visible(column)}" if column else "")


def place(d: Diagnostic) -> str:
    """Where a diagnostic is, as the concise output prints it after the path."""
    if d.table:
        return table_place(d.range, d.column)
    return f"{d.range.start.line + 1}:{d.range.start.char + 1}"


class ConciseFormatter:
    streaming = True

    def __init__(self, out=None, statistics: bool = False, **_):
        self.out = out or sys.stdout
        # As ruff: with --statistics only the table of counts is printed, not every problem.
        self.statistics = statistics

    def emit(self, d: Diagnostic) -> None:
        if self.statistics:
            return
        marker = " " + fix_marker(d.fix.applicability) if d.fix is not None else ""
        level = "" if d.severity is Severity.WARNING else f"{d.severity.label}: "
        self.out.write(f"{visible(d.path)}:{place(d)}: {d.code}{marker} {level}{visible(d.message)}\n")
        for related in d.related:
            r = related.range.start
            table = d.table if related.table is None else related.table
            where = table_place(related.range) if table else f"{r.line + 1}:{r.char + 1}"
            self.out.write(f"    {visible(related.path)}:{where}: {visible(related.message)}\n")

    def finish(self, summary: Summary) -> None:
        out = self.out
        if self.statistics and summary.by_code:
            for code, n in summary.by_code.most_common():
                applicability = Applicability.SAFE if summary.fixable[code] else (
                    Applicability.UNSAFE if summary.unsafe_fixable[code] else None)
                out.write(f"{n:>7}  {code}  {fix_marker(applicability)} {REGISTRY[code].name}\n")
        if summary.fixed:
            out.write(f"Fixed {summary.fixed} problem{'s' if summary.fixed != 1 else ''}.\n")
        if summary.total == 0:
            suppressed = f" ({summary.suppressed} suppressed by the baseline)" if summary.suppressed else ""
            out.write(f"All checks passed!{suppressed}\n")
            return
        parts = [s.count(summary.by_severity[s]) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO) if summary.by_severity[s]]
        files = f" in {summary.files} file{'s' if summary.files != 1 else ''}"
        out.write(f"Found {summary.total} problem{'s' if summary.total != 1 else ''} ({', '.join(parts)}){files}.\n")
        safe = sum(summary.fixable.values())
        unsafe = sum(summary.unsafe_fixable.values())
        if safe or unsafe:
            hint = f"[*] {safe} fixable with `--fix`" if safe else "No safe fixes available"
            if unsafe:
                hint += f" ([~] {unsafe} more with `--fix --unsafe-fixes`)"
            out.write(hint + ".\n")
        if summary.suppressed:
            out.write(f"{summary.suppressed} more suppressed by the baseline.\n")
