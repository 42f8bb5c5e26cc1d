"""Rules over the whole file and over a train/eval pair."""

import json

from hypothesis import given, settings, strategies as st

from helpers import clean_dataset, cohere, codes, lint, only, run_cli


def test_clean_dataset_has_no_problems():
    assert codes(lint(clean_dataset())) == ["RL503"]  # only the info that no eval file is paired


def test_too_few_unique_queries():
    data = "".join(cohere(query=f"q{i % 100}") for i in range(300))
    d = only(lint(data), "RL401")[0]
    assert "100 unique queries in 300 records; at least 256" in d.message
    assert not only(lint(data, min_unique_queries=100), "RL401")


def test_duplicate_query_after_normalisation_points_to_the_first():
    data = cohere(query="What is BM25?") + cohere(query="other") + cohere(query="  what is   bm25 ", relevant=["x"])
    d = only(lint(data), "RL402")[0]
    assert d.line == 2 and "repeats line 1" in d.message
    assert d.related[0].range.start.line == 0


def test_math_queries_that_differ_only_in_symbols_are_not_duplicates():
    data = cohere(query="simplify \\( d 4 \\)") + cohere(query="simplify \\( d^{4} \\)") + cohere(query="2+4-5") + cohere(query="2+45")
    assert not only(lint(data), "RL402")


def test_duplicate_record_is_not_also_a_duplicate_query():
    data = cohere(query="a") + cohere(query="b") + cohere(query="a")
    found = lint(data)
    assert [d.line for d in only(found, "RL403")] == [2]
    assert not only(found, "RL402")


def test_label_conflict_is_opt_in():
    data = cohere(query="a", relevant=["P"], negatives=["N"]) + cohere(query="b", relevant=["N"], negatives=["P"])
    assert not only(lint(data), "RL407")
    found = only(lint(data, extend_select=["RL407"]), "RL407")
    assert [d.line for d in found] == [1, 1]
    assert "relevant passage is hard negative for the query of line 1" in found[0].message


def test_file_too_large():
    assert "RL411" in codes(lint(cohere(), max_file_bytes=10))


def test_train_eval_leakage_is_reported_on_both_sides(tmp_path):
    (tmp_path / "train.jsonl").write_text(cohere(query="shared question", relevant=["shared passage"]) + cohere(query="train only"))
    (tmp_path / "eval.jsonl").write_text(cohere(query="Shared question?", relevant=["eval passage"], negatives=["shared passage"]))
    (tmp_path / "rerank-lint.toml").write_text('pairs = [{train = "train.jsonl", eval = "eval.jsonl"}]\n')
    out = run_cli("check", "train.jsonl", "eval.jsonl", "--select", "RL5", cwd=tmp_path).stdout.decode()
    assert "train.jsonl:1:10: RL501 error: this query is also in the evaluation file eval.jsonl, line 1" in out
    assert "eval.jsonl:1:10: RL501 error: this query is also in the training file train.jsonl, line 1" in out
    assert "RL502" in out and "RL503" not in out


def test_eval_flag_pairs_without_config(tmp_path):
    (tmp_path / "a.jsonl").write_text(cohere(query="same"))
    (tmp_path / "b.jsonl").write_text(cohere(query="same"))
    out = run_cli("check", "a.jsonl", "--eval", "b.jsonl", "--select", "RL501", cwd=tmp_path).stdout.decode()
    assert "RL501" in out


