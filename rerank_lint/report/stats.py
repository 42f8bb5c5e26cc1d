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
    cuts = None  # (budget, pairs the trainer cuts, pairs checked): the file's trainer, once known
    for result in linter.iter_path(path):
        record = result.record
        if record is None:
            if result.line is not None and result.line.content.strip():
                invalid += 1
            continue
        records += 1
        fmt = fmt or record.schema.format.value
        if cuts is None:
            cuts = [_trainer_budget(settings, fmt), 0, 0]
        _count_cuts(cuts, record)
        if tokenizer is None:
            from rerank_lint.trainers.tokens import load_tokenizer

            tokenizer = load_tokenizer(settings.tokenizer, settings.root)
        query = record.query_ref[1] if record.query_ref else ""
        queries.add(query)
        q = tokenizer.count(query)
        query_tokens.append(q)
        for _, passage in (record.relevant() if record.schema.relevant_key else [(0, t) for _, _, t in record.pairs()[:1]]):
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
    trainer_budget = cuts[0] if cuts else None
    choice = trainer_budget.choice if trainer_budget else None
    return {
        "file": str(path),
        "format": fmt,
        "trainer": choice.name if choice else None,
        "trainer_chosen": choice.how if choice else None,
        "trainer_limit": trainer_budget.limit_text() if trainer_budget else None,
        "pairs_cut_by_trainer": cuts[1] if cuts else 0,
        "pairs": cuts[2] if cuts else 0,
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


def _trainer_budget(settings, fmt):
    """The length rules' view of the file's trainer, without a rule running."""
    from types import SimpleNamespace

    from rerank_lint.rules.length import TrainerBudget
    from rerank_lint.trainers.choice import CutTokenizer, choose_trainer
    from rerank_lint.trainers.tokens import LazyTokenizer

    choice = choose_trainer(settings.trainer, fmt)
    context = SimpleNamespace(trainer=choice, cut_tokenizer=CutTokenizer(settings, LazyTokenizer(settings.tokenizer, settings.root)))
    budget = TrainerBudget(settings, context)
    budget.choice = choice
    return budget


def _count_cuts(cuts, record) -> None:
    """Count the pairs whose passage the trainer cuts (what RL301/RL302 report)."""
    from rerank_lint.rules.length import record_prompts
    from rerank_lint.trainers.tokens import upper_bound

    budget = cuts[0]
    ref = record.query_ref
    if ref is None:
        return
    query = ref[1]
    query_prompt, passage_prompt = record_prompts(record)
    for _, _, passage in record.pairs():
        cuts[2] += 1
        if budget.fits_for_sure(upper_bound(query), upper_bound(passage), query_prompt, passage_prompt):
            continue
        cut = budget.cut(query, passage, query_prompt, passage_prompt)
        cuts[1] += bool(cut.passage.lost or (budget.trainer != "flagembedding" and cut.query.lost))


def trainer_label(s: dict) -> str:
    """The trainer and how it was chosen, for both report formats."""
    if not s.get("trainer"):
        return "unknown"
    return f"{s['trainer']} ({'set' if s['trainer_chosen'] == 'set' else 'detected'}; {s['trainer_limit']})"


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
