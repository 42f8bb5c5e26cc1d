"""Applying fixes: only the bytes a fix names change; every other byte stays identical.

Fixing is line-local: each edit is inside one line, or acts on a whole line (delete it, change
its ending). A line's fixes are applied together when they do not overlap, the result must
still parse as JSON and no text may lose all its content or gain a tag (else the fixes are
tried one at a time), and the line is checked again until no fix applies, so one `--fix`
gives what a second `--fix` would; a line that does not settle is left as it was.
"""

from __future__ import annotations

import difflib
import os
import shutil
import signal
import stat
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Iterable

from rerank_lint.diagnostics.diagnostic import Applicability, Diagnostic, Edit, Fix, LineAction, LineEdit
from rerank_lint.errors import UsageError
from rerank_lint.rules.text.markup import count_tags
from rerank_lint.source import jsonparse
from rerank_lint.source.lines import BOM, iter_lines

if TYPE_CHECKING:
    from rerank_lint.lint.engine import Linter

# Per line: fixing a line again until nothing applies. A line needs a round per layer of
# fixes that reveal one another (`<<b>b>`); past the cap it is left as it was.
MAX_ROUNDS = 100
# A line whose fixes together would empty a text is retried a fix at a time; that costs a
# parse per fix, so only for lines with a reasonable number of them.
MAX_ONE_BY_ONE = 200
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
    current_data = _object(content)
    for _ in range(MAX_ROUNDS):
        if not fixes:
            return current, total
        candidate, applied, data = _apply_keeping_meaning(current, current_data, fixes, number)
        if not applied or candidate == current:
            return current, total
        current, current_data = candidate, data
        total += applied
        fixes = [f for f in linter.record_fixes(number, current, None) if allowed(f, unsafe)]
    if fixes:
        # Still not settled (fixes that undo each other, or nesting deeper than the rounds):
        # stopping half-way would leave a line that the next `--fix` changes again.
        return content, 0
    return current, total


def _apply_keeping_meaning(current: bytes, data, fixes: list[Fix], number: int):
    """The line with the fixes applied, as long as it parses and each text keeps its meaning
    class; otherwise the fixes that keep both, tried one at a time."""
    candidate, applied = apply_edits(current, fixes, number)
    if applied and candidate != current:
        new = _object(candidate)
        if new is not None and not _meaning_lost(data, new):
            return candidate, applied, new
    if len(fixes) < 2 or len(fixes) > MAX_ONE_BY_ONE:
        return current, 0, data
    kept: list[Fix] = []
    result, result_data = current, data
    for fix in fixes:
        trial, count = apply_edits(current, kept + [fix], number)
        if count <= len(kept) or trial == result:
            continue  # overlaps a kept fix, or changes nothing
        new = _object(trial)
        if new is not None and not _meaning_lost(data, new):
            kept.append(fix)
            result, result_data = trial, new
    return result, len(kept), result_data


def _object(content: bytes):
    try:
        data = jsonparse.loads(content)
    except jsonparse.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def _meaning_lost(old, new) -> bool:
    """A text that a fix turned blank, or gave a tag it did not have: a safe fix may clean a
    text but never empty it (an empty query is an error) or make markup out of its words.
    Values are compared where both sides have them; removed keys and elements are the
    business of the fix that removes them."""
    stack = [(old, new)]
    while stack:
        a, b = stack.pop()
        if isinstance(a, str):
            if isinstance(b, str) and a != b:
                if (a.strip() and not b.strip()) or count_tags(b) > count_tags(a):
                    return True
        elif isinstance(a, dict) and isinstance(b, dict):
            stack.extend((value, b[key]) for key, value in a.items() if key in b)
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            stack.extend(zip(a, b))
    return False


def valid_json(content: bytes) -> bool:
    return _object(content) is not None


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
        fixed = _rewrite_in_place(path, plan, linter, display)
        total += fixed
        if not fixed:
            break
    return total


def _rewrite_in_place(path: Path, plan: FixPlan, linter: "Linter", display: str) -> int:
    # A link is followed: its target is what gets fixed, and the link stays a link.
    real = Path(os.path.realpath(path))
    info = real.stat()
    if not info.st_mode & _WRITE_BITS or not os.access(real, os.W_OK):
        # Even where the rename would succeed (root, a writable folder), a read-only file is
        # one someone means to keep as it is.
        raise UsageError(f"{display}: the file is read-only; --fix leaves it as it is (make it writable to fix it)")
    with _temporary_removed_on_signal() as temporary:
        handle, temp_name = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
        temporary.append(temp_name)
        try:
            with open(real, "rb") as source, os.fdopen(handle, "wb") as out:
                outcome = rewrite(source, out, plan, linter)
                out.flush()
                os.fsync(out.fileno())  # the data is on disk before the name points to it
            if info.st_nlink > 1:
                _copy_over(temp_name, real)
                os.unlink(temp_name)
            else:
                os.chmod(temp_name, info.st_mode & 0o7777)
                os.replace(temp_name, real)  # atomic: the file is never half-written
                _sync_folder(real.parent)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
    return outcome.fixed


_WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
_FATAL_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class _Terminated(BaseException):
    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _temporary_removed_on_signal():
    """Collects the temporary files of a rewrite and removes them if the process is told to
    stop, then dies of that signal as it would have: without this, SIGTERM (a CI timeout, a
    closed terminal) ends the process at once and leaves `.NAME.XXXX.tmp` beside the data."""
    names: list[str] = []
    installed: dict[int, object] = {}
    if threading.current_thread() is threading.main_thread():
        def stop(signum, frame):
            raise _Terminated(signum)

        for signum in _FATAL_SIGNALS:
            if signal.getsignal(signum) is signal.SIG_DFL:  # an ignored or handled signal stays so
                installed[signum] = signal.signal(signum, stop)
    try:
        yield names
    except _Terminated as stopped:
        for name in names:
            Path(name).unlink(missing_ok=True)
        for signum, previous in installed.items():
            signal.signal(signum, previous)
        installed.clear()
        signal.raise_signal(stopped.signum)
        raise SystemExit(128 + stopped.signum) from None  # only if the default action did not end us
    finally:
        for signum, previous in installed.items():
            signal.signal(signum, previous)


def _copy_over(temp_name: str, real: Path) -> None:
    """Write the fixed bytes into the file itself: its other hard links see the fix. Not atomic,
    so the signals that stop the process wait until the copy is complete."""
    blocked = set(_FATAL_SIGNALS) | {signal.SIGINT}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        with open(temp_name, "rb") as source, open(real, "r+b") as target:
            shutil.copyfileobj(source, target, 1 << 20)
            target.truncate()
            target.flush()
            os.fsync(target.fileno())
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _sync_folder(folder: Path) -> None:
    # The rename itself is on disk only once the folder is: best effort, not every system allows it.
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


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
