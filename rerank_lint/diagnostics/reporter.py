"""How a rule reports: a finding becomes a `Diagnostic` with an exact range and, where the rule
offers one, a fix. `FileContext` is what a rule may know about the file beyond the current record.

Rules receive a `Reporter`; they never build ranges or edits themselves, so every front end gets
the same positions (bytes, characters, UTF-16) and fixes that touch only the bytes they fix.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Iterable, Protocol

import orjson

from rerank_lint.diagnostics.diagnostic import (
    FILE_START,
    Applicability,
    Diagnostic,
    Edit,
    Fix,
    LineAction,
    LineEdit,
    LineIndex,
    Range,
    Related,
    Severity,
)
from rerank_lint.source import jsonparse
from rerank_lint.source.lines import LineStore
from rerank_lint.source.parquet import is_parquet
from rerank_lint.source.records import Format, Record, Schema, schema_for
from rerank_lint.source.spans import locate
from rerank_lint.trainers.choice import choose_trainer
from rerank_lint.trainers.profiles import ELSEWHERE, PLATFORM_ONLY
from rerank_lint.trainers.tokens import LazyTokenizer



class RuleIdentity(Protocol):
    """What the reporter needs of a rule (rules depend on the reporter, not the other way)."""

    code: ClassVar[str]
    name: ClassVar[str]


@dataclass
class FileContext:
    """What the rules may know about the file being checked, beyond the current record."""

    path: str
    settings: Any  # rerank_lint.settings.Settings; not imported, since settings know the rule table
    store: LineStore
    tokenizer: LazyTokenizer
    size: int | None = None
    schema: Schema | None = None  # the file's format, once known
    forced: Schema | None = None  # the configured format (`format`, `--input-format`), if not auto
    lines: int = 0
    records: int = 0
    # Set by the CLI or server when the file is one side of a train/eval pair.
    eval_path: Path | None = None
    train_path: Path | None = None
    is_eval: bool = False  # checked as the evaluation side (`--eval` names it), paired or not
    counterpart: object | None = None  # an index of the other side, built by the testset rules
    extras: dict = field(default_factory=dict)
    _trainer: tuple = (None, None)  # (schema, TrainerChoice) last worked out
    _cut_tokenizer: object | None = None

    @property
    def trainer(self):
        """The trainer this file is judged by (`trainers.choice`): the setting, else the one the
        file's format says, once a record has decided it; None before."""
        schema, choice = self._trainer
        if schema is not self.schema or choice is None:
            choice = choose_trainer(self.settings.trainer, self.schema.format.value if self.schema else None)
            self._trainer = (self.schema, choice)
        return choice

    @property
    def unit(self) -> str:
        """What the file's records are called in messages that point to another one: a Parquet
        file's rows ("repeats row 3"), numbered as lines are."""
        return "row" if is_parquet(self.path) else "line"

    @property
    def cut_tokenizer(self):
        if self._cut_tokenizer is None:
            from rerank_lint.trainers.choice import CutTokenizer

            self._cut_tokenizer = CutTokenizer(self.settings, self.tokenizer)
        return self._cut_tokenizer


