"""Coverage-guided fuzzing (atheris) of the reader, the parser, every cheap rule and the fixes.

    pip install atheris
    python tests/fuzz/fuzz_engine.py -max_total_time=300 -seed_inputs=examples/train.jsonl,tests/hostile/wrong_types.jsonl

For any bytes: no exception escapes, no rule fails (RL000), every range lies inside its line,
and fixing never turns a line that parsed into one that does not.
"""

from __future__ import annotations

import io
import sys

import atheris

with atheris.instrument_imports(include=["rerank_lint"]):
    import orjson

    from rerank_lint.settings import Settings
    from rerank_lint.lint.engine import Linter
    from rerank_lint.lint.fixes import plan_fixes, rewrite

# Every rule, RL407 included; a small budget so that the token rules run on short inputs.
LINTER = Linter(Settings().merged({"select": ["RL"], "extend-select": ["RL407"], "token-budget": 16}))


def _lines(data: bytes) -> list[bytes]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    # As the reader does: "\r\n" ends a line, a lone "\r" (even at the very end) is content.
    parts = data.split(b"\n")
    return [line.removesuffix(b"\r") for line in parts[:-1]] + [parts[-1]]


def _parses(line: bytes) -> bool:
    try:
        return isinstance(orjson.loads(line), dict)
    except orjson.JSONDecodeError:
        return False


def test_one_input(data: bytes) -> None:
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
    parsed_before = sum(map(_parses, before))
    parsed_after = sum(map(_parses, after))
    # Deleting a duplicate record removes a line that parsed; nothing else may lose one.
    deleted = sum(1 for d in diagnostics if d.code == "RL403")
    assert parsed_after >= parsed_before - deleted, (parsed_before, parsed_after)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
