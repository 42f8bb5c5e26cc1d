"""Responsiveness of `rerank-lint server` on a 20,000-record file, incremental against a full
re-lint of the document on every edit, in one run.

A minimal LSP client over stdio (JSON-RPC framing, orjson) drives the real server process, so
the figures include message serialization and transport; it parses what it receives with
orjson rather than through cattrs so that the client's own cost stays out of the numbers.

    python bench/bench_lsp.py [--records 20000] [--edits 40] [--full-edits 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real" / "cohere_synthetic_finetune.jsonl"


def make_dataset(records: int) -> str:
    """Real Cohere records, repeated with numbered queries so that they stay distinct."""
    if REAL.is_file():
        base = [orjson.loads(l) for l in REAL.read_bytes().splitlines() if l.strip()]
    else:
        base = [{"query": "what is bm25", "relevant_passages": ["BM25 is a ranking function " * 20],
                 "hard_negatives": [f"negative {i} " * 15 for i in range(5)]}]
    lines = []
    for i in range(records):
        record = dict(base[i % len(base)])
        record["query"] = f"{record['query']} (#{i})"
        lines.append(orjson.dumps(record).decode())
    return "\n".join(lines) + "\n"


class Client:
    def __init__(self, env: dict):
        self.env = env
        self.next_id = 0
        self.waiters: dict[int, asyncio.Future] = {}
        self.published: dict[int, float] = {}  # version -> arrival time
        self.publish_event = asyncio.Event()

    async def start(self):
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "rerank_lint", "server", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, env={**os.environ, **self.env}, limit=2**30)
        self.reader = asyncio.create_task(self._read())

    async def _read(self):
        out = self.proc.stdout
        while True:
            header = await out.readuntil(b"\r\n\r\n")
            length = int(next(l for l in header.split(b"\r\n") if l.lower().startswith(b"content-length")).split(b":")[1])
            body = await out.readexactly(length)
            now = time.perf_counter()  # delivered; the client's own JSON parsing is not the server's latency
            message = orjson.loads(body)
            if "id" in message and "method" not in message:
                self.waiters.pop(message["id"]).set_result(message.get("result"))
            elif message.get("method") == "textDocument/publishDiagnostics":
                self.published[message["params"].get("version")] = now
                self.last_count = len(message["params"]["diagnostics"])
                self.publish_event.set()
            elif "id" in message:  # a request from the server: answer null
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})

    def send(self, message: dict):
        body = orjson.dumps(message)
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def request(self, method: str, params):
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.waiters[self.next_id] = future
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return await future

    def notify(self, method: str, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    async def published_version(self, version: int) -> float:
        while version not in self.published:
            self.publish_event.clear()
            await self.publish_event.wait()
        return self.published[version]

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    async def stop(self):
        await self.request("shutdown", None)
        self.notify("exit", None)
        await self.proc.wait()
        self.reader.cancel()


async def run(label: str, env: dict, path: Path, text: str, edits: int) -> dict:
    client = Client(env)
    await client.start()
    started = time.perf_counter()
    await client.request("initialize", {"processId": os.getpid(), "rootUri": path.parent.as_uri(), "capabilities": {}})
    initialized = time.perf_counter() - started
    client.notify("initialized", {})
    uri = path.as_uri()
    t0 = time.perf_counter()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "jsonl", "version": 1, "text": text}})
    opened = await client.published_version(1) - t0
    diagnostics = client.last_count
    lines = text.split("\n")
    rng = random.Random(1)
    latencies = []
    for version in range(2, edits + 2):
        line = rng.randrange(len(lines) - 1)
        col = lines[line].index('"relevant_passages"') + 24
        t0 = time.perf_counter()
        client.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col}},
                                "text": "x"}]})
        latencies.append((await client.published_version(version) - t0) * 1000)
        lines[line] = lines[line][:col] + "x" + lines[line][col:]
        await asyncio.sleep(0.05)  # a typist, not a flood: each edit is measured on its own
    rss = client.rss_mb()
    await client.stop()
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(round(0.95 * (len(latencies) - 1))))]
    return {"label": label, "initialize_ms": initialized * 1000, "open_s": opened, "diagnostics": diagnostics,
            "p50_ms": statistics.median(latencies), "p95_ms": p95, "max_ms": latencies[-1], "edits": len(latencies), "rss_mb": rss}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--edits", type=int, default=40)
    parser.add_argument("--full-edits", type=int, default=8, help="edits measured with a full re-lint (each takes seconds)")
    args = parser.parse_args()
    text = make_dataset(args.records)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "train.jsonl"
        path.write_text(text)
        (Path(folder) / "rerank-lint.toml").write_text("")
        print(f"{args.records} records, {len(text.encode()) / 1e6:.1f} MB, one-character edits inside a passage")
        results = [await run("incremental", {}, path, text, args.edits),
                   await run("full re-lint", {"RERANK_LINT_SERVER_FULL_RELINT": "1"}, path, text, args.full_edits)]
    print(f"{'':14}{'initialize':>11}{'didOpen→diag':>14}{'diagnostics':>13}{'edit p50':>10}{'edit p95':>10}{'edit max':>10}{'edits':>7}{'RSS':>9}")
    for r in results:
        print(f"{r['label']:14}{r['initialize_ms']:9.0f}ms{r['open_s']:13.2f}s{r['diagnostics']:13d}{r['p50_ms']:8.0f}ms"
              f"{r['p95_ms']:8.0f}ms{r['max_ms']:8.0f}ms{r['edits']:7d}{r['rss_mb']:7.0f}MB")


if __name__ == "__main__":
    asyncio.run(main())
