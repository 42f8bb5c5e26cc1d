"""A real LSP client over stdio (pytest-lsp) talking to `python -m rerank_lint server`."""

from __future__ import annotations

import asyncio
import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import make_test_lsp_client

SERVER = [sys.executable, "-m", "rerank_lint", "server"]
TIMEOUT = 60  # seconds: a guard against a hung server, not a timing assertion


def recording_client() -> LanguageClient:
    """The pytest-lsp client, also keeping the version of each publish, so that a test can wait
    for the diagnostics of one exact version of a document."""
    client = make_test_lsp_client()
    client.published = {}
    client.publish_event = asyncio.Event()

    def on_publish(params: types.PublishDiagnosticsParams):
        client.diagnostics[params.uri] = params.diagnostics
        client.published[params.uri] = (params.version, params.diagnostics)
        client.publish_event.set()

    client.protocol.fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = on_publish
    client.registrations = []
    client.protocol.fm.features[types.CLIENT_REGISTER_CAPABILITY] = lambda params: client.registrations.append(params)
    return client


async def diagnostics_for(client, uri: str, version: int | None) -> list[types.Diagnostic]:
    async def wait():
        while True:
            published = client.published.get(uri)
            if published is not None and (version is None or published[0] == version):
                return list(published[1])
            client.publish_event.clear()
            await client.publish_event.wait()

    return await asyncio.wait_for(wait(), TIMEOUT)


def capabilities(encodings=None, pull=False) -> types.ClientCapabilities:
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=encodings) if encodings else None,
        window=types.WindowClientCapabilities(work_done_progress=True),
        workspace=types.WorkspaceClientCapabilities(
            configuration=False,
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True),
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


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, client_factory=recording_client))
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def start(client, root, encodings=None, options=None, pull=False) -> types.InitializeResult:
    params = types.InitializeParams(capabilities=capabilities(encodings, pull), root_uri=root.as_uri(),
                                    initialization_options=options)
    return await asyncio.wait_for(client.initialize_session(params), TIMEOUT)
