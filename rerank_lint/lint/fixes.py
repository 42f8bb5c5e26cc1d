"""Applying fixes: only the bytes a fix names change; every other byte stays identical.

Fixing is line-local: each edit is inside one line, or acts on a whole line (delete it, change
its ending). A line's fixes are applied together when they do not overlap, the result must
still parse as JSON (else the line is left as it was), and the line is checked again until no
fix applies, so one `--fix` gives what a second `--fix` would.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Iterable

import orjson

from rerank_lint.diagnostics.diagnostic import Applicability, Diagnostic, Edit, Fix, LineAction, LineEdit
from rerank_lint.source.lines import BOM, iter_lines

if TYPE_CHECKING:
    from rerank_lint.lint.engine import Linter

MAX_ROUNDS = 10  # per line: fixing a line again until nothing applies
MAX_PASSES = 10  # per file: a fix can reveal a file-level one (two records become equal)


@dataclass
class FixPlan:
    by_line: dict[int, list[Fix]] = field(default_factory=dict)
    actions: dict[int, set[LineAction]] = field(default_factory=dict)
    all_lf: bool = False
    strip_bom: bool = False
    unsafe: bool = False

    @property
    def empty(self) -> bool:
        return not (self.by_line or self.actions or self.all_lf or self.strip_bom)


def allowed(fix: Fix | None, unsafe: bool) -> bool:
    return fix is not None and (unsafe or fix.applicability is Applicability.SAFE)


def plan_fixes(diagnostics: Iterable[Diagnostic], unsafe: bool = False) -> FixPlan:
    plan = FixPlan(unsafe=unsafe)
    seen: set[int] = set()
    for diagnostic in diagnostics:
        fix = diagnostic.fix
        if not allowed(fix, unsafe) or id(fix) in seen:
            continue
        seen.add(id(fix))
        text_lines: set[int] = set()
        for edit in fix.edits:
            if isinstance(edit, LineEdit):
                if edit.action is LineAction.ALL_LF:
                    plan.all_lf = True
                elif edit.action is LineAction.STRIP_BOM:
                    plan.strip_bom = True
                else:
                    plan.actions.setdefault(edit.line, set()).add(edit.action)
            else:
                text_lines.add(edit.line)
        for line in text_lines:
            plan.by_line.setdefault(line, []).append(fix)
    return plan


def apply_edits(content: bytes, fixes: list[Fix], line: int) -> tuple[bytes, int]:
    """Apply the non-overlapping fixes of one line; returns the new content and how many applied."""
    accepted: list[Edit] = []
    applied = 0
    for fix in sorted(fixes, key=lambda f: min(e.start for e in f.edits if isinstance(e, Edit) and e.line == line)):
        edits = [e for e in fix.edits if isinstance(e, Edit) and e.line == line]
        if any(_overlaps(e, a) for e in edits for a in accepted):
            continue
        accepted.extend(edits)
        applied += 1
    result = content
    for edit in sorted(accepted, key=lambda e: e.start, reverse=True):
        result = result[: edit.start] + edit.replacement + result[edit.end:]
    return result, applied


def _overlaps(a: Edit, b: Edit) -> bool:
    if a.start == a.end or b.start == b.end:
        return a.start == b.start and a.end == b.end  # two insertions at one point conflict
    return a.start < b.end and b.start < a.end


def fix_line(content: bytes, number: int, fixes: list[Fix], linter: "Linter", unsafe: bool) -> tuple[bytes, int]:
    """Fix one line, then fix again what the fixed line still offers, until nothing applies."""
    total = 0
    current = content
    for _ in range(MAX_ROUNDS):
        if not fixes:
            break
        candidate, applied = apply_edits(current, fixes, number)
        if not applied or candidate == current:
            break
        if not valid_json(candidate):
            break  # never write a line that no longer parses; keep what we had
        current = candidate
        total += applied
        fixes = [f for f in linter.record_fixes(number, current, None) if allowed(f, unsafe)]
    return current, total


def valid_json(content: bytes) -> bool:
    try:
        return isinstance(orjson.loads(content), dict)
    except orjson.JSONDecodeError:
        return False


@dataclass
class FixOutcome:
    fixed: int = 0
    # (line number, old line with its ending, new line with its ending or None when deleted)
    changed_lines: list[tuple[int, bytes, bytes | None]] = field(default_factory=list)


def rewrite(source: BinaryIO, out: BinaryIO | None, plan: FixPlan, linter: "Linter", keep_changes: bool = False) -> FixOutcome:
    """Stream `source` to `out` with the plan applied. `out` None only computes the outcome."""
    outcome = FixOutcome()
    if plan.strip_bom:
        outcome.fixed += 1
    if plan.all_lf:
        outcome.fixed += 1
    for line in iter_lines(source):
        prefix = BOM if line.bom and not plan.strip_bom else b""
        actions = plan.actions.get(line.number, set())
        ending = line.ending
        if plan.all_lf and ending == b"\r\n":
            ending = b"\n"
        if LineAction.USE_LF in actions and ending == b"\r\n":
            ending = b"\n"
            outcome.fixed += 1
        if LineAction.ADD_NEWLINE in actions and ending == b"":
            ending = b"\n"
            outcome.fixed += 1
        if LineAction.DELETE in actions:
            outcome.fixed += 1
            if keep_changes:
                outcome.changed_lines.append((line.number, line.content + line.ending, None))
            continue
        content = line.content
        fixes = plan.by_line.get(line.number)
        if fixes:
            content, applied = fix_line(content, line.number, fixes, linter, plan.unsafe)
            outcome.fixed += applied
        old_prefix = BOM if line.bom else b""
        if keep_changes and (content != line.content or ending != line.ending or prefix != old_prefix):
            outcome.changed_lines.append((line.number, old_prefix + line.content + line.ending, prefix + content + ending))
        if out is not None:
            out.write(prefix + content + ending)
    return outcome


def fix_path(path: Path, display: str, linter: "Linter", context: dict, unsafe: bool) -> int:
    """Fix a file in place, pass after pass until no fix applies, so that a second `--fix`
    has nothing left to do. Returns how many fixes were applied."""
    total = 0
    for _ in range(MAX_PASSES):
        diagnostics = [d for result in linter.iter_path(path, display, **context) for d in result.diagnostics]
        plan = plan_fixes(diagnostics, unsafe=unsafe)
        if plan.empty:
            break
        fixed = _rewrite_in_place(path, plan, linter)
        total += fixed
        if not fixed:
            break
    return total


def _rewrite_in_place(path: Path, plan: FixPlan, linter: "Linter") -> int:
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.resolve().parent)
    try:
        with open(path, "rb") as source, os.fdopen(handle, "wb") as out:
            outcome = rewrite(source, out, plan, linter)
        os.chmod(temp_name, path.stat().st_mode & 0o7777)
        os.replace(temp_name, path)  # atomic: the file is never half-written
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return outcome.fixed


def fix_diff(path: Path, display: str, linter: "Linter", context: dict, unsafe: bool) -> tuple[int, str]:
    """What `--fix` would do, as a unified diff that `patch` applies; the file is not touched."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / path.name
        copy.write_bytes(path.read_bytes())
        fixed = fix_path(copy, display, linter, context, unsafe)
        if not fixed:
            return 0, ""
        return fixed, unified_diff(display, path.read_bytes(), copy.read_bytes())


def _lines(data: bytes) -> list[bytes]:
    # Split on LF only: a CR is part of its line, as patch sees it.
    parts = data.split(b"\n")
    lines = [p + b"\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def unified_diff(display: str, old: bytes, new: bytes) -> str:
    """A unified diff without context lines, with patch's marker for a missing final newline."""
    out = []
    lines = difflib.diff_bytes(difflib.unified_diff, _lines(old), _lines(new), f"a/{display}".encode(),
                               f"b/{display}".encode(), n=0)
    for line in lines:
        text = line.decode("utf-8", "replace")
        if not text.endswith("\n"):
            text += "\n\\ No newline at end of file\n"
        out.append(text)
    return "".join(out)
