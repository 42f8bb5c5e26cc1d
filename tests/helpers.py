"""Test helpers: lint text in memory, build records, run the CLI (imported as `helpers`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson

from rerank_lint.settings import Settings
from rerank_lint.lint.engine import Linter

ROOT = Path(__file__).resolve().parent.parent
# The real datasets: $RERANK_LINT_REAL_DATA, else ../shared/data/real beside the checkout.
REAL_DATA = Path(os.environ.get("RERANK_LINT_REAL_DATA") or ROOT.parent / "shared" / "data" / "real")


def settings(**overrides) -> Settings:
    """Default settings with overrides given as TOML keys (`token_budget` or `token-budget`)."""
    raw = {k.replace("_", "-"): v for k, v in overrides.items()}
    return Settings().merged(raw) if raw else Settings()


def lint(data: bytes | str, **overrides):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return Linter(settings(**overrides)).check_bytes(data, "t.jsonl")


def codes(diagnostics) -> list[str]:
    return [d.code for d in diagnostics]


def only(diagnostics, code: str):
    return [d for d in diagnostics if d.code == code]


def record(**fields) -> str:
    return orjson.dumps(fields).decode() + "\n"


def cohere(query="what is bm25", relevant=("BM25 is a ranking function.",), negatives=None, **extra) -> str:
    if negatives is None:
        negatives = [f"unrelated passage number {i}" for i in range(5)]
    return record(query=query, relevant_passages=list(relevant), hard_negatives=list(negatives), **extra)


def clean_dataset(n: int = 300) -> str:
    """A file that passes every default check: n distinct queries, five negatives each."""
    lines = []
    for i in range(n):
        lines.append(cohere(
            query=f"question {i} about topic {i * 7 % 13}",
            relevant=[f"Passage {i} answers question {i}."],
            negatives=[f"Passage {i}-{j} is on topic {j} but does not answer it." for j in range(5)],
        ))
    return "".join(lines)


def slice_bytes(content: bytes, diagnostic) -> bytes:
    return content[diagnostic.range.start.byte:diagnostic.range.end.byte]


NO_NETWORK = Path(__file__).parent / "nonet"


# Size of the stress tests' huge lines (marked `slow`): small by default so that the whole suite
# stays a few minutes on a laptop; CI sets RERANK_LINT_STRESS_MB=100 for the full size.
STRESS_MB = int(os.environ.get("RERANK_LINT_STRESS_MB", "20"))


def offline_env(**extra: str) -> dict[str, str]:
    """The environment for a rerank-lint process under test: network connections fail."""
    path = os.pathsep.join(p for p in (str(NO_NETWORK), os.environ.get("PYTHONPATH", "")) if p)
    # No progress lines: a slow shared machine must not put them in the stderr tests check.
    return dict(os.environ, PYTHONPATH=path, PYTHONIOENCODING="utf-8", **{"RERANK_LINT_PROGRESS": "0", **extra})


def run_cli(*args, cwd: Path | None = None, input: bytes | None = None) -> subprocess.CompletedProcess:
    env = offline_env()
    return subprocess.run([sys.executable, "-m", "rerank_lint", *map(str, args)], cwd=cwd, capture_output=True,
                          input=input, env=env, timeout=300)


def content_lines(data: bytes) -> list[bytes]:
    """Lines as the reader sees them: no BOM, "\r\n" or "\n" ends a line, a lone "\r" is content."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    parts = data.split(b"\n")
    return [line.removesuffix(b"\r") for line in parts[:-1]] + [parts[-1]]


def key_of(diagnostic, source: list[bytes]) -> str | None:
    """The top-level key whose value holds the start of a diagnostic."""
    from rerank_lint.source.spans import locate

    spans = locate(source[diagnostic.range.start.line])
    if spans is None:
        return None
    for key, field_spans in spans.fields.items():
        span = field_spans[-1]
        if span.value_start <= diagnostic.range.start.byte <= span.value_end:
            return key
    return None


def check_only_fixed_strings(before: bytes, after: bytes, allowed: set) -> None:
    """`after` (a fixed `before`) parses wherever `before` did, keeps every record, its keys and
    the bytes between values, and changes only the values in `allowed` ((line, key) of a fix;
    a BGE score list may change with its passages)."""
    from rerank_lint.source.spans import locate

    old_lines = [(n, line) for n, line in enumerate(content_lines(before)) if line.strip()]
    new_lines = [line for line in content_lines(after) if line.strip()]
    assert len(new_lines) == len(old_lines), (before, after)  # no record lost
    for (number, old), new in zip(old_lines, new_lines):
        try:
            old_record = orjson.loads(old)
        except orjson.JSONDecodeError:
            assert new == old  # a line that does not parse is never touched
            continue
        new_record = orjson.loads(new)  # still parses
        assert list(old_record) == list(new_record)
        old_spans, new_spans = locate(old), locate(new)
        for key in old_record:
            o, n = old_spans.field(key), new_spans.field(key)
            if old[o.value_start:o.value_end] != new[n.value_start:n.value_end]:
                owner = {"neg_scores": "neg", "pos_scores": "pos"}.get(key, key)
                assert (number, owner) in allowed, (key, old, new, allowed)
        assert [old[f.key_start:f.key_end] for f in (old_spans.field(k) for k in old_record)] == \
            [new[f.key_start:f.key_end] for f in (new_spans.field(k) for k in new_record)]
