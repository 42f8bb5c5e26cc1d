"""The semantic query rules on sentence-transformers records: the query is the first column,
whatever its name, and the diagnostics sit on it (they load the bundled model once)."""

import json

import pytest

pytest.importorskip("sentence_transformers", reason="the semantic extra is not installed: pip install -e '.[semantic]'")

from helpers import only  # noqa: E402
from semantic_pairs import FILLER, PARAPHRASES  # noqa: E402

from rerank_lint.lint.engine import Linter  # noqa: E402
from rerank_lint.settings import Settings  # noqa: E402

@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("RERANK_LINT_CACHE_DIR", str(tmp_path / "cache"))


def triplets(queries):
    return "".join(json.dumps({"question": q, "answer": f"An answer to: {q}", "wrong": f"Something else entirely, number {i}."}) + "\n"
                   for i, q in enumerate(queries))


def value_char(line: str, key: str) -> int:
    return line.index(f'"{key}": ') + len(key) + 4


def test_near_leak_of_an_st_query_is_on_its_column_both_ways(tmp_path):
    train, evaluation = tmp_path / "train.jsonl", tmp_path / "eval.jsonl"
    train.write_text(triplets(["How do I reset my password?", *FILLER]))
    eval_line = json.dumps({"q": "What are the steps to reset my password?", "docs": ["a", "b"], "labels": [1, 0]})
    evaluation.write_text(eval_line + "\n")
    settings = Settings().merged({"semantic": True, "select": ["RL605"]})
    found = only(Linter(settings).check_path(train, eval_path=evaluation), "RL605")
    assert [d.range.start.line for d in found] == [0]
    assert found[0].range.start.char == value_char(train.read_text().splitlines()[0], "question")
    assert found[0].related[0].range.start.char == value_char(eval_line, "q")
    back = only(Linter(settings).check_path(evaluation, train_path=train), "RL605")
    assert [(d.range.start.line, d.range.start.char) for d in back] == [(0, value_char(eval_line, "q"))]


def test_paraphrased_st_queries_are_reported_on_the_query_column():
    a, b = PARAPHRASES[0]
    text = triplets([a, *FILLER, b])
    settings = Settings().merged({"semantic": True, "select": ["RL601"]})
    found = only(Linter(settings).check_bytes(text.encode(), "t.jsonl"), "RL601")
    assert sorted(d.range.start.line for d in found) == [0, 5]
    lines = text.splitlines()
    first = next(d for d in found if d.range.start.line == 0)
    assert first.range.start.char == value_char(lines[0], "question")
    assert first.related[0].range.start.line == 5 and first.related[0].range.start.char == value_char(lines[5], "question")
