"""End to end: a real LSP client over stdio against `rerank-lint server`."""

from __future__ import annotations

import ast
import json
import random
from pathlib import Path

import orjson
import pytest
from lsprotocol import types

from rerank_lint.settings import Settings
from rerank_lint.lint.engine import Linter

from helpers import run_cli

from lsp_client import diagnostics_for, own_server, pull, start, wait_for_refresh, wait_for_status

GOOD = '{"query": "q%d", "relevant_passages": ["passage %d"], "hard_negatives": ["n1", "n2", "n3", "n4", "n5"]}'
HTML = '{"query": "what is bm25 %d", "relevant_passages": ["<b>BM25</b> ranks documents"], "hard_negatives": ["a", "b", "c", "d", "e"]}'
DUP_NEG = '{"query": "dup neg", "relevant_passages": ["p"], "hard_negatives": ["x", "y", "x", "z", "w", "v"]}'


def text_of(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def to_index(line: str, column: int, encoding: str) -> int:
    """An independent conversion of an LSP column, to check the server's."""
    if encoding == "utf-32":
        return min(column, len(line))
    encode = (lambda s: s.encode("utf-8")) if encoding == "utf-8" else (lambda s: s.encode("utf-16-le"))
    unit = 1 if encoding == "utf-8" else 2
    for i in range(len(line) + 1):
        if len(encode(line[:i])) // unit >= column:
            return i
    return len(line)


def apply_edits(text: str, edits: list[types.TextEdit], encoding: str = "utf-16") -> str:
    lines = text.split("\n")

    def offset(pos):
        before = sum(len(l) + 1 for l in lines[: pos.line])
        line = lines[pos.line] if pos.line < len(lines) else ""
        return before + to_index(line, pos.character, encoding)

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = offset(edit.range.start), offset(edit.range.end)
        text = text[:start] + edit.new_text + text[end:]
    return text


def fresh(text: str, settings: Settings | None = None):
    return Linter(settings or Settings(min_unique_queries=1)).check_bytes(text.encode(), "doc.jsonl")


def key_of_lsp(d: types.Diagnostic):
    return (d.code, d.range.start.line, d.message)


def key_of_engine(d):
    return (d.code, d.range.start.line, d.message)


def assert_valid_jsonl(text: str):
    for line in text.splitlines():
        assert isinstance(orjson.loads(line), dict), line


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    # Pin the config so that the tests do not depend on any file above tmp_path.
    (tmp_path / "rerank-lint.toml").write_text("min-unique-queries = 1\n")
    return tmp_path


async def open_doc(client, path: Path, text: str, version: int = 1) -> list[types.Diagnostic]:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="jsonl", version=version, text=text)))
    return await diagnostics_for(client, uri, version)


def change(client, uri: str, version: int, start: tuple[int, int], end: tuple[int, int], text: str):
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        [types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(*start), types.Position(*end)), text=text)]))


@pytest.mark.asyncio
async def test_open_change_close(client, workdir):
    result = await start(client, workdir)
    assert result.capabilities.text_document_sync.change == types.TextDocumentSyncKind.Incremental
    path = workdir / "train.jsonl"
    text = text_of(GOOD % (1, 1), HTML % 2, GOOD % (1, 1))
    found = await open_doc(client, path, text)
    assert sorted(map(key_of_lsp, found)) == sorted(map(key_of_engine, fresh(text)))
    duplicate = next(d for d in found if d.code == "RL403")
    assert duplicate.code_description is None  # no docs-url configured: no link to a page that does not exist
    assert duplicate.related_information and duplicate.related_information[0].location.range.start.line == 0
    assert duplicate.severity == types.DiagnosticSeverity.Warning
    # Remove the <b> tag by hand: line 1 changes, the rest stays.
    uri = path.as_uri()
    line = (HTML % 2)
    start_col = line.index("<b>")
    change(client, uri, 2, (1, start_col), (1, start_col + 3), "")
    found = await diagnostics_for(client, uri, 2)
    new_text = apply_edits(text, [types.TextEdit(types.Range(types.Position(1, start_col), types.Position(1, start_col + 3)), "")])
    assert sorted(map(key_of_lsp, found)) == sorted(map(key_of_engine, fresh(new_text)))
    client.published.pop(uri)
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))
    assert await diagnostics_for(client, uri, None) == []


