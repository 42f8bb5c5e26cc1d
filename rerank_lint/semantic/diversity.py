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

from .index import figures_of


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


def vendi_score(vectors) -> float:
    """exp(entropy) of the spectrum of K/n, K = X X^T, from the (dim x dim) matrix X^T X / n:
    the same non-zero eigenvalues, in O(n dim^2) time and O(dim^2) memory."""
    import numpy as np

    n = len(vectors)
    if n == 0:
        return 0.0
    x = np.asarray(vectors, dtype=np.float64)
    eigenvalues = np.linalg.eigvalsh(x.T @ x / n)
    eigenvalues = eigenvalues[eigenvalues > 1e-12]
    eigenvalues = eigenvalues / eigenvalues.sum()
    return float(math.exp(-(eigenvalues * np.log(eigenvalues)).sum()))


def near_duplicate_pairs(vectors, ids, texts: list[str], threshold: float):
    """Pairs (positions in `ids`) of texts with cosine >= threshold and the same numbers and
    symbols, with their scores."""
    import numpy as np

    from .search import similar_pairs

    first, second, score = similar_pairs(vectors[ids], threshold)
    signature: dict[int, Counter] = {}

    def of(position: int) -> Counter:
        if position not in signature:
            signature[position] = figures_of(texts[ids[position]])
        return signature[position]

    keep = np.array([of(a) == of(b) for a, b in zip(first.tolist(), second.tolist())], dtype=bool)
    if len(keep):
        first, second, score = first[keep], second[keep], score[keep]
    return first, second, score


def query_near_duplicates(index, vectors, threshold: float):
    """Pairs of distinct queries (groups of RL402) that nearly repeat each other, and the cluster
    of each group: computed once, shared by RL601, RL607 and `stats`."""
    def compute():
        from .search import clusters

        groups = index.query_groups()
        first, second, score = near_duplicate_pairs(vectors, groups.text, index.table.texts, threshold)
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
                     vendi_score(vectors[groups.text]))


def passage_diversity(index, vectors, threshold: float) -> Diversity:
    import numpy as np

    from .search import clusters

    ids = index.passage_ids()
    first, second, _ = near_duplicate_pairs(vectors, ids, index.table.texts, threshold)
    near = np.zeros(len(ids), dtype=bool)
    near[first] = near[second] = True
    labels = clusters(len(ids), first, second)
    return Diversity(len(ids), int(near.sum()), len(set(labels[near].tolist())), vendi_score(vectors[ids]))


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
        "passages": passage_diversity(index, vectors, threshold).as_dict(),
    }
