"""Precision and recall of the semantic rules on the hand-labelled set in bench/quality/.

    .venv/bin/python bench/bench_quality.py [--skip-real] [--json OUT] [-- EXTRA CLI ARGS]

Each labelled item is planted into a copy of the real file it came from (in a temp dir), as
whole records in that file's own format, and the CLI is run on the copy as a user would run it
(`python -m rerank_lint check FILE --semantic --select RL6 --format json --exit-zero`, plus any
extra arguments, e.g. `--semantic-judge PATH`). Only the CLI's JSON output is read, so the
benchmark does not depend on the package's module layout.

- Query pairs (RL601): both queries of a pair become records of their own (the query's real
  record, the query replaced); the real lines they came from are left out of the copy, so that
  no planted query is an exact repeat. A pair counts as flagged when RL601 is reported on one of
  its two lines pointing at the other. A source line used by several pairs is planted in
  several rounds (copies), one use per round.
- Planted negatives (RL603, RL602): appended to the hard negatives of their query's real record,
  in place; a diagnostic counts when it points inside the planted negative's span.
- False alarms: the real files unchanged, semantic warnings per 200 records (each one is a
  claim the user must check; the goal is < 1 false alarm per 200 records), and how many of them
  were read by hand (`bench/quality/real_reads.jsonl`: all, or a random sample of 15 per file
  and rule) and found true, debatable or false; the false alarms per 200 records are estimated
  from the read share, without and with the debatable ones. The reads are keyed by place (row
  and related row or column): a warning the rule moves elsewhere counts as not read.

Figures are given for warnings only and for warnings + info, on the dev and the test split.
Thresholds are chosen on dev; test is for reporting.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAIRS = ROOT / "bench" / "quality" / "pairs.jsonl"
REAL = Path(os.environ.get("RERANK_LINT_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))
PYTHON = ROOT / ".venv" / "bin" / "python"
SPLITS = ("dev", "test")
LEVELS = ("warning", "any")  # "any": warning or info
NEGATIVE_KEYS = ("neg", "hard_negatives")


def load_items(path: Path = PAIRS) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


SOURCE = ROOT  # the checkout whose CLI is run (--src: e.g. an exported older commit, for a "before")


def run_cli(path: Path, extra: list[str]) -> list[dict]:
    python = str(PYTHON) if PYTHON.exists() else sys.executable
    command = [python, "-m", "rerank_lint", "check", str(path), "--semantic", "--select", "RL6",
               "--format", "json", "--exit-zero", *extra]
    done = subprocess.run(command, cwd=SOURCE, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"bench_quality: {' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return json.loads(done.stdout or "[]")


def counts(diagnostics: list[dict]) -> collections.Counter:
    return collections.Counter((d["code"], d["severity"]) for d in diagnostics)


def serialise(record: dict, planted_key: str | None = None, first_planted: int = 0) -> tuple[str, list[tuple[int, int]]]:
    """The record as one JSON line in its original key order, and the byte span of each planted
    negative (from `first_planted` on in the list under `planted_key`)."""
    parts, spans, size = [], [], 1
    for n, (key, value) in enumerate(record.items()):
        head = ("" if n == 0 else ", ") + json.dumps(key) + ": "
        if key != planted_key:
            piece = head + json.dumps(value, ensure_ascii=False)
            parts.append(piece)
            size += len(piece.encode())
            continue
        parts.append(head + "[")
        size += len((head + "[").encode())
        for i, text in enumerate(value):
            piece = ("" if i == 0 else ", ") + json.dumps(text, ensure_ascii=False)
            start = size + (0 if i == 0 else 2)
            size += len(piece.encode())
            if i >= first_planted:
                spans.append((start, size))
            parts.append(piece)
        parts.append("]")
        size += 1
    return "{" + "".join(parts) + "}", spans


# --- query pairs (RL601) ------------------------------------------------------------------

def plan_rounds(pairs: list[dict]) -> list[list[dict]]:
    """Pairs grouped so that no real line is used twice in one copy."""
    rounds: list[tuple[set, list[dict]]] = []
    for pair in pairs:
        used = {pair["source_line"]} | ({pair["b_line"]} if pair.get("b_line") else set())
        for taken, members in rounds:
            if not taken & used:
                taken |= used
                members.append(pair)
                break
        else:
            rounds.append((set(used), [pair]))
    return [members for _, members in rounds]


def plant_pairs(source: Path, pairs: list[dict], target: Path) -> dict[int, tuple[int, int]]:
    """Writes the copy; returns {item id: (row of a, row of b)} (1-based rows). The query a
    real line already had may repeat on other lines of the copy: `pair_flags` links queries by
    text, not by row."""
    lines = source.read_text(encoding="utf-8").splitlines()
    removed = set()
    for pair in pairs:
        removed.add(pair["source_line"])
        if pair.get("b_line"):
            removed.add(pair["b_line"])
    kept = [line for n, line in enumerate(lines, 1) if n not in removed]
    rows = {}
    for pair in pairs:
        base = json.loads(lines[pair["source_line"] - 1])
        other = json.loads(lines[pair["b_line"] - 1]) if pair.get("b_line") else dict(base)
        base["query"], other["query"] = pair["a"], pair["b"]
        kept.append(serialise(base)[0])
        kept.append(serialise(other)[0])
        rows[pair["id"]] = (len(kept) - 1, len(kept))
    target.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return rows


def query_texts(path: Path) -> dict[int, str]:
    """{row: query text} of a file (1-based rows)."""
    texts = {}
    with open(path, encoding="utf-8") as fh:
        for row, line in enumerate(fh, 1):
            if line.strip():
                texts[row] = json.loads(line).get("query")
    return texts


def pair_flags(diagnostics: list[dict], rows: dict[int, tuple[int, int]], texts: dict[int, str]) -> dict[int, set[str]]:
    """{item id: severities of RL601 diagnostics that link the two queries of the pair}. RL601
    reports a query once, on the first line that holds it (exact repeats are one query), and
    names its paraphrases as related places: a link is between query texts."""
    links = collections.defaultdict(set)
    for d in diagnostics:
        if d["code"] != "RL601":
            continue
        query = texts[d["location"]["row"]]
        for related in d.get("related") or []:
            links[frozenset((query, texts[related["location"]["row"]]))].add(d["severity"])
    return {item: links.get(frozenset((texts[a], texts[b])), set()) for item, (a, b) in rows.items()}


# --- planted negatives (RL602, RL603) -----------------------------------------------------

def plant_negatives(source: Path, items: list[dict], target: Path) -> dict[int, tuple[int, tuple[int, int]]]:
    """Writes the copy; returns {item id: (row, byte span of the planted negative)}."""
    lines = source.read_text(encoding="utf-8").splitlines()
    by_line = collections.defaultdict(list)
    for item in items:
        by_line[item["source_line"]].append(item)
    where = {}
    for n, planted in by_line.items():
        record = json.loads(lines[n - 1])
        key = next((k for k in NEGATIVE_KEYS if k in record), None)
        if key is None:
            raise SystemExit(f"bench_quality: {source.name}:{n} has no hard negatives to plant beside")
        first = len(record[key])
        record[key] = list(record[key]) + [item["b"] for item in planted]
        lines[n - 1], spans = serialise(record, key, first)
        for item, span in zip(planted, spans):
            where[item["id"]] = (n, span)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return where


def negative_flags(diagnostics: list[dict], where: dict[int, tuple[int, tuple[int, int]]]) -> dict[int, dict[str, set[str]]]:
    """{item id: {rule code: severities}} for the diagnostics inside each planted negative."""
    found: dict[int, dict[str, set[str]]] = {item: collections.defaultdict(set) for item in where}
    for d in diagnostics:
        row, byte = d["location"]["row"], d["location"]["byte"]
        for item, (r, (start, end)) in where.items():
            if r == row and start <= byte <= end:
                found[item][d["code"]].add(d["severity"])
    return found


# --- warnings on the real files, read by hand -------------------------------------------------

READS = ROOT / "bench" / "quality" / "real_reads.jsonl"


def load_reads(path: Path = READS) -> dict[tuple, str]:
    """{(file, code, row, place): verdict}: place is the related query's row (RL601) or the
    flagged negative's column (RL603)."""
    if not path.exists():
        return {}
    found = {}
    for item in load_items(path):
        found[(item["file"], item["code"], item["row"], item["place"])] = item["verdict"]
    return found


