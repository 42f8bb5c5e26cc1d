"""The real pre-commit, running this repository's hook on a scratch git repository."""

import os
import shutil
import subprocess
import sys

import pytest

from helpers import ROOT, clean_dataset, cohere

pytest.importorskip("pre_commit", reason="pre-commit is not installed (pip install -e '.[dev]')")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    if not shutil.which("git"):
        pytest.skip("git is not installed")
    repo = tmp_path_factory.mktemp("dataset-repo")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path_factory.mktemp("pre-commit-home")),
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.org")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    (repo / "clean.jsonl").write_text(clean_dataset())
    (repo / "bad.jsonl").write_text(clean_dataset() + cohere(query="question 3 about topic 8", relevant=["<p>see https://x.io</p>"]))
    (repo / "notes.json").write_text("{not jsonl}")
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)
    return repo, env


def try_repo(scratch, *files):
    repo, env = scratch
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "rerank-lint", "--files", *files],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=600)


def test_clean_file_passes(scratch):
    result = try_repo(scratch, "clean.jsonl", "notes.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def test_bad_file_fails_with_the_diagnostics_shown(scratch):
    result = try_repo(scratch, "bad.jsonl")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Failed" in result.stdout
    assert "bad.jsonl:301:" in result.stdout and "RL202" in result.stdout and "RL402" in result.stdout


def test_files_that_are_not_jsonl_are_not_passed_to_the_hook(scratch):
    result = try_repo(scratch, "notes.json")
    assert "(no files to check)" in result.stdout


def test_the_readme_local_hook_works_as_written(scratch, tmp_path):
    """The README's `repo: local` snippet, copied verbatim, with the installed `rerank-lint`."""
    repo, env = scratch
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## pre-commit"):]
    snippet = section[section.index("```yaml\n") + len("```yaml\n"):section.index("```\n", section.index("```yaml"))]
    (repo / ".pre-commit-config.yaml").write_text(snippet)
    bin_dir = os.path.dirname(sys.executable)
    env = dict(env, PATH=bin_dir + os.pathsep + env.get("PATH", ""))
    result = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--files", "bad.jsonl", "clean.jsonl"],
                            cwd=repo, env=env, capture_output=True, text=True, timeout=600)
    (repo / ".pre-commit-config.yaml").unlink()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "bad.jsonl:301:" in result.stdout and "RL202" in result.stdout
