"""One realistic run with the bundled all-MiniLM-L6-v2 (offline): a keyword log about home
networking and cooking against question-style training queries about networking only."""

import subprocess
import sys

import pytest

pytest.importorskip("sentence_transformers", reason="the semantic extra is not installed")

NETWORK_LOG = ["router reset", "wifi password change", "modem blinking orange", "slow wifi evening",
               "router firmware update", "mesh wifi setup", "ethernet no internet", "dns server error",
               "port forwarding router", "wifi extender pairing", "ip address conflict", "router admin login"]
COOKING_LOG = ["pancake recipe fluffy", "how long boil egg", "sourdough starter feeding", "roast chicken temperature",
               "pasta carbonara recipe", "cookies without eggs", "rice cooker ratio water", "knead bread dough time",
               "vegan chili recipe", "caramel sauce burnt", "banana bread moist", "steak medium rare minutes"]
NETWORK_QUESTIONS = [
    "How do I reset my router to its factory settings?", "How can I change the password of my wifi network?",
    "Why is the light on my modem blinking orange?", "Why does my wifi get so slow in the evening?",
    "How do I update the firmware of my router?", "How do I set up a mesh wifi system at home?",
    "Why do I have no internet when my computer is plugged in with an ethernet cable?",
    "What does a DNS server error mean and how do I fix it?", "How do I forward a port on my router?",
    "How do I pair a wifi extender with my router?", "What should I do about an IP address conflict?",
    "How do I log in to the admin page of my router?", "Which wifi channel should I use to avoid interference?",
    "How can I see which devices are connected to my network?"]


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
