"""RL6xx on constructed files with known answers (they load the bundled model once)."""

import pytest

pytest.importorskip("sentence_transformers", reason="the semantic extra is not installed: pip install -e '.[semantic]'")

from helpers import cohere, lint, only, run_cli  # noqa: E402
from semantic_pairs import DRILL, FILLER, PARAPHRASES, SAME_TOPIC  # noqa: E402

from rerank_lint.diagnostics.diagnostic import Severity  # noqa: E402
from rerank_lint.settings import Settings  # noqa: E402
from rerank_lint.lint.engine import Linter  # noqa: E402

@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("RERANK_LINT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def semantic_lint(lines, **overrides):
    return lint("".join(lines), semantic=True, select=["RL6"], **overrides)


def queries_file(queries):
    return [cohere(query=q, relevant=[f"An answer to: {q}"], negatives=[f"Something else entirely, number {i}."])
            for i, q in enumerate(queries)]


def test_a_real_paraphrase_is_flagged_pointing_to_the_other_query():
    a, b = PARAPHRASES[0]
    found = only(semantic_lint(queries_file([a, *FILLER, b])), "RL601")
    assert sorted(d.range.start.line for d in found) == [0, 5]
    first = next(d for d in found if d.range.start.line == 0)
    assert "line 6" in first.message and "cosine 0.9" in first.message
    assert first.related[0].range.start.line == 5


def test_different_questions_on_one_topic_are_not_warned_about():
    # Evidence decides the severity: no pair of different questions on one topic is a warning;
    # what the bi-encoder alone finds below the warning threshold is info that says it is a guess.
    queries = [q for pair in SAME_TOPIC for q in pair]
    found = only(semantic_lint(queries_file(queries)), "RL601")
    assert [d for d in found if d.severity == Severity.WARNING] == []
    assert all("a guess, check it" in d.message for d in found)
    assert len(found) <= 2  # at most one pair of the 18, as info


def test_a_strong_paraphrase_is_a_warning_and_a_weak_one_info():
    strong = PARAPHRASES[2]  # calories in a banana: cosine above 0.88, nothing but wording differs
    found = only(semantic_lint(queries_file([strong[0], *FILLER, strong[1]])), "RL601")
    assert [(d.range.start.line, d.severity) for d in found] == [(0, Severity.WARNING), (5, Severity.WARNING)]
    assert "a guess" not in found[0].message
    weak = DRILL.format("dark areas"), DRILL.format("tight spaces")  # a shared template, the questions differ
    found = only(semantic_lint(queries_file([weak[0], *FILLER, weak[1]])), "RL601")
    assert [(d.range.start.line, d.severity) for d in found] == [(0, Severity.INFO), (5, Severity.INFO)]
    assert "the sentences that differ score 0.6" in found[0].message and "cosine 0.9" in found[0].message


def test_most_constructed_paraphrases_are_flagged():
    flagged = 0
    for a, b in PARAPHRASES:
        flagged += bool(only(semantic_lint(queries_file([a, b])), "RL601"))
    assert flagged >= 0.8 * len(PARAPHRASES)


def test_a_group_of_near_duplicates_is_reported_once_per_member():
    group = ["How do I reset my password?", "How can I reset my password?", "How do I reset my password",
             "How do i reset my password please?"]
    found = only(semantic_lint(queries_file([group[0], *FILLER, *group[1:]])), "RL601")
    # The exact repeat (group[2] is group[0] without "?") is RL402's and one member with it.
    assert sorted(d.range.start.line for d in found) == [0, 5, 7]
    assert all("3 queries" in d.message for d in found)
    # Each names every paraphrase it has, the closest first: the user sees the group to merge.
    assert all(len(d.related) == 2 and "1 more in the related places" in d.message for d in found)
    assert found[0].related[0].message.startswith("the most similar query (cosine")
    assert found[0].related[1].message.startswith("also the same question (cosine")


def test_a_negative_that_copies_the_positive_is_a_false_negative():
    positive = "The Eiffel Tower was completed in 1889 for the World's Fair in Paris."
    copy = "The Eiffel Tower was completed in 1889 for the World Fair in Paris!"
    line = cohere(query="When was the Eiffel Tower built?", relevant=[positive],
                  negatives=[copy, "The Statue of Liberty was dedicated in 1886 in New York Harbor.", positive + " "])
    found = only(semantic_lint([line]), "RL603")
    # The exact copy (up to spaces) is RL404's, not reported twice: one finding, on the edited copy.
    assert len(found) == 1
    d = found[0]
    assert line.index(copy) - 1 <= d.range.start.byte <= line.index(copy) + 1
    # With the bi-encoder alone the verdict is a guess: info, with the scores that led to it.
    assert d.severity == Severity.INFO
    assert d.message.startswith("probable false negative: bi-encoder scores: negative 0.")
    assert "lowest relevant passage 0." in d.message and "semantic-judge" in d.message
    assert d.related[0].message == "the relevant passage the judge scores lowest"


def test_an_unrelated_negative_is_easy_and_a_close_one_is_not():
    line = cohere(query="How do I reset my password?",
                  relevant=["To reset your password, open Settings, choose Security and click Reset password."],
                  negatives=["The seal of Missouri is perfect.",
                             "To change your username, open Settings, choose Profile and edit the name field."])
    found = only(semantic_lint([line]), "RL602")
    assert len(found) == 1 and "easy negative" in found[0].message
    assert found[0].range.start.byte > line.index("The seal") - 2


def test_near_duplicate_leak_between_train_and_eval(tmp_path):
    train = tmp_path / "train.jsonl"
    evaluation = tmp_path / "eval.jsonl"
    train.write_text("".join(queries_file(["How do I reset my password?", *FILLER])))
    evaluation.write_text("".join(queries_file(["What are the steps to reset my password?", "What is the tallest mountain in Africa?"])))
    settings = Settings().merged({"semantic": True, "select": ["RL5", "RL6"]})
    found = Linter(settings).check_path(train, eval_path=evaluation)
    leaks = only(found, "RL605")
    assert [d.range.start.line for d in leaks] == [0]
    assert leaks[0].related[0].path == str(evaluation)
    # The exact copy is RL501's only.
    assert [d.range.start.line for d in only(found, "RL501")] == [1]


def test_low_query_diversity_is_a_file_level_finding():
    paraphrases = [q for pair in PARAPHRASES[:6] for q in pair]
    found = only(semantic_lint(queries_file(paraphrases)), "RL607")
    assert len(found) == 1 and "effective number of distinct topics" in found[0].message
    assert only(semantic_lint(queries_file([q for pair in SAME_TOPIC for q in pair])), "RL607") == []


def test_semantic_rules_run_only_when_enabled():
    a, b = PARAPHRASES[0]
    assert only(lint("".join(queries_file([a, b])), select=["RL6"]), "RL601") == []


def test_the_second_run_embeds_nothing(cache_dir):
    from rerank_lint.semantic.index import SemanticIndex

    lines = "".join(queries_file([*FILLER, "A brand new query for this test?"])).encode()
    counts = []
    for _ in range(2):
        settings = Settings().merged({"semantic": True, "select": ["RL601"]})
        linter = Linter(settings)
        results = list(linter.iter_source(__import__("io").BytesIO(lines), lambda: __import__("io").BytesIO(lines), "t.jsonl"))
        assert results
        counts.append(linter.dataset_rules[0].index.embedder.encoded)
    assert counts[0] > 0 and counts[1] == 0
    assert isinstance(SemanticIndex, type)


def test_cli_stats_and_check(tmp_path, cache_dir):
    a, b = DRILL.format("dark areas"), DRILL.format("tight spaces")
    (tmp_path / "t.jsonl").write_text("".join(queries_file([a, *FILLER, b])))
    # A weak paraphrase verdict is info: `--fail-level warning` (the default) does not fail on it.
    result = run_cli("check", "--semantic", "--select", "RL601", "t.jsonl", cwd=tmp_path)
    assert result.returncode == 0 and b"RL601" in result.stdout and b"(2 info)" in result.stdout, result.stderr
    result = run_cli("check", "--semantic", "--select", "RL601", "--fail-level", "info", "t.jsonl", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    stats = run_cli("stats", "--semantic", "t.jsonl", cwd=tmp_path)
    assert b"diversity" in stats.stdout and b"2 of 6 with a near-duplicate" in stats.stdout, stats.stdout + stats.stderr


def test_a_missing_model_is_a_configuration_error_naming_the_setting(tmp_path):
    (tmp_path / "t.jsonl").write_text("".join(queries_file(FILLER)))
    (tmp_path / "rerank-lint.toml").write_text('semantic = true\nsemantic-model = "no-such/model-here"\n')
    result = run_cli("check", "t.jsonl", cwd=tmp_path)
    assert result.returncode == 2
    assert b"semantic-model" in result.stderr and b"Traceback" not in result.stderr


def test_a_warm_run_neither_imports_torch_nor_loads_the_model(tmp_path, cache_dir):
    import subprocess
    import sys

    data = "".join(queries_file(FILLER))
    (tmp_path / "t.jsonl").write_text(data)
    semantic_lint([data])  # cold, in this process: fills the cache
    code = ("import sys, runpy; sys.argv = ['rerank-lint', 'check', '--semantic', '--select', 'RL6', 't.jsonl']\n"
            "try: runpy.run_module('rerank_lint', run_name='__main__')\n"
            "except SystemExit: pass\n"
            "print('TORCH', 'torch' in sys.modules)")
    env = dict(__import__("os").environ, RERANK_LINT_CACHE_DIR=str(cache_dir))
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)
    assert "TORCH False" in result.stdout, result.stdout + result.stderr
