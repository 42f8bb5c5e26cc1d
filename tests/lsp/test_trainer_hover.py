"""The editor's token counts speak the file's trainer: its limit and its cut, the very numbers
of the RL3xx diagnostics on the same line (a real LSP client against `rerank-lint server`)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lsprotocol import types

from lsp_client import diagnostics_for, start


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "rerank-lint.toml").write_text("min-unique-queries = 1\n")
    return tmp_path


async def open_doc(client, path: Path, text: str) -> list[types.Diagnostic]:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=path.as_uri(), language_id="jsonl", version=1, text=text)))
    return await diagnostics_for(client, path.as_uri(), 1)


async def hover_at(client, path: Path, line: int, column: int) -> str:
    found = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(path.as_uri()),
                                                                      types.Position(line, column)))
    return found.contents.value


async def hints(client, path: Path, lines: int) -> list[str]:
    found = await client.text_document_inlay_hint_async(types.InlayHintParams(
        types.TextDocumentIdentifier(path.as_uri()), types.Range(types.Position(0, 0), types.Position(lines, 0))))
    return [hint.label for hint in found]


def value_column(line: str, key: str) -> int:
    return line.index(f'"{key}": ') + len(key) + 5  # inside the value's string


def kept_by(diagnostics, code: str) -> int:
    """The passage tokens the rule says the trainer keeps."""
    d = next(d for d in diagnostics if d.code == code)
    return int(re.search(r"keeps (\d+);", d.message).group(1))


@pytest.mark.asyncio
async def test_flagembedding_file_hover_and_hints_use_its_caps(client, workdir):
    await start(client, workdir)
    line = json.dumps({"query": "word " * 80, "pos": ["passage " * 300], "neg": ["short negative"]})
    path = workdir / "bge.jsonl"
    found = await open_doc(client, path, line + "\n")
    query = await hover_at(client, path, 0, value_column(line, "query"))
    assert "`flagembedding`" in query  # the first line's hover names the trainer
    assert "FlagEmbedding keeps the first 64 of any query (query-max-len 32 + passage-max-len 128 // 4)" in query
    assert re.search(r"\*\*query\*\*: 8\d tokens; .*: the last 1\d are never seen", query)
    passage = await hover_at(client, path, 0, value_column(line, "pos") + 1)
    assert "tokens of 160 (FlagEmbedding's query-max-len 32 + passage-max-len 128)" in passage
    assert f"the passage is cut after {kept_by(found, 'RL301')} tokens by flagembedding" in passage
    assert "the query loses its last" in passage and "flagembedding caps every query" in passage
    sections = query.split("\n\n---\n\n")[1] + passage.split("\n\n---\n\n")[1]  # after the trainer's line
    assert "510" not in sections
    labels = await hints(client, path, 1)
    assert len(labels) == 1 and "/160 tokens (flagembedding cuts it)" in labels[0]


@pytest.mark.asyncio
async def test_sentence_transformers_triplet_hover_shows_longest_first_cutting_both_sides(client, workdir):
    await start(client, workdir)
    rows = [json.dumps({"anchor": "question " * 400, "positive": "answer " * 700, "negative": "a short negative"}),
            json.dumps({"anchor": "a short question", "positive": "a short answer", "negative": "another negative"})]
    path = workdir / "triplets.jsonl"
    found = await open_doc(client, path, "\n".join(rows) + "\n")
    query = await hover_at(client, path, 0, value_column(rows[0], "anchor"))
    assert "`sentence-transformers`" in query
    assert re.search(r"\*\*anchor\*\*: \d+ tokens of the \d+ that sentence-transformers' max-length 512 leaves for text", query)
    passage = await hover_at(client, path, 0, value_column(rows[0], "positive"))
    rule = next(d for d in found if d.code == "RL301")
    lost_query = int(re.search(r"cuts the last (\d+) tokens of the query too", rule.message).group(1))
    assert re.search(r"\*\*positive\*\*: query \d+ \+ passage \d+ \+ \d special = \d+ tokens of 512", passage)
    assert f"the passage is cut after {kept_by(found, 'RL301')} tokens by sentence-transformers" in passage
    assert f"the query loses its last {lost_query} tokens too (sentence-transformers cuts longest_first)" in passage
    labels = await hints(client, path, 2)
    assert len(labels) == 2
    assert "/512 tokens (sentence-transformers cuts it)" in labels[0]
    assert labels[1].endswith("/512 tokens") and "cuts" not in labels[1]


@pytest.mark.asyncio
async def test_the_configured_trainer_decides_for_a_cohere_file(client, workdir):
    (workdir / "rerank-lint.toml").write_text('min-unique-queries = 1\ntrainer = "flagembedding"\n')
    await start(client, workdir)
    line = json.dumps({"query": "what is bm25", "relevant_passages": ["passage " * 200], "hard_negatives": ["n"]})
    path = workdir / "cohere.jsonl"
    await open_doc(client, path, line + "\n")
    query = await hover_at(client, path, 0, value_column(line, "query"))
    assert "`flagembedding` (set in the config)" in query and "FlagEmbedding keeps the first 64" in query
    labels = await hints(client, path, 1)
    assert "/160 tokens (flagembedding cuts it)" in labels[0]


@pytest.mark.asyncio
async def test_an_st_duplicate_query_is_on_its_column_in_the_editor_too(client, workdir):
    await start(client, workdir)
    rows = [json.dumps({"question": "What is BM25?", "answer": "a ranking function", "neg_a": "x", "neg_b": "y"}),
            json.dumps({"question": "what is bm25", "answer": "another answer", "neg_a": "z", "neg_b": "w"})]
    found = await open_doc(client, workdir / "ntuple.jsonl", "\n".join(rows) + "\n")
    duplicate = [d for d in found if d.code == "RL402"]
    assert len(duplicate) == 1 and duplicate[0].range.start.line == 1
    assert duplicate[0].range.start.character == rows[1].index('"question": ') + 12
    assert duplicate[0].related_information[0].location.range.start.character == rows[0].index('"question": ') + 12
