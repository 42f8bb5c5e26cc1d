"""`check` of a large JSONL file on several cores, with exactly the output of one process.

The file is cut into byte ranges at line boundaries. Worker processes run the per-line part of
the loop on their ranges (parse, text rules, record rules: nearly all of a check's time) and send
back each line's diagnostics. The main process reads the file in order as it always does, parses
each line again (orjson: the floor) for the dataset rules, which therefore see every record in
file order, and puts each line's diagnostics from the workers where one process would have put
them. The rules need not know: a duplicate points to its first occurrence in whatever range that
lies, and file-level conclusions count the whole file.

What a worker cannot learn from its range alone is the file's format so far (the first record
whose keys tell it decides it, and with it the trainer): the main process finds that record
before it hands out ranges.

In one process: the semantic rules, a file smaller than `MIN_RANGES` ranges (starting workers
costs about a second), Parquet, and a linter that shows configuration errors as diagnostics (an
editor's: it says each one once per file, which ranges checked apart cannot know).
RERANK_LINT_RANGE_BYTES sets the range size (tests split small crafted files with it).
"""

from __future__ import annotations

import dataclasses
import gc
import io
import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import Iterator

from rerank_lint.diagnostics.diagnostic import Diagnostic, Edit, Fix, LineEdit, Position, Range, Related
from rerank_lint.diagnostics.reporter import FileContext, Reporter
from rerank_lint.lint import engine
from rerank_lint.lint.engine import Linter, LineResult, in_column_order
from rerank_lint.source import jsonparse
from rerank_lint.source.lines import Line, LineStore, iter_lines
from rerank_lint.source.parquet import is_parquet
from rerank_lint.source.records import SCHEMAS, Format, Record, Schema, detect_format
from rerank_lint.trainers import tokens

RANGE_BYTES = 4 * 1024 * 1024
RANGE_BYTES_ENV = "RERANK_LINT_RANGE_BYTES"
MIN_RANGES = 4  # a file under 4 ranges (16 MiB) is checked in-process
# Ranges handed out ahead of the one the main process is at, per worker: enough that no worker
# waits, few enough that the diagnostics waiting to be merged stay small.
AHEAD_PER_WORKER = 2
# A file in which no record tells the format within this many bytes is checked in-process
# (its ranges would each need to know where the format is decided).
FORMAT_SCAN_LIMIT = 64 * 1024 * 1024


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def range_bytes() -> int:
    value = os.environ.get(RANGE_BYTES_ENV, "")
    return int(value) if value.isdigit() and int(value) > 0 else RANGE_BYTES


class CheckPool:
    """Worker processes shared by the files of one run, started when a file first needs them and
    closed at the end of the run (`with CheckPool() as pool`)."""

    def __init__(self):
        self._executor: ProcessPoolExecutor | None = None
        self._workers = 0

    def executor(self, workers: int) -> ProcessPoolExecutor:
        if self._executor is None or self._workers != workers:
            self.close()
            # Not fork: a forked child inherits the parent's threads and locks mid-state.
            self._executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_start_worker)
            self._workers = workers
        return self._executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> "CheckPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def iter_path(linter: Linter, path: Path, display: str, pool: CheckPool, **context) -> Iterator[LineResult]:
    """`linter.iter_path`, with the file's ranges checked by `pool`'s workers when it pays."""
    jobs = linter.settings.jobs or usable_cores()
    size = _splittable_size(linter, path, jobs)
    decided = _format_decided(path, linter.forced_schema) if size else None
    if decided is None:
        yield from linter.iter_path(path, display, **context)
        return
    merger = _RangeMerger(linter, pool.executor(jobs), jobs, path, display, size, decided, context)
    opener = lambda: open(path, "rb")  # noqa: E731
    try:
        with opener() as stream:
            yield from linter.iter_source(stream, opener, display, size=size, line_check=merger.line_check, **context)
    finally:
        merger.cancel()


def _splittable_size(linter: Linter, path: Path, jobs: int) -> int | None:
    """The file's size when splitting it can give the same output sooner, else None."""
    if jobs < 2 or not linter.stop_on_config_error or is_parquet(path):
        return None
    if any(rule.semantic for rule in linter.rules):
        return None
    try:
        size = path.stat().st_size
    except OSError:
        return None  # the ordinary loop says what is wrong with it
    return size if path.is_file() and size >= MIN_RANGES * range_bytes() else None


