"""The rule lifecycle has one driver: the CLI, the editor path and the fixer see the same files the
same way. Each front end is run on the same files (the bundled example, a crafted file with every
kind of line problem, and the real datasets) and their findings are compared."""

from __future__ import annotations

import orjson
import pytest

from helpers import REAL_DATA, ROOT, run_cli
from rerank_lint.lint.editor import IncrementalLinter
from rerank_lint.lint.engine import Linter
from rerank_lint.rules.base import RecordRule, TextRule
from rerank_lint.rules.registry import REGISTRY
from rerank_lint.settings import Settings

CRAFTED = (
    b'\xef\xbb\xbf{"query": " what is bm25", "relevant_passages": ["<b>BM25</b> ranks"], "hard_negatives": ["a", "a", ""]}\r\n'
    b"\n\n"
    b'{"query": "what is bm25", "relevant_passages": ["BM25 ranks documents"], "hard_negatives": []}\n'
    b'{"query": "q", "pos": ["p  p"], "neg": ["n", "n"], "pos_scores": [1.0], "neg_scores": [0.1, 0.2]}\n'
    b'{"query": "broken", \n'
    b'[1, 2]\n'
    b'{"query": "no format keys", "passage": "https://example.com here"}'
)


def files():
    yield "example", (ROOT / "examples" / "train.jsonl").read_bytes()
    yield "crafted", CRAFTED
    if REAL_DATA.is_dir():
        for path in sorted(REAL_DATA.glob("*.jsonl")):
            if path.stat().st_size < 2_000_000:
                yield path.name, path.read_bytes()


def key(d):
    fix = None if d.fix is None else (d.fix.description, tuple(sorted(map(repr, d.fix.edits))), d.fix.applicability)
    return (d.code, d.range.start.line, d.range.start.char, d.range.end.line, d.range.end.char, d.message, fix)


def split(text: bytes) -> list[tuple[bytes, bytes, bool]]:
    lines = []
    parts = text.split(b"\n")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if last and part == b"":
            break
        bom = i == 0 and part.startswith(b"\xef\xbb\xbf")
        part = part[3:] if bom else part
        ending = b"" if last else b"\n"
        if ending and part.endswith(b"\r"):
            part, ending = part[:-1], b"\r\n"
        lines.append((part, ending, bom))
    return lines


@pytest.mark.parametrize("input_format", ["auto", "bge"])
@pytest.mark.parametrize("name,data", list(files()), ids=[name for name, _ in files()])
def test_cli_editor_and_fixer_agree(tmp_path, name, data, input_format):
    settings = Settings(format=input_format)
    linter = Linter(settings)
    engine = sorted(map(key, linter.check_bytes(data, "t.jsonl")))

    # The editor path: the same text through the incremental linter the language server keeps.
    editor = IncrementalLinter(Linter(settings), "t.jsonl")
    editor.reset(split(data))
    assert sorted(map(key, editor.diagnostics())) == engine

    # The CLI: the same findings, by code, line, columns and message.
    path = tmp_path / "t.jsonl"
    path.write_bytes(data)
    result = run_cli("check", str(path), "--format", "json", "--exit-zero", "--input-format", input_format, cwd=tmp_path)
    found = orjson.loads(result.stdout)
    cli = sorted((d["code"], d["location"]["row"] - 1, d["message"]) for d in found)
    assert cli == sorted((k[0], k[1], k[5]) for k in engine)

    # The fixer re-checks one line at a time: for each record, it is offered exactly the fixes
    # that the whole-file check gave that line's own text and record rules.
    own: dict[int, set] = {}
    for d in linter.check_bytes(data, "t.jsonl"):
        if d.fix is not None and issubclass(REGISTRY[d.code], (TextRule, RecordRule)):
            own.setdefault(d.range.start.line, set()).add(repr(d.fix))
    contents = [c for c, _, _ in split(data)]
    for line, content in enumerate(contents):
        offered = {repr(f) for f in linter.record_fixes(line, content, linter.forced_schema)}
        assert offered == own.get(line, set()), (name, line)
