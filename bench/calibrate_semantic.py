"""Calibration of the semantic thresholds (docs/semantic.md): cosine similarity of the
constructed query pairs (tests/semantic/semantic_pairs.py), and what share of each real file
each RL6xx rule flags with the current defaults. Run: python bench/calibrate_semantic.py"""

from __future__ import annotations

import collections
import sys
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "semantic")]
REAL = ROOT.parent / "shared" / "data" / "real"


def main() -> int:
    from semantic_pairs import PARAPHRASES, SAME_TOPIC

    from rerank_lint.settings import Settings
    from rerank_lint.lint.engine import Linter
    from rerank_lint.semantic.embedder import Embedder

    embedder = Embedder(Settings())
    for name, pairs in (("paraphrases", PARAPHRASES), ("same topic, different question", SAME_TOPIC)):
        a, b = embedder.embed([p[0] for p in pairs]), embedder.embed([p[1] for p in pairs])
        print(f"{name}: cosine " + " ".join(f"{s:.2f}" for s in sorted((a * b).sum(1))))
    settings = Settings().merged({"semantic": True, "select": ["RL6"]})
    for path in sorted(REAL.glob("*.jsonl")):
        records = negatives = 0
        for line in path.open("rb"):
            data = orjson.loads(line)
            records += 1
            negatives += len(data.get("neg") or data.get("hard_negatives") or [])
        lines, counts = collections.defaultdict(set), collections.Counter()
        for d in Linter(settings).check_path(path):
            lines[d.code].add(d.range.start.line)
            counts[d.code] += 1
        parts = []
        for code in sorted(counts):
            share = f"{len(lines[code])}/{records} records"
            if code in ("RL602", "RL603", "RL604"):
                share = f"{counts[code]}/{negatives} negatives ({counts[code] / negatives:.1%}), " + share
            parts.append(f"{code} {share}" if code not in ("RL607", "RL608") else code)
        print(f"{path.name}: " + ("; ".join(parts) or "nothing"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
