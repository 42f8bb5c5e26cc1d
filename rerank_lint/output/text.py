"""`path:line:col: CODE message`, one line per problem, as ruff's concise output; columns are
1-based characters. Printed as the problems are found, so a large file shows progress."""

from __future__ import annotations

import sys

from rerank_lint.diagnostics.diagnostic import Applicability, Diagnostic, Severity, fix_marker
from rerank_lint.rules.registry import REGISTRY
from rerank_lint.output import Summary
from rerank_lint.output.escape import visible


class ConciseFormatter:
    streaming = True

    def __init__(self, out=None, statistics: bool = False, **_):
        self.out = out or sys.stdout
        # As ruff: with --statistics only the table of counts is printed, not every problem.
        self.statistics = statistics

    def emit(self, d: Diagnostic) -> None:
        if self.statistics:
            return
        start = d.range.start
        marker = " " + fix_marker(d.fix.applicability) if d.fix is not None else ""
        level = "" if d.severity is Severity.WARNING else f"{d.severity.label}: "
        self.out.write(f"{visible(d.path)}:{start.line + 1}:{start.char + 1}: {d.code}{marker} {level}{visible(d.message)}\n")
        for related in d.related:
            r = related.range.start
            self.out.write(f"    {visible(related.path)}:{r.line + 1}:{r.char + 1}: {visible(related.message)}\n")

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
