"""Semantic checks (RL6xx) with a sentence-transformers embedding model.

This package is imported by the rule registry, so its top level stays light: torch, numpy and
sentence-transformers are imported only inside the functions that embed or compare texts,
when semantic checks are enabled and actually run. The cheap rules never pay for them.
"""

from __future__ import annotations

import importlib.util
import sys

INSTALL_HINT = "pip install '.[semantic]' in rerank-lint's clone"
MISSING_MESSAGE = (
    "rerank-lint: semantic checks (RL6xx) skipped: sentence-transformers is not installed "
    f"(install it with `{INSTALL_HINT}`)"
)

_notified: set[str] = set()


def available() -> bool:
    """Whether the semantic extra is installed, found without importing it."""
    return importlib.util.find_spec("sentence_transformers") is not None


def notify(message: str) -> None:
    """One line on stderr, once per process: warnings that are not about the data itself
    (a missing extra, an unusable cache) must not become diagnostics or change the exit code."""
    if message in _notified:
        return
    _notified.add(message)
    print(message, file=sys.stderr, flush=True)


def usable(settings) -> bool:
    """Whether the semantic rules run: enabled by the settings and installed. Enabled but not
    installed says so once and runs the other rules: a missing extra is not a data problem."""
    if not settings.semantic:
        return False
    if available():
        return True
    notify(MISSING_MESSAGE)
    return False
