"""The judge: teacher scores first, then a local cross-encoder (built and saved here, random
weights, safetensors), else the bi-encoder; TopK-PercPos verdicts on candidates only."""

from __future__ import annotations

import json

import pytest

from rerank_lint.semantic.judge import (
    BI_ENCODER, CROSS_ENCODER, TEACHER, BiEncoderScorer, Candidate, CrossEncoderScorer, Judge,
    JudgeNotFound, load_judge, resolve_judge, rounding_step, teacher_scores,
)

WORDS = "the capital of france is paris city lyon a river big town which what".split()


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory):
    """A 1-layer BERT with random weights and a tokenizers-built WordLevel tokenizer, saved as
    a Hugging Face folder with safetensors: nothing downloaded."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    folder = tmp_path_factory.mktemp("tiny-cross-encoder")
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = {w: i for i, w in enumerate(specials + WORDS)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    fast = transformers.PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                                cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                                model_max_length=64)
    fast.save_pretrained(folder)
    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                     intermediate_size=32, max_position_embeddings=64, num_labels=1)
    transformers.BertForSequenceClassification(config).save_pretrained(folder, safe_serialization=True)
    assert (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file()
    return folder


def test_teacher_scores_are_read_only_when_they_line_up():
    record = {"query": "q", "pos": ["p"], "neg": ["n1", "n2"], "pos_scores": [98.6], "neg_scores": [85.5, 97.0]}
    assert teacher_scores(record) == ([98.6], [85.5, 97.0])
    assert teacher_scores({**record, "neg_scores": [85.5]}) is None  # one score short
    assert teacher_scores({**record, "neg_scores": [85.5, "high"]}) is None
    assert teacher_scores({**record, "neg_scores": [85.5, float("nan")]}) is None
    assert teacher_scores({**record, "pos_scores": [True]}) is None
    assert teacher_scores({"query": "q", "pos": ["p"], "neg": ["n"]}) is None


def test_crafted_file_with_teacher_scores_needs_no_model(tmp_path):
    # Teacher scores are compared by order (FlagEmbedding reads them through a softmax: only
    # differences count), not by a share: 95 % of 96.5 (91.7) would flag 92.1, far below.
    path = tmp_path / "teacher.jsonl"
    rows = [{"query": "who sang waiting for a girl like you", "pos": ["Foreigner's 1981 ballad."],
             "neg": ["Foreigner, the band, recorded it in 1981.", "Lou Gramm left in 1990.", "Foreigner's ballad, 1981."],
             "pos_scores": [96.5], "neg_scores": [92.1, 86.6, 97.0]},
            {"query": "q2", "pos": ["a", "b"], "neg": ["c", "d"], "pos_scores": [3.0, -1.0], "neg_scores": [-2.0, -0.5]}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    candidates = []
    for line, text in enumerate(path.read_text().splitlines()):
        record = json.loads(text)
        pos, neg = teacher_scores(record)
        for slot, negative in enumerate(record["neg"]):
            candidates.append(Candidate((line, slot), record["query"], tuple(record["pos"]), negative, (tuple(pos), neg[slot])))
    verdicts = {v.key: v for v in Judge().judge(candidates)}  # no model at all: teacher scores suffice
    assert all(v.source == TEACHER and v.trusted for v in verdicts.values())
    assert not verdicts[(0, 0)].false_negative() and not verdicts[(0, 1)].false_negative()
    assert verdicts[(0, 2)].false_negative() and verdicts[(0, 2)].strong()
    assert verdicts[(0, 2)].margin == pytest.approx(0.5) and "+0.5 above it" in verdicts[(0, 2)].describe()
    # Logits below zero: the order still means what it means; a share of them would not.
    assert verdicts[(1, 1)].lowest_positive == -1.0 and verdicts[(1, 1)].strong()
    assert not verdicts[(1, 0)].false_negative()


@pytest.mark.parametrize("scores, step", [
    ([95.3125, 95.375, 83.1875], 1 / 16),  # fp16 values between 64 and 128 (the real files)
    ([0.5, 0.25, 0.75], 2 ** -11),
    ([96.5, 97.0000001], 0.0),  # float32 precision: no rounding to allow for
])
def test_rounding_step_of_teacher_scores(scores, step):
    assert rounding_step(scores) == pytest.approx(step)


def test_a_teacher_tie_within_rounding_is_weak():
    # bge_nq line 10: 94.0 vs 93.9375 is one fp16 step: equal before rounding, for all we know.
    tie = Judge().judge([Candidate("tie", "q", ("p",), "n", ((93.9375,), 94.0))])[0]
    assert tie.rounding == 1 / 16 and tie.false_negative() and not tie.strong()
    assert "tie within the scores' rounding" in tie.describe()
    clear = Judge().judge([Candidate("clear", "q", ("p",), "n", ((93.9375,), 94.0625))])[0]
    assert clear.strong()  # two steps: the teacher's order is certain
    below = Judge().judge([Candidate("below", "q", ("p",), "n", ((93.9375,), 93.875))])[0]
    assert below.false_negative() and not below.strong()  # one step below is a tie too


def test_bi_encoder_fallback_scores_cosines_of_distinct_texts():
    np = pytest.importorskip("numpy")
    asked = []
    table = {"q": [1.0, 0.0], "pos": [0.6, 0.8], "near": [0.8, 0.6], "far": [0.0, 1.0]}

    def embed(texts):
        asked.append(list(texts))
        return np.array([table[t] for t in texts], dtype=np.float32)

    judge = Judge(bi_encoder=BiEncoderScorer(embed))
    verdicts = judge.judge([Candidate("near", "q", ("pos",), "near"), Candidate("far", "q", ("pos",), "far")])
    assert len(asked) == 1 and sorted(asked[0]) == ["far", "near", "pos", "q"]  # one call, each text once
    near, far = verdicts
    assert near.source == BI_ENCODER and not near.trusted and not near.strong()
    assert near.negative == pytest.approx(0.8) and near.lowest_positive == pytest.approx(0.6)
    assert near.false_negative() and not far.false_negative()
    with pytest.raises(ValueError):
        Judge().judge([Candidate("x", "q", ("pos",), "near")])


def test_resolve_judge_refuses_missing_and_pickled(tmp_path):
    with pytest.raises(JudgeNotFound, match="semantic-judge"):
        resolve_judge(str(tmp_path / "nowhere"))
    pickled = tmp_path / "pickled"
    pickled.mkdir()
    (pickled / "config.json").write_text("{}")
    (pickled / "pytorch_model.bin").write_bytes(b"\x80\x04")
    with pytest.raises(JudgeNotFound, match="safetensors"):
        resolve_judge("pickled", root=tmp_path)  # relative to the config file's folder


@pytest.mark.slow  # builds a BERT with transformers: importing torch takes ~10-30 s on a shared CPU
def test_resolve_judge_finds_a_model_in_the_local_hf_cache(tiny_cross_encoder, tmp_path, monkeypatch):
    snapshot = tmp_path / "hub" / "models--acme--tiny-reranker" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    for f in tiny_cross_encoder.iterdir():
        (snapshot / f.name).write_bytes(f.read_bytes())
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    assert resolve_judge("acme/tiny-reranker") == snapshot


@pytest.mark.slow  # builds a BERT with transformers: importing torch takes ~10-30 s on a shared CPU
def test_cross_encoder_loads_offline_batches_and_scores_each_pair_once(tiny_cross_encoder):
    scorer = CrossEncoderScorer(tiny_cross_encoder, batch_size=2)
    pairs = [("the capital of france", "paris is the capital"), ("the capital of france", "lyon is a city"),
             ("what river", "a big river"), ("the capital of france", "paris is the capital")]
    scores = scorer.score(pairs)
    assert len(scores) == 4 and all(0.0 < s < 1.0 for s in scores)  # sigmoid of one logit per pair
    assert scores[0] == scores[3]  # the repeated pair is scored once
    assert scorer.scored == 3 and scorer.calls == 2  # 3 distinct pairs in batches of 2
    # Same scores one by one as in batches: padding does not change a pair's score.
    single = CrossEncoderScorer(tiny_cross_encoder, batch_size=1)
    assert single.score(pairs[:3]) == pytest.approx(scores[:3], abs=1e-5)


@pytest.mark.slow  # builds a BERT with transformers: importing torch takes ~10-30 s on a shared CPU
def test_judge_prefers_teacher_then_cross_encoder_and_scores_only_candidates(tiny_cross_encoder):
    judge = load_judge(str(tiny_cross_encoder))
    assert judge.cross_encoder is not None and judge.bi_encoder is None
    candidates = [
        Candidate(("r1", 0), "the capital of france", ("paris is the capital",), "lyon is a city"),
        Candidate(("r1", 1), "the capital of france", ("paris is the capital",), "a big town"),
        Candidate(("r2", 0), "what river", ("a big river",), "the city", teacher=((0.9,), 0.2)),
    ]
    verdicts = judge.judge(candidates)
    assert [v.source for v in verdicts] == [CROSS_ENCODER, CROSS_ENCODER, TEACHER]
    assert all(v.trusted for v in verdicts)
    # The teacher's record cost no model call; the shared positive was scored once: 3 pairs.
    assert judge.cross_encoder.scored == 3
    direct = judge.cross_encoder.score([("the capital of france", "lyon is a city"), ("the capital of france", "paris is the capital")])
    assert verdicts[0].negative == pytest.approx(direct[0]) and verdicts[0].lowest_positive == pytest.approx(direct[1])
    assert verdicts[0].false_negative() == (direct[0] >= 0.95 * direct[1])
    assert verdicts[2].negative == pytest.approx(0.2) and not verdicts[2].false_negative()
