"""Output formats of `rerank-lint check`. Each formatter receives the diagnostics of all files
and a summary; machine formats write only their document to stdout."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rerank_lint.diagnostics.diagnostic import Diagnostic, Severity
from rerank_lint.rules.registry import REGISTRY

def rule_url(code: str, docs_url: str | None) -> str | None:
    """The link to a rule's doc where the docs are published (the `docs-url` setting: a copy of
    docs/rules.md with its anchors), else None: the project has no public site, so outputs carry
    the rule's doc itself (SARIF help, the hover) instead of a link that goes nowhere."""
    if not docs_url:
        return None
    cls = REGISTRY.get(code)
    anchor = f"{code}-{cls.name}".lower() if cls else code.lower()
    return f"{docs_url}#{anchor}"


@dataclass
class Summary:
    files: int = 0
    by_severity: Counter = field(default_factory=Counter)
    by_code: Counter = field(default_factory=Counter)
    fixable: Counter = field(default_factory=Counter)  # code -> diagnostics with a safe fix
    unsafe_fixable: Counter = field(default_factory=Counter)
    fixed: int = 0
    suppressed: int = 0
    severity_of: dict = field(default_factory=dict)  # code -> severity as configured


    def add(self, d: Diagnostic) -> None:
        self.by_severity[d.severity] += 1
        self.by_code[d.code] += 1
        self.severity_of[d.code] = d.severity
        if d.fix is not None:
            if d.fix.applicability.value == "safe":
                self.fixable[d.code] += 1
            else:
                self.unsafe_fixable[d.code] += 1

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())

    def failing(self, level: Severity) -> int:
        return sum(n for s, n in self.by_severity.items() if s >= level)


def get_formatter(name: str):
    from rerank_lint.output import github, gitlab, json_format, junit, rdjson, sarif, text

    return {
        "concise": text.ConciseFormatter,
        "text": text.ConciseFormatter,
        "json": json_format.JsonFormatter,
        "github": github.GithubFormatter,
        "sarif": sarif.SarifFormatter,
        "rdjson": rdjson.RdjsonFormatter,
        "gitlab": gitlab.GitlabFormatter,
        "junit": junit.JunitFormatter,
    }[name]


FORMATS = ("concise", "json", "github", "sarif", "rdjson", "gitlab", "junit")
