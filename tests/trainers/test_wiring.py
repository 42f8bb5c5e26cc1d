"""The trainer profiles wired into the engine, the rules, the CLI and the reports (issue 12)."""

from __future__ import annotations

import random

import orjson
import pytest

from helpers import lint, only, record, run_cli, settings
from rerank_lint.diagnostics.diagnostic import Severity
from rerank_lint.lint.engine import Linter


def bge(query="what is bm25", pos=("BM25 is a ranking function.",), neg=None, **extra) -> str:
    neg = [f"unrelated passage number {i}" for i in range(7)] if neg is None else neg
    return record(query=query, pos=list(pos), neg=list(neg), **extra)


# --- platform-only rules: judged in one place, for the file's trainer --------------------------

def test_a_flagembedding_file_gets_no_cohere_only_error():
    text = bge() + bge(query="what is tf-idf", pos=["TF-IDF weighs terms."], neg=["TF-IDF weighs terms.", "other", "x", "y", "z", "w", "v"])
    found = lint(text)
    assert not [d for d in found if d.severity is Severity.ERROR]
    assert only(found, "RL401")[0].severity is Severity.INFO and "flagembedding does not enforce it" in only(found, "RL401")[0].message
    assert only(found, "RL404")[0].severity is Severity.WARNING
    assert not only(found, "RL503")  # the open-source trainers split nothing off
    cohere_view = lint(text, trainer="cohere")
    assert only(cohere_view, "RL401")[0].severity is Severity.ERROR and only(cohere_view, "RL503")


def test_a_configured_severity_for_a_platform_rule_stands():
    found = lint(bge(), severity={"RL401": "error"})
    assert only(found, "RL401")[0].severity is Severity.ERROR


def test_the_trainer_is_detected_from_the_first_record_with_format_keys():
    linter = Linter(settings())
    assert linter.check_bytes(bge().encode())  # detection happens while streaming
    for text, expected in ((bge(), "flagembedding"), (record(query="q", relevant_passages=["p"]), "cohere"),
                           (record(anchor="q", positive="p"), "sentence-transformers")):
        context = _context_after(text)
        assert context.trainer.name == expected and context.trainer.how == "detected"
    assert _context_after(bge(), trainer="cohere").trainer.how == "set"


def _context_after(text: str, **overrides):
    from rerank_lint.source.lines import LineStore

    linter = Linter(settings(**overrides))
    context = linter.file_context("t.jsonl", LineStore(lambda: None))
    import io

    for _ in linter._run(io.BytesIO(text.encode()), context, __import__("rerank_lint.diagnostics.reporter", fromlist=["Reporter"]).Reporter(context, linter.severities), None):
        pass
    return context


# --- the cut, as each trainer makes it, against the tokenizers library's own truncation -----------

def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(["rank", "bm", "index", "query", "token", "model", "search", "cut"]) + str(rng.randint(0, 99))
                    for _ in range(n))


@pytest.fixture
def st_pairs():
    rng = random.Random(12)
    return [(_words(rng, rng.randint(1, 140)), _words(rng, rng.randint(1, 400))) for _ in range(200)]


def test_sentence_transformers_ranges_are_the_tokens_longest_first_drops(bert_folder, st_pairs):
    from tokenizers import Tokenizer

    reference = Tokenizer.from_file(str(bert_folder / "tokenizer.json"))
    reference.enable_truncation(128, strategy="longest_first")
    plain = Tokenizer.from_file(str(bert_folder / "tokenizer.json"))  # untruncated: the full texts
    text = "".join(record(anchor=q, positive=p) for q, p in st_pairs)
    found = Linter(settings(model=str(bert_folder), max_length=128)).check_bytes(text.encode(), "t.jsonl")
    by_line = {}
    for d in found:
        if d.code == "RL301":
            by_line[d.range.start.line] = d
    checked = 0
    for line, (q, p) in enumerate(st_pairs):
        encoding = reference.encode(q, p)
        kept_q = encoding.sequence_ids.count(0)
        kept_p = encoding.sequence_ids.count(1)
        full_q = len(plain.encode(q, add_special_tokens=False).ids)
        full_p = len(plain.encode(p, add_special_tokens=False).ids)
        content = record(anchor=q, positive=p).rstrip("\n")
        d = by_line.get(line)
        if kept_q == full_q and kept_p == full_p:
            assert d is None
            continue
        assert d is not None, (line, kept_q, kept_p)
        checked += 1
        assert (f"cuts the last {full_p - kept_p} tokens of the relevant passage (keeps {kept_p};" in d.message if kept_p < full_p
                else "keeps the whole relevant passage" in d.message)
        if kept_p < full_p:
            start = content.index(p) + plain.encode(p, add_special_tokens=False).offsets[kept_p][0]
            assert d.range.start.byte == start and d.range.end.byte == content.index(p) + len(p)
        if kept_q < full_q:
            assert f"cuts the last {full_q - kept_q} tokens of the query" in d.message
            query_cut = content.index(q) + plain.encode(q, add_special_tokens=False).offsets[kept_q][0]
            # The passage's cut is the range and the query's a related place; a pair that cuts
            # only the query underlines that.
            query_range = d.related[0].range if kept_p < full_p else d.range
            assert query_range.start.byte == query_cut and query_range.end.byte == content.index(q) + len(q)
    assert checked > 50


