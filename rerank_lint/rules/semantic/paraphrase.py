"""RL601: the same question asked again in other words."""

from __future__ import annotations


from rerank_lint.diagnostics.diagnostic import Severity

from rerank_lint.rules.semantic.base import SemanticRule, preview



class ParaphrasedQuery(SemanticRule):
    """A query that says the same as another query of the file in other words.

    ## Why it matters
    Paraphrasing one query into several examples does not help the model (Cohere's data guide):
    the examples teach the same thing while counting as several, and they crowd out real,
    diverse queries. Exact repeats are RL402; this rule finds queries whose embeddings have a
    cosine similarity of at least `paraphrase-threshold` (0.92) and the same numbers and
    math symbols (queries that differ in them ask different things). A group of near-duplicates
    is reported once per member, each pointing to its most similar other query with the score.

    ## Example
        {"query": "How do I reset my password?", ...}
        {"query": "What are the steps to reset my password?", ...}

    ## Fix
    Keep one query of each group (merge their relevant passages and hard negatives), and
    replace the others with queries that ask something different.
    """

    code, name, severity = "RL601", "paraphrased-query", Severity.WARNING
    summary = "a query paraphrases another query of the file"

    def conclude(self, report, context, vectors):
        import numpy as np

        from rerank_lint.semantic.diversity import query_near_duplicates
        from rerank_lint.semantic.search import best_partner

        groups = self.index.query_groups()
        first, second, score, labels = query_near_duplicates(self.index, vectors, self.settings.paraphrase_threshold)
        if len(first) == 0:
            return
        partner, best = best_partner(len(groups.text), first, second, score)
        members = np.bincount(labels, minlength=len(labels))
        for group in sorted(np.flatnonzero(partner >= 0).tolist(), key=lambda g: groups.line[g]):
            other = int(partner[group])
            line, other_line = int(groups.line[group]), int(groups.line[other])
            if not report.rebind(line):
                continue
            size = int(members[labels[group]])
            crowd = f"; {size} queries in this group of near-duplicates" if size > 2 else ""
            related = report.related_value(other_line, "query", None, f"the most similar query (cosine {best[group]:.2f})")
            report.at_value(self, "query", None,
                            f"nearly repeats the query on line {other_line + 1} (cosine {best[group]:.2f}): "
                            f"{preview(self.index.table.texts[groups.text[other]])!r}{crowd}", related=[related])


# --- hard negatives -------------------------------------------------------------------------
