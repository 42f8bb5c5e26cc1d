"""One realistic run with the bundled all-MiniLM-L6-v2 (offline): a keyword log about home
networking and cooking against question-style training queries about networking only."""

import subprocess
import sys

import pytest

pytest.importorskip("sentence_transformers", reason="the semantic extra is not installed")

from query_examples import COOKING_LOG, NETWORK_LOG, NETWORK_QUESTIONS  # noqa: E402


def test_keyword_log_with_a_topic_the_training_set_lacks(tmp_path):
    from rerank_lint.coverage import check_coverage, read_query_log

    log_path = tmp_path / "queries.txt"
    log_path.write_text("\n".join(NETWORK_LOG + COOKING_LOG + NETWORK_LOG[:4]) + "\n")
    log = read_query_log(log_path)
    settings_path = tmp_path / "cache"
    from rerank_lint.settings import Settings

    settings = Settings().merged({"semantic-cache-dir": str(settings_path)})
    stats: dict = {}
    result = check_coverage(NETWORK_QUESTIONS, log, settings, train_source="train.jsonl", stats=stats)
    assert stats["encoded"] == len(log.texts) + len(NETWORK_QUESTIONS)

    first = result.topics[0]
    assert sum(e in COOKING_LOG for e in first.examples) == 3
    assert first.size >= 8  # most of the cooking queries, in one topic
    assert not any(e in NETWORK_LOG for t in result.topics for e in t.examples)
    assert result.coverage < 0.75  # the cooking half of the log is not covered
    styles = {d["feature"]: d for d in result.style}
    assert styles["form"]["notable"] and styles["form"]["real"]["keywords"] > 0.7
    assert styles["form"]["training"]["question"] == 1.0
    assert styles["length"]["real"]["median"] == 3 and styles["length"]["training"]["median"] >= 8

    # A warm run (every text cached) in a fresh process neither imports torch nor encodes anything.
    code = f"""
import sys
from rerank_lint.coverage import check_coverage, read_query_log
from rerank_lint.settings import Settings
stats = {{}}
result = check_coverage({NETWORK_QUESTIONS!r}, read_query_log({str(log_path)!r}), Settings().merged({{'semantic-cache-dir': {str(settings_path)!r}}}), stats=stats)
assert stats["encoded"] == 0, stats
assert "torch" not in sys.modules
print(result.coverage)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout.strip()) == result.coverage
