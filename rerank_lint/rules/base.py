"""The shapes a rule can take, and the registry that every front end reads.

A rule is one small class: a stable code, a kebab-case name, a default severity, whether it
can fix what it finds, and a docstring that is its user-facing doc (why it matters, a bad
example, the fix), printed by `rerank-lint rule CODE`.

Kinds of rule, by what they need to see:
- SourceRule: problems of the bytes and lines themselves, found while reading (the parser
  reports them; the class holds the code and the doc).
- TextRule: a pure function of one text (query or passage); results are cached per text.
- RecordRule: one record at a time (schema, token budget, duplicates inside a record).
- DatasetRule: needs the records seen so far (duplicates across records, counts).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Iterable

from rerank_lint.diagnostics.diagnostic import Applicability, Severity
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

    def group_keys(self, record: "Record") -> Iterable[tuple[object, object]]:
        """(key, payload) pairs for a record."""
        raise NotImplementedError

    def conflict(self, first: Occurrence, later: Occurrence) -> bool:
        return True

    def report_conflict(self, report: "Reporter", record: "Record", first: Occurrence, later: Occurrence) -> None:
        raise NotImplementedError

    def summarize(self, report: "Reporter", context: "FileContext", groups: int) -> None:
        """File-level conclusion from the number of distinct keys."""

    # Streaming: keep the first occurrence of each key only.
    def start(self, context):
        self._first: dict[object, Occurrence] = {}

    def observe(self, record, report):
        first_of = self._first
        for key, payload in self.group_keys(record):
            later = Occurrence(record.line, payload)
            first = first_of.setdefault(key, later)
            if first is not later and self.conflict(first, later):
                self.report_conflict(report, record, first, later)

    def finish(self, report, context):
        self.summarize(report, context, len(self._first))
