"""The LSP methods the server answers, wired to `RerankServer`. Handlers that read the lint
state run on the lint worker (`in_lint_thread`), after the document's lint is current."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from rerank_lint.rules.registry import REGISTRY

from server.document import char_index

if TYPE_CHECKING:
    from server.lsp import RerankServer
    from server.state import DocumentState

log = logging.getLogger(__name__)

OVER_BUDGET = ("RL301", "RL302")
NO_NEGATIVES = ("RL408", "RL108")


def register(server: "RerankServer") -> None:
    from server.lsp import ADD_TO_BASELINE, FIX_ALL_KIND

    @server.feature(types.INITIALIZE)
    def initialize(params: types.InitializeParams):
        # Pull or push, never both (see lsp.py). A client that pulls but cannot be asked to
        # pull again (no workspace/diagnostic/refresh: Neovim 0.11) would miss the results that
        # arrive on their own (semantic rules, config reloads) until its next edit: it gets push.
        server.refresh_support = bool(_capability(server, "workspace", "diagnostics", "refresh_support"))
        server.pull_mode = _capability(server, "text_document", "diagnostic") is not None and server.refresh_support
        root = params.root_uri or (from_fs_path(params.root_path) if params.root_path else None)
        if params.workspace_folders:
            root = params.workspace_folders[0].uri
        root_path = to_fs_path(root) if root and root.startswith("file:") else None
        server.root_path = Path(root_path) if root_path else None
        options = params.initialization_options or {}
        if isinstance(options, dict):
            settings = options.get("settings", options)
            settings = dict(settings) if isinstance(settings, dict) else {}
            server.init_config = _config_file(options.get("configFile", settings.pop("configFile", None)))
            settings.pop("configFile", None)
            server.init_options = settings

    @server.feature(types.INITIALIZED)
    def initialized(params):
        if _capability(server, "workspace", "did_change_watched_files", "dynamic_registration"):
            watchers = [types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in ("rerank-lint.toml", ".rerank-lint.toml", "pyproject.toml")]
            registration = types.Registration(
                id="rerank-lint-config", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers))
            server.client_register_capability(types.RegistrationParams([registration]))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams):
        server.open(params.text_document)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams):
        server.change(params)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams):
        server.close(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: types.DidSaveTextDocumentParams):
        # A saved file may be the other side of a train/eval pair, read from disk by the leak rules.
        if server.config_changed_on_disk() or any(_is_counterpart(s, params.text_document.uri) for s in server.documents.values()):
            server.config_mtimes.clear()
            server.reload()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files(params: types.DidChangeWatchedFilesParams):
        server.config_mtimes.clear()
        server.reload()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(params: types.DidChangeConfigurationParams):
        settings = params.settings
        if isinstance(settings, dict):
            settings = settings.get("rerank-lint", settings)
            settings = dict(settings) if isinstance(settings, dict) else {}
            server.client_config = _config_file(settings.pop("configFile", None))
            server.client_settings = settings
        server.config_mtimes.clear()
        server.reload()

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND]))
    async def code_action(params: types.CodeActionParams):
        state = server.documents.get(params.text_document.uri)
        if state is None:
            return []
        return await server.in_lint_thread(state, server.code_actions, params) or []

    @server.command(ADD_TO_BASELINE)
    def add_to_baseline(uri: str, code: str, record: str):
        server.add_to_baseline(uri, code, record)

    @server.command("rerank-lint.documentText")
    def document_text(uri: str):
        """The server's copy of a document (for tests and bug reports)."""
        state = server.documents.get(uri)
        return None if state is None else state.doc.text()

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(params: types.HoverParams):
        state = server.documents.get(params.text_document.uri)
        if state is None:
            return None
        found = await server.in_lint_thread(state, hover_parts, server, state, params.position)
        if not found:
            return None
        parts, query = found
        if query is not None:  # on a query: its nearest other query, from the last semantic pass
            nearest = await server.semantic.nearest_query(state, query)
            if nearest is not None:
                line, other, score = nearest
                parts[0] += f"\n\nnearest query (cosine {score:.2f}, line {line + 1}): {other!r}"
        text = "\n\n---\n\n".join(parts)
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text)) if text else None

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT)
    async def inlay_hint(params: types.InlayHintParams):
        state = server.documents.get(params.text_document.uri)
        if state is None:
            return []
        return await server.in_lint_thread(state, inlay_hints, state, params.range.start.line, params.range.end.line) or []

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    async def code_lens(params: types.CodeLensParams):
        state = server.documents.get(params.text_document.uri)
        if state is None:
            return []
        summary = await server.in_lint_thread(state, file_summary, state)
        if not summary:
            return []
        zero = types.Range(types.Position(0, 0), types.Position(0, 0))
        return [types.CodeLens(range=zero, command=types.Command(title=summary, command=""))]

    @server.feature(types.TEXT_DOCUMENT_DIAGNOSTIC, types.DiagnosticOptions(
        identifier="rerank-lint", inter_file_dependencies=True, workspace_diagnostics=True))
    async def pull_diagnostics(params: types.DocumentDiagnosticParams):
        state = server.documents.get(params.text_document.uri)
        if state is None:
            return {"kind": "full", "items": []}
        return {"kind": "full", "items": await _current_items(server, state)}

    @server.feature(types.WORKSPACE_DIAGNOSTIC)
    async def workspace_diagnostics(params: types.WorkspaceDiagnosticParams):
        reports = []
        for state in list(server.documents.values()):
            reports.append({"kind": "full", "uri": state.doc.uri, "version": state.doc.version,
                            "items": await _current_items(server, state)})
        return {"items": reports}