@pytest.mark.asyncio
async def test_burst_of_200_edits_ends_in_the_final_text_diagnostics(client, workdir):
    await start(client, workdir)
    path = workdir / "burst.jsonl"
    text = text_of(*(GOOD % (i, i) for i in range(30)), HTML % 1, DUP_NEG)
    uri = path.as_uri()
    await open_doc(client, path, text)
    rng = random.Random(200)
    samples = [GOOD % (1, 1), HTML % 3, DUP_NEG, "{broken", "", '{"query": "😀 日本語 ", "relevant_passages": ["x\\u00e9 "]}']
    version = 1
    for _ in range(200):
        version += 1
        lines = text.split("\n")
        kind = rng.random()
        if kind < 0.6:  # type a character inside a line
            line = rng.randrange(len(lines))
            col = rng.randint(0, len(lines[line]))
            utf16_col = utf16_len(lines[line][:col])
            char = rng.choice(["a", " ", "é", "😀", '"', ","])
            change(client, uri, version, (line, utf16_col), (line, utf16_col), char)
            lines[line] = lines[line][:col] + char + lines[line][col:]
        elif kind < 0.8:  # replace a whole line
            line = rng.randrange(len(lines) - 1)
            new = rng.choice(samples)
            change(client, uri, version, (line, 0), (line, utf16_len(lines[line])), new)
            lines[line] = new
        else:  # insert or delete a line
            line = rng.randrange(len(lines) - 1)
            if rng.random() < 0.5:
                new = rng.choice(samples)
                change(client, uri, version, (line, 0), (line, 0), new + "\n")
                lines.insert(line, new)
            else:
                change(client, uri, version, (line, 0), (line + 1, 0), "")
                del lines[line]
        text = "\n".join(lines)
    found = await diagnostics_for(client, uri, version)
    server_text = await client.workspace_execute_command_async(types.ExecuteCommandParams("rerank-lint.documentText", [uri]))
    assert server_text == text
    assert sorted(map(key_of_lsp, found)) == sorted(map(key_of_engine, fresh(text)))


@pytest.mark.asyncio
async def test_quick_fixes_apply_and_leave_valid_jsonl(client, workdir):
    await start(client, workdir)
    path = workdir / "fix.jsonl"
    text = text_of(HTML % 1, DUP_NEG, GOOD % (7, 7), GOOD % (7, 7))
    uri = path.as_uri()
    found = await open_doc(client, path, text)
    version = 1
    for code in ("RL202", "RL202", "RL406", "RL403"):  # the two tags of one passage are two fixes
        target = next(d for d in found if d.code == code)
        actions = await client.text_document_code_action_async(types.CodeActionParams(
            types.TextDocumentIdentifier(uri), target.range, types.CodeActionContext([target])))
        fixes = [a for a in actions if isinstance(a, types.CodeAction) and a.edit is not None and a.diagnostics
                 and a.diagnostics[0].code == code]
        assert fixes, f"no quick fix for {code}"
        edits = fixes[0].edit.changes[uri]
        text = apply_edits(text, edits)
        assert_valid_jsonl(text)
        version += 1
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [types.TextDocumentContentChangeWholeDocument(text=text)]))
        found = await diagnostics_for(client, uri, version)
        assert sorted(map(key_of_lsp, found)) == sorted(map(key_of_engine, fresh(text)))
    assert not {"RL202", "RL406", "RL403"} & {d.code for d in found}
    # Each fix touched only its own place.
    assert text == text_of(HTML.replace("<b>", "").replace("</b>", "") % 1,
                           DUP_NEG.replace('"x", "y", "x"', '"x", "y"'), GOOD % (7, 7))


