"""pygls's protocol, adapted: the document sync is handled by the server itself (pygls's
workspace re-splits the whole text on each edit; see `server/sync.py`), the diagnostics
provider is advertised to pulling clients only, and messages are written with orjson, which
can embed the ready-made JSON of diagnostics (`write`)."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from lsprotocol import types
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

log = logging.getLogger(__name__)

NAME = "rerank-lint"


class RerankProtocol(LanguageServerProtocol):
    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams):
        result = yield from super().lsp_initialize(params)
        if self._server.pull_mode:  # decided by the initialize handler (workspace.py)
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

    def write(self, message: bytes) -> None:
        """Send a message that is JSON already."""
        self._send_data(message)

    def structure(self, item: dict, cls: type):
        """An lsprotocol object from its JSON (code actions carry a few)."""
        return self._converter.structure(item, cls)

    def _send_data(self, data: Any):
        if not data or self.writer is None:
            return
        try:
            body = data if isinstance(data, bytes) else orjson.dumps(data, default=self._serialize_message)
        except TypeError:
            log.exception("cannot serialize a message")
            return
        self.writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
