"""Fixtures shared by every test folder."""

from pathlib import Path

import pytest

from helpers import NO_NETWORK, REAL_DATA


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """No test may reach the network: rerank-lint works offline (processes it starts get the
    same block through tests/nonet/sitecustomize.py, see helpers.offline_env)."""
    import importlib.util
    import socket

    spec = importlib.util.spec_from_file_location("rerank_lint_tests_nonet", NO_NETWORK / "sitecustomize.py")
    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, getattr(socket.socket, name))
    monkeypatch.setattr(socket, "create_connection", socket.create_connection)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # patches socket; monkeypatch restores it after the test


@pytest.fixture
def real_data() -> Path:
    if not REAL_DATA.is_dir():
        pytest.skip(f"real datasets not found at {REAL_DATA} (set RERANK_LINT_REAL_DATA to the folder; by default they are ../shared/data/real beside the checkout)")
    return REAL_DATA
