"""Dataset-level diversity of queries and passages, from their embeddings.

Two figures each, both cheap once the texts are embedded:
- the share of items that have a near-duplicate (cosine >= `paraphrase-threshold`): paraphrased
  or repeated queries, and passages that say the same thing;
- the effective number of distinct topics: the Vendi score (Friedman & Dieng, 2023), exp of the
  entropy of the eigenvalues of the items' cosine-similarity matrix divided by their number.
  It is 1 when all items are the same and the number of items when all are orthogonal; with
  sentence embeddings it saturates below the dimension (384 for the default model), so it
  compares files of similar size, not a small file with a large one.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass

from rerank_lint.semantic.index import figures_of


@dataclass
class Diversity:
    items: int  # records with a query, or distinct passages
    near_duplicates: int  # of those, items with a near-duplicate
    clusters: int  # groups of near-duplicates
    effective_topics: float

    @property
    def share(self) -> float:
        return self.near_duplicates / self.items if self.items else 0.0

    def as_dict(self) -> dict:
        return asdict(self) | {"near_duplicate_share": round(self.share, 4), "effective_topics": round(self.effective_topics, 1)}


def vendi_score(gram, n: int) -> float:
    """exp(entropy) of the spectrum of K/n, K = X X^T, from the (dim x dim) matrix X^T X / n
    (`gram` is X^T X of the n items): the same non-zero eigenvalues, in O(dim^3) time."""
    import numpy as np

    if n == 0:
        return 0.0
    eigenvalues = np.linalg.eigvalsh(gram / n)
    eigenvalues = eigenvalues[eigenvalues > 1e-12]
    eigenvalues = eigenvalues / eigenvalues.sum()
    return float(math.exp(-(eigenvalues * np.log(eigenvalues)).sum()))


class TopicSpread:
    """The Vendi score of a set of texts that changes a few at a time: X^T X (O(n dim^2) to
    build) is a sum over the texts, so texts that join or leave add or subtract their own outer
    products."""

    def __init__(self):
        self.members: set[int] = set()
        self.gram = None

    def score(self, ids, vectors) -> float:
        import numpy as np

        wanted = ids.tolist()
        present = set(wanted)
        joined = [t for t in wanted if t not in self.members]
        gone = [t for t in self.members if t not in present]
        if self.gram is None or len(joined) + len(gone) > len(present) // 2:
            x = np.asarray(vectors[wanted], dtype=np.float64)
            self.gram = x.T @ x
        else:
            for texts, sign in ((joined, 1.0), (gone, -1.0)):
                if texts:
                    x = np.asarray(vectors[texts], dtype=np.float64)
                    self.gram += sign * (x.T @ x)
        self.members = present
        return vendi_score(self.gram, len(wanted))


class NearDuplicates:
    """Pairs of texts with cosine >= threshold (and, with `figures`, the same numbers and
    symbols), kept across passes: `pairs` for a new set of texts compares only the texts that
    joined it, with each other and with those already there. A set built at once is
    `similar_pairs` over it."""

    def __init__(self, threshold: float, figures: bool = True):
        self.threshold = threshold
        self.figures = figures
        self.partners: dict[int, dict[int, float]] = {}  # every member -> {partner: cosine}
        self._figures: dict[int, Counter] = {}
        self._last: tuple | None = None

    def pairs(self, ids, vectors, texts: list[str]):
        """Pairs (positions in `ids`, first < second) with their scores, ordered."""
        import numpy as np

        from rerank_lint.semantic.search import cross_pairs, similar_pairs

        wanted = ids.tolist()
        present = set(wanted)
        partners = self.partners
        gone = [t for t in partners if t not in present]
        for t in gone:
            for other in partners.pop(t):
                if other in partners:
                    del partners[other][t]
            self._figures.pop(t, None)
        joined = [t for t in wanted if t not in partners]
        if joined:
            old = list(partners)
            for t in joined:
                partners[t] = {}
            new_vectors = vectors[joined]
            self._link(joined, joined, *similar_pairs(new_vectors, self.threshold), texts)
            if old:
                self._link(joined, old, *cross_pairs(new_vectors, vectors[old], self.threshold), texts)
        if self._last is not None and not gone and not joined and self._last[0] == wanted:
            return self._last[1]
        position = {t: k for k, t in enumerate(wanted)}
        first, second, score = [], [], []
        for t, others in partners.items():
            k = position[t]
            for other, similarity in others.items():
                m = position[other]
                if k < m:
                    first.append(k)
                    second.append(m)
                    score.append(similarity)
        first, second, score = np.array(first, dtype=np.int64), np.array(second, dtype=np.int64), np.array(score, dtype=np.float32)
        order = np.lexsort((second, first))
        found = first[order], second[order], score[order]
        self._last = (wanted, found)
        return found

    def _link(self, rows: list[int], columns: list[int], i, j, score, texts: list[str]) -> None:
        partners = self.partners
        for a, b, similarity in zip(i.tolist(), j.tolist(), score.tolist()):
            a, b = rows[a], columns[b]
            if a != b and (not self.figures or self._figures_of(a, texts) == self._figures_of(b, texts)):
                partners[a][b] = partners[b][a] = similarity

    def _figures_of(self, text: int, texts: list[str]) -> Counter:
        found = self._figures.get(text)
        if found is None:
            found = self._figures[text] = figures_of(texts[text])
        return found


def near_duplicate_pairs(index, ids, what: str, threshold: float):
    """Pairs (positions in `ids`) of the texts of one kind ("queries", "passages") that nearly
    repeat each other, from the index's kept `NearDuplicates` of that kind. Query pairs are all
    kept: whether two queries ask the same thing is `difference.compare`'s verdict, which
    `query_candidates` adds; passages must have the same numbers and symbols."""
    vectors = index.vectors()
    found = index.keep(("near-duplicates", what, threshold), lambda: NearDuplicates(threshold, figures=what != "queries"))
    return found.pairs(ids, vectors, index.table.texts)


def query_candidate_floor(settings) -> float:
    return min(settings.paraphrase_threshold, settings.paraphrase_info_threshold)


def query_candidates(index):
    """Pairs of distinct queries (groups of RL402, positions in `query_groups().text`) with
    cosine >= the candidate floor, their scores, and `compare`'s verdict on each: computed once
    a pass, the verdicts kept across passes (text ids are never reused)."""
    def compute():
        import numpy as np

        from rerank_lint.semantic.difference import compare

        groups = index.query_groups()
        first, second, score = near_duplicate_pairs(index, groups.text, "queries", query_candidate_floor(index.settings))
        verdicts = index.keep("query-verdicts", dict)
        texts, ids = index.table.texts, groups.text
        found = []
        for a, b in zip(ids[first].tolist(), ids[second].tolist()):
            key = (a, b) if a < b else (b, a)
            verdict = verdicts.get(key)
            if verdict is None:
                verdict = verdicts[key] = compare(texts[a], texts[b])
            found.append(verdict)
        same = np.array([v.same_question for v in found], dtype=bool)
        return first, second, score, same, found

    return index.memo("query-candidates", compute)


def query_near_duplicates(index, vectors, threshold: float):
    """Pairs of distinct queries (groups of RL402) that ask the same question at cosine >=
    `threshold`, and the cluster of each group: computed once, shared by RL601, RL607 and
    `stats`."""
    def compute():
        from rerank_lint.semantic.search import clusters

        groups = index.query_groups()
        if threshold >= query_candidate_floor(index.settings):
            first, second, score, same, _ = query_candidates(index)
            keep = same & (score >= threshold)
            first, second, score = first[keep], second[keep], score[keep]
        else:  # stats with a lower threshold than the rules use: its own pairs
            from rerank_lint.semantic.difference import compare

            first, second, score = near_duplicate_pairs(index, groups.text, "queries", threshold)
            texts, ids = index.table.texts, groups.text
            keep = [compare(texts[ids[a]], texts[ids[b]]).same_question for a, b in zip(first.tolist(), second.tolist())]
            import numpy as np

            keep = np.array(keep, dtype=bool)
            first, second, score = first[keep], second[keep], score[keep]
        return first, second, score, clusters(len(groups.text), first, second)

    return index.memo(f"query-pairs@{threshold}", compute)


def query_diversity(index, vectors, threshold: float) -> Diversity:
    import numpy as np

    groups = index.query_groups()
    first, second, _, labels = query_near_duplicates(index, vectors, threshold)
    paraphrased = np.zeros(len(groups.text), dtype=bool)
    paraphrased[first] = paraphrased[second] = True
    # A record's query is a near-duplicate when it is repeated (RL402) or paraphrased (RL601).
    near = paraphrased | (groups.records > 1)
    # A repeated query that paraphrases nothing is a cluster of its own (its own label).
    return Diversity(int(groups.records.sum()), int(groups.records[near].sum()), len(set(labels[near].tolist())),
                     index.keep("spread:queries", TopicSpread).score(groups.text, vectors))


def passage_diversity(index, vectors, threshold: float) -> Diversity:
    import numpy as np

    from rerank_lint.semantic.search import clusters

    ids = index.passage_ids()
    first, second, _ = near_duplicate_pairs(index, ids, "passages", threshold)
    near = np.zeros(len(ids), dtype=bool)
    near[first] = near[second] = True
    labels = clusters(len(ids), first, second)
    return Diversity(len(ids), int(near.sum()), len(set(labels[near].tolist())),
                     index.keep("spread:passages", TopicSpread).score(ids, vectors))


def figures(index, settings) -> dict | None:
    """The diversity section of `rerank-lint stats --semantic`; None without a model."""
    vectors = index.vectors()
    if vectors is None:
        return None
    threshold = settings.paraphrase_threshold
    return {
        "model": settings.semantic_model,
        "threshold": threshold,
        "queries": query_diversity(index, vectors, threshold).as_dict(),
        "passages": passage_diversity(index, vectors, settings.passage_duplicate_threshold).as_dict(),
    }
