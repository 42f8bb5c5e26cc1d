"""A real LSP client over stdio (pytest-lsp) talking to `python -m rerank_lint server`: the helpers
the tests of this folder import (a module of its own name, not `conftest`, which another folder's
conftest can shadow when several folders are collected together)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from pathlib import Path

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import make_test_lsp_client

SERVER = [sys.executable, "-m", "rerank_lint", "server"]
TIMEOUT = 60  # seconds: a guard against a hung server, not a timing assertion
# tests/nonet/sitecustomize.py makes any socket connection fail in a process that has it on its
# PYTHONPATH: the server under test must work with no network at all.
NONET = Path(__file__).resolve().parents[1] / "nonet"


def server_env(**extra: str) -> dict[str, str]:
    """The environment of a server process under test: ours, with network access blocked."""
    env = {**os.environ, **extra}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(NONET), env.get("PYTHONPATH", "")) if p)
    return env


def recording_client() -> LanguageClient:
    """The pytest-lsp client, also keeping the version of each publish, so that a test can wait
    for the diagnostics of one exact version of a document."""
    client = make_test_lsp_client()
    client.published = {}
    client.history = []  # every publish: (uri, version, diagnostics)
    client.publish_event = asyncio.Event()

    def on_publish(params: types.PublishDiagnosticsParams):
        client.diagnostics[params.uri] = params.diagnostics
        client.published[params.uri] = (params.version, params.diagnostics)
        client.history.append((params.uri, params.version, params.diagnostics))
        client.publish_event.set()

    client.protocol.fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = on_publish
    client.registrations = []
    client.protocol.fm.features[types.CLIENT_REGISTER_CAPABILITY] = lambda params: client.registrations.append(params)
    client.refreshes = 0
    client.refresh_event = asyncio.Event()

    def on_refresh(params):
        client.refreshes += 1
        client.refresh_event.set()

    client.protocol.fm.features[types.WORKSPACE_DIAGNOSTIC_REFRESH] = on_refresh
    client.statuses = []
    client.status_event = asyncio.Event()

    def on_status(params):
        client.statuses.append((params.state, params.message))
        client.status_event.set()
        client.publish_event.set()  # a test waiting for publishes may be waiting for a status too

    client.protocol.fm.features["rerank-lint/status"] = on_status
    return client


async def wait_for_status(client, seen: int, state: str) -> str:
    """The message of the first `rerank-lint/status` with `state` after the first `seen` ones."""
    async def wait():
        while True:
            for found, message in client.statuses[seen:]:
                if found == state:
                    return message
            client.status_event.clear()
            await client.status_event.wait()

    return await asyncio.wait_for(wait(), TIMEOUT)


async def wait_for_refresh(client, seen: int) -> int:
    """Wait until the client has had more than `seen` workspace/diagnostic/refresh requests."""
    async def wait():
        while client.refreshes <= seen:
            client.refresh_event.clear()
            await client.refresh_event.wait()
        return client.refreshes

    return await asyncio.wait_for(wait(), TIMEOUT)


async def pull(client, uri: str) -> list[types.Diagnostic]:
    report = await asyncio.wait_for(client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(types.TextDocumentIdentifier(uri))), TIMEOUT)
    return list(report.items)


async def diagnostics_for(client, uri: str, version: int | None) -> list[types.Diagnostic]:
    async def wait():
        while True:
            published = client.published.get(uri)
            if published is not None and (version is None or published[0] == version):
                return list(published[1])
            client.publish_event.clear()
            await client.publish_event.wait()

    return await asyncio.wait_for(wait(), TIMEOUT)


def capabilities(encodings=None, pull=False, refresh=None) -> types.ClientCapabilities:
    refresh = pull if refresh is None else refresh
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=encodings) if encodings else None,
        window=types.WindowClientCapabilities(work_done_progress=True),
        workspace=types.WorkspaceClientCapabilities(
            configuration=False,
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True),
            diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=True) if refresh else None,
        ),
        text_document=types.TextDocumentClientCapabilities(
            synchronization=types.TextDocumentSyncClientCapabilities(did_save=True),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                related_information=True, version_support=True, code_description_support=True, data_support=True),
            diagnostic=types.DiagnosticClientCapabilities(related_document_support=True) if pull else None,
            code_action=types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    code_action_kind=types.ClientCodeActionKindOptions(value_set=["quickfix", "source.fixAll"]))),
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            inlay_hint=types.InlayHintClientCapabilities(),
            code_lens=types.CodeLensClientCapabilities(),
        ),
    )


@contextlib.asynccontextmanager
async def own_server(*args: str, **env: str):
    """A server process of the test's own, started with extra command-line arguments."""
    config = ClientServerConfig(server_command=SERVER + list(args), client_factory=recording_client,
                                server_env=server_env(**env))
    client = await config.start()
    try:
        yield client
    finally:
        await asyncio.wait_for(client.shutdown_session(), TIMEOUT)


async def start(client, root, encodings=None, options=None, pull=False, refresh=None) -> types.InitializeResult:
    params = types.InitializeParams(capabilities=capabilities(encodings, pull, refresh), root_uri=root.as_uri(),
                                    initialization_options=options)
    return await asyncio.wait_for(client.initialize_session(params), TIMEOUT)