def test_no_eval_file_is_info_and_does_not_fail(tmp_path):
    (tmp_path / "train.jsonl").write_text(clean_dataset())
    result = run_cli("check", "train.jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert b"RL503 info" in result.stdout


def test_a_failing_rule_is_reported_and_the_rest_still_runs(monkeypatch):
    from rerank_lint.rules.dataset import PassageEqualsQuery

    monkeypatch.setattr(PassageEqualsQuery, "check_record", lambda self, record, report: 1 / 0)
    found = lint(cohere(query="q <b>x</b>"))
    internal = only(found, "RL000")
    assert internal and "RL410" in internal[0].message and "ZeroDivisionError" in internal[0].message
    assert "RL202" in codes(found)


# --- sentence-transformers layouts: the dataset rules read the columns, whatever their names ---

def st_file(*rows) -> str:
    import json

    return "".join(json.dumps(row) + "\n" for row in rows)


def on_column(d, data: str, key: str) -> bool:
    """Whether a diagnostic starts at the value of column `key` on its line (keys are unique
    in these rows, so the first `"key": ` is the one)."""
    line = data.splitlines()[d.line]
    return d.range.start.line == d.line and d.range.start.char == line.index(f'"{key}": ') + len(key) + 4


def test_st_duplicate_query_in_the_layouts_of_one_query_per_row():
    n_tuple = st_file({"question": "What is BM25?", "answer": "a ranking function", "neg_a": "x", "neg_b": "y"},
                      {"question": "other", "answer": "b", "neg_a": "x2", "neg_b": "y2"},
                      {"question": "what is bm25", "answer": "c", "neg_a": "x3", "neg_b": "y3"})
    labeled_list = st_file({"q": "What is BM25?", "docs": ["a", "b"], "labels": [1, 0]},
                           {"q": "what is bm25", "docs": ["c", "d"], "labels": [1, 0]})
    for data, key in ((n_tuple, "question"), (labeled_list, "q")):
        found = only(lint(data), "RL402")
        assert len(found) == 1 and "repeats line 1" in found[0].message
        assert on_column(found[0], data, key)
        assert found[0].related[0].range.start.line == 0
        assert found[0].related[0].range.start.char == data.splitlines()[0].index(f'"{key}": ') + len(key) + 4


def test_st_a_query_repeated_by_a_row_per_pair_layout_is_not_a_duplicate():
    pair = st_file({"anchor": "what is bm25", "positive": "a"}, {"anchor": "what is bm25", "positive": "b"})
    triplet = st_file({"anchor": "what is bm25", "positive": "a", "negative": "n1"},
                      {"anchor": "what is bm25", "positive": "a", "negative": "n2"})
    labeled_pair = st_file({"query": "what is bm25", "passage": "a", "label": 1}, {"query": "what is bm25", "passage": "n", "label": 0})
    for data in (pair, triplet, labeled_pair):
        found = lint(data)
        assert not only(found, "RL402") and not only(found, "RL403")


def test_st_duplicate_record_points_to_the_query_column_of_the_first_copy():
    row = {"anchor": "what is bm25", "positive": "a", "negative": "n"}
    data = st_file(row, {"anchor": "other", "positive": "b", "negative": "m"}, row)
    found = only(lint(data), "RL403")
    assert [d.line for d in found] == [2] and "exact copy of line 1" in found[0].message
    assert found[0].related[0].range.start.char == data.splitlines()[0].index('"anchor": ') + 10


def test_st_negative_equal_to_the_positive():
    triplet = st_file({"anchor": "q", "positive": "Paris is the capital.", "negative": "paris is  the capital."})
    labeled_list = st_file({"query": "q", "docs": ["A", "B", "A"], "labels": [1, 0, 0]})
    d = only(lint(triplet), "RL404")[0]
    assert on_column(d, triplet, "negative") and d.fix is None
    assert "`negative`" in d.message and "upload" not in d.message
    found = only(lint(labeled_list), "RL404")
    assert len(found) == 1 and found[0].fix is None
    line = labeled_list.splitlines()[0]
    assert found[0].range.start.char == line.index('"A"]')  # docs[2], the second "A"
    # A pair or labeled pair holds one passage: nothing to compare inside the row.
    assert not only(lint(st_file({"query": "q", "passage": "A", "label": 0})), "RL404")


def test_st_empty_and_repeated_negatives_of_an_n_tuple():
    data = st_file({"anchor": "q", "positive": "P", "negative_1": "N", "negative_2": "", "negative_3": "N"})
    found = lint(data)
    empty, repeated = only(found, "RL405"), only(found, "RL406")
    assert len(empty) == 1 and on_column(empty[0], data, "negative_2") and empty[0].fix is None
    assert "empty text" in empty[0].message
    assert len(repeated) == 1 and on_column(repeated[0], data, "negative_3") and repeated[0].fix is None
    assert "`negative_1`" in repeated[0].message and "scored twice" in repeated[0].message
    assert repeated[0].related[0].range.start.char == data.splitlines()[0].index('"negative_1": ') + 14


def test_st_label_conflict_by_column_and_by_label():
    triplets = st_file({"anchor": "a", "positive": "P", "negative": "N"}, {"anchor": "b", "positive": "N", "negative": "P"})
    found = only(lint(triplets, extend_select=["RL407"]), "RL407")
    assert [d.line for d in found] == [1, 1]
    assert on_column(found[0], triplets, "positive") and "relevant passage is hard negative for the query of line 1" in found[0].message
    # Two negative columns are one role: the same text in both is no label conflict.
    same_role = st_file({"anchor": "a", "positive": "P", "neg1": "N", "neg2": "M"}, {"anchor": "b", "positive": "Q", "neg1": "M", "neg2": "N"})
    assert not only(lint(same_role, extend_select=["RL407"]), "RL407")
    labeled = st_file({"query": "a", "passage": "P", "label": 1}, {"query": "a", "passage": "P", "label": 0.0})
    found = only(lint(labeled, extend_select=["RL407"]), "RL407")
    assert len(found) == 1 and on_column(found[0], labeled, "passage") and "hard negative passage is relevant" in found[0].message


def test_st_few_hard_negatives_counts_the_rows_that_hold_all_negatives():
    n_tuple = st_file(*({"anchor": f"q{i}", "positive": "P", "n1": f"a{i}", "n2": f"b{i}"} for i in range(3)))
    found = only(lint(n_tuple), "RL409")
    assert len(found) == 1 and "3 of 3 records" in found[0].message
    labeled_list = st_file({"query": "q", "docs": ["P", "N1", "N2"], "labels": [1, 0, 0]})
    assert "1 of 1 records" in only(lint(labeled_list), "RL409")[0].message
    triplets = st_file(*({"anchor": "q", "positive": "P", "negative": f"n{i}"} for i in range(3)))
    assert not only(lint(triplets), "RL409")


def test_st_passage_equal_to_the_query_in_every_layout():
    rows = [({"anchor": "What is BM25?", "positive": "what is bm25"}, "positive", "relevant passage"),
            ({"anchor": "What is BM25?", "positive": "P", "negative": "what is bm25"}, "negative", "hard negative"),
            ({"query": "What is BM25?", "passage": "what is bm25", "label": 0}, "passage", "hard negative"),
            ({"query": "What is BM25?", "passage": "what is bm25", "label": "x"}, "passage", "passage")]
    for row, key, role in rows:
        data = st_file(row)
        found = only(lint(data), "RL410")
        assert len(found) == 1 and on_column(found[0], data, key) and f"this {role} is the query itself" == found[0].message
    data = st_file({"query": "What is BM25?", "docs": ["P", "what is bm25"], "labels": [1, 0]})
    d = only(lint(data), "RL410")[0]
    assert d.range.start.char == data.splitlines()[0].index('"what is bm25"')


def test_st_leakage_both_ways_on_the_columns(tmp_path):
    from rerank_lint.lint.engine import Linter
    from helpers import settings

    train = st_file({"question": "Shared question", "answer": "shared passage", "wrong": "train negative"},
                    {"question": "train only", "answer": "p", "wrong": "n"})
    evaluation = st_file({"q": "shared question?", "docs": ["eval passage", "shared passage"], "labels": [1, 0]})
    (tmp_path / "train.jsonl").write_text(train)
    (tmp_path / "eval.jsonl").write_text(evaluation)
    linter = Linter(settings(select=["RL5"]))
    found = linter.check_path(tmp_path / "train.jsonl", "train.jsonl", eval_path=tmp_path / "eval.jsonl")
    query, passage = only(found, "RL501"), only(found, "RL502")
    assert len(query) == 1 and on_column(query[0], train, "question")
    assert query[0].message.endswith("eval.jsonl, line 1")
    assert query[0].related[0].range.start.char == evaluation.index('"q": ') + 5
    assert len(passage) == 1 and on_column(passage[0], train, "answer")
    assert passage[0].related[0].range.start.char == evaluation.index('"shared passage"')
    back = linter.check_path(tmp_path / "eval.jsonl", "eval.jsonl", train_path=tmp_path / "train.jsonl")
    assert [d.code for d in back if d.code.startswith("RL50")] == ["RL501", "RL502"]
    assert on_column(only(back, "RL501")[0], evaluation, "q")
    assert only(back, "RL502")[0].range.start.char == evaluation.index('"shared passage"')


def test_relevant_and_negative_says_the_upload_fails_only_for_a_cohere_record():
    cohere_found = only(lint(cohere(query="q", relevant=["A"], negatives=["A", "B"])), "RL404")
    assert cohere_found[0].message.startswith("this hard negative is also a relevant passage of the record (the upload fails)")
    bge_found = only(lint('{"query": "q", "pos": ["A"], "neg": ["A", "B"]}\n'), "RL404")
    assert len(bge_found) == 1 and "upload" not in bge_found[0].message and bge_found[0].fix is not None


@given(st.text(alphabet=" \t\n\r\x0b\x0c\x1c\x85\xa0\u2000\u2028\u3000\u200babcÄßİΣσς\U0001F600ﬃ\ud800", max_size=60),
       st.integers(min_value=1, max_value=12))
@settings(max_examples=300, deadline=None)
def test_rl404_passage_key_is_the_casefolded_text_with_single_spaces_done_in_slices(text, slice_chars):
    import hashlib

    from rerank_lint.rules import dataset

    loose = " ".join(text.casefold().split())
    expected = loose if len(loose) <= slice_chars else hashlib.blake2b(
        loose.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    saved = dataset._SLICE
    dataset._SLICE = slice_chars
    try:
        assert dataset._same_passage(text) == expected
    finally:
        dataset._SLICE = saved


def test_rl404_finds_a_long_copy_that_differs_in_case_and_spaces():
    words = [f"word{i}" for i in range(60_000)]  # ~500 kB: the sliced path
    relevant = " ".join(words)
    negative = "  ".join(words).upper()
    line = json.dumps({"query": "q", "relevant_passages": [relevant], "hard_negatives": [negative, "other"]})
    assert codes(lint(line.encode() + b"\n")).count("RL404") == 1
