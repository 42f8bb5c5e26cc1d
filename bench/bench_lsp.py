"""Responsiveness of `rerank-lint server` on a 20,000-record file, incremental against a full
re-lint of the document on every edit, in one run; then the semantic diagnostics (RL6xx) of an
edit with the model loaded and the embedding cache warm, and the server's RSS with the model.

A minimal LSP client over stdio (JSON-RPC framing, orjson) drives the real server process, so
the figures include message serialization and transport; it parses what it receives with
orjson rather than through cattrs so that the client's own cost stays out of the numbers.

    python bench/bench_lsp.py [--records 20000] [--edits 40] [--full-edits 8] [--semantic-edits 10]
                              [--before TREE] [--problem-every K]

didOpen → diagnostics is measured twice: to the first publish (the server shows a large file's
first check in parts, from the top) and to the last publish of the first check (the one before
its `$/progress` end), the complete set. `--before TREE` runs the incremental row a second time
with the server of another checkout (a `git worktree` of an older commit), in the same run, so
that before and after are measured side by side on the same noisy machine.

The semantic row uses its own document (same size): the real records repeated, with only every
`--query-every`-th query numbered, so that it has a few thousand distinct texts and warming the
embedding cache (`rerank-lint check --semantic`, before the server starts) stays bearable on a
CPU. Its edit latency runs from didChange to the moment the client has that version's semantic
results: the server first publishes the cheap diagnostics with the previous semantic results
moved along, then (0.2 s debounce, the incremental semantic pass, a `rerank-lint/status` `idle`)
publishes the version again if its semantic results differ, else says "no change" in `idle`.

Publishes of a 20k-record file weigh tens of megabytes; the client only frames them and reads
their version and counts, so that parsing them does not delay the timestamps behind them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real" / "cohere_synthetic_finetune.jsonl"


def make_dataset(records: int, problem_every: int = 0) -> str:
    """Real Cohere records, repeated with numbered queries so that they stay distinct; with
    `problem_every` k, every k-th record's first relevant passage ends with an HTML tag
    (two RL202 diagnostics each): a file with many diagnostics to publish on every edit."""
    if REAL.is_file():
        base = [orjson.loads(l) for l in REAL.read_bytes().splitlines() if l.strip()]
    else:
        base = [{"query": "what is bm25", "relevant_passages": ["BM25 is a ranking function " * 20],
                 "hard_negatives": [f"negative {i} " * 15 for i in range(5)]}]
    lines = []
    for i in range(records):
        record = dict(base[i % len(base)])
        record["query"] = f"{record['query']} (#{i})"
        if problem_every and i % problem_every == 0 and record.get("relevant_passages"):
            record["relevant_passages"] = [record["relevant_passages"][0] + " <b>note</b>", *record["relevant_passages"][1:]]
        lines.append(orjson.dumps(record).decode())
    return "\n".join(lines) + "\n"


def make_semantic_dataset(records: int, every: int) -> tuple[str, int]:
    """The same real records, repeated, with only every `every`-th query numbered: few distinct
    texts to embed. Returns the text and its number of distinct texts."""
    if REAL.is_file():
        base = [orjson.loads(l) for l in REAL.read_bytes().splitlines() if l.strip()]
    else:
        base = [{"query": f"what is bm25, variant {i}", "relevant_passages": [f"BM25 is a ranking function, variant {i} " * 10],
                 "hard_negatives": [f"negative {i} {j} " * 15 for j in range(3)]} for i in range(200)]
    lines, texts = [], set()
    for i in range(records):
        record = dict(base[i % len(base)])
        if i % every == 0:
            record["query"] = f"{record['query']} (#{i})"
        texts.add(record["query"])
        texts.update(record.get("relevant_passages", ()))
        texts.update(record.get("hard_negatives", ()))
        lines.append(orjson.dumps(record).decode())
    return "\n".join(lines) + "\n", len(texts)


# The server writes publishDiagnostics as {"jsonrpc", "method", "params": {"uri", "diagnostics",
# "version"}} (server/state.py); messages are JSON strings, so these byte patterns cannot occur
# inside them unescaped.
PUBLISH_PREFIX = b'{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics"'
VERSION_AT_END = re.compile(rb'"version":(\d+)\}\}$')


class Client:
    def __init__(self, env: dict, tree: Path = ROOT):
        self.env = env
        self.tree = tree  # the checkout whose server runs
        self.progress_ends: list[float] = []  # arrival of each `$/progress` end
        self.next_id = 0
        self.waiters: dict[int, asyncio.Future] = {}
        self.published: dict[int, float] = {}  # version -> arrival time
        self.publish_event = asyncio.Event()
        # Every publish in order: (version, arrival time, RL6xx diagnostics, all diagnostics).
        self.publishes: list[tuple[int | None, float, int, int]] = []
        self.statuses: list[tuple[float, str, str]] = []  # rerank-lint/status: (time, state, message)

    async def start(self):
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "rerank_lint", "server", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, env={**os.environ, **self.env}, limit=2**30, cwd=self.tree)
        self.reader = asyncio.create_task(self._read())

    async def _read(self):
        out = self.proc.stdout
        while True:
            header = await out.readuntil(b"\r\n\r\n")
            length = int(next(l for l in header.split(b"\r\n") if l.lower().startswith(b"content-length")).split(b":")[1])
            body = await out.readexactly(length)
            now = time.perf_counter()  # delivered; the client's own JSON parsing is not the server's latency
            if body.startswith(PUBLISH_PREFIX):
                # Tens of megabytes on a 20k-record file: parsing them here would delay the
                # timestamps of the messages behind them, so only what is measured is read.
                version = VERSION_AT_END.search(body[-64:])
                version = int(version.group(1)) if version else None
                self.published[version] = now
                self.last_count = body.count(b'"severity":')
                self.publishes.append((version, now, body.count(b'"code":"RL6'), self.last_count))
                self.publish_event.set()
                continue
            message = orjson.loads(body)
            if "id" in message and "method" not in message:
                self.waiters.pop(message["id"]).set_result(message.get("result"))
            elif message.get("method") == "$/progress" and message["params"]["value"].get("kind") == "end":
                self.progress_ends.append(now)
                self.publish_event.set()
            elif message.get("method") == "rerank-lint/status":
                self.statuses.append((now, message["params"]["state"], message["params"]["message"]))
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

    async def status_after(self, start: int, state: str, timeout: float) -> tuple[float, str]:
        """The first `rerank-lint/status` with `state` among those received after the
        `start`-th: its arrival time and message."""
        async def wait():
            while True:
                for at, st, message in self.statuses[start:]:
                    if st == state:
                        return at, message
                self.publish_event.clear()
                await self.publish_event.wait()
        return await asyncio.wait_for(wait(), timeout)

    async def publish_number(self, version: int, n: int, timeout: float) -> tuple[int | None, float, int, int]:
        """The n-th publishDiagnostics (1-based) of `version`."""
        async def wait():
            while True:
                found = [p for p in self.publishes if p[0] == version]
                if len(found) >= n:
                    return found[n - 1]
                self.publish_event.clear()
                await self.publish_event.wait()
        return await asyncio.wait_for(wait(), timeout)

    async def first_check_done(self) -> float:
        """When the last publish of version 1 before the first `$/progress` end arrived."""
        while not self.progress_ends:
            self.publish_event.clear()
            await self.publish_event.wait()
        return max(at for version, at, _, _ in self.publishes if version == 1 and at <= self.progress_ends[0])

    async def first_publish_with_semantic(self, version: int, timeout: float) -> tuple[int | None, float, int, int]:
        async def wait():
            while True:
                found = [p for p in self.publishes if p[0] == version and p[2]]
                if found:
                    return found[0]
                self.publish_event.clear()
                await self.publish_event.wait()
        return await asyncio.wait_for(wait(), timeout)

    def rss_mb(self, field: str = "VmRSS") -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    async def stop(self):
        await self.request("shutdown", None)
        self.notify("exit", None)
        await self.proc.wait()
        self.reader.cancel()


async def run(label: str, env: dict, path: Path, text: str, edits: int, tree: Path = ROOT) -> dict:
    client = Client(env, tree)
    await client.start()
    started = time.perf_counter()
    # workDoneProgress: the end of the first check's `$/progress` marks its last publish.
    await client.request("initialize", {"processId": os.getpid(), "rootUri": path.parent.as_uri(),
                                        "capabilities": {"window": {"workDoneProgress": True}}})
    initialized = time.perf_counter() - started
    client.notify("initialized", {})
    uri = path.as_uri()
    t0 = time.perf_counter()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "jsonl", "version": 1, "text": text}})
    opened = await client.published_version(1) - t0
    completed = await client.first_check_done() - t0
    diagnostics = next(count for version, at, _, count in reversed(client.publishes) if version == 1)
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
    return {"label": label, "initialize_ms": initialized * 1000, "open_s": opened, "complete_s": completed,
            "diagnostics": diagnostics, "p50_ms": statistics.median(latencies) if latencies else None,
            "p95_ms": percentile95(latencies), "max_ms": latencies[-1] if latencies else None, "edits": len(latencies),
            "rss_mb": rss}


def percentile95(latencies: list[float]) -> float | None:
    if not latencies:  # no edit measured (--full-edits 0)
        return None
    return latencies[min(len(latencies) - 1, int(round(0.95 * (len(latencies) - 1))))]


async def run_semantic(folder: Path, records: int, edits: int, every: int, cache: Path | None) -> dict:
    """Semantic diagnostics of an edit, model loaded and cache warm, in a push client."""
    text, distinct = make_semantic_dataset(records, every)
    root = folder / "semantic"
    root.mkdir()
    path = root / "train.jsonl"
    path.write_text(text)
    (root / "rerank-lint.toml").write_text("")
    cache = cache or folder / "embedding-cache"
    config = folder / "semantic-warm.toml"
    config.write_text(f"semantic = true\nsemantic-cache-dir = {orjson.dumps(str(cache)).decode()}\n")
    print(f"semantic: {records} records, {len(text.encode()) / 1e6:.1f} MB, {distinct} distinct texts "
          f"(every {every}th query numbered); warming the embedding cache with `rerank-lint check --semantic` ...", flush=True)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "rerank_lint", "check", "--semantic", "--config", str(config), str(path)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    warmed = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        raise SystemExit(f"rerank-lint check --semantic failed ({done.returncode}): {done.stderr[-2000:]}")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rerank_lint", "check", "--semantic", "--config", str(config), str(path)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    warm_cli = time.perf_counter() - t0
    print(f"semantic: cache warmed in {warmed:.0f} s (cold CLI run); a warm CLI run takes {warm_cli:.1f} s", flush=True)

    client = Client({})
    await client.start()
    started = time.perf_counter()
    await client.request("initialize", {
        "processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {},  # no pull capability: push
        "initializationOptions": {"settings": {"semantic": True, "semantic-cache-dir": str(cache)}}})
    initialized = time.perf_counter() - started
    client.notify("initialized", {})
    uri = path.as_uri()
    t0 = time.perf_counter()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "jsonl", "version": 1, "text": text}})
    cheap = await client.publish_number(1, 1, 600)
    opened = cheap[1] - t0
    # Model load + the first (cache-warm) semantic pass: the first publish with RL6xx results
    # (the cheap ones before it may be several: the first check is shown in parts).
    first = await client.first_publish_with_semantic(1, 600)
    opened_semantic = first[1] - t0
    if not first[2]:
        raise SystemExit("the semantic publish of the opened document has no RL6xx diagnostic: nothing measured")
    await asyncio.sleep(0.05)
    lines = text.split("\n")
    rng = random.Random(2)
    latencies, cheap_latencies, counts, carried, unchanged = [], [], [], [], 0
    for version in range(2, edits + 2):
        line = rng.randrange(len(lines) - 1)
        col = lines[line].index('"relevant_passages"') + 24
        statuses = len(client.statuses)
        t0 = time.perf_counter()
        client.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col}},
                                "text": "x"}]})
        cheap = await client.publish_number(version, 1, 120)
        lines[line] = lines[line][:col] + "x" + lines[line][col:]
        # This version's semantic pass: `semantic-running`, then (after a second publish when its
        # results differ from those the cheap publish carried over) `idle`, saying which.
        at, message = await client.status_after(statuses, "idle", 120)
        states = [st for _, st, _ in client.statuses[statuses:]]
        if states[:2] != ["semantic-running", "idle"] or "done" not in message:
            raise SystemExit(f"version {version}: unexpected statuses {client.statuses[statuses:]}")
        if "no change" in message:
            unchanged += 1
            done = at  # the cheap publish already showed this version's semantic results
            full = cheap
        else:
            full = await client.publish_number(version, 2, 120)
            done = full[1]
        if not full[2]:
            raise SystemExit(f"version {version}: no RL6xx diagnostic in the final publish")
        carried.append(cheap[2])
        cheap_latencies.append((cheap[1] - t0) * 1000)
        latencies.append((done - t0) * 1000)
        counts.append(full[3])
        await asyncio.sleep(0.05)
    rss = client.rss_mb()
    hwm = client.rss_mb("VmHWM")
    await client.stop()
    latencies.sort()
    return {"label": "semantic", "initialize_ms": initialized * 1000, "open_s": opened, "diagnostics": counts[-1],
            "p50_ms": statistics.median(latencies), "p95_ms": percentile95(latencies), "max_ms": latencies[-1],
            "edits": len(latencies), "rss_mb": rss, "hwm_mb": hwm, "open_semantic_s": opened_semantic,
            "semantic_diagnostics": first[2], "carried": carried, "unchanged": unchanged,
            "cheap_p50_ms": statistics.median(cheap_latencies), "distinct": distinct}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--edits", type=int, default=40)
    parser.add_argument("--full-edits", type=int, default=8, help="edits measured with a full re-lint (each takes seconds)")
    parser.add_argument("--semantic-edits", type=int, default=10, help="edits measured with the semantic rules on (0: skip)")
    parser.add_argument("--query-every", type=int, default=10,
                        help="semantic document: number every k-th query (fewer distinct texts to embed)")
    parser.add_argument("--semantic-only", action="store_true", help="skip the cheap rows")
    parser.add_argument("--problem-every", type=int, default=0, metavar="K",
                        help="an HTML tag in every K-th record (two diagnostics each): many diagnostics per publish")
    parser.add_argument("--before", type=Path, metavar="TREE",
                        help="also run the incremental row with the server of this checkout (e.g. a git worktree of an older commit)")
    parser.add_argument("--semantic-cache", type=Path, help="embedding cache folder to keep between runs (default: a fresh one)")
    args = parser.parse_args()
    text = make_dataset(args.records, args.problem_every)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "train.jsonl"
        path.write_text(text)
        (Path(folder) / "rerank-lint.toml").write_text("")
        problems = f", an HTML tag in every {args.problem_every}th record" if args.problem_every else ""
        print(f"{args.records} records, {len(text.encode()) / 1e6:.1f} MB{problems}, one-character edits inside a passage")
        results = [] if args.semantic_only else [await run("incremental", {}, path, text, args.edits)]
        if args.before and not args.semantic_only:
            results.append(await run("before", {}, path, text, args.edits, args.before.resolve()))
        if not args.semantic_only:
            results.append(await run("full re-lint", {"RERANK_LINT_SERVER_FULL_RELINT": "1"}, path, text, args.full_edits))
        if args.semantic_edits:
            results.append(await run_semantic(Path(folder), args.records, args.semantic_edits, args.query_every,
                                              args.semantic_cache))
    def ms(value: float | None) -> str:
        return f"{value:8.0f}ms" if value is not None else f"{'-':>10}"

    print(f"{'':14}{'initialize':>11}{'open→first':>12}{'open→all':>10}{'diagnostics':>13}{'edit p50':>10}{'edit p95':>10}"
          f"{'edit max':>10}{'edits':>7}{'RSS':>9}")
    for r in results:
        complete = f"{r['complete_s']:9.2f}s" if "complete_s" in r else f"{'-':>10}"
        print(f"{r['label']:14}{r['initialize_ms']:9.0f}ms{r['open_s']:11.2f}s{complete}{r['diagnostics']:13d}{ms(r['p50_ms'])}"
              f"{ms(r['p95_ms'])}{ms(r['max_ms'])}{r['edits']:7d}{r['rss_mb']:7.0f}MB")
    cheap = {r["label"]: r for r in results}
    if "before" in cheap and cheap["incremental"]["p50_ms"] and cheap["before"]["p50_ms"]:
        new, old = cheap["incremental"], cheap["before"]
        print(f"before / now, same run: open→first {old['open_s'] / new['open_s']:.1f}x, open→all "
              f"{old['complete_s'] / new['complete_s']:.2f}x, edit p50 {old['p50_ms'] / new['p50_ms']:.1f}x, "
              f"p95 {old['p95_ms'] / new['p95_ms']:.1f}x")
    for r in results:
        if r["label"] == "semantic":
            print(f"semantic: {r['distinct']} distinct texts; edit = didChange → the client has that version's semantic "
                  f"results (its second publish, or the `idle` status when they did not change; the cheap publish came "
                  f"after {r['cheap_p50_ms']:.0f} ms p50); "
                  f"didOpen → first semantic publish {r['open_semantic_s']:.1f} s (model load included, "
                  f"{r['semantic_diagnostics']} RL6xx diagnostics); RSS with the model loaded {r['rss_mb']:.0f} MB "
                  f"(peak {r['hwm_mb']:.0f} MB)")
            print(f"semantic: the cheap publish of each edit carried the previous RL6xx results, moved with their "
                  f"lines ({min(r['carried'])}-{max(r['carried'])} of them); {r['unchanged']} of {r['edits']} passes "
                  f"found nothing to change (no second publish; measured to the server's `idle` status)")


if __name__ == "__main__":
    asyncio.run(main())
