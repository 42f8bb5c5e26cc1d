"""Linting a document that changes a few lines at a time, as an editor does.

`IncrementalLinter` keeps, for each line, what the per-line rules found (parse, text, record
rules and the record-local dataset rules), and for each `GroupRule` an index of key → the
records that yield it. An edit replaces a range of lines: only those lines are parsed and
checked again, and only the groups they enter or leave change. The conclusions that look at
the whole file (conflicts inside groups, blank-line runs, line endings, counts) are drawn from
these indexes without parsing anything again.

Line numbers move when lines are inserted or deleted, so a line's identity is its `LineState`
object, not its number: its diagnostics are kept at the number they were computed at
(`computed_at`) and shifted by `delta` when read. Everything goes through the engine's own
entry points (`Linter.check_line`, `Reporter`, the rules' `group_keys` / `conflict` /
`report_conflict` / `summarize`), so the result is what `Linter.check_bytes` gives for the
same text; `tests/lsp/test_incremental.py` checks that on random edit sequences.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
from pathlib import Path
from typing import Callable, Iterator

from rerank_lint.diagnostics.diagnostic import Diagnostic, Edit, Fix, LineEdit, Position, Range
from rerank_lint.diagnostics.reporter import FileContext, Reporter
from rerank_lint.lint.engine import Linter
from rerank_lint.source.records import SCHEMAS, Format, Record, Schema, detect_format
from rerank_lint.rules.base import GroupRule, Occurrence
from rerank_lint.source.lines import BOM, Line

log = logging.getLogger(__name__)

_serials = itertools.count()


class LineState:
    """One line of the document and what the per-line rules found in it."""

    __slots__ = ("serial", "index", "line", "computed_at", "diagnostics", "record", "detected", "schema_seen", "keys",
                 "blank")

    def __init__(self, index: int, line: Line):
        self.serial = next(_serials)  # never reused, unlike id(): group signatures rely on it
        self.index = index  # the current line number
        self.line = line  # line.number == computed_at
        self.computed_at = index
        self.diagnostics: list[Diagnostic] = []
        self.record: Record | None = None
        self.detected: Format | None = None
        self.schema_seen: Schema | None = None  # the file format the line was checked against
        self.keys: list[list[tuple[object, object]]] = []  # per group rule: (key, payload) pairs
        self.blank = not line.content.strip()  # read for every line on every edit: computed once

    @property
    def delta(self) -> int:
        return self.index - self.computed_at

    @property
    def size(self) -> int:
        return len(self.line.content) + len(self.line.ending) + (len(BOM) if self.line.bom else 0)


class _Group:
    """The records that yield one key of one group rule, with how many times each does."""

    __slots__ = ("members", "count")

    def __init__(self):
        self.members: dict[int, tuple[LineState, list[object]]] = {}  # serial -> (state, payloads)
        self.count = 0


class _DocumentStore:
    """The `LineStore` interface over the document's current lines, for rules that look back."""

    def __init__(self, states: list[LineState | None]):
        self._states = states

    def content(self, number: int) -> bytes:
        if 0 <= number < len(self._states) and self._states[number] is not None:
            return self._states[number].line.content
        return b""

    def close(self) -> None:
        pass


