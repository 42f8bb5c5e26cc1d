"""The command line: exit codes, output formats, statistics, rule docs, stats."""

import json
import subprocess
import sys

from rerank_lint.rules.registry import REGISTRY

from helpers import clean_dataset, cohere, run_cli


def make(tmp_path, name="t.jsonl", text=None):
    path = tmp_path / name
    path.write_text(cohere(query="what is <b>bm25</b>") if text is None else text)
    return path


def test_exit_codes(tmp_path):
    make(tmp_path, "clean.jsonl", clean_dataset())
    make(tmp_path, "bad.jsonl")
    assert run_cli("check", "clean.jsonl", cwd=tmp_path).returncode == 0
    assert run_cli("check", "bad.jsonl", cwd=tmp_path).returncode == 1
    assert run_cli("check", "bad.jsonl", "--exit-zero", cwd=tmp_path).returncode == 0
    assert run_cli("check", "missing.jsonl", cwd=tmp_path).returncode == 2
    assert run_cli("check", "bad.jsonl", "--select", "NOPE", cwd=tmp_path).returncode == 2
    assert run_cli("check", "--bogus", cwd=tmp_path).returncode == 2
    # Info-level problems alone do not fail unless asked to.
    info_only = make(tmp_path, "info.jsonl", clean_dataset().replace('"hard_negatives"', '"hard_negativez"', 1))
    assert run_cli("check", info_only.name, "--select", "RL106", cwd=tmp_path).returncode == 0
    assert run_cli("check", info_only.name, "--select", "RL106", "--fail-level", "info", cwd=tmp_path).returncode == 1


def test_concise_output_and_summary(tmp_path):
    make(tmp_path)
    out = run_cli("check", "t.jsonl", "--select", "RL202", cwd=tmp_path).stdout.decode()
    assert out.splitlines() == [
        "t.jsonl:1:19: RL202 [*] query: HTML `<b>`",
        "t.jsonl:1:26: RL202 [*] query: HTML `</b>`",
        "Found 2 problems (2 warnings) in 1 file.",
        "[*] 2 fixable with `--fix`.",
    ]
    assert run_cli("check", "t.jsonl", "--select", "RL201", cwd=tmp_path).stdout == b"All checks passed!\n"


def test_statistics(tmp_path):
    make(tmp_path)
    out = run_cli("check", "t.jsonl", "--statistics", "--select", "RL2,RL401", cwd=tmp_path).stdout.decode()
    assert "      2  RL202  [*] html-tag" in out
    assert "      1  RL401      too-few-queries" in out
    assert "t.jsonl:" not in out  # as ruff: the table alone, not every problem


def test_json_format_is_only_json(tmp_path):
    make(tmp_path)
    result = run_cli("check", "t.jsonl", "--format", "json", cwd=tmp_path)
    items = json.loads(result.stdout)
    html = [i for i in items if i["code"] == "RL202"][0]
    assert html["location"] == {"row": 1, "column": 19, "byte": 18, "utf16": 18}
    assert html["fix"]["applicability"] == "safe" and html["url"] is None  # no docs-url configured


def test_github_format(tmp_path):
    make(tmp_path)
    lines = run_cli("check", "t.jsonl", "--format", "github", cwd=tmp_path).stdout.decode().splitlines()
    assert lines[0].startswith("::error file=t.jsonl,line=1,col=1,endLine=1,endColumn=1,title=RL401 too-few-queries::")
    assert "::warning file=t.jsonl,line=1,col=19,endLine=1,endColumn=22,title=RL202 html-tag::query: HTML `<b>`" in lines


def test_sarif_format_has_rules_and_results(tmp_path):
    make(tmp_path)
    sarif = json.loads(run_cli("check", "t.jsonl", "--format", "sarif", cwd=tmp_path).stdout)
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0"
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == set(REGISTRY)
    result = [r for r in run["results"] if r["ruleId"] == "RL202"][0]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 1, "startColumn": 19, "endLine": 1, "endColumn": 22}
    assert result["partialFingerprints"]


