"""Suppression by baseline. JSONL has no comments, so known problems are recorded in a file,
keyed by rule code and a hash of the record's content: an entry follows its record when lines
move, and stops matching once the record is edited (then the problem is looked at again).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Iterable

from rerank_lint.diagnostics.diagnostic import Diagnostic
from rerank_lint.source.lines import read_limited

VERSION = 1
DEFAULT_NAME = "rerank-lint-baseline.json"


class BaselineError(Exception):
    pass


def entry_key(diagnostic: Diagnostic, path: str) -> tuple[str, str, str]:
    return (path, diagnostic.code, diagnostic.record_key or "file")


class Baseline:
    def __init__(self, counts: Counter | None = None):
        self.counts: Counter = counts or Counter()

    @classmethod
    def load(cls, path: Path) -> "Baseline":
        try:
            data = json.loads(read_limited(path, "baseline").decode("utf-8"))
        except FileNotFoundError:
            raise BaselineError(f"baseline file not found: {path}") from None
        except (OSError, ValueError) as exc:
            raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc if isinstance(exc, OSError) else exc}") from None
        if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("entries"), list):
            raise BaselineError(f"{path} is not a rerank-lint baseline (version {VERSION})")
        counts: Counter = Counter()
        for entry in data["entries"]:
            try:
                counts[(entry["path"], entry["code"], entry["record"])] += int(entry.get("count", 1))
            except (KeyError, TypeError, ValueError):
                raise BaselineError(f"{path}: malformed entry {entry!r}") from None
        return cls(counts)

    @classmethod
    def from_diagnostics(cls, items: Iterable[tuple[str, Diagnostic]]) -> "Baseline":
        return cls(Counter(entry_key(d, path) for path, d in items))

    def write(self, path: Path) -> None:
        entries = [
            {"path": p, "code": c, "record": r, "count": n}
            for (p, c, r), n in sorted(self.counts.items())
        ]
        path.write_text(json.dumps({"version": VERSION, "tool": "rerank-lint", "entries": entries}, indent=1) + "\n", encoding="utf-8")

    def matcher(self, path: str) -> "Matcher":
        """A fresh suppression pass over one file's diagnostics (see `Matcher`)."""
        return Matcher(self.counts, path)

    def filter(self, diagnostics: Iterable[Diagnostic], path: str) -> Iterable[tuple[Diagnostic, bool]]:
        """Each diagnostic with whether the baseline suppresses it (each entry suppresses `count` of them)."""
        matcher = self.matcher(path)
        for d in diagnostics:
            yield d, matcher.suppressed(d)


class Matcher:
    """One pass over one file's diagnostics, asked about one at a time in their order: each
    entry suppresses `count` of them, then no more. `Baseline.filter` (the CLI) and the
    language server's publish (`server/state.py`, a new pass per publish) both use it."""

    def __init__(self, counts: Counter, path: str):
        self._remaining = Counter(counts)
        self.path = path

    def suppressed(self, diagnostic: Diagnostic) -> bool:
        key = entry_key(diagnostic, self.path)
        if self._remaining[key] > 0:
            self._remaining[key] -= 1
            return True
        return False
