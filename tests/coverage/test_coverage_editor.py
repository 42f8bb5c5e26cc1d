"""RL609/RL610 in the editor's semantic session: after each edit, what a fresh `check` of the
same text gives, with the comparison updated for the queries the edit changed (one comparison
of everything, at the first pass) and only the new query embedded (the bundled MiniLM)."""

import orjson
import pytest

pytest.importorskip("sentence_transformers", reason="the semantic extra is not installed")

from rerank_lint.lint.editor import IncrementalLinter  # noqa: E402
from rerank_lint.lint.engine import Linter  # noqa: E402
from rerank_lint.lint.semantic_session import SemanticSession  # noqa: E402
from rerank_lint.settings import Settings  # noqa: E402

from test_coverage_minilm import COOKING_LOG, NETWORK_LOG, NETWORK_QUESTIONS  # noqa: E402

ODD = "Write a sonnet about medieval castles and dragons"
COVERAGE_RULES = lambda cls: cls.code in ("RL609", "RL610")  # noqa: E731


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("RERANK_LINT_CACHE_DIR", str(tmp_path / "cache"))
    log = tmp_path / "queries.txt"
    log.write_text("\n".join(NETWORK_LOG + COOKING_LOG) + "\n")
    return Settings().merged({"semantic": True, "user-queries": str(log), "coverage-threshold": 0.95})


def record(query: str, n: int) -> bytes:
    return orjson.dumps({"query": query, "relevant_passages": [f"answer {n}"], "hard_negatives": [f"other {n}"]})


class Document:
    """Lines edited as the language server sees them: the cheap incremental linter kept in step
    and the semantic session fed from its records."""

    def __init__(self, settings, lines):
        self.settings, self.lines = settings, list(lines)
        self.inc = IncrementalLinter(Linter(settings, only=lambda cls: not cls.semantic), "doc.jsonl")
        self.inc.reset([(line, b"\n", False) for line in self.lines])
        self.inc.conclusions()
        self.session = SemanticSession(Linter(settings, only=COVERAGE_RULES), "doc.jsonl")

    def replace(self, at: int, line: bytes) -> None:
        self.lines[at] = line
        self.inc.splice(at, at + 1, 1)
        self.inc.refresh(lambda i: (self.lines[i], b"\n", False))
        self.inc.conclusions()

    def semantic(self):
        records = [(s.serial, s.index, s.record) for s in self.inc.states if s.record is not None]
        return self.session.check(records, [s.line.content for s in self.inc.states], self.inc.context.schema)

    def fresh(self):
        data = b"".join(line + b"\n" for line in self.lines)
        return Linter(self.settings, only=COVERAGE_RULES).check_bytes(data, "doc.jsonl")


def comparable(diagnostics):
    return sorted((d.code, d.range.start.line, d.range.start.byte, d.message) for d in diagnostics)


def test_edits_update_the_coverage_as_a_fresh_check_gives_it(settings):
    doc = Document(settings, [record(q, n) for n, q in enumerate(NETWORK_QUESTIONS + [ODD])])
    first = doc.semantic()
    assert comparable(first) == comparable(doc.fresh())
    odd_line = len(NETWORK_QUESTIONS)
    assert {d.code for d in first} == {"RL609", "RL610"}
    assert any(d.code == "RL610" and d.range.start.line == odd_line for d in first)
    editor = doc.session.index.keep("coverage", lambda: None)
    embedder = doc.session.index.embedder
    looked_up = embedder.looked_up

    doc.replace(odd_line, record("What is a good recipe for fluffy pancakes?", odd_line))  # the sonnet becomes cooking
    second = doc.semantic()
    assert comparable(second) == comparable(doc.fresh())
    assert not any(d.code == "RL610" and d.range.start.line == odd_line for d in second)
    # One cooking query far from the other training queries has a large k-NN ball: the cooking
    # topic is covered now, and coverage is above the threshold.
    assert "RL609" not in {d.code for d in second}
    assert embedder.looked_up - looked_up == 1  # the new query alone was embedded

    doc.replace(0, record(NETWORK_QUESTIONS[0] + " Please explain.", 0))  # a query retyped
    assert comparable(doc.semantic()) == comparable(doc.fresh())
    assert editor.live.rebuilds == 1  # the edits updated the first comparison