@pytest.mark.asyncio
async def test_fix_all_and_add_to_baseline(client, workdir):
    await start(client, workdir)
    path = workdir / "all.jsonl"
    text = text_of(HTML % 1, DUP_NEG, '{"query": " padded ", "relevant_passages": ["see https://x.example/a now"], "hard_negatives": ["a", "b", "c", "d", "e"]}')
    uri = path.as_uri()
    await open_doc(client, path, text)
    whole = types.Range(types.Position(0, 0), types.Position(3, 0))
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), whole, types.CodeActionContext([], only=["source.fixAll"])))
    fix_all = [a for a in actions if a.kind == "source.fixAll.rerank-lint"]
    assert len(fix_all) == 1
    fixed = apply_edits(text, fix_all[0].edit.changes[uri])
    assert_valid_jsonl(fixed)
    cli = Linter(Settings(min_unique_queries=1))
    assert not [d for d in cli.check_bytes(fixed.encode()) if d.fix is not None and d.fix.applicability.value == "safe"]
    # The suppression action writes the baseline and the diagnostic disappears.
    found = await diagnostics_for(client, uri, 1)
    target = next(d for d in found if d.code == "RL202")
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), target.range, types.CodeActionContext([target], only=["quickfix"])))
    baseline = next(a for a in actions if "baseline" in a.title)
    # pygls's client reads a code action that carries a command as a bare Command: accept both.
    command = baseline.command
    if isinstance(command, str):  # cattrs turned the nested command object into its repr
        command = ast.literal_eval(command)
    name, arguments = (command["command"], command["arguments"]) if isinstance(command, dict) else (command.command, command.arguments)
    client.published.pop(uri, None)
    await client.workspace_execute_command_async(types.ExecuteCommandParams(name, arguments))
    found = await diagnostics_for(client, uri, 1)
    assert sum(d.code == "RL202" for d in found) == 1  # one of the two RL202 findings of the record is suppressed
    entries = json.loads((workdir / "rerank-lint-baseline.json").read_text())["entries"]
    assert entries[0]["code"] == "RL202" and entries[0]["path"] == "all.jsonl"
    # The CLI reads the entry the same way, whatever folder it runs from.
    path.write_text(text)
    (workdir / "elsewhere").mkdir()
    checked = run_cli("check", path, "--baseline", workdir / "rerank-lint-baseline.json", "--format", "json",
                      cwd=workdir / "elsewhere")
    assert sum(d["code"] == "RL202" for d in json.loads(checked.stdout)) == 1, checked.stdout


@pytest.mark.asyncio
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
async def test_position_encodings(client, workdir, encoding):
    result = await start(client, workdir, encodings=[encoding])
    assert result.capabilities.position_encoding == encoding
    line = '{"query": "😀 日本 \\u00e9 <i>x</i> café", "relevant_passages": ["p"], "hard_negatives": ["a", "b", "c", "d", "e"]}'
    path = workdir / "enc.jsonl"
    found = await open_doc(client, path, text_of(line))
    tag = next(d for d in found if d.code == "RL202")
    start_index = to_index(line, tag.range.start.character, encoding)
    end_index = to_index(line, tag.range.end.character, encoding)
    assert line[start_index:end_index] == "<i>"
    # An edit after the emoji, in this encoding, lands where it should.
    col = {"utf-8": len(line[: line.index("<i>")].encode()), "utf-16": utf16_len(line[: line.index("<i>")]),
           "utf-32": line.index("<i>")}[encoding]
    change(client, path.as_uri(), 2, (0, col), (0, col + 3), "")
    found = await diagnostics_for(client, path.as_uri(), 2)
    assert [d.code for d in found if d.code == "RL202"] == ["RL202"]  # only </i> is left
    left = next(d for d in found if d.code == "RL202")
    new_line = line.replace("<i>", "", 1)
    assert new_line[to_index(new_line, left.range.start.character, encoding):to_index(new_line, left.range.end.character, encoding)] == "</i>"


@pytest.mark.asyncio
async def test_hover_code_lens_inlay_hints(client, workdir):
    await start(client, workdir)
    long = "word " * 700
    path = workdir / "hover.jsonl"
    text = text_of(f'{{"query": "what is bm25", "relevant_passages": ["{long}"], "hard_negatives": ["a", "b", "c", "d", "e"]}}', HTML % 2)
    uri = path.as_uri()
    await open_doc(client, path, text)
    hover = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 13)))
    assert "query" in hover.contents.value and "tokens" in hover.contents.value
    # The first line's hover names the trainer the file is judged by, and how it was chosen.
    assert "**trainer**" in hover.contents.value and "`cohere` (detected from the records" in hover.contents.value
    hover = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 60)))
    assert "cut after" in hover.contents.value and "RL301" in hover.contents.value
    col = (HTML % 2).index("<b>") + 1
    hover = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(1, col)))
    assert "RL202" in hover.contents.value and "Why it matters" in hover.contents.value
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(types.TextDocumentIdentifier(uri)))
    assert "2 records" in lenses[0].command.title and "1 over-budget" in lenses[0].command.title
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        types.TextDocumentIdentifier(uri), types.Range(types.Position(0, 0), types.Position(2, 0))))
    assert len(hints) == 2 and "/510 tokens" in hints[0].label


