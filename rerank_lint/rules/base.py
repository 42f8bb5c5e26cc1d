"""The shapes a rule can take, and the registry that every front end reads.

A rule is one small class: a stable code, a kebab-case name, a default severity, whether it
can fix what it finds, and a docstring that is its user-facing doc (why it matters, a bad
example, the fix), printed by `rerank-lint rule CODE`.

Kinds of rule, by what they need to see:
- SourceRule: problems of the bytes and lines themselves, found while reading (the parser
  reports them; the class holds the code and the doc).
- TextRule: a pure function of one text (query or passage); results are cached per text.
- RecordRule: one record at a time (schema, token budget, duplicates inside a record).
- DatasetRule: needs the records seen so far (duplicates across records, counts). Two shapes
  say what they keep, so that an editor updates them as lines change instead of replaying the
  file: GroupRule (records grouped by a key) and TallyRule (per-record counts and marks).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Hashable, Iterable

from rerank_lint.diagnostics.diagnostic import Applicability, Severity
from rerank_lint.rules.first_seen import FirstSeen
from rerank_lint.source.records import Role

if TYPE_CHECKING:
    from rerank_lint.diagnostics.reporter import FileContext, Reporter
    from rerank_lint.source.records import Record


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    fix: ClassVar[Applicability | None] = None
    # Rules that need an embedding model are skipped when it is not installed.
    semantic: ClassVar[bool] = False
    # Off by default (too many findings on clean real data); on when its full code is selected.
    explicit_only: ClassVar[bool] = False
    # The trainers whose reading of the data the rule is about (None: every trainer). Rules that
    # only one platform enforces are listed in trainers.profiles.PLATFORM_ONLY instead, which
    # also decides their severity elsewhere.
    trainers: ClassVar[tuple[str, ...] | None] = None

    def __init__(self, settings):
        self.settings = settings

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or cls.summary)


class SourceRule(Rule):
    """Reported by the reader and parser; no check of its own."""


@dataclass(frozen=True, slots=True)
class TextHit:
    start: int  # character offsets in the decoded text
    end: int
    message: str
    replacement: str | None = None  # what the fix puts in [start, end), if fixable


class TextRule(Rule):
    roles: ClassVar[frozenset[Role]] = frozenset(Role)
    # Cheap pre-checks the engine runs before calling `check_text` (most texts are clean, and
    # a substring test is far cheaper than a regex): the rule can only find something if one
    # of `needles` is in the text, and never in pure-ASCII text when `ascii_never` is set.
    needles: ClassVar[tuple[str, ...] | None] = None
    ascii_never: ClassVar[bool] = False

    def check_text(self, text: str) -> Iterable[TextHit]:
        raise NotImplementedError

    def fix_description(self, hit: TextHit) -> str:
        return f"{self.name}: replace with {hit.replacement!r}" if hit.replacement else f"{self.name}: remove"


class RecordRule(Rule):
    # Text and record rules keep no state across records and look at no other line: `check
    # --jobs` runs them on parts of a file in worker processes (rerank_lint/lint/parallel.py).
    def check_record(self, record: "Record", report: "Reporter") -> None:
        raise NotImplementedError


class DatasetRule(Rule):
    # True when `observe` looks at the record alone (a lookup in a fixed index, or nothing) and
    # keeps no state across records: an editor then re-runs it on the changed lines only.
    record_local: ClassVar[bool] = False

    def start(self, context: "FileContext") -> bool | None:
        """Called once before the first record of a file. Returning False says the rule has
        nothing to observe in this file: `observe` is then not called for its records."""

    def observe(self, record: "Record", report: "Reporter") -> None:
        """Look at one record (in file order)."""

    def finish(self, report: "Reporter", context: "FileContext") -> None:
        """Called once at the end of a file, for file-level conclusions."""


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One record's entry in a group: its line and what the rule needs to compare."""

    line: int
    payload: object = None


