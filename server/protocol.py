"""pygls's protocol, adapted: the document sync is handled by the server itself (pygls's
workspace re-splits the whole text on each edit; see `server/sync.py`), the diagnostics
provider is advertised to pulling clients only, and messages are written with orjson, which
can embed the ready-made JSON of diagnostics (`write`), and read with it (`read_messages`)."""

from __future__ import annotations

import json
import logging
import re
import threading
from typing import Any, BinaryIO, Callable

import orjson
from lsprotocol import types
from cattrs import transform_error
from cattrs.errors import ClassValidationError
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcInvalidRequest
from pygls.io_ import StdinAsyncReader
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from rerank_lint.output.escape import visible

log = logging.getLogger(__name__)

NAME = "rerank-lint"

# pygls reads whatever size a header announces: `Content-Length: 1000000000000` was a
# MemoryError that ended the server. 128 MiB is far above any document an editor sends a
# language server (VS Code stops syncing files at 50 MB).
MAX_MESSAGE_BYTES = 128 << 20
# A header line is read at most this long at a time: one without a line break cannot grow
# without bound either.
MAX_HEADER_LINE = 64 << 10
_LENGTH = re.compile(rb"Content-Length: *(\d+)\r?\n?$", re.IGNORECASE)
_PYGLS_LENGTH = re.compile(rb"^Content-Length: (\d+)\r\n$")  # what pygls's loop matches


class CappedReader(StdinAsyncReader):
    """pygls's stdin reader, with a cap on the size of a message. An oversized message is
    skipped: `on_oversized(size)` is called on the event loop, and the reader moves on to the
    next header in the stream, whose body it hands to pygls as if it had been the one asked
    for, so pygls's loop goes on with the next message."""

    def __init__(self, stdin: BinaryIO, executor, on_oversized: Callable[[int], None]):
        super().__init__(stdin, executor)
        self.on_oversized = on_oversized

    def readline(self):
        return self.loop.run_in_executor(self.executor, self._header_line)

    def readexactly(self, n: int):
        return self.loop.run_in_executor(self.executor, self._body, n)

    def _header_line(self) -> bytes:
        line = self.stdin.readline(MAX_HEADER_LINE)
        match = _PYGLS_LENGTH.match(line)
        if match and len(match.group(1)) > 18:
            # pygls would take int() of it, and a number of thousands of digits raises there,
            # outside any handler: say a size just over the cap instead, to be skipped.
            return b"Content-Length: %d\r\n" % (MAX_MESSAGE_BYTES + 1)
        return line

    def _body(self, n: int) -> bytes:
        while n > MAX_MESSAGE_BYTES:
            self.loop.call_soon_threadsafe(self.on_oversized, n)
            n = self._next_length()
            if n is None:
                return b""  # the end of the input: pygls stops as it does at any end
        return self.stdin.read(n)

    def _next_length(self) -> int | None:
        """Skip the oversized body up to the next `Content-Length` header (it may follow the
        garbage on the same line), read the rest of that header; the size it announces."""
        length = None
        while True:
            line = self.stdin.readline(MAX_HEADER_LINE)
            if not line:
                return None
            if length is None:
                at = line.find(b"Content-Length:")
                match = _LENGTH.match(line, at) if at >= 0 else None
                if match:
                    digits = match.group(1)
                    length = int(digits) if len(digits) <= 18 else MAX_MESSAGE_BYTES + 1
            elif not line.strip():
                if length:
                    return length
                length = None  # `Content-Length: 0` names no message: keep looking


def _camel_case(error: str) -> str:
    """cattrs names lsprotocol's Python attributes (`params.text_document`); the client wrote
    the protocol's names (`params.textDocument`)."""
    message, at, path = error.rpartition(" @ ")
    if not at:
        return error
    return f"{message} @ " + re.sub(r"_([a-z])", lambda m: m.group(1).upper(), path)


class InvalidMessage(Exception):
    """A message the server cannot take, with the error the client is owed (a request gets it
    as its response; a notification has nobody to answer)."""

    def __init__(self, message: Any, error: JsonRpcException):
        super().__init__(error.message)
        self.message = message
        self.error = error

    @property
    def request_id(self) -> int | str | None:
        if isinstance(self.message, dict) and isinstance(self.message.get("id"), (int, str)):
            return self.message["id"]
        return None

    def describe(self) -> str:
        """One line for the server's log (the client's keys and method name escaped: a log is
        read in a terminal)."""
        method = self.message.get("method") if isinstance(self.message, dict) else None
        if not isinstance(method, str):
            return f"ignored a message: {visible(self.error.message)}"
        kind = "request" if self.request_id is not None else "notification"
        return f"ignored the {kind} {visible(repr(method))}: {visible(self.error.message)}"


class RerankProtocol(LanguageServerProtocol):
    def structure_message(self, data: Any):
        """pygls's, except that a message whose fields do not fit its method (an `initialize`
        without `capabilities`) is an `InvalidMessage` saying which field, instead of a logged
        traceback and a request left without an answer."""
        if not isinstance(data, dict):
            raise InvalidMessage(data, JsonRpcInvalidRequest(message="a JSON-RPC message must be an object"))
        method = data.get("method")
        if "jsonrpc" not in data or "error" in data or not isinstance(method, str):
            return super().structure_message(data)
        message_type = self.get_message_type(method)
        if message_type is None:
            return super().structure_message(data)
        try:
            return self._converter.structure(data, message_type)
        except ClassValidationError as exc:
            detail = "; ".join(_camel_case(error) for error in transform_error(exc, path="message"))
            raise InvalidMessage(data, JsonRpcInvalidParams(message=f"invalid params: {detail}")) from None

    def refuse(self, invalid: InvalidMessage) -> None:
        if invalid.request_id is not None:
            self._send_response(invalid.request_id, error=invalid.error.to_response_error())

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


async def read_messages(stop_event: threading.Event, reader: CappedReader, protocol: RerankProtocol,
                        logger: logging.Logger, error_handler: Callable) -> None:
    """pygls's `run_async` loop, parsing with orjson: the didOpen of a 20,000-record document is
    14.5 MB, 77 ms to parse instead of the standard parser's 210 ms (and 1 s at 100,000
    records), all of it before the first diagnostics. pygls structures every JSON object it
    parses; only the message itself is one (`structure_message` leaves the others as they are),
    so it is structured once here. What orjson refuses (integers over 64 bits, NaN) goes to the
    standard parser, as pygls would read it."""
    content_length = 0
    while not stop_event.is_set():
        header = await reader.readline()
        if not header:
            break
        if not content_length:
            match = _PYGLS_LENGTH.fullmatch(header)
            if match:
                content_length = int(match.group(1))
        if content_length and not header.strip():
            body = await reader.readexactly(content_length)
            if not body:
                break
            try:
                try:
                    message = protocol.structure_message(orjson.loads(body))
                except orjson.JSONDecodeError:
                    message = protocol.structure_message(json.loads(body))
                protocol.handle_message(message)
            except InvalidMessage as invalid:
                logger.warning("%s", invalid.describe())
                protocol.refuse(invalid)
            except Exception as exc:  # noqa: BLE001 - as pygls: report, and read the next one
                logger.exception("Unable to handle message")
                error_handler(exc, JsonRpcException)
            finally:
                content_length = 0
