"""Diagnostics to the client, and what the server tells it while it works.

Push or pull, never both (server/app.py): `publish` re-sends a document's diagnostics without
re-linting (semantic results arrived, the baseline changed), or, to a pulling client, asks
for a pull (`request_refresh`); `pull_diagnostics` and `workspace_diagnostics` answer the
pulls. The lint loop (server/lint.py) sends the push of each new version itself. Then the
`rerank-lint/status` notification and `$/progress`.
"""

from __future__ import annotations

import asyncio
import logging

import orjson
from lsprotocol import types

from server.interface import Server, capability
from server.state import DocumentState

log = logging.getLogger(__name__)

STATUS_METHOD = "rerank-lint/status"
REFRESH_SECONDS = 0.05  # at most one workspace/diagnostic/refresh per this


# --- handlers (pull clients) ------------------------------------------------------------------

async def pull_diagnostics(ls: Server, params: types.DocumentDiagnosticParams):
    state = ls.documents.get(params.text_document.uri)
    if state is None:
        return {"kind": "full", "items": []}
    return {"kind": "full", "items": await current_items(ls, state)}


async def workspace_diagnostics(ls: Server, params: types.WorkspaceDiagnosticParams):
    reports = []
    for state in list(ls.documents.values()):
        reports.append({"kind": "full", "uri": state.doc.uri, "version": state.doc.version,
                        "items": await current_items(ls, state)})
    return {"items": reports}


async def current_items(ls: Server, state: DocumentState) -> list:
    """The diagnostics of the current version (a pull after an edit waits for its lint). During
    the first check of a large document, those of the part checked so far (server/lint.py), and
    a refresh is asked for once all of it is: the pull does not wait seconds for the whole file."""
    if state.in_parts:
        await state.part_ready.wait()
        if state.showing_parts():
            items = await asyncio.get_running_loop().run_in_executor(ls.lint_pool, state.payload)
            if state.showing_parts():  # still a part: the whole file's diagnostics are to come
                state.refresh_after_lint = True
                return items
    while True:
        items = await ls.in_lint_thread(state, state.payload)
        if items is not None or state.closed:
            return items or []
        await asyncio.sleep(0)


# --- push, refresh ----------------------------------------------------------------------------

async def publish(ls: Server, state: DocumentState) -> None:
    """Publish again without re-linting (semantic results arrived, baseline changed); a
    pulling client is asked to pull again instead."""
    if ls.pull_mode:
        if not state.closed:
            ls.request_refresh()
        return
    version = state.linted_version
    message = await ls.in_lint_thread(state, state.publish_message, version)
    if message is not None and not state.closed:
        ls.write(message)


def clear(ls: Server, uri: str) -> None:
    """A closed document's diagnostics, cleared (a pulling client forgets them itself)."""
    if not ls.pull_mode:
        ls.write(orjson.dumps({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics",
                               "params": {"uri": uri, "diagnostics": []}}))


class Refresher:
    """workspace/diagnostic/refresh, at most one per 50 ms (a reload re-checks every open
    document; the client re-pulls them all on one refresh)."""

    def __init__(self):
        self._handle: asyncio.TimerHandle | None = None

    def request(self, ls: Server) -> None:
        if not ls.pull_mode or not ls.refresh_support or self._handle is not None:
            return

        def send():
            self._handle = None
            try:
                ls.workspace_diagnostic_refresh(None)
            except Exception:  # noqa: BLE001 - the client went away
                log.debug("workspace/diagnostic/refresh failed", exc_info=True)

        self._handle = asyncio.get_running_loop().call_later(REFRESH_SECONDS, send)


# --- status and progress ----------------------------------------------------------------------

def send_status(ls: Server, state: str, message: str) -> None:
    """The `rerank-lint/status` notification (server/README.md): what the server is doing,
    for a status bar, without matching progress titles."""
    ls.write(orjson.dumps({"jsonrpc": "2.0", "method": STATUS_METHOD,
                           "params": {"state": state, "message": message}}))


class Progress:
    """`$/progress` reports, when the client supports them (else nothing is sent)."""

    def __init__(self):
        self._tokens = 0

    async def begin(self, ls: Server, title: str) -> str | None:
        if not capability(ls, "window", "work_done_progress"):
            return None
        self._tokens += 1
        token = f"rerank-lint-{self._tokens}"
        try:
            await ls.work_done_progress.create_async(token)
            ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=title, cancellable=False))
        except Exception:  # noqa: BLE001 - progress is a courtesy
            return None
        return token

    @staticmethod
    def report(ls: Server, token: str, done: int, total: int) -> None:
        try:
            ls.work_done_progress.report(token, types.WorkDoneProgressReport(
                message=f"{done:,} of {total:,} lines", percentage=done * 100 // max(total, 1)))
        except Exception:  # noqa: BLE001 - progress is a courtesy
            pass

    @staticmethod
    def end(ls: Server, token: str) -> None:
        try:
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done"))
        except Exception:  # noqa: BLE001
            pass
