"""The Helix setup of editors/README.md. Helix is not packaged for Debian 12, so this checks
what can be checked without it: the block is valid TOML, names the server command that exists,
and routes *.jsonl and *.ndjson to it with initializationOptions the server understands."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from test_emacs import readme_block

from rerank_lint.settings import Settings


def test_readme_helix_setup():
    config = tomllib.loads(readme_block("helix-setup", "toml"))
    server = config["language-server"]["rerank-lint"]
    assert [server["command"], *server["args"]] == ["rerank-lint", "server"]
    # Helix sends `config` as initializationOptions; the server reads its `settings`.
    Settings().merged(server["config"]["settings"], "initializationOptions")

    (language,) = config["language"]
    assert language["language-servers"] == ["rerank-lint"]
    assert set(language["file-types"]) == {"jsonl", "ndjson"}


def test_readme_server_command_runs():
    executable = shutil.which("rerank-lint", path=str(Path(sys.executable).parent)) or shutil.which("rerank-lint")
    assert executable, "the rerank-lint entry point is not installed"
    result = subprocess.run([executable, "server", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
