"""How far above the floor a check in Python can be at all: the evidence for issue 14's CPU goal.

The goal (`check` within 5x of reading + `orjson.loads` of every line) is measured by
bench/bench_check.py; this benchmark asks what the least Python work per record costs beside
that floor, on the same generated 30k Cohere records, in one process, in alternating rounds
(CPU seconds, best of the rounds):

  floor         read the file and `orjson.loads` every line
  visit         the floor + visit every text of every record once (what any rule engine does)
  one regex     visit + one search of one combined pattern (HTML, entities, URLs, controls and
                zero-width characters, underscore runs, whitespace runs) per distinct text:
                the least that a Python text scan of this data costs
  text rules    visit + this project's text rules (the engine's `_text_hits`, its needle gates
                and its cache of distinct texts) on every text
  check         the whole in-process check (`Linter.iter_path`, every cheap rule, no output)

    python bench/bench_python_floor.py               # 30k records, 3 rounds
    python bench/bench_python_floor.py --records 10000 --rounds 5
    python bench/bench_python_floor.py --per-rule    # where the check's CPU goes, rule by rule

`--per-rule` times the check with no rule at all (the engine: reading, parsing, records, the
loop), with each kind of rule alone and with each rule alone, and prints each one's CPU above the
engine, largest first: the map a compiled core would have to cover.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
import datagen  # noqa: E402

COMBINED = re.compile(r"<[a-zA-Z/!]|&[#a-zA-Z]|https?://|www\.|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\ufeff\ufffd]"
                      r"|_{3,}|\s{2,}")
TEXT_KEYS = ("query", "relevant_passages", "hard_negatives")


def texts_of(data: dict):
    for key in TEXT_KEYS:
        value = data.get(key)
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, str):
                    yield item


def floor(path: Path) -> int:
    n = 0
    with open(path, "rb") as stream:
        for line in stream:
            orjson.loads(line)
            n += 1
    return n


def visit(path: Path) -> int:
    n = 0
    with open(path, "rb") as stream:
        for line in stream:
            for _ in texts_of(orjson.loads(line)):
                n += 1
    return n


def one_regex(path: Path) -> int:
    seen: dict[str, bool] = {}
    hits = 0
    with open(path, "rb") as stream:
        for line in stream:
            for text in texts_of(orjson.loads(line)):
                found = seen.get(text)
                if found is None:
                    found = seen[text] = COMBINED.search(text) is not None
                hits += found
    return hits


def text_rules(path: Path) -> int:
    from rerank_lint.lint.engine import Linter
    from rerank_lint.settings import Settings

    linter = Linter(Settings())
    hits = 0
    with open(path, "rb") as stream:
        for line in stream:
            for text in texts_of(orjson.loads(line)):
                hits += len(linter._text_hits(text))
    return hits


def check(path: Path, only=None) -> int:
    from rerank_lint.lint.engine import Linter
    from rerank_lint.settings import Settings

    return sum(len(result.diagnostics) for result in Linter(Settings(), only=only).iter_path(path))


KINDS = ("text rules", "record rules", "dataset rules")


def per_rule(path: Path, rounds: int) -> dict[str, tuple[float, int]]:
    """name -> (best CPU seconds, diagnostics) of the check with: no rule ("engine"), each kind
    of rule alone (`KINDS`), each rule alone (its code), and every rule ("every rule")."""
    from rerank_lint.lint.engine import Linter
    from rerank_lint.rules.base import DatasetRule, RecordRule, TextRule
    from rerank_lint.settings import Settings

    codes = [rule.code for rule in Linter(Settings()).rules]
    check(path)  # a warm-up: the tokenizer's file is loaded once per process
    kinds = (lambda cls: issubclass(cls, TextRule),
             lambda cls: issubclass(cls, RecordRule) and not issubclass(cls, DatasetRule),
             lambda cls: issubclass(cls, DatasetRule))
    runs = {"engine": lambda cls: False, **dict(zip(KINDS, kinds)),
            **{code: (lambda cls, code=code: cls.code == code) for code in codes}, "every rule": None}
    best = {name: float("inf") for name in runs}
    found = {}
    for _ in range(rounds):
        for name, only in runs.items():
            clock = time.process_time()
            found[name] = check(path, only)
            best[name] = min(best[name], time.process_time() - clock)
    return {name: (best[name], found[name]) for name in runs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-rule", action="store_true", help="each rule's CPU above the engine's, largest first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rerank-lint-pyfloor-") as folder:
        path = Path(folder) / "train.jsonl"
        size = datagen.write(path, "cohere-small", args.records)
        if args.per_rule:
            return print_per_rule(path, size, args)
        steps = {"floor": floor, "visit": visit, "one regex": one_regex, "text rules": text_rules, "check": check}
        best = {name: float("inf") for name in steps}
        out = {}
        for _ in range(args.rounds):
            for name, step in steps.items():
                clock = time.process_time()
                out[name] = step(path)
                best[name] = min(best[name], time.process_time() - clock)
        print(f"{args.records:,} generated Cohere records ({size / 1e6:.1f} MB), best of {args.rounds} rounds, CPU seconds")
        print("| step | CPU s | / floor | result |\n|---|---|---|---|")
        for name in steps:
            print(f"| {name} | {best[name]:.2f} | {best[name] / best['floor']:.1f}x | {out[name]:,} |")
    return 0


def print_per_rule(path: Path, size: int, args) -> int:
    from rerank_lint.rules.registry import REGISTRY

    floor_s = min(_timed(floor, path) for _ in range(args.rounds))
    runs = per_rule(path, args.rounds)
    engine, whole = runs.pop("engine")[0], runs.pop("every rule")[0]
    above = {name: max(0.0, seconds - engine) for name, (seconds, _) in runs.items()}
    print(f"{args.records:,} generated Cohere records ({size / 1e6:.1f} MB), best of {args.rounds} rounds, CPU seconds")
    print(f"floor {floor_s:.2f} s; the engine with no rule {engine:.2f} s ({engine / floor_s:.1f}x the floor); "
          f"every rule {whole:.2f} s ({whole / floor_s:.1f}x)")
    print("| kind of rule | CPU above the engine | / floor |\n|---|---|---|")
    for kind in KINDS:
        print(f"| {kind} | {above[kind]:.2f} s | {above[kind] / floor_s:.1f}x |")
    print("| rule | name | CPU above the engine | / floor | share of the rules' sum | diagnostics |\n|---|---|---|---|---|---|")
    codes = sorted((name for name in runs if name not in KINDS), key=lambda code: -above[code])
    total = sum(above[code] for code in codes) or 1.0
    for code in codes:
        print(f"| {code} | {REGISTRY[code].name} | {above[code]:.2f} s | {above[code] / floor_s:.1f}x | "
              f"{above[code] / total:.0%} | {runs[code][1]:,} |")
    print(f"| | the rules' sum | {total:.2f} s | {total / floor_s:.1f}x | | |")
    return 0


def _timed(step, path: Path) -> float:
    clock = time.process_time()
    step(path)
    return time.process_time() - clock


if __name__ == "__main__":
    raise SystemExit(main())
