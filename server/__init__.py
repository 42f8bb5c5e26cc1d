"""The language server (installed as `server`). See server/README.md."""

from __future__ import annotations


def main(config=None) -> int:
    try:
        from server.lsp import serve
    except ImportError as exc:
        import sys

        print(f"rerank-lint server needs pygls: pip install 'rerank-lint[server]' ({exc})", file=sys.stderr)
        return 2
    return serve(config)
