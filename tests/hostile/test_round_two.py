"""Issue 15: what a hostile file, name or config could still do. One test per item, each on
inputs it generates in a tmp dir, through the real CLI (and, for item 9, the real language
server) in a child process whose peak memory is measured and capped."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from helpers import NO_NETWORK, offline_env
from hostile_cli import cohere_line, run, write

MB = 1 << 20


def baseline_rss(tmp_path: Path) -> int:
    small = tmp_path / "small.jsonl"
    small.write_bytes(cohere_line())
    return run("check", small.name, cwd=tmp_path).peak_rss


# 1 ------------------------------------------------------------------------------------------

def test_01_a_long_line_with_a_problem_costs_a_bounded_multiple_of_its_size(tmp_path):
    base = baseline_rss(tmp_path)
    size = 8 * MB  # the issue measured 1.3 GB for 10 MB: small enough to stay under the cap if broken
    passage = "lorem ipsum dolor sit amet " * (size // 27) + " see http://example.com <b>x</b>"
    path = tmp_path / "long.jsonl"
    path.write_bytes(cohere_line(relevant=[passage]))
    result = run("check", path.name, "--select", "RL2", cwd=tmp_path)
    result.assert_no_traceback()
    assert result.returncode == 1 and "RL201" in result.out and "RL202" in result.out, result.err[-2000:]
    # Reading the line, its parse and its spans need a few copies; the regex blow-up needed 130.
    assert result.peak_rss - base < 20 * size, (result.peak_rss, base)


# 2 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["--baseline", "--tokenizer", "--config"])
def test_02_files_besides_the_data_are_read_with_a_size_limit(tmp_path, how):
    path = tmp_path / "train.jsonl"
    path.write_bytes(cohere_line(relevant=["word " * 3000]))  # long enough that the tokenizer is loaded
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as f:
        f.truncate(4 << 30)  # sparse: 4 GB of zeros that take no disk
    # /dev/zero never ends and has no size to check beforehand; the tokenizer refuses it already.
    targets = [huge.name] + (["/dev/zero"] if how != "--tokenizer" else [])
    for target in targets:
        # Without a limit the child reads until the address-space cap stops it.
        result = run("check", path.name, how, target, cwd=tmp_path, cap=1200 * MB, timeout=60)
        result.assert_no_traceback()
        assert result.returncode == 2, (target, result.returncode, result.err[-2000:])
        assert target in result.err and re.search(r"too (large|big)|size|bytes|not a (regular )?file", result.err), result.err[-2000:]
        assert result.peak_rss < 600 * MB


# 3 ------------------------------------------------------------------------------------------

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")


def test_03_names_and_snippets_cannot_inject_commands_or_terminal_sequences(tmp_path):
    name = "a\n::add-mask::b\x1b[2J.jsonl"
    record = b'{"query": "q\\u001b]0;owned\\u0007", "relevant_passages": ["p"], "x\\n::add-mask::k\\u001b[2J": 1}\n'
    (tmp_path / name).write_bytes(record)
    summary = tmp_path / "summary.md"
    for fmt in ("concise", "github"):
        env = offline_env(GITHUB_STEP_SUMMARY=str(summary))
        result = run("check", ".", "--format", fmt, "--exit-zero", cwd=tmp_path, env=env)
        result.assert_no_traceback()
        assert result.returncode == 0 and "RL106" in result.out, result.err[-2000:]
        for line in result.out.splitlines():
            # Every line is ours: a problem, a related place (indented) or a summary line.
            if fmt == "concise":
                assert not line.startswith("::"), line
            else:
                assert re.match(r"::(error|warning|notice) ", line), line  # `::add-mask::` never starts one
        assert CONTROL.search(result.out) is None, [c for c in CONTROL.findall(result.out)]
    text = summary.read_text(encoding="utf-8")
    assert CONTROL.search(text) is None and not any(line.startswith("::") for line in text.splitlines())


# 4 ------------------------------------------------------------------------------------------

def test_04_junit_xml_always_parses(tmp_path):
    name = os.fsencode(tmp_path) + b"/bad\xff\x01name.jsonl"
    write(name, b'{"query": "q\\u0001\\u001b", "relevant_passages": ["p"], "k\\u0002\\ufffe": 1}\n')
    result = run("check", ".", "--format", "junit", cwd=tmp_path)
    result.assert_no_traceback()
    assert result.returncode == 1, result.err[-2000:]
    root = ET.fromstring(result.stdout)  # raises on any character XML forbids
    failures = root.findall(".//failure")
    assert failures and any("RL204" in (f.text or "") for f in failures)
    suite = root.find("testsuite").get("name")
    assert "\\xff" in suite and "\\x01" in suite  # the undecodable byte and the control, visible


# 5 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "sarif", "gitlab", "rdjson"])
def test_05_a_file_name_that_is_not_utf8_is_shown_escaped(tmp_path, fmt):
    write(os.fsencode(tmp_path) + b"/caf\xe9.jsonl", cohere_line(query="  q"))
    result = run("check", ".", "--format", fmt, cwd=tmp_path)
    result.assert_no_traceback()
    assert result.returncode == 1, (result.returncode, result.err[-2000:])  # problems found, and shown
    document = json.loads(result.stdout)
    text = json.dumps(document)
    assert "caf\\\\xe9.jsonl" in text or "caf%E9.jsonl" in text, text[:2000]


def test_05_report_on_a_file_name_that_is_not_utf8(tmp_path):
    write(os.fsencode(tmp_path) + b"/caf\xe9.jsonl", cohere_line())
    for fmt in ("html", "markdown"):
        result = run("report", os.fsencode(tmp_path) + b"/caf\xe9.jsonl", "--format", fmt, cwd=tmp_path)
        result.assert_no_traceback()
        assert result.returncode == 0, result.err[-2000:]
        assert "caf\\xe9.jsonl" in result.out


# 6 ------------------------------------------------------------------------------------------

def _fixed(tmp_path: Path, record: bytes, *args) -> tuple[dict, bytes]:
    path = tmp_path / "fix.jsonl"
    path.write_bytes(record)
    result = run("check", path.name, "--fix", "--exit-zero", *args, cwd=tmp_path)
    result.assert_no_traceback()
    assert result.returncode == 0, result.err[-2000:]
    after = path.read_bytes()
    return json.loads(after), after


def test_06_safe_fixes_keep_the_meaning(tmp_path):
    code = "def f():\n    if x:\n        return 1"
    fixed, _ = _fixed(tmp_path, cohere_line(relevant=[code]))
    assert fixed["relevant_passages"][0] == code  # indentation is the code's syntax

    fixed, _ = _fixed(tmp_path, cohere_line(query="\u200b"))
    assert fixed["query"] != ""  # an empty query is an error the platform rejects

    fixed, _ = _fixed(tmp_path, cohere_line(relevant=["a &amp;lt;script&amp;gt; b"]))
    text = fixed["relevant_passages"][0]
    assert "&lt;script&gt;" in text, text  # decoded once, only what was there

    deep = "x " + "&" + "amp;" * 150 + "lt; y"
    _, once = _fixed(tmp_path, cohere_line(relevant=[deep]))
    _, twice = _fixed(tmp_path, once)
    assert twice == once  # a fixed file is a fixed point


# 7 ------------------------------------------------------------------------------------------

def test_07_fix_keeps_links_refuses_read_only_files_and_leaves_no_temporary(tmp_path):
    bad = cohere_line(query="  padded query")
    target = tmp_path / "target.jsonl"
    target.write_bytes(bad)
    link = tmp_path / "link.jsonl"
    link.symlink_to(target.name)
    result = run("check", link.name, "--fix", "--exit-zero", cwd=tmp_path)
    result.assert_no_traceback()
    assert link.is_symlink(), "the link was replaced by a regular file"
    assert json.loads(target.read_bytes())["query"] == "padded query", "the target was left unfixed"

    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_bytes(bad)
    os.link(first, second)
    run("check", first.name, "--fix", "--exit-zero", cwd=tmp_path).assert_no_traceback()
    assert os.path.samefile(first, second) and json.loads(second.read_bytes())["query"] == "padded query"

    locked = tmp_path / "locked.jsonl"
    locked.write_bytes(bad)
    locked.chmod(0o444)
    result = run("check", locked.name, "--fix", cwd=tmp_path)
    result.assert_no_traceback()
    assert locked.read_bytes() == bad and stat.S_IMODE(locked.stat().st_mode) == 0o444
    assert result.returncode == 2 and "read-only" in result.err, (result.returncode, result.err[-2000:])

    # A fix interrupted by SIGTERM must not leave its temporary file behind.
    big = tmp_path / "big.jsonl"
    big.write_bytes(b"".join(cohere_line(query=f"  query {i}") for i in range(40_000)))
    child = subprocess.Popen([sys.executable, "-m", "rerank_lint", "check", big.name, "--fix"], cwd=tmp_path,
                             env=offline_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.poll() is None and not list(tmp_path.glob(".big.jsonl*")):
        time.sleep(0.005)
    interrupted_while_writing = bool(list(tmp_path.glob(".big.jsonl*")))
    child.send_signal(signal.SIGTERM)
    child.communicate(timeout=60)
    assert interrupted_while_writing, "the fix ended before its temporary file was seen: the file is too small"
    assert list(tmp_path.glob(".big.jsonl*")) == []


# 8 ------------------------------------------------------------------------------------------

def test_08_impossible_paths_are_errors_not_tracebacks(tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_bytes(cohere_line())
    for path in ("x" * 300 + ".jsonl", "/".join(["y" * 200] * 25) + "/t.jsonl"):
        result = run("check", path, cwd=tmp_path)
        result.assert_no_traceback()
        assert result.returncode == 2 and result.err.strip(), (result.returncode, result.err[-2000:])
    (tmp_path / "out").mkdir()
    for output in ("out", "missing/dir/out.html"):
        result = run("report", data.name, "-o", output, cwd=tmp_path)
        result.assert_no_traceback()
        if result.returncode == 0:  # creating the missing folders is as good as refusing
            assert (tmp_path / output).is_file()
        else:
            assert result.returncode == 2 and output in result.err, (result.returncode, result.err[-2000:])


# 9 ------------------------------------------------------------------------------------------

def _lsp(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return f"Content-Length: {len(body)}\r\n\r\n".encode() + body


def _read_message(stream, deadline: float) -> dict | None:
    """The server's answer to request 1."""
    return _answers(stream, {1}, deadline).get(1)