class Reporter:
    """Turns a rule's findings into diagnostics with exact ranges and fixes for one line."""

    def __init__(self, context: FileContext, severities: dict[str, object]):
        self.context = context
        self.items: list[Diagnostic] = []
        self._severities = severities
        self.line = 0
        self.content = b""
        self.record: Record | None = None
        self._record_key: str | None = None
        self._line_index: LineIndex | None = None

    def bind(self, line: int, content: bytes, record: Record | None) -> None:
        self.line, self.content, self.record = line, content, record
        self._record_key = None
        self._line_index = None
        self.items = []

    @property
    def line_index(self) -> LineIndex:
        # Built once per line with diagnostics: columns for many diagnostics on a long line.
        if self._line_index is None:
            self._line_index = LineIndex(self.content)
        return self._line_index

    @property
    def record_key(self) -> str:
        if self._record_key is None:
            self._record_key = record_hash(self.content)
        return self._record_key

    # --- where --------------------------------------------------------------------------

    def emit(self, rule: RuleIdentity, message: str, range_: Range, fix: Fix | None = None,
             related: Iterable[Related] = (), record_key: str | None = None, weak: bool = False) -> Diagnostic:
        severity = self._severities[rule.code]
        if weak:
            # A finding on weak evidence (a guess a user should not be blocked on) is at most
            # info; the code's severity, the default or the user's override, is for strong evidence.
            severity = min(severity, Severity.INFO)
        keep = True
        if rule.code in PLATFORM_ONLY:
            severity, message, keep = self._for_trainer(rule.code, severity, message)
        diagnostic = Diagnostic(
            rule.code, rule.name, severity, message, self.context.path, range_, fix,
            list(related), record_key,
        )
        if keep:
            self.items.append(diagnostic)
        return diagnostic

    def _for_trainer(self, code: str, severity, message: str):
        """The one place where a rule that only one platform enforces (profiles.PLATFORM_ONLY)
        is judged for the file's trainer: for another trainer it is never an error, and is not
        reported at all when that platform's rule means nothing elsewhere. A severity the user
        configured for the code stands."""
        trainer = self.context.trainer
        owner = PLATFORM_ONLY[code]
        if trainer is None or trainer.name == owner:
            return severity, message, True
        if any(code.startswith(prefix) for prefix in self.context.settings.severity):
            return severity, message, True
        elsewhere = ELSEWHERE.get(code)
        if elsewhere is None:
            return severity, message, False
        lowered = min(severity, Severity.parse(elsewhere))
        return lowered, f"{message} [a {owner} rule; {trainer.name} does not enforce it]", True

    def at_bytes(self, rule, start: int, end: int, message: str, fix: Fix | None = None, related=(),
                 weak: bool = False) -> Diagnostic:
        return self.emit(rule, message, self.line_index.range(self.line, start, end), fix, related, self.record_key, weak)

    def at_text(self, rule, key: str, index: int | None, start: int, end: int, message: str,
                fix: Fix | None = None, related=()) -> Diagnostic:
        b_start, b_end = self.record.text_bytes(key, index, start, end)
        return self.at_bytes(rule, b_start, b_end, message, fix, related)

    def at_value(self, rule, key: str, index: int | None, message: str, fix: Fix | None = None, related=(),
                 weak: bool = False) -> Diagnostic:
        start, end = self.record.value_bytes(key, index)
        return self.at_bytes(rule, start, end, message, fix, related, weak)

    def at_key(self, rule, key: str, message: str, fix: Fix | None = None, related=()) -> Diagnostic:
        start, end = self.record.key_bytes(key)
        return self.at_bytes(rule, start, end, message, fix, related)

    def at_record(self, rule, message: str, fix: Fix | None = None, related=()) -> Diagnostic:
        return self.at_bytes(rule, 0, len(self.content), message, fix, related)

    def at_file(self, rule, message: str, related=(), weak: bool = False) -> Diagnostic:
        return self.emit(rule, message, FILE_START, None, related, None, weak)

    def rebind(self, line: int) -> bool:
        """Point the reporter at an earlier line of the file (for conclusions drawn at the end,
        such as near-duplicate clusters), re-reading it from the source. False if it is gone."""
        content = self.context.store.content(line)
        try:
            data = jsonparse.loads(content)
        except jsonparse.JSONDecodeError:
            return False
        if not isinstance(data, dict):
            return False
        schema = schema_for(data, self.context.forced, self.context.schema)
        items = self.items
        self.bind(line, content, Record(line, content, data, schema))
        self.items = items  # keep accumulating into the same list
        return True

    def related_value(self, line: int, key: str, index: int | None, message: str, path: str | None = None,
                      content: bytes | None = None) -> Related:
        """A place on an earlier line (or another file when `content` is given)."""
        if content is None and line == self.line and self.record is not None:
            content, spans = self.content, self.record.spans  # the reported line's own: already located
        else:
            if content is None:
                content = self.context.store.content(line)
            spans = locate(content)
        start, end = 0, len(content)
        if spans is not None:
            span = spans.field(key)
            if span is not None:
                start, end = span.value_start, span.value_end
                if index is not None and index < len(span.elements):
                    start, end = span.elements[index]
        return Related(path or self.context.path, Range.in_line(line, content, start, end), message,
                       None if path is None else is_parquet(path))

    # --- fixes --------------------------------------------------------------------------

    def text_fix(self, key: str, index: int | None, start: int, end: int, replacement: str,
                 description: str, applicability: Applicability = Applicability.SAFE) -> Fix:
        b_start, b_end = self.record.text_bytes(key, index, start, end)
        return Fix(description, (Edit(self.line, b_start, b_end, json_string_body(replacement)),), applicability)

    def remove_elements_fix(self, key: str, indexes: list[int], description: str,
                            applicability: Applicability = Applicability.SAFE) -> Fix | None:
        """Remove list elements; in BGE files the matching `*_scores` elements go too."""
        record = self.record
        keys = [key]
        paired = {"pos": "pos_scores", "neg": "neg_scores"}.get(key) if record.schema.format is Format.BGE else None
        if paired and isinstance(record.data.get(paired), list):
            keys.append(paired)
        edits = []
        for k in keys:
            for start, end in removal_spans(record, k, indexes):
                edits.append(Edit(self.line, start, end, b""))
        if not edits:
            return None
        return Fix(description, tuple(edits), applicability)

    def delete_line_fix(self, description: str, applicability: Applicability = Applicability.UNSAFE) -> Fix:
        return Fix(description, (LineEdit(self.line, LineAction.DELETE),), applicability)


def removal_spans(record: Record, key: str, indexes: list[int]) -> list[tuple[int, int]]:
    """Byte spans that remove the given elements of a list and their commas, as one edit set."""
    span = record.field_span(key)
    if span is None:
        return []
    elements = span.elements
    drop = sorted({i for i in indexes if i < len(elements)})
    if not drop:
        return []
    keep = [i for i in range(len(elements)) if i not in set(drop)]
    if not keep:
        # Everything goes: empty the list between its brackets.
        return [(span.value_start + 1, span.value_end - 1)]
    spans = []
    for i in drop:
        later_kept = [k for k in keep if k > i]
        if later_kept or any(k > i for k in drop):
            # Remove the element up to the start of the next element.
            nxt = i + 1
            spans.append((elements[i][0], elements[nxt][0]))
        else:
            # The last elements: remove from the end of the previous kept element.
            prev = max(k for k in keep if k < i)
            start = elements[prev][1]
            spans.append((start, elements[i][1]))
    return _merge(spans)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def json_string_body(text: str) -> bytes:
    """`text` as it must appear between the quotes of a JSON string."""
    return orjson.dumps(text)[1:-1]


def record_hash(content: bytes) -> str:
    return hashlib.blake2b(content.strip(), digest_size=8).hexdigest()
