"""`check --jobs 2` gives exactly the output of `--jobs 1`: the file is split into byte ranges
whose text and record rules run in worker processes (rerank_lint/lint/parallel.py), and the
main process merges their diagnostics with the dataset rules' in one process's order.

The split is forced small with RERANK_LINT_RANGE_BYTES (by default only files of 16 MB or more
are split), down to one line per range, so that every range edge is crossed: duplicates whose
first occurrence lies in another range, invalid lines at the edges, blank runs across them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from helpers import REAL_DATA, cohere, offline_env, record
from rerank_lint.lint import parallel
from rerank_lint.lint.engine import Linter
from rerank_lint.output import FORMATS
from rerank_lint.settings import Settings

REAL_FILES = sorted(REAL_DATA.glob("*.jsonl")) if REAL_DATA.is_dir() else []


def run_check(path: Path, *args: str, jobs: int, range_bytes: int | None = None, progress: str = "0"):
    env = offline_env(RERANK_LINT_PROGRESS=progress)
    if range_bytes is not None:
        env[parallel.RANGE_BYTES_ENV] = str(range_bytes)
    return subprocess.run([sys.executable, "-m", "rerank_lint", "check", path.name, "--jobs", str(jobs), *args],
                          cwd=path.parent, capture_output=True, env=env, timeout=300)


def assert_same(path: Path, *args: str, range_bytes: int) -> subprocess.CompletedProcess:
    one = run_check(path, *args, jobs=1)
    two = run_check(path, *args, jobs=2, range_bytes=range_bytes)
    assert one.returncode in (0, 1), one.stderr
    assert (two.returncode, two.stdout.decode(), two.stderr.decode()) == (one.returncode, one.stdout.decode(), one.stderr.decode())
    return two


def crafted_file(tmp_path: Path) -> Path:
    """Every kind of line next to every other, so that with ranges of a line or a few lines each
    kind sits at a range's start and end: a BOM, duplicate queries and records far from their
    first occurrence, invalid JSON, a non-object, blank runs, CRLF, duplicate keys, text
    problems with fixes, a record over the token budget, no final newline."""
    long_passage = " ".join(f"word{i}" for i in range(700))
    lines = [
        "\ufeff" + cohere(query="first query", relevant=["<b>bold</b> passage"]),
        "{not json\n",
        cohere(query="second query", negatives=["same", "same", ""]),
        "\n", "  \n",
        "[1, 2]\n",
        cohere(query="First Query!", relevant=["another passage https://example.com"]),
        cohere(query="first query", relevant=["<b>bold</b> passage"]).replace("\n", "\r\n"),
        '{"query": "dup key", "query": "dup key", "relevant_passages": ["p"], "hard_negatives": ["n"]}\n',
        cohere(query="long one", relevant=[long_passage]),
        "\x00\x01 binary-ish\n",
        cohere(query="second query", negatives=["same", "same", ""]),
        record(query="relevant and negative", relevant_passages=["A"], hard_negatives=["A", "B"]),
        "\n",
        cohere(query="caf\u00e9  na\u00efve", relevant=["Caf\u00c3\u00a9 mojibake &amp; entity"]),
        '{"query": 5}\n',
        cohere(query="last query").rstrip("\n"),
    ]
    path = tmp_path / "crafted.jsonl"
    path.write_bytes("".join(lines).encode("utf-8"))
    return path


@pytest.mark.parametrize("range_bytes", [1, 150, 700])
def test_crafted_file_split_at_every_edge(tmp_path, range_bytes):
    path = crafted_file(tmp_path)
    result = assert_same(path, "--format", "json", "--statistics", range_bytes=range_bytes)
    found = {d["code"] for d in orjson.loads(result.stdout)}
    # The file reaches the cases it was written for.
    assert {"RL001", "RL004", "RL005", "RL006", "RL010", "RL203", "RL301", "RL402", "RL403", "RL406"} <= found, found


@pytest.mark.parametrize("output_format", sorted(FORMATS))
def test_every_output_format_is_the_same(tmp_path, output_format):
    assert_same(crafted_file(tmp_path), "--format", output_format, range_bytes=1)


def test_exit_codes_and_fail_level_are_the_same(tmp_path):
    path = crafted_file(tmp_path)
    for args in (("--fail-level", "error"), ("--select", "RL401")):
        assert_same(path, *args, range_bytes=1)


def test_format_decided_late_and_forced(tmp_path):
    """Ranges before the record that decides the format start without one; a forced format
    is known to every range."""
    lines = ["{broken\n", '{"query": "q"}\n', "\n"] + [cohere(query=f"q{i}") for i in range(6)]
    lines += [record(query="bge-looking", pos=["p"], neg=["n"])]
    path = tmp_path / "late.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    assert_same(path, "--format", "json", range_bytes=1)
    assert_same(path, "--format", "json", "--input-format", "bge", range_bytes=1)


@pytest.mark.skipif(not REAL_FILES, reason=f"real datasets not found at {REAL_DATA}")
@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_real_files_are_the_same(path):
    """Split into about 16 ranges: the JSON output, every field of every diagnostic (fixes,
    related places), in order, and the exit code (the other formats and the counts are drawn
    from the same diagnostics, as the crafted file shows)."""
    assert_same(path, "--format", "json", range_bytes=path.stat().st_size // 16 + 1)


def test_progress_is_shown_when_split(tmp_path):
    result = run_check(crafted_file(tmp_path), jobs=2, range_bytes=1, progress="1")
    assert "rerank-lint: checking crafted.jsonl" in result.stderr.decode()


class _NoPool:
    """A pool that must not be used."""

    def executor(self, workers):
        raise AssertionError("a worker pool was started")


@pytest.mark.parametrize("why", ["small", "one job", "semantic", "parquet"])
def test_in_process_when_splitting_cannot_pay(tmp_path, monkeypatch, why):
    path = crafted_file(tmp_path)
    settings = Settings().merged({"jobs": 1 if why == "one job" else 2})
    if why == "small":
        monkeypatch.delenv(parallel.RANGE_BYTES_ENV, raising=False)
    else:
        monkeypatch.setenv(parallel.RANGE_BYTES_ENV, "1")
    expected = Linter(settings).check_path(path, path.name)
    linter = Linter(settings, stop_on_config_error=True)
    if why == "semantic":
        monkeypatch.setattr(type(linter.rules[0]), "semantic", True)
    if why == "parquet":
        path = path.rename(tmp_path / "data.parquet")
        assert parallel._splittable_size(linter, path, 2) is None
        return
    got = [d for result in parallel.iter_path(linter, path, path.name, _NoPool()) for d in result.diagnostics]
    assert got == expected


def test_a_worker_failure_is_raised_at_its_line():
    """A check that raises in a worker (a configuration error found by a rule) stops the run at
    the same line as in one process: the lines before it keep their diagnostics."""
    merger = parallel._RangeMerger.__new__(parallel._RangeMerger)
    merger._current = parallel._RangeResult([(3, ["d3"])], failure=(5, ValueError("bad tokenizer")))
    merger._end, merger._next_found = 10, 0
    assert merger._items_of(3) == ["d3"]
    assert merger._items_of(4) == []
    with pytest.raises(ValueError, match="bad tokenizer"):
        merger._items_of(5)


def test_jobs_must_be_positive(tmp_path):
    result = run_check(crafted_file(tmp_path), jobs=0)
    assert result.returncode == 2 and b"jobs" in result.stderr
