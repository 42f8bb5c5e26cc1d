"""Linting a document that changes a few lines at a time, as an editor does.

`IncrementalLinter` keeps, for each line, what the per-line rules found (parse, text, record
rules and the record-local dataset rules), and for the dataset rules what each record adds:
for each `GroupRule` an index of key → the records that yield it, for each `TallyRule` the
record's tally, summed over the file. An edit replaces a range of lines: only those lines are
parsed and checked again, only the groups they enter or leave are compared again, and their
tallies are subtracted and added. The conclusions that look at the whole file (conflicts
inside groups, counts, blank-line runs, line endings) are drawn from what is kept, without
parsing anything again and without walking the document: an edit costs work in proportion to
the lines it changes and the diagnostics that change (`work` counts it, for the tests).

Line numbers move when lines are inserted or deleted, so a line's identity is its `LineState`
object, not its number: its diagnostics are kept at the number they were computed at
(`computed_at`) and shifted by `delta` when read. Everything goes through the engine's own
entry points (`Linter.check_line`, `Reporter`, the rules' `group_keys` / `conflict` /
`report_conflict` / `summarize`, `tally` / `conclude`), so the result is what
`Linter.check_bytes` gives for the same text; `tests/lsp/test_incremental.py` checks that on
random edit sequences.

A first check can be done in parts (`refresh(..., limit=)`), from the top: the lines above the
first line not yet checked (`frontier`) then have their final diagnostics, and a front end can
show them while the rest is checked (`prefix_diagnostics`).
"""

from __future__ import annotations

import bisect
import dataclasses
import heapq
import itertools
import logging
from collections import Counter
from pathlib import Path
from typing import Callable, Iterator

from rerank_lint.diagnostics.diagnostic import Diagnostic, Edit, Fix, LineEdit, Position, Range
from rerank_lint.diagnostics.reporter import FileContext, Reporter
from rerank_lint.lint.engine import Linter
from rerank_lint.source.records import SCHEMAS, Format, Record, Schema, detect_format
from rerank_lint.rules.base import GroupRule, Marked, Occurrence, Tally, TallyRule
from rerank_lint.source.lines import BOM, Line

log = logging.getLogger(__name__)

_serials = itertools.count()


class LineState:
    """One line of the document and what the per-line rules found in it."""

    __slots__ = ("serial", "index", "line", "computed_at", "diagnostics", "record", "detected", "schema_seen", "keys",
                 "tallies", "blank")

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
        self.tallies: list[Tally | None] = []  # per tally rule
        self.blank = not line.content.strip()

    @property
    def delta(self) -> int:
        return self.index - self.computed_at

    @property
    def size(self) -> int:
        return len(self.line.content) + len(self.line.ending) + (len(BOM) if self.line.bom else 0)


def _line_of(member: tuple[LineState, object]) -> int:
    return member[0].index


