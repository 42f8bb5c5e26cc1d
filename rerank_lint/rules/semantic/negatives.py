"""RL602-RL604: hard negatives that are too easy, that may answer the query, or that were mined by word overlap."""

from __future__ import annotations

from dataclasses import dataclass

import re
from typing import TYPE_CHECKING

from rerank_lint.diagnostics.diagnostic import Severity
from rerank_lint.source.normalize import passage_key
from rerank_lint.semantic.index import NO_TEXT, SemanticIndex

from rerank_lint.rules.semantic.base import SemanticRule

if TYPE_CHECKING:
    import numpy as np


@dataclass
class NegativeScores:
    """Per hard negative of the records with a query and a relevant passage."""

    record: "np.ndarray"  # position in index.records
    slot: "np.ndarray"  # index in the record's negative list (RecordTexts.negative_at says where)
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
            related = report.related_value(record.line, *record.positive_at(slot), what)
            report.at_value(self, *record.negative_at(int(scores.slot[k])), message, related=[related])


def _positive_named(record, slot: int) -> str:
    """A relevant passage as a message names it. A sentence-transformers slot counts the
    record's positives only, so the column (and list item) is named instead of a number that
    would point at the wrong passage."""
    if not record.positive_places:
        return f"relevant passage {slot + 1}"
    key, index = record.positive_at(slot)
    return f"relevant passage `{key}`" if index is None else f"relevant passage {index + 1} of `{key}`"


