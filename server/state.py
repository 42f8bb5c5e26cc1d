"""One open document on the server side: its text, its settings, its incremental lint, and the
JSON of its diagnostics ready to publish.

All methods except the small ones marked "loop" run on the lint worker thread, one document
at a time: the event loop only records edits (`TextDocument.apply`) and hands the worker a
snapshot of the lines, so a long first pass never blocks `initialize`, hovers or new edits.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from pathlib import Path
from typing import Callable

import orjson

from rerank_lint.baseline import Baseline
from rerank_lint.config import Settings
from rerank_lint.diagnostics import Diagnostic
from rerank_lint.engine import Linter
from rerank_lint.incremental import IncrementalLinter, LineState, shift

from .convert import fragment
from .document import Splice, TextDocument

log = logging.getLogger(__name__)

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
        self.pending: list[Splice] = []  # loop: edits not yet linted
        self.closed = False
        self.linted_version: int | None = None
        self.checked_version: int | None = None  # the version the line states describe
        self.semantic: list[Diagnostic] = []  # for `semantic_version`
        self.semantic_version: int | None = None
        self._fragments: dict[int, tuple[int, list]] = {}  # state serial -> (index, fragments)
        self._conclusion_fragments: dict[int, tuple[Diagnostic, object]] = {}  # id -> (diagnostic, fragment)
        self.conclusions: list[Diagnostic] = []
        self.task = None
        self.semantic_task = None
        self.semantic_session = None  # kept across versions by the semantic worker
        self.needs_rebuild = True
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

    def lint(self, splices: list[Splice], lines: list[str]) -> None:
        """Apply the edits made since the last run and check the lines they touched."""
        doc = self.doc
        count = len(lines) - (1 if lines[-1] == "" else 0)
        if FULL_RELINT:
            self.needs_rebuild = True
        if self.needs_rebuild:
            self.needs_rebuild = False
            self._rebuild()
            self.inc.splice(0, 0, count)
        else:
            for s in splices:
                self.inc.splice(s.start, s.stop, s.count)
        self.inc.refresh(lambda i: doc.engine_line(i, lines))
        self.conclusions = self.inc.conclusions()

    def diagnostics(self) -> list[Diagnostic]:
        """Everything found, at current line numbers (for fixes and summaries, not for publishing)."""
        items = [shift(d, s.delta) for s in self.inc.line_diagnostics() for d in s.diagnostics]
        return items + self.conclusions + self._current_semantic()

    def _current_semantic(self) -> list[Diagnostic]:
        return self.semantic if self.semantic_version == self.checked_version else []

    def payload(self) -> list:
        """The JSON fragments of every diagnostic, reusing those of lines that did not move."""
        doc, uri_of = self.doc, self.uri_of
        fragments = self._fragments
        alive: set[int] = set()
        out: list = []
        remaining = Counter(self.baseline.counts) if self.baseline else None
        for state in self.inc.line_diagnostics():
            if not state.diagnostics:
                continue
            alive.add(state.serial)
            cached = fragments.get(state.serial)
            if cached is None or cached[0] != state.index:
                cached = (state.index, [fragment(d, doc, state.delta, uri_of) for d in state.diagnostics])
                fragments[state.serial] = cached
            if remaining is None:
                out += cached[1]
            else:
                out += [f for d, f in zip(state.diagnostics, cached[1]) if not self._suppressed(d, remaining)]
        if len(fragments) > len(alive):
            for serial in [s for s in fragments if s not in alive]:
                del fragments[serial]
        # Conclusions that did not change are the same objects as last time (the incremental
        # linter caches each group's findings; semantic results change once per pass): their
        # fragments are reused too, which matters on files with thousands of duplicates.
        previous, self._conclusion_fragments = self._conclusion_fragments, {}
        for d in self.conclusions + self._current_semantic():
            kept = previous.get(id(d))
            piece = kept[1] if kept is not None and kept[0] is d else fragment(d, doc, 0, uri_of)
            self._conclusion_fragments[id(d)] = (d, piece)
            if remaining is None or not self._suppressed(d, remaining):
                out.append(piece)
        return out

    def _suppressed(self, d: Diagnostic, remaining: Counter) -> bool:
        key = (self.baseline_path, d.code, d.record_key or "file")
        if remaining[key] > 0:
            remaining[key] -= 1
            return True
        return False

    def publish_message(self, version: int | None) -> bytes:
        params = {"uri": self.doc.uri, "diagnostics": self.payload()}
        if version is not None:
            params["version"] = version
        return orjson.dumps({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": params})

    def state_at(self, line: int) -> LineState | None:
        states = self.inc.states
        return states[line] if 0 <= line < len(states) else None
