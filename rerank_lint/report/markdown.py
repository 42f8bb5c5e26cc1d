"""`report --format markdown`: the report's figures as a short Markdown summary, for a pull
request comment (no plots: a comment cannot hold inline SVG)."""

from __future__ import annotations

from rerank_lint.output.escape import code_span, markdown_text, visible
from rerank_lint.output.markdown import counts_line, problems_table
from rerank_lint.report.data import ReportData
from rerank_lint.report.stats import trainer_label

TOP_PROBLEMS = 10


def render_markdown(data: ReportData) -> str:
    s = data.stats
    pairs = s["query_plus_relevant_tokens"]
    lines = [
        f"### rerank-lint report: {code_span(data.path)}",
        "",
        "| what the platform will count | |",
        "|---|---:|",
        f"| records ({markdown_text(str(s['format'] or 'unknown'))} format) | {s['records']} |",
        f"| trainer | {markdown_text(trainer_label(s))} |",
        f"| pairs the trainer cuts | {s.get('pairs_cut_by_trainer', 0)} of {s.get('pairs', 0)} |",
        f"| invalid lines | {s['invalid_lines']} |",
        f"| unique queries | {s['queries']} |",
        f"| relevant passages | {s['relevant_passages']} |",
        f"| hard negatives | {s['hard_negatives']} |",
        f"| pairs over {s['token_budget']} tokens | {pairs['over_budget']} |",
        "",
        f"Query + relevant passage tokens: p50 {pairs['p50']}, p95 {pairs['p95']}, max {pairs['max']} "
        f"(budget {s['token_budget']}, {markdown_text(str(s['tokenizer']))}). "
        f"Duplicate groups: {len(data.duplicate_groups)}.",
        "",
        counts_line(data.summary),
    ]
    if data.summary.by_code:
        lines += ["", problems_table(data.summary, limit=TOP_PROBLEMS, docs_url=data.docs_url)]
    if data.coverage is not None:
        r = data.coverage
        lines += ["", f"**Query coverage** against {code_span(r.real.source)}: coverage {r.coverage:.1%}, "
                      f"fidelity {r.fidelity:.1%}"
                      + (f", two-sample AUC {r.two_sample.auc:.2f} ({r.two_sample.verdict})" if r.two_sample else "") + "."]
        if r.topics:
            lines += ["", "| uncovered topic | queries | share | example |", "|---|---:|---:|---|"]
            lines += [f"| {markdown_text(', '.join(t.keywords) or '-')} | {t.size} | {t.share:.1%} | "
                      f"{markdown_text(t.examples[0][:80]) if t.examples else ''} |" for t in r.topics[:5]]
    lines += [f"\n_{visible(note)}_" for note in data.notes]
    return "\n".join(lines) + "\n"