def place_of(diagnostic: dict):
    if diagnostic["code"] == "RL601" and diagnostic.get("related"):
        return diagnostic["related"][0]["location"]["row"]
    return diagnostic["location"]["column"]


def read_verdicts(name: str, warnings: list[dict], reads: dict[tuple, str]) -> collections.Counter:
    """How many of a file's warnings were read as true, debatable or false, and how many not read."""
    tally = collections.Counter({"true": 0, "debatable": 0, "false": 0, "unread": 0})
    for d in warnings:
        tally[reads.get((name, d["code"], d["location"]["row"], place_of(d)), "unread")] += 1
    return tally


# --- figures ------------------------------------------------------------------------------

def flagged_at(severities: set[str], level: str) -> bool:
    return "warning" in severities if level == "warning" else bool(severities & {"warning", "info"})


def precision_recall(truth: list[bool], predicted: list[bool]) -> tuple[float | None, float | None, int, int, int]:
    tp = sum(t and p for t, p in zip(truth, predicted))
    fp = sum(p and not t for t, p in zip(truth, predicted))
    fn = sum(t and not p for t, p in zip(truth, predicted))
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return precision, recall, tp, fp, fn


def fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.2f} "


def report_rule(title: str, items: list[dict], positive: str, flags: dict[int, set[str]], figures: dict) -> None:
    print(f"\n{title} (positive class: {positive})")
    print(f"  {'split':5} {'level':8} {'precision':>9} {'recall':>7}   tp  fp  fn   n")
    for split in SPLITS:
        chosen = [i for i in items if i["split"] == split]
        for level in LEVELS:
            truth = [i["label"] == positive for i in chosen]
            predicted = [flagged_at(flags.get(i["id"], set()), level) for i in chosen]
            p, r, tp, fp, fn = precision_recall(truth, predicted)
            figures[f"{title}/{split}/{level}"] = dict(precision=p, recall=r, tp=tp, fp=fp, fn=fn, n=len(chosen))
            print(f"  {split:5} {level:8} {fmt(p):>9} {fmt(r):>7}  {tp:3} {fp:3} {fn:3} {len(chosen):3}")


