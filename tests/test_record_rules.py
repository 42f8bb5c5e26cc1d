"""Schema, token budget and in-record rules on crafted records with known answers."""

import orjson
import pytest

from rerank_lint.trainers.tokens import load_tokenizer

from helpers import cohere, codes, lint, only, record, slice_bytes


# --- schema ------------------------------------------------------------------------------

def test_missing_fields_per_format():
    assert only(lint(record(query="q", hard_negatives=["n"])), "RL101")[0].message.startswith("missing required field `relevant_passages`")
    bge = lint(record(query="q", pos=["p"]))
    assert "missing required field `neg`" in only(bge, "RL101")[0].message


def test_string_where_a_list_is_expected_names_the_bge_consequence():
    line = record(query="q", pos="Paris is the capital.", neg=["n"]).encode()
    d = only(lint(line), "RL102")[0]
    assert "split it into single characters" in d.message
    assert slice_bytes(line, d) == b'"Paris is the capital."'


def test_wrong_types_inside_lists_point_at_the_element():
    line = record(query=3, relevant_passages=["a", 7, None]).encode()
    found = only(lint(line), "RL102")
    assert [slice_bytes(line, d) for d in found] == [b"3", b"7", b"null"]


def test_empty_query_and_empty_lists():
    assert "RL103" in codes(lint(cohere(query="  ")))
    assert "RL104" in codes(lint(record(query="q", relevant_passages=[])))
    found = lint(record(query="q", relevant_passages=["a", ""]))
    assert only(found, "RL105")[0].fix is not None
    only_empty = lint(record(query="q", relevant_passages=[""]))
    assert only(only_empty, "RL105")[0].fix is None  # removing it would leave no positive


def test_unknown_key_suggests_the_known_one():
    line = record(query="q", relevant_passages=["p"], hard_negative=["n"]).encode()
    d = only(lint(line), "RL106")[0]
    assert "did you mean `hard_negatives`" in d.message
    assert slice_bytes(line, d) == b'"hard_negative"'


def test_bge_scores_and_empty_neg():
    found = lint(record(query="q", pos=["a"], neg=["b", "c"], pos_scores=[1.0], neg_scores=[0.1]))
    assert "`neg_scores` has 1 scores for 2 `neg` passages" in only(found, "RL107")[0].message
    assert "RL108" in codes(lint(record(query="q", pos=["a"], neg=[])))


def test_mixed_formats_in_one_file():
    data = cohere(query="a") + record(query="b", pos=["p"], neg=["n"])
    d = only(lint(data), "RL100")[0]
    assert d.line == 1 and "FlagEmbedding/BGE record in a Cohere file" in d.message
    # The odd record is still checked against its own format: no cascade of missing fields.
    assert not only(lint(data), "RL101")


def test_format_setting_overrides_detection():
    found = lint(record(query="q", pos=["p"], neg=["n"]), format="cohere")
    assert "missing required field `relevant_passages`" in only(found, "RL101")[0].message


# --- token budget ------------------------------------------------------------------------

def test_over_budget_range_is_exactly_the_part_that_is_cut():
    tokenizer = load_tokenizer("cl100k_base")
    query = "what does the passage say about tokens"
    passage = " ".join(f"word{i}" for i in range(400))
    line = cohere(query=query, relevant=[passage]).encode()
    d = only(lint(line, token_budget=100), "RL301")[0]
    cut_text = orjson.loads(b'"' + slice_bytes(line, d) + b'"')
    q, p = tokenizer.count(query), tokenizer.count(passage)
    kept = passage[: len(passage) - len(cut_text)]
    assert passage.endswith(cut_text)
    assert tokenizer.count(kept) == 100 - q  # exactly the budget is kept
    assert f"query ({q} tokens) + relevant passage ({p} tokens) = {q + p} > 100" in d.message
    assert f"cuts the last {q + p - 100} tokens" in d.message


