"""RL609, RL610: do the training queries mirror real users' queries (`user-queries`)?

Both run through `coverage.service.compare`, the code `rerank-lint coverage` runs, so the
figures agree with the command's; the comparison is done once per pass for both rules (the
index's memo) and kept on disk for unchanged inputs (`coverage.cache`). In the editor (a
`SemanticSession`, which keeps the index across versions) they run through
`coverage.service.EditorCoverage` instead: the same figures, updated for the queries an edit
changed rather than compared again.
"""

from __future__ import annotations

from rerank_lint.diagnostics.diagnostic import Severity
from rerank_lint.errors import ConfigError
from rerank_lint.semantic import MISSING_MESSAGE, notify
from rerank_lint.semantic.index import NO_TEXT

from rerank_lint.rules.semantic.base import SemanticRule, preview


class CoverageRule(SemanticRule):
    def start(self, context):
        # The engine calls `finish` on every dataset rule, also those whose `start` returned
        # False (file-level rules conclude without observing): declining must leave no index
        # of an earlier file behind, and `finish` must then do nothing.
        if not self.settings.user_queries:
            self.index = None
            return False
        super().start(context)

    def finish(self, report, context):
        if self.settings.user_queries and self.index is not None:
            super().finish(report, context)

    def conclude(self, report, context, vectors):
        editor = context.extras.get("editor", False)
        outcome = self.index.memo("coverage", lambda: _compare(self.index, self.settings, vectors if editor else None))
        if outcome is not None:
            self.report(report, *outcome)

    def report(self, report, result, lines) -> None:
        raise NotImplementedError


def _compare(index, settings, vectors=None):
    """(result, first line of each distinct training query) or None when it cannot run (said
    once on stderr: a log or a model that cannot be used is not a problem of this file). With
    the index's `vectors` (the editor), incrementally, with the queries' vectors from the index."""
    from rerank_lint.coverage import QueryLogError
    from rerank_lint.coverage.querylog import normalise
    from rerank_lint.coverage.service import EditorCoverage, compare, read_log

    texts = index.table.texts
    lines: dict[str, int] = {}
    ids: dict[str, int] = {}
    for record in index.records:
        if record.query != NO_TEXT:
            key = normalise(texts[record.query])
            if key not in lines:
                lines[key], ids[key] = record.line, record.query
    if not lines:
        return None
    try:
        if vectors is not None:
            # Whitespace is all `normalise` changes, and the tokenizer ignores it: the index's
            # vector of the raw query is the vector of the normalised one.
            editor = index.keep("coverage", lambda: EditorCoverage(settings))
            result = editor.compare(list(lines), vectors[list(ids.values())])
        else:
            result, _ = compare(list(lines), read_log(settings), settings)
    except QueryLogError as exc:
        notify(f"rerank-lint: query coverage (RL609, RL610) skipped: {exc}")
        return None
    except ConfigError as exc:
        notify(f"rerank-lint: error: {exc}")
        return None
    except ImportError:
        notify(MISSING_MESSAGE)
        return None
    return result, list(lines.values())


class LowQueryCoverage(CoverageRule):
    """The training queries cover too little of the real user queries in `user-queries`.

    ## Why it matters
    Training queries should mirror the queries users will send (Cohere's data guide). A model
    fine-tuned on long, polite, LLM-written questions meets three-word keyword queries in
    production, and whole topics users ask about may be missing from the training set. The
    figure is the share of the log's distinct queries that have a training query near them
    (the k-NN recall of Kynkäänniemi et al. 2019, or cosine >= `coverage-similarity`); below
    `coverage-threshold` (50 %) this warns and names the largest uncovered topic. When the 95%
    interval of the figure holds the threshold (a small log), it is info with the figures.
    `rerank-lint coverage FILE` shows every figure, topic and style difference.

    ## Example
    A support bot's log is 40 % billing questions ("refund not received", "charged twice");
    the training set, generated from the product docs, has no billing query at all.

    ## Fix
    Write or collect training queries for the uncovered topics (the examples are real queries),
    in the users' style; or sample training queries from the log itself.
    """

    code, name, severity = "RL609", "low-query-coverage", Severity.WARNING
    summary = "the training queries cover too little of the real user queries"

    def report(self, report, result, lines):
        from rerank_lint.coverage.service import wilson

        threshold = self.settings.coverage_threshold
        low, high = wilson(result.coverage, result.real.distinct)
        if result.coverage >= threshold:
            return
        figures = (f"{result.coverage:.0%} of the {result.real.distinct} distinct real queries in "
                   f"{result.real.source} have a training query near them (95% CI {low:.0%}-{high:.0%}), "
                   f"below the coverage threshold of {threshold:.0%}")
        if result.topics:
            topic = result.topics[0]
            examples = "; ".join(repr(preview(e, 50)) for e in topic.examples[:3])
            figures += (f"; largest uncovered topic: {topic.size} queries ({topic.share:.0%} of the log"
                        f"{', ' + ', '.join(topic.keywords) if topic.keywords else ''}), e.g. {examples}")
        elif result.uncovered:
            figures += f"; the {result.uncovered} uncovered queries are scattered (no topic)"
        # A warning must be right 9 times in 10: when the interval holds the threshold, the
        # figure may be above it on a larger log, so it is info.
        borderline = high >= threshold
        if borderline:
            figures += " (borderline: the interval reaches the threshold)"
        report.at_file(self, figures, weak=borderline)


class UnaskedTrainingQuery(CoverageRule):
    """A training query far from every real user query in `user-queries` (a fidelity outlier).

    ## Why it matters
    A training query no user asks anything like spends training effort on queries the model
    will not meet, and may pull it away from the real ones. The query is outside the k-NN ball
    of every real query (the precision of Kynkäänniemi et al. 2019), or below
    `coverage-similarity` to all of them; the message gives the similarity and the nearest real
    query. Reported for the farthest ones (at most 200), as information: a few are normal; on
    the query, a sentence-transformers record's first column.

    ## Example
    A log of product searches, and a training query "Write a haiku about the ocean".

    ## Fix
    Drop or rewrite the query in the users' terms, unless it stands for traffic to come.
    """

    code, name, severity = "RL610", "unasked-training-query", Severity.INFO
    summary = "a training query is far from every real user query"

    def report(self, report, result, lines):
        key_of = self.index.query_key_of()
        for far in result.far_training:
            if far.index >= len(lines) or not report.rebind(lines[far.index]):
                continue
            report.at_value(self, key_of.get(lines[far.index], "query"), None,
                            f"no real user query is near this one; the nearest in {result.real.source} "
                            f"(cosine {far.similarity:.2f}): {preview(far.nearest_real)!r}")