def show_misses(items: list[dict], positive: str, flags: dict[int, set[str]], limit: int = 40) -> None:
    wrong = [i for i in items if (i["label"] == positive) != flagged_at(flags.get(i["id"], set()), "warning")]
    for item in wrong[:limit]:
        kind = "missed" if item["label"] == positive else "false alarm"
        print(f"    {kind} #{item['id']} ({item['split']}, {item['note']}): {item['a'][-70:]!r} | {item['b'][-70:]!r}")


def classifier_figures(items: list[dict]) -> None:
    """The difference classifier alone (no model): 'paraphrase' is its positive class."""
    sys.path.insert(0, str(ROOT))
    from rerank_lint.semantic.difference import compare

    pairs = [i for i in items if i["kind"] == "query_pair" and not i.get("wording_only")]
    flags = {i["id"]: ({"warning"} if compare(i["a"], i["b"]).same_question else set()) for i in pairs}
    report_rule("difference.compare: same question", pairs, "paraphrase", flags, {})
    show_misses(pairs, "paraphrase", flags, limit=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-real", action="store_true", help="skip the false alarms on the unchanged real files")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--examples", action="store_true", help="print the items each rule gets wrong")
    parser.add_argument("--classifier", action="store_true",
                        help="only the query-difference classifier (rerank_lint.semantic.difference) on the query pairs")
    parser.add_argument("--src", type=Path, help="run the CLI of this checkout (default: this one)")
    args, extra = parser.parse_known_args()
    extra = [a for a in extra if a != "--"]
    global SOURCE
    if args.src:
        SOURCE = args.src.resolve()
    items = load_items()
    if args.classifier:
        classifier_figures(items)
        return
    pairs = [i for i in items if i["kind"] == "query_pair"]
    negatives = [i for i in items if i["kind"] == "negative"]
    print(f"labelled set: {len(items)} items ({collections.Counter(i['label'] for i in items)}); extra CLI args: {extra}")
    started = time.perf_counter()
    pair_result: dict[int, set[str]] = {}
    negative_result: dict[int, dict[str, set[str]]] = {}
    with tempfile.TemporaryDirectory(prefix="rerank-lint-quality-") as tmp:
        for name in sorted({i["source_file"] for i in pairs}):
            for n, members in enumerate(plan_rounds([p for p in pairs if p["source_file"] == name])):
                target = Path(tmp) / f"pairs{n}_{name}"
                rows = plant_pairs(REAL / name, members, target)
                for item, severities in pair_flags(run_cli(target, extra), rows, query_texts(target)).items():
                    pair_result[item] = severities
        for name in sorted({i["source_file"] for i in negatives}):
            target = Path(tmp) / f"negatives_{name}"
            where = plant_negatives(REAL / name, [i for i in negatives if i["source_file"] == name], target)
            negative_result.update(negative_flags(run_cli(target, extra), where))
    figures: dict = {}
    report_rule("RL601 paraphrased-query", pairs, "paraphrase", pair_result, figures)
    if args.examples:
        show_misses(pairs, "paraphrase", pair_result)
    rl603 = {k: v.get("RL603", set()) for k, v in negative_result.items()}
    report_rule("RL603 false-negative", negatives, "false_negative", rl603, figures)
    if args.examples:
        show_misses(negatives, "false_negative", rl603)
    rl602 = {k: v.get("RL602", set()) for k, v in negative_result.items()}
    report_rule("RL602 easy-negative", negatives, "easy_negative", rl602, figures)
    if args.examples:
        show_misses(negatives, "easy_negative", rl602)
    if not args.skip_real:
        print("\nsemantic warnings per 200 records on the unchanged real files (info in brackets), and the"
              " warnings read by hand (bench/quality/real_reads.jsonl): true / debatable / false / not read;"
              " false alarms per 200 records estimated from the read share")
        reads = load_reads()
        for path in sorted(REAL.glob("*.jsonl")):
            records = sum(1 for line in open(path, encoding="utf-8") if line.strip())
            diagnostics = run_cli(path, extra)
            found = counts(diagnostics)
            per_rule = collections.defaultdict(lambda: [0, 0])
            for (code, severity), n in found.items():
                per_rule[code][0 if severity == "warning" else 1] += n
            warnings = sum(w for w, _ in per_rule.values())
            detail = ", ".join(f"{code} {w} [{i}]" for code, (w, i) in sorted(per_rule.items()))
            read = read_verdicts(path.name, [d for d in diagnostics if d["severity"] == "warning"], reads)
            judged = read["true"] + read["debatable"] + read["false"]
            # The read share of false (and of false or debatable) warnings, applied to them all.
            per_200 = {kind: 200 * sum(read[k] for k in kinds) / judged * warnings / records if judged else None
                       for kind, kinds in (("false", ("false",)), ("false_or_debatable", ("false", "debatable")))}
            figures[f"real/{path.name}"] = dict(records=records, warnings=warnings, per_rule=dict(per_rule),
                                                per_200=200 * warnings / records, read=dict(read),
                                                false_alarms_per_200=per_200)
            verdicts = f"read {read['true']}/{read['debatable']}/{read['false']}/{read['unread']}"
            estimate = ("" if not judged else
                        f", false alarms ~{per_200['false']:.1f} / 200, with the debatable ones {per_200['false_or_debatable']:.1f}")
            print(f"  {path.name:34} {records:5} records  {200 * warnings / records:7.1f} / 200   "
                  f"({detail or 'none'}; {verdicts}{estimate})")
    print(f"\n({time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
