"""The report as one self-contained HTML file: inline CSS and SVG, no script, nothing fetched
when it is opened (rule doc links are plain links)."""

from __future__ import annotations

from html import escape as _escape_markup

from rerank_lint import __version__
from rerank_lint.output import rule_url
from rerank_lint.output.escape import visible
from rerank_lint.output.markdown import SEVERITY_ORDER
from rerank_lint.rules.registry import REGISTRY
from rerank_lint.report.data import ReportData, binned
from rerank_lint.report.stats import trainer_label
from rerank_lint.report.svg import Reference, Series, bar_chart, scatter

BLUE, ORANGE, RED = "#4c78a8", "#f58518", "#d62728"
TOP_PROBLEMS = 15


def escape(text: str) -> str:
    # A file name that is not UTF-8 cannot be written to a UTF-8 page, and control characters
    # are invisible in it: both become visible escapes before the markup is escaped.
    return _escape_markup(visible(str(text)))
SIMILARITY_BINS = 20

STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1300px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; }
.sub { color: #666; margin-top: 0; }
.grid { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; border: 1px solid #ddd; border-radius: 6px; padding: 8px; background: #fff; }
figcaption { font-size: 13px; color: #555; max-width: 600px; margin-top: 4px; }
table { border-collapse: collapse; font-size: 14px; }
th, td { border-bottom: 1px solid #e5e5e5; padding: 4px 10px; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.error { color: #b00020; font-weight: 600; } .warning { color: #a15c00; } .info { color: #555; }
.note { background: #f6f6f6; border-left: 4px solid #bbb; padding: 6px 10px; font-size: 14px; }
"""


def render_html(data: ReportData) -> str:
    plots = [token_plot(data), negatives_plot(data), duplicates_plot(data)]
    if data.similarities is not None:
        plots.insert(2, similarity_plot(data))
    body = [
        f"<h1>rerank-lint report: {escape(data.path)}</h1>",
        f"<p class='sub'>{escape(_headline(data))}</p>",
        "<h2>What the platform will count</h2>", counts_table(data),
        "<h2>Plots</h2>", "<div class='grid'>", *plots, "</div>",
        *(f"<p class='note'>{escape(note)}</p>" for note in data.notes),
        *([coverage_section(data)] if data.coverage is not None else []),
        "<h2>Top problems</h2>", problems_table(data),
        "<h2>Largest duplicate groups</h2>", groups_table(data),
        f"<p class='sub'>rerank-lint {__version__}</p>",
    ]
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>rerank-lint report: {escape(data.path)}</title><style>{STYLE}</style></head>"
            f"<body>{''.join(body)}</body></html>\n")


def _headline(data: ReportData) -> str:
    s = data.summary
    counts = ", ".join(level.count(s.by_severity[level]) for level in SEVERITY_ORDER if s.by_severity[level])
    problems = f"{s.total} problems ({counts})" if s.total else "no problems"
    return f"{data.stats['records']} records in {data.stats['format'] or 'unknown'} format; {problems}."


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def counts_table(data: ReportData) -> str:
    s = data.stats
    pairs = s["query_plus_relevant_tokens"]
    rows = [
        ("trainer", trainer_label(s)), ("pairs the trainer cuts", f"{s.get('pairs_cut_by_trainer', 0)} of {s.get('pairs', 0)}"),
        ("records", s["records"]), ("invalid lines", s["invalid_lines"]), ("unique queries", s["queries"]),
        ("relevant passages", s["relevant_passages"]),
        ("hard negatives (empty and repeated ones dropped)", s["hard_negatives"]),
        (f"query + relevant passage over {s['token_budget']} tokens", pairs["over_budget"]),
    ]
    cells = "".join(f"<tr><td>{escape(label)}</td><td class='n'>{value}</td></tr>" for label, value in rows)
    return f"<table id='counts'>{cells}</table>"


def token_plot(data: ReportData) -> str:
    s = data.stats
    budget = s["token_budget"]
    pairs = {k: v for k, v in s["query_plus_relevant_tokens"].items() if k != "over_budget"}
    queries = s["query_tokens"]
    labels = [k for k in pairs if k in queries]  # the percentiles `stats` gives for both
    pair_series = Series("query + relevant passage", [pairs[k] for k in labels], BLUE,
                         [RED if pairs[k] > budget else BLUE for k in labels])
    query_series = Series("query alone", [queries.get(k, 0) for k in labels], ORANGE)
    svg = bar_chart("plot-tokens", "Token lengths against the budget", labels, [pair_series, query_series],
                    x_label=f"percentile over all pairs ({s['tokenizer']})", y_label="tokens",
                    reference=Reference(budget, f"budget {budget}"))
    return _figure(svg, f"{s['query_plus_relevant_tokens']['over_budget']} query + relevant passage pairs exceed the "
                        f"budget of {budget} tokens (training cuts them). Red bars are over it.")


def negatives_plot(data: ReportData) -> str:
    histogram = {int(k): v for k, v in data.stats["hard_negatives_per_query"].items()}
    labels, values, lows = binned(histogram)
    minimum = data.min_hard_negatives
    colors = [ORANGE if low < minimum else BLUE for low in lows]
    svg = bar_chart("plot-negatives", "Hard negatives per query", labels, [Series("records", values, BLUE, colors)],
                    x_label="hard negatives kept by the platform", y_label="records")
    return _figure(svg, f"Orange: fewer than the recommended {minimum} hard negatives.")


def similarity_plot(data: ReportData) -> str:
    sim = data.similarities
    edges = [i / SIMILARITY_BINS for i in range(SIMILARITY_BINS)]

    def shares(values: list[float]) -> list[float]:
        # Shares, not counts: a record has one relevant passage and dozens of negatives.
        counts = [0] * SIMILARITY_BINS
        for v in values:
            counts[min(SIMILARITY_BINS - 1, max(0, int(v * SIMILARITY_BINS)))] += 1
        return [round(100 * n / max(len(values), 1), 1) for n in counts]

    labels = [f"{e:.2f}" for e in edges]
    svg = bar_chart("plot-similarity", "Query similarity: relevant passages vs hard negatives", labels,
                    [Series(f"query ↔ relevant ({len(sim.positive)})", shares(sim.positive), BLUE),
                     Series(f"query ↔ hard negative ({len(sim.negative)})", shares(sim.negative), ORANGE)],
                    x_label=f"cosine similarity ({sim.model}; below 0 counted at 0)", y_label="% of pairs")
    return _figure(svg, "Hard negatives far left are easy (they teach little); hard negatives as close as the relevant "
                        "passages may be false negatives.")


def duplicates_plot(data: ReportData) -> str:
    sizes: dict[int, int] = {}
    for group in data.duplicate_groups:
        sizes[len(group)] = sizes.get(len(group), 0) + 1
    buckets = ["2", "3", "4", "5–9", "10+"]
    counts = dict.fromkeys(buckets, 0)
    for size, n in sizes.items():
        counts["2" if size == 2 else "3" if size == 3 else "4" if size == 4 else "5–9" if size < 10 else "10+"] += n
    semantic = " and paraphrased (RL601)" if "RL601" in data.summary.by_code or data.similarities else ""
    svg = bar_chart("plot-duplicates", "Duplicate and near-duplicate groups", buckets,
                    [Series("groups", list(counts.values()), BLUE)], x_label="records in the group", y_label="groups")
    in_groups = sum(len(g) for g in data.duplicate_groups)
    groups = len(data.duplicate_groups)
    return _figure(svg, f"{groups} group{'s' if groups != 1 else ''} holding {in_groups} records: repeated queries (RL402), "
                        f"duplicate records (RL403){semantic}.")


def problems_table(data: ReportData) -> str:
    s = data.summary
    if not s.by_code:
        return "<p>No problems found.</p>"
    rows = sorted(s.by_code.items(), key=lambda item: (-s.severity_of[item[0]], -item[1], item[0]))[:TOP_PROBLEMS]
    cells = []
    for code, n in rows:
        severity = s.severity_of[code].label
        example = data.examples[code]
        url = rule_url(code, data.docs_url)
        name = f"{code} {escape(REGISTRY[code].name)}"
        # Without a published docs site the rule's summary is the help: a link would go nowhere.
        name = f"<a href='{escape(url)}'>{name}</a>" if url else f"<span title='{escape(REGISTRY[code].summary)}'>{name}</span>"
        cells.append(f"<tr><td>{name}</td>"
                     f"<td class='{severity}'>{severity}</td><td class='n'>{n}</td>"
                     f"<td>{'the file' if example.line is None else f'{data.unit} {example.line + 1}'}: {escape(example.message)}</td></tr>")
    more = len(s.by_code) - len(rows)
    tail = f"<p class='sub'>{more} more rules with problems: run <code>rerank-lint check</code>.</p>" if more > 0 else ""
    return ("<table id='problems'><tr><th>rule</th><th>severity</th><th>problems</th><th>first one</th></tr>"
            f"{''.join(cells)}</table>{tail}")


def groups_table(data: ReportData) -> str:
    if not data.duplicate_groups:
        return "<p>No duplicate queries or records.</p>"
    cells = []
    for group in data.duplicate_groups[:10]:
        lines = ", ".join(str(line + 1) for line in group[:8]) + (", …" if len(group) > 8 else "")
        cells.append(f"<tr><td class='n'>{len(group)}</td><td>{escape(data.queries.get(group[0], ''))}</td>"
                     f"<td>{lines}</td></tr>")
    return f"<table id='groups'><tr><th>records</th><th>query</th><th>{data.unit}s</th></tr>{''.join(cells)}</table>"


def coverage_section(data: ReportData) -> str:
    """Do the training queries mirror the real ones: figures, uncovered topics, style, a map."""
    r = data.coverage
    rows = [("coverage: real queries with a training query near", f"{r.coverage:.1%}"),
            ("fidelity: training queries with a real query near", f"{r.fidelity:.1%}")]
    if r.two_sample is not None:
        t = r.two_sample
        rows.append(("two-sample AUC (0.5: indistinguishable)", f"{t.auc:.2f} ({t.ci_low:.2f}–{t.ci_high:.2f}), {t.verdict}"))
    figures = "".join(f"<tr><td>{escape(a)}</td><td class='n'>{escape(b)}</td></tr>" for a, b in rows)
    topics = "".join(
        f"<tr><td class='n'>{t.size}</td><td class='n'>{t.share:.1%}</td><td>{escape(', '.join(t.keywords))}</td>"
        f"<td>{'<br>'.join(escape(e) for e in t.examples[:3])}</td></tr>" for t in r.topics)
    topics_table = (f"<table id='coverage-topics'><tr><th>queries</th><th>share of the log</th><th>words</th>"
                    f"<th>examples</th></tr>{topics}</table>" if r.topics else
                    "<p>No uncovered topic.</p>")
    style = "".join(f"<li>{escape(d['sentence'])}{' <b>(differs)</b>' if d['notable'] else ''}</li>" for d in r.style)
    proj = r.projection or {}
    explained = proj.get("explained", [0, 0])
    svg = scatter("plot-coverage-map", "Real and training queries (first two principal axes)",
                  [(f"training ({len(proj.get('training', []))})", proj.get("training", []), BLUE),
                   (f"real ({len(proj.get('real', []))})", proj.get("real", []), ORANGE)],
                  x_label=f"axis 1 ({explained[0]:.0%} of the variance)", y_label=f"axis 2 ({explained[1]:.0%})")
    return (f"<h2 id='coverage'>Query coverage against {escape(r.real.source)}</h2>"
            f"<p class='sub'>{r.real.distinct} distinct real queries, {r.training.distinct} distinct training queries; "
            f"model {escape(r.model or '')}, near = {escape(r.radius_phrase())}.</p>"
            f"<table id='coverage-figures'>{figures}</table><h3>Uncovered topics</h3>{topics_table}"
            f"<h3>Style</h3><ul>{style}</ul><div class='grid'>"
            + _figure(svg, "Orange regions without blue: real queries the training set does not cover. The map is a "
                           "linear projection; a gap on it is a gap in the embedding space.") + "</div>")
