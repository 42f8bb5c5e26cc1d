"""Changed-records mode on a real git history: `check --diff-from REF` and the pre-commit hook."""

import os
import shutil
import subprocess

import pytest

from helpers import clean_dataset, cohere
from hooks import main as hook_main

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

OLD_PROBLEM = cohere(query="old record with a url", relevant=["see https://old.example.org"])


def git(repo, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.org")
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A repository whose first commit has a dataset with an old problem (a URL on line 301)."""
    monkeypatch.chdir(tmp_path)
    git(tmp_path, "init", "-q")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_text(clean_dataset() + OLD_PROBLEM, encoding="utf-8")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "dataset")
    return tmp_path


def problems(check_json, *args):
    code, items = check_json("data/train.jsonl", "--format", "json", "--ignore", "RL503", *args)
    return code, sorted((d["code"], d["location"]["row"]) for d in items)


def test_only_new_and_changed_records_are_reported(repo, check_json):
    path = repo / "data" / "train.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[5] = cohere(query="question 5 about topic 9", relevant=["an <i>edited</i> record"])  # changed
    lines.insert(0, cohere(query="question 7 about topic 10"))  # new, repeats the query of (now) line 9
    lines.append(cohere(query="brand new <b>tagged</b> query"))  # new at the end
    path.write_text("".join(lines), encoding="utf-8")

    assert ("RL201", 302) in problems(check_json)[1]  # the old URL, one line lower now
    code, found = problems(check_json, "--diff-from", "HEAD")
    # The new first line makes the old line 9 the repeat: reported, it points at a new record.
    assert found == [("RL202", 7)] * 2 + [("RL202", 303)] * 2 + [("RL402", 9)]  # opening and closing tags
    assert code == 1


def test_a_new_copy_of_an_old_query_is_reported_and_moves_are_not(repo, check_json):
    path = repo / "data" / "train.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.reverse()  # every record moves, none changes
    lines.append(cohere(query="question 12 about topic 6", relevant=["another answer"]))
    path.write_text("".join(lines), encoding="utf-8")
    assert problems(check_json, "--diff-from", "HEAD")[1] == [("RL402", 302)]


def test_file_level_problems_stay_and_a_new_file_is_all_new(repo, check_json):
    new = repo / "data" / "new.jsonl"
    new.write_text(cohere(query="q <b>1</b>") + cohere(query="q 2"), encoding="utf-8")
    code, items = check_json("data/new.jsonl", "--format", "json", "--diff-from", "HEAD")
    assert {d["code"] for d in items} >= {"RL401", "RL202"}  # too few queries: about the file
    # An unchanged file has no new record: only its file-level conclusions are left.
    code, items = check_json("data/train.jsonl", "--format", "json", "--diff-from", "HEAD")
    assert {d["code"] for d in items} == {"RL503"}


def test_an_unknown_revision_is_a_usage_error(repo, cli):
    assert cli("check", "data/train.jsonl", "--diff-from", "no-such-ref")[0] == 2


def test_hook_reports_only_staged_changes_while_committing(repo, capsys):
    path = repo / "data" / "train.jsonl"
    path.write_text(path.read_text(encoding="utf-8") + cohere(query="new <b>record</b>"), encoding="utf-8")
    git(repo, "add", "data/train.jsonl")
    assert hook_main(["data/train.jsonl"]) == 1
    out = capsys.readouterr().out
    assert "RL202" in out and "RL201" not in out
    assert hook_main(["--all-records", "data/train.jsonl"]) == 1
    assert "RL201" in capsys.readouterr().out


def test_hook_checks_everything_without_staged_changes(repo, capsys):
    # `pre-commit run --all-files` on a clean checkout: nothing is being committed.
    assert hook_main(["data/train.jsonl"]) == 1
    assert "RL201" in capsys.readouterr().out
