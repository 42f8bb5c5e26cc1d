"""The language server (installed as `server`). See server/README.md."""

from __future__ import annotations


def main(config=None) -> int:
    try:
        from server.app import serve
    except ImportError as exc:  # pygls is a base dependency: the install is broken
        import sys

        print(f"rerank-lint server cannot start: {exc}; reinstall rerank-lint (pip install .)", file=sys.stderr)
        return 2
    return serve(config)
