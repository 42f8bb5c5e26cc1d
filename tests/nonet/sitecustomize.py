"""Blocks network connections in any Python process started with this folder on PYTHONPATH.

rerank-lint must never reach the network at run time (no model hub, no tokenizer download):
the test suite runs the CLI and the language server with this in place, so a stray download
fails loudly instead of passing on a machine that happens to be online. Unix sockets (used by
no part of rerank-lint, but harmless) stay allowed.
"""

import socket

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _guard(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        raise OSError(f"network disabled in tests: connection to {address!r} refused")


def _connect(self, address):
    _guard(self, address)
    return _real_connect(self, address)


def _connect_ex(self, address):
    _guard(self, address)
    return _real_connect_ex(self, address)


def _create_connection(address, *args, **kwargs):
    raise OSError(f"network disabled in tests: connection to {address!r} refused")


def block() -> None:
    socket.socket.connect = _connect
    socket.socket.connect_ex = _connect_ex
    socket.create_connection = _create_connection


block()
