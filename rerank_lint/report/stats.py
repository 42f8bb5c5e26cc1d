"""The counts the platform reports after upload (queries, relevant
passages, hard negatives), token lengths against the budget, and negatives per query."""

from __future__ import annotations

from collections import Counter
from pathlib import Path



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
