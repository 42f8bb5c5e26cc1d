"""Benchmark of the query-coverage check (issue 16) on the real files, used as logs of each other.

    .venv/bin/python bench/bench_coverage.py                 # cold (fresh cache), then warm
    .venv/bin/python bench/bench_coverage.py --cache-dir D   # reuse a cache (warm after a first run)
    .venv/bin/python bench/bench_coverage.py --scale 20000   # synthetic N x N vectors, numerical part only
    .venv/bin/python bench/bench_coverage.py --texts 20000   # N x N generated queries, the whole command
    .venv/bin/python bench/bench_coverage.py --editor 20000  # the editor: one edit beside a full comparison

`--texts N` writes a log of N distinct keyword queries and a training file of N distinct
question-style queries over the same themes except two (`THEMES`: 20 of 200 topics, 10% of the
log, whose words no training query has) and runs `rerank-lint coverage` on them in a fresh
process with a fresh cache (cold: every text embedded), then again in another fresh process
(warm), printing each run's time split and peak RSS side by side, and how many of the uncovered
topics it reports are the missing ones.

The pairs: each file against a held-out half of itself (same distribution: coverage near 1,
AUC near 0.5), one file's training queries against another's queries (different tasks: coverage
near 0, AUC near 1), and a mixed log (eedi + cohere users) against a training set with only the
eedi queries (the cohere product questions must come out as the first uncovered topic). The warm
run happens in a fresh process, which must not import torch.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
REAL = ROOT.parent / "shared" / "data" / "real"
FILES = {"eedi": "bge_eedi_mined_hn.jsonl", "cohere": "cohere_synthetic_finetune.jsonl",
         "nq": "bge_nq.jsonl", "msmarco": "bge_msmarco.jsonl"}


def _split(texts: list[str], seed: int = 0) -> tuple[list[str], list[str]]:
    import random

    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    half = len(order) // 2
    return [texts[i] for i in sorted(order[:half])], [texts[i] for i in sorted(order[half:])]


def pairs():
    """(name, log texts, log counts, training texts)."""
    from rerank_lint.coverage import read_query_log

    logs = {k: read_query_log(REAL / v) for k, v in FILES.items()}
    for name in ("eedi", "cohere"):
        a, b = _split(logs[name].texts)
        yield f"{name}: log = one half, training = the other half", a, None, b
    yield "log = eedi queries, training = cohere queries", logs["eedi"].texts, logs["eedi"].counts, logs["cohere"].texts
    yield "log = cohere queries, training = eedi queries", logs["cohere"].texts, logs["cohere"].counts, logs["eedi"].texts
    mixed = logs["eedi"].texts[:600] + logs["cohere"].texts[:150]
    yield "log = 600 eedi + 150 cohere queries, training = the other eedi queries", mixed, None, logs["eedi"].texts[600:]
    yield "log = nq (10 queries), training = msmarco (10 queries)", logs["nq"].texts, logs["nq"].counts, logs["msmarco"].texts


def run(cache_dir: str, label: str, show_full: bool) -> dict:
    from rerank_lint.coverage import compare_queries, embed_queries
    from rerank_lint.settings import Settings

    total_embed = total_compare = 0.0
    encoded = 0
    for name, log, counts, train in pairs():
        stats_a: dict = {}
        stats_b: dict = {}
        clock = time.perf_counter()
        real_vectors = embed_queries(log, Settings(), cache_dir=cache_dir, stats=stats_a)
        train_vectors = embed_queries(train, Settings(), cache_dir=cache_dir, stats=stats_b)
        embed_s = time.perf_counter() - clock
        clock = time.perf_counter()
        result = compare_queries(log, real_vectors, train, train_vectors, real_counts=counts, real_source="log",
                                 train_source="training", model=stats_a["model"])
        compare_s = time.perf_counter() - clock
        total_embed += embed_s
        total_compare += compare_s
        encoded += stats_a["encoded"] + stats_b["encoded"]
        t = result.two_sample
        auc = f"AUC {t.auc:.3f} [{t.ci_low:.3f}, {t.ci_high:.3f}] p={t.p_value:.3g}" if t else "AUC n/a"
        notable = [d["feature"] for d in result.style if d["notable"]]
        print(f"[{label}] {name}\n    {len(log)} log / {len(train)} training distinct queries; coverage "
              f"{result.coverage:.3f}, fidelity {result.fidelity:.3f}, {auc}; {len(result.topics)} uncovered topics "
              f"({result.uncovered} uncovered queries); style differs in: {', '.join(notable) or 'nothing'}\n"
              f"    embed {embed_s:.2f} s ({stats_a['encoded'] + stats_b['encoded']} encoded), compare {compare_s:.2f} s "
              f"{json.dumps(result.timings)}")
        if result.topics:
            top = result.topics[0]
            print(f"    first uncovered topic: {top.size} queries, e.g. {top.examples[0][:100]!r}")
        if show_full and name.startswith("log = 600"):
            print("\n" + result.render_text() + "\n")
    print(f"[{label}] total: embed {total_embed:.1f} s ({encoded} texts encoded), compare {total_compare:.1f} s, "
          f"torch imported: {'torch' in sys.modules}, peak RSS {_rss_mb():.0f} MB")
    return {"embed": total_embed, "compare": total_compare, "encoded": encoded}


def synthetic(n: int, isotropic: bool = False, seed: int = 0):
    """Synthetic n x n unit vectors (384 dims, 200 topics), training lacking 20 of them:
    (real texts, real, training texts, training, a sampler of more training vectors). Each topic
    spreads along a few directions of its own, as sentence embeddings do (MiniLM keeps 92-99% of
    its energy on 128 principal axes); `isotropic` spreads it in all 384 (the worst case, which
    takes the exact path)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(200, 384)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)

    spread = rng.normal(size=(200, 8, 384)).astype(np.float32) / np.sqrt(384)

    def sample(topic_ids, size):
        labels = rng.choice(topic_ids, size)
        x = np.empty((size, 384), dtype=np.float32)
        # In chunks: the spread of 100k points at once (n x 8 x 384) would be 1.2 GB of the
        # benchmark's own, counted in the peak RSS it reports.
        for start in range(0, size, 4096):
            part = labels[start:start + 4096]
            if isotropic:
                noise = rng.normal(scale=0.04, size=(len(part), 384)).astype(np.float32)
            else:
                coef = rng.normal(scale=0.3, size=(len(part), 8)).astype(np.float32)
                noise = np.einsum("ns,nsd->nd", coef, spread[part]) + \
                    rng.normal(scale=0.005, size=(len(part), 384)).astype(np.float32)
            x[start:start + len(part)] = centres[part] + noise
        return x / np.linalg.norm(x, axis=1, keepdims=True), labels

    real, real_labels = sample(np.arange(200), n)
    train, _ = sample(np.arange(20, 200), n)
    texts_r = [f"q{i} t{l}" for i, l in enumerate(real_labels)]
    texts_t = [f"t{i}" for i in range(n)]
    return texts_r, real, texts_t, train, lambda size: sample(np.arange(200), size)[0]


