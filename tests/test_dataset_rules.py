"""Rules over the whole file and over a train/eval pair."""

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