class IncrementalLinter:
    def __init__(self, linter: Linter, display: str, eval_path: Path | None = None, train_path: Path | None = None):
        self.linter = linter
        self.states: list[LineState | None] = []
        self.context: FileContext = linter.file_context(display, _DocumentStore(self.states), 0,
                                                        eval_path=eval_path, train_path=train_path)
        dataset_rules = linter.dataset_rules
        self.group_rules = [r for r in dataset_rules if isinstance(r, GroupRule)]
        self.local_rules = [r for r in dataset_rules if not isinstance(r, GroupRule) and r.record_local]
        # Dataset rules that keep state across records: replayed over the kept records.
        self.replayed_rules = [r for r in dataset_rules if not isinstance(r, GroupRule) and not r.record_local]
        self.reporter = Reporter(self.context, linter.severities)
        linter.start_rules(self.local_rules, self.reporter, self.context)
        self.groups: list[dict[object, _Group]] = [{} for _ in self.group_rules]
        self.conflicted: list[set[object]] = [set() for _ in self.group_rules]
        self._conflict_cache: dict[tuple[int, object], tuple[tuple, list[Diagnostic]]] = {}
        self.records = 0
        self.size = 0
        self._first_detected: LineState | None = None
        self._renumber_from: int | None = None
        self._pending: list[tuple[int, int]] = []  # ranges of placeholders, when nothing moved

    # --- editing --------------------------------------------------------------------------

    def splice(self, start: int, stop: int, count: int) -> None:
        """Lines [start, stop) are replaced by `count` new lines, to be read by `refresh`."""
        for state in self.states[start:stop]:
            if state is not None:
                self._forget(state)
        self.states[start:stop] = [None] * count
        if count != stop - start:
            self._renumber_from = start if self._renumber_from is None else min(self._renumber_from, start)
        self._pending.append((start, start + count))

    def refresh(self, line_at: Callable[[int], tuple[bytes, bytes, bool]]) -> list[LineState]:
        """Check the new lines; `line_at(i)` gives line i's content, ending and whether a BOM
        precedes it. Returns the states checked."""
        placeholders = self._placeholders()
        self._pending.clear()
        provisional = self._scan_first_detected()
        checked = []
        for index in placeholders:
            content, ending, bom = line_at(index)
            state = self._check(index, Line(index, 0, content, ending, bom), provisional)
            if state.detected is not None and (provisional is None or index < provisional.index):
                provisional = state
            checked.append(state)
        first = self._scan_first_detected()
        if first is not self._first_detected or first is not provisional:
            checked += self._recheck_formats(first)
        self._first_detected = first
        return checked

    def reset(self, lines: list[tuple[bytes, bytes, bool]]) -> None:
        self.splice(0, len(self.states), len(lines))
        self.refresh(lines.__getitem__)

    def _placeholders(self) -> list[int]:
        states = self.states
        if self._renumber_from is None:
            return sorted({i for start, stop in self._pending for i in range(start, stop) if states[i] is None})
        found = []
        for i in range(self._renumber_from, len(states)):
            state = states[i]
            if state is None:
                found.append(i)
            else:
                state.index = i
        found = sorted(set(found) | {i for start, stop in self._pending for i in range(start, min(stop, self._renumber_from))
                                     if states[i] is None})
        self._renumber_from = None
        return found

    def _check(self, index: int, line: Line, first_detected: LineState | None) -> LineState:
        state = LineState(index, line)
        self.states[index] = state
        context = self.context
        forced = self.linter.forced_schema
        before = first_detected is not None and first_detected.index < index
        context.schema = forced or (SCHEMAS[first_detected.detected] if before else None)
        state.schema_seen = context.schema
        result = self.linter.check_line(line, context, self.local_rules)
        state.diagnostics = result.diagnostics
        state.record = result.record
        if result.record is not None:
            state.detected = detect_format(result.record.data)
            self.records += 1
            self._index(state)
        self.size += state.size
        return state

    def _forget(self, state: LineState) -> None:
        self.size -= state.size
        if state.record is not None:
            self.records -= 1
        self._unindex(state)
        if state is self._first_detected:
            self._first_detected = None

    def _scan_first_detected(self) -> LineState | None:
        for state in self.states:
            if state is not None and state.detected is not None:
                return state
        return None

    def _recheck_formats(self, first: LineState | None) -> list[LineState]:
        """The file's format (its first record with format keys) changed: lines checked against
        another format are checked again."""
        checked = []
        for index, state in enumerate(self.states):
            expected = self.linter.forced_schema or (
                SCHEMAS[first.detected] if first is not None and first.index < index else None)
            if state.schema_seen != expected and state.record is not None:
                line = dataclasses.replace(state.line, number=index)
                self._forget(state)
                checked.append(self._check(index, line, first))
        return checked

    # --- group indexes --------------------------------------------------------------------

    def _index(self, state: LineState) -> None:
        record = state.record
        for g, rule in enumerate(self.group_rules):
            keys: list[tuple[object, object]] = []
            # As in the streaming engine, a rule that raises reports an internal error here.
            self.reporter.bind(state.index, state.line.content, record)
            self.linter.guard(rule, lambda: keys.extend(rule.group_keys(record)), self.reporter)
            state.diagnostics = state.diagnostics + self.reporter.items if self.reporter.items else state.diagnostics
            state.keys.append(keys)
            groups = self.groups[g]
            for key, payload in keys:
                group = groups.get(key)
                if group is None:
                    group = groups[key] = _Group()
                member = group.members.get(state.serial)
                if member is None:
                    group.members[state.serial] = (state, [payload])
                else:
                    member[1].append(payload)
                group.count += 1
                if group.count == 2:
                    self.conflicted[g].add(key)

    def _unindex(self, state: LineState) -> None:
        for g, keys in enumerate(state.keys):
            groups = self.groups[g]
            for key, _ in keys:
                group = groups.get(key)
                if group is None or state.serial not in group.members:
                    continue
                _, payloads = group.members.pop(state.serial)
                group.count -= len(payloads)
                if not group.members:
                    del groups[key]
                if group.count < 2:
                    self.conflicted[g].discard(key)
                    self._conflict_cache.pop((g, key), None)
        state.keys = []

    def _conflicts(self, g: int, key: object) -> list[Diagnostic]:
        """What the group rule reports for one key: every later occurrence against the first."""
        group = self.groups[g][key]
        occurrences = [(state, payload) for state, payloads in sorted(group.members.values(), key=lambda m: m[0].index)
                       for payload in payloads]
        signature = tuple((state.serial, state.index) for state, _ in occurrences)
        cached = self._conflict_cache.get((g, key))
        if cached is not None and cached[0] == signature:
            return cached[1]
        rule = self.group_rules[g]
        reporter = self.reporter
        found: list[Diagnostic] = []
        first_state, first_payload = occurrences[0]
        first = Occurrence(first_state.index, first_payload)
        for state, payload in occurrences[1:]:
            later = Occurrence(state.index, payload)
            reporter.bind(state.index, state.line.content, state.record)
            self.linter.guard(rule, self._report_if_conflict, reporter, rule, state.record, first, later)
            found += reporter.items
        self._conflict_cache[(g, key)] = (signature, found)
        return found

    def _report_if_conflict(self, rule: GroupRule, record: Record, first: Occurrence, later: Occurrence) -> None:
        if rule.conflict(first, later):
            rule.report_conflict(self.reporter, record, first, later)

    # --- reading --------------------------------------------------------------------------

    def line_diagnostics(self) -> Iterator[LineState]:
        """The states, in line order (their `diagnostics` are at `computed_at`; shift by `delta`)."""
        return (state for state in self.states if state is not None)

    def conclusions(self) -> list[Diagnostic]:
        """Everything that is not one line's own finding, at the current line numbers."""
        linter, context, reporter = self.linter, self.context, self.reporter
        context.lines = len(self.states)
        context.records = self.records
        context.size = self.size
        context.schema = linter.forced_schema or (
            SCHEMAS[self._first_detected.detected] if self._first_detected is not None else None)
        items: list[Diagnostic] = []
        for g in range(len(self.group_rules)):
            for key in self.conflicted[g]:
                items += self._conflicts(g, key)
        items += self._whole_file_scan()
        reporter.bind(0, b"", None)
        for g, rule in enumerate(self.group_rules):
            linter.guard(rule, rule.summarize, reporter, reporter, context, len(self.groups[g]))
        items += reporter.items
        items += linter.finish_rules(self.local_rules, reporter, context)
        items += self._replay()
        return items

    def _whole_file_scan(self) -> list[Diagnostic]:
        """Blank-line runs and line endings: one pass over the kept lines, nothing parsed."""
        linter, reporter = self.linter, self.reporter
        items: list[Diagnostic] = []
        run: list[Line] = []
        crlf: list[int] = []
        last: Line | None = None
        for state in self.states:
            line = state.line
            if line.ending == b"\r\n":
                crlf.append(state.index)
            if state.blank:
                run.append(self._current_line(state))
            elif run:
                items += linter.blank_lines(run, reporter)
                run = []
        if run:
            items += linter.blank_lines(run, reporter)
        if self.states:
            last = self._current_line(self.states[-1])
        return items + linter.source_conclusions(last, crlf, self.context, reporter)

    @staticmethod
    def _current_line(state: LineState) -> Line:
        line = state.line
        return line if state.computed_at == state.index else dataclasses.replace(line, number=state.index)

    def _replay(self) -> list[Diagnostic]:
        if not self.replayed_rules:
            return []
        linter, reporter, context = self.linter, self.reporter, self.context
        items: list[Diagnostic] = []
        observers = linter.start_rules(self.replayed_rules, reporter, context)
        for state in self.states:
            record = state.record
            if record is None:
                continue
            # The record keeps the number it was checked at; a rule that collects line numbers
            # for its conclusion (RL408's "lines 9") must see where the record is now.
            checked_at, record.line = record.line, state.index
            try:
                reporter.bind(state.index, state.line.content, record)
                linter.observe(observers, record, reporter)
                items += reporter.items
            finally:
                record.line = checked_at
        return items + linter.finish_rules(self.replayed_rules, reporter, context)

    def diagnostics(self) -> list[Diagnostic]:
        """All diagnostics at the current line numbers, as `Linter.check_bytes` would give them."""
        items = [shift(d, state.delta) for state in self.line_diagnostics() for d in state.diagnostics]
        return items + self.conclusions()


# --- moving diagnostics with their line -------------------------------------------------------

def _shift_position(p: Position, delta: int) -> Position:
    return Position(p.line + delta, p.byte, p.utf16, p.char)


def shift_range(r: Range, delta: int) -> Range:
    return Range(_shift_position(r.start, delta), _shift_position(r.end, delta))


def shift(d: Diagnostic, delta: int) -> Diagnostic:
    """The diagnostic of a line that moved by `delta` lines. Related places in the same file move
    with it only when they are on the same line (other lines' places come from group indexes,
    which are recomputed at their current numbers)."""
    if delta == 0:
        return d
    line = d.range.start.line
    related = [dataclasses.replace(r, range=shift_range(r.range, delta)) if r.path == d.path and r.range.start.line == line else r
               for r in d.related]
    fix = d.fix
    if fix is not None:
        fix = Fix(fix.description, tuple(_shift_edit(e, line, delta) for e in fix.edits), fix.applicability)
    return dataclasses.replace(d, range=shift_range(d.range, delta), related=related, fix=fix)


def _shift_edit(edit: Edit | LineEdit, line: int, delta: int) -> Edit | LineEdit:
    if edit.line != line:
        return edit
    return dataclasses.replace(edit, line=edit.line + delta)
