"""`rerank-lint stats`: the counts the trainer will see, token lengths, negatives per query."""

from __future__ import annotations

import sys

import orjson

from rerank_lint.cli.common import expand_paths, file_settings
from rerank_lint.errors import TokenizerError, UsageError
from rerank_lint.report.stats import dataset_stats


def format_stats(s: dict) -> str:
    lines = [
        f"{s['file']} ({s['format'] or 'unknown'} format)",
        f"  trainer              {_trainer_line(s)}",
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


def _trainer_line(s: dict) -> str:
    if not s.get("trainer"):
        return "unknown (no record says)"
    how = "set" if s["trainer_chosen"] == "set" else "detected from the records; set `trainer` or --trainer to change it"
    return (f"{s['trainer']} ({how}); cuts {s['pairs_cut_by_trainer']} of {s['pairs']} query + passage pairs "
            f"at {s['trainer_limit']}")


def run_stats(args) -> int:

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
