"""What the VS Code extension relies on from the server, checked without VS Code: the status
bar recognises the embedding model's load by its progress title, so the two must not drift."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_status_bar_knows_the_model_progress_title():
    status = (ROOT / "editors" / "vscode" / "src" / "status.ts").read_text()
    title = re.search(r'MODEL_PROGRESS_TITLE = "([^"]+)"', status)[1]
    assert f'"{title}"' in (ROOT / "server" / "semantic.py").read_text()