def test_budget_for_hard_negatives_and_query_alone():
    long = "token " * 200
    found = lint(cohere(query="q", relevant=["short"], negatives=[long]), token_budget=50)
    assert codes(found).count("RL302") == 1 and "RL301" not in codes(found)
    query_too_long = lint(cohere(query=long, relevant=[long]), token_budget=50)
    assert "RL303" in codes(query_too_long) and "RL301" not in codes(query_too_long)


def test_short_pairs_are_not_tokenized(monkeypatch):
    import rerank_lint.trainers.tokens as tokens

    monkeypatch.setattr(tokens, "load_tokenizer", lambda *a, **k: (_ for _ in ()).throw(AssertionError("tokenized")))
    assert not only(lint(cohere()), "RL301")


def test_hugging_face_tokenizer_json(tmp_path):
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {"[UNK]": 0, **{f"w{i}": i + 1 for i in range(50)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    path = tmp_path / "tokenizer.json"
    tok.save(str(path))
    passage = " ".join(f"w{i % 50}" for i in range(30))
    line = cohere(query="w1 w2", relevant=[passage]).encode()
    d = only(lint(line, token_budget=12, tokenizer=str(path)), "RL301")[0]
    assert "query (2 tokens) + relevant passage (30 tokens) = 32 > 12" in d.message
    cut = orjson.loads(b'"' + slice_bytes(line, d) + b'"')
    assert cut == " ".join(f"w{i % 50}" for i in range(10, 30))


# --- within a record ---------------------------------------------------------------------

def test_relevant_and_negative_in_one_record():
    line = cohere(relevant=["A"], negatives=["B", "A"]).encode()
    d = only(lint(line), "RL404")[0]
    assert slice_bytes(line, d) == b'"A"' and d.range.start.byte > line.index(b"hard_negatives")


def test_empty_and_duplicate_negatives():
    line = cohere(negatives=["A", "", "B", "A", " "]).encode()
    found = lint(line)
    assert len(only(found, "RL405")) == 2
    dup = only(found, "RL406")
    assert len(dup) == 1 and "repeats hard negative #1" in dup[0].message
    assert dup[0].related[0].range.start.byte == line.index(b'"A"')


def test_hard_negative_counts():
    assert "RL408" in codes(lint(record(query="q", relevant_passages=["p"])))
    assert "RL408" in codes(lint(cohere(negatives=[])))
    few = only(lint(cohere(negatives=["a", "b", "a"])), "RL409")
    assert few and "fewer than 5 distinct hard negatives" in few[0].message and "(lines 1)" in few[0].message
    assert not only(lint(cohere(negatives=["a", "b", "c"]), min_hard_negatives=3), "RL409")


def test_passage_equal_to_query():
    found = only(lint(cohere(query="What is BM25?", relevant=["what is bm25"])), "RL410")
    assert found and "relevant passage is the query itself" in found[0].message


def test_no_or_few_hard_negatives_is_one_file_level_diagnostic_with_the_count():
    # Issue 13: 11,934 info lines in 12 files with no negatives at all became one line per file.
    none = "".join(cohere(query=f"q{i}", negatives=[]) for i in range(7))
    found = only(lint(none), "RL408")
    assert len(found) == 1 and found[0].message.startswith("7 of 7 records have no hard negatives")
    assert found[0].range.start.line == 0 and found[0].record_key is None
    few = "".join(cohere(query=f"q{i}", negatives=["a", "b"]) for i in range(3)) + cohere(query="q9", negatives=list("abcdef"))
    found = only(lint(few), "RL409")
    assert len(found) == 1 and found[0].message.startswith("3 of 4 records have fewer than 5 distinct hard negatives")
    assert "lines 1, 2, 3" in found[0].message


@pytest.mark.parametrize("negative", ["bm25 is a ranking function.", "BM25  is a ranking\nfunction. ", " BM25 IS A RANKING FUNCTION."])
def test_a_relevant_passage_among_the_negatives_up_to_case_and_whitespace(negative):
    found = only(lint(cohere(relevant=["BM25 is a ranking function."], negatives=[negative, "x", "y", "z", "w"])), "RL404")
    assert len(found) == 1
    assert not only(lint(cohere(relevant=["BM25 is a ranking function."], negatives=["BM25 is a scoring function.", "x"])), "RL404")
