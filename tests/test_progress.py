"""Progress on stderr for long runs: lines when stderr is not a terminal, nothing for short runs."""

import io

from rerank_lint.cli.progress import Progress


def test_no_line_for_a_short_run(monkeypatch):
    monkeypatch.delenv("RERANK_LINT_PROGRESS", raising=False)
    out = io.StringIO()
    progress = Progress("checking f", 100, stream=out, first=60)
    progress.update(50)
    progress.close()
    assert out.getvalue() == ""


def test_lines_when_not_a_terminal(monkeypatch):
    monkeypatch.delenv("RERANK_LINT_PROGRESS", raising=False)
    out = io.StringIO()
    progress = Progress("checking f", 4_000_000, stream=out, first=0, every=0)
    progress.update(1_000_000)
    progress.update(2_000_000)
    assert out.getvalue().splitlines()[0].startswith("checking f: 25% (1 of 4 MB")
    assert len(out.getvalue().splitlines()) == 2


def test_off_by_environment(monkeypatch):
    monkeypatch.setenv("RERANK_LINT_PROGRESS", "0")
    out = io.StringIO()
    progress = Progress("embedding", 10, "texts", stream=out, first=0, every=0)
    progress.advance(5)
    assert out.getvalue() == ""
