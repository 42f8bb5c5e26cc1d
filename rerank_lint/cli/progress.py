"""Progress of a long run on stderr: a bar on a terminal, a plain line every few seconds
otherwise (a CI log that stays silent for minutes looks hung). Nothing for a run shorter than
`first` seconds, so quick checks and their captured stderr stay clean.

RERANK_LINT_PROGRESS=0 turns it off, =1 shows lines even before `first` seconds.
"""

from __future__ import annotations

import os
import sys
import time


class Progress:
    def __init__(self, what: str, total: int, unit: str = "bytes", *, first: float = 10.0, every: float = 10.0,
                 stream=None):
        self.what, self.total, self.unit = what, max(0, total), unit
        self.stream = stream or sys.stderr
        mode = os.environ.get("RERANK_LINT_PROGRESS", "")
        self.enabled = mode != "0"
        self.tty = self.enabled and _isatty(self.stream)
        self.start = time.monotonic()
        self.next = self.start + (0.0 if mode == "1" else first)
        self.every = 0.5 if self.tty else every
        self.shown = False
        self.done = 0

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now < self.next:
            return
        self.next = now + self.every
        share = min(1.0, done / self.total) if self.total else 0.0
        elapsed = now - self.start
        eta = f", about {elapsed * (1 - share) / share:.0f} s left" if share > 0.01 else ""
        figures = (f"{done / 1e6:,.0f} of {self.total / 1e6:,.0f} MB" if self.unit == "bytes"
                   else f"{done:,} of {self.total:,} {self.unit}")
        if self.tty:
            bar = "#" * int(share * 30)
            self.stream.write(f"\r{self.what} [{bar:<30}] {share:4.0%} {figures}{eta}\x1b[K")
        else:
            self.stream.write(f"{self.what}: {share:.0%} ({figures}, {elapsed:.0f} s{eta})\n")
        self.stream.flush()
        self.shown = True

    def advance(self, n: int) -> None:
        self.done += n
        self.update(self.done)

    def close(self) -> None:
        if self.shown and self.tty:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
