"""The numerical core of the coverage check, on unit-length embeddings (rows of float32 matrices).

numpy only (no torch, no scikit-learn), and bounded memory: similarities are computed in blocks
of `BLOCK_ROWS` x `BLOCK_COLS` (32 MB of float32) and never held whole, so a 100k-query log
against a 100k-query training set needs the two embedding matrices (150 MB each at 384
dimensions) and a few blocks. The classifier and the projection work on subsamples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

BLOCK_ROWS = 1024
BLOCK_COLS = 8192


def _blocks(n: int, size: int):
    for start in range(0, n, size):
        yield start, min(n, start + size)


def kth_neighbour_similarity(x: np.ndarray, k: int) -> np.ndarray:
    """For each row, the cosine similarity of its k-th nearest *other* row: the radius (as a
    similarity, larger = tighter) of its k-NN ball. With fewer than k other rows the farthest
    one is used; a single row gets 1.0 (a ball holding only itself)."""
    n = len(x)
    out = np.ones(n, dtype=np.float32)
    k = min(k, n - 1)
    if k <= 0:
        return out
    for r0, r1 in _blocks(n, BLOCK_ROWS):
        rows = x[r0:r1]
        best = np.full((r1 - r0, k), -np.inf, dtype=np.float32)  # the k largest similarities so far
        for c0, c1 in _blocks(n, BLOCK_COLS):
            sims = rows @ x[c0:c1].T
            lo, hi = max(r0, c0), min(r1, c1)
            if lo < hi:  # a row is not its own neighbour
                idx = np.arange(lo, hi)
                sims[idx - r0, idx - c0] = -np.inf
            if sims.shape[1] > k:
                sims = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:]
            merged = np.concatenate([best, sims], axis=1)
            best = np.partition(merged, merged.shape[1] - k, axis=1)[:, -k:]
        out[r0:r1] = best.min(axis=1)
    return out


@dataclass
class CrossNeighbours:
    covered: np.ndarray  # per real row: inside the ball of some training row
    nearest_train: np.ndarray  # per real row: index of its most similar training row
    nearest_train_sim: np.ndarray
    faithful: np.ndarray  # per training row: inside the ball of some real row
    nearest_real_sim: np.ndarray  # per training row: similarity of its most similar real row


def cross_neighbours(real: np.ndarray, train: np.ndarray, real_radius: np.ndarray,
                     train_radius: np.ndarray) -> CrossNeighbours:
    """One blockwise pass over real x training similarities. A real row is covered when its
    similarity to some training row t reaches t's radius; a training row is faithful when its
    similarity to some real row r reaches r's radius (radii as similarities). Only reductions
    along rows and column-wise maxima: an argmax down the columns of a C-ordered block costs
    more than the product itself (`nearest` finds the index for the few rows that need it)."""
    nr, nt = len(real), len(train)
    covered = np.zeros(nr, dtype=bool)
    near_t = np.zeros(nr, dtype=np.int64)
    near_t_sim = np.full(nr, -np.inf, dtype=np.float32)
    margin = np.full(nt, -np.inf, dtype=np.float32)  # best (similarity - real radius) per training row
    near_r_sim = np.full(nt, -np.inf, dtype=np.float32)
    for r0, r1 in _blocks(nr, BLOCK_ROWS):
        rows = real[r0:r1]
        rr = real_radius[r0:r1, None]
        for c0, c1 in _blocks(nt, BLOCK_COLS):
            sims = rows @ train[c0:c1].T
            covered[r0:r1] |= (sims >= train_radius[None, c0:c1]).any(axis=1)
            np.maximum(near_r_sim[c0:c1], sims.max(axis=0), out=near_r_sim[c0:c1])
            sims -= rr
            np.maximum(margin[c0:c1], sims.max(axis=0), out=margin[c0:c1])
            sims += rr
            arg = sims.argmax(axis=1)
            val = sims[np.arange(r1 - r0), arg]
            better = val > near_t_sim[r0:r1]
            near_t_sim[r0:r1][better] = val[better]
            near_t[r0:r1][better] = arg[better] + c0
    return CrossNeighbours(covered, near_t, near_t_sim, margin >= 0, near_r_sim)


def nearest(queries: np.ndarray, pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index, similarity) of each query's most similar pool row, blockwise."""
    best = np.full(len(queries), -np.inf, dtype=np.float32)
    index = np.zeros(len(queries), dtype=np.int64)
    for c0, c1 in _blocks(len(pool), BLOCK_COLS):
        sims = queries @ pool[c0:c1].T
        arg = sims.argmax(axis=1)
        val = sims[np.arange(len(queries)), arg]
        better = val > best
        best[better], index[better] = val[better], arg[better] + c0
    return index, best