def scale(n: int, isotropic: bool = False) -> None:
    """The numerical part alone on `synthetic` n x n: time and memory (the embedding time is
    the model's, measured by `--texts`)."""
    texts_r, real, texts_t, train, _ = synthetic(n, isotropic)
    print(f"[scale] generated; peak RSS so far {_rss_mb():.0f} MB")
    from rerank_lint.coverage.cache import cached_compare
    from rerank_lint.settings import Settings

    settings = Settings().merged({"semantic-cache-dir": tempfile.mkdtemp(prefix="rerank-lint-coverage-scale-")})
    clock = time.perf_counter()
    result, _ = cached_compare(texts_r, texts_t, lambda: (real, train), settings=settings)
    cold = time.perf_counter() - clock
    print(f"[scale] {n} x {n}{' isotropic' if isotropic else ''}: cold {cold:.1f} s {json.dumps(result.timings)}; "
          f"coverage {result.coverage:.3f}, fidelity {result.fidelity:.3f} (10% of the topics missing), "
          f"{len(result.topics)} topics; search {json.dumps(result.radius.get('search'))}; peak RSS {_rss_mb():.0f} MB")
    clock = time.perf_counter()
    again, warm = cached_compare(texts_r, texts_t, lambda: (real, train), settings=settings)
    print(f"[scale] warm (same inputs, result cache): {time.perf_counter() - clock:.1f} s, from cache: {warm}, "
          f"same figures: {again.coverage == result.coverage and again.fidelity == result.fidelity}")