class EasyNegative(NegativeRule):
    """A hard negative that is not hard: far less similar to the query than its relevant passages.

    ## Why it matters
    Hard negatives should be semantically close to the query yet not answer it (Cohere's data
    guide); a random or off-topic passage is ranked last by any model and teaches nothing. A
    negative is reported when its cosine similarity to the query is below `easy-negative-floor`
    (0.05), or below `easy-negative-ratio` (0.30) times that of the record's least similar
    relevant passage. A sentence-transformers record's passages are read by role (the first
    passage column of a triplet or n-tuple is the positive; a labeled list says it by label),
    and each negative is reported on its own column, e.g. `negative_2`.

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
    if its score is at most 95 % of the positive's (with several positives, the lowest).

    A record with teacher scores (FlagEmbedding's `pos_scores` / `neg_scores`) is judged by
    them, every negative: a negative the teacher ranks above the record's lowest relevant
    passage is a warning. Teacher scores are compared by order, not by share: FlagEmbedding
    reads them only through a softmax, which a constant shift does not change, so they have no
    zero to take 95 % of (the real files carry 83-103, where 95 % of the lowest positive lies
    below half of the negatives; logits can be negative). They are rounded, too (fp16 by
    default in FlagEmbedding's `add_reranker_score.py`: steps of 1/16 near 100), so a
    difference of at most one rounding step is a tie: info, with the scores.

    Does such a negative harm training? FlagEmbedding's reranker loss always has the
    cross-entropy term that puts the positive above every negative of the group, so the
    negative is trained as a negative whether `--knowledge_distillation` is on or off (off, the
    default, drops the scores); with it on, the teacher's softmax adds a second target that
    ranks the same negative first: two targets that disagree. Read by hand on bge_msmarco, 14
    of the 14 warnings are passages that answer the query as well as the labelled one (MS
    MARCO's mined negatives are known to hold unlabeled positives); bge_nq's two were ties
    (one answered, one did not) and are info.

    Elsewhere the embedding model picks candidates: a negative whose cosine similarity to the
    query is at least `false-negative-candidate-ratio` (0.90) times the least similar relevant
    passage's (when that one scores at least `false-negative-min-positive`, 0.5), or whose
    cosine to a relevant passage is at least `false-negative-passage-similarity` (0.95). The
    candidates are judged in one batch by the cross-encoder of `semantic-judge`, else by the
    embedding model: a cross-encoder score at least `false-negative-ratio` of the lowest
    relevant passage's (TopK-PercPos; NV-Retriever uses 0.95) is a warning; the embedding
    model's verdict (the same share of cosines, or the near-copy test) is info only, because a
    22M-parameter bi-encoder tells "is about the query" well and "answers it" badly. The scores
    are in the message. An exact copy is RL404's. A sentence-transformers record is read as for
    RL602: the negative is reported on its own column (or list element), the positive related.

    ## Severity
    A `severity` override of RL603 sets the level of the strong verdicts (a teacher's clear
    order, a cross-encoder's); ties and the embedding model's stay info.

    ## Example
        {"query": "capital of France", "relevant_passages": ["Paris is the capital of France."],
         "hard_negatives": ["Paris is the capital city of France."]}

    ## Fix
    Check the negative: if it answers the query, move it to the relevant passages; otherwise
    replace it by a negative mined with a margin (`mine_hard_negatives(relative_margin=0.05)`).
    For verdicts you can trust, set `semantic-judge` to a local reranker (the base model of the
    reranker you fine-tune will do).
    """

    code, name, severity = "RL603", "false-negative", Severity.WARNING
    summary = "a hard negative that probably answers the query"

    def candidates(self, scores) -> list[int]:
        import numpy as np

        settings = self.settings
        copies = scores.to_positive >= settings.false_negative_passage_similarity
        # The share means something only where the model sees the relevant passage as relevant.
        judged = scores.lowest_positive >= settings.false_negative_min_positive
        relevant = judged & (scores.to_query >= settings.false_negative_candidate_ratio * scores.lowest_positive)
        texts, records = self.index.table.texts, self.index.records
        # Teacher scores cost nothing and outrank the embedding model: every negative of a
        # record that has them is judged by them.
        scored = np.array([record.teacher is not None for record in records], dtype=bool)
        taught = scored[scores.record] if len(scores.record) else np.zeros(0, dtype=bool)
        return [k for k in np.flatnonzero(copies | relevant | taught).tolist()
                if not self._exact_copy(texts, records[scores.record[k]], scores.text[k])]

    @staticmethod
    def _exact_copy(texts, record, negative) -> bool:
        key = passage_key(texts[negative])
        return any(passage_key(texts[t]) == key for _, t in record.positives)

    def conclude(self, report, context, vectors):
        from rerank_lint.semantic.judge import Candidate

        scores = negative_scores(self.index, vectors)
        picked = self.candidates(scores)
        if not picked:
            return
        texts, records = self.index.table.texts, self.index.records
        candidates = []
        for k in picked:
            record = records[scores.record[k]]
            teacher = None
            if record.teacher is not None:
                positive_scores, negative_scores_ = record.teacher
                teacher = (tuple(positive_scores[slot] for slot, _ in record.positives), negative_scores_[int(scores.slot[k])])
            candidates.append(Candidate(k, texts[record.query], tuple(texts[t] for _, t in record.positives),
                                        texts[scores.text[k]], teacher))
        judge = self._judge(any(c.teacher is None for c in candidates))
        ratio = self.settings.false_negative_ratio
        current = None
        for verdict in sorted(judge.judge(candidates), key=lambda v: (records[scores.record[v.key]].line, v.key)):
            k = verdict.key
            copy = scores.to_positive[k] >= self.settings.false_negative_passage_similarity
            suspect = verdict.false_negative(ratio)
            if not (suspect or (copy and not verdict.trusted)):
                continue  # a teacher or a cross-encoder overrules the embedding model's suspicion
            record = records[scores.record[k]]
            if record.line != current:
                if not report.rebind(record.line):
                    continue
                current = record.line
            slot = record.positives[verdict.lowest_index][0]
            near_copy = f"cosine {scores.to_positive[k]:.2f} to {_positive_named(record, int(scores.closest_slot[k]))}"
            found = verdict.describe(ratio) if suspect else near_copy
            if copy and suspect and not verdict.trusted:
                found += f"; {near_copy}"
            if copy and not suspect:
                slot, what = int(scores.closest_slot[k]), "the relevant passage it nearly repeats"
            else:
                what = "the relevant passage the judge scores lowest"
            strong = verdict.strong(ratio)
            related = report.related_value(record.line, *record.positive_at(slot), what)
            report.at_value(self, *record.negative_at(int(scores.slot[k])),
                            f"probable false negative: {found}{self._caveat(verdict, strong)}", related=[related],
                            weak=not strong)

    @staticmethod
    def _caveat(verdict, strong: bool) -> str:
        from rerank_lint.semantic.judge import TEACHER

        if verdict.source == TEACHER:
            # Read in FlagEmbedding's AbsRerankerModel.forward: the cross-entropy term always
            # trains the group's first passage (the positive) above every negative; the
            # distillation term, when on, adds the teacher's softmax as a second target.
            return ("; FlagEmbedding trains it as a negative all the same (its cross-entropy term; with "
                    "--knowledge_distillation the teacher's soft target pulls it the other way)" if strong
                    else ": a tie is no verdict, check it")
        if not verdict.trusted:
            return " (the embedding model's guess: set `semantic-judge` for a verdict)"
        return ""

    def _judge(self, need_model: bool):
        """The judge, kept across passes; the cross-encoder is loaded only when some candidate
        has no teacher scores."""
        from rerank_lint.semantic import notify
        from rerank_lint.semantic.judge import BiEncoderScorer, Judge, JudgeNotFound

        setting = self.settings.semantic_judge
        kept = self.index.keep(("judge", setting), dict)
        if "judge" not in kept:
            kept["judge"] = Judge(None, BiEncoderScorer(self._embed))
        judge = kept["judge"]
        if need_model and setting and judge.cross_encoder is None and not kept.get("failed"):
            try:
                judge.cross_encoder = RememberedScores(load_cross_encoder(self.settings))
            except JudgeNotFound as exc:  # the CLI said so before checking (exit 2); an editor goes on
                notify(f"rerank-lint: error: {exc}")
                kept["failed"] = True
            except ImportError:
                from rerank_lint.semantic import MISSING_MESSAGE

                notify(MISSING_MESSAGE)
                kept["failed"] = True
        return judge

    def _embed(self, texts):
        import numpy as np

        # The candidates' texts are the index's own: their vectors are there already.
        ids = [self.index.table.ids.get(t) for t in texts]
        if all(i is not None for i in ids):
            return self.index.vectors()[ids]
        found = self.index.embed(texts)
        if found is None:
            raise RuntimeError("no embedding model")  # not reached: the rule runs only with vectors
        return np.asarray(found)


def load_cross_encoder(settings):
    from rerank_lint.semantic.embedder import pick_device
    from rerank_lint.semantic.judge import CrossEncoderScorer, resolve_judge

    folder = resolve_judge(settings.semantic_judge, settings.root)
    return CrossEncoderScorer(folder, device=pick_device(settings.semantic_device))


class RememberedScores:
    """A scorer that scores each (query, passage) pair once per session: an editor's next pass
    re-judges the same candidates."""

    def __init__(self, scorer):
        self.scorer, self.source, self.strong = scorer, scorer.source, scorer.strong
        self.known: dict[tuple[str, str], float] = {}

    def score(self, pairs):
        missing = list(dict.fromkeys(p for p in pairs if p not in self.known))
        if missing:
            self.known.update(zip(missing, self.scorer.score(missing)))
        return [self.known[p] for p in pairs]


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
