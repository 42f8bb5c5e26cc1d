"""What several output formats share: the order problems are shown in, a fingerprint that
follows a problem when lines move, and rule metadata. One definition each, so that GitHub,
SARIF, GitLab and reviewdog agree on which problem is which."""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from typing import Iterable

from rerank_lint.diagnostics.diagnostic import Diagnostic


def most_severe_first(items: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Errors before warnings before infos, then by place: review tools show only the first few."""
    return sorted(items, key=lambda d: (-d.severity, d.path, d.range.start.line, d.range.start.byte, d.code))


class Fingerprints:
    """Fingerprints of problems that do not depend on line numbers.

    A problem is identified by its file, rule code, the hash of its record's content (None for
    file-level problems) and its rank among the problems with the same three in output order
    (a record can hold two URLs). Moving a record keeps all four; editing it changes the hash,
    so the problem counts as new, as it does for the baseline.
    """

    def __init__(self):
        self._seen: Counter = Counter()

    def of(self, d: Diagnostic) -> str:
        identity = (d.path, d.code, d.record_key or "file")
        rank = self._seen[identity]
        self._seen[identity] += 1
        text = "\0".join((*identity, str(rank)))
        # surrogatepass: a file name that is not UTF-8 still has one stable fingerprint.
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class DocumentFormatter:
    """A format that writes one document at the end: it keeps every diagnostic until `finish`.
    With `keeps_suppressed`, run_check also passes baseline-suppressed ones, marked."""

    streaming = False
    keeps_suppressed = False

    def __init__(self, out=None, docs_url: str | None = None, **_):
        self.out = out or sys.stdout
        self.docs_url = docs_url
        self.items: list[Diagnostic] = []
        self.suppressed: list[bool] = []  # parallel to `items`

    def emit(self, d: Diagnostic, suppressed: bool = False) -> None:
        self.items.append(d)
        self.suppressed.append(suppressed)
