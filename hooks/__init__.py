"""pre-commit entry points (installed as `rerank_lint.hooks`).

pre-commit passes the staged files that match the hook's `files:` pattern. The hook runs the
same `check` as the CLI; this wrapper only chooses defaults suited to a commit: no info-level
noise in the output unless asked, since a commit is blocked only by warnings and errors.
"""

from __future__ import annotations

import sys
from typing import Sequence

from ..cli import main as cli_main


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "check":
        args = ["check", *args]
    return cli_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