def count_in_regions(x: np.ndarray, centres: np.ndarray, gates: np.ndarray) -> np.ndarray:
    """How many rows of x lie in each region (cosine to its centre at least its gate), blockwise."""
    inside = np.zeros(len(centres), dtype=np.int64)
    for r0, r1 in _blocks(len(x), BLOCK_COLS):
        inside += ((x[r0:r1] @ centres.T) >= gates[None, :]).sum(axis=0)
    return inside


# --- classifier two-sample test ------------------------------------------------------------

def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free


def _fit_logistic(x: np.ndarray, y: np.ndarray, l2: float, iterations: int = 30,
                  start: np.ndarray | None = None) -> np.ndarray:
    """L2-regularised logistic regression by Newton's method (d + 1 <= a few hundred: the
    Hessian is small), bias unpenalised. The penalty keeps separable sets from diverging.
    `start`: the weights to begin from (the folds of one test start from the previous fold's
    optimum, two or three steps away instead of four to ten).

    The Hessian is the one costly product (n x d^2); it is formed in float32 as S^T S with
    S = X sqrt(p (1 - p)), which BLAS computes as a symmetric rank-k update (half the work of a
    general product). An approximate Hessian only changes the path of the steps, not where they
    stop: the gradient and the weights stay float64."""
    xa = np.hstack([x, np.ones((len(x), 1), dtype=x.dtype)]).astype(np.float64)
    w = np.zeros(xa.shape[1]) if start is None else start.copy()
    penalty = np.full(xa.shape[1], l2)
    penalty[-1] = 0.0
    x32 = xa.astype(np.float32)
    for _ in range(iterations):
        p = _sigmoid(xa @ w)
        grad = xa.T @ (p - y) + penalty * w
        scaled = x32 * np.sqrt(p * (1 - p)).astype(np.float32)[:, None]
        hess = (scaled.T @ scaled).astype(np.float64) + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w


def _midranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="mergesort")
    sorted_x = x[order]
    ranks = np.empty(len(x))
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and sorted_x[j + 1] == sorted_x[i]:
            j += 1
        ranks[order[i:j + 1]] = 0.5 * (i + j) + 1
        i = j + 1
    return ranks


def auc_delong(pos: np.ndarray, neg: np.ndarray) -> tuple[float, float]:
    """AUC (P(score of a positive > score of a negative), ties half) and its DeLong variance
    (DeLong et al. 1988, fast form of Sun & Xu 2014)."""
    m, n = len(pos), len(neg)
    all_ranks = _midranks(np.concatenate([pos, neg]))
    pos_ranks, neg_ranks = _midranks(pos), _midranks(neg)
    v10 = (all_ranks[:m] - pos_ranks) / n
    v01 = 1.0 - (all_ranks[m:] - neg_ranks) / m
    auc = float(v10.mean())
    var = float(v10.var(ddof=1) / m + v01.var(ddof=1) / n) if m > 1 and n > 1 else float("nan")
    return auc, var


@dataclass
class TwoSampleResult:
    auc: float
    ci_low: float
    ci_high: float
    p_value: float  # one-sided, H0: the classifier does no better than chance (AUC = 0.5)
    n_real: int
    n_train: int
    folds: int


