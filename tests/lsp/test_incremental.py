"""The incremental driver gives what a fresh lint of the same text gives, after any edits."""

from __future__ import annotations

import random

import pytest

from rerank_lint.settings import Settings
from rerank_lint.lint.engine import Linter
from rerank_lint.lint.editor import IncrementalLinter

from helpers import REAL_DATA

REAL = REAL_DATA


def comparable(diagnostics):
    def key(d):
        fix = None
        if d.fix is not None:
            fix = (d.fix.description, tuple(sorted(map(repr, d.fix.edits))))
        related = tuple(sorted((r.path, r.range.start.line, r.range.start.byte, r.range.end.byte, r.message) for r in d.related))
        return (d.code, d.range.start.line, d.range.start.byte, d.range.end.line, d.range.end.byte, d.message,
                d.severity, related, fix, d.record_key)
    return sorted(map(key, diagnostics))


def split(text: bytes) -> list[tuple[bytes, bytes, bool]]:
    raw = text.split(b"\n")
    lines = []
    for i, part in enumerate(raw):
        last = i == len(raw) - 1
        if last and part == b"":
            break
        bom = i == 0 and part.startswith(b"\xef\xbb\xbf")
        if bom:
            part = part[3:]
        ending = b"" if last else b"\n"
        if ending and part.endswith(b"\r"):
            part, ending = part[:-1], b"\r\n"
        lines.append((part, ending, bom))
    return lines


class Harness:
    """Keeps a list of lines and an IncrementalLinter in step, as the server does."""

    def __init__(self, text: bytes, settings: Settings | None = None):
        self.settings = settings or Settings(min_unique_queries=3)
        self.linter = Linter(self.settings)
        self.lines = split(text)
        self.inc = IncrementalLinter(self.linter, "doc.jsonl")
        self.inc.reset(self.lines)

    @property
    def text(self) -> bytes:
        return b"".join((b"\xef\xbb\xbf" if bom else b"") + c + e for c, e, bom in self.lines)

    def replace(self, start: int, stop: int, new: list[bytes]) -> None:
        text = self.text
        before = split(text)
        self.lines = before[:start] + [(c, b"\n", False) for c in new] + before[stop:]
        # Re-split so that endings and the last line follow the text, as the server does.
        self.lines = split(self.text)
        changed_stop = min(len(self.lines), start + len(new))
        old_stop = min(len(before), stop)
        self.inc.splice(start, old_stop, changed_stop - start)
        self.inc.refresh(lambda i: self.lines[i])

    def check(self) -> None:
        fresh = Linter(self.settings).check_bytes(self.text, "doc.jsonl")
        assert comparable(self.inc.diagnostics()) == comparable(fresh)


SAMPLE = [
    b'{"query": "what is bm25", "relevant_passages": ["BM25 is a ranking function."], "hard_negatives": ["A", "A", ""]}',
    b'{"query": "What is BM25?", "relevant_passages": ["<b>BM25</b> ranks."], "hard_negatives": ["B"]}',
    b'{"query": "what is bm25", "relevant_passages": ["BM25 is a ranking function."], "hard_negatives": ["A", "A", ""]}',
    b'',
    b'{"query": "caf\xc3\xa9 \xf0\x9f\x98\x80 ", "relevant_passages": ["see https://example.com  now"]}',
    b'{"query": "q", "pos": ["p"], "neg": []}',
    b'not json',
    b'["a list"]',
    b'{"query": "x", "query": "y", "relevant_passages": ["z"]}',
    b'\t',
]


def test_random_edits_match_a_fresh_lint():
    rng = random.Random(4)
    h = Harness(b"\n".join(SAMPLE[:5]) + b"\n")
    h.check()
    for _ in range(120):
        n = len(h.lines)
        start = rng.randint(0, n)
        stop = min(n, start + rng.choice([0, 1, 1, 1, 2]))
        new = [rng.choice(SAMPLE) for _ in range(rng.choice([0, 1, 1, 1, 2]))]
        h.replace(start, stop, new)
        h.check()


def test_format_change_of_the_first_record_rechecks_the_rest():
    h = Harness(b"\n".join([SAMPLE[0], SAMPLE[5], SAMPLE[1]]) + b"\n")
    h.check()
    h.replace(0, 1, [SAMPLE[5]])
    h.check()
    h.replace(0, 1, [b"{}"])
    h.check()


def test_crlf_bom_and_missing_final_newline():
    h = Harness(b"\xef\xbb\xbf" + SAMPLE[0] + b"\r\n" + SAMPLE[1])
    h.check()
    h.replace(1, 2, [SAMPLE[2]])
    h.check()


@pytest.mark.parametrize("name", ["cohere_synthetic_finetune.jsonl", "bge_nq.jsonl"])
def test_real_file_edits(name):
    path = REAL / name
    if not path.is_file():
        pytest.skip("real data not available")
    data = path.read_bytes()
    h = Harness(data, Settings())
    h.check()
    rng = random.Random(7)
    for _ in range(5):
        i = rng.randrange(len(h.lines))
        j = rng.randrange(len(h.lines))
        h.replace(i, i + 1, [h.lines[j][0]])  # a duplicate record appears
        h.check()
