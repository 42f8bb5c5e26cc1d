"""Fixtures for the review front ends: run the CLI in-process in a scratch folder."""

import json

import pytest

from helpers import clean_dataset
from rerank_lint.cli.main import main
from review_data import problem_records


@pytest.fixture
def dataset(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    path = tmp_path / "train.jsonl"
    path.write_text(clean_dataset() + problem_records(), encoding="utf-8")
    return path


@pytest.fixture
def cli(capsys):
    """Run `rerank-lint ARGS` in-process: (exit code, stdout)."""
    def run(*args):
        code = main([str(a) for a in args])
        return code, capsys.readouterr().out
    return run


@pytest.fixture
def check_json(cli):
    def run(*args):
        code, out = cli("check", *args)
        return code, json.loads(out)
    return run