class _Ordered:
    """Line states that share something (a tally mark, a blank line, a CRLF ending, having
    diagnostics), with a payload each: how many, and the first `first_k` of them in line order
    (all of them, in order, when `first_k` is None), kept up to date as states come and go.

    Renumbering lines keeps the order of the states that stay, so the states found first stay
    first: they are looked for again only when one of them goes or a new state comes before
    the last of them. The full order (`first_k` None) is kept sorted by insertion."""

    __slots__ = ("members", "first_k", "_first")

    def __init__(self, first_k: int | None):
        self.members: dict[int, tuple[LineState, object]] = {}  # serial -> (state, payload)
        self.first_k = first_k
        self._first: list[tuple[LineState, object]] | None = None

    def __len__(self) -> int:
        return len(self.members)

    def add(self, state: LineState, payload: object = None) -> None:
        member = (state, payload)
        self.members[state.serial] = member
        first = self._first
        if first is None:
            return
        if self.first_k is None:
            bisect.insort(first, member, key=_line_of)
        elif len(first) < self.first_k or state.index < first[-1][0].index:
            self._first = None

    def discard(self, state: LineState) -> None:
        member = self.members.pop(state.serial, None)
        first = self._first
        if member is None or first is None:
            return
        if self.first_k is None:
            first.remove(member)
        elif any(kept is state for kept, _ in first):
            self._first = None

    def first(self) -> list[tuple[LineState, object]]:
        if self._first is None:
            members = self.members.values()
            self._first = (sorted(members, key=_line_of) if self.first_k is None
                           else heapq.nsmallest(self.first_k, members, key=_line_of))
        return self._first


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
        self.tally_rules = [r for r in dataset_rules if isinstance(r, TallyRule)]
        self.local_rules = [r for r in dataset_rules if not isinstance(r, (GroupRule, TallyRule)) and r.record_local]
        # Dataset rules that keep state of their own across records: replayed over the kept
        # records on every edit, the one cost that grows with the document. The built-in rules
        # all have one of the shapes above (tests/lsp/test_edit_cost.py checks it).
        self.replayed_rules = [r for r in dataset_rules if not isinstance(r, (GroupRule, TallyRule)) and not r.record_local]
        self.reporter = Reporter(self.context, linter.severities)
        linter.start_rules(self.local_rules, self.reporter, self.context)
        self.groups: list[dict[object, _Group]] = [{} for _ in self.group_rules]
        self.conflicted: list[set[object]] = [set() for _ in self.group_rules]
        self._conflict_cache: dict[tuple[int, object], tuple[tuple, list[Diagnostic]]] = {}
        self._touched_keys: set[tuple[int, object]] = set()  # group keys entered or left since the last conclusions
        self.totals: list[list[int]] = [[0] * rule.counts for rule in self.tally_rules]
        self.marks: list[dict[object, _Ordered]] = [{} for _ in self.tally_rules]
        self._noted = _Ordered(None)  # the states with diagnostics of their own, in line order
        self._blank = _Ordered(None)
        self._crlf = _Ordered(1)
        self._source_changes = 0  # bumped when what the whole-file scan reads changes
        self._source_cache: tuple[tuple, list[Diagnostic]] | None = None
        self._moved = False  # lines were inserted or deleted since the last conclusions
        self.records = 0
        self.size = 0
        self._first_detected: LineState | None = None
        self._renumber_from: int | None = None
        self._pending: list[tuple[int, int]] = []  # ranges of placeholders, when nothing moved
        # What an edit cost: lines checked, and group conflicts compared again (for the tests:
        # counted, not timed).
        self.work: Counter = Counter()

    # --- editing --------------------------------------------------------------------------

    def splice(self, start: int, stop: int, count: int) -> None:
        """Lines [start, stop) are replaced by `count` new lines, to be read by `refresh`."""
        for state in self.states[start:stop]:
            if state is not None:
                self._forget(state)
        if stop == len(self.states):
            self._source_changes += 1  # the last line is another one now
        self.states[start:stop] = [None] * count
        if count != stop - start:
            self._renumber_from = start if self._renumber_from is None else min(self._renumber_from, start)
            self._moved = True
            self._source_changes += 1
        self._pending.append((start, start + count))

    def refresh(self, line_at: Callable[[int], tuple[bytes, bytes, bool]], limit: int | None = None) -> list[LineState]:
        """Check the new lines; `line_at(i)` gives line i's content, ending and whether a BOM
        precedes it. With a `limit`, only the first `limit` of them, from the top (the rest wait
        for the next call: `complete` says whether any do). Returns the states checked."""
        placeholders = self._placeholders()
        self._pending.clear()
        if limit is not None and len(placeholders) > limit:
            placeholders, waiting = placeholders[:limit], placeholders[limit:]
            self._pending.extend(_runs(waiting))
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

    @property
    def complete(self) -> bool:
        """Every line has been checked (no `refresh` left waiting)."""
        return not self._pending and self._renumber_from is None

    def frontier(self) -> int:
        """The first line not checked yet (the number of lines when all are): every line above
        it has its final diagnostics."""
        waiting = [start for start, stop in self._pending if start < stop]
        return min(waiting, default=len(self.states))

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
        self.work["lines checked"] += 1
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
            self._tally(state)  # with the file's format as the streaming engine has it here
        self.size += state.size
        if state.diagnostics:
            self._noted.add(state)
        if state.blank:
            self._blank.add(state)
        if line.ending == b"\r\n":
            self._crlf.add(state)
        if state.blank or line.ending == b"\r\n":
            self._source_changes += 1
        return state

    def _forget(self, state: LineState) -> None:
        self.size -= state.size
        if state.record is not None:
            self.records -= 1
        self._unindex(state)
        self._untally(state)
        self._noted.discard(state)
        if state.blank or state.line.ending == b"\r\n":
            self._blank.discard(state)
            self._crlf.discard(state)
            self._source_changes += 1
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
            if state is None:  # not checked yet (a first check in parts)
                continue
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
                self._touched_keys.add((g, key))
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
                self._touched_keys.add((g, key))
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
        self.work["group conflicts compared"] += len(occurrences) - 1
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

    def _group_conflicts(self) -> list[Diagnostic]:
        """The conflicts of every group, compared again only where a key was entered or left
        (or, after lines were inserted or deleted, where their numbers changed)."""
        items: list[Diagnostic] = []
        touched, cache = self._touched_keys, self._conflict_cache
        for g in range(len(self.group_rules)):
            for key in self.conflicted[g]:
                cached = None if self._moved or (g, key) in touched else cache.get((g, key))
                items += cached[1] if cached is not None else self._conflicts(g, key)
        touched.clear()
        return items

    # --- tallies ----------------------------------------------------------------------------

    def _tally(self, state: LineState) -> None:
        record, context, reporter = state.record, self.context, self.reporter
        for t, rule in enumerate(self.tally_rules):
            reporter.bind(state.index, state.line.content, record)
            tally = self.linter.guard(rule, rule.tally, reporter, record, context)
            if reporter.items:
                state.diagnostics = state.diagnostics + reporter.items
            state.tallies.append(tally)
            if tally is None:
                continue
            totals = self.totals[t]
            for i, n in enumerate(tally.counts):
                totals[i] += n
            marks = self.marks[t]
            for mark, payload in tally.marks:
                marked = marks.get(mark)
                if marked is None:
                    marked = marks[mark] = _Ordered(rule.cited)
                marked.add(state, payload)

    def _untally(self, state: LineState) -> None:
        for t, tally in enumerate(state.tallies):
            if tally is None:
                continue
            totals = self.totals[t]
            for i, n in enumerate(tally.counts):
                totals[i] -= n
            marks = self.marks[t]
            for mark, _ in tally.marks:
                marked = marks[mark]
                marked.discard(state)
                if not marked:
                    del marks[mark]
        state.tallies = []

    def _tally_conclusions(self) -> list[Diagnostic]:
        reporter, context, linter = self.reporter, self.context, self.linter
        items: list[Diagnostic] = []
        for t, rule in enumerate(self.tally_rules):
            marks = {mark: Marked(len(marked), [Occurrence(state.index, payload) for state, payload in marked.first()])
                     for mark, marked in self.marks[t].items()}
            reporter.bind(0, b"", None)
            linter.guard(rule, rule.conclude, reporter, reporter, context, tuple(self.totals[t]), marks)
            items += reporter.items
        return items

    # --- reading --------------------------------------------------------------------------

    def line_diagnostics(self) -> Iterator[LineState]:
        """The states, in line order (their `diagnostics` are at `computed_at`; shift by `delta`)."""
        return (state for state in self.states if state is not None)

    def noted(self) -> list[LineState]:
        """The states that have diagnostics of their own, in line order."""
        return [state for state, _ in self._noted.first()]

    def conclusions(self) -> list[Diagnostic]:
        """Everything that is not one line's own finding, at the current line numbers."""
        linter, context, reporter = self.linter, self.context, self.reporter
        context.lines = len(self.states)
        context.records = self.records
        context.size = self.size
        context.schema = linter.forced_schema or (
            SCHEMAS[self._first_detected.detected] if self._first_detected is not None else None)
        items = self._group_conflicts()
        items += self._whole_file_scan()
        reporter.bind(0, b"", None)
        for g, rule in enumerate(self.group_rules):
            linter.guard(rule, rule.summarize, reporter, reporter, context, len(self.groups[g]))
        items += reporter.items
        items += self._tally_conclusions()
        items += linter.finish_rules(self.local_rules, reporter, context)
        items += self._replay()
        self._moved = False
        return items

    def prefix_diagnostics(self) -> tuple[list[LineState], list[Diagnostic]]:
        """While a first check is done in parts: the lines above the `frontier` that have
        diagnostics of their own, and the group conflicts reported on them. Both are final:
        those lines were checked against the file's format, and the first occurrence of any key
        they repeat is above them. File-level conclusions wait for the whole file."""
        frontier = self.frontier()
        states = [state for state in self.noted() if state.index < frontier]
        conflicts = [d for d in self._group_conflicts() if d.range.start.line < frontier]
        return states, conflicts

    def _whole_file_scan(self) -> list[Diagnostic]:
        """Blank-line runs and line endings, from the blank and CRLF lines kept; drawn again
        only when one of them, the last line or the number of lines changed."""
        key = (self._source_changes, len(self.states), self.records == 0)
        if self._source_cache is not None and self._source_cache[0] == key:
            return self._source_cache[1]
        linter, reporter = self.linter, self.reporter
        items: list[Diagnostic] = []
        run: list[Line] = []
        for state, _ in self._blank.first():
            if run and run[-1].number != state.index - 1:
                items += linter.blank_lines(run, reporter)
                run = []
            run.append(self._current_line(state))
        if run:
            items += linter.blank_lines(run, reporter)
        crlf = self._crlf.first()
        # The engine wants the CRLF lines for their count and the first of them only.
        crlf_lines = [state.index for state, _ in crlf] + [-1] * (len(self._crlf) - len(crlf))
        last = self._current_line(self.states[-1]) if self.states else None
        items += linter.source_conclusions(last, crlf_lines, self.context, reporter)
        self._source_cache = (key, items)
        return items

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
            # for its conclusion must see where the record is now.
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
        items = [shift(d, state.delta) for state in self.noted() for d in state.diagnostics]
        return items + self.conclusions()


def _runs(indices: list[int]) -> Iterator[tuple[int, int]]:
    """Sorted line numbers as ranges [start, stop) of consecutive ones."""
    start = previous = None
    for i in indices:
        if start is None:
            start = previous = i
        elif i == previous + 1:
            previous = i
        else:
            yield start, previous + 1
            start = previous = i
    if start is not None:
        yield start, previous + 1


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
