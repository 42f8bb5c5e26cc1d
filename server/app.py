"""The rerank-lint language server (pygls 2, stdio): the server object, its state, and the one
table of the LSP methods it answers. See server/README.md.

Each LSP concern is a module of plain functions that take this server as their first
parameter, `ls` (typed by `server.interface.Server`): `sync` (document open/change/close/
save), `workspace` (settings per file, config files, baselines, reload), `lint` (the lint
loop on its worker), `diagnostics` (push and pull, refresh, status and progress), `actions`
(quick fixes, fix-all, add to baseline), `hover` (hover, inlay hints, code lens), `semantic`
(the semantic pass). They reach each other through the methods below, never by import:
only this module imports them.

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
import logging
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson
from lsprotocol import types
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer

from rerank_lint import __version__
from rerank_lint.lint.baseline import Baseline
from rerank_lint.settings import Settings

from server import actions, diagnostics, hover, lint, sync, workspace
from server.protocol import MAX_MESSAGE_BYTES, NAME, CappedReader, RerankProtocol, read_messages
from server.semantic import SemanticRunner
from server.state import DocumentState

log = logging.getLogger(__name__)

# The LSP methods and their handlers (each `handler(ls, params)`), with their options.
FEATURES = [
    (types.INITIALIZE, workspace.initialize, None),
    (types.INITIALIZED, workspace.initialized, None),
    (types.WORKSPACE_DID_CHANGE_CONFIGURATION, workspace.did_change_configuration, None),
    (types.WORKSPACE_DID_CHANGE_WATCHED_FILES, workspace.did_change_watched_files, None),
    (types.TEXT_DOCUMENT_DID_OPEN, sync.did_open, None),
    (types.TEXT_DOCUMENT_DID_CHANGE, sync.did_change, None),
    (types.TEXT_DOCUMENT_DID_CLOSE, sync.did_close, None),
    (types.TEXT_DOCUMENT_DID_SAVE, sync.did_save, None),
    # Advertised to pulling clients only (server/protocol.py), with workspace_diagnostics off.
    (types.TEXT_DOCUMENT_DIAGNOSTIC, diagnostics.pull_diagnostics,
     types.DiagnosticOptions(identifier=NAME, inter_file_dependencies=True, workspace_diagnostics=True)),
    (types.WORKSPACE_DIAGNOSTIC, diagnostics.workspace_diagnostics, None),
    (types.TEXT_DOCUMENT_CODE_ACTION, actions.code_action, types.CodeActionOptions(code_action_kinds=actions.KINDS)),
    (types.TEXT_DOCUMENT_HOVER, hover.hover, None),
    (types.TEXT_DOCUMENT_INLAY_HINT, hover.inlay_hint, None),
    (types.TEXT_DOCUMENT_CODE_LENS, hover.code_lens, None),
]
# workspace/executeCommand: (command, handler(ls, *arguments)).
COMMANDS = [
    (actions.ADD_TO_BASELINE, actions.add_to_baseline_command),
    ("rerank-lint.documentText", sync.document_text),
]


class RerankServer(LanguageServer):
    def __init__(self):
        super().__init__(NAME, __version__, protocol_cls=RerankProtocol, max_workers=4)
        self.documents: dict[str, DocumentState] = {}
        self.lint_pool = ThreadPoolExecutor(1, thread_name_prefix="rerank-lint-cheap")
        self.semantic = SemanticRunner(self)
        # Set from the client's capabilities in `initialize` (workspace.py).
        self.pull_mode = False  # the client pulls diagnostics: never push them
        self.refresh_support = False  # ... and accepts workspace/diagnostic/refresh
        # Settings on top of the files': initializationOptions, then the editor settings.
        self.init_options: dict = {}
        self.client_settings: dict = {}
        self.config_mtimes: dict[Path, float] = {}  # the config files read, for the reload check
        # The config file to use instead of searching upward: `rerank-lint server --config`,
        # then initializationOptions.configFile, then the editor settings' configFile.
        self.cli_config: Path | None = None
        self.init_config: str | None = None
        self.client_config: str | None = None
        self.root_path: Path | None = None
        self._refresher = diagnostics.Refresher()
        self._progress = diagnostics.Progress()

    # What the feature modules call of each other (server/interface.py).

    def settings_for(self, path: Path | None) -> Settings:
        return workspace.settings_for(self, path)

    def baseline_for(self, settings: Settings) -> Baseline | None:
        return workspace.baseline_for(self, settings)

    def reload(self) -> None:
        workspace.reload(self)

    def reload_if_saved(self, uri: str) -> None:
        workspace.saved(self, uri)

    def config_changed_on_disk(self) -> bool:
        return workspace.config_changed_on_disk(self)

    def show_error(self, message: str) -> None:
        workspace.show_error(self, message)

    def schedule(self, state: DocumentState, progress: bool = False) -> None:
        lint.schedule(self, state, progress)

    async def in_lint_thread(self, state: DocumentState, fn, *args):
        return await lint.in_lint_thread(self, state, fn, *args)

    async def publish(self, state: DocumentState) -> None:
        await diagnostics.publish(self, state)

    def clear_diagnostics(self, uri: str) -> None:
        diagnostics.clear(self, uri)

    def request_refresh(self) -> None:
        self._refresher.request(self)

    def send_status(self, state: str, message: str) -> None:
        diagnostics.send_status(self, state, message)

    async def begin_progress(self, title: str) -> str | None:
        return await self._progress.begin(self, title)

    def report_progress(self, token: str, done: int, total: int) -> None:
        self._progress.report(self, token, done, total)

    def end_progress(self, token: str) -> None:
        self._progress.end(self, token)

    def write(self, message: bytes) -> None:
        self.protocol.write(message)

    def start_io(self, stdin=None, stdout=None):
        """pygls's `start_io`, reading through `CappedReader`: a message over the size cap is
        answered with an error and skipped, and the server lives on; messages are parsed with
        orjson (`read_messages`)."""
        self._stop_event = threading.Event()
        reader = CappedReader(stdin or sys.stdin.buffer, self.thread_pool, self._oversized)
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(read_messages(stop_event=self._stop_event, reader=reader, protocol=self.protocol,
                                      logger=log, error_handler=self.report_server_error))
        except BrokenPipeError:
            log.error("the connection to the client is lost; shutting down")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()

    def _oversized(self, size: int) -> None:
        message = f"a message of {size} bytes is over the limit of {MAX_MESSAGE_BYTES} bytes; it was skipped"
        log.warning("%s", message)
        # JSON-RPC's answer to a request whose id could not be read: an error with a null id.
        self.write(orjson.dumps({"jsonrpc": "2.0", "id": None,
                                 "error": {"code": types.ErrorCodes.InvalidRequest.value, "message": message}}))


def build() -> RerankServer:
    server = RerankServer()
    for method, handler, options in FEATURES:
        server.feature(method, options)(handler)
    for command, handler in COMMANDS:
        server.command(command)(handler)
    return server


def serve(config: Path | None = None) -> int:
    logging.basicConfig(level=os.environ.get("RERANK_LINT_LOG", "WARNING").upper(),
                        format="rerank-lint server %(levelname)s %(name)s: %(message)s")
    server = build()
    server.cli_config = config.resolve() if config is not None else None
    server.start_io()
    return 0
