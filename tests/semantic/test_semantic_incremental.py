"""The editor's incremental semantic pass gives what the CLI gives for the same text, after any
edits, while embedding only the texts each edit brings (loads the bundled model once)."""

from __future__ import annotations

import random

import orjson
import pytest

pytest.importorskip("sentence_transformers", reason="the semantic extra is not installed: pip install -e '.[semantic]'")

from semantic_pairs import PARAPHRASES, SAME_TOPIC  # noqa: E402

from rerank_lint.settings import Settings  # noqa: E402
from rerank_lint.lint.engine import Linter  # noqa: E402
from rerank_lint.lint.editor import IncrementalLinter  # noqa: E402
from rerank_lint.lint.semantic_session import SemanticSession  # noqa: E402

SETTINGS = Settings(semantic=True)


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("RERANK_LINT_CACHE_DIR", str(tmp_path / "cache"))


def record(query: str, relevant: list[str], negatives: list[str]) -> bytes:
    return orjson.dumps({"query": query, "relevant_passages": relevant, "hard_negatives": negatives})


def pool() -> list[bytes]:
    """Records that trigger every RL6xx rule between them: paraphrased queries (RL601, RL607),
    unrelated negatives (RL602), negatives that copy the answer (RL603), lexical ones (RL604)."""
    found = []
    for a, b in PARAPHRASES[:6] + SAME_TOPIC[:6]:
        for query in (a, b):
            answer = f"The answer to '{query}' is explained here in detail."
            found.append(record(query, [answer], [
                "The seal of Missouri is perfect.",  # easy
                answer.replace("explained here", "explained right here"),  # a near copy: false negative
                f"{query} {query} is a phrase people type, unlike reset or cancel.",  # lexical
            ]))
    found.append(record("Boilerplate shipping notice", ["Ships in 3 days. " * 5], ["Ships in 3 days. " * 4]))
    return found


class Document:
    """Lines edited as an editor edits them, with the cheap incremental linter kept in step and
    the semantic session fed from its records, as the language server does."""

    def __init__(self, lines: list[bytes], eval_path=None):
        self.lines = list(lines)
        self.eval_path = eval_path
        self.inc = IncrementalLinter(Linter(SETTINGS, only=lambda cls: not cls.semantic), "doc.jsonl", eval_path=eval_path)
        self.inc.reset([(line, b"\n", False) for line in self.lines])
        self.inc.conclusions()
        self.session = SemanticSession(Linter(SETTINGS, only=lambda cls: cls.semantic), "doc.jsonl", eval_path=eval_path)

    def replace(self, start: int, stop: int, new: list[bytes]) -> None:
        self.lines[start:stop] = new
        self.inc.splice(start, stop, len(new))
        self.inc.refresh(lambda i: (self.lines[i], b"\n", False))
        self.inc.conclusions()

    def semantic(self):
        records = [(s.serial, s.index, s.record) for s in self.inc.states if s.record is not None]
        contents = [s.line.content for s in self.inc.states]
        return self.session.check(records, contents, self.inc.context.schema)

    def fresh(self):
        data = b"".join(line + b"\n" for line in self.lines)
        found = Linter(SETTINGS, only=lambda cls: cls.semantic).check_bytes(data, "doc.jsonl", eval_path=self.eval_path)
        return [d for d in found if d.code.startswith("RL6")]


def comparable(diagnostics):
    return sorted((d.code, d.range.start.line, d.range.start.byte, d.range.end.line, d.range.end.byte, d.message,
                   tuple((r.path, r.range.start.line, r.range.start.byte, r.message) for r in d.related))
                  for d in diagnostics)


def test_random_edits_give_what_a_fresh_check_gives(tmp_path):
    records = pool()
    eval_file = tmp_path / "eval.jsonl"
    # The evaluation file paraphrases two training queries and repeats one relevant passage.
    eval_file.write_bytes(record(PARAPHRASES[7][1], ["Something the training file does not have."], []) + b"\n"
                          + record("Who wrote it?", [f"The answer to '{PARAPHRASES[0][0]}' is explained here in detail."], [])
                          + b"\n")
    rng = random.Random(7)
    doc = Document(records[:14] + [record(PARAPHRASES[7][0], ["x"], ["y"])], eval_path=eval_file)
    assert comparable(doc.semantic()) == comparable(doc.fresh())
    codes = {d.code for d in doc.fresh()}
    assert {"RL601", "RL602", "RL603", "RL605", "RL606", "RL607"} <= codes, codes
    for step in range(14):
        n = len(doc.lines)
        kind = rng.choice(["replace", "insert", "delete", "retype", "blank"])
        at = rng.randrange(n)
        if kind == "replace":
            doc.replace(at, at + 1, [rng.choice(records)])
        elif kind == "insert":
            doc.replace(at, at, [rng.choice(records), rng.choice(records)])
        elif kind == "delete" and n > 3:
            doc.replace(at, at + 2, [])
        elif kind == "retype":  # a query edited character by character: a new text each time
            data = orjson.loads(doc.lines[at]) if doc.lines[at].strip() else {"query": ""}
            data["query"] = (data.get("query") or "") + rng.choice(["?", " now", " please"])
            doc.replace(at, at + 1, [orjson.dumps(data)])
        else:
            doc.replace(at, at, [b""])
        assert comparable(doc.semantic()) == comparable(doc.fresh()), f"step {step}: {kind} at {at}"


def test_an_edit_embeds_only_the_texts_it_brought():
    doc = Document(pool())
    doc.semantic()
    embedder = doc.session.index.embedder
    before = embedder.looked_up
    data = orjson.loads(doc.lines[3])
    data["hard_negatives"][0] = "A negative nobody has written before."
    doc.replace(3, 4, [orjson.dumps(data)])
    doc.semantic()
    assert embedder.looked_up - before == 1  # one new text; the others' vectors were kept


def test_a_session_that_outgrows_its_garbage_starts_over_with_the_same_result(monkeypatch):
    doc = Document(pool())
    first = doc.session.index
    doc.semantic()
    # Each retyped query leaves its previous text behind; past the limit the index is rebuilt.
    monkeypatch.setattr(type(first), "worn", property(lambda self: self.table.garbage >= 2))
    last = len(doc.lines) - 1  # its query is on no other line
    for suffix in ("?", "??", "???"):
        data = orjson.loads(doc.lines[last])
        data["query"] += suffix
        doc.replace(last, last + 1, [orjson.dumps(data)])
        found = doc.semantic()
    assert doc.session.index is not first
    assert comparable(found) == comparable(doc.fresh())
