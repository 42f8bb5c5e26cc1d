"""RL602-RL604 and RL606 on sentence-transformers records: the positive and the negatives are
read by role from the columns (first passage column the positive of a triplet or n-tuple, the
label in a labeled list), and each diagnostic sits on the passage's own column and index, its
related place on the positive (they load the bundled model once)."""

import json

import pytest

pytest.importorskip("sentence_transformers", reason="the semantic extra is not installed: pip install -e '.[semantic]'")

from helpers import lint, only  # noqa: E402

from rerank_lint.lint.engine import Linter  # noqa: E402
from rerank_lint.settings import Settings  # noqa: E402

QUERY = "When was the Eiffel Tower built?"
POSITIVE = "The Eiffel Tower was completed in 1889 for the World's Fair in Paris."
NEAR_COPY = "The Eiffel Tower was completed in 1889 for the World Fair in Paris!"
CLOSE = "The Statue of Liberty was dedicated in 1886 in New York Harbor."
UNRELATED = "The seal of Missouri is perfect."


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("RERANK_LINT_CACHE_DIR", str(tmp_path / "cache"))


def semantic_lint(line: str, code: str, **overrides):
    return only(lint(line + "\n", semantic=True, select=["RL6"], **overrides), code)


def value_start(line: str, key: str) -> int:
    """Byte offset of a top-level string value (the test lines are ASCII)."""
    return line.index(f'"{key}": ') + len(key) + 4


def element_start(line: str, text: str) -> int:
    return line.index(json.dumps(text))


def test_easy_negative_of_a_triplet_is_on_the_negative_column():
    line = json.dumps({"anchor": QUERY, "positive": POSITIVE, "negative": UNRELATED})
    found = semantic_lint(line, "RL602")
    assert len(found) == 1 and "easy negative" in found[0].message
    assert found[0].range.start.byte == value_start(line, "negative")
    assert found[0].related[0].range.start.byte == value_start(line, "positive")


def test_n_tuple_negatives_are_each_on_their_own_column():
    line = json.dumps({"query": QUERY, "positive": POSITIVE, "negative_1": CLOSE, "negative_2": NEAR_COPY,
                       "negative_3": UNRELATED})
    false = semantic_lint(line, "RL603")
    assert [d.range.start.byte for d in false] == [value_start(line, "negative_2")]
    assert false[0].message.startswith("probable false negative") and "to relevant passage `positive`" in false[0].message
    assert false[0].related[0].range.start.byte == value_start(line, "positive")
    easy = semantic_lint(line, "RL602")
    assert [d.range.start.byte for d in easy] == [value_start(line, "negative_3")]


def test_labeled_list_reads_the_roles_from_the_labels():
    # The near copy is labelled 0 (a false negative); labelled 1 it would be a second positive.
    docs = [NEAR_COPY, POSITIVE, UNRELATED]
    line = json.dumps({"query": QUERY, "docs": docs, "labels": [0, 1, 0]})
    false = semantic_lint(line, "RL603")
    assert [d.range.start.byte for d in false] == [element_start(line, NEAR_COPY)]
    assert false[0].related[0].range.start.byte == element_start(line, POSITIVE)
    assert "to relevant passage 2 of `docs`" in false[0].message  # docs[1], not the first positive's number
    easy = semantic_lint(line, "RL602")
    assert [d.range.start.byte for d in easy] == [element_start(line, UNRELATED)]
    relabelled = json.dumps({"query": QUERY, "docs": docs, "labels": [1, 1, 0]})
    assert not semantic_lint(relabelled, "RL603")


def test_an_unlabelled_passage_is_not_judged():
    # A label of exactly 0.5 says neither relevant nor negative: no rule can read it as a negative.
    line = json.dumps({"query": QUERY, "docs": [POSITIVE, UNRELATED], "labels": [1, 0.5]})
    assert not semantic_lint(line, "RL602")


def test_lexically_mined_negative_of_an_n_tuple():
    line = json.dumps({"anchor": "python list sort order",
                       "positive": "Use list.sort() to sort a Python list in place, or sorted() for a new list.",
                       "negative_1": "Python's sorted() takes a key function to order the items of a list.",
                       "negative_2": "Snakes of every sort: the reticulated python tops the list of the longest in the "
                                     "order Squamata."})
    # MiniLM puts a passage that shares every word of a four-word query at a cosine of 0.3-0.5,
    # above the default 0.30: the bar is raised to test where the finding sits, not the model.
    found = semantic_lint(line, "RL604", lexical_negative_similarity=0.5)
    assert [d.range.start.byte for d in found] == [value_start(line, "negative_2")]
    assert found[0].related[0].range.start.byte == value_start(line, "positive")


def test_passage_near_leak_sits_on_the_positive_column_of_either_side(tmp_path):
    train, evaluation = tmp_path / "train.jsonl", tmp_path / "eval.jsonl"
    filler = [{"anchor": f"Question number {i} about topic {i}?", "positive": f"Topic {i} is about subject {i}.",
               "negative": f"Something else entirely, number {i}."} for i in range(4)]
    train_line = json.dumps({"anchor": QUERY, "positive": POSITIVE, "negative": CLOSE})
    train.write_text("".join(json.dumps(r) + "\n" for r in filler) + train_line + "\n")
    # In the evaluation file the near copy is relevant (label 1); the unrelated passage is not, and
    # a negative is never a leak.
    eval_line = json.dumps({"q": "What year did the Eiffel Tower open?", "docs": [UNRELATED, NEAR_COPY], "labels": [0, 1]})
    evaluation.write_text(eval_line + "\n")
    settings = Settings().merged({"semantic": True, "select": ["RL606"]})
    found = only(Linter(settings).check_path(train, eval_path=evaluation), "RL606")
    assert [(d.range.start.line, d.range.start.byte) for d in found] == [(4, value_start(train_line, "positive"))]
    assert found[0].related[0].range.start.byte == element_start(eval_line, NEAR_COPY)
    back = only(Linter(settings).check_path(evaluation, train_path=train), "RL606")
    assert [(d.range.start.line, d.range.start.byte) for d in back] == [(0, element_start(eval_line, NEAR_COPY))]
