"""pre-commit entry points (installed as `hooks`).

pre-commit passes the staged files that match the hook's `files:` pattern. The hook runs the
same `check` as the CLI (a commit is blocked by warnings and errors, not by info-level
findings, which are shown); this wrapper only chooses which records to report:

Changed records only: when a commit is being made (there are staged changes against HEAD),
the hook adds `--diff-from HEAD`, so a commit is blocked by the problems of the records it
adds or changes, not by those the dataset already had (dataset rules still see every record).
`pre-commit run --from-ref A --to-ref B` compares with A instead. Without staged changes
(`pre-commit run --all-files` in CI on a clean checkout) every record is reported, as before.
`args: [--all-records]` turns the narrowing off, an explicit `--diff-from REF` replaces it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Sequence

from rerank_lint.cli.main import exit_now, main as cli_main

ALL_RECORDS = "--all-records"


def _git_succeeds(*args: str) -> bool:
    try:
        return subprocess.run(["git", *args], capture_output=True).returncode == 0
    except FileNotFoundError:
        return False


def default_revision() -> str | None:
    """The revision to compare with: pre-commit's from-ref, or HEAD while committing."""
    from_ref = os.environ.get("PRE_COMMIT_FROM_REF")
    if from_ref:
        return from_ref
    if not _git_succeeds("rev-parse", "--verify", "--quiet", "HEAD"):
        return None  # no commit yet: every record is new anyway
    staged_changes = not _git_succeeds("diff", "--cached", "--quiet", "HEAD", "--")
    return "HEAD" if staged_changes else None


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "check":
        args = args[1:]
    if ALL_RECORDS in args:
        args = [a for a in args if a != ALL_RECORDS]
    elif not any(a == "--diff-from" or a.startswith("--diff-from=") for a in args):
        revision = default_revision()
        if revision is not None:
            args = ["--diff-from", revision, *args]
    return cli_main(["check", *args])


def run() -> None:
    """The `rerank-lint-hook` console script."""
    exit_now(main())


if __name__ == "__main__":
    run()
