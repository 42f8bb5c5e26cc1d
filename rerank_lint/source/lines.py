"""Reading a JSONL source as lines of bytes, streamed, with what a line ends with.

A file is never decoded as a whole: it can be 1.5 GB. Each line keeps its byte offset in the
file so that a rule can look back at an earlier line (the first occurrence of a duplicate)
without keeping it in memory.
"""

from __future__ import annotations

import os
from array import array
from pathlib import Path
from dataclasses import dataclass
from typing import BinaryIO, Iterator

BOM = b"\xef\xbb\xbf"
BINARY_SNIFF_BYTES = 8192


@dataclass(slots=True)
class Line:
    number: int  # 0-based
    offset: int  # byte offset of the content in the source
    content: bytes  # without BOM and without the line terminator
    ending: bytes  # b"\n", b"\r\n" or b"" (last line without newline)
    bom: bool = False  # the source starts with a UTF-8 BOM before this (first) line


def looks_binary(head: bytes) -> bool:
    """A file whose first bytes hold NULs outside text, or are mostly not UTF-8, is not JSONL."""
    if not head:
        return False
    # A few NULs are a defect of a text file (reported per line); many are a binary file.
    if head.count(b"\x00") > max(8, len(head) // 100):
        return True
    sample = head.decode("utf-8", "replace")
    # Undecodable bytes at a sample boundary are expected; a binary file has them everywhere.
    return sample.count("\ufffd") > max(8, len(sample) // 20)


def iter_lines(stream: BinaryIO, number: int = 0, offset: int = 0) -> Iterator[Line]:
    """The lines of `stream`; a stream that starts inside a file (a byte range checked by a
    worker process) gives the number and offset of its first line: only a file's start has a BOM."""
    at_start = offset == 0
    for raw in stream:
        start = offset
        offset += len(raw)
        bom = False
        if at_start and raw.startswith(BOM):
            raw = raw[len(BOM):]
            start += len(BOM)
            bom = True
        if raw.endswith(b"\r\n"):
            content, ending = raw[:-2], b"\r\n"
        elif raw.endswith(b"\n"):
            content, ending = raw[:-1], b"\n"
        else:
            content, ending = raw, b""
        raw = None  # not kept beside its copy while the line is checked (a 20 MB line twice)
        yield Line(number, start, content, ending, bom)
        number += 1
        at_start = False


class LineStore:
    """Random access to earlier lines of a source, by line number, from their recorded offsets."""

    def __init__(self, opener):
        self._opener = opener
        self._offsets = array("q")
        self._handle: BinaryIO | None = None

    def record(self, line: Line) -> None:
        # Lines arrive in order, so the line number is the index.
        self._offsets.append(line.offset)

    def content(self, number: int) -> bytes:
        if number >= len(self._offsets):
            return b""
        if self._handle is None:
            self._handle = self._opener()
        self._handle.seek(self._offsets[number])
        raw = self._handle.readline()
        return raw.rstrip(b"\n").removesuffix(b"\r")

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def display_path(path: str | os.PathLike) -> str:
    """How a path is shown to the user: relative to the working directory when below it."""
    p = Path(path)
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return str(p)


# Files the tool reads besides the data (baseline, config, tokenizer, model files, query logs)
# are read whole: a limit keeps a wrong path (a device, a multi-GB file) from taking all memory.
AUXILIARY_FILE_LIMIT = 256 * 1024 * 1024


def read_limited(path: str | os.PathLike, what: str, limit: int = AUXILIARY_FILE_LIMIT) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; OSError with a clear message otherwise."""
    path = Path(path)
    with open(path, "rb") as handle:
        info = os.fstat(handle.fileno())
        import stat

        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{what} {path} is not a regular file")
        if info.st_size > limit:
            raise OSError(f"{what} {path} is too large ({info.st_size:,} bytes; at most {limit:,})")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"{what} {path} is too large (more than {limit:,} bytes)")
    return data