@pytest.mark.asyncio
async def test_a_client_that_pulls_gets_pull_only_and_a_refresh_for_results_it_did_not_ask_for(client, workdir):
    result = await start(client, workdir, pull=True)
    assert result.capabilities.diagnostic_provider is not None
    assert result.capabilities.diagnostic_provider.workspace_diagnostics is False
    path = workdir / "pull.jsonl"
    text = text_of(HTML % 1, GOOD % (1, 1))
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="jsonl", version=1, text=text)))
    pulled = await pull(client, uri)
    assert sorted(map(key_of_lsp, pulled)) == sorted(map(key_of_engine, fresh(text)))
    # An edit, then a pull: the diagnostics of the new text (the pull waits for the lint).
    col = (HTML % 1).index("<b>")
    change(client, uri, 2, (0, col), (0, col + 3), "")
    new_text = text.replace("<b>", "", 1)
    assert sorted(map(key_of_lsp, await pull(client, uri))) == sorted(map(key_of_engine, fresh(new_text)))
    # A config change is no edit of the client's: the server asks it to pull again.
    seen = client.refreshes
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"rerank-lint": {"ignore": ["RL202"]}}))
    await wait_for_refresh(client, seen)
    assert "RL202" not in {d.code for d in await pull(client, uri)}
    workspace = await client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[]))
    assert [r.uri for r in workspace.items] == [uri]
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))
    # Anything pushed would have arrived before the answers to the pulls above.
    await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 0)))
    assert client.published == {}


@pytest.mark.asyncio
@pytest.mark.parametrize("pull", [False, True], ids=["no-pull", "pull-without-refresh"])
async def test_a_client_that_cannot_pull_or_refresh_gets_push_and_no_diagnostic_provider(client, workdir, pull):
    # A client that pulls but has no workspace/diagnostic/refresh (Neovim 0.11) would never see
    # the results that arrive on their own: push is the one way that carries them.
    result = await start(client, workdir, pull=pull, refresh=False)
    assert result.capabilities.diagnostic_provider is None
    text = text_of(HTML % 1)
    found = await open_doc(client, workdir / "push.jsonl", text)
    assert sorted(map(key_of_lsp, found)) == sorted(map(key_of_engine, fresh(text)))
    assert client.refreshes == 0


@pytest.mark.asyncio
async def test_code_actions_follow_the_requested_range_with_distinct_titles(client, workdir):
    await start(client, workdir)
    path = workdir / "actions.jsonl"
    line = HTML % 1
    uri = path.as_uri()
    found = await open_doc(client, path, text_of(line, GOOD % (2, 2)))
    tags = sorted((d for d in found if d.code == "RL202"), key=lambda d: d.range.start.character)
    assert len(tags) == 2

    async def actions(r, context=()):
        result = await client.text_document_code_action_async(types.CodeActionParams(
            types.TextDocumentIdentifier(uri), r, types.CodeActionContext(list(context), only=["quickfix"])))
        return [a.title for a in result]

    # The cursor on `<b>`, without context diagnostics: its fix and its baseline entry only.
    at = types.Position(0, tags[0].range.start.character + 1)
    titles = await actions(types.Range(at, at))
    assert titles == ["Remove the HTML tag `<b>` (RL202)", "Add RL202 `<b>` to the rerank-lint baseline"]
    # The client names the diagnostic: the same, whatever the range.
    whole = types.Range(types.Position(0, 0), types.Position(1, 0))
    assert await actions(whole, [tags[1]]) == ["Remove the HTML tag `</b>` (RL202)",
                                              "Add RL202 `</b>` to the rerank-lint baseline"]
    # The whole line: every diagnostic of the line once, titles all different.
    titles = await actions(whole)
    on_line = [d for d in found if d.range.start.line == 0]
    assert len(titles) == len(set(titles))
    assert sum("baseline" in t for t in titles) == len(on_line)
    assert sum("(RL202)" in t for t in titles) == 2


