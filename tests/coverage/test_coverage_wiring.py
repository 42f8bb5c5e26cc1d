"""The coverage check wired in: the command (exit codes, JSON shape), RL609/RL610 in
`check --semantic` with `user-queries`, the report section, the settings. Crafted sets with the
bundled MiniLM (offline): a keyword log about networking and cooking, training questions about
networking only, so cooking is the topic the training set lacks."""

import json

import pytest

from rerank_lint.cli.main import main
from rerank_lint.errors import ConfigError
from rerank_lint.settings import Settings

from test_coverage_minilm import COOKING_LOG, NETWORK_LOG, NETWORK_QUESTIONS

ODD = "Write a sonnet about medieval castles and dragons"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    pytest.importorskip("sentence_transformers", reason="the semantic extra is not installed")
    root = tmp_path_factory.mktemp("coverage-project")
    (root / "queries.txt").write_text("\n".join(NETWORK_LOG + COOKING_LOG) + "\n")
    records = [{"query": q, "relevant_passages": [f"answer {i}"], "hard_negatives": [f"other {i}"]}
               for i, q in enumerate(NETWORK_QUESTIONS + [ODD])]
    (root / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (root / "rerank-lint.toml").write_text(f'user-queries = "queries.txt"\nsemantic-cache-dir = "{root / "cache"}"\n'
                                           'coverage-threshold = 0.95\nselect = ["RL609", "RL610"]\n')
    return root


def test_command_text_and_exit_code(project, capsys):
    code = main(["coverage", str(project / "train.jsonl"), "--config", str(project / "rerank-lint.toml")])
    out = capsys.readouterr().out
    assert code == 1  # below 95%
    assert "Uncovered topics" in out and "recipe" in out.split("Uncovered topics")[1].split("Style")[0]
    assert main(["coverage", str(project / "train.jsonl"), "--config", str(project / "rerank-lint.toml"),
                 "--threshold", "0.1"]) == 0


def test_command_json_shape(project, capsys):
    main(["coverage", str(project / "train.jsonl"), "--queries", str(project / "queries.txt"), "--format", "json",
          "--config", str(project / "rerank-lint.toml")])
    data = json.loads(capsys.readouterr().out)
    for key in ("schema", "coverage", "fidelity", "two_sample", "topics", "style", "far_training", "projection",
                "threshold", "coverage_ci", "below_threshold"):
        assert key in data
    assert data["topics"][0]["examples"] and data["below_threshold"] is True
    assert any(f["text"] == ODD for f in data["far_training"])


def test_command_errors_exit_2_with_one_line(project, capsys, tmp_path):
    config = str(project / "rerank-lint.toml")
    assert main(["coverage", str(project / "train.jsonl"), "--queries", str(tmp_path / "none.txt"), "--config", config]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read the query log" in err
    csv = tmp_path / "log.csv"
    csv.write_text("a,b\nx,y\n")
    assert main(["coverage", str(project / "train.jsonl"), "--queries", str(csv), "--column", "nope", "--config", config]) == 2
    assert "no column 'nope'" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text("coverage-threshold = 3\n")
    assert main(["coverage", str(project / "train.jsonl"), "--config", str(bad)]) == 2
    assert "coverage-threshold" in capsys.readouterr().err


def test_check_semantic_reports_the_missing_topic_and_the_odd_query(project, capsys):
    code = main(["check", str(project / "train.jsonl"), "--semantic", "--format", "json",
                 "--config", str(project / "rerank-lint.toml")])
    found = json.loads(capsys.readouterr().out)
    by_code = {}
    for d in found:
        by_code.setdefault(d["code"], []).append(d)
    assert code == 1
    (warning,) = by_code["RL609"]
    assert "largest uncovered topic" in warning["message"] and "recipe" in warning["message"]
    assert any(d["location"]["row"] == len(NETWORK_QUESTIONS) + 1 for d in by_code["RL610"])


def test_unasked_st_query_is_reported_on_its_query_column(project, capsys, tmp_path):
    # A sentence-transformers triplet: the query is the first column, whatever its name.
    lines = [json.dumps({"question": q, "answer": f"answer {i}", "wrong": f"other {i}"})
             for i, q in enumerate(NETWORK_QUESTIONS + [ODD])]
    train = tmp_path / "st_train.jsonl"
    train.write_text("".join(line + "\n" for line in lines))
    main(["check", str(train), "--semantic", "--format", "json", "--config", str(project / "rerank-lint.toml")])
    found = [d for d in json.loads(capsys.readouterr().out) if d["code"] == "RL610"]
    odd = [d for d in found if d["location"]["row"] == len(NETWORK_QUESTIONS) + 1]
    assert odd, found
    line = lines[-1]
    assert odd[0]["location"]["column"] == line.index(json.dumps(ODD)) + 1  # on the value of "question"


def test_borderline_coverage_is_info(project, capsys, tmp_path):
    main(["coverage", str(project / "train.jsonl"), "--format", "json", "--config", str(project / "rerank-lint.toml")])
    coverage = json.loads(capsys.readouterr().out)["coverage"]
    config = tmp_path / "rerank-lint.toml"
    config.write_text((project / "rerank-lint.toml").read_text().replace("0.95", f"{min(coverage + 0.05, 1):.3f}")
                      .replace('"queries.txt"', f'"{project / "queries.txt"}"'))
    main(["check", str(project / "train.jsonl"), "--semantic", "--format", "json", "--config", str(config)])
    found = [d for d in json.loads(capsys.readouterr().out) if d["code"] == "RL609"]
    # 24 real queries: the 95% interval reaches a threshold 5 points above the figure.
    assert found and all(d["severity"] == "info" or "borderline" in d["message"] for d in found)


def test_report_section_has_the_scatter(project, capsys, tmp_path):
    out = tmp_path / "report.html"
    assert main(["report", str(project / "train.jsonl"), "--queries", str(project / "queries.txt"), "-o", str(out),
                 "--config", str(project / "rerank-lint.toml")]) == 0
    html = out.read_text()
    assert "id='coverage'" in html and "id='plot-coverage-map'" in html and html.count("<circle") > 20
    assert "coverage-topics" in html
    md = tmp_path / "report.md"
    main(["report", str(project / "train.jsonl"), "--format", "markdown", "-o", str(md),
          "--config", str(project / "rerank-lint.toml")])
    assert "Query coverage" in md.read_text() and "uncovered topic" in md.read_text()


def test_settings():
    s = Settings()
    assert s.user_queries is None and s.coverage_threshold == 0.5 and s.coverage_similarity is None
    s = s.merged({"user-queries": "logs/q.csv", "user-queries-column": 2, "coverage-similarity": 0.7})
    assert s.user_queries_column == "2" and s.coverage_similarity == 0.7
    with pytest.raises(ConfigError):
        s.merged({"coverage-threshold": 1.5})


def test_cheap_path_imports_no_numpy():
    import subprocess
    import sys

    code = ("import sys; from rerank_lint.rules.registry import REGISTRY; import rerank_lint.cli.coverage, "
            "rerank_lint.rules.semantic.coverage, rerank_lint.coverage.service; "
            "print('numpy' in sys.modules or 'torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_a_kept_comparison_reads_no_vector(project):
    from rerank_lint.coverage.service import compare, read_log

    settings = Settings().merged({"semantic-cache-dir": str(project / "cache")})
    log = read_log(settings, project / "queries.txt")
    first, stats = compare(NETWORK_QUESTIONS, log, settings)
    again, warm = compare(NETWORK_QUESTIONS, log, settings)
    assert warm["warm"] and not warm["encoded"] and "looked_up" not in warm  # not even the embedding cache is read
    assert again.coverage == first.coverage and again.topics == first.topics
