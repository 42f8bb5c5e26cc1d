"""Semantic diagnostics (RL6xx) in the background.

The semantic rules (rerank_lint/semantic, opt-in with the `semantic` setting) need an embedding
model, so they never run on the cheap path: after the cheap diagnostics of a version are
published, a debounced semantic pass starts on its own worker thread. It is incremental
(`rerank_lint.lint.semantic_session.SemanticSession`): it takes the records the cheap pass
already parsed, as a snapshot, embeds only the texts that are new since the last pass and
compares only those. An edit during the debounce cancels it; a pass that finishes after the
text changed is dropped, never published. The model loads lazily on that thread, on the first
run, so `initialize` and the cheap diagnostics never wait for it.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from rerank_lint.lint.engine import Linter
from rerank_lint.rules.registry import REGISTRY
from rerank_lint.lint.semantic_session import SemanticSession

from server import heap
from server.interface import Server
from server.state import DocumentState, anchors_of

log = logging.getLogger(__name__)

# Long enough to let a burst of keystrokes pass; a pass costs about 0.1 s on 20k records, so
# a pause in typing shows its results soon.
DEBOUNCE_SECONDS = 0.2
HOVER_WAIT_SECONDS = 0.3


def semantic_rules(cls) -> bool:
    return cls.semantic


class SemanticRunner:
    def __init__(self, server: Server):
        self.server = server
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="rerank-lint-semantic")
        self._warm = False

    @staticmethod
    def wanted(state: DocumentState) -> bool:
        if not getattr(state.settings, "semantic", False):
            return False
        if not any(cls.semantic for cls in REGISTRY.values()):
            return False  # the semantic rules are not installed in this build
        try:
            from rerank_lint import semantic
        except ImportError:
            return False
        return semantic.available()

    def schedule(self, state: DocumentState) -> None:
        if state.semantic_task is not None:
            state.semantic_task.cancel()
        if not self.wanted(state):
            state.set_semantic([], [], None)
            return
        state.semantic_task = asyncio.get_running_loop().create_task(self._run(state))

    async def _run(self, state: DocumentState) -> None:
        await asyncio.sleep(DEBOUNCE_SECONDS)
        version = state.linted_version
        if state.closed or version != state.doc.version:
            return
        loop = asyncio.get_running_loop()
        server = self.server
        # The line states belong to the lint thread: the snapshot is taken there.
        snapshot = await server.in_lint_thread(state, self._snapshot, state)
        if snapshot is None or state.closed or version != state.doc.version:
            return
        try:
            if not self._warm:
                server.send_status("loading-model", "rerank-lint: loading the embedding model")
                token = await server.begin_progress("rerank-lint: loading the embedding model")
                try:
                    await loop.run_in_executor(self.pool, self._load_model, state.settings)
                finally:
                    if token is not None:
                        server.end_progress(token)
                self._warm = True
                server.send_status("model-ready", "rerank-lint: embedding model loaded")
            server.send_status("semantic-running", f"rerank-lint: semantic checks of {state.display}")
            found, anchors = await loop.run_in_executor(self.pool, self._check, state, *snapshot)
        except asyncio.CancelledError:
            server.send_status("idle", "rerank-lint: semantic checks cancelled (the text changed)")
            raise
        except Exception as exc:  # noqa: BLE001 - a failing model must not take the server down
            log.exception("semantic checks failed for %s", state.doc.uri)
            server.send_status("idle", f"rerank-lint: semantic checks failed: {exc}")
            return
        if state.closed or version != state.doc.version:
            server.send_status("idle", "rerank-lint: semantic checks done (the text changed since: dropped)")
            return  # computed for an old version: never published
        unchanged = state.already_published(found, version)
        state.set_semantic(found, anchors, version)
        if unchanged:
            server.send_status("idle", "rerank-lint: semantic checks done: no change")
            return
        await server.publish(state)
        server.send_status("idle", "rerank-lint: semantic checks done")  # and published

    @staticmethod
    def _load_model(settings) -> None:
        """Load the embedding model once per process (embedder.load_model keeps it), so that its
        load is announced apart from the checks; the checks would load it anyway."""
        from rerank_lint.semantic.embedder import load_model, resolve_model

        load_model(resolve_model(settings), settings.semantic_device)
        heap.settle()  # torch and the model: hundreds of thousands of objects that live on

    async def nearest_query(self, state: DocumentState, query: str) -> tuple[int, str, float] | None:
        """The query most similar to `query` among the others of the document as of its last
        semantic pass: (line, text, cosine), or None (no pass yet, or the query is newer than
        it). A hover does not wait for a pass that is running: after a moment, it goes without."""
        session = state.semantic_session
        if session is None:
            return None
        job = asyncio.get_running_loop().run_in_executor(self.pool, session.nearest_query, query)
        try:
            return await asyncio.wait_for(asyncio.shield(job), HOVER_WAIT_SECONDS)
        except asyncio.TimeoutError:
            return None
        except Exception:  # noqa: BLE001 - a hover must not fail on it
            log.exception("nearest query for the hover failed")
            return None

    @staticmethod
    def _snapshot(state: DocumentState):
        """What a semantic pass reads, fixed at this version: the records with their line
        states' serials and current line numbers, the line contents and the file's format."""
        inc = state.inc
        records, contents = [], []
        for line_state in inc.states:
            contents.append(line_state.line.content)
            if line_state.record is not None:
                records.append((line_state.serial, line_state.index, line_state.record))
        return inc, records, contents, inc.context.schema

    @staticmethod
    def _check(state: DocumentState, inc, records, contents, schema):
        session = state.semantic_session
        if session is None or session.source is not inc:  # new settings, or the pair changed
            linter = Linter(state.settings, only=semantic_rules)
            session = SemanticSession(linter, state.display, eval_path=inc.context.eval_path,
                                      train_path=inc.context.train_path)
            session.source = inc
            state.semantic_session = session
        first = not session.index.records
        found = session.check(records, contents, schema)
        if first:
            heap.settle()  # the index of the whole document was just built
        return found, anchors_of(found, {line: serial for serial, line, _ in records})