@pytest.mark.asyncio
@pytest.mark.parametrize("how", ["initializationOptions", "didChangeConfiguration"])
async def test_an_explicit_config_file_replaces_the_search(client, workdir, how):
    # The nearest config (workdir/rerank-lint.toml) would keep RL202; the explicit one ignores it.
    explicit = workdir / "conf" / "strict.toml"
    explicit.parent.mkdir()
    explicit.write_text('min-unique-queries = 1\nignore = ["RL202"]\n')
    options = {"settings": {}, "configFile": str(explicit)} if how == "initializationOptions" else None
    await start(client, workdir, options=options)
    path = workdir / "explicit.jsonl"
    uri = path.as_uri()
    found = await open_doc(client, path, text_of(HTML % 1))
    if how == "didChangeConfiguration":
        assert "RL202" in {d.code for d in found}
        client.published.pop(uri)
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
            settings={"rerank-lint": {"configFile": "conf/strict.toml"}}))  # relative to the root
        found = await diagnostics_for(client, uri, 1)
    assert "RL202" not in {d.code for d in found} and "RL209" not in {d.code for d in found}
    # Its changes on disk are picked up like the found file's.
    explicit.write_text('min-unique-queries = 1\nignore = ["RL202", "RL408"]\n')
    client.published.pop(uri)
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        [types.FileEvent(explicit.as_uri(), types.FileChangeType.Changed)]))
    found = await diagnostics_for(client, uri, 1)
    assert not {"RL202", "RL408"} & {d.code for d in found}


@pytest.mark.asyncio
async def test_the_config_option_of_the_server_command(workdir):
    explicit = workdir / "strict.toml"
    explicit.write_text('min-unique-queries = 1\nignore = ["RL202"]\n')
    async with own_server("--config", str(explicit)) as client:
        await start(client, workdir)
        found = await open_doc(client, workdir / "cli.jsonl", text_of(HTML % 1))
        assert found and "RL202" not in {d.code for d in found}


@pytest.mark.asyncio
async def test_configuration_sources(client, workdir):
    await start(client, workdir, options={"settings": {"ignore": ["RL202"]}})
    path = workdir / "config.jsonl"
    text = text_of(HTML % 1, '{"query": "q", "relevant_passages": ["p"]}')
    uri = path.as_uri()
    found = await open_doc(client, path, text)
    codes = {d.code for d in found}
    assert "RL202" not in codes and "RL408" in codes
    # The editor's settings override: severity of RL408 becomes an error.
    client.published.pop(uri, None)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"rerank-lint": {"severity": {"RL408": "error"}}}))
    found = await diagnostics_for(client, uri, 1)
    assert next(d for d in found if d.code == "RL408").severity == types.DiagnosticSeverity.Error
    # The config file changes on disk: the server reloads it.
    (workdir / "rerank-lint.toml").write_text('min-unique-queries = 1\nignore = ["RL408"]\n')
    client.published.pop(uri, None)
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        [types.FileEvent((workdir / "rerank-lint.toml").as_uri(), types.FileChangeType.Changed)]))
    found = await diagnostics_for(client, uri, 1)
    assert "RL408" not in {d.code for d in found}


@pytest.mark.asyncio
async def test_train_eval_leak_with_the_eval_file_closed(client, workdir):
    (workdir / "rerank-lint.toml").write_text('min-unique-queries = 1\npairs = [{train = "train.jsonl", eval = "eval.jsonl"}]\n')
    (workdir / "eval.jsonl").write_text(text_of(GOOD % (5, 50)))
    await start(client, workdir)
    found = await open_doc(client, workdir / "train.jsonl", text_of(GOOD % (5, 51)))
    leak = next(d for d in found if d.code == "RL501")
    assert leak.related_information[0].location.uri == (workdir / "eval.jsonl").as_uri()


@pytest.mark.asyncio
async def test_the_server_survives_hostile_input(client, workdir):
    await start(client, workdir)
    path = workdir / "hostile.jsonl"
    text = "\x00\x01 not json\n" + '{"query": ' * 2000 + "\n\ufeff{}\n" + "\ud800".encode("utf-16", "surrogatepass").decode("utf-16", "replace") + "\n"
    uri = path.as_uri()
    await open_doc(client, path, text)
    # Edits far outside the text are clamped, not fatal.
    change(client, uri, 2, (9999, 5), (10000, 0), "{}")
    await diagnostics_for(client, uri, 2)
    hover = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(500, 3)))
    assert hover is None or hover.contents


