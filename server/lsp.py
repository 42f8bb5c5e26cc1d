"""The rerank-lint language server (pygls 2, stdio). See server/README.md.

Diagnostics reach the client one way only, as ruff's server does: a client that can pull
(`textDocument.diagnostic`) and be asked to pull again (`workspace.diagnostics.refreshSupport`)
pulls, and gets `workspace/diagnostic/refresh` when results arrive that no edit of its own asked
for (semantic results, a config reload, the other file of a pair, the baseline); any other
client gets `publishDiagnostics` and no `diagnosticProvider`.

Threads: the asyncio loop reads messages, applies text edits to the documents and answers
requests; one worker thread runs the cheap rules (incrementally, one document at a time), and
another runs the semantic rules (debounced, whole file). A result is published only if the
document has not changed since the worker took its snapshot, so stale diagnostics never reach
the client; a newer edit simply queues another run.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.uris import from_fs_path, to_fs_path

from rerank_lint import __version__
from rerank_lint.lint.baseline import DEFAULT_NAME, Baseline, BaselineError
from rerank_lint.settings import Settings, load_config, settings_for
from rerank_lint.errors import ConfigError
from rerank_lint.lint.fixes import allowed, apply_edits, plan_fixes, rewrite, _valid_json

from server import features, heap
from server.convert import diagnostic_json, fix_edits, whole_line_edits
from server.document import TextDocument, char_index
from server.semantic import SemanticRunner
from server.state import DocumentState

log = logging.getLogger(__name__)

NAME = "rerank-lint"
FIX_ALL_KIND = "source.fixAll.rerank-lint"
ADD_TO_BASELINE = "rerank-lint.addToBaseline"
STATUS_METHOD = "rerank-lint/status"
CONFIG_NAMES = ("rerank-lint.toml", ".rerank-lint.toml", "pyproject.toml")
# A first pass over more lines than this reports progress.
PROGRESS_LINES = 2000


class RerankProtocol(LanguageServerProtocol):
    """pygls's protocol with the document sync handled by the server itself (pygls's workspace
    re-splits the whole text on each edit) and messages written with orjson, which can embed
    the ready-made JSON of diagnostics."""

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams):
        result = yield from super().lsp_initialize(params)
        server = self._server
        if server.pull_mode:
            # Our workspace report holds the open documents only: the document pulls have them.
            result.capabilities.diagnostic_provider = types.DiagnosticOptions(
                identifier=NAME, inter_file_dependencies=True, workspace_diagnostics=False)
        else:
            result.capabilities.diagnostic_provider = None  # push only: never both
        return result

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None

    def _send_data(self, data: Any):
        if not data or self.writer is None:
            return
        try:
            body = data if isinstance(data, bytes) else orjson.dumps(data, default=self._serialize_message)
        except TypeError:
            log.exception("cannot serialize a message")
            return
        self.writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)


class RerankServer(LanguageServer):
    def __init__(self):
        super().__init__(NAME, __version__, protocol_cls=RerankProtocol, max_workers=4)
        self.documents: dict[str, DocumentState] = {}
        self.lint_pool = ThreadPoolExecutor(1, thread_name_prefix="rerank-lint-cheap")
        self.init_options: dict = {}
        self.client_settings: dict = {}
        self.config_mtimes: dict[Path, float] = {}
        self.semantic = SemanticRunner(self)
        self._progress_tokens = 0
        # Set from the client's capabilities in `initialize` (features.py).
        self.pull_mode = False  # the client pulls diagnostics: never push them
        self.refresh_support = False  # ... and accepts workspace/diagnostic/refresh
        self._refresh_handle: asyncio.TimerHandle | None = None
        # The config file to use instead of searching upward: `rerank-lint server --config`,
        # then initializationOptions.configFile, then the editor settings' configFile.
        self.cli_config: Path | None = None
        self.init_config: str | None = None
        self.client_config: str | None = None
        self.root_path: Path | None = None

    # --- configuration ------------------------------------------------------------------------

    def config_file(self) -> Path | None:
        """The explicit config file, if any: the editor settings' `configFile`, else
        initializationOptions.configFile, else `--config`. Relative paths are relative to the
        workspace root (else the server's working directory)."""
        for value in (self.client_config, self.init_config):
            if value:
                path = Path(value).expanduser()
                if not path.is_absolute():
                    path = (self.root_path or Path.cwd()) / path
                return path
        return self.cli_config

    def settings_for(self, path: Path | None) -> Settings:
        """The file's config (or the explicit `configFile`), then initializationOptions, then
        workspace/didChangeConfiguration."""
        settings = Settings()
        explicit = self.config_file()
        try:
            if explicit is not None:
                settings = load_config(explicit)
                if path is not None:
                    settings = settings.for_file(path)
            elif path is not None:
                settings = settings_for(path).for_file(path)
        except ConfigError as exc:
            self.show_error(f"rerank-lint: {exc}; using the defaults")
        if explicit is not None:
            self.config_mtimes[explicit] = _mtime(explicit)  # also when missing: it may appear
        elif settings.source is not None:
            self.config_mtimes[settings.source] = _mtime(settings.source)
        for where, overrides in (("initializationOptions", self.init_options), ("editor settings", self.client_settings)):
            if overrides:
                try:
                    # As on the command line, `ignore` and `extend-select` add to the file's (merged).
                    settings = settings.merged(dict(overrides), where)
                except ConfigError as exc:
                    self.show_error(f"rerank-lint: {exc}; ignored")
        return settings

    def baseline_for(self, settings: Settings) -> Baseline | None:
        if not settings.baseline:
            return None
        try:
            return Baseline.load(settings.resolve(settings.baseline))
        except BaselineError as exc:
            self.show_error(f"rerank-lint: {exc}")
            return None

    def reload(self) -> None:
        """The configuration changed: every open document is checked again from scratch."""
        for state in self.documents.values():
            state.settings = self.settings_for(state.path)
            state.baseline = self.baseline_for(state.settings)
            state.request_rebuild()
            state.refresh_after_lint = True  # a pull client asked for nothing: tell it
            self.schedule(state)

    def config_changed_on_disk(self) -> bool:
        changed = [p for p, m in self.config_mtimes.items() if _mtime(p) != m]
        return bool(changed)

    def show_error(self, message: str) -> None:
        log.warning(message)
        try:
            self.window_show_message(types.ShowMessageParams(types.MessageType.Error, message))
        except Exception:  # noqa: BLE001 - before initialize there is no client to tell
            pass

    # --- documents --------------------------------------------------------------------------

    def open(self, item: types.TextDocumentItem) -> None:
        path = _path_of(item.uri)
        negotiated = self.workspace.position_encoding or "utf-16"
        encoding = getattr(negotiated, "value", negotiated)  # an enum member or a plain string
        doc = TextDocument(item.uri, item.text, item.version, encoding)
        settings = self.settings_for(path)
        state = DocumentState(doc, path, settings, self.baseline_for(settings), self.uri_of)
        self.documents[item.uri] = state
        self.schedule(state, progress=doc.engine_line_count > PROGRESS_LINES)

    def change(self, params: types.DidChangeTextDocumentParams) -> None:
        state = self.documents.get(params.text_document.uri)
        if state is None:
            return
        doc = state.doc
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                r = change.range
                splice = doc.apply((r.start.line, r.start.character), (r.end.line, r.end.character), change.text)
            else:
                splice = doc.replace_all(change.text)
            state.pending.append(splice)
        doc.version = params.text_document.version
        self.schedule(state)

    def close(self, uri: str) -> None:
        state = self.documents.pop(uri, None)
        if state is not None:
            state.closed = True
            if state.semantic_task is not None:
                state.semantic_task.cancel()
            asyncio.get_running_loop().run_in_executor(self.lint_pool, heap.reclaim)
        if not self.pull_mode:  # a pulling client forgets a closed document's diagnostics itself
            self._write(orjson.dumps({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics",
                                      "params": {"uri": uri, "diagnostics": []}}))

    def uri_of(self, path: str) -> str:
        if "://" in path or path.startswith("untitled:"):
            return path
        return from_fs_path(os.path.abspath(path)) or path

    # --- the lint loop ------------------------------------------------------------------------

    def schedule(self, state: DocumentState, progress: bool = False) -> None:
        if state.task is None or state.task.done():
            state.task = asyncio.get_running_loop().create_task(self._lint_until_current(state, progress))

    async def _lint_until_current(self, state: DocumentState, progress: bool) -> None:
        """Lint what changed, again while edits keep arriving; publish only the latest version."""
        loop = asyncio.get_running_loop()
        token = await self._begin_progress("rerank-lint: checking the file") if progress else None
        try:
            while not state.closed:
                if self.config_changed_on_disk():
                    self.config_mtimes.clear()
                    self.reload()  # this document's rebuild happens in the next run of this loop
                splices, state.pending = state.pending, []
                version, lines = state.doc.version, list(state.doc.lines)
                try:
                    message = await loop.run_in_executor(self.lint_pool, self._lint_job, state, splices, lines, version)
                except Exception:  # noqa: BLE001 - the server must survive any input
                    log.exception("linting %s failed; checking it again from scratch", state.doc.uri)
                    state.request_rebuild()
                    await asyncio.sleep(0.05)
                    continue
                if state.closed:
                    return
                if state.pending or state.needs_rebuild or version != state.doc.version:
                    continue  # the text moved on; this result is never published
                state.linted_version = version
                if message is not None:
                    self._write(message)
                elif state.refresh_after_lint:
                    self.request_refresh()
                state.refresh_after_lint = False
                if state.settle_heap:
                    # By uri, not by state: a closed document must not be kept (and frozen) by the timer.
                    loop.call_later(heap.QUIET_SECONDS, self._settle_if_quiet, state.doc.uri, version)
                self.semantic.schedule(state)
                return
        finally:
            if token is not None:
                self._end_progress(token)

    def _settle_if_quiet(self, uri: str, version) -> None:
        """(loop) Freeze the heap after a full check once the document has been left alone for
        a moment (it takes about half a second on 20k records): an edit arriving meanwhile
        postpones it (the end of that edit's lint asks again)."""
        state = self.documents.get(uri)
        if state is None or not state.settle_heap:
            return
        if state.doc.version != version or state.pending or (state.task is not None and not state.task.done()):
            return
        state.settle_heap = False
        asyncio.get_running_loop().run_in_executor(self.lint_pool, heap.settle)

    def _lint_job(self, state: DocumentState, splices, lines, version) -> bytes | None:
        state.lint(splices, lines)
        # From here on, the line states describe this version: semantic results of an older
        # text (whose lines may have moved) are not part of what is published for it.
        state.checked_version = version
        # A pulling client asks for the diagnostics when it wants them: nothing to build here.
        return None if self.pull_mode else state.publish_message(version)

    async def publish(self, state: DocumentState) -> None:
        """Publish again without re-linting (semantic results arrived, baseline changed); a
        pulling client is asked to pull again instead."""
        if self.pull_mode:
            if not state.closed:
                self.request_refresh()
            return
        version = state.linted_version
        message = await self.in_lint_thread(state, state.publish_message, version)
        if message is not None and not state.closed:
            self._write(message)

    def request_refresh(self) -> None:
        """workspace/diagnostic/refresh, at most one per 50 ms (a reload re-checks every open
        document; the client re-pulls them all on one refresh)."""
        if not self.pull_mode or not self.refresh_support or self._refresh_handle is not None:
            return

        def send():
            self._refresh_handle = None
            try:
                self.workspace_diagnostic_refresh(None)
            except Exception:  # noqa: BLE001 - the client went away
                log.debug("workspace/diagnostic/refresh failed", exc_info=True)

        self._refresh_handle = asyncio.get_running_loop().call_later(0.05, send)

    def send_status(self, state: str, message: str) -> None:
        """The `rerank-lint/status` notification (server/README.md): what the server is doing,
        for a status bar, without matching progress titles."""
        self._write(orjson.dumps({"jsonrpc": "2.0", "method": STATUS_METHOD,
                                  "params": {"state": state, "message": message}}))

    async def in_lint_thread(self, state: DocumentState, fn, *args):
        """Run `fn` on the lint worker once the document's lint is current (the worker owns the
        lint state); None if the text changed meanwhile."""
        await self.wait_current(state)
        version = state.doc.version
        result = await asyncio.get_running_loop().run_in_executor(self.lint_pool, fn, *args)
        if version != state.doc.version or state.pending:
            return None
        return result

    def _write(self, message: bytes) -> None:
        self.protocol._send_data(message)

    async def wait_current(self, state: DocumentState) -> None:
        while state.task is not None and not state.task.done():
            await asyncio.shield(state.task)

    # --- progress -----------------------------------------------------------------------------

    async def _begin_progress(self, title: str):
        if not _get(self.client_capabilities, "window", "work_done_progress"):
            return None
        self._progress_tokens += 1
        token = f"rerank-lint-{self._progress_tokens}"
        try:
            await self.work_done_progress.create_async(token)
            self.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=title, cancellable=False))
        except Exception:  # noqa: BLE001 - progress is a courtesy
            return None
        return token

    def _end_progress(self, token) -> None:
        try:
            self.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done"))
        except Exception:  # noqa: BLE001
            pass

    # --- code actions -----------------------------------------------------------------------

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        state = self.documents.get(params.text_document.uri)
        if state is None:
            return []
        only = params.context.only
        wanted = lambda kind: only is None or any(kind == k or kind.startswith(f"{k}.") for k in only)  # noqa: E731
        actions: list[types.CodeAction] = []
        if wanted(types.CodeActionKind.QuickFix):
            chosen = self._diagnostics_for_actions(state, params)
            fixes = [a for a in (self._quick_fix(state, d, j) for d, j in chosen) if a is not None]
            baselines = [self._baseline_action(state, d, j) for d, j in chosen]
            for group in (fixes, baselines):
                titles = Counter(a.title for a in group)
                for a in group:
                    if titles[a.title] > 1:  # the same text twice in range: say where each is
                        start = a.diagnostics[0].range.start
                        a.title += f" at {start.line + 1}:{start.character + 1}"
                actions += group
        if wanted(FIX_ALL_KIND):
            edits = self.fix_all_edits(state)
            if edits:
                actions.append(types.CodeAction(title="rerank-lint: fix all safe problems", kind=FIX_ALL_KIND,
                                                edit=self._workspace_edit(state, edits)))
        return actions

    def _diagnostics_for_actions(self, state: DocumentState, params: types.CodeActionParams) -> list[tuple]:
        """The diagnostics a code action request is about, each with its LSP JSON: those the
        client names in `context.diagnostics` (ours, matched by code and range), else those whose
        range overlaps the requested range (a cursor touching one counts)."""
        r = params.range
        first, last = min(r.start.line, r.end.line), max(r.start.line, r.end.line)
        candidates = [d for d in state.diagnostics() if d.range.start.line <= last and d.range.end.line >= first]
        found = [(d, diagnostic_json(d, state.doc, 0, self.uri_of)) for d in candidates]
        named = [c for c in params.context.diagnostics or () if c.source in (None, NAME)]
        if named:
            keys = {(_code(c.code), _pos(c.range.start), _pos(c.range.end)) for c in named}
            return [(d, j) for d, j in found
                    if (d.code, _jpos(j["range"]["start"]), _jpos(j["range"]["end"])) in keys]
        lo, hi = sorted((_pos(r.start), _pos(r.end)))
        return [(d, j) for d, j in found
                if _jpos(j["range"]["start"]) <= hi and _jpos(j["range"]["end"]) >= lo]

    def _quick_fix(self, state: DocumentState, d, item: dict) -> types.CodeAction | None:
        fix = d.fix
        if fix is None:
            return None
        doc = state.doc
        edits = fix_edits(fix, doc)
        if not edits or not self._leaves_valid_json(state, fix):
            return None
        unsafe = not allowed(fix, unsafe=False)
        description = fix.description[:1].upper() + fix.description[1:]
        title = f"{description}{_quoted(_text_in(state.doc, item['range']))} ({d.code}{', unsafe' if unsafe else ''})"
        return types.CodeAction(
            title=title, kind=types.CodeActionKind.QuickFix, is_preferred=not unsafe,
            diagnostics=[self._structure(item)], edit=self._workspace_edit(state, edits),
        )

    @staticmethod
    def _leaves_valid_json(state: DocumentState, fix) -> bool:
        """A quick fix that would leave a line that no longer parses is not offered."""
        lines = {e.line for e in fix.edits if hasattr(e, "start")}
        for line in lines:
            content = state.doc.engine_line(line)[0]
            fixed, _ = apply_edits(content, [fix], line)
            if not _valid_json(fixed):
                return False
        return True

    def _baseline_action(self, state: DocumentState, d, item: dict) -> types.CodeAction:
        return types.CodeAction(
            title=f"Add {d.code}{_quoted(_text_in(state.doc, item['range']))} to the rerank-lint baseline",
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[self._structure(item)],
            command=types.Command(title="add to baseline", command=ADD_TO_BASELINE,
                                  arguments=[state.doc.uri, d.code, d.record_key or "file"]),
        )

    def _structure(self, item: dict) -> types.Diagnostic:
        return self.protocol._converter.structure(item, types.Diagnostic)

    def _workspace_edit(self, state: DocumentState, edits: list[dict]) -> types.WorkspaceEdit:
        text_edits = [self.protocol._converter.structure(e, types.TextEdit) for e in edits]
        return types.WorkspaceEdit(changes={state.doc.uri: text_edits})

    def fix_all_edits(self, state: DocumentState) -> list[dict]:
        """The CLI's `--fix` over the document: same plan, same fix loop, as whole-line edits."""
        plan = plan_fixes(state.diagnostics(), unsafe=False)
        if plan.empty:
            return []
        data = state.doc.text().encode("utf-8", "surrogatepass")
        outcome = rewrite(io.BytesIO(data), None, plan, state.linter, keep_changes=True)
        return whole_line_edits(outcome.changed_lines, state.doc)

    def add_to_baseline(self, uri: str, code: str, record: str) -> None:
        state = self.documents.get(uri)
        if state is None:
            return
        settings = state.settings
        target = settings.resolve(settings.baseline) if settings.baseline else settings.root / DEFAULT_NAME
        try:
            baseline = Baseline.load(target) if target.exists() else Baseline()
        except BaselineError as exc:
            self.show_error(f"rerank-lint: {exc}")
            return
        baseline.counts[(state.baseline_path, code, record)] += 1
        baseline.write(target)
        if not settings.baseline:
            # Without a `baseline` setting the file would be ignored: point the documents at it.
            self.client_settings = {**self.client_settings, "baseline": str(target)}
        for other in self.documents.values():
            other.settings = self.settings_for(other.path)
            other.baseline = self.baseline_for(other.settings)
            asyncio.get_running_loop().create_task(self.publish(other))


