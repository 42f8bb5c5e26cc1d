"""RL601: the same question asked again in other words."""

from __future__ import annotations


from rerank_lint.diagnostics.diagnostic import Severity

from rerank_lint.rules.semantic.base import SemanticRule, preview

# In a templated file two queries can share a long frame ("A user asked the following question:
# … This is about the following product: <200 words>") around different questions: the cosine of
# the whole texts then measures the frame. Below this cosine of the differing parts the verdict
# is a guess (info). Chosen on the dev split and the real cohere file (docs/semantic.md).
SLOT_SIMILARITY = 0.84


class ParaphrasedQuery(SemanticRule):
    """A query that asks the same question as another query of the file in other words.

    ## Why it matters
    Paraphrasing one query into several examples does not help the model (Cohere's data guide):
    the examples teach the same thing while counting as several, and they crowd out real,
    diverse queries. Exact repeats are RL402. Candidates are pairs of queries whose embeddings
    have a cosine similarity of at least `paraphrase-info-threshold` (0.80); a pair is a
    paraphrase only when what differs between the two texts is wording: a difference in
    numbers, math (LaTeX commands, operators), negation, names, quoted text or the answer after
    an `Answer:` label makes them different examples, however close their embeddings
    (`rerank_lint/semantic/difference.py`). A paraphrase is a warning at cosine >=
    `paraphrase-threshold` (0.88) and info below it; also info when the two queries share a
    long template and their differing parts are not similar (cosine < 0.84): then the high
    cosine comes from the template. Each query is reported once, pointing to its most similar
    paraphrase with the score.

    When most near-duplicate pairs of a file are one template with a different slot (eedi's
    "Question: … Incorrect Answer: {answer}"), the file gets one info note naming the template
    and the counts instead of a diagnostic per pair.

    ## Severity
    A `severity` override of RL601 sets the level of the warnings (strong evidence); the
    info-level findings stay info.

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

        from rerank_lint.semantic.difference import template_of
        from rerank_lint.semantic.diversity import query_candidates
        from rerank_lint.semantic.search import best_partner, clusters

        groups = self.index.query_groups()
        first, second, score, same, verdicts = query_candidates(self.index)
        if len(first) == 0:
            return
        texts, ids = self.index.table.texts, groups.text
        template = template_of(((texts[ids[first[k]]], texts[ids[second[k]]]) for k in range(len(first))),
                               verdicts=verdicts)
        if template is not None:
            report.at_file(self, f"{template.describe()}; RL601 reports only the pairs that ask the same question",
                           weak=True)
        keep = np.flatnonzero(same & (score >= self.settings.paraphrase_info_threshold))
        if len(keep) == 0:
            return
        first, second, score = first[keep], second[keep], score[keep]
        partner, best = best_partner(len(ids), first, second, score)
        labels = clusters(len(ids), first, second)
        members = np.bincount(labels, minlength=len(labels))
        strong_at = self.settings.paraphrase_threshold
        found = [(g, int(partner[g])) for g in sorted(np.flatnonzero(partner >= 0).tolist(), key=lambda g: groups.line[g])]
        slots = self._slot_similarities([(texts[ids[g]], texts[ids[o]]) for g, o in found if best[g] >= strong_at])
        for group, other in found:
            line, other_line = int(groups.line[group]), int(groups.line[other])
            theirs = texts[ids[other]]
            cosine = float(best[group])
            if cosine < strong_at:
                weak, why = True, f"; below {strong_at:.2f}: a guess, check it"
            else:
                similar = slots.get((texts[ids[group]], theirs))
                weak = similar is not None and similar < SLOT_SIMILARITY
                why = f"; a shared template, and the parts that differ score {similar:.2f}: a guess, check it" if weak else ""
            if not report.rebind(line):
                continue
            size = int(members[labels[group]])
            crowd = f"; {size} queries in this group of paraphrases" if size > 2 else ""
            key_of = self.index.query_key_of()
            related = report.related_value(other_line, key_of[other_line], None, f"the most similar query (cosine {cosine:.2f})")
            report.at_value(self, key_of[line], None,
                            f"asks the same question as the query on {report.context.unit} {other_line + 1} in other words (cosine "
                            f"{cosine:.2f}{why}): {preview(theirs)!r}{crowd}", related=[related], weak=weak)

    def _slot_similarities(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], float]:
        """{(a, b): cosine of the parts that differ} for the pairs framed by a shared template,
        all parts embedded in one call."""
        from rerank_lint.semantic.difference import frame

        # Kept across an editor's passes, so that an edit embeds only the parts of new pairs.
        known = self.index.keep("slot-similarities", dict)
        found = {pair: known[pair] for pair in pairs if pair in known}
        framed = {pair: frame(*pair) for pair in pairs if pair not in known}
        framed = {pair: parts for pair, parts in framed.items() if parts is not None}
        # Words added or dropped around a shared frame leave no wording to compare: a guess.
        found.update({pair: 0.0 for pair, parts in framed.items() if not parts[0].strip() or not parts[1].strip()})
        wanted = {pair: parts for pair, parts in framed.items() if pair not in found}
        distinct = list(dict.fromkeys(t for parts in wanted.values() for t in parts))
        if not distinct:
            return found
        vectors = self.index.embed(distinct)
        if vectors is None:
            return found
        row = {t: i for i, t in enumerate(distinct)}
        for pair, (a, b) in wanted.items():
            found[pair] = known[pair] = float(vectors[row[a]] @ vectors[row[b]])
        return found
