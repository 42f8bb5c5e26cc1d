"""Suppression by baseline: entries follow their record when lines move."""

import json

from helpers import cohere, run_cli

A = cohere(query="alpha <b>x</b>")
B = cohere(query="beta https://example.org")


def test_baseline_suppresses_known_problems_and_survives_moves(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(A + B)
    written = run_cli("check", "t.jsonl", "--write-baseline", cwd=tmp_path)
    assert written.returncode == 0
    baseline = tmp_path / "rerank-lint-baseline.json"
    entries = json.loads(baseline.read_text())["entries"]
    assert {"RL202", "RL201", "RL401"} <= {e["code"] for e in entries}

    assert run_cli("check", "t.jsonl", "--baseline", baseline, cwd=tmp_path).returncode == 0
    # Lines move: still suppressed.
    path.write_text(cohere(query="new clean one") + B + A)
    result = run_cli("check", "t.jsonl", "--baseline", baseline, "--select", "RL2", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert b"suppressed by the baseline" in result.stdout
    # An edited record is looked at again.
    path.write_text(A + cohere(query="beta https://example.org/changed"))
    result = run_cli("check", "t.jsonl", "--baseline", baseline, "--select", "RL2", cwd=tmp_path)
    assert result.returncode == 1 and b"RL201" in result.stdout and b"RL202" not in result.stdout


def test_baseline_counts_repeated_problems(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(A)
    run_cli("check", "t.jsonl", "--write-baseline", "b.json", "--select", "RL202", cwd=tmp_path)
    path.write_text(A + A)  # the same record twice: the copy is a new problem
    out = run_cli("check", "t.jsonl", "--baseline", "b.json", "--select", "RL202", cwd=tmp_path).stdout.decode()
    assert out.count("RL202") == 2 and "t.jsonl:2:" in out


def test_baseline_from_config_and_bad_baseline(tmp_path):
    (tmp_path / "t.jsonl").write_text(A)
    run_cli("check", "t.jsonl", "--write-baseline", "known.json", cwd=tmp_path)
    (tmp_path / "rerank-lint.toml").write_text('baseline = "known.json"\n')
    assert run_cli("check", "t.jsonl", cwd=tmp_path).returncode == 0
    (tmp_path / "known.json").write_text("{not json")
    result = run_cli("check", "t.jsonl", cwd=tmp_path)
    assert result.returncode == 2 and b"cannot read baseline" in result.stderr
