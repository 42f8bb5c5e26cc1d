"""One open document on the server side: its text, its settings, its incremental lint, and the
JSON of its diagnostics ready to publish.

All methods except the small ones marked "loop" run on the lint worker thread, one document
at a time: the event loop only records edits (`TextDocument.apply`) and hands the worker a
snapshot of the lines, so a long first pass never blocks `initialize`, hovers or new edits.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from pathlib import Path
from typing import Callable

import orjson

from rerank_lint.lint.baseline import Baseline
from rerank_lint.settings import Settings
from rerank_lint.diagnostics.diagnostic import Diagnostic
from rerank_lint.lint.engine import Linter
from rerank_lint.lint.editor import IncrementalLinter, LineState, shift, shift_range

from server.convert import fragment, fragment_bytes
from server.document import Splice, TextDocument

log = logging.getLogger(__name__)

# The line state (serial) a semantic diagnostic is about, and those of its related places in the
# same file (None: another file's, or a file-level diagnostic).
Anchor = tuple[int | None, tuple[int | None, ...]]

# The benchmark's baseline: re-lint the whole document on every edit (bench/bench_lsp.py).
FULL_RELINT = os.environ.get("RERANK_LINT_SERVER_FULL_RELINT") == "1"


def cheap_rules(cls) -> bool:
    return not cls.semantic


class DocumentState:
    def __init__(self, doc: TextDocument, path: Path | None, settings: Settings, baseline: Baseline | None,
                 uri_of: Callable[[str], str]):
        self.doc = doc
        self.path = path
        self.display = str(path) if path is not None else doc.uri
        self.settings = settings
        self.baseline = baseline
        self.uri_of = uri_of
        self.opened_version = doc.version  # the first check of this text is published in parts
        self.in_parts = False  # loop: that first check is under way (server/lint.py)
        self.part_ready = asyncio.Event()  # loop: its first part is done, or all of it
        self.pending: list[Splice] = []  # loop: edits not yet linted
        self.closed = False
        self.linted_version: int | None = None
        self.checked_version: int | None = None  # the version the line states describe
        self.semantic: list[Diagnostic] = []  # for `semantic_version`
        self.semantic_version: int | None = None
        self.semantic_anchors: list[Anchor] = []  # the line states each of `semantic` is about
        # The moved semantic results published with the cheap diagnostics of a newer version.
        self.carried: tuple[int | None, list[Diagnostic]] = (None, [])
        # state serial -> (its index, its diagnostics' JSON as one fragment, each one's JSON or None)
        self._fragments: dict[int, tuple[int, object, list[bytes] | None]] = {}
        self._conclusion_fragments: dict[int, tuple[Diagnostic, object]] = {}  # id -> (diagnostic, fragment)
        self.conclusions: list[Diagnostic] = []
        # While a first check is done in parts: the checked lines with diagnostics and the
        # group conflicts on them (IncrementalLinter.prefix_diagnostics), published instead.
        self.prefix: tuple[list[LineState], list[Diagnostic]] | None = None
        self.task = None
        self.semantic_task = None
        self.semantic_session = None  # kept across versions by the semantic worker
        self.needs_rebuild = True
        self.settle_heap = False  # a full check just made many long-lived objects (server/heap.py)
        # Pull mode: after this lint, ask the client to pull (it did not cause the change).
        self.refresh_after_lint = False

    # --- settings --------------------------------------------------------------------------

    def request_rebuild(self) -> None:
        """New settings (loop): the next run starts over, on the worker, which owns the lint state."""
        self.needs_rebuild = True

    def _rebuild(self) -> None:
        """Start over with a fresh linter for the current settings and check every line."""
        settings = self.settings
        path = self.path
        self.linter = Linter(settings, only=cheap_rules)
        eval_path = settings.eval_for(path) if path else None
        train_path = settings.train_for(path) if path and eval_path is None else None
        self.inc = IncrementalLinter(self.linter, self.display, eval_path=eval_path, train_path=train_path)
        self._fragments.clear()
        self._conclusion_fragments.clear()
        self.conclusions = []

    @property
    def baseline_path(self) -> str:
        return self.settings.relative(self.path) if self.path else self.doc.uri

    # --- linting (worker thread) ----------------------------------------------------------------

    def lint(self, splices: list[Splice], lines: list[str], limit: int | None = None) -> bool:
        """Apply the edits made since the last run and check the lines they touched. With a
        `limit` (a first check shown in parts), at most that many lines, from the top. Returns
        whether every line is checked; until then only the lines above the first one not
        checked yet are published (their diagnostics are final), without file-level conclusions."""
        doc = self.doc
        count = len(lines) - (1 if lines[-1] == "" else 0)
        if FULL_RELINT and self.prefix is None:  # a new version, not the next part of a first check
            self.needs_rebuild = True
        if self.needs_rebuild:
            self.needs_rebuild = False
            self._rebuild()
            self.settle_heap = not FULL_RELINT  # the benchmark's baseline stays as naive as it was
            self.inc.splice(0, 0, count)
        else:
            for s in splices:
                self.inc.splice(s.start, s.stop, s.count)
        self.inc.refresh(lambda i: doc.engine_line(i, lines), limit)
        if not self.inc.complete:
            self.prefix = self.inc.prefix_diagnostics()
            return False
        self.prefix = None
        self.conclusions = self.inc.conclusions()
        return True

    def showing_parts(self) -> bool:
        """(loop) Whether the diagnostics are those of a part of the opened text's first check."""
        return self.in_parts and self.prefix is not None and self.doc.version == self.opened_version and not self.pending

    @property
    def checked_lines(self) -> tuple[int, int]:
        """(lines checked from the top, lines) of the current check."""
        return self.inc.frontier(), len(self.inc.states)

    def diagnostics(self) -> list[Diagnostic]:
        """Everything found, at current line numbers (for fixes and summaries, not for publishing)."""
        items = [shift(d, s.delta) for s in self.inc.noted() for d in s.diagnostics]
        return items + self.conclusions + self._current_semantic()

    def _current_semantic(self) -> list[Diagnostic]:
        if self.semantic_version == self.checked_version:
            return self.semantic
        carried = self._carried_semantic()
        self.carried = (self.checked_version, carried)
        return carried

    def _carried_semantic(self) -> list[Diagnostic]:
        """The last semantic results, until the pass for this version is done: each moves with
        the line it is about (and its related lines); those about an edited line are dropped,
        so the cheap publish neither shows them at the wrong place nor makes the rest vanish."""
        if not self.semantic:
            return []
        where = {state.serial: state.index for state in self.inc.line_diagnostics()}
        moved = (carry(d, anchor, where) for d, anchor in zip(self.semantic, self.semantic_anchors))
        return [d for d in moved if d is not None]

    def set_semantic(self, found: list[Diagnostic], anchors: list[Anchor], version: int | None) -> None:
        """(loop) The results of the semantic pass for `version`."""
        self.semantic, self.semantic_anchors, self.semantic_version = found, anchors, version

    def already_published(self, found: list[Diagnostic], version: int | None) -> bool:
        """(loop) Whether the cheap publish of `version` carried exactly these semantic results:
        then publishing them again would send the client the same list."""
        carried_version, carried = self.carried
        if carried_version != version or carried_version is None or len(carried) != len(found):
            return False
        order = lambda d: (d.range.start.line, d.range.start.byte, d.code, d.message)  # noqa: E731
        return sorted(carried, key=order) == sorted(found, key=order)

    def payload(self) -> list:
        """The JSON fragments of every diagnostic, reusing those of lines that did not move."""
        doc, uri_of, docs_url = self.doc, self.uri_of, self.settings.docs_url
        fragments = self._fragments
        get = fragments.get
        out: list = []
        # The CLI's baseline filter, one pass per publish, in the same order.
        matcher = self.baseline.matcher(self.baseline_path) if self.baseline else None
        states, conclusions = self.prefix if self.prefix is not None else (self.inc.noted(), None)
        # The one loop over the lines with diagnostics, kept to a lookup and an append per line
        # (a publish of 20,000 of them on every keystroke): each line's diagnostics are kept as
        # one fragment, their JSON joined by commas, and one per diagnostic for the baseline.
        for state in states:
            cached = get(state.serial)
            if cached is None or cached[0] != state.index or (matcher is not None and cached[2] is None):
                pieces = [fragment_bytes(d, doc, state.delta, uri_of, docs_url) for d in state.diagnostics]
                # The single pieces are kept only for the baseline's filter (memory: a copy of all).
                cached = fragments[state.serial] = (state.index, orjson.Fragment(b",".join(pieces)),
                                                    pieces if matcher is not None else None)
            if matcher is None:
                out.append(cached[1])
            else:
                out += [orjson.Fragment(f) for d, f in zip(state.diagnostics, cached[2]) if not matcher.suppressed(d)]
        if len(fragments) > 2 * len(states) + 64:  # lines edited or gone: drop theirs, now and then
            alive = {state.serial for state in states}
            for serial in [s for s in fragments if s not in alive]:
                del fragments[serial]
        # Conclusions that did not change are the same objects as last time (the incremental
        # linter caches each group's findings; semantic results change once per pass): their
        # fragments are reused too, which matters on files with thousands of duplicates.
        previous, self._conclusion_fragments = self._conclusion_fragments, {}
        if conclusions is None:
            conclusions = self.conclusions + self._current_semantic()
        for d in conclusions:
            kept = previous.get(id(d))
            piece = kept[1] if kept is not None and kept[0] is d else fragment(d, doc, 0, uri_of, self.settings.docs_url)
            self._conclusion_fragments[id(d)] = (d, piece)
            if matcher is None or not matcher.suppressed(d):
                out.append(piece)
        return out

    def publish_message(self, version: int | None) -> bytes:
        params = {"uri": self.doc.uri, "diagnostics": self.payload()}
        if version is not None:
            params["version"] = version
        return orjson.dumps({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": params})

    def state_at(self, line: int) -> LineState | None:
        states = self.inc.states
        return states[line] if 0 <= line < len(states) else None


def anchors_of(found: list[Diagnostic], serial_at: dict[int, int]) -> list[Anchor]:
    """For each diagnostic of a semantic pass, the serials of the line states it points at;
    `serial_at` maps the pass's line numbers to serials. A place on a line with no record
    (cannot happen, but must not be carried) gets -1, which no state has."""
    anchors = []
    for d in found:
        if d.record_key is None:  # file-level
            anchors.append((None, ()))
            continue
        related = tuple(serial_at.get(r.range.start.line, -1) if r.path == d.path else None for r in d.related)
        anchors.append((serial_at.get(d.range.start.line, -1), related))
    return anchors


def carry(d: Diagnostic, anchor: Anchor, where: dict[int, int]) -> Diagnostic | None:
    """`d` moved to where its line states are now (`where`: serial -> line), or None when one
    of them is gone (edited or deleted)."""
    serial, related_serials = anchor
    if serial is None:
        return d
    line = where.get(serial)
    if line is None:
        return None
    related = []
    for r, related_serial in zip(d.related, related_serials):
        if related_serial is None:
            related.append(r)
            continue
        other = where.get(related_serial)
        if other is None:
            return None
        related.append(dataclasses.replace(r, range=shift_range(r.range, other - r.range.start.line)))
    return dataclasses.replace(shift(d, line - d.range.start.line), related=related)