def classifier_two_sample(real: np.ndarray, train: np.ndarray, *, max_per_set: int = 4000, folds: int = 5,
                          l2: float = 10.0, seed: int = 0) -> TwoSampleResult | None:
    """Classifier two-sample test (Lopez-Paz & Oquab 2017): a logistic regression tries to tell a
    real query from a training query by its embedding; every query is scored by a model that
    did not see it (k-fold cross-fitting) and the AUC of those scores is the figure. None when
    either set has fewer than 2 x `folds` queries. The features are standardised on each
    training fold, so `l2` means the same for any embedding model."""
    rng = np.random.default_rng(seed)
    m = min(len(real), len(train), max_per_set)
    if m < 2 * folds:
        return None
    # Equal sizes: the AUC does not depend on the balance, but a fold then holds both classes.
    r = real[rng.choice(len(real), m, replace=False)] if len(real) > m else real
    t = train[rng.choice(len(train), m, replace=False)] if len(train) > m else train
    x = np.concatenate([r, t]).astype(np.float32)
    y = np.concatenate([np.zeros(m), np.ones(m)])
    fold_of = np.concatenate([rng.permutation(m) % folds, rng.permutation(m) % folds])
    scores = np.empty(2 * m)
    w = None
    for f in range(folds):
        fit, held = fold_of != f, fold_of == f
        mean = x[fit].mean(axis=0)
        std = x[fit].std(axis=0) + 1e-6
        w = _fit_logistic((x[fit] - mean) / std, y[fit], l2, start=w)
        scores[held] = ((x[held] - mean) / std) @ w[:-1] + w[-1]
    auc, var = auc_delong(scores[y == 1], scores[y == 0])
    half = 1.959964 * math.sqrt(max(var, 0.0)) if not math.isnan(var) else float("nan")
    # Under H0 the AUC is a Mann–Whitney statistic with variance (n1 + n0 + 1) / (12 n1 n0).
    z = (auc - 0.5) / math.sqrt((2 * m + 1) / (12.0 * m * m))
    p = 0.5 * math.erfc(z / math.sqrt(2))
    return TwoSampleResult(round(auc, 4), round(max(0.0, auc - half), 4), round(min(1.0, auc + half), 4),
                           float(f"{p:.3g}"), m, m, folds)


# --- topics ------------------------------------------------------------------------------

def spherical_kmeans(x: np.ndarray, k: int, *, iterations: int = 25, seed: int = 0) -> np.ndarray:
    """Unit-length centroids of k clusters by cosine (k-means++ seeding, Arthur & Vassilvitskii
    2007, then Lloyd steps with renormalised means)."""
    rng = np.random.default_rng(seed)
    n = len(x)
    k = max(1, min(k, n))
    centroids = np.empty((k, x.shape[1]), dtype=np.float32)
    centroids[0] = x[rng.integers(n)]
    gap = np.maximum(0.0, 1.0 - x @ centroids[0])
    for i in range(1, k):
        total = gap.sum()
        pick = rng.choice(n, p=gap / total) if total > 0 else rng.integers(n)
        centroids[i] = x[pick]
        gap = np.minimum(gap, np.maximum(0.0, 1.0 - x @ centroids[i]))
    for _ in range(iterations):
        labels = assign(x, centroids)
        sums = np.zeros_like(centroids)
        np.add.at(sums, labels, x)
        norms = np.linalg.norm(sums, axis=1)
        empty = norms == 0
        if empty.any():  # restart an empty cluster at the worst-served point
            worst = np.argsort((x * centroids[labels]).sum(axis=1))[: int(empty.sum())]
            sums[empty] = x[worst]
            norms[empty] = np.linalg.norm(x[worst], axis=1)
        updated = (sums / norms[:, None]).astype(np.float32)
        if np.allclose(updated, centroids, atol=1e-6):
            break
        centroids = updated
    return centroids


