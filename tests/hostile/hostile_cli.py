"""Running the real CLI on generated hostile inputs: exit code, output, and the child's peak
memory (the issue's blow-ups are only visible in a separate process: a test that imports the
linter would measure pytest's own heap)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from helpers import offline_env

LIMIT_S = 120  # CI shares two cores: generous, but a hang or a runaway allocation takes far longer
# A child that runs away is stopped by the kernel at this much address space instead of taking
# the machine down: the tests stay under their 2 GB peak even when the code under test is broken.
ADDRESS_SPACE_CAP = 1800 << 20


@dataclass
class Run:
    returncode: int
    stdout: bytes
    stderr: bytes
    peak_rss: int  # bytes
    elapsed: float

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8", "replace")

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8", "replace")

    def assert_no_traceback(self) -> None:
        assert b"Traceback" not in self.stdout + self.stderr, self.err[-3000:]


def _cap_memory(limit: int | None):
    def apply() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return apply


def run(*args, cwd: Path, env: dict | None = None, input: bytes = b"", cap: int | None = ADDRESS_SPACE_CAP,
        timeout: float = LIMIT_S, argv: list | None = None) -> Run:
    """`python -m rerank_lint ARGS` (or `argv`) in `cwd`; arguments may be bytes (file names
    that are not UTF-8)."""
    command = argv or [sys.executable, "-m", "rerank_lint", *args]
    started = time.monotonic()
    child = subprocess.Popen(command, cwd=cwd, env=env or offline_env(), stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_cap_memory(cap))
    chunks: dict[str, bytes] = {}

    def drain(name, stream):
        chunks[name] = stream.read()

    readers = [threading.Thread(target=drain, args=(n, s)) for n, s in (("out", child.stdout), ("err", child.stderr))]
    for r in readers:
        r.start()
    try:
        child.stdin.write(input)
        child.stdin.close()
    except BrokenPipeError:
        pass
    timer = threading.Timer(timeout, child.kill)
    timer.start()
    try:
        # wait4 gives this child's own peak, not the maximum over every child the tests ran.
        _, status, usage = os.wait4(child.pid, 0)
    finally:
        timer.cancel()
    child.returncode = os.waitstatus_to_exitcode(status)
    for r in readers:
        r.join()
    elapsed = time.monotonic() - started
    assert elapsed < timeout, f"{command[3:]} ran past {timeout}s"
    return Run(child.returncode, chunks["out"], chunks["err"], usage.ru_maxrss * 1024, elapsed)


def cohere_line(query="what is bm25", relevant=("BM25 is a ranking function.",), negatives=None, **extra) -> bytes:
    if negatives is None:
        negatives = [f"unrelated passage number {i}" for i in range(5)]
    return json.dumps({"query": query, "relevant_passages": list(relevant), "hard_negatives": list(negatives), **extra},
                      ensure_ascii=False).encode("utf-8") + b"\n"


def write(path: Path | bytes, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