@dataclass(frozen=True)
class _FormatDecided:
    end: int  # byte offset after the line that decides the file's format
    format: str | None  # Format value, None when the format is forced (every range knows it)


def _format_decided(path: Path, forced: Schema | None) -> _FormatDecided | None:
    """Where the loop decides the file's format (as `Linter.record_of` does), found by reading
    the first lines; None when no record decides it early enough."""
    if forced is not None:
        return _FormatDecided(0, None)
    with open(path, "rb") as stream:
        for line in iter_lines(stream):
            end = line.offset + len(line.content) + len(line.ending)
            if end > FORMAT_SCAN_LIMIT:
                return None
            if not line.content.strip():
                continue
            try:
                data = jsonparse.loads(line.content)
            except jsonparse.JSONDecodeError:
                continue
            if isinstance(data, dict):
                detected = detect_format(data)
                if detected is not None:
                    return _FormatDecided(end, detected.value)
    return None


@dataclass(frozen=True)
class _Range:
    offset: int
    length: int
    first_line: int
    lines: int


def _ranges(path: Path, size: int) -> Iterator[_Range]:
    """Byte ranges of about `size` bytes that end at a line's end, with their line numbers
    (lines end at b"\\n", as `iter_lines` reads them)."""
    offset = first_line = 0
    with open(path, "rb") as stream:
        while True:
            block = stream.read(size)
            if not block:
                return
            if not block.endswith(b"\n"):
                block += stream.readline()
            lines = block.count(b"\n") + (not block.endswith(b"\n"))
            yield _Range(offset, len(block), first_line, lines)
            offset += len(block)
            first_line += lines


@dataclass(frozen=True)
class _Task:
    """What a worker needs to check one range as the main process's loop would."""

    settings: bytes  # pickled Settings, also the key of the worker's Linter
    codes: tuple[str, ...]  # the text and record rules to run
    path: str
    display: str
    size: int
    context: dict  # eval_path, train_path, is_eval
    format: str | None  # the file's format at the range's start (Format value), None: not yet decided
    range: _Range


@dataclass
class _RangeResult:
    found: list[tuple[int, list[Diagnostic]]]  # (line number, its diagnostics), lines in order
    # (line number, exception) of a check that raised: one process raises it at that line.
    failure: tuple[int, BaseException] | None = None


class _RangeMerger:
    """Hands ranges to the workers ahead of the main loop and gives it each line's diagnostics."""

    def __init__(self, linter: Linter, executor: ProcessPoolExecutor, jobs: int, path: Path, display: str,
                 size: int, decided: _FormatDecided, context: dict):
        self.linter = linter
        self._executor = executor
        self._ahead = jobs * AHEAD_PER_WORKER
        self._planned = _ranges(path, range_bytes())
        self._pending: deque[tuple[_Range, Future]] = deque()
        self._decided = decided
        codes = tuple(sorted(rule.code for rule in linter.text_rules + linter.record_rules))
        settings = bytes(ForkingPickler.dumps(linter.settings))
        self._task = lambda r, fmt: _Task(settings, codes, str(path), display, size, context, fmt, r)
        self._current: _RangeResult | None = None
        self._end = 0  # line number after the current range
        self._next_found = 0

    def line_check(self, line: Line, reporter: Reporter, context: FileContext, forced: Schema | None,
                   observers: list) -> Record | None:
        """The engine's per-line step (`LineCheck`) with the workers' diagnostics for the line."""
        items = self._items_of(line.number)
        try:
            data = jsonparse.loads(line.content)
        except jsonparse.JSONDecodeError:
            data = None
        record = self.linter.record_of(line, data, context, forced) if isinstance(data, dict) else None
        reporter.items.extend(items)
        if record is not None:
            reporter.record = record
            self.linter.observe(observers, record, reporter)
        in_column_order(reporter.items)
        return record

    def _items_of(self, number: int) -> list[Diagnostic]:
        while self._current is None or number >= self._end:
            self._advance()
        result = self._current
        if result.failure is not None and result.failure[0] == number:
            raise result.failure[1]
        found = result.found
        i = self._next_found
        if i < len(found) and found[i][0] == number:
            self._next_found += 1
            return found[i][1]
        return []

    def _advance(self) -> None:
        self._submit()
        if not self._pending:
            raise OSError("the file changed while it was being checked (it has more lines than when it was split)")
        range_, future = self._pending.popleft()
        self._submit()
        self._current = ForkingPickler.loads(future.result())
        self._end = range_.first_line + range_.lines
        self._next_found = 0

    def _submit(self) -> None:
        decided = self._decided
        while len(self._pending) < self._ahead:
            range_ = next(self._planned, None)
            if range_ is None:
                return
            fmt = decided.format if range_.offset >= decided.end else None
            self._pending.append((range_, self._executor.submit(check_range, self._task(range_, fmt))))

    def cancel(self) -> None:
        for _, future in self._pending:
            future.cancel()
        self._pending.clear()


