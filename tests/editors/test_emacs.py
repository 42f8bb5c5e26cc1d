"""The Emacs setup of editors/README.md, as printed there, in batch Emacs with eglot against the
real server: diagnostics through flymake, a quick fix through eglot's code actions.

Needs `emacs` with eglot (built in from Emacs 29; Debian 12: `apt-get install emacs-nox
elpa-eglot`); skipped otherwise.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from test_neovim import BAD_RECORD, GOOD_RECORD

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "editors" / "README.md"
DRIVER = Path(__file__).with_name("eglot_e2e.el")
TIMEOUT_S = 120


def readme_block(marker: str, language: str) -> str:
    """The fenced block that follows `<!-- marker ... -->` in editors/README.md."""
    found = re.search(rf"<!-- {marker}\b.*?-->\s*```{language}\n(.*?)```", README.read_text(), re.S)
    assert found, f"no {language} block after <!-- {marker} --> in {README}"
    return found[1]


def emacs_with_eglot() -> str:
    emacs = shutil.which("emacs")
    if emacs is None:
        pytest.skip("emacs not found (Debian: apt-get install emacs-nox elpa-eglot)")
    probe = subprocess.run([emacs, "--batch", "--eval", "(require 'eglot)"],
                           capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip(f"eglot not available: {probe.stderr.strip()[-200:]}")
    return emacs


def test_readme_eglot_setup_diagnostics_and_quick_fix(tmp_path: Path):
    emacs = emacs_with_eglot()
    (tmp_path / "rerank-lint.toml").write_text("min-unique-queries = 1\n")
    dataset = tmp_path / "bad.ndjson"
    dataset.write_text(json.dumps(BAD_RECORD) + "\n" + json.dumps(GOOD_RECORD) + "\n")
    setup = tmp_path / "setup.el"
    setup.write_text(readme_block("emacs-setup", "elisp"))
    env = {
        **os.environ,
        # The README runs `rerank-lint` from PATH: this interpreter's.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "RERANK_LINT_TEST_FILE": str(dataset),
        "HOME": str(tmp_path),  # no user init, no ~/.emacs.d state
    }
    result = subprocess.run(
        # --batch skips the user init but keeps site-start, which puts Debian's elpa-* packages on the load-path.
        [emacs, "--batch", "-l", str(setup), "-l", str(DRIVER)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0 and "PASS" in log, log[-4000:]
    first = json.loads(dataset.read_text().splitlines()[0])
    assert first["relevant_passages"] == ["BM25</b> ranks documents"]
