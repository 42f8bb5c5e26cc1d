"""The `client` fixture: a real server process over stdio, per test."""

import pytest_lsp
from lsp_client import SERVER, recording_client, server_env
from pytest_lsp import ClientServerConfig, LanguageClient


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, client_factory=recording_client,
                                              server_env=server_env()))
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()
