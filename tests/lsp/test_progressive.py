"""A large document's first check is published in parts, from the top, and ends with exactly
the CLI's diagnostics (server/lint.py)."""

from __future__ import annotations

import asyncio
import json

import pytest
from lsprotocol import types

from lsp_client import TIMEOUT, pull, start, wait_for_refresh
from test_server import HTML, change, fresh, key_of_engine, key_of_lsp, workdir  # noqa: F401 - a fixture

from server.lint import FIRST_PART_LINES
from server.sync import PROGRESS_LINES

LINES = 6000  # over PROGRESS_LINES: shown in parts (500, then 2,000 more lines, then the rest)


def record(i: int) -> str:
    return json.dumps({"query": f"question {i}", "relevant_passages": [f"answer {i}"],
                       "hard_negatives": [f"negative {i} {k}" for k in range(5)]})


def document() -> str:
    lines = [record(i) for i in range(LINES)]
    for i in range(0, LINES, 400):  # a problem of the line's own, spread over the file
        lines[i] = HTML % i
    lines[LINES - 10] = lines[3]  # a duplicate whose first occurrence is at the top
    lines[LINES - 20] = ""  # a blank line, a conclusion of the whole file
    return "\n".join(lines) + "\n"


async def progress_ended(client) -> None:
    def ended():
        return any(isinstance(value, types.WorkDoneProgressEnd)
                   for values in client.progress_reports.values() for value in values)

    async def wait():
        while not ended():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(wait(), TIMEOUT)


@pytest.mark.asyncio
async def test_the_first_check_is_published_in_parts_and_ends_with_the_full_set(client, workdir):
    assert LINES > PROGRESS_LINES and LINES > 2 * FIRST_PART_LINES
    await start(client, workdir)
    text = document()
    uri = (workdir / "large.jsonl").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="jsonl", version=1, text=text)))
    await progress_ended(client)
    publishes = [sorted(map(key_of_lsp, found)) for at, version, found in client.history if at == uri and version == 1]
    expected = sorted(map(key_of_engine, fresh(text)))
    assert len(publishes) >= 3  # 500 lines, 2,500 lines, all of them
    assert publishes[-1] == expected
    # Each part is final for the lines it covers: what it shows is in the full set, and each
    # part shows more than the one before.
    for earlier, later in zip(publishes, publishes[1:]):
        assert set(earlier) < set(later)
    first = publishes[0]
    assert set(first) <= set(expected)
    # The first part is every diagnostic of its lines, except the file-level ones drawn at the end
    # (placed at line 1: here RL503, no evaluation file).
    assert set(first) == {d for d in expected if d[1] < FIRST_PART_LINES and d[0] != "RL503"}
    assert {line for _, line, _ in first} == set(range(0, FIRST_PART_LINES, 400))
    # The whole-file conclusions (the blank line, near the end) and the duplicate of line 4 come
    # only once the check reaches them.
    assert not any(code in ("RL005", "RL403") for code, _, _ in first)
    assert {"RL403"} <= {code for code, _, _ in publishes[-1]}


@pytest.mark.asyncio
async def test_an_edit_during_the_first_check_is_published_whole(client, workdir):
    await start(client, workdir)
    text = document()
    uri = (workdir / "large.jsonl").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="jsonl", version=1, text=text)))
    lines = text.split("\n")
    lines[LINES - 1] = "{broken"
    change(client, uri, 2, (LINES - 1, 0), (LINES - 1, len(text.split("\n")[LINES - 1])), "{broken")
    await progress_ended(client)

    async def version_2():
        while not any(version == 2 for at, version, _ in client.history if at == uri):
            await asyncio.sleep(0.02)

    await asyncio.wait_for(version_2(), TIMEOUT)
    of_2 = [found for at, version, found in client.history if at == uri and version == 2]
    # The first publish of an edited version is its whole set (no part of it is published).
    assert sorted(map(key_of_lsp, of_2[0])) == sorted(map(key_of_engine, fresh("\n".join(lines))))


@pytest.mark.asyncio
async def test_a_pull_during_the_first_check_gets_the_part_done_then_a_refresh(client, workdir):
    await start(client, workdir, pull=True)
    text = document()
    uri = (workdir / "large.jsonl").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="jsonl", version=1, text=text)))
    expected = sorted(map(key_of_engine, fresh(text)))
    first = sorted(map(key_of_lsp, await pull(client, uri)))
    assert set(first) <= set(expected)
    print(f"\nfirst pull during the first check: {len(first)} of {len(expected)} diagnostics")
    if first != expected:  # a part (the check was still going): the server asks for a new pull
        await wait_for_refresh(client, 0)
        assert sorted(map(key_of_lsp, await pull(client, uri))) == expected
    assert not client.history  # a pulling client never gets a push, not even of a part
