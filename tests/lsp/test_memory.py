"""What keeps the server's memory and pauses small on big documents (server/heap.py and the
JSON fragments kept per diagnostic)."""

from __future__ import annotations

import gc
import tracemalloc
import weakref

from rerank_lint.settings import Settings
from rerank_lint.lint.engine import Linter
from server import heap
from server.convert import fragment
from server.document import TextDocument


def test_a_kept_fragment_costs_its_own_size_not_a_serializer_buffer():
    text = "".join('{"query": " padded ", "relevant_passages": ["<b>x</b>"]}\n' for _ in range(500))
    doc = TextDocument("file:///x.jsonl", text, 1, "utf-16")
    found = Linter(Settings()).check_bytes(text.encode(), "x.jsonl")
    assert len(found) > 1000
    tracemalloc.start()
    try:
        kept = [fragment(d, doc, 0, lambda path: "file:///x.jsonl") for d in found]
        size, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    per_fragment = size / len(kept)
    assert per_fragment < 1000, f"{per_fragment:.0f} bytes per fragment"  # orjson's own buffer is 4 KB


class Node:
    def __init__(self):
        self.other = self


def test_settle_freezes_the_live_objects_and_reclaim_collects_their_cycles():
    try:
        cycle = Node()
        alive = weakref.ref(cycle)
        heap.settle()
        assert gc.get_freeze_count() > 0
        del cycle
        gc.collect()
        assert alive() is not None  # frozen: a collection does not look at it
        heap.reclaim()  # a document closed: its cycles go
        assert alive() is None
    finally:
        gc.unfreeze()
