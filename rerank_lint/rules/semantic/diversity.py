"""RL607, RL608: how many distinct topics the queries and passages cover."""

from __future__ import annotations


from rerank_lint.diagnostics.diagnostic import Severity

from rerank_lint.rules.semantic.base import SemanticRule



class LowDiversity(SemanticRule):
    """A file-level figure: the share of items with a near-duplicate, above the maximum."""

    what = ""
    threshold_setting = "paraphrase_threshold"

    def figures(self, vectors):
        raise NotImplementedError

    def conclude(self, report, context, vectors):
        figures = self.figures(vectors)
        maximum = self.settings.max_near_duplicate_share
        if figures.items and figures.share > maximum:
            report.at_file(self, f"{figures.near_duplicates} of {figures.items} {self.what} ({figures.share:.0%}) have a "
                                 f"near-duplicate (cosine >= {getattr(self.settings, self.threshold_setting):.2f}) in "
                                 f"{figures.clusters} groups, above the maximum of {maximum:.0%}; effective number "
                                 f"of distinct topics: {figures.effective_topics:.0f}")


class LowQueryDiversity(LowDiversity):
    """Too many queries of the file repeat or paraphrase another one: low query diversity.

    ## Why it matters
    Queries should be diverse and look like real users' queries; paraphrases do not help
    (Cohere's data guide). Templated or generated queries often differ in a few words only.
    The figure is the share of records whose query is repeated (RL402) or paraphrased (RL601:
    the same question, cosine >= `paraphrase-threshold`); it is reported when above `max-near-duplicate-share`
    (25 %). `rerank-lint stats --semantic` shows it with the effective number of distinct topics.

    ## Example
    900 records whose queries are one template with a product name filled in.

    ## Fix
    Collect queries from real users or several generators and prompts; drop near-duplicates.
    """

    code, name, severity = "RL607", "low-query-diversity", Severity.INFO
    summary = "a large share of the queries repeat or paraphrase others"
    what = "records' queries"

    def figures(self, vectors):
        from rerank_lint.semantic.diversity import query_diversity

        return query_diversity(self.index, vectors, self.settings.paraphrase_threshold)


class LowPassageDiversity(LowDiversity):
    """Too many passages of the file nearly repeat another one: low document diversity.

    ## Why it matters
    The training documents should cover all the kinds of documents the model will meet
    (Cohere's data guide); many near-identical passages (boilerplate, one review reworded)
    mean fewer kinds than the count suggests. The figure is the share of distinct passages
    (relevant and negative) with another passage at cosine >= `passage-duplicate-threshold`
    (0.92) and the same numbers and symbols; it is
    reported when above `max-near-duplicate-share` (25 %).

    ## Example
    Product descriptions that all start with the same 200-word shipping notice.

    ## Fix
    Strip boilerplate from passages and add documents of the kinds the data lacks.
    """

    code, name, severity = "RL608", "low-passage-diversity", Severity.INFO
    summary = "a large share of the passages nearly repeat others"
    what = "distinct passages"
    threshold_setting = "passage_duplicate_threshold"

    def figures(self, vectors):
        from rerank_lint.semantic.diversity import passage_diversity

        return passage_diversity(self.index, vectors, self.settings.passage_duplicate_threshold)
