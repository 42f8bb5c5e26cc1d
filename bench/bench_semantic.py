"""Benchmark of the semantic checks on the real eedi file, three ratios in one run:

1. cold run (`rerank-lint check --semantic`, empty cache, a fresh process) vs the pure
   `model.encode` time of the file's distinct texts (model already loaded)   goal <= 1.15x;
   also vs pure `model.encode` calls on the same token-budget batches as ours, which is what
   everything but the model costs (imports, reading, rules, cache, output)
2. warm run (cache filled) vs the cold run                                     goal >= 20x faster
3. near-duplicate query detection (embed + blockwise search) vs
   `sentence_transformers.util.paraphrase_mining`, same queries, model, threshold:
   same pairs (recall >= 0.99) in <= 1.0x its time

Run: python bench/bench_semantic.py [path.jsonl] [--rounds 3]. The machine is noisy: each round
measures the three pairs side by side, and the medians of the rounds' ratios are the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT = ROOT.parent / "shared" / "data" / "real" / "bge_eedi_mined_hn.jsonl"


def collect(path: Path, settings):
    from rerank_lint.lint.engine import Linter
    from rerank_lint.semantic.index import SemanticIndex

    index = SemanticIndex(settings)
    for result in Linter(settings, only=lambda cls: False).iter_path(path):
        if result.record is not None:
            index.add(result.record)
    return index


def timed_cli(path: Path, cache: Path) -> float:
    env = dict(os.environ, RERANK_LINT_CACHE_DIR=str(cache))
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rerank_lint", "check", "--semantic", "--exit-zero", "--format", "json", str(path)],
                   env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--rounds", type=int, default=3, help="each ratio is measured this many times, alternating")
    args = parser.parse_args()
    path, rounds = args.path, args.rounds
    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 2
    from rerank_lint.settings import Settings
    from rerank_lint.semantic.embedder import Embedder, batches, load_model, resolve_model, token_lengths

    settings = Settings().merged({"semantic": True})
    index = collect(path, settings)
    texts = index.table.texts
    model = load_model(resolve_model(settings), settings.semantic_device)
    model.encode(texts[:64])  # warm-up: first-call allocations are not the model's speed

    print(f"{path.name}: {len(index.records)} records, {len(texts)} distinct texts; {rounds} rounds, each "
          f"measuring every pair side by side (medians below)", flush=True)
    from sentence_transformers.util import paraphrase_mining

    from rerank_lint.semantic.search import similar_pairs

    threshold = settings.paraphrase_threshold
    groups = index.query_groups()
    queries = [texts[t] for t in groups.text]
    cold_ratio, overhead_ratio, warm_ratio, mining_ratio, recalls = [], [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n in range(rounds):
            start = time.perf_counter()
            model.encode(texts)
            encode = time.perf_counter() - start
            start = time.perf_counter()
            for batch in batches(token_lengths(model, texts), settings.semantic_batch_tokens, settings.semantic_batch_size):
                model.encode([texts[i] for i in batch], batch_size=len(batch))
            batched = time.perf_counter() - start
            cold = timed_cli(path, tmp / f"cold-{n}")
            warm = timed_cli(path, tmp / f"cold-{n}")

            start = time.perf_counter()
            mined = paraphrase_mining(model, queries, show_progress_bar=False)
            theirs_time = time.perf_counter() - start
            theirs = {(min(i, j), max(i, j)) for score, i, j in mined if score >= threshold}
            ours_settings = settings.merged({"semantic-cache-dir": str(tmp / f"mining-{n}")})
            start = time.perf_counter()
            vectors = Embedder(ours_settings).embed(queries)
            first, second, _ = similar_pairs(vectors, threshold)
            ours_time = time.perf_counter() - start
            ours = set(zip(first.tolist(), second.tolist()))
            recall = len(ours & theirs) / len(theirs) if theirs else 1.0

            cold_ratio.append(cold / encode)
            overhead_ratio.append(cold / batched)
            warm_ratio.append(cold / warm)
            mining_ratio.append(ours_time / theirs_time)
            recalls.append(recall)
            print(f"round {n + 1}: cold {cold:.1f} s / encode {encode:.1f} s = {cold / encode:.2f}x (the same batches as "
                  f"ours: {batched:.1f} s, {cold / batched:.2f}x); warm {warm:.2f} s "
                  f"({cold / warm:.0f}x faster); near-duplicate queries ours {ours_time:.1f} s / paraphrase_mining "
                  f"{theirs_time:.1f} s = {ours_time / theirs_time:.2f}x, {len(ours)} vs {len(theirs)} pairs, "
                  f"recall {recall:.3f}", flush=True)
    median = statistics.median
    print(f"(1) cold run / pure model.encode: {median(cold_ratio):.2f}x   (goal <= 1.15x); / pure model.encode "
          f"of the same token-budget batches: {median(overhead_ratio):.2f}x (what the rest of the run costs)")
    print(f"(2) warm run: {median(warm_ratio):.0f}x faster than cold   (goal >= 20x)")
    print(f"(3) near-duplicate queries vs paraphrase_mining: {median(mining_ratio):.2f}x, recall {min(recalls):.3f}, "
          f"threshold {threshold}   (goal <= 1.0x, recall >= 0.99)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
