"""Parquet input (Hugging Face datasets are parquet on disk), read with pyarrow (the `parquet` extra).

A Parquet file is read batch by batch (`ParquetFile.iter_batches`, never whole), each row
becomes one canonical JSON line (orjson, keys in column order) and those lines go through the
same engine as a JSONL file, so every rule runs unchanged with line number = row index. The
lines are spooled to a temporary file as they are made, so that a rule can look back at an
earlier row (the first occurrence of a duplicate) without keeping the table in memory.

Positions are then given as row + column: a diagnostic's range lies inside a synthetic line,
so it is mapped to the top-level key (the Parquet column) whose value holds the range's start.
"""

from __future__ import annotations

import os
import tempfile
from array import array
from pathlib import Path
from typing import Iterator

import orjson

from rerank_lint.errors import UsageError
from rerank_lint.source.spans import locate

PARQUET_SUFFIXES = (".parquet",)
# Rows per batch: a batch is the most of the table held in memory at once (row groups of
# Hugging Face's files are often far larger).
BATCH_ROWS = 1024
INSTALL_HINT = "install rerank-lint's parquet extra: pip install '.[parquet]' in its clone"


def is_parquet(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in PARQUET_SUFFIXES


def _pyarrow_parquet():
    try:
        import pyarrow.parquet as pq
    except ImportError:
        return None
    return pq


def require_pyarrow(display: str):
    pq = _pyarrow_parquet()
    if pq is None:
        raise UsageError(f"{display}: a Parquet file needs pyarrow; {INSTALL_HINT}")
    return pq


def _default(value):
    """Values orjson does not encode itself (bytes, decimals, dates): as text."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def iter_batches(path: Path, display: str):
    """The file's record batches, read incrementally (module function: tests count the calls)."""
    pq = require_pyarrow(display)
    try:
        parquet_file = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow.ArrowInvalid and friends: not a Parquet file
        raise UsageError(f"{display}: cannot read it as Parquet: {exc}") from None
    try:
        yield from parquet_file.iter_batches(batch_size=BATCH_ROWS)
    finally:
        parquet_file.close()


def iter_json_lines(path: Path, display: str) -> Iterator[bytes]:
    """One canonical JSON line (with its newline) per row, batch by batch."""
    for batch in iter_batches(path, display):
        for row in batch.to_pylist():
            yield orjson.dumps(row, default=_default, option=orjson.OPT_NON_STR_KEYS) + b"\n"


class ParquetLines:
    """A read-only byte stream of the rows as JSON lines, written to a spool file as it goes
    so that `opener` can re-read an earlier line by its offset."""

    def __init__(self, path: Path, display: str):
        self._lines = iter_json_lines(path, display)
        self._spool = tempfile.NamedTemporaryFile(prefix="rerank-lint-parquet-", suffix=".jsonl", delete=False)
        self.spool_path = self._spool.name
        self.written = 0
        self._offsets = array("q")
        self._reader = None

    def __iter__(self):
        spool = self._spool
        for line in self._lines:
            spool.write(line)
            spool.flush()  # before the engine may seek back to it through another handle
            self._offsets.append(self.written)
            self.written += len(line)
            yield line

    def opener(self):
        return open(self.spool_path, "rb")

    def seekable(self) -> bool:
        return False

    def content(self, number: int) -> bytes:
        """An earlier row's line, without its newline, re-read from the spool file."""
        if not 0 <= number < len(self._offsets):
            return b""
        if self._reader is None:
            self._reader = self.opener()
        self._reader.seek(self._offsets[number])
        return self._reader.readline().rstrip(b"\n")

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self._spool.close()
        try:
            os.unlink(self.spool_path)
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def column_at(content: bytes, byte: int) -> str | None:
    """The top-level key whose value (or key) span holds `byte` of a synthetic row line."""
    spans = locate(content)
    if spans is None:
        return None
    spans_ = [(key, span) for key, fields in spans.fields.items() for span in fields]
    for key, span in spans_:
        if span.key_start <= byte < span.value_end:
            return key
    for key, span in spans_:  # an empty range just after a value (an insertion point)
        if byte == span.value_end:
            return key
    return None


class RowStore:
    """Every row of a Parquet file read once, for random access by row number: the other file
    of a train/eval pair, which the leakage rules read whole and point into.

    The rows are spooled, as JSON lines, to an anonymous temporary file (the system removes it
    when the store is collected), so a large evaluation file costs disk, not memory. `close`
    only ends a use (as a `LineStore`'s does): the rows stay readable.
    """

    def __init__(self, path: Path, display: str):
        self._path, self._display = path, display
        self._spool = tempfile.TemporaryFile(prefix="rerank-lint-paired-")
        self._offsets = array("q")

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        """(row number, JSON line without its newline) of each row, spooled as it is read."""
        spool = self._spool
        for line in iter_json_lines(self._path, self._display):
            self._offsets.append(spool.tell())
            spool.write(line)
            yield len(self._offsets) - 1, line[:-1]

    def content(self, number: int) -> bytes:
        if not 0 <= number < len(self._offsets):
            return b""
        position = self._spool.tell()
        self._spool.seek(self._offsets[number])
        line = self._spool.readline().rstrip(b"\n")
        self._spool.seek(position)
        return line

    def close(self) -> None:
        """Nothing to release between uses: the spool is one open file for the store's life."""