def _answers(stdout, ids: set, deadline: float) -> dict:
    """The server's answers to the requests `ids` (by id), as many as came before `deadline`."""
    import select

    buffer, found = b"", {}
    while ids - found.keys() and time.monotonic() < deadline:
        ready, _, _ = select.select([stdout], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(stdout.fileno(), 65536) if ready else b""
        if not chunk:
            break
        buffer += chunk
        while b"\r\n\r\n" in buffer:
            header, rest = buffer.split(b"\r\n\r\n", 1)
            length = int(re.search(rb"Content-Length: *(\d+)", header, re.I).group(1))
            if len(rest) < length:
                break
            message, buffer = json.loads(rest[:length]), rest[length:]
            if message.get("id") in ids:
                found[message["id"]] = message
    return found


def test_09_a_huge_content_length_does_not_kill_the_server(tmp_path):
    child = subprocess.Popen([sys.executable, "-m", "rerank_lint", "server"], cwd=tmp_path, env=offline_env(),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=lambda: __import__("resource").setrlimit(
                                 __import__("resource").RLIMIT_AS, (1800 * MB, 1800 * MB)))
    try:
        child.stdin.write(b"Content-Length: 1000000000000\r\n\r\n{\"jsonrpc\": \"2.0\"}")
        child.stdin.write(_lsp({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                "params": {"processId": None, "rootUri": None, "capabilities": {}}}))
        child.stdin.flush()
        answer = _read_message(child.stdout, time.monotonic() + 60)
        assert child.poll() is None, child.stderr.read().decode("utf-8", "replace")[-2000:]
        assert answer is not None and "result" in answer and "capabilities" in answer["result"], answer
    finally:
        child.kill()
        child.communicate(timeout=30)


# 10 -----------------------------------------------------------------------------------------

def test_10_valid_json_with_huge_numbers_is_not_invalid(tmp_path):
    path = tmp_path / "numbers.jsonl"
    path.write_bytes(b'{"query": "q1", "relevant_passages": ["p"], "n": 1e400}\n'
                     b'{"query": "q2", "relevant_passages": ["p"], "n": ' + b"9" * 10_000 + b"}\n"
                     b'{"query": "q3", "relevant_passages": ["p"], "n": -1e-400}\n')
    result = run("check", path.name, "--select", "RL0,RL1", cwd=tmp_path)
    result.assert_no_traceback()
    assert "RL001" not in result.out, result.out
    assert result.returncode in (0, 1) and "RL106" in result.out  # the records were read: `n` is unknown


# 11 -----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_11_a_poisoned_embedding_cache_changes_no_result(tmp_path):
    pytest.importorskip("sentence_transformers", reason="the semantic extra is not installed")
    import numpy as np

    data = tmp_path / "train.jsonl"
    topics = ["bm25 ranking", "cross encoders", "hard negatives", "tokenizers", "sqlite caches", "unicode"]
    data.write_bytes(b"".join(cohere_line(query=f"what about {t} {i}", relevant=[f"A passage on {t}, number {i}."],
                                          negatives=[f"Something else entirely: {u} {i}." for u in topics if u != t])
                              for i in range(4) for t in topics))
    cache = tmp_path / "cache"
    env = offline_env(RERANK_LINT_CACHE_DIR=str(cache))
    args = ("check", data.name, "--semantic", "--select", "RL6", "--exit-zero")
    clean = run(*args, cwd=tmp_path, env=env, cap=None, timeout=300)
    clean.assert_no_traceback()
    assert clean.returncode == 0, clean.err[-2000:]

    def poison(vector_of) -> None:
        db = sqlite3.connect(cache / "embeddings.sqlite3")
        rows = [key for (key,) in db.execute("SELECT key FROM embedding")]
        assert rows
        for n, key in enumerate(rows):
            vector = vector_of(n)
            if vector is not None:
                db.execute("UPDATE embedding SET vector = ? WHERE key = ?", (vector, key))
        db.commit()
        db.close()

    # Every row two numbers wide (unit-length, so only the width gives it away): the case.
    poison(lambda n: np.array([0.6, 0.8], dtype=np.float32).tobytes())
    poisoned = run(*args, cwd=tmp_path, env=env, cap=None, timeout=300)
    poisoned.assert_no_traceback()
    assert poisoned.out == clean.out
    assert poisoned.err.count("invalid embeddings") == 1, poisoned.err[-2000:]
    # Half the rows NaN at the right width; the other half must have been recomputed and kept.
    poison(lambda n: np.full(384, np.nan, dtype=np.float32).tobytes() if n % 2 else None)
    poisoned = run(*args, cwd=tmp_path, env=env, cap=None, timeout=300)
    assert poisoned.out == clean.out
    assert poisoned.err.count("invalid embeddings") == 1, poisoned.err[-2000:]


# 12 -----------------------------------------------------------------------------------------

def test_12_a_backtick_in_a_file_name_stays_inside_the_markdown_code_span(tmp_path):
    name = "a`b``c.jsonl"
    (tmp_path / name).write_bytes(cohere_line())
    result = run("report", name, "--format", "markdown", cwd=tmp_path)
    result.assert_no_traceback()
    assert result.returncode == 0, result.err[-2000:]
    heading = result.out.splitlines()[0]
    span = re.fullmatch(r"### rerank-lint report: (`+) ?(.*?) ?\1", heading)
    assert span and len(span.group(1)) > 2 and span.group(2) == name, heading  # the fence outruns every run inside


# 13 -----------------------------------------------------------------------------------------

def test_13_duplicate_deletion_compares_bytes_not_only_hashes(tmp_path):
    # A 64-bit collision cannot be found in a test: the child's record hash is made constant,
    # so every pair of records collides, and only a byte comparison can keep distinct ones.
    patch = tmp_path / "patch"
    patch.mkdir()
    (patch / "sitecustomize.py").write_text(
        "import runpy\n"
        f"runpy.run_path({str(NO_NETWORK / 'sitecustomize.py')!r})\n"
        "from rerank_lint.source import records\n"
        "records.Record.content_hash = property(lambda self: 42)\n"
        f"open({str(tmp_path / 'patched')!r}, 'w').close()\n")
    lines = [cohere_line(query=f"query number {i}", relevant=[f"passage {i}"]) for i in range(3)]
    path = tmp_path / "train.jsonl"
    path.write_bytes(b"".join(lines))
    env = dict(offline_env(), PYTHONPATH=str(patch))
    result = run("check", path.name, "--fix", "--unsafe-fixes", "--exit-zero", cwd=tmp_path, env=env)
    result.assert_no_traceback()
    assert result.returncode == 0, result.err[-2000:]
    assert (tmp_path / "patched").exists(), "the child ran without the colliding hash"
    assert path.read_bytes() == b"".join(lines), "distinct records were deleted as duplicates"


# A message whose fields do not fit its method ------------------------------------------------

def test_a_malformed_request_gets_an_invalid_params_error_and_the_server_goes_on(tmp_path):
    """An `initialize` without `capabilities` was a traceback on stderr and no answer at all:
    the client waited for ever. It is a JSON-RPC error naming the field, with one log line."""
    child = subprocess.Popen([sys.executable, "-m", "rerank_lint", "server"], cwd=tmp_path, env=offline_env(),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for message in ({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}},
                        [1, 2],
                        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///x"}}},
                        {"jsonrpc": "2.0", "id": 2, "method": "initialize", "params": {"capabilities": {}}},
                        {"jsonrpc": "2.0", "id": 3, "method": "textDocument/hover", "params": {"position": {"line": "a"}}},
                        {"jsonrpc": "2.0", "id": 4, "method": "shutdown"}):
            child.stdin.write(_lsp(message))
        child.stdin.flush()
        answers = _answers(child.stdout, {1, 2, 3, 4}, time.monotonic() + 60)
        child.stdin.write(_lsp({"jsonrpc": "2.0", "method": "exit"}))
        child.stdin.flush()
        child.wait(timeout=30)
        stderr = child.stderr.read().decode("utf-8", "replace")
    finally:
        child.kill()
        child.communicate(timeout=30)
    assert answers[1]["error"]["code"] == -32602, answers
    assert "params.capabilities" in answers[1]["error"]["message"], answers[1]
    assert "capabilities" in answers[2]["result"], answers[2]  # the next initialize works
    assert answers[3]["error"]["code"] == -32602 and "params.textDocument" in answers[3]["error"]["message"], answers[3]
    assert answers[4]["result"] is None and child.returncode == 0
    assert "Traceback" not in stderr, stderr
    assert "ignored the request 'initialize'" in stderr and "ignored the notification 'textDocument/didOpen'" in stderr, stderr
    assert "ignored a message: a JSON-RPC message must be an object" in stderr, stderr
