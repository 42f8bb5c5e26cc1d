"""RL6xx: semantic checks with an embedding model (opt-in: `semantic = true` or `--semantic`).

Every rule here is a dataset rule: records are only noted while the file streams by (line
numbers and text ids, in a `SemanticIndex` shared by all of them); at the end of the file each
distinct text is embedded once (or read from the cache) and the rules draw their conclusions,
pointing back at the lines with `Reporter.rebind`. Similarities are cosine similarities of the
model's unit-length embeddings; the thresholds are settings (docs/semantic.md tells how the
defaults were calibrated).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rerank_lint.diagnostics.diagnostic import Severity
from rerank_lint.rules.base import DatasetRule
from rerank_lint.source.normalize import passage_key, query_key
from rerank_lint.source.paired import PairedFile, paired_file
from rerank_lint.semantic.index import NO_TEXT, SemanticIndex, figures_of

if TYPE_CHECKING:
    import numpy as np


class SemanticRule(DatasetRule):
    """Notes each record in the shared index; concludes at the end of the file, with vectors."""

    semantic = True

    def start(self, context):
        self.index = SemanticIndex.of(context)

    def observe(self, record, report):
        self.index.add(record)

    def finish(self, report, context):
        if not self.index.records:
            return
        vectors = self.index.vectors()
        if vectors is not None:
            self.conclude(report, context, vectors)

    def conclude(self, report, context, vectors: "np.ndarray") -> None:
        raise NotImplementedError


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


# --- queries --------------------------------------------------------------------------------

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
                            f"{_short(self.index.table.texts[groups.text[other]])!r}{crowd}", related=[related])


# --- hard negatives -------------------------------------------------------------------------

@dataclass
class NegativeScores:
    """Per hard negative of the records with a query and a relevant passage."""

    record: "np.ndarray"  # position in index.records
    slot: "np.ndarray"  # index in the record's negative list
    text: "np.ndarray"  # text id
    to_query: "np.ndarray"  # cosine(query, negative)
    lowest_positive: "np.ndarray"  # the record's lowest cosine(query, relevant passage)
    lowest_slot: "np.ndarray"  # that relevant passage's index in its list
    to_positive: "np.ndarray"  # highest cosine(negative, a relevant passage of the record)
    closest_slot: "np.ndarray"  # that relevant passage's index in its list


def negative_scores(index: SemanticIndex, vectors) -> NegativeScores:
    """Scores of every hard negative against its query and relevant passages, computed once for
    RL602, RL603 and RL604, with vectorised row products (no per-record loops over vectors)."""
    def compute():
        import numpy as np

        from rerank_lint.semantic.search import group_best, row_dot

        queries, neg_record, neg_slot, neg_text = [], [], [], []
        pos_record, pos_slot, pos_text = [], [], []
        pair_negative, pair_slot, pair_text = [], [], []
        for r, record in enumerate(index.records):
            if record.query == NO_TEXT or not record.positives or not record.negatives:
                queries.append(NO_TEXT)
                continue
            queries.append(record.query)
            for slot, text in record.positives:
                pos_record.append(r)
                pos_slot.append(slot)
                pos_text.append(text)
            for slot, text in record.negatives:
                k = len(neg_text)
                neg_record.append(r)
                neg_slot.append(slot)
                neg_text.append(text)
                for p_slot, p_text in record.positives:
                    pair_negative.append(k)
                    pair_slot.append(p_slot)
                    pair_text.append(p_text)
        arr = lambda v: np.array(v, dtype=np.int64)  # noqa: E731
        queries, neg_record, neg_text, pos_record, pos_text = arr(queries), arr(neg_record), arr(neg_text), arr(pos_record), arr(pos_text)
        pair_negative, pair_text = arr(pair_negative), arr(pair_text)

        positive_scores = row_dot(vectors, queries[pos_record], pos_text)
        lowest_at, lowest = group_best(pos_record, positive_scores, len(queries), lowest=True)
        pair_scores = row_dot(vectors, neg_text[pair_negative], pair_text)
        closest_at, closest = group_best(pair_negative, pair_scores, len(neg_text))
        pos_slot_arr, pair_slot_arr = arr(pos_slot), arr(pair_slot)
        return NegativeScores(
            neg_record, arr(neg_slot), neg_text,
            row_dot(vectors, queries[neg_record], neg_text),
            lowest[neg_record], pos_slot_arr[lowest_at[neg_record]] if len(neg_record) else arr([]),
            closest, pair_slot_arr[closest_at] if len(closest_at) else arr([]),
        )

    return index.memo("negative-scores", compute)


class NegativeRule(SemanticRule):
    """A rule that picks hard negatives from their scores and reports each at its place."""

    def flagged(self, scores: NegativeScores) -> "np.ndarray":
        """Positions (in `scores`) of the negatives to report."""
        raise NotImplementedError

    def describe(self, scores: NegativeScores, k: int) -> tuple[str, int, str]:
        """The message, and the relevant passage to point to (its slot, and what it is)."""
        raise NotImplementedError

    def conclude(self, report, context, vectors):
        scores = negative_scores(self.index, vectors)
        records = self.index.records
        current = None
        for k in self.flagged(scores).tolist():
            record = records[scores.record[k]]
            if record.line != current:
                if not report.rebind(record.line):
                    continue
                current = record.line
            message, slot, what = self.describe(scores, k)
            related = report.related_value(record.line, record.relevant_key, slot, what)
            report.at_value(self, record.negative_key, int(scores.slot[k]), message, related=[related])


class EasyNegative(NegativeRule):
    """A hard negative that is not hard: far less similar to the query than its relevant passages.

    ## Why it matters
    Hard negatives should be semantically close to the query yet not answer it (Cohere's data
    guide); a random or off-topic passage is ranked last by any model and teaches nothing. A
    negative is reported when its cosine similarity to the query is below `easy-negative-floor`
    (0.05), or below `easy-negative-ratio` (0.30) times that of the record's least similar
    relevant passage.

    ## Example
    Query "How do I reset my password?", relevant passage about the reset page, hard negative
    "The seal of Missouri is perfect."

    ## Fix
    Mine negatives with a semantic model (sentence-transformers `mine_hard_negatives`), keeping
    those ranked close to, but below, the relevant passages.
    """

    code, name, severity = "RL602", "easy-negative", Severity.INFO
    summary = "a hard negative that is not hard: unrelated to the query"

    def flagged(self, scores):
        import numpy as np

        relative = self.settings.easy_negative_ratio * np.maximum(scores.lowest_positive, 0)
        return np.flatnonzero((scores.to_query < self.settings.easy_negative_floor) | (scores.to_query < relative))

    def describe(self, scores, k):
        return (f"easy negative: cosine to the query {scores.to_query[k]:.2f}, the least similar relevant "
                f"passage's {scores.lowest_positive[k]:.2f}: the model learns nothing from it",
                int(scores.lowest_slot[k]), "the least similar relevant passage")


class FalseNegative(NegativeRule):
    """A hard negative that probably answers the query: a false negative.

    ## Why it matters
    A passage labelled negative that is as relevant as the labelled positives teaches the model
    to push a right answer down. NV-Retriever's TopK-PercPos method keeps a mined negative only
    if its score is at most 95 % of the positive's (with several positives, the lowest). Here
    the judge is a small embedding model, weaker than the miners that method assumes, so the
    defaults are stricter: a negative at or above `false-negative-ratio` (1.0) times the least
    similar relevant passage's cosine similarity to the query is reported, when that relevant
    passage scores at least `false-negative-min-positive` (0.5) (below it, the model does not
    understand the pair well enough to judge); and so is a negative whose cosine
    similarity to a relevant passage of the record is at least
    `false-negative-passage-similarity` (0.95): a copy with small changes. An exact copy is
    RL404's.

    ## Example
        {"query": "capital of France", "relevant_passages": ["Paris is the capital of France."],
         "hard_negatives": ["Paris is the capital city of France."]}

    ## Fix
    Check the negative: if it answers the query, move it to the relevant passages; otherwise
    replace it by a negative mined with a margin (`mine_hard_negatives(relative_margin=0.05)`).
    """

    code, name, severity = "RL603", "false-negative", Severity.WARNING
    summary = "a hard negative that probably answers the query"

    def flagged(self, scores):
        import numpy as np

        copies = scores.to_positive >= self.settings.false_negative_passage_similarity
        # The ratio means something only where the model sees the relevant passage as relevant.
        judged = scores.lowest_positive >= self.settings.false_negative_min_positive
        relevant = judged & (scores.to_query >= self.settings.false_negative_ratio * scores.lowest_positive)
        candidates = np.flatnonzero(copies | relevant)
        texts, records = self.index.table.texts, self.index.records
        return np.array([k for k in candidates.tolist() if not self._exact_copy(texts, records[scores.record[k]], scores.text[k])],
                        dtype=np.int64)

    @staticmethod
    def _exact_copy(texts, record, negative) -> bool:
        key = passage_key(texts[negative])
        return any(passage_key(texts[t]) == key for _, t in record.positives)

    def describe(self, scores, k):
        if scores.to_positive[k] >= self.settings.false_negative_passage_similarity:
            return (f"probable false negative: nearly identical to relevant passage {scores.closest_slot[k] + 1} "
                    f"(cosine {scores.to_positive[k]:.2f})", int(scores.closest_slot[k]), "the relevant passage it repeats")
        share = scores.to_query[k] / scores.lowest_positive[k]
        return (f"probable false negative: as similar to the query as the relevant passages (cosine "
                f"{scores.to_query[k]:.2f}, {share:.0%} of the least similar relevant passage's "
                f"{scores.lowest_positive[k]:.2f})", int(scores.lowest_slot[k]), "the least similar relevant passage")


_WORD = re.compile(r"\w+")
# Function words carry no topic: sharing them is not lexical overlap.
_STOPWORDS = frozenset(
    "a an and are as at be been but by can could did do does for from had has have how i if in into is it its "
    "may me might my no not of on or our shall should so than that the their them then there these they this "
    "those to was we were what when where which who whom whose why will with would you your".split()
)
MIN_CONTENT_WORDS = 3


def content_words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(text.casefold()) if w not in _STOPWORDS and len(w) > 1)


class LexicalNegative(NegativeRule):
    """A hard negative that shares the query's words but not its meaning: lexically mined.

    ## Why it matters
    Cohere's guide advises against mining hard negatives with BM25 or other lexical methods:
    they find passages that repeat the query's words without being about the same thing, which
    a reranker already tells apart. A negative is reported when it contains at least
    `lexical-negative-overlap` (60 %) of the query's content words (at least three, function
    words ignored) and its cosine similarity to the query is below
    `lexical-negative-similarity` (0.30).

    ## Example
    Query "python list sort order", hard negative "The python sorted the eggs in its nest in
    order of size, then coiled around the list of ..."

    ## Fix
    Mine negatives with a semantic model instead of BM25 (sentence-transformers
    `mine_hard_negatives`), so that they are close in meaning, not in words.
    """

    code, name, severity = "RL604", "lexical-negative", Severity.INFO
    summary = "a hard negative that shares the query's words, not its meaning"

    def flagged(self, scores):
        import numpy as np

        texts, records = self.index.table.texts, self.index.records
        overlap = self.settings.lexical_negative_overlap
        words: dict[int, frozenset[str]] = {}
        self._overlap: dict[int, float] = {}
        # Word sets only for the few negatives that are semantically far: the cheap filter first.
        for k in np.flatnonzero(scores.to_query < self.settings.lexical_negative_similarity).tolist():
            query = records[scores.record[k]].query
            if query not in words:
                words[query] = content_words(texts[query])
            asked = words[query]
            if len(asked) < MIN_CONTENT_WORDS:
                continue
            share = len(asked & content_words(texts[scores.text[k]])) / len(asked)
            if share >= overlap:
                self._overlap[k] = share
        return np.array(sorted(self._overlap), dtype=np.int64)

    def describe(self, scores, k):
        return (f"lexically mined negative: shares {self._overlap[k]:.0%} of the query's words but little of "
                f"its meaning (cosine {scores.to_query[k]:.2f}, the least similar relevant passage's "
                f"{scores.lowest_positive[k]:.2f})", int(scores.lowest_slot[k]), "the least similar relevant passage")


# --- train / eval ---------------------------------------------------------------------------

class NearLeak(SemanticRule):
    """Texts of this file with a near-duplicate (not an exact copy) in the other file of its pair."""

    field = ""  # "query" or "passage"

    def mine(self) -> list[tuple[int, str, int | None, int]]:
        """(line, key, list index, text id) of each distinct text of this file to compare."""
        raise NotImplementedError

    def theirs(self, side: PairedFile) -> dict[str, tuple[int, str, int | None]]:
        """Distinct texts of the other file with their first place (line, key, list index)."""
        raise NotImplementedError

    def same(self, a: str, b: str) -> bool:
        """Exact duplicates, which RL501 / RL502 report."""
        raise NotImplementedError

    def skip(self, a: str, b: str) -> bool:
        # Texts that differ in their numbers or formulas are different questions or documents.
        return self.same(a, b) or figures_of(a) != figures_of(b)

    def conclude(self, report, context, vectors):
        from rerank_lint.semantic.search import best_matches

        side, role = paired_file(context)
        if side is None:
            return
        others = self.theirs(side)
        mine = self.mine()
        if not others or not mine:
            return
        other_texts = list(others)
        # The other file's vectors and each text's best match in it are kept across passes (an
        # editor's edits), for as long as the other file is the same.
        kept = self.index.keep(("near-leak", self.code), dict)
        if kept.get("side") is not side:
            kept.clear()
            kept.update(side=side, vectors=self.index.embed(other_texts), matches={})
        other_vectors, matches = kept["vectors"], kept["matches"]
        if other_vectors is None:
            return
        texts = self.index.table.texts
        todo = [t for *_, t in mine if t not in matches]
        if todo:
            best, score = best_matches(vectors[todo], other_vectors)
            matches.update(zip(todo, zip(best.tolist(), score.tolist())))
        threshold = self.settings.leak_similarity
        try:
            for line, key, slot, text in mine:
                match, similarity = matches[text]
                theirs = other_texts[match]
                if similarity < threshold or self.skip(texts[text], theirs) or not report.rebind(line):
                    continue
                other_line, other_key, other_slot = others[theirs]
                related = report.related_value(other_line, other_key, other_slot, f"the near-duplicate {self.field} in the {role} file",
                                               str(side.path), side.store.content(other_line))
                report.at_value(self, key, slot, f"this {self.field} nearly repeats one in the {role} file {side.path}, "
                                                 f"line {other_line + 1} (cosine {similarity:.2f}): {_short(theirs)!r}",
                                related=[related])
        finally:
            side.store.close()


class QueryNearLeak(NearLeak):
    """A query of the training file that is a near-duplicate of one in its evaluation file.

    ## Why it matters
    The test set must share no queries with training. A paraphrase of an evaluation query in
    training leaks it as surely as a copy: the score then measures memory, not ranking. Exact
    copies (ignoring case and punctuation) are RL501; this rule reports queries whose cosine
    similarity to an evaluation query is at least `leak-similarity` (0.92). Each side is
    reported where it is checked.

    ## Example
    train.jsonl: "how do I reset my password"; eval.jsonl: "how can I reset my password?"

    ## Fix
    Remove or rewrite the training query, keeping the evaluation set fixed.
    """

    code, name, severity = "RL605", "query-near-leak", Severity.WARNING
    summary = "a query nearly repeats one of the paired train/eval file"
    field = "query"

    def mine(self):
        groups = self.index.query_groups()
        return [(int(line), "query", None, int(text)) for line, text in zip(groups.line.tolist(), groups.text.tolist())]

    def theirs(self, side):
        return {text: (line, "query", None) for text, line in side.queries.items()}

    def same(self, a, b):
        return query_key(a) == query_key(b)


class PassageNearLeak(NearLeak):
    """A relevant passage of the training file that nearly repeats one of its evaluation file.

    ## Why it matters
    A relevant passage seen in training, even reworded or reformatted, is easier to rank at
    evaluation time: the score overstates how the model does on new documents. Exact copies
    are RL502; this rule reports relevant passages whose cosine similarity to a relevant
    passage of the other file is at least `leak-similarity` (0.92).

    ## Example
    The same product description with a different first sentence in train.jsonl and eval.jsonl.

    ## Fix
    Split the data by document, not by query, so that no document is on both sides.
    """

    code, name, severity = "RL606", "passage-near-leak", Severity.WARNING
    summary = "a relevant passage nearly repeats one of the paired train/eval file"
    field = "relevant passage"

    def mine(self):
        seen: set[int] = set()
        found = []
        for record in self.index.records:
            for slot, text in record.positives:
                if text not in seen:
                    seen.add(text)
                    found.append((record.line, record.relevant_key, slot, text))
        return found

    def theirs(self, side):
        return side.relevant_passages

    def same(self, a, b):
        return passage_key(a) == passage_key(b)


# --- diversity ------------------------------------------------------------------------------

class LowDiversity(SemanticRule):
    """A file-level figure: the share of items with a near-duplicate, above the maximum."""

    what = ""

    def figures(self, vectors):
        raise NotImplementedError

    def conclude(self, report, context, vectors):
        figures = self.figures(vectors)
        maximum = self.settings.max_near_duplicate_share
        if figures.items and figures.share > maximum:
            report.at_file(self, f"{figures.near_duplicates} of {figures.items} {self.what} ({figures.share:.0%}) have a "
                                 f"near-duplicate (cosine >= {self.settings.paraphrase_threshold:.2f}) in "
                                 f"{figures.clusters} groups, above the maximum of {maximum:.0%}; effective number "
                                 f"of distinct topics: {figures.effective_topics:.0f}")


class LowQueryDiversity(LowDiversity):
    """Too many queries of the file repeat or paraphrase another one: low query diversity.

    ## Why it matters
    Queries should be diverse and look like real users' queries; paraphrases do not help
    (Cohere's data guide). Templated or generated queries often differ in a few words only.
    The figure is the share of records whose query is repeated (RL402) or paraphrased (RL601,
    cosine >= `paraphrase-threshold`); it is reported when above `max-near-duplicate-share`
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
    (relevant and negative) with another passage at cosine >= `paraphrase-threshold`; it is
    reported when above `max-near-duplicate-share` (25 %).

    ## Example
    Product descriptions that all start with the same 200-word shipping notice.

    ## Fix
    Strip boilerplate from passages and add documents of the kinds the data lacks.
    """

    code, name, severity = "RL608", "low-passage-diversity", Severity.INFO
    summary = "a large share of the passages nearly repeat others"
    what = "distinct passages"

    def figures(self, vectors):
        from rerank_lint.semantic.diversity import passage_diversity

        return passage_diversity(self.index, vectors, self.settings.paraphrase_threshold)