def test_flagembedding_caps_the_query_then_cuts_the_passage(bert_folder):
    rng = random.Random(3)
    query, passage = _words(rng, 100), _words(rng, 300)
    found = Linter(settings(model=str(bert_folder))).check_bytes(bge(query=query, pos=[passage]).encode(), "t.jsonl")
    cut = only(found, "RL305")[0]
    assert "keeps the first 64" in cut.message
    over = only(found, "RL301")[0]
    # query capped at 64, passage at 128 + 16 = 144, then only_second to 160 with 3 special: 93 kept.
    assert "(keeps 93;" in over.message and "cut to 64)" in over.message


def test_flagembedding_prompts_are_prepended_before_the_cut(bert_folder):
    rng = random.Random(4)
    query = _words(rng, 4)
    plain = only(Linter(settings(model=str(bert_folder))).check_bytes(bge(query=query).encode(), "t.jsonl"), "RL305")
    prompted = only(Linter(settings(model=str(bert_folder))).check_bytes(
        bge(query=query, query_prompt="Represent this question for reranking: " * 12).encode(), "t.jsonl"), "RL305")
    assert not plain and prompted and "with its query_prompt" in prompted[0].message


def test_cohere_keeps_the_query_and_cuts_the_passage_at_510():
    found = lint(record(query="what is bm25", relevant_passages=["word " * 700], hard_negatives=[]), trainer="cohere")
    assert "cuts the last 195 tokens of the relevant passage (keeps 506;" in only(found, "RL301")[0].message


def test_the_cheap_path_never_tokenizes_short_pairs(monkeypatch):
    from rerank_lint.trainers import tokens

    monkeypatch.setattr(tokens, "load_tokenizer", lambda *a, **k: pytest.fail("tokenized a pair that fits"))
    assert not only(lint(bge(query="q", pos=["short"]), trainer="flagembedding"), "RL301")


def test_flagembedding_defaults_far_below_the_typical_pair_get_one_info():
    text = "".join(bge(query=f"question {i}", pos=["long passage words " * 200], neg=["long negative words " * 200] * 7)
                   for i in range(4))
    found = only(lint(text), "RL304")
    assert len(found) == 1 and "(FlagEmbedding's defaults)" in found[0].message
    assert not only(lint(text, query_max_len=512, passage_max_len=1024), "RL304")


def test_train_group_size_says_how_often_each_negative_repeats():
    found = only(lint(bge(neg=["a", "b", "c"])), "RL412")
    assert "repeats the list 3 times" in found[0].message and "about 2.3 times" in found[0].message
    assert not only(lint(bge(neg=["a", "b", "c"]), train_group_size=4), "RL412")


# --- sentence-transformers layouts ------------------------------------------------------------

def test_sentence_transformers_checks_the_trainer_does_not_make():
    reversed_pairs = "".join(record(text=f"BM25 number {i} is a ranking function used by search engines",
                                    question=f"what is bm25 {i}", source="msmarco", label=label)
                             for i, label in enumerate([1, 2, "yes", 0.5]))
    found = lint(reversed_pairs)
    assert len(only(found, "RL109")) == 1 and "`text`" in only(found, "RL109")[0].message
    assert len(only(found, "RL110")) == 1 and "`source`" in only(found, "RL110")[0].message
    assert sorted(d.range.start.line for d in only(found, "RL111")) == [1, 2]
    listwise = lint(record(query="what is bm25", docs=["a", "b", "c"], labels=[1, 0]))
    assert "2 items for 3" in only(listwise, "RL112")[0].message
    assert not [d for d in listwise if d.code in ("RL101", "RL106", "RL408")]  # no Cohere verdicts on ST files