def _pos(p: types.Position) -> tuple[int, int]:
    return (p.line, p.character)


def _jpos(p: dict) -> tuple[int, int]:
    return (p["line"], p["character"])


def _code(code) -> str:
    return str(code) if code is not None else ""


TITLE_TEXT = 40  # characters of the offending text shown in a code action's title


def _text_in(doc: TextDocument, r: dict) -> str:
    """The document text of a one-line LSP range (empty for a range over several lines)."""
    start, end = r["start"], r["end"]
    if start["line"] != end["line"] or not 0 <= start["line"] < len(doc.lines):
        return ""
    text = doc.lines[start["line"]]
    return text[char_index(text, start["character"], doc.encoding):char_index(text, end["character"], doc.encoding)]


def _quoted(text: str) -> str:
    text = text.strip()
    if not text or "\n" in text:
        return ""
    if len(text) > TITLE_TEXT:
        text = text[:TITLE_TEXT - 1] + "…"
    return f" `{text.replace('`', chr(0x2018))}`"


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


def _path_of(uri: str) -> Path | None:
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    return Path(path) if path else None


def _get(obj, *names):
    for name in names:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


def build() -> RerankServer:
    server = RerankServer()
    features.register(server)
    return server


def serve(config: Path | None = None) -> int:
    logging.basicConfig(level=os.environ.get("RERANK_LINT_LOG", "WARNING").upper(),
                        format="rerank-lint server %(levelname)s %(name)s: %(message)s")
    server = build()
    server.cli_config = config.resolve() if config is not None else None
    server.start_io()
    return 0
