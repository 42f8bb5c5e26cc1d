"""RL601: the same question asked again in other words."""

from __future__ import annotations

from typing import NamedTuple

from rerank_lint.diagnostics.diagnostic import Severity

from rerank_lint.rules.semantic.base import SemanticRule, preview

# In a templated file two queries can share a long frame ("A user asked the following question:
# … This is about the following product: <200 words>") around different questions: the cosine of
# the whole texts then measures the frame. Below this cosine of the sentences that differ the
# verdict is a guess (info). Chosen on the dev split of bench/quality (with 30 real
# cohere_synthetic pairs read by hand): of its templated pairs at cosine >= 0.88, those whose
# differing sentences score >= 0.90 are all paraphrases (15 of 15); in [0.88, 0.90) 4 of 6,
# in [0.85, 0.88) 2 of 7 (docs/semantic.md).
SLOT_SIMILARITY = 0.90
MAX_RELATED = 5  # paraphrases named per diagnostic: the closest first


class Link(NamedTuple):
    """A query's paraphrase verdict on one other query."""

    cosine: float
    other: int  # the other query's group (RL402 groups)
    strong: bool  # a warning's evidence: cosine >= paraphrase-threshold and the differing sentences alike
    slot: float | None  # cosine of the sentences that differ, for a pair framed by a shared template


class ParaphrasedQuery(SemanticRule):
    """A query that asks the same question as another query of the file in other words.

    ## Why it matters
    Paraphrasing one query into several examples does not help the model (Cohere's data guide):
    the examples teach the same thing while counting as several, and they crowd out real,
    diverse queries. Exact repeats are RL402. Candidates are pairs of queries whose embeddings
    have a cosine similarity of at least `paraphrase-info-threshold` (0.80); a pair is a
    paraphrase only when what differs between the two texts is wording: a difference in
    numbers, math (LaTeX commands, operators), negation, names, quoted text, the figure shown
    (a markdown image's alt text) or the answer after an `Answer:` label makes them different
    examples, however close their embeddings (`rerank_lint/semantic/difference.py`). A
    paraphrase is a warning at cosine >= `paraphrase-threshold` (0.88) and info below it; also
    info when the two queries share a long template and the sentences that hold their
    difference are not similar (cosine < 0.90): then the high cosine comes from the template
    ("Is this drill good for working in dark areas?" / "... in tight spaces?" around one
    product description: 0.94 whole, 0.64 for the two questions). Each query is reported once,
    pointing to its most similar paraphrase with the score, and naming its other paraphrases
    (up to 5) as related places.

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
        from rerank_lint.semantic.search import clusters

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
        first, second, score = first[keep].tolist(), second[keep].tolist(), score[keep].tolist()
        labels = clusters(len(ids), np.array(first, dtype=np.int64), np.array(second, dtype=np.int64))
        members = np.bincount(labels, minlength=len(labels))
        strong_at = self.settings.paraphrase_threshold
        pairs = [(texts[ids[a]], texts[ids[b]]) for a, b in zip(first, second)]
        slots = self._slot_similarities([pair for pair, cosine in zip(pairs, score) if cosine >= strong_at])
        links: dict[int, list[Link]] = {}
        for a, b, cosine, pair in zip(first, second, score, pairs):
            slot = slots.get(pair) if cosine >= strong_at else None
            strong = cosine >= strong_at and (slot is None or slot >= SLOT_SIMILARITY)
            links.setdefault(a, []).append(Link(cosine, b, strong, slot))
            links.setdefault(b, []).append(Link(cosine, a, strong, slot))
        key_of = self.index.query_key_of()
        for group in sorted(links, key=lambda g: groups.line[g]):
            line = int(groups.line[group])
            if not report.rebind(line):
                continue
            # A warning names the strong paraphrases only; a guess names them all.
            ranked = sorted(links[group], key=lambda link: -link.cosine)
            shown = [link for link in ranked if link.strong] or ranked
            best = shown[0]
            if best.strong:
                why = ""
            elif best.cosine < strong_at:
                why = f"; below {strong_at:.2f}: a guess, check it"
            else:
                why = f"; a shared template, and the sentences that differ score {best.slot:.2f}: a guess, check it"
            other_line = int(groups.line[best.other])
            size = int(members[labels[group]])
            crowd = f"; {size} queries in this group of paraphrases" if size > 2 else ""
            more = len(shown) - 1
            also = f"; {more} more in the related places" if more and len(shown) <= MAX_RELATED else (
                f"; {more} more, the {MAX_RELATED - 1} closest in the related places" if more else "")
            related = [report.related_value(int(groups.line[link.other]), key_of[int(groups.line[link.other])], None,
                                            f"{'the most similar query' if n == 0 else 'also the same question'} "
                                            f"(cosine {link.cosine:.2f})")
                       for n, link in enumerate(shown[:MAX_RELATED])]
            report.at_value(self, key_of[line], None,
                            f"asks the same question as the query on {report.context.unit} {other_line + 1} in other words "
                            f"(cosine {best.cosine:.2f}{why}): {preview(texts[ids[best.other]])!r}{also}{crowd}",
                            related=related, weak=not best.strong)

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