# The generated queries' themes: 20 themes of 10 topics each (a topic is its head word; a theme's
# other words are shared by its topics), no word in two themes. The training set lacks the first
# two themes whole (topics 0-19, 10% of the log): a gap no training query has a word of, as the
# cohere product questions are to the eedi file in the real-data pairs. (Topics of two words drawn
# from one shared vocabulary, as before, were no gap: every word of the 20 missing topics was also
# in covered topics and in the training queries' filler, and 80% of their log queries came out
# covered; docs/coverage.md.)
THEMES = (
    ("tomato cucumber rose tulip lettuce basil orchid hedge lawn compost",
     "plant seeds soil watering prune sunlight fertilizer grow"),
    ("mars jupiter saturn comet nebula galaxy asteroid moon eclipse telescope",
     "orbit distance observe visible tonight gravity rings planet"),
    ("bread pasta risotto pancake lasagna omelette brownie curry dumpling soup",
     "recipe bake oven ingredients minutes easy vegan flour"),
    ("brakes tyre clutch gearbox radiator alternator muffler windshield headlight carburetor",
     "replace noise repair cost mechanic engine leak car"),
    ("mortgage pension dividend bonds stock loan credit savings tax invoice",
     "rate interest bank account payment apply calculator fees"),
    ("migraine asthma diabetes flu allergy rash fever insomnia arthritis sprain",
     "symptoms treatment doctor medication pain causes remedy diagnosis"),
    ("python javascript regex docker git sql compiler api json kubernetes",
     "error install syntax debug function example tutorial version"),
    ("football tennis golf cricket basketball hockey rugby baseball volleyball badminton",
     "rules score league player match tickets championship coach"),
    ("guitar piano violin drums cello trumpet saxophone flute ukulele harp",
     "chords lessons tuning strings beginner sheet notes practice"),
    ("paris tokyo rome lisbon iceland bali prague cairo sydney peru",
     "flights hotel visa itinerary beaches weather museums trip"),
    ("puppy kitten parrot hamster goldfish rabbit turtle ferret iguana budgie",
     "feeding vet training breed cage litter adopt food"),
    ("faucet drywall roof gutter tiles plumbing fence deck chimney boiler",
     "fix diy crack drill contractor sealant hammer screws"),
    ("divorce lawsuit patent copyright lease custody inheritance contract bail trademark",
     "lawyer court legal file attorney rights judge claim"),
    ("dress jeans sneakers jacket scarf boots hoodie blazer sweater sandals",
     "fit cotton wash style outfit brand sale womens"),
    ("sodium chlorine ethanol benzene oxygen carbon nitrogen methane ammonia lithium",
     "molecule reaction formula boiling electrons compound atomic isotope"),
    ("napoleon pharaoh vikings samurai crusades renaissance byzantium aztecs spartans romans",
     "empire ancient century battle king dynasty conquest timeline"),
    ("iphone android laptop tablet smartwatch headphones router printer keyboard monitor",
     "battery charger screen bluetooth wifi specs reset settings"),
    ("squats yoga pilates cardio marathon pushups deadlift cycling swimming stretching",
     "workout muscles calories routine gym reps stamina warmup"),
    ("hurricane tornado drought monsoon blizzard flood heatwave hail frost typhoon",
     "forecast storm rainfall temperature wind alert climate humidity"),
    ("fractions algebra geometry calculus percentages decimals equations probability statistics trigonometry",
     "homework worksheet exam solve grade tutor explain answers"),
)
MISSING_TOPICS = 20


def generated_queries(n: int, seed: int = 0, labels: bool = False):
    """n distinct log queries (2-6 words, keyword style, some with a number) and n distinct
    training queries (question style, 6-15 words) over the 200 topics of `THEMES`; the training
    queries lack the first `MISSING_TOPICS` (two whole themes). A log query is its topic's head
    word and 1-4 words of its theme, a training query a question with the same (the head word and
    1-3 theme words) and 2-8 stopwords, shuffled. `labels`: (log, log topics, training, training topics)."""
    import random

    from datagen import QUESTION, WORDS

    from rerank_lint.coverage.style import STOPWORDS

    rng = random.Random(seed)
    themes = [(heads.split(), rest.split()) for heads, rest in THEMES]
    vocabulary = [w for heads, rest in themes for w in heads + rest]
    assert len(set(vocabulary)) == len(vocabulary), "a word in two themes"
    topics = [(head, rest) for heads, rest in themes for head in heads]
    filler_words = [w for w in WORDS if w in STOPWORDS]

    def distinct(make) -> tuple[list[str], list[int]]:
        seen: dict[str, int] = {}
        while len(seen) < n:
            text, topic = make()
            seen.setdefault(text, topic)
        return list(seen), list(seen.values())

    def log_query() -> tuple[str, int]:
        topic = rng.randrange(len(topics))
        head, rest = topics[topic]
        words = [head] + rng.sample(rest, rng.randint(1, 4))
        rng.shuffle(words)
        if rng.random() < 0.2:
            words.append(str(rng.randint(1, 999)))
        return " ".join(words), topic

    def training_query() -> tuple[str, int]:
        topic = rng.randrange(MISSING_TOPICS, len(topics))
        head, rest = topics[topic]
        words = [head] + rng.sample(rest, rng.randint(1, 3)) + rng.choices(filler_words, k=rng.randint(2, 8))
        rng.shuffle(words)
        return f"{rng.choice(QUESTION).capitalize()} {' '.join(words)}?", topic

    log, log_topics = distinct(log_query)
    train, train_topics = distinct(training_query)
    return (log, log_topics, train, train_topics) if labels else (log, train)


