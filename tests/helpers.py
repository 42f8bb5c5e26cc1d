"""Test helpers: lint text in memory, build records, run the CLI (imported as `helpers`)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import orjson

from rerank_lint.config import Settings
from rerank_lint.engine import Linter

ROOT = Path(__file__).resolve().parent.parent
REAL_DATA = ROOT.parent / "shared" / "data" / "real"


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


def offline_env(**extra: str) -> dict[str, str]:
    """The environment for a rerank-lint process under test: network connections fail."""
    path = os.pathsep.join(p for p in (str(NO_NETWORK), os.environ.get("PYTHONPATH", "")) if p)
    return dict(os.environ, PYTHONPATH=path, PYTHONIOENCODING="utf-8", **extra)


def run_cli(*args, cwd: Path | None = None, input: bytes | None = None) -> subprocess.CompletedProcess:
    env = offline_env()
    return subprocess.run([sys.executable, "-m", "rerank_lint", *map(str, args)], cwd=cwd, capture_output=True,
                          input=input, env=env, timeout=300)