async def _current_items(server: "RerankServer", state: "DocumentState") -> list:
    while True:
        items = await server.in_lint_thread(state, state.payload)
        if items is not None or state.closed:
            return items or []
        await asyncio.sleep(0)


def _config_file(value) -> str | None:
    """A `configFile` option: a non-empty string, else None (search upward as usual)."""
    return value.strip() if isinstance(value, str) and value.strip() else None


def _capability(server, *names):
    obj = server.client_capabilities
    for name in names:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


def _is_counterpart(state: "DocumentState", uri: str) -> bool:
    context = state.inc.context
    return any(p is not None and server_uri(p) == uri for p in (context.eval_path, context.train_path))


def server_uri(path) -> str:
    from pygls.uris import from_fs_path

    return from_fs_path(str(path.resolve()))


# --- hover, hints, summary (on the lint worker) --------------------------------------------------

def _field_at(record, byte: int):
    """(key, index or None) of the field value or list element under a byte offset."""
    for key, spans in record.spans.fields.items():
        span = spans[-1]
        if not span.key_start <= byte <= span.value_end:
            continue
        for index, (start, end) in enumerate(span.elements):
            if start <= byte <= end:
                return key, index
        return key, None
    return None


def hover_parts(server: "RerankServer", state: "DocumentState", position: types.Position) -> tuple[list[str], str | None]:
    """The hover's sections (the field's token counts first, then the rules' docs of the
    diagnostics on the line), and the query when the hover is on one."""
    line = position.line
    parts: list[str] = []
    query = None
    for d in state.diagnostics():
        r = d.range
        if r.start.line <= line <= r.end.line and d.code in REGISTRY:
            cls = REGISTRY[d.code]
            parts.append(f"**{d.code} {cls.name}**: {d.message}\n\n{cls.doc()}")
    line_state = state.state_at(line)
    record = line_state.record if line_state is not None else None
    if record is not None:
        text = state.doc.lines[line]
        char = char_index(text, position.character - state.doc.column_shift(line), state.doc.encoding)
        byte = len(text[:char].encode("utf-8", "surrogatepass"))
        found = _field_at(record, byte)
        if found is not None:
            info = _token_info(state, record, *found)
            if info:
                parts.insert(0, info)
                if found[0] == "query":
                    query = record.query
    return parts, query


def _token_info(state: "DocumentState", record, key: str, index: int | None) -> str | None:
    tokenizer = state.inc.context.tokenizer
    budget = state.settings.token_budget
    query = record.query
    try:
        if key == "query" and query is not None:
            n = tokenizer.count(query)
            return f"**query**: {n} tokens of the {budget}-token budget; {max(budget - n, 0)} left for a passage"
        value = record.data.get(key)
        if index is None or not isinstance(value, list) or not isinstance(value[index], str) or query is None:
            return None
        passage = value[index]
        q, p = tokenizer.count(query), tokenizer.count(passage)
        text = f"**{key}[{index}]**: query {q} + passage {p} = {q + p} tokens of {budget}"
        if q + p > budget:
            keep = max(budget - q, 0)
            offsets = tokenizer.encode_offsets(passage)
            cut = offsets[keep] if keep < len(offsets) else len(passage)
            text += (f"\n\nthe passage is cut after {keep} tokens: training never sees "
                     f"`…{passage[max(cut - 40, 0):cut]}` ✂ `{passage[cut:cut + 40]}…`")
        return text
    except Exception:  # noqa: BLE001 - a tokenizer problem is already a diagnostic
        log.exception("token counts for the hover failed")
        return None


def inlay_hints(state: "DocumentState", first: int, last: int) -> list[types.InlayHint]:
    tokenizer = state.inc.context.tokenizer
    budget = state.settings.token_budget
    hints = []
    for line in range(first, min(last + 1, len(state.inc.states))):
        line_state = state.state_at(line)
        record = line_state.record if line_state is not None else None
        if record is None or record.query is None or not record.relevant():
            continue
        try:
            total = tokenizer.count(record.query) + tokenizer.count(record.relevant()[0][1])
        except Exception:  # noqa: BLE001
            continue
        end = state.doc.end_position(line)
        hints.append(types.InlayHint(position=types.Position(*end), label=f" query+passage {total}/{budget} tokens",
                                     padding_left=True))
    return hints


def file_summary(state: "DocumentState") -> str:
    inc = state.inc
    codes = Counter(d.code for d in state.diagnostics())
    unique = None
    for g, rule in enumerate(inc.group_rules):
        if rule.code == "RL401":
            unique = len(inc.groups[g])
    queries = f"{unique} unique queries" if unique is not None else ""
    parts = [f"{inc.records} records", queries,
             f"{sum(codes[c] for c in NO_NEGATIVES)} without hard negatives",
             f"{sum(codes[c] for c in OVER_BUDGET)} over-budget pairs"]
    return "rerank-lint: " + " · ".join(p for p in parts if p)
