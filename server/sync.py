"""Document sync: open, change (incremental), close, save.

The server keeps its own copy of each document as a list of lines (`server/document.py`;
pygls's workspace is bypassed, see `server/protocol.py`): an edit replaces a few lines and
queues a splice for the lint loop.
"""

from __future__ import annotations

import asyncio

from lsprotocol import types

from server import heap
from server.convert import path_of, uri_of
from server.document import TextDocument
from server.interface import Server
from server.state import DocumentState

# A first pass over more lines than this reports progress.
PROGRESS_LINES = 2000


def did_open(ls: Server, params: types.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    path = path_of(item.uri)
    negotiated = ls.workspace.position_encoding or "utf-16"
    encoding = getattr(negotiated, "value", negotiated)  # an enum member or a plain string
    doc = TextDocument(item.uri, item.text, item.version, encoding)
    settings = ls.settings_for(path)
    state = DocumentState(doc, path, settings, ls.baseline_for(settings), uri_of)
    ls.documents[item.uri] = state
    ls.schedule(state, progress=doc.engine_line_count > PROGRESS_LINES)


def did_change(ls: Server, params: types.DidChangeTextDocumentParams) -> None:
    state = ls.documents.get(params.text_document.uri)
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
    ls.schedule(state)


def did_close(ls: Server, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    state = ls.documents.pop(uri, None)
    if state is not None:
        state.closed = True
        if state.semantic_task is not None:
            state.semantic_task.cancel()
        asyncio.get_running_loop().run_in_executor(ls.lint_pool, heap.reclaim)
    ls.clear_diagnostics(uri)


def did_save(ls: Server, params: types.DidSaveTextDocumentParams) -> None:
    ls.reload_if_saved(params.text_document.uri)


def document_text(ls: Server, uri: str):
    """The `rerank-lint.documentText` command: the server's copy of a document (for tests and
    bug reports)."""
    state = ls.documents.get(uri)
    return None if state is None else state.doc.text()
