"""No network in tests: any Python process started with this folder on its PYTHONPATH (the
language server under test, CLI subprocesses) fails every IPv4/IPv6 connection with
`OSError("network disabled in tests")`. Unix sockets still work (asyncio, multiprocessing)."""

from __future__ import annotations

import socket

MESSAGE = "network disabled in tests"
_BLOCKED = {socket.AF_INET, socket.AF_INET6}


def _blocked(sock) -> bool:
    return getattr(sock, "family", None) in _BLOCKED


_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def connect(self, address):
    if _blocked(self):
        raise OSError(MESSAGE)
    return _connect(self, address)


def connect_ex(self, address):
    if _blocked(self):
        raise OSError(MESSAGE)
    return _connect_ex(self, address)


def create_connection(*args, **kwargs):
    raise OSError(MESSAGE)


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.create_connection = create_connection
