"""Reading a log of real user queries: plain text (one query a line), JSONL (a `query` field, or
another with `field=`) or CSV/TSV (a column chosen with `column=`).

Pure Python, no numpy: a bad log is reported before any model is loaded. A line that cannot be
read is a `LogProblem` with its line number, and the rest of the log is still used, because a
log exported from a search system nearly always holds a few broken lines; only a log that
cannot be used at all (missing, too large, no query in it, an unknown column) raises
`QueryLogError`, whose message names the file.
"""

from __future__ import annotations

import csv
import io
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rerank_lint.source import jsonparse

DEFAULT_MAX_BYTES = 200_000_000
# A log with thousands of broken lines is usually the wrong format: listing the first ones says
# so, listing all of them would bury the figures.
MAX_PROBLEMS_KEPT = 50
FORMATS = ("auto", "txt", "jsonl", "csv", "tsv")
_SUFFIXES = {".txt": "txt", ".text": "txt", ".log": "txt", ".queries": "txt", ".jsonl": "jsonl",
             ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".tsv": "tsv"}
# Column names taken without `column=` when a CSV header holds exactly one of them.
_QUERY_COLUMNS = ("query", "queries", "question", "search_query", "search_term", "q", "text")


class QueryLogError(ValueError):
    """The log cannot be used at all; the message names the file (and the line or column)."""


@dataclass(frozen=True)
class LogProblem:
    line: int  # 1-based physical line of the file
    message: str


@dataclass
class QueryLog:
    path: str
    format: str  # the format actually read: txt, jsonl, csv, tsv
    texts: list[str]  # distinct queries, in the order first seen
    counts: list[int]  # how often each distinct query occurs in the log (same order)
    total: int  # queries read, repeats included
    blank: int  # empty queries skipped
    problems: list[LogProblem] = field(default_factory=list)  # the first MAX_PROBLEMS_KEPT
    problem_count: int = 0  # all of them

    @property
    def duplicates(self) -> int:
        """Queries that repeat an earlier one (the log's traffic beyond its distinct queries)."""
        return self.total - len(self.texts)

    def summary(self) -> str:
        parts = [f"{self.total} queries read from {self.path} ({self.format}), {len(self.texts)} distinct"]
        if self.blank:
            parts.append(f"{self.blank} blank skipped")
        if self.problem_count:
            parts.append(f"{self.problem_count} unreadable line(s) skipped")
        return ", ".join(parts)


def normalise(text: str) -> str:
    """The form under which two log lines count as the same query: whitespace runs collapsed.
    Case is kept, because casing is one of the style figures compared with the training set."""
    return " ".join(text.split())