class GroupRule(DatasetRule):
    """A dataset rule over records grouped by a key (a query, a passage, a record hash).

    Every occurrence after the first of its group is compared with the first one. The rule
    only says what the keys are and when two occurrences conflict; the streaming engine keeps
    the first occurrence of each key, and an editor can keep whole groups and update them as
    lines change. Both run the same `group_keys` / `conflict` / `report_conflict`.
    """

    # Whether the streaming index keeps a key's hash in 128 bits (a rule that reports on equal
    # hashes) or 64 (keys that are 64-bit hashes already, or a rule that confirms from the line).
    wide_keys: ClassVar[bool] = True

    def group_keys(self, record: "Record") -> Iterable[tuple[Hashable, Hashable]]:
        """(key, payload) pairs for a record. The payload says where in the record the key is
        (a column, a list position) and takes few distinct values in a file: the streaming
        index keeps each distinct payload once (`FirstSeen`)."""
        raise NotImplementedError

    def conflict(self, first: Occurrence, later: Occurrence) -> bool:
        return True

    def report_conflict(self, report: "Reporter", record: "Record", first: Occurrence, later: Occurrence) -> None:
        raise NotImplementedError

    def summarize(self, report: "Reporter", context: "FileContext", groups: int) -> None:
        """File-level conclusion from the number of distinct keys."""

    # Streaming: the first occurrence of each key only, as hashes in arrays (`FirstSeen`), so
    # that the memory of a large file is a few dozen bytes a record, not objects per record.
    def start(self, context):
        self._first = FirstSeen(self.wide_keys)

    def observe(self, record, report):
        first_of = self._first
        for key, payload in self.group_keys(record):
            found = first_of.first_or_add(key, record.line, payload)
            if found is None:
                continue
            first = Occurrence(*found)
            later = Occurrence(record.line, payload)
            if self.conflict(first, later):
                self.report_conflict(report, record, first, later)

    def finish(self, report, context):
        self.summarize(report, context, len(self._first))


@dataclass(frozen=True, slots=True)
class Tally:
    """What one record adds to a `TallyRule`'s conclusion: numbers summed over the file, and
    marks, each with what the conclusion needs of the record if it cites it."""

    counts: tuple[int, ...] = ()
    marks: tuple[tuple[object, object], ...] = ()  # (mark, payload)


@dataclass(slots=True)
class Marked:
    """The records that carry one mark: how many, and the first `TallyRule.cited` of them in
    file order (their line and payload)."""

    count: int
    first: list[Occurrence]


class TallyRule(DatasetRule):
    """A dataset rule whose file-level conclusion needs each record only through its `tally`:
    counts summed over the file ("n of m records") and marks, whose first records in file order
    the conclusion may cite ("lines 3, 9, ...", "at its first record").

    The rule says what a record adds and how to conclude; the streaming engine sums the tallies
    as it reads, and an editor keeps each line's tally and adds or subtracts it when the line
    changes. Both call the same `tally` and `conclude`.
    """

    counts: ClassVar[int] = 0  # how many numbers a tally has
    cited: ClassVar[int] = 1  # how many records of each mark `conclude` is given, the first ones

    def tally(self, record: "Record", context: "FileContext") -> Tally | None:
        """What the record adds (None: nothing), from the record and the file's settled facts
        (its trainer), never from other records."""
        raise NotImplementedError

    def conclude(self, report: "Reporter", context: "FileContext", totals: tuple[int, ...],
                 marks: dict[object, Marked]) -> None:
        """The file-level conclusion from the summed counts and the marked records."""
        raise NotImplementedError

    # Streaming: sum as the records come.
    def start(self, context):
        self._context = context
        self._totals = [0] * self.counts
        self._marks: dict[object, Marked] = {}

    def observe(self, record, report):
        tally = self.tally(record, self._context)
        if tally is None:
            return
        totals = self._totals
        for i, n in enumerate(tally.counts):
            totals[i] += n
        for mark, payload in tally.marks:
            marked = self._marks.get(mark)
            if marked is None:
                marked = self._marks[mark] = Marked(0, [])
            marked.count += 1
            if len(marked.first) < self.cited:
                marked.first.append(Occurrence(record.line, payload))

    def finish(self, report, context):
        self.conclude(report, context, tuple(self._totals), self._marks)
