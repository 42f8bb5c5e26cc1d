"""Query coverage (RL609, RL610) in the editor, end to end over a real LSP client: an edit of one
training query updates the findings without comparing everything again (the session's
`EditorCoverage`, tests/coverage/test_coverage_editor.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lsprotocol import types

from lsp_client import diagnostics_for, own_server, start, wait_for_status
from query_examples import COOKING_LOG, NETWORK_LOG, NETWORK_QUESTIONS

LOG = NETWORK_LOG + COOKING_LOG
QUESTIONS = NETWORK_QUESTIONS
ODD = "Write a sonnet about medieval castles and dragons"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    # Pin the config so that the test does not depend on any file above tmp_path.
    (tmp_path / "rerank-lint.toml").write_text("min-unique-queries = 1\n")
    return tmp_path


def line(n: int, query: str) -> str:
    return json.dumps({"query": query, "relevant_passages": [f"answer {n}"], "hard_negatives": [f"other {n}"]})


@pytest.mark.asyncio
async def test_an_edited_training_query_updates_the_coverage_findings(workdir):
    pytest.importorskip("sentence_transformers", reason="the semantic extra is not installed")
    (workdir / "queries.txt").write_text("\n".join(LOG) + "\n")
    lines = [line(n, q) for n, q in enumerate(QUESTIONS + [ODD])]
    options = {"settings": {"semantic": True, "select": ["RL609", "RL610"], "coverage-threshold": 0.95,
                            "user-queries": str(workdir / "queries.txt")}}
    async with own_server(RERANK_LINT_CACHE_DIR=str(workdir / "cache")) as client:
        await start(client, workdir, options=options)
        uri = (workdir / "train.jsonl").as_uri()
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="jsonl", version=1, text="\n".join(lines) + "\n")))
        await wait_for_status(client, 0, "idle")
        found = [d for u, v, d in client.history if u == uri and v == 1][-1]
        odd = len(QUESTIONS)
        assert "RL609" in {d.code for d in found} and any(d.code == "RL610" and d.range.start.line == odd for d in found)

        seen = len(client.statuses)
        new = line(odd, "What is a good recipe for fluffy pancakes?")
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [types.TextDocumentContentChangePartial(range=types.Range(types.Position(odd, 0),
                                                                      types.Position(odd, len(lines[odd]))), text=new)]))
        await diagnostics_for(client, uri, 2)
        await wait_for_status(client, seen, "idle")
        final = [d for u, v, d in client.history if u == uri and v == 2][-1]
        # The sonnet is gone, and one cooking query (a large k-NN ball) covers the cooking topic.
        assert not any(d.code == "RL610" and d.range.start.line == odd for d in final)
        assert "RL609" not in {d.code for d in final}
