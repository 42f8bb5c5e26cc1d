"""The rule engine: reads a source line by line, parses records, runs the enabled rules.

Every front end (CLI, language server, pre-commit hook, reports) calls `Linter`; none of them
parses or checks anything itself. `Linter.iter_source` yields each line with its diagnostics
as soon as they are known, so a 1.5 GB file is checked in bounded memory and `--fix` can
rewrite it in one streaming pass.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

import orjson

from rerank_lint.settings import Settings
from rerank_lint.errors import ConfigError
from rerank_lint.diagnostics.diagnostic import (
    Diagnostic,
    Fix,
    LineAction,
    LineEdit,
    FILE_START,
    Range,
    position_in_line,
)
from rerank_lint.diagnostics.reporter import FileContext, Reporter
from rerank_lint.source import jsonparse
from rerank_lint.source.records import SCHEMAS, Format, Record, Schema, detect_format, schema_for
from rerank_lint.rules.registry import REGISTRY
from rerank_lint.rules.base import DatasetRule, RecordRule, Rule, TextRule
from rerank_lint.rules import file as src
from rerank_lint.rules.base import TextHit
from rerank_lint.semantic import usable as semantic_usable
from rerank_lint.source.parquet import ParquetLines, column_at, is_parquet
from rerank_lint.source.lines import BINARY_SNIFF_BYTES, Line, LineStore, iter_lines, looks_binary
from rerank_lint.trainers.tokens import LazyTokenizer
from rerank_lint.errors import TokenizerError

TEXT_CACHE_LIMIT = 100_000
# The cache holds its texts alive: bounded by their characters too, or 100k long passages would
# cost hundreds of MB; a text too long for a quarter of it is checked each time it appears.
TEXT_CACHE_CHARS = 32_000_000


def _sniff(stream: BinaryIO) -> bytes:
    """The first bytes of a stream, without consuming them."""
    if hasattr(stream, "peek"):
        return stream.peek(BINARY_SNIFF_BYTES)[:BINARY_SNIFF_BYTES]
    if stream.seekable():
        position = stream.tell()
        head = stream.read(BINARY_SNIFF_BYTES)
        stream.seek(position)
        return head
    return b""


# Above this many needles one regex search beats a substring scan per needle (measured on
# generated Cohere texts: 62 needles, 7x faster; 4 needles, `in` is faster).
MANY_NEEDLES = 8


@dataclass
class LineResult:
    line: Line | None  # None for file-level diagnostics at the end
    diagnostics: list[Diagnostic]
    record: Record | None = None


def in_column_order(items: list[Diagnostic]) -> None:
    """Sort one line's diagnostics by where they start, then by code (stable: equal places keep
    the order the rules reported them in)."""
    if len(items) > 1:
        items.sort(key=lambda d: (d.range.start.byte, d.code))


# What checks one non-blank line inside the loop: (line, reporter, context, forced schema,
# observing dataset rules) -> the record, its diagnostics left in `reporter.items`.
LineCheck = Callable[[Line, Reporter, FileContext, "Schema | None", list[DatasetRule]], "Record | None"]


class Linter:
    """The enabled rules for one set of settings, and the loop that runs them."""

    def __init__(self, settings: Settings, only: Callable[[type[Rule]], bool] | None = None,
                 stop_on_config_error: bool = False):
        self.settings = settings
        # The CLI stops with one clear error on a setting that cannot work (a tokenizer that is
        # not there); an editor keeps going and shows it as a diagnostic instead.
        self.stop_on_config_error = stop_on_config_error
        self.rules: list[Rule] = []
        self.severities = {
            code: settings.severity_of(code, cls.severity) for code, cls in REGISTRY.items()
        }
        self.enabled = {code for code in REGISTRY if settings.enabled(code)}
        # Semantic rules (RL6xx) load an embedding model: they run only when the settings ask
        # for them and the extra is installed (else one line on stderr, not a failure).
        if any(REGISTRY[code].semantic for code in self.enabled) and not semantic_usable(settings):
            self.enabled = {code for code in self.enabled if not REGISTRY[code].semantic}
        for code in sorted(self.enabled):
            cls = REGISTRY[code]
            if cls is None or (only is not None and not only(cls)):
                continue
            if issubclass(cls, (TextRule, RecordRule, DatasetRule)):
                self.rules.append(cls(settings))
        self.text_rules = [r for r in self.rules if isinstance(r, TextRule)]
        # A rule with many needles (RL201's top-level domains) is gated by one search of their
        # alternation: tens of substring scans per text cost more than the rule itself.
        self._needle_patterns = {
            rule.code: re.compile("|".join(map(re.escape, rule.needles)))
            for rule in self.text_rules if rule.needles is not None and len(rule.needles) > MANY_NEEDLES
        }
        self.record_rules = [r for r in self.rules if isinstance(r, RecordRule)]
        self.dataset_rules = [r for r in self.rules if isinstance(r, DatasetRule)]
        self._text_cache: dict[str, list[tuple[TextRule, TextHit]]] = {}
        self._text_cache_chars = 0
        self._quoted_keys: dict[str, bytes] = {}

    def is_on(self, rule: type[Rule]) -> bool:
        return rule.code in self.enabled

    # --- entry points -----------------------------------------------------------------

    def check_path(self, path: str | os.PathLike, display: str | None = None, **context) -> list[Diagnostic]:
        return [d for result in self.iter_path(path, display, **context) for d in result.diagnostics]

    def iter_path(self, path: str | os.PathLike, display: str | None = None, **context) -> Iterator[LineResult]:
        path = Path(path)
        if is_parquet(path):
            yield from self.iter_parquet(path, display or str(path), **context)
            return
        opener = lambda: open(path, "rb")  # noqa: E731
        size = path.stat().st_size
        with opener() as stream:
            yield from self.iter_source(stream, opener, display or str(path), size=size, **context)

    def iter_parquet(self, path: Path, display: str, **context) -> Iterator[LineResult]:
        """A Parquet file, row by row through the same loop as JSONL (see `source.parquet`),
        its diagnostics placed at a row and a column. (Messages that point to another row say
        "row" themselves: the word is the file context's `unit`.)"""
        with ParquetLines(path, display) as rows:
            for result in self.iter_source(rows, rows.opener, display, size=None, **context):
                for d in result.diagnostics:
                    d.table = True
                    d.fix = None  # a fix rewrites JSONL lines: never a Parquet file
                    if d.range is not FILE_START:
                        content = result.line.content if result.line is not None and result.line.number == d.line else rows.content(d.line)
                        d.column = column_at(content, d.range.start.byte)
                yield result

    def check_bytes(self, data: bytes, display: str = "<memory>", **context) -> list[Diagnostic]:
        import io

        opener = lambda: io.BytesIO(data)  # noqa: E731
        results = self.iter_source(opener(), opener, display, size=len(data), **context)
        return [d for result in results for d in result.diagnostics]

    def iter_source(self, stream: BinaryIO, opener, display: str, size: int | None = None,
                    eval_path: Path | None = None, train_path: Path | None = None, is_eval: bool = False,
                    line_check: LineCheck | None = None) -> Iterator[LineResult]:
        """The loop over one source. `line_check` replaces the per-line part (parse, text and
        record rules, observers) for a caller that has it done elsewhere (`lint.parallel`: in
        worker processes); the dataset rules and what the bytes say stay here."""
        context = self.file_context(display, LineStore(opener), size, eval_path=eval_path, train_path=train_path)
        context.is_eval = is_eval or train_path is not None
        reporter = Reporter(context, self.severities)
        try:
            yield from self._run(stream, context, reporter, self.forced_schema, line_check)
        finally:
            context.store.close()

    @property
    def forced_schema(self) -> Schema | None:
        return None if self.settings.format == "auto" else SCHEMAS[Format(self.settings.format)]

    def file_context(self, display: str, store: LineStore, size: int | None = None,
                     eval_path: Path | None = None, train_path: Path | None = None) -> FileContext:
        settings = self.settings
        return FileContext(display, settings, store, LazyTokenizer(settings.tokenizer, settings.root), size,
                           schema=self.forced_schema, forced=self.forced_schema, eval_path=eval_path, train_path=train_path)

    def check_line(self, line: Line, context: FileContext, observers: Iterable[DatasetRule] = ()) -> LineResult:
        """The per-line part of the loop for one line, as an editor re-runs it when the line changes:
        parse, text and record rules, and the dataset rules in `observers` (those whose `observe`
        depends on the record alone). `context.schema` must be the file's format as known before
        this line; blank lines and the other dataset rules are the caller's."""
        reporter = Reporter(context, self.severities)
        reporter.bind(line.number, line.content, None)
        self._byte_order_mark(line, reporter)
        record = self._check_line_content(line, reporter, context, self.forced_schema, observers) if line.content.strip() else None
        return LineResult(line, reporter.items, record)

    def _check_line_content(self, line: Line, reporter: Reporter, context: FileContext, forced: Schema | None,
                            observers: list[DatasetRule]) -> Record | None:
        """Parse a non-blank line, run the per-record rules and the observing dataset rules on
        it; the diagnostics, in column order, are in `reporter.items`."""
        record = self._parse(line, reporter, context, forced)
        if record is not None:
            reporter.record = record
            self._check_record(record, reporter)
            self.observe(observers, record, reporter)
        in_column_order(reporter.items)
        return record

    # --- the loop ---------------------------------------------------------------------

    def _run(self, stream: BinaryIO, context: FileContext, reporter: Reporter, forced: Schema | None,
             line_check: LineCheck | None = None):
        head = _sniff(stream)
        if looks_binary(head):
            reporter.bind(0, b"", None)
            if self.is_on(src.BinaryFile):
                reporter.at_file(src.BinaryFile, "this is not a text file (NUL bytes or invalid UTF-8 at the start); nothing was checked")
            yield LineResult(None, reporter.items)
            return
        # A rule whose start() returns False has nothing to observe in this file (no paired
        # file, a file-level check only): it is not called for every record.
        observers = self.start_rules(self.dataset_rules, reporter, context)
        line_check = line_check or self._check_line_content
        blank_run: list[Line] = []
        crlf_lines: list[int] = []
        last: Line | None = None
        for line in iter_lines(stream):
            context.store.record(line)
            context.lines += 1
            last = line
            reporter.bind(line.number, line.content, None)
            self._byte_order_mark(line, reporter)
            if line.ending == b"\r\n":
                crlf_lines.append(line.number)
            if not line.content.strip():
                blank_run.append(line)
                yield LineResult(line, reporter.items)
                continue
            if blank_run:
                yield LineResult(None, self.blank_lines(blank_run, reporter))
                reporter.bind(line.number, line.content, None)
                blank_run = []
            record = line_check(line, reporter, context, forced, observers)
            if record is not None:
                context.records += 1
            yield LineResult(line, reporter.items, record)
        if blank_run:
            yield LineResult(None, self.blank_lines(blank_run, reporter))
        end_items = self.source_conclusions(last, crlf_lines, context, reporter)
        end_items += self.finish_rules(self.dataset_rules, reporter, context)
        yield LineResult(None, end_items)

    def source_conclusions(self, last: Line | None, crlf_lines: list[int], context: FileContext,
                           reporter: Reporter) -> list[Diagnostic]:
        """What the file's bytes say once all lines are read: final newline, CRLF endings, no records.
        Public so that an editor, which keeps the lines itself, draws the same conclusions."""
        reporter.bind(0, b"", None)
        end_items: list[Diagnostic] = []
        if last is not None and last.ending == b"" and last.content and self.is_on(src.MissingFinalNewline):
            reporter.bind(last.number, last.content, None)
            reporter.at_bytes(src.MissingFinalNewline, len(last.content), len(last.content),
                              "the last line has no newline at the end",
                              Fix("add a final newline", (LineEdit(last.number, LineAction.ADD_NEWLINE),)))
            end_items += reporter.items
        if crlf_lines and self.is_on(src.CrlfLineEnding):
            first = crlf_lines[0]
            content = context.store.content(first)
            reporter.bind(first, content, None)
            reporter.at_bytes(src.CrlfLineEnding, len(content), len(content),
                              f"{len(crlf_lines)} of {context.lines} lines end with CRLF (\\r\\n); use LF",
                              Fix("convert CRLF line endings to LF", (LineEdit(first, LineAction.ALL_LF),)))
            end_items += reporter.items
        reporter.bind(0, b"", None)
        if context.records == 0 and self.is_on(src.EmptyFile):
            what = "is empty" if context.lines == 0 else "has no valid records"
            reporter.at_file(src.EmptyFile, f"the file {what}: there is nothing to train on")
        end_items += reporter.items
        return end_items

    def _byte_order_mark(self, line: Line, reporter: Reporter) -> None:
        if line.bom and self.is_on(src.ByteOrderMark):
            reporter.emit(src.ByteOrderMark, "the file starts with a UTF-8 byte order mark; most JSONL readers fail on it",
                          Range.in_line(0, line.content, 0, 0), Fix("remove the byte order mark", (LineEdit(0, LineAction.STRIP_BOM),)))

    def blank_lines(self, run: list[Line], reporter: Reporter) -> list[Diagnostic]:
        if not self.is_on(src.BlankLine):
            return []
        first, last = run[0], run[-1]
        reporter.bind(first.number, first.content, None)
        what = "a blank line" if len(run) == 1 else f"{len(run)} blank lines"
        range_ = Range(position_in_line(first.number, first.content, 0),
                       position_in_line(last.number, last.content, len(last.content)))
        fix = Fix(f"delete {what}", tuple(LineEdit(l.number, LineAction.DELETE) for l in run))
        reporter.emit(src.BlankLine, f"{what}: many JSONL loaders fail or create an empty record", range_, fix)
        return reporter.items

    def _parse(self, line: Line, reporter: Reporter, context: FileContext, forced: Schema | None) -> Record | None:
        content = line.content
        try:
            data = jsonparse.loads(content)
        except jsonparse.JSONDecodeError as exc:
            self._parse_error(content, exc, reporter)
            return None
        if not isinstance(data, dict):
            if self.is_on(src.NotAnObject):
                kind = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}.get(type(data), "null")
                reporter.at_bytes(src.NotAnObject, 0, len(content), f"each line must be a JSON object, this one is {kind}")
            return None
        record = self.record_of(line, data, context, forced)
        if self.is_on(src.DuplicateKey):
            self._duplicate_keys(record, reporter)
        return record

    @staticmethod
    def record_of(line: Line, data: dict, context: FileContext, forced: Schema | None) -> Record:
        """The record of a parsed line; the first record whose keys tell the format decides the
        file's (`context.schema`)."""
        if context.schema is None:
            detected = detect_format(data)
            if detected is not None:
                context.schema = SCHEMAS[detected]
        return Record(line.number, line.content, data, schema_for(data, forced, context.schema))

    def _parse_error(self, content: bytes, exc: jsonparse.JSONDecodeError, reporter: Reporter) -> None:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as bad:
            if self.is_on(src.InvalidUtf8):
                reporter.at_bytes(src.InvalidUtf8, bad.start, bad.end,
                                  f"invalid UTF-8 at byte {bad.start + 1} of the line (0x{content[bad.start]:02x}); the file must be UTF-8")
            return
        nul = content.find(b"\x00")
        if nul >= 0 and self.is_on(src.NulByte):
            reporter.at_bytes(src.NulByte, nul, nul + 1, f"NUL byte at column {len(text[:len(content[:nul].decode())]) + 1}: the line is not valid JSON")
            return
        if self.is_on(src.InvalidJson):
            char = min(max(exc.pos, 0), len(text))
            byte = len(text[:char].encode("utf-8"))
            end = byte + len(text[char:char + 1].encode("utf-8"))
            reporter.at_bytes(src.InvalidJson, byte, end, f"invalid JSON: {exc.msg}")

    def _duplicate_keys(self, record: Record, reporter: Reporter) -> None:
        content = record.content
        # A cheap count first: a key's quoted name appearing twice is rare and then confirmed.
        quoted = self._quoted_keys
        for key in record.data:
            needle = quoted.get(key)
            if needle is None:
                needle = quoted[key] = orjson.dumps(key)
            if content.count(needle) > 1:
                break
        else:
            return
        for key, spans in record.spans.fields.items():
            if len(spans) > 1:
                for span in spans[1:]:
                    reporter.at_bytes(src.DuplicateKey, span.key_start, span.key_end,
                                      f"key {key!r} appears {len(spans)} times in this record; loaders keep only the last value")

    def _check_record(self, record: Record, reporter: Reporter) -> None:
        if self.text_rules:
            for ref in record.texts():
                for rule, hit in self._text_hits(ref.text):
                    if ref.role not in rule.roles:
                        continue
                    fix = None
                    if hit.replacement is not None:
                        fix = reporter.text_fix(ref.key, ref.index, hit.start, hit.end, hit.replacement,
                                                rule.fix_description(hit), rule.fix)
                    reporter.at_text(rule, ref.key, ref.index, hit.start, hit.end,
                                     f"{ref.role.value}: {hit.message}", fix)
        for rule in self.record_rules:
            # Inlined rather than through _guard: this loop runs for every rule of every record.
            try:
                rule.check_record(record, reporter)
            except Exception as exc:  # noqa: BLE001
                self._rule_failed(rule, reporter, exc)

    def _text_hits(self, text: str) -> list[tuple[TextRule, TextHit]]:
        hits = self._text_cache.get(text)
        if hits is None:
            hits = []
            ascii_text = text.isascii()
            for rule in self.text_rules:
                if ascii_text and rule.ascii_never:
                    continue
                needles = rule.needles
                if needles is not None:
                    pattern = self._needle_patterns.get(rule.code)
                    if pattern is not None:
                        if pattern.search(text) is None:
                            continue
                    else:
                        for needle in needles:
                            if needle in text:
                                break
                        else:
                            continue
                for hit in rule.check_text(text):
                    hits.append((rule, hit))
            size = len(text)
            if len(self._text_cache) >= TEXT_CACHE_LIMIT or self._text_cache_chars + size > TEXT_CACHE_CHARS:
                self._text_cache.clear()
                self._text_cache_chars = 0
            if size <= TEXT_CACHE_CHARS // 4:
                self._text_cache[text] = hits
                self._text_cache_chars += size
        return hits

    def start_rules(self, rules: Iterable[DatasetRule], reporter: Reporter, context: FileContext) -> list[DatasetRule]:
        """Start each dataset rule on a file; the rules that have something to observe in it
        (a rule whose `start` returns False is not called for every record)."""
        return [rule for rule in rules if self.guard(rule, rule.start, reporter, context) is not False]

    def observe(self, rules: Iterable[DatasetRule], record: Record, reporter: Reporter) -> None:
        for rule in rules:
            self.guard(rule, rule.observe, reporter, record, reporter)

    def finish_rules(self, rules: Iterable[DatasetRule], reporter: Reporter, context: FileContext) -> list[Diagnostic]:
        """The file-level conclusions of the rules, at the end of a file."""
        reporter.bind(0, b"", None)
        for rule in rules:
            self.guard(rule, rule.finish, reporter, reporter, context)
        return reporter.items

    def guard(self, rule: Rule, method, reporter: Reporter, *args):
        # A rule that raises must not take the whole check down with it; it becomes a
        # diagnostic of its own so that the failure is visible, not silent.
        try:
            return method(*args)
        except Exception as exc:  # noqa: BLE001
            self._rule_failed(rule, reporter, exc)
            return None

    def _rule_failed(self, rule: Rule, reporter: Reporter, exc: Exception) -> None:
        if isinstance(exc, (ConfigError, TokenizerError)):
            if self.stop_on_config_error:
                raise exc
            # A setting that cannot work (a `model` not there) fails the same way on every
            # record: an editor shows it once per file, not on every line.
            said = reporter.context.extras.setdefault("config_errors", set())
            if str(exc) in said:
                return
            said.add(str(exc))
        reporter.emit(src.InternalError, f"rule {rule.code} ({rule.name}) failed here: {exc.__class__.__name__}: {exc}",
                      Range.in_line(reporter.line, reporter.content, 0, 0))

    # --- fixing one line again --------------------------------------------------------

    def record_fixes(self, number: int, content: bytes, schema: Schema | None) -> list[Fix]:
        """Fixes that the per-record rules offer for one line, for the fix loop."""
        context = self.file_context("<fix>", LineStore(lambda: None))
        context.schema = self.forced_schema or schema
        reporter = Reporter(context, self.severities)
        reporter.bind(number, content, None)
        try:
            data = jsonparse.loads(content)
        except jsonparse.JSONDecodeError:
            return []
        if not isinstance(data, dict):
            return []
        record = Record(number, content, data, schema_for(data, context.forced, context.schema))
        reporter.record = record
        self._check_record(record, reporter)
        return [d.fix for d in reporter.items if d.fix is not None]
