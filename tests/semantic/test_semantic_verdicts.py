"""Issue 13 through the CLI and the reporter: the frame of two templated queries, the weak
severity (a `severity` override applies to strong findings only), teacher scores as the judge,
and a `semantic-judge` that is not there."""

import json

import pytest

from helpers import cohere, lint, only, run_cli
from semantic_pairs import DRILL, FILLER

from rerank_lint.diagnostics.diagnostic import Severity
from rerank_lint.semantic.difference import frame


def test_frame_is_the_sentences_that_hold_the_difference():
    a = "A user asked: How comfortable is the belt? This is about the product: a tool belt."
    b = "A user asked: Is the belt comfortable? This is about the product: a tool belt."
    assert frame(a, b) == ("How comfortable is the belt?", "Is the belt comfortable?")
    # Whole sentences, not the differing words: the model can compare two questions.
    a = "A user asked: How durable is this stud finder? Product: a stud finder."
    b = "A user asked: How long will this stud finder last? Product: a stud finder."
    assert frame(a, b) == ("How durable is this stud finder?", "How long will this stud finder last?")
    lines = "Question:\n{}\nProduct Title: Drill\n"
    assert frame(lines.format("good in the dark?"), lines.format("good in tight spaces?")) == ("good in the dark?", "good in tight spaces?")
    # A sentence added to a shared one.
    assert frame("Reset my password. Thanks.", "Reset my password. Please help. Thanks.") == ("Thanks.", "Please help. Thanks.")
    # No frame: too little shared, or the difference spans the whole texts.
    assert frame("Who wrote Pride and Prejudice?", "When was the novel first published?") is None
    assert frame("What is the capital of France?", "Which city is the capital of France?") is None
    assert frame("", "anything") is None


pytest.importorskip("sentence_transformers", reason="the semantic extra is not installed: pip install -e '.[semantic]'")


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("RERANK_LINT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def queries_file(queries):
    return "".join(cohere(query=q, relevant=[f"An answer to: {q}"], negatives=[f"Something else entirely, number {i}."])
                   for i, q in enumerate(queries))


def test_a_severity_override_applies_to_strong_findings_only():
    strong = ["How many calories are in a banana?", "How many calories does a banana contain?"]
    weak = [DRILL.format("dark areas"), DRILL.format("tight spaces")]
    data = queries_file([strong[0], weak[0], *FILLER, strong[1], weak[1]])
    default = {d.range.start.line: d.severity for d in only(lint(data, semantic=True, select=["RL601"]), "RL601")}
    assert default == {0: Severity.WARNING, 6: Severity.WARNING, 1: Severity.INFO, 7: Severity.INFO}
    raised = {d.range.start.line: d.severity
              for d in only(lint(data, semantic=True, select=["RL601"], severity={"RL601": "error"}), "RL601")}
    # The strong verdicts take the override; the weak ones stay info: a guess never blocks.
    assert raised == {0: Severity.ERROR, 6: Severity.ERROR, 1: Severity.INFO, 7: Severity.INFO}


def teacher_file(path, neg_score, other_score=12.0):
    rows = [{"query": "who sang waiting for a girl like you",
             "pos": ["Waiting for a Girl Like You is a 1981 power ballad by the British-American rock band Foreigner."],
             "neg": ["Waiting for a Girl Like You was recorded by Foreigner, the rock band, and released in 1981.",
                     "The Statue of Liberty was dedicated in 1886 in New York Harbor."],
             "pos_scores": [96.5], "neg_scores": [neg_score, other_score]}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_teacher_scores_in_the_file_make_a_warning_through_the_cli(tmp_path):
    path = tmp_path / "t.jsonl"
    teacher_file(path, 97.0)  # the teacher ranks the negative above the positive
    result = run_cli("check", "--semantic", "--select", "RL603", "--format", "json", "t.jsonl", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    found = [d for d in json.loads(result.stdout) if d["code"] == "RL603"]
    assert len(found) == 1 and found[0]["severity"] == "warning"
    assert "97" in found[0]["message"] and "96.5" in found[0]["message"] and "teacher" in found[0]["message"]
    line = path.read_text()
    assert found[0]["location"]["byte"] >= line.index("Waiting for a Girl Like You was") - 1
    teacher_file(path, 80.0)  # the teacher scores it well below the positive: not a false negative
    result = run_cli("check", "--semantic", "--select", "RL603", "--format", "json", "t.jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [d for d in json.loads(result.stdout) if d["code"] == "RL603"] == []
    teacher_file(path, 92.0)  # 95 % of 96.5 (91.7) would flag it: teacher scores are compared by order
    result = run_cli("check", "--semantic", "--select", "RL603", "--format", "json", "t.jsonl", cwd=tmp_path)
    assert [d for d in json.loads(result.stdout) if d["code"] == "RL603"] == []


def test_a_teacher_tie_is_info_and_every_negative_with_scores_is_judged(tmp_path):
    path = tmp_path / "t.jsonl"
    # 96.5625 is one fp16 step above 96.5: a tie. The unrelated second negative is no candidate
    # of the embedding model, but its teacher score (98) is a verdict of its own.
    teacher_file(path, 96.5625, other_score=98.0)
    result = run_cli("check", "--semantic", "--select", "RL603", "--format", "json", "t.jsonl", cwd=tmp_path)
    found = sorted((d["location"]["byte"], d["severity"], d["message"]) for d in json.loads(result.stdout) if d["code"] == "RL603")
    assert [severity for _, severity, _ in found] == ["info", "warning"], found
    assert "tie within the scores' rounding" in found[0][2] and "+1.5 above it" in found[1][2]
    assert "trains it as a negative" in found[1][2]  # what the trainer does with it
    assert result.returncode == 1  # the warning fails the default --fail-level; the tie alone would not


def test_a_missing_semantic_judge_is_a_configuration_error_in_one_line(tmp_path):
    (tmp_path / "t.jsonl").write_text(queries_file(FILLER))
    (tmp_path / "rerank-lint.toml").write_text('semantic = true\nsemantic-judge = "no-such-judge-folder"\n')
    result = run_cli("check", "t.jsonl", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.decode().splitlines() if line.strip()]
    assert len(lines) == 1 and "semantic-judge" in lines[0] and "no-such-judge-folder" in lines[0], lines
    assert b"Traceback" not in result.stderr
