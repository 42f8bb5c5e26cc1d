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


def check(path: Path) -> int:
    from rerank_lint.lint.engine import Linter
    from rerank_lint.settings import Settings

    return sum(len(result.diagnostics) for result in Linter(Settings()).iter_path(path))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rerank-lint-pyfloor-") as folder:
        path = Path(folder) / "train.jsonl"
        size = datagen.write(path, "cohere-small", args.records)
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


if __name__ == "__main__":
    raise SystemExit(main())
