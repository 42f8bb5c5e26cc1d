"""Trainer profiles: detection from a file's records, platform-only rules, column layouts."""

from __future__ import annotations

import json

import pytest

from rerank_lint.source.layout import describe_layout
from rerank_lint.trainers.profiles import COHERE, FLAGEMBEDDING, PROFILES, SENTENCE_TRANSFORMERS, detect_trainer, profile
from trainer_tokenizers import REAL_DATA


def test_detection_by_keys():
    bge = {"query": "q", "pos": ["p"], "neg": ["n"]}
    cohere = {"query": "q", "relevant_passages": ["p"], "hard_negatives": []}
    st = {"anchor": "q", "positive": "p", "negative": "n"}
    assert detect_trainer([bge] * 3).trainer == FLAGEMBEDDING
    assert detect_trainer([cohere, cohere]).trainer == COHERE
    assert detect_trainer([st, {"query": "q", "passage": "p", "label": 1}]).trainer == SENTENCE_TRANSFORMERS
    mixed = detect_trainer([bge, bge, cohere, "not an object", None])
    assert mixed.trainer == FLAGEMBEDDING and mixed.mixed and mixed.votes[COHERE] == 1 and mixed.sampled == 5
    assert detect_trainer([bge, cohere]).trainer == COHERE  # a tie: the more specific keys
    assert detect_trainer([[], {}, 3]).trainer is None
    assert detect_trainer([bge] * 10 + [cohere] * 50, limit=10).trainer == FLAGEMBEDDING


def test_platform_only_rules_are_errors_only_for_their_platform():
    st, flag, cohere = PROFILES[SENTENCE_TRANSFORMERS], PROFILES[FLAGEMBEDDING], PROFILES[COHERE]
    for code in ("RL401", "RL404", "RL411", "RL503"):
        assert cohere.is_error_here(code) and not flag.is_error_here(code) and not st.is_error_here(code)
    assert flag.is_error_here("RL108") and not cohere.is_error_here("RL108")
    assert all(p.is_error_here("RL301") for p in PROFILES.values())  # shared by every trainer
    assert cohere.platform_errors == {"RL401", "RL404", "RL411", "RL503"}
    assert flag.lengths["query-max-len"] == 32 and flag.lengths["passage-max-len"] == 128
    assert cohere.lengths["token-budget"] == 510 and st.cut == "longest_first"
    assert flag.reads("bge") and not flag.reads("cohere") and st.reads("triplet")
    with pytest.raises(ValueError, match="unknown trainer 'axolotl'"):
        profile("axolotl")


@pytest.mark.parametrize("record, kind, query, passages, label, extra", [
    ({"query": "q", "passage": "p", "label": 1}, "labeled-pair", "query", ("passage",), "label", ()),
    ({"sentence1": "q", "sentence2": "p", "score": 0.3}, "labeled-pair", "sentence1", ("sentence2",), "score", ()),
    ({"anchor": "q", "positive": "p"}, "pair", "anchor", ("positive",), None, ()),
    ({"anchor": "q", "positive": "p", "negative": "n"}, "triplet", "anchor", ("positive", "negative"), None, ()),
    ({"q": "q", "pos": "p", "negative_1": "a", "negative_2": "b"}, "n-tuple", "q", ("pos", "negative_1", "negative_2"), None, ()),
    ({"query": "q", "docs": ["a", "b"], "labels": [1, 0]}, "labeled-list", "query", ("docs",), "labels", ()),
    ({"query": "q", "answer": "a", "negative_1": "n", "scores": [0.9, 0.1]}, "n-tuple-scores", "query",
     ("answer", "negative_1"), "scores", ()),
    # Extra columns become inputs: the trainer reads "q [SEP] p [SEP] 17 [SEP] wiki".
    ({"query": "q", "passage": "p", "doc_id": 17, "source": "wiki", "label": 0}, "labeled-pair", "query", ("passage",),
     "label", ("doc_id", "source")),
    # Order, not names: a label in the middle is still the label; the answer first is the "query".
    ({"answer": "long text", "label": 1, "question": "q"}, "labeled-pair", "answer", ("question",), "label", ()),
    ({"query": "q", "passage": 3}, "unknown", "query", (), None, ("passage",)),
])
def test_layout_by_column_order(record, kind, query, passages, label, extra):
    layout = describe_layout(record)
    assert (layout.kind, layout.query, layout.passages, layout.label, layout.extra) == (kind, query, passages, label, extra)
    assert layout.inputs == tuple(k for k in record if k not in ("label", "labels", "score", "scores"))


EXPECTED = {"bge_": FLAGEMBEDDING, "cohere_": COHERE}


def test_real_files_are_detected(real_data_dir):
    files = sorted(real_data_dir.glob("*.jsonl"))
    assert files
    for path in files:
        with open(path, encoding="utf-8") as stream:
            records = [json.loads(line) for _, line in zip(range(200), stream)]
        detection = detect_trainer(records)
        expected = next(trainer for prefix, trainer in EXPECTED.items() if path.name.startswith(prefix))
        assert detection.trainer == expected and not detection.mixed, (path.name, detection)


@pytest.fixture
def real_data_dir():
    if not REAL_DATA.is_dir():
        pytest.skip(f"real datasets not found at {REAL_DATA} (set RERANK_LINT_REAL_DATA to their folder)")
    return REAL_DATA
