"""Benchmark: a dataset of Cohere's maximum size (1.5 GB) streamed through `check`.

Generates the file on disk (records with unique queries; passages drawn from a large pool, as
mined data is), then runs `rerank-lint check` in a separate process and reports time, speed and
peak memory: once with every cheap rule, and once per size with the per-record rules only
(RL0-RL3), whose memory must not depend on the file's size.

    python bench/bench_scale.py [--gigabytes 1.5] [--small-gigabytes 0.15] [--keep]

Goal (issue 7): memory bounded, <= 1 GB, and independent of file size for per-record rules.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).parent))
from bench_check import CHECK, sentence  # noqa: E402  (one generator and one runner for both benchmarks)


def generate(path: Path, size: int, seed: int = 11) -> int:
    rng = random.Random(seed)
    pool = [sentence(rng, 30, 160).encode() for _ in range(50_000)]
    written = records = 0
    with open(path, "wb", buffering=1 << 20) as out:
        while written < size:
            query = f"{rng.choice(('how', 'what', 'why', 'when'))} question number {records} about {rng.randrange(10**6)}"
            relevant = [rng.choice(pool).decode()]
            negatives = [rng.choice(pool).decode() for _ in range(5)]
            line = orjson.dumps({"query": query, "relevant_passages": relevant, "hard_negatives": negatives}) + b"\n"
            out.write(line)
            written += len(line)
            records += 1
    return records


def run(path: Path, *args: str) -> tuple[float, float, int]:
    script = CHECK.replace('main(["check", sys.argv[1], "--statistics"])', 'main(["check", sys.argv[1], "--statistics", *sys.argv[2:]])')
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", script, str(path), *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    _, cpu, peak_kb = result.stderr.strip().splitlines()[-1].split()
    return elapsed, float(cpu), int(peak_kb) * 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gigabytes", type=float, default=1.5)
    parser.add_argument("--small-gigabytes", type=float, default=0.15)
    parser.add_argument("--dir", type=Path, default=None, help="where to write the files (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        rows = []
        for label, gb in (("small", args.small_gigabytes), ("large", args.gigabytes)):
            path = Path(tmp) / f"{label}.jsonl"
            t = time.perf_counter()
            records = generate(path, int(gb * 1e9))
            size = path.stat().st_size
            print(f"{label}: generated {records:,} records, {size / 1e9:.2f} GB in {time.perf_counter() - t:.0f} s", flush=True)
            per_record = run(path, "--select", "RL0,RL1,RL2,RL3")
            rows.append((label, size, records, "per-record rules (RL0-RL3)", *per_record))
            if label == "large":
                everything = run(path)
                rows.append((label, size, records, "all cheap rules", *everything))
            path.unlink()
        print(f"\n{'file':>6} {'GB':>5} {'records':>10}  {'rules':<28} {'wall s':>7} {'MB/s':>6} {'peak MB':>8}")
        for label, size, records, rules, wall, cpu, peak in rows:
            print(f"{label:>6} {size / 1e9:5.2f} {records:>10,}  {rules:<28} {wall:7.0f} {size / 1e6 / wall:6.1f} {peak / 1e6:8.0f}")
        small = next(r for r in rows if r[0] == "small")
        large = next(r for r in rows if r[0] == "large" and r[3].startswith("per-record"))
        print(f"\nper-record rules: peak memory {large[-1] / small[-1]:.2f}x for a {large[1] / small[1]:.0f}x larger file "
              f"(goal: independent of size); all rules on {large[1] / 1e9:.2f} GB: "
              f"{max(r[-1] for r in rows) / 1e6:.0f} MB (goal <= 1000 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
