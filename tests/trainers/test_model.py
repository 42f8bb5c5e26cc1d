"""The model's tokenizer and limits, read offline from a folder or the local Hugging Face cache,
checked against what sentence-transformers' CrossEncoder itself does with the same folder."""

from __future__ import annotations

import json

import pytest

from rerank_lint.trainers.cut import sentence_transformers_cut
from rerank_lint.trainers.model import ModelTokenizerError, load_model_tokenizer
from trainer_tokenizers import build_bert, build_roberta, random_pairs


def test_bert_folder(bert_folder):
    model = load_model_tokenizer(str(bert_folder))
    assert (model.pair_special_tokens, model.single_special_tokens) == (3, 2)
    assert (model.model_type, model.model_max_length, model.max_position_embeddings) == ("bert", 512, 512)
    assert model.max_length == model.position_capacity == 512
    assert model.count("hello world") == len(model.offsets("hello world")) > 0


def test_roberta_folder(roberta_folder):
    model = load_model_tokenizer(str(roberta_folder))
    assert (model.pair_special_tokens, model.single_special_tokens) == (4, 2)  # <s> q </s></s> p </s>
    assert (model.max_position_embeddings, model.position_offset) == (514, 2)
    assert model.max_length == model.position_capacity == 512


def test_no_limit_sentinel_and_position_offset(tmp_path, corpus):
    # No model_max_length: transformers' 1e30 sentinel; CrossEncoder then caps at 514, two more
    # than the XLM-R position table holds.
    folder = build_roberta(tmp_path / "m", corpus[:300], tokenizer_config={"model_max_length": 10**30})
    model = load_model_tokenizer(str(folder))
    assert model.model_max_length is None
    assert (model.max_length, model.position_capacity) == (514, 512)


def test_no_limit_anywhere(tmp_path, corpus):
    folder = build_bert(tmp_path / "m", corpus[:300], tokenizer_config={"model_max_length": 10**30},
                        config={"max_position_embeddings": -1})
    assert load_model_tokenizer(str(folder)).max_length is None


def test_sentence_transformers_config_sets_the_length(tmp_path, corpus):
    folder = build_bert(tmp_path / "m", corpus[:300])
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 256}))
    assert load_model_tokenizer(str(folder)).max_length == 256


def test_truncation_side_and_a_saved_truncation_are_handled(tmp_path, corpus):
    from tokenizers import Tokenizer

    folder = build_bert(tmp_path / "m", corpus[:300], tokenizer_config={"truncation_side": "left"})
    saved = Tokenizer.from_file(str(folder / "tokenizer.json"))
    saved.enable_truncation(4)
    saved.save(str(folder / "tokenizer.json"))
    model = load_model_tokenizer(str(folder))
    assert model.truncation_side == "left"
    assert model.count(" ".join(["word"] * 50)) == 50  # the saved truncation is not applied


def test_relative_path_and_tokenizer_json_path(bert_folder):
    assert load_model_tokenizer(bert_folder.name, root=bert_folder.parent).folder == bert_folder
    assert load_model_tokenizer(str(bert_folder / "tokenizer.json")).folder == bert_folder


def test_name_in_the_local_hub_cache(tmp_path, corpus, monkeypatch):
    cache = tmp_path / "hub"
    repo = cache / "models--acme--tiny-reranker"
    old, new = repo / "snapshots" / "0ld", repo / "snapshots" / "c0ffee"
    build_bert(old, corpus[:300])
    build_roberta(new, corpus[:300])
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("c0ffee\n")
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    model = load_model_tokenizer("acme/tiny-reranker")
    assert model.folder == new and model.pair_special_tokens == 4
    with pytest.raises(ModelTokenizerError, match="never downloads"):
        load_model_tokenizer("acme/other-model")


@pytest.mark.parametrize("problem, message", [
    ("missing", "neither a local model folder"),
    ("no tokenizer.json", "has no tokenizer.json"),
    ("broken tokenizer.json", "cannot load tokenizer"),
    ("broken config.json", "cannot read .*config.json"),
    ("bad truncation_side", "truncation_side is 'middle'"),
])
def test_errors_are_clear(tmp_path, bert_folder, problem, message):
    folder = tmp_path / "model"
    if problem != "missing":
        folder.mkdir()
        for name in ("tokenizer.json", "tokenizer_config.json", "config.json"):
            (folder / name).write_bytes((bert_folder / name).read_bytes())
    if problem == "no tokenizer.json":
        (folder / "tokenizer.json").unlink()
    elif problem == "broken tokenizer.json":
        (folder / "tokenizer.json").write_text('{"model": 1}')
    elif problem == "broken config.json":
        (folder / "config.json").write_text("{not json")
    elif problem == "bad truncation_side":
        (folder / "tokenizer_config.json").write_text('{"truncation_side": "middle"}')
    with pytest.raises(ModelTokenizerError, match=message):
        load_model_tokenizer(str(folder))


def _tiny_model(folder, model_type: str) -> None:
    import transformers

    config_file = json.loads((folder / "config.json").read_text())
    vocab = load_model_tokenizer(str(folder)).tokenizer.get_vocab_size()
    make = transformers.BertConfig if model_type == "bert" else transformers.XLMRobertaConfig
    config = make(vocab_size=vocab, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
                  max_position_embeddings=config_file["max_position_embeddings"], num_labels=1,
                  pad_token_id=config_file.get("pad_token_id", 0))
    transformers.AutoModelForSequenceClassification.from_config(config).save_pretrained(folder)


@pytest.mark.parametrize("kind", ["bert", "xlm-roberta without model_max_length"])
def test_crossencoder_uses_the_same_limit_and_cut(tmp_path, corpus, texts, kind):
    """A tiny random-weight model saved with our tokenizer: CrossEncoder's own max_seq_length and
    preprocessing of real pairs give the limit and the kept counts computed here."""
    pytest.importorskip("sentence_transformers")
    from sentence_transformers import CrossEncoder

    if kind == "bert":
        folder = build_bert(tmp_path / "m", corpus[:1000])
    else:
        folder = build_roberta(tmp_path / "m", corpus[:1000],
                               tokenizer_config={"model_max_length": 10**30, "tokenizer_class": "PreTrainedTokenizerFast"})
    _tiny_model(folder, "bert" if kind == "bert" else "xlm-roberta")
    model = load_model_tokenizer(str(folder))
    encoder = CrossEncoder(str(folder), local_files_only=True, device="cpu")
    assert encoder.max_seq_length == model.max_length == (512 if kind == "bert" else 514)
    for max_length in (None, 64):
        if max_length is not None:
            encoder.max_seq_length = max_length
        for query, passage in random_pairs(texts, 25, seed=21):
            cut = sentence_transformers_cut(model.offsets(query), model.offsets(passage),
                                            max_length or model.max_length, model.pair_special_tokens)
            features = encoder.preprocess([(query, passage)])
            assert int(features["attention_mask"].sum()) == cut.length
            if "token_type_ids" in features:  # BERT: type 1 is the passage and its final [SEP]
                assert int(features["token_type_ids"].sum()) == cut.passage.kept + 1