def test_directories_are_searched_for_jsonl_and_ndjson(tmp_path):
    (tmp_path / "d" / ".hidden").mkdir(parents=True)
    make(tmp_path / "d", "a.jsonl")
    make(tmp_path / "d", "b.ndjson")
    make(tmp_path / "d", "c.json")
    make(tmp_path / "d" / ".hidden", "x.jsonl")
    out = run_cli("check", "d", "--select", "RL202", cwd=tmp_path).stdout.decode()
    assert "d/a.jsonl" in out and "d/b.ndjson" in out and "c.json" not in out and ".hidden" not in out


def test_rule_command(tmp_path):
    doc = run_cli("rule", "RL202").stdout.decode()
    assert doc.startswith("# RL202 html-tag") and "## Why it matters" in doc and "## Fix" in doc
    assert run_cli("rule", "url-in-text").stdout.decode().startswith("# RL201 url-in-text")
    listing = run_cli("rule").stdout.decode()
    assert all(code in listing for code in REGISTRY)
    assert run_cli("rule", "RL999").returncode == 2


def test_every_rule_has_a_complete_doc():
    for code, cls in REGISTRY.items():
        doc = cls.doc()
        assert "## Why it matters" in doc and "## Fix" in doc, code
        assert cls.name == cls.name.lower() and " " not in cls.name, code
        if code >= "RL100":
            assert "## Example" in doc, code


def test_stats(tmp_path):
    make(tmp_path, "t.jsonl", clean_dataset(20) + cohere(query="x", negatives=["a", "a", ""]))
    data = json.loads(run_cli("stats", "t.jsonl", "--format", "json", cwd=tmp_path).stdout)
    assert (data["records"], data["queries"], data["relevant_passages"]) == (21, 21, 21)
    assert data["hard_negatives"] == 101  # the duplicate and the empty one are dropped
    assert data["hard_negatives_per_query"] == {"1": 1, "5": 20}
    text = run_cli("stats", "t.jsonl", cwd=tmp_path).stdout.decode()
    assert "queries (unique)     21" in text


def test_check_does_not_import_heavy_modules_and_starts_fast(tmp_path):
    make(tmp_path)
    code = ("import sys, runpy; sys.argv=['rerank-lint','check','t.jsonl'];\n"
            "try: runpy.run_module('rerank_lint', run_name='__main__')\n"
            "except SystemExit: pass\n"
            "heavy = [m for m in ('torch', 'sentence_transformers', 'numpy', 'tiktoken', 'pygls') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr


def test_output_piped_into_head_is_not_an_error(tmp_path):
    make(tmp_path, "t.jsonl", cohere(query="<b>x</b>") * 5000)
    result = subprocess.run(f"{sys.executable} -m rerank_lint check t.jsonl | head -1", shell=True, cwd=tmp_path,
                            capture_output=True, text=True)
    assert "Traceback" not in result.stderr and "error" not in result.stderr


def test_rule_reference_is_up_to_date():
    from rerank_lint.rules.docs import rules_markdown

    from helpers import ROOT

    assert (ROOT / "docs" / "rules.md").read_text() == rules_markdown(), "run: python -m rerank_lint.rules.docs > docs/rules.md"


def test_unsafe_fixes_are_marked_in_check_output(tmp_path):
    line = '{"query": "q", "relevant_passages": ["p"], "hard_negatives": ["n"]}\n'
    (tmp_path / "t.jsonl").write_text(line + line)
    out = run_cli("check", "t.jsonl", "--select", "RL403", cwd=tmp_path).stdout.decode()
    assert "t.jsonl:2:1: RL403 [~] " in out
    assert "([~] 1 more with `--fix --unsafe-fixes`)" in out or "No safe fixes available ([~] 1 more" in out
