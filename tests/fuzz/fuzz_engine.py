"""Coverage-guided fuzzing (atheris) of everything a hostile file reaches: the reader, the
parser, every cheap rule, the command line's whole `check` path (every output format), `--fix`
on a real file, and the language server's document updates (`TextDocument.apply` feeding the
`IncrementalLinter`).

    pip install atheris
    python tests/fuzz/fuzz_engine.py -max_total_time=600 -rss_limit_mb=1024 -timeout=20 \\
        -seed_inputs=examples/train.jsonl,tests/hostile/wrong_types.jsonl

For any bytes:
- no exception escapes, no rule fails (RL000), every range lies inside its line;
- the CLI exits 0 or 1, never with an internal error or a traceback, in every format;
- `--fix` keeps every line that parsed parsing (bar deleted duplicates), and a second `--fix`
  changes nothing;
- after random edits, the incremental linter gives what a fresh lint of the text gives (but
  for a text that looks binary, which a file check skips and an editor's document never is).
Memory is bounded by `-rss_limit_mb`, hangs by `-timeout` (seconds per input).
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import sys
import tempfile
import zlib
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["rerank_lint", "server"]):
    from rerank_lint.cli.main import main as cli_main
    from rerank_lint.lint.editor import IncrementalLinter
    from rerank_lint.lint.engine import Linter
    from rerank_lint.lint.fixes import plan_fixes, rewrite
    from rerank_lint.settings import Settings
    from rerank_lint.source import jsonparse
    from server.document import UTF16, TextDocument

# Every rule, RL407 included; a small budget so that the token rules run on short inputs.
SETTINGS = Settings().merged({"select": ["RL"], "extend-select": ["RL407"], "token-budget": 16})
LINTER = Linter(SETTINGS)
EDITOR_SETTINGS = Settings().merged({"token-budget": 16, "min-unique-queries": 3})
FORMATS = ["concise", "github", "json", "sarif", "junit", "gitlab", "rdjson"]
SCRATCH = Path(tempfile.mkdtemp(prefix="rerank-lint-fuzz-"))
os.environ.setdefault("RERANK_LINT_CACHE_DIR", str(SCRATCH / "cache"))


def _lines(data: bytes) -> list[bytes]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    # As the reader does: "\r\n" ends a line, a lone "\r" (even at the very end) is content.
    parts = data.split(b"\n")
    return [line.removesuffix(b"\r") for line in parts[:-1]] + [parts[-1]]


def _parses(line: bytes) -> bool:
    try:
        return isinstance(jsonparse.loads(line), dict)
    except jsonparse.JSONDecodeError:
        return False


def _engine(data: bytes) -> list:
    diagnostics = LINTER.check_bytes(data, "fuzz.jsonl")
    lines = _lines(data)
    for d in diagnostics:
        if d.code == "RL000":
            raise AssertionError(d.message)
        start, end = d.range.start, d.range.end
        if d.code == "RL009":
            continue
        assert 0 <= start.line <= end.line < max(len(lines), 1), d
        assert 0 <= start.byte <= len(lines[start.line]), d
        assert 0 <= end.byte <= len(lines[end.line]), d
    out = io.BytesIO()
    rewrite(io.BytesIO(data), out, plan_fixes(diagnostics, unsafe=True), LINTER)
    before = [l for l in lines if l.strip()]
    after = [l for l in _lines(out.getvalue()) if l.strip()]
    # Deleting a duplicate record removes a line that parsed; nothing else may lose one.
    deleted = sum(1 for d in diagnostics if d.code == "RL403")
    assert sum(map(_parses, after)) >= sum(map(_parses, before)) - deleted, (before, after)
    return diagnostics


def _cli(*args: str) -> tuple[int, str]:
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="surrogateescape")
    stderr = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="surrogateescape")
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = cli_main(list(args))
    stdout.flush()
    stderr.flush()
    err = stderr.buffer.getvalue().decode("utf-8", "replace")
    out = stdout.buffer.getvalue().decode("utf-8", "replace")
    assert code in (0, 1), (args, code, err)
    assert "internal error" not in err and "Traceback" not in out + err, (args, err)
    return code, out


def _command_line(data: bytes, rng: random.Random) -> None:
    path = SCRATCH / "fuzz.jsonl"
    path.write_bytes(data)
    _cli("check", str(path), "--format", rng.choice(FORMATS), "--token-budget", "16", "--extend-select", "RL407")
    fix = ("check", str(path), "--fix", "--exit-zero", *(["--unsafe-fixes"] if rng.random() < 0.5 else []))
    _cli(*fix)
    once = path.read_bytes()
    if rng.random() < 0.3:
        _cli("check", str(path), "--diff", "--exit-zero")
        assert path.read_bytes() == once, "--diff changed the file"
    _cli(*fix)
    assert path.read_bytes() == once, ("a second --fix changed the file", data, once)


def _editor(data: bytes, rng: random.Random) -> None:
    text = data.decode("utf-8", "replace")
    doc = TextDocument("file:///fuzz.jsonl", text, 1, UTF16)
    inc = IncrementalLinter(Linter(EDITOR_SETTINGS), "fuzz.jsonl")
    lines = doc.lines
    inc.splice(0, 0, doc.engine_line_count)
    inc.refresh(lambda i: doc.engine_line(i, lines))
    pieces = [line for line in text.split("\n") if line] or ["{}"]
    for _ in range(rng.randint(1, 4)):
        count = len(doc.lines)
        start = (rng.randrange(count + 1), rng.randrange(60))
        end = (min(count, start[0] + rng.choice([0, 0, 1, 2])), rng.randrange(60))
        new = rng.choice(["", "\n", rng.choice(pieces), rng.choice(pieces) + "\n", '"', "\u00e9\U0001F600", "\r\n"])
        splice = doc.apply(start, end, new)
        lines = doc.lines
        inc.splice(splice.start, splice.stop, splice.count)
        inc.refresh(lambda i: doc.engine_line(i, lines))
    content = doc.text().encode("utf-8", "surrogatepass")
    fresh = Linter(EDITOR_SETTINGS).check_bytes(content, "fuzz.jsonl")
    if any(d.code == "RL009" for d in fresh):
        return  # a file that looks binary is not checked; an editor's document is text, and is
    assert _comparable(inc.diagnostics()) == _comparable(fresh), (data, doc.text())


def _comparable(diagnostics) -> list:
    return sorted((d.code, d.range.start.line, d.range.start.byte, d.range.end.line, d.range.end.byte, d.message)
                  for d in diagnostics)


def test_one_input(data: bytes) -> None:
    _engine(data)
    rng = random.Random(zlib.crc32(data))  # the same input always takes the same path
    _command_line(data, rng)
    _editor(data, rng)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
