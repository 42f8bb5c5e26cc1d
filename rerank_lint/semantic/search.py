"""Similarity search over unit vectors without an N x N matrix in memory.

Rows are compared block by block (one matrix product per block, sized to a memory budget),
and only the pairs above a threshold are kept, at most `top_k` per row, so memory is bounded
by the block and by N * top_k pairs. Time is still N^2 * dim multiply-adds: about a minute
for 100 000 texts on two CPU cores, and it grows with the square beyond (docs/semantic.md).
"""

from __future__ import annotations

import numpy as np

BLOCK_BYTES = 64 << 20  # the similarity block: 64 MB of float32 scores
TOP_K = 100  # neighbours kept per row, as sentence_transformers.util.paraphrase_mining


def _rows_per_block(columns: int) -> int:
    return max(1, min(4096, BLOCK_BYTES // (4 * max(1, columns))))


def similar_pairs(vectors: np.ndarray, threshold: float, top_k: int = TOP_K) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i < j) with cosine similarity >= threshold: arrays of i, j and the score.

    Each row is compared with the rows after it only (the upper triangle: half the work).
    """
    return _pairs(vectors, vectors, threshold, top_k, triangle=True)


def cross_pairs(new: np.ndarray, old: np.ndarray, threshold: float, top_k: int = TOP_K) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i in `new`, j in `old`) with cosine similarity >= threshold, at most `top_k` per
    row of `new`: what a few texts that joined a set add to its pairs."""
    return _pairs(new, old, threshold, top_k, triangle=False)


def _pairs(rows: np.ndarray, columns: np.ndarray, threshold: float, top_k: int, triangle: bool):
    """Block by block: at most `top_k` pairs per row; with `triangle` (rows and columns are
    the same vectors), only the columns after each row."""
    n = len(rows)
    firsts, seconds, scores = [], [], []
    step = _rows_per_block(len(columns))
    for start in range(0, n if len(columns) else 0, step):
        stop = min(n, start + step)
        offset = start if triangle else 0
        block = rows[start:stop] @ columns[offset:].T
        if triangle:
            # Columns at or before each row's own position are the lower triangle and itself.
            block[np.arange(stop - start)[:, None] >= np.arange(n - start)[None, :]] = -np.inf
        i, j = np.nonzero(block >= threshold)
        if len(i) == 0:
            continue
        s = block[i, j]
        if np.bincount(i).max() > top_k:
            keep = _top_k_per_row(i, s, top_k)
            i, j, s = i[keep], j[keep], s[keep]
        firsts.append(i + start)
        seconds.append(j + offset)
        scores.append(s)
    if not firsts:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty.copy(), np.empty(0, dtype=np.float32)
    return np.concatenate(firsts), np.concatenate(seconds), np.concatenate(scores).astype(np.float32)


def _top_k_per_row(rows: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the k best scores of each row among (row, score) hits sorted by row."""
    order = np.lexsort((-scores, rows))
    ranked_rows = rows[order]
    starts = np.searchsorted(ranked_rows, ranked_rows, side="left")
    rank = np.arange(len(order)) - starts
    return np.sort(order[rank < k])


def best_matches(queries: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each query vector, the index and cosine similarity of its most similar target."""
    n = len(queries)
    best = np.full(n, -1, dtype=np.int64)
    score = np.full(n, -np.inf, dtype=np.float32)
    if n == 0 or len(targets) == 0:
        return best, score
    rows = _rows_per_block(len(targets))
    for start in range(0, n, rows):
        block = queries[start:start + rows] @ targets.T
        best[start:start + rows] = block.argmax(axis=1)
        score[start:start + rows] = block.max(axis=1)
    return best, score


def clusters(n: int, firsts: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """Connected components of the pair graph (union-find): a label per item, equal within a
    cluster; items in no pair keep their own index."""
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(firsts.tolist(), seconds.tolist()):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([root(x) for x in range(n)], dtype=np.int64)


def group_best(groups: np.ndarray, scores: np.ndarray, size: int, lowest: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """For each group 0..size-1, the position (in `scores`) and value of its highest (or lowest)
    score; position -1 and value NaN for a group with no entry."""
    position = np.full(size, -1, dtype=np.int64)
    value = np.full(size, np.nan, dtype=np.float32)
    if len(groups) == 0:
        return position, value
    # Sorted by group, then by score with the wanted extreme last in each group's run.
    order = np.lexsort((-scores if lowest else scores, groups))
    sorted_groups = groups[order]
    last = np.flatnonzero(np.append(sorted_groups[1:] != sorted_groups[:-1], True))
    position[sorted_groups[last]] = order[last]
    value[sorted_groups[last]] = scores[order[last]]
    return position, value


def row_dot(vectors: np.ndarray, left: np.ndarray, right: np.ndarray, chunk: int = 1 << 15) -> np.ndarray:
    """Cosine similarity of vectors[left[k]] and vectors[right[k]] for each k, in chunks so the
    gathered rows stay small."""
    out = np.empty(len(left), dtype=np.float32)
    for start in range(0, len(left), chunk):
        a = vectors[left[start:start + chunk]]
        b = vectors[right[start:start + chunk]]
        out[start:start + chunk] = np.einsum("ij,ij->i", a, b)
    return out
