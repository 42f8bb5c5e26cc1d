"""Fixtures for the review front ends: run the CLI in-process in a scratch folder."""

import json
from pathlib import Path

import pytest

from helpers import clean_dataset, cohere
from rerank_lint.cli.main import main

SCHEMA = Path(__file__).resolve().parent.parent / "data" / "sarif-schema-2.1.0.json"


def problem_records() -> str:
    """Records with known problems: a URL and an HTML tag, a duplicate query, an empty negative."""
    return (cohere(query="what is a url", relevant=["see https://example.org and <b>this</b>"])
            + cohere(query="question 3 about topic 8")  # repeats a query of the clean part
            + cohere(query="empty negative here", negatives=["", "a real negative"]))


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
