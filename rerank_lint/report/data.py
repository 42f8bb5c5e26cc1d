"""What the report shows, gathered from the engine and `stats`: nothing here counts records or
checks data itself. One lint pass gives the problems and the duplicate groups (from the
duplicate rules' diagnostics); `stats.dataset_stats` gives the counts and token lengths; with
`--semantic`, the semantic index gives query-passage similarities."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rerank_lint.diagnostics.diagnostic import Diagnostic
from rerank_lint.output import Summary
from rerank_lint.source.parquet import is_parquet

# Rules whose diagnostics link a record to an earlier copy or paraphrase of it: together they
# draw the near-duplicate groups of the file.
DUPLICATE_CODES = ("RL402", "RL403", "RL601")
QUERY_PREVIEW = 90


@dataclass
class Example:
    """The first problem of a rule: where, and what it says."""

    line: int | None  # None for a problem of the whole file
    message: str


@dataclass
class Similarities:
    """Cosine similarities of each query with its relevant passages and its hard negatives."""

    model: str
    positive: list[float]
    negative: list[float]


@dataclass
class ReportData:
    path: str
    stats: dict
    summary: Summary
    examples: dict[str, Example]
    duplicate_groups: list[list[int]]  # lines of each group of 2+ records, largest first
    queries: dict[int, str]  # preview of the query of each line in a duplicate group
    min_hard_negatives: int
    similarities: Similarities | None = None
    notes: list[str] = field(default_factory=list)
    docs_url: str | None = None  # where rule docs are published (`docs-url`), for links
    coverage: object | None = None  # a coverage.CoverageResult when `user-queries` / --queries is set
    unit: str = "line"  # how the report names a place: "row" in a Parquet file, as the text output does


class _Groups:
    """Union-find over line numbers: a duplicate of a duplicate is one group."""

    def __init__(self):
        self.parent: dict[int, int] = {}

    def root(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: int, b: int) -> None:
        self.parent[self.root(a)] = self.root(b)

    def groups(self) -> list[list[int]]:
        by_root: dict[int, list[int]] = {}
        for x in self.parent:
            by_root.setdefault(self.root(x), []).append(x)
        return sorted((sorted(g) for g in by_root.values()), key=lambda g: (-len(g), g[0]))


def collect(path: Path, display: str, settings, eval_path: Path | None, train_path: Path | None) -> ReportData:
    from rerank_lint.lint.engine import Linter
    from rerank_lint.report.stats import dataset_stats

    stats = dataset_stats(path, settings)
    summary = Summary(files=1)
    examples: dict[str, Example] = {}
    groups = _Groups()
    queries: dict[int, str] = {}
    index = _semantic_index(settings)
    for result in Linter(settings).iter_path(path, display, eval_path=eval_path, train_path=train_path):
        if result.record is not None:
            if index is not None:
                index.add(result.record)
            queries[result.record.line] = _preview(result.record.query)
        for d in result.diagnostics:
            summary.add(d)
            examples.setdefault(d.code, Example(None if d.record_key is None else d.line, d.message))
            _link_duplicates(d, display, groups)
    duplicate_groups = groups.groups()
    wanted = {line for group in duplicate_groups[:10] for line in group[:1]}
    data = ReportData(display, stats, summary, examples, duplicate_groups,
                      {line: q for line, q in queries.items() if line in wanted}, settings.min_hard_negatives,
                      docs_url=settings.docs_url, unit="row" if is_parquet(path) else "line")
    if index is not None:
        data.similarities = _similarities(index, settings)
    if settings.user_queries:
        _coverage(data, path, settings)
    if data.similarities is None:
        data.notes.append("Similarity of queries to relevant passages and hard negatives: not computed "
                          + ("(the embedding model could not be used)." if settings.semantic
                             else "(run with --semantic and the semantic extra installed)."))
    return data


def _coverage(data: ReportData, path: Path, settings) -> None:
    """The coverage section's result, or a note saying why there is none."""
    from rerank_lint.coverage import QueryLogError
    from rerank_lint.coverage.service import compare, distinct, read_log
    from rerank_lint.lint.queries import training_queries
    from rerank_lint.errors import ConfigError
    from rerank_lint.semantic import available

    if not available():
        data.notes.append("Query coverage: not computed (it needs the semantic extra: pip install '.[semantic]').")
        return
    try:
        log = read_log(settings)
        train = distinct(q for _, q in training_queries(path, settings))
        data.coverage, _ = compare(train, log, settings, train_source=data.path)
    except (QueryLogError, ConfigError) as exc:
        data.notes.append(f"Query coverage: not computed ({exc}).")


def _preview(query) -> str:
    text = " ".join(str(query or "").split())
    return text if len(text) <= QUERY_PREVIEW else text[:QUERY_PREVIEW - 1] + "…"


def _link_duplicates(d: Diagnostic, display: str, groups: _Groups) -> None:
    if d.code not in DUPLICATE_CODES:
        return
    for related in d.related:
        if related.path == display:
            groups.join(d.line, related.range.start.line)


def _semantic_index(settings):
    from rerank_lint.report.stats import semantic_index

    return semantic_index(settings)


def _similarities(index, settings) -> Similarities | None:
    """Query-relevant and query-hard-negative cosines of every record, from the embeddings the
    semantic rules use (cached, so the rules and `stats` already paid for them)."""
    import numpy as np

    from rerank_lint.semantic.index import NO_TEXT
    from rerank_lint.semantic.search import row_dot

    vectors = index.vectors()
    if vectors is None:
        return None
    pairs: dict[str, tuple[list[int], list[int]]] = {"positive": ([], []), "negative": ([], [])}
    for record in index.records:
        if record.query == NO_TEXT:
            continue
        for kind, texts in (("positive", record.positives), ("negative", record.negatives)):
            left, right = pairs[kind]
            for _, text in texts:
                left.append(record.query)
                right.append(text)

    def cosines(kind: str) -> list[float]:
        left, right = pairs[kind]
        return row_dot(vectors, np.array(left, dtype=np.int64), np.array(right, dtype=np.int64)).tolist()

    return Similarities(settings.semantic_model, cosines("positive"), cosines("negative"))


def binned(histogram: dict[int, int], bins: int = 12) -> tuple[list[str], list[int], list[int]]:
    """Labels, counts and lowest value of each bin of an integer histogram: one bin per value
    up to 20, equal ranges beyond (hard negatives per query go from 0 to hundreds)."""
    top = max(histogram, default=0)
    width = 1 if top <= 20 else -(-(top + 1) // bins)
    counts: Counter = Counter()
    for value, n in histogram.items():
        counts[value // width] += n
    labels, values, lows = [], [], []
    for b in range(top // width + 1):
        low, high = b * width, b * width + width - 1
        labels.append(str(low) if width == 1 else f"{low}–{high}")
        values.append(counts[b])
        lows.append(low)
    return labels, values, lows