class _Collector:
    def __init__(self) -> None:
        self.counter: Counter[str] = Counter()
        self.total = 0
        self.blank = 0
        self.problems: list[LogProblem] = []
        self.problem_count = 0

    def add(self, text: str) -> None:
        text = normalise(text)
        if not text:
            self.blank += 1
            return
        self.total += 1
        self.counter[text] += 1

    def problem(self, line: int, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(LogProblem(line, message))


def read_query_log(path: str | Path, *, column: str | int | None = None, field: str = "query",
                   fmt: str = "auto", max_bytes: int = DEFAULT_MAX_BYTES) -> QueryLog:
    """Read a query log. `fmt` "auto" goes by the file's suffix (unknown suffixes: a JSONL log is
    recognised by its first line, anything else is one query a line). `column` (a CSV header
    name or a 0-based index) picks the CSV column; without it a header with a single query-like
    name (`query`, `question`, ...) or a single column is used. `field` is the JSONL key."""
    path = Path(path)
    if fmt not in FORMATS:
        raise QueryLogError(f"{path}: unknown query-log format {fmt!r} (expected one of {', '.join(FORMATS)})")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise QueryLogError(f"{path}: cannot read the query log: {exc.strerror or exc}") from None
    if path.is_dir():
        raise QueryLogError(f"{path}: is a folder, not a query log")
    if size > max_bytes:
        raise QueryLogError(f"{path}: the query log is {size / 1e6:.0f} MB, above the limit of {max_bytes / 1e6:.0f} MB; "
                            f"sample it (e.g. `shuf -n 100000 {path.name}`) or raise the limit")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QueryLogError(f"{path}: cannot read the query log: {exc.strerror or exc}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # a BOM from spreadsheet exports is not part of the first query
    if fmt == "auto":
        fmt = _SUFFIXES.get(path.suffix.lower()) or ("jsonl" if data.lstrip()[:1] == b"{" else "txt")
    collector = _Collector()
    if fmt == "txt":
        _read_txt(data, collector)
    elif fmt == "jsonl":
        _read_jsonl(data, collector, field)
    else:
        _read_csv(data, collector, column, "\t" if fmt == "tsv" else ",", path)
    if not collector.counter:
        detail = f"; first problem: line {collector.problems[0].line}: {collector.problems[0].message}" if collector.problems else ""
        raise QueryLogError(f"{path}: no query found in the log ({fmt}){detail}")
    texts = list(collector.counter)
    return QueryLog(str(path), fmt, texts, [collector.counter[t] for t in texts], collector.total,
                    collector.blank, collector.problems, collector.problem_count)


def _lines(data: bytes, collector: _Collector):
    """(line number, decoded line) for each line; a line that is not UTF-8 is a problem."""
    for number, raw in enumerate(data.splitlines(), start=1):
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            collector.problem(number, f"not valid UTF-8 (byte {exc.start + 1} of the line)")


def _read_txt(data: bytes, collector: _Collector) -> None:
    for _, line in _lines(data, collector):
        collector.add(line)


def _read_jsonl(data: bytes, collector: _Collector, key: str) -> None:
    for number, line in _lines(data, collector):
        if not line.strip():
            continue
        try:
            value = jsonparse.loads(line)  # 1e400 is valid JSON: not a problem of the log
        except jsonparse.JSONDecodeError as exc:
            collector.problem(number, f"not JSON: {exc.msg} (column {exc.colno})")
            continue
        if isinstance(value, str):  # a log of bare JSON strings is a query a line too
            collector.add(value)
        elif not isinstance(value, dict):
            collector.problem(number, f"expected a JSON object with a {key!r} field, found {type(value).__name__}")
        elif key not in value:
            collector.problem(number, f"no {key!r} field (fields: {', '.join(list(value)[:8]) or 'none'})")
        elif not isinstance(value[key], str):
            collector.problem(number, f"field {key!r} is {type(value[key]).__name__}, not a string")
        else:
            collector.add(value[key])


def _read_csv(data: bytes, collector: _Collector, column: str | int | None, delimiter: str, path: Path) -> None:
    bad_lines: set[int] = set()
    decoded = []
    for number, raw in enumerate(data.splitlines(keepends=True), start=1):
        try:
            decoded.append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            bad_lines.add(number)
            collector.problem(number, f"not valid UTF-8 (byte {exc.start + 1} of the line)")
            decoded.append(raw.decode("utf-8", "replace"))
    old_limit = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # a long query is a query, not an error
    try:
        reader = csv.reader(io.StringIO("".join(decoded), newline=""), delimiter=delimiter, strict=True)
        index = None
        for start, end, cells in _rows(reader, collector):
            if index is None:
                index = _pick_column(cells, column, path)
                if index[1]:  # the first row is a header
                    continue
            if any(n in bad_lines for n in range(start, end + 1)):
                continue  # already reported; its text would hold replacement characters
            if not cells or cells == [""]:
                continue
            if index[0] >= len(cells):
                collector.problem(start, f"{len(cells)} column(s), column {index[0] + 1} missing")
                continue
            collector.add(cells[index[0]])
    finally:
        csv.field_size_limit(old_limit)


def _rows(reader, collector: _Collector):
    """(first line, last line, cells) for each CSV record, a malformed one reported and skipped."""
    previous = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            collector.problem(reader.line_num, f"malformed CSV: {exc}")
            previous = reader.line_num
            continue
        yield previous + 1, reader.line_num, cells
        previous = reader.line_num


def _pick_column(header: list[str], column: str | int | None, path: Path) -> tuple[int, bool]:
    """(index of the query column, whether the first row is a header)."""
    names = [h.strip() for h in header]
    if isinstance(column, int) or (isinstance(column, str) and column.isdigit() and column not in names):
        index = int(column)
        if index >= len(names):
            raise QueryLogError(f"{path}: column {index} requested, the first row has {len(names)} column(s)")
        return index, names[index].lower() in _QUERY_COLUMNS
    if column is not None:
        if column in names:
            return names.index(column), True
        lowered = [n.lower() for n in names]
        if column.lower() in lowered:
            return lowered.index(column.lower()), True
        raise QueryLogError(f"{path}: no column {column!r} in the header (columns: {', '.join(names[:20])})")
    lowered = [n.lower() for n in names]
    found = [i for i, n in enumerate(lowered) if n in _QUERY_COLUMNS]
    if len(found) == 1 or (found and lowered[found[0]] == "query"):
        return found[0], True
    if len(names) == 1:
        return 0, False
    raise QueryLogError(f"{path}: which column holds the queries? pass `column=` (`--column`); "
                        f"columns: {', '.join(names[:20])}")