@pytest.mark.asyncio
async def test_semantic_results_reach_a_pulling_client_with_status_notifications(workdir):
    pytest.importorskip("sentence_transformers", reason="the semantic extra is not installed")
    queries = ["How do I reset my password?", "What is the tallest mountain in Africa?",
               "How do vaccines train the immune system?", "What are the steps to reset my password?"]
    text = "".join(json.dumps({"query": q, "relevant_passages": [f"An answer to: {q}"],
                               "hard_negatives": [f"Something else entirely, number {i}."]}) + "\n"
                   for i, q in enumerate(queries))
    async with own_server(RERANK_LINT_CACHE_DIR=str(workdir / "cache")) as client:
        await start(client, workdir, pull=True, options={"settings": {"semantic": True}})
        uri = (workdir / "semantic.jsonl").as_uri()
        seen = client.refreshes
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="jsonl", version=1, text=text)))
        assert "RL601" not in {d.code for d in await pull(client, uri)}  # cheap rules first
        await wait_for_refresh(client, seen)  # the semantic results are in
        assert sorted(d.range.start.line for d in await pull(client, uri) if d.code == "RL601") == [0, 3]
        states = [state for state, _ in client.statuses]
        assert states == ["loading-model", "model-ready", "semantic-running", "idle"], client.statuses
        assert client.published == {}


@pytest.mark.asyncio
async def test_an_edit_keeps_the_semantic_results_in_place_until_its_own_pass(workdir):
    """Push mode: the cheap publish of an edited version carries the last semantic results,
    moved with their lines (no flicker, never at a stale place); the pass then publishes again
    only if its results differ, and says so in its status."""
    pytest.importorskip("sentence_transformers", reason="the semantic extra is not installed")

    def line(query, **extra):
        return json.dumps({"query": query, "relevant_passages": [f"An answer to: {query}"], **extra})

    lines = [line("How do I reset my password?"), line("What is the tallest mountain in Africa?"),
             line("How do vaccines train the immune system?"), line("What are the steps to reset my password?")]
    options = {"settings": {"semantic": True, "ignore": ["RL4", "RL602", "RL604", "RL607", "RL608"]}}
    async with own_server(RERANK_LINT_CACHE_DIR=str(workdir / "cache")) as client:
        await start(client, workdir, options=options)
        uri = (workdir / "carry.jsonl").as_uri()
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="jsonl", version=1, text="\n".join(lines) + "\n")))
        await wait_for_status(client, 0, "idle")
        assert paraphrase_lines(await diagnostics_for(client, uri, 1)) == [(0, 3), (3, 0)]
        # Hover on a query: its nearest other query, from the semantic pass.
        hover = await client.text_document_hover_async(types.HoverParams(
            types.TextDocumentIdentifier(uri), types.Position(0, 14)))
        assert "nearest query (cosine 0.9" in hover.contents.value
        assert "line 4): 'What are the steps to reset my password?'" in hover.contents.value

        async def edit(version, start, end, text):
            seen = len(client.statuses)
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                [types.TextDocumentContentChangePartial(range=types.Range(types.Position(*start), types.Position(*end)), text=text)]))
            await diagnostics_for(client, uri, version)
            status = await wait_for_status(client, seen, "idle")  # sent after a second publish
            publishes = [d for u, v, d in client.history if u == uri and v == version]
            return publishes[0], status, publishes

        # A line without semantic findings changes: the results stay, nothing is sent again.
        end = len(lines[1])
        cheap, status, publishes = await edit(2, (1, end - 1), (1, end - 1), ', "id": 7')
        assert paraphrase_lines(cheap) == [(0, 3), (3, 0)]
        assert "no change" in status and len(publishes) == 1

        # A line inserted between them: the carried results move with their lines (the one
        # above stays, its related place moves) ...
        cheap, status, publishes = await edit(3, (2, 0), (2, 0), line("Which river is the longest in Europe?") + "\n")
        assert paraphrase_lines(cheap) == [(0, 4), (4, 0)]
        # ... and the pass brings the messages up to date ("line 5", not "line 4").
        assert "no change" not in status and len(publishes) == 2
        final = sorted((d for d in publishes[-1] if d.code == "RL601"), key=lambda d: d.range.start.line)
        assert paraphrase_lines(final) == [(0, 4), (4, 0)] and "line 5" in final[0].message

        # One side of the pair is rewritten: both findings go at once, and the pass agrees.
        cheap, status, publishes = await edit(4, (0, 11), (0, 38), "What is the speed of light")
        assert paraphrase_lines(cheap) == []
        assert "no change" in status and len(publishes) == 1


def paraphrase_lines(diagnostics) -> list[tuple[int, int]]:
    """(line, line of the related query) of each RL601, in order."""
    return sorted((d.range.start.line, d.related_information[0].location.range.start.line)
                  for d in diagnostics if d.code == "RL601")