# --- in the worker process ------------------------------------------------------------------

_LINTERS: dict[bytes, Linter] = {}


# Each worker keeps its own caches of checked texts and token counts: at a quarter of one
# process's bounds (8M characters each), the process tree holds less than one process does. On
# the generated 100k-record file a worker was no slower for it (17.6 s CPU for 25 ranges, 18.2 s
# with the full bounds) and peaked at 104 MB instead of 187 MB.
WORKER_CACHE_SHARE = 4


def _start_worker() -> None:
    # As the CLI does: the cyclic collector's passes over many small short-lived objects cost
    # more than they find.
    gc.set_threshold(100_000, 50, 100)
    engine.TEXT_CACHE_CHARS //= WORKER_CACHE_SHARE
    tokens.CACHE_CHARS //= WORKER_CACHE_SHARE


def check_range(task: _Task) -> bytes:
    """The per-line part of the loop over one range, pickled (`_dumps`): each line's diagnostics
    as `Linter.check_line` gives them, but for the byte order mark (the main process's)."""
    return _dumps(_check_range(task))


def _check_range(task: _Task) -> _RangeResult:
    linter = _LINTERS.get(task.settings)
    if linter is None:
        if len(_LINTERS) >= 4:  # per-file settings: a few kinds in one run
            _LINTERS.clear()
        codes = set(task.codes)
        linter = _LINTERS[task.settings] = Linter(ForkingPickler.loads(task.settings), only=lambda cls: cls.code in codes,
                                                   stop_on_config_error=True)
    opener = lambda: open(task.path, "rb")  # noqa: E731
    context = linter.file_context(task.display, LineStore(opener), task.size,
                                  eval_path=task.context.get("eval_path"), train_path=task.context.get("train_path"))
    context.is_eval = task.context.get("is_eval", False) or context.train_path is not None
    if task.format is not None:
        context.schema = SCHEMAS[Format(task.format)]
    span = task.range
    with opener() as stream:
        stream.seek(span.offset)
        data = stream.read(span.length)
    found: list[tuple[int, list[Diagnostic]]] = []
    number = span.first_line
    try:
        for line in iter_lines(io.BytesIO(data), span.first_line, span.offset):
            number = line.number
            if not line.content.strip():
                continue
            line.bom = False
            result = linter.check_line(line, context)
            if result.diagnostics:
                found.append((number, result.diagnostics))
    except Exception as exc:  # noqa: BLE001  (raised again by the main process, at this line)
        return _RangeResult(found, (number, _picklable(exc)))
    finally:
        context.store.close()
    return _RangeResult(found)


def _constructor_reducer(cls):
    names = tuple(f.name for f in dataclasses.fields(cls))
    assert all(f.init for f in dataclasses.fields(cls)), cls
    return lambda obj: (cls, tuple(getattr(obj, name) for name in names))


# The diagnostics go back to the main process rebuilt by their constructors: pickle's default
# for a frozen dataclass sets each field through a Python-level __setstate__, which made sending
# them a fifth of the cost of finding them (10k diagnostics: 0.9 s, 0.47 s this way).
_DISPATCH = {cls: _constructor_reducer(cls) for cls in (Position, Range, Edit, LineEdit, Fix, Related, Diagnostic)}


def _dumps(result: _RangeResult) -> bytes:
    # Only multiprocessing's own channel between this run's processes carries pickles (as every
    # ProcessPoolExecutor does); nothing from a file is ever unpickled.
    buffer = io.BytesIO()
    pickler = ForkingPickler(buffer)
    pickler.dispatch_table.update(_DISPATCH)
    pickler.dump(result)
    return buffer.getvalue()


def _picklable(exc: Exception) -> BaseException:
    try:
        ForkingPickler.loads(ForkingPickler.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{exc.__class__.__name__}: {exc}")