def assign(x: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    labels = np.empty(len(x), dtype=np.int64)
    for r0, r1 in _blocks(len(x), BLOCK_COLS):
        labels[r0:r1] = (x[r0:r1] @ centroids.T).argmax(axis=1)
    return labels


def merge_clusters(x: np.ndarray, labels: np.ndarray, merge_ratio: float) -> np.ndarray:
    """Average-linkage merging of k-means clusters, relative to their own coherence: A and B
    are one topic when the mean similarity between their members is at least `merge_ratio`
    times the geometric mean of their mean inner similarities. k-means splits a large or loose
    topic into pieces about as similar to each other as inside themselves; distinct topics are
    far less similar across than within. Relative, so it holds for any model's cosine scale
    (a loose MiniLM topic has inner similarities near 0.3). Returns new labels 0..m-1."""
    ids = [int(i) for i in np.unique(labels)]
    sums = {i: x[labels == i].sum(axis=0).astype(np.float64) for i in ids}
    sizes = {i: int((labels == i).sum()) for i in ids}
    parent = {i: i for i in ids}

    def inner(i: int) -> float:
        n = sizes[i]
        return float((sums[i] @ sums[i] - n) / (n * (n - 1))) if n > 1 else float("nan")

    while len(sums) > 1:
        keys = list(sums)
        within = np.array([inner(k) for k in keys])
        # A single query has no inner similarity: it is measured against its partner's.
        best, pair = -np.inf, None
        for a in range(len(keys)):
            for b in range(a + 1, len(keys)):
                cross = sums[keys[a]] @ sums[keys[b]] / (sizes[keys[a]] * sizes[keys[b]])
                wa, wb = within[a], within[b]
                wa = wb if np.isnan(wa) else wa
                wb = wa if np.isnan(wb) else wb
                scale = np.sqrt(max(wa, 1e-6) * max(wb, 1e-6)) if not np.isnan(wa) else 1.0
                score = cross / scale
                if score > best:
                    best, pair = score, (keys[a], keys[b])
        if pair is None or best < merge_ratio:
            break
        keep, gone = pair
        sums[keep] += sums.pop(gone)
        sizes[keep] += sizes.pop(gone)
        for k, v in parent.items():
            if v == gone:
                parent[k] = keep
    final = {root: n for n, root in enumerate(sorted(set(parent.values())))}
    return np.array([final[parent[int(l)]] for l in labels], dtype=np.int64)


def topics(x: np.ndarray, *, max_clusters: int = 40, fit_sample: int = 20000, merge_ratio: float = 0.5,
           seed: int = 0) -> np.ndarray:
    """Topic labels of the rows of x: spherical k-means with k ~ sqrt(n / 2) (a common rule of
    thumb, capped) fitted on a sample, every row assigned, then over-split clusters merged."""
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n < 3:
        return np.zeros(n, dtype=np.int64)
    k = max(1, min(max_clusters, math.ceil(math.sqrt(n / 2))))
    rng = np.random.default_rng(seed)
    sample = x[rng.choice(n, fit_sample, replace=False)] if n > fit_sample else x
    labels = assign(x, spherical_kmeans(sample, k, seed=seed))
    return merge_clusters(x, labels, merge_ratio)


# --- projection ------------------------------------------------------------------------

@dataclass
class Projection:
    real: np.ndarray  # (n, 2) coordinates of the sampled real rows
    train: np.ndarray
    real_rows: np.ndarray  # which rows were sampled
    train_rows: np.ndarray
    explained: tuple[float, float]  # share of the variance along each axis


def pca_2d(real: np.ndarray, train: np.ndarray, *, max_per_set: int = 3000, seed: int = 0) -> Projection:
    """Both sets on the first two principal axes of their union (PCA by SVD of a sample):
    linear, so distances along the axes mean what they mean in the embedding space."""
    rng = np.random.default_rng(seed)
    rr = np.sort(rng.choice(len(real), min(len(real), max_per_set), replace=False))
    tr = np.sort(rng.choice(len(train), min(len(train), max_per_set), replace=False))
    both = np.concatenate([real[rr], train[tr]]).astype(np.float64)
    mean = both.mean(axis=0)
    centered = both - mean
    if len(both) < 2:
        axes = np.eye(both.shape[1])[:2]
        explained = (0.0, 0.0)
    else:
        _, s, vt = np.linalg.svd(centered, full_matrices=False)
        axes = vt[:2]
        if len(axes) < 2:
            axes = np.vstack([axes, np.zeros_like(axes)])
        var = s ** 2
        total = var.sum() or 1.0
        explained = tuple(float(round(v / total, 4)) for v in (list(var[:2]) + [0.0, 0.0])[:2])
    coords = centered @ axes.T
    return Projection(coords[:len(rr)].astype(np.float32), coords[len(rr):].astype(np.float32), rr, tr, explained)
