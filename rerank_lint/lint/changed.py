"""Changed-records mode (`check --diff-from REF`): report problems of the records added or
changed since a git revision, not the ones the dataset already had.

The whole file is still checked, so dataset rules see every record (a new record that repeats
an old query is a duplicate). Only the reporting is narrowed, by what a rule looks at:
- a problem of the file as a whole (too few queries, no eval file) is kept;
- a record-level problem (text, record and source rules) is kept when it is on a new line;
- a dataset-level problem (a duplicate, a leak, a semantic conclusion) is kept when it is on a
  new record or points at one: a new record inserted above an old copy makes the old copy the
  duplicate, and that is the new record's doing.

A record is new when its content (the hash the baseline uses) is not in the file at REF, so
moving records around changes nothing; copying an existing record makes the copy new.
"""

from __future__ import annotations

import io
import subprocess
from collections import Counter
from pathlib import Path
from typing import Iterable, Iterator

from rerank_lint.diagnostics.diagnostic import FILE_START, Diagnostic
from rerank_lint.diagnostics.reporter import record_hash
from rerank_lint.rules.registry import REGISTRY
from rerank_lint.rules.base import DatasetRule
from rerank_lint.rules.file import InternalError
from rerank_lint.source.lines import iter_lines
from rerank_lint.source.parquet import is_parquet, iter_json_lines


class GitError(Exception):
    pass


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True)
    except FileNotFoundError:
        raise GitError("--diff-from needs git, which is not installed") from None


def file_at_revision(path: Path, ref: str) -> bytes | None:
    """The file's bytes at `ref`, or None when it did not exist there (every record is new)."""
    folder = path.resolve().parent
    if _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], folder).returncode != 0:
        raise GitError(f"--diff-from {ref}: not a git revision here ({folder})")
    shown = _git(["show", f"{ref}:./{path.name}"], folder)
    if shown.returncode != 0:
        return None
    return shown.stdout


def _hashes(lines) -> Iterator[tuple[int, str | None]]:
    for line in lines:
        yield line.number, record_hash(line.content) if line.content.strip() else None


def new_lines(old: bytes | None, path: Path) -> set[int]:
    """Lines of the current file whose content is not in `old` (each old line matches once)."""
    if is_parquet(path):
        return _new_rows(old, path)
    remaining = Counter(h for _, h in _hashes(iter_lines(io.BytesIO(old)))) if old is not None else Counter()
    changed = set()
    with open(path, "rb") as current:
        for number, digest in _hashes(iter_lines(current)):
            if remaining[digest] > 0:
                remaining[digest] -= 1
            else:
                changed.add(number)
    return changed


def _new_rows(old: bytes | None, path: Path) -> set[int]:
    """The same for a Parquet file: rows compared as the canonical JSON lines the engine reads."""
    import tempfile

    remaining: Counter = Counter()
    if old is not None:
        with tempfile.TemporaryDirectory(prefix="rerank-lint-") as folder:
            previous = Path(folder) / path.name
            previous.write_bytes(old)
            remaining = Counter(h for _, h in _hashes(iter_lines(iter_json_lines(previous, str(path)))))
    changed = set()
    for number, digest in _hashes(iter_lines(iter_json_lines(path, str(path)))):
        if remaining[digest] > 0:
            remaining[digest] -= 1
        else:
            changed.add(number)
    return changed


def is_about_the_file(d: Diagnostic) -> bool:
    """File-level conclusions sit at the file's start with no record; a rule that crashed is
    the tool's problem, never an old one of the data."""
    return (d.record_key is None and d.range == FILE_START) or d.code == InternalError.code


def is_dataset_level(code: str) -> bool:
    return issubclass(REGISTRY[code], DatasetRule)


class ChangedRecords:
    """Which problems of one file to report in changed-records mode."""

    def __init__(self, path: Path, display: str, lines: set[int]):
        self.path, self.display, self.lines = path, display, lines

    @classmethod
    def since(cls, ref: str, path: Path, display: str) -> "ChangedRecords":
        return cls(path, display, new_lines(file_at_revision(path, ref), path))

    def _on_new_record(self, path: str, line: int) -> bool:
        return path == self.display and line in self.lines

    def keeps(self, d: Diagnostic) -> bool:
        if is_about_the_file(d):
            return True
        if self._on_new_record(d.path, d.range.start.line):
            return True
        return is_dataset_level(d.code) and any(self._on_new_record(r.path, r.range.start.line) for r in d.related)

    def filter(self, diagnostics: Iterable[Diagnostic]) -> Iterator[Diagnostic]:
        return (d for d in diagnostics if self.keeps(d))
