"""`rerank-lint stats`: the counts the platform reports after upload (queries, relevant
passages, hard negatives), token lengths against the budget, and negatives per query."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import orjson

from rerank_lint.errors import TokenizerError


def percentile(sorted_values: list[int], q: float) -> int:
    if not sorted_values:
        return 0
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]


def dataset_stats(path: Path, settings) -> dict:
    from rerank_lint.lint.engine import Linter

    linter = Linter(settings, only=lambda cls: False)  # records only: no rule runs
    semantic = semantic_index(settings)
    tokenizer = None
    queries: set[str] = set()
    records = relevant = negatives = invalid = 0
    pair_tokens: list[int] = []
    query_tokens: list[int] = []
    per_query: Counter = Counter()
    over_budget = 0
    budget = settings.token_budget
    fmt = None
    for result in linter.iter_path(path):
        record = result.record
        if record is None:
            if result.line is not None and result.line.content.strip():
                invalid += 1
            continue
        records += 1
        fmt = fmt or record.schema.format.value
        if tokenizer is None:
            from rerank_lint.trainers.tokens import load_tokenizer

            tokenizer = load_tokenizer(settings.tokenizer, settings.root)
        query = record.query or ""
        queries.add(query)
        q = tokenizer.count(query)
        query_tokens.append(q)
        for _, passage in record.relevant():
            relevant += 1
            total = q + tokenizer.count(passage)
            pair_tokens.append(total)
            over_budget += total > budget
        # The platform drops empty and duplicated hard negatives.
        kept = {text for _, text in record.negatives() if text.strip()}
        negatives += len(kept)
        per_query[len(kept)] += 1
        if semantic is not None:
            semantic.add(record)
    pair_tokens.sort()
    query_tokens.sort()
    return {
        "file": str(path),
        "format": fmt,
        "records": records,
        "invalid_lines": invalid,
        "queries": len(queries),
        "relevant_passages": relevant,
        "hard_negatives": negatives,
        "tokenizer": settings.tokenizer,
        "token_budget": budget,
        "query_tokens": {f"p{q}": percentile(query_tokens, q) for q in (50, 90, 99)} | {"max": query_tokens[-1] if query_tokens else 0},
        "query_plus_relevant_tokens": {f"p{q}": percentile(pair_tokens, q) for q in (50, 90, 95, 99)}
        | {"max": pair_tokens[-1] if pair_tokens else 0, "over_budget": over_budget},
        "hard_negatives_per_query": {str(k): v for k, v in sorted(per_query.items())},
    } | ({"diversity": _diversity(semantic, settings)} if semantic is not None else {})


def semantic_index(settings):
    """With `--semantic` (and the extra installed), the index that diversity figures need."""
    from rerank_lint.semantic import usable

    if not usable(settings):
        return None
    from rerank_lint.semantic.index import SemanticIndex

    return SemanticIndex(settings)


def _diversity(index, settings) -> dict | None:
    from rerank_lint.semantic.diversity import figures

    return figures(index, settings)


def format_stats(s: dict) -> str:
    lines = [
        f"{s['file']} ({s['format'] or 'unknown'} format)",
        f"  records              {s['records']}" + (f"  ({s['invalid_lines']} invalid lines)" if s["invalid_lines"] else ""),
        f"  queries (unique)     {s['queries']}",
        f"  relevant passages    {s['relevant_passages']}",
        f"  hard negatives       {s['hard_negatives']}  (empty and repeated ones dropped, as the platform does)",
        "  query tokens         " + "  ".join(f"{k} {v}" for k, v in s["query_tokens"].items()),
        "  query+relevant tokens " + "  ".join(f"{k} {v}" for k, v in s["query_plus_relevant_tokens"].items() if k != "over_budget")
        + f"  over {s['token_budget']}: {s['query_plus_relevant_tokens']['over_budget']}  ({s['tokenizer']})",
        "  hard negatives per query:",
    ]
    histogram = s["hard_negatives_per_query"]
    top = max(histogram.values(), default=1)
    for k, v in histogram.items():
        lines.append(f"    {k:>4}  {v:>7}  {'#' * max(1, round(30 * v / top))}")
    diversity = s.get("diversity")
    if diversity:
        lines.append(f"  diversity ({diversity['model']}, near-duplicate at cosine >= {diversity['threshold']:.2f}):")
        for what in ("queries", "passages"):
            d = diversity[what]
            lines.append(f"    {what:<9} {d['near_duplicates']} of {d['items']} with a near-duplicate "
                         f"({d['near_duplicate_share']:.0%}, {d['clusters']} groups); "
                         f"effective number of distinct topics {d['effective_topics']:.0f}")
    return "\n".join(lines) + "\n"


def run_stats(args) -> int:
    from rerank_lint.cli.main import expand_paths, file_settings
    from rerank_lint.errors import UsageError

    results = []
    for path in expand_paths(args.paths):
        try:
            results.append(dataset_stats(path, file_settings(path, args)))
        except TokenizerError as exc:
            raise UsageError(str(exc)) from None
    if args.output_format == "json":
        sys.stdout.write(orjson.dumps(results if len(results) > 1 else results[0], option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write("\n".join(format_stats(s) for s in results))
    return 0