# --- configuration, CLI, reports -------------------------------------------------------------

def test_a_model_that_is_not_there_is_one_configuration_error(tmp_path):
    (tmp_path / "t.jsonl").write_text(bge())
    result = run_cli("check", "t.jsonl", "--model", "./no-such-model", cwd=tmp_path)
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert result.stderr.decode().count("\n") == 1 and "setting `model`" in result.stderr.decode()


def test_a_model_that_is_not_there_is_a_diagnostic_in_an_editor():
    found = Linter(settings(model="./no-such-model")).check_bytes(bge(query="q " * 200).encode(), "t.jsonl")
    assert any("setting `model`" in d.message for d in found)


def test_stats_shows_the_trainer_and_how_it_was_chosen(tmp_path):
    (tmp_path / "t.jsonl").write_text(bge(pos=["word " * 300]))
    detected = run_cli("stats", "t.jsonl", cwd=tmp_path).stdout.decode()
    assert "flagembedding (detected" in detected and "cuts 1 of 8" in detected
    chosen = orjson.loads(run_cli("stats", "t.jsonl", "--trainer", "cohere", "--format", "json", cwd=tmp_path).stdout)
    assert chosen["trainer"] == "cohere" and chosen["trainer_chosen"] == "set" and chosen["pairs_cut_by_trainer"] == 0
    report = run_cli("report", "t.jsonl", "--format", "markdown", cwd=tmp_path).stdout.decode()
    assert "| trainer | flagembedding (detected" in report


def test_a_folder_without_jsonl_checks_nothing_and_says_so(tmp_path):
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.returncode == 2 and b"nothing was checked" in result.stderr and not result.stdout


def test_the_eval_file_is_never_paired_with_itself(tmp_path):
    rows = "".join(record(query=f"q{i}", relevant_passages=[f"p{i}"], hard_negatives=["a", "b", "c", "d", "e"]) for i in range(5))
    (tmp_path / "train.jsonl").write_text(rows)
    (tmp_path / "eval.jsonl").write_text(rows[: len(rows) // 2].rsplit("\n", 2)[0] + "\n")
    out = run_cli("check", ".", "--eval", "eval.jsonl", "--select", "RL5", cwd=tmp_path).stdout.decode()
    eval_side = [line for line in out.splitlines() if line.startswith("eval.jsonl") and "RL501" in line]
    train_side = [line for line in out.splitlines() if line.startswith("train.jsonl") and "RL501" in line]
    assert eval_side and len(eval_side) == len(train_side)  # the train file's copies, never eval against eval
    assert all("also in the training file train.jsonl" in line for line in eval_side)


@pytest.mark.parametrize("name", ["train_val.jsonl", "data_test.jsonl", "my_eval_set.jsonl"])
def test_no_eval_file_is_not_said_of_an_evaluation_file(tmp_path, name):
    (tmp_path / name).write_text(record(query="q", relevant_passages=["p"], hard_negatives=["a"]))
    assert b"RL503" not in run_cli("check", name, "--trainer", "cohere", cwd=tmp_path).stdout
    (tmp_path / "train.jsonl").write_text(record(query="q", relevant_passages=["p"], hard_negatives=["a"]))
    assert b"RL503" in run_cli("check", "train.jsonl", "--trainer", "cohere", cwd=tmp_path).stdout


# --- the real files ---------------------------------------------------------------------------

def test_real_files_are_judged_by_their_own_trainer(real_data):
    expected = {"cohere_synthetic_finetune.jsonl": "cohere"}
    for path in sorted(real_data.glob("*.jsonl")):
        stats = orjson.loads(run_cli("stats", path.name, "--format", "json", cwd=real_data).stdout)
        assert stats["trainer"] == expected.get(path.name, "flagembedding") and stats["trainer_chosen"] == "detected"
        if stats["trainer"] == "flagembedding":
            out = run_cli("check", path.name, cwd=real_data).stdout.decode()
            assert not any(f"{code} error" in out for code in ("RL401", "RL404", "RL411", "RL503")), path.name
