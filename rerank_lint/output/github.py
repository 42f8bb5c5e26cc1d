"""`--format github`: GitHub Actions workflow commands, which GitHub shows as annotations.

GitHub shows at most 10 annotations of each level per step, so the most severe come first."""

from __future__ import annotations

import sys

from ..diagnostics import Diagnostic, Severity
from . import Summary

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubFormatter:
    streaming = False

    def __init__(self, out=None, **_):
        self.out = out or sys.stdout
        self.items: list[Diagnostic] = []

    def emit(self, d: Diagnostic) -> None:
        self.items.append(d)

    def finish(self, summary: Summary) -> None:
        for d in sorted(self.items, key=lambda d: (-d.severity, d.path, d.line)):
            s, e = d.range.start, d.range.end
            props = [f"file={_escape_property(d.path)}", f"line={s.line + 1}", f"col={s.char + 1}",
                     f"endLine={e.line + 1}"]
            if e.line == s.line:
                props.append(f"endColumn={e.char + 1}")
            props.append(f"title={_escape_property(f'{d.code} {d.name}')}")
            self.out.write(f"::{_LEVELS[d.severity]} {','.join(props)}::{_escape_data(d.message)}\n")