def texts_scale(n: int) -> None:
    """The whole `rerank-lint coverage` command on n x n generated queries, cold then warm, each
    in a fresh process (so that each peak RSS is its own)."""
    folder = Path(tempfile.mkdtemp(prefix="rerank-lint-coverage-texts-"))
    clock = time.perf_counter()
    log, log_topics, train, _ = generated_queries(n, labels=True)
    (folder / "log.txt").write_text("\n".join(log) + "\n", encoding="utf-8")
    (folder / "missing.json").write_text(json.dumps([q for q, t in zip(log, log_topics) if t < MISSING_TOPICS]),
                                         encoding="utf-8")
    with open(folder / "train.jsonl", "w", encoding="utf-8") as out:
        for q in train:
            out.write(json.dumps({"query": q, "relevant_passages": ["A passage."]}) + "\n")
    print(f"[texts] {n} x {n}: generated in {time.perf_counter() - clock:.1f} s (not part of the runs below)")
    runs = {}
    for label in ("cold", "warm"):
        clock = time.perf_counter()
        done = subprocess.run([sys.executable, __file__, "--texts-run", str(folder)], capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        if done.returncode != 0:
            sys.exit(f"[texts] {label} run failed:\n{done.stderr}")
        runs[label] = report = json.loads(done.stdout.splitlines()[-1])
        report["wall_with_start"] = round(time.perf_counter() - clock, 1)
        rate = f" at {report['texts_per_s']:.0f} texts/s" if report["encoded"] else ""
        print(f"[texts] {label}: {report['wall_with_start']} s wall with process start, {report['run']} s in the "
              f"command; peak RSS {report['rss_mb']:.0f} MB; {report['encoded']} texts encoded"
              f"{rate}; "
              f"torch imported: {report['torch']}\n        split {json.dumps(report['split'])}\n"
              f"        coverage {report['coverage']}, fidelity {report['fidelity']}, AUC {report['auc']}, "
              f"{report['topics']} topics\n        missing topics: {report['missing']}")
    cold, warm = runs["cold"], runs["warm"]
    print(f"[texts] warm / cold = {warm['run'] / cold['run']:.3f}; same figures: "
          f"{all(cold[k] == warm[k] for k in ('coverage', 'fidelity', 'auc', 'topics', 'missing'))}")


def texts_run(folder: Path) -> None:
    """One run of the command on `texts_scale`'s files, timed by part; one JSON line on stdout."""
    clock = time.perf_counter()
    from rerank_lint.coverage.service import compare, distinct, read_log
    from rerank_lint.lint.queries import training_queries
    from rerank_lint.settings import Settings

    settings = Settings().merged({"semantic-cache-dir": str(folder / "cache")})
    log = read_log(settings, folder / "log.txt")
    read_log_s = time.perf_counter() - clock
    clock = time.perf_counter()
    train = distinct(q for _, q in training_queries(folder / "train.jsonl", settings))
    read_train_s = time.perf_counter() - clock
    clock = time.perf_counter()
    result, stats = compare(train, log, settings)
    run_s = time.perf_counter() - clock
    split = {"read_log": round(read_log_s, 2), "read_training": round(read_train_s, 2), **stats.get("timings", {}),
             **({"comparison_from_cache": True} if stats["warm"] else {k: round(v, 2) for k, v in result.timings.items()})}
    embed_s = stats.get("timings", {}).get("embed_encode", 0.0)
    print(json.dumps({"run": round(read_log_s + read_train_s + run_s, 1), "split": split, "encoded": stats["encoded"],
                      "texts_per_s": stats["encoded"] / embed_s if embed_s else 0.0, "rss_mb": _rss_mb(),
                      "torch": "torch" in sys.modules, "coverage": result.coverage, "fidelity": result.fidelity,
                      "auc": result.two_sample.auc if result.two_sample else None, "topics": len(result.topics),
                      "missing": missing_recovered(result, log.texts, folder / "missing.json")}))


def missing_recovered(result, log_texts: list[str], path: Path) -> str:
    """Which uncovered topics hold the generated log's queries of the missing topics: a topic
    counts as found when all its examples (the queries nearest its centre) are of missing
    topics; its size against the log's missing-topic queries says how much of the gap it holds."""
    missing = set(json.loads(path.read_text(encoding="utf-8")))
    in_log = sum(q in missing for q in log_texts)
    found = [t for t in result.topics if all(e in missing for e in t.examples)]
    mixed = [t for t in result.topics if t not in found and any(e in missing for e in t.examples)]
    other = len(result.topics) - len(found) - len(mixed)
    return (f"{in_log} log queries of the {MISSING_TOPICS} missing topics; of the {len(result.topics)} uncovered "
            f"topics, {len(found)} with only missing-topic examples ({sum(t.size for t in found)} queries), "
            f"{len(mixed)} with some, {other} with none")


def editor(n: int, edits: int = 20) -> None:
    """The editor's coverage on `synthetic` n x n: the first comparison, then `edits` edits that
    each rewrite one training query (a new text, a new vector), beside a full comparison of the
    edited set, in one run."""
    import statistics

    from rerank_lint.coverage import compare_queries
    from rerank_lint.coverage.incremental import LiveCoverage

    texts_r, real, texts_t, train, more = synthetic(n)
    train = train.copy()
    clock = time.perf_counter()
    live = LiveCoverage(texts_r, real)
    first = live.update(texts_t, train)
    build = time.perf_counter() - clock
    times, rechecked = [], []
    fresh = more(edits)
    for e in range(edits):
        at = (e * 7919) % n
        texts_t[at], train[at] = f"edited {e}", fresh[e]
        clock = time.perf_counter()
        result = live.update(texts_t, train)
        times.append(time.perf_counter() - clock)
        rechecked.append(live.rechecked)
    clock = time.perf_counter()
    full = compare_queries(texts_r, real, texts_t, train)
    full_s = time.perf_counter() - clock
    same = (result.coverage, result.fidelity, result.uncovered) == (full.coverage, full.fidelity, full.uncovered)
    print(f"[editor] {n} x {n}: first comparison {build:.1f} s (coverage {first.coverage:.3f}); one rewritten "
          f"training query: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
          f"({statistics.median(rechecked):.0f} queries re-checked, median); a full comparison of the edited set "
          f"{full_s:.1f} s; full / edit = {full_s / statistics.median(times):.0f}; same figures as the full "
          f"comparison: {same}; full comparisons by the editor: {live.rebuilds}; peak RSS {_rss_mb():.0f} MB")


def _rss_mb() -> float:
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over an exec, so a child would report its
    # parent's peak.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache-dir")
    parser.add_argument("--warm-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=int)
    parser.add_argument("--isotropic", action="store_true")
    parser.add_argument("--texts", type=int)
    parser.add_argument("--editor", type=int, help="the editor's incremental coverage on N x N synthetic vectors")
    parser.add_argument("--texts-run", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.texts_run:
        texts_run(args.texts_run)
        return
    if args.texts:
        texts_scale(args.texts)
        return
    if args.editor:
        editor(args.editor)
        return
    if args.scale:
        scale(args.scale, args.isotropic)
        return
    if args.warm_only:
        run(args.cache_dir, "warm", show_full=False)
        return
    cache_dir = args.cache_dir or tempfile.mkdtemp(prefix="rerank-lint-coverage-bench-")
    clock = time.perf_counter()
    run(cache_dir, "first", show_full=True)
    print(f"[first] wall {time.perf_counter() - clock:.1f} s (cold unless --cache-dir held the vectors)\n")
    clock = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--warm-only", "--cache-dir", cache_dir], check=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    print(f"[warm] wall {time.perf_counter() - clock:.1f} s, process start included")


if __name__ == "__main__":
    main()
