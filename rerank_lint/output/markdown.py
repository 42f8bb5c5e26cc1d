"""Markdown summaries of a check: GitHub's step summary and the report's PR comment."""

from __future__ import annotations

from rerank_lint.diagnostics.diagnostic import Severity
from rerank_lint.rules.registry import REGISTRY
from rerank_lint.output import Summary, rule_url
from rerank_lint.output.escape import visible

SEVERITY_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)


def counts_line(summary: Summary) -> str:
    if summary.total == 0:
        return "No problems found."
    parts = [s.count(summary.by_severity[s]) for s in SEVERITY_ORDER if summary.by_severity[s]]
    files = f" in {summary.files} file{'s' if summary.files != 1 else ''}" if summary.files else ""
    return f"**{summary.total} problem{'s' if summary.total != 1 else ''}** ({', '.join(parts)}){files}."


def problems_table(summary: Summary, limit: int | None = None, docs_url: str | None = None) -> str:
    """Problems per rule, most severe rules first, each linked to its doc."""
    severity = lambda code: summary.severity_of.get(code, REGISTRY[code].severity)  # noqa: E731
    rows = sorted(summary.by_code.items(), key=lambda item: (-severity(item[0]), -item[1], item[0]))
    shown = rows if limit is None else rows[:limit]
    lines = ["| rule | severity | problems |", "|---|---|---:|"]
    for code, n in shown:
        cls = REGISTRY[code]
        url = rule_url(code, docs_url)
        name = f"[{code} {cls.name}]({url})" if url else f"{code} {cls.name}"
        lines.append(f"| {name} | {severity(code).label} | {n} |")
    if len(shown) < len(rows):
        lines.append(f"| … {len(rows) - len(shown)} more rules | | {sum(n for _, n in rows[len(shown):])} |")
    return "\n".join(lines)


def check_summary(summary: Summary, title: str = "rerank-lint", docs_url: str | None = None) -> str:
    parts = [f"### {visible(title)}", "", counts_line(summary)]
    if summary.by_code:
        parts += ["", problems_table(summary, docs_url=docs_url)]
    if summary.suppressed:
        parts += ["", f"{summary.suppressed} more suppressed by the baseline."]
    return "\n".join(parts) + "\n"
