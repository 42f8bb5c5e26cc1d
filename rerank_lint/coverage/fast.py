"""The neighbour search of the coverage check on large sets: reduced vectors, exact decisions.

Exact k-NN radii and the cross pass cost three n x n products at the model's full dimension
(384 for MiniLM): about 8 minutes at 100k x 100k on 2 cores, nearly all of it in the matrix
products. Here the products run on the vectors projected on the top `dims` right singular
vectors of a sample of both sets (uncentred, so x.y = Px.Py + rx.ry exactly, where rx is the
part of x the projection drops), which is about 3 times cheaper, and every figure is then
settled on the full vectors:

- k-NN radius: the `candidates` most similar rows by the reduced product are re-scored
  exactly and the k-th of those is the radius. It can only be lower than the exact radius
  (a subset's k-th best is at most the set's), and is equal whenever the true k nearest are
  among the candidates (0.99+ on MiniLM embeddings of real files; each run checks a sample
  against the exact radius and computes them all exactly when fewer agree).
- coverage / fidelity: a row whose best reduced margin (similarity minus the other row's
  radius) is farther than `delta` from 0 is decided by it; the rows within `delta` of 0 are
  re-checked exactly against the whole other set. `delta` is calibrated per run: the 99.9th
  percentile of |exact - reduced| similarity over a sample of the near pairs (the pairs that
  decide), times 1.5; a decision can differ from the exact one only where a residual product
  is beyond that (measured on the real files: no figure changed).

`compare_queries` uses this path only above `FAST_ABOVE` pairs and says so in its notes, with
the measured `delta` and how many rows were re-checked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .metrics import BLOCK_COLS, BLOCK_ROWS, CrossNeighbours, _blocks

FAST_ABOVE = 400_000_000  # n_real x n_train (20k x 20k is about 25 s exact)
DIMS = 128
CANDIDATES = 24
CALIBRATION_ROWS = 400
SAFETY = 1.5
QUANTILE = 0.999
MIN_EXPLAINED = 0.85  # real MiniLM embeddings keep 0.92-0.99 at 128 dimensions
# The reduced search's radii are checked against exact ones on a sample of rows each run: the
# explained energy alone does not promise them (on generated near-duplicate queries keeping 0.895
# of the energy, 17 % of the radii were exact). Below this agreement the radii are computed on
# the full vectors: a radius found too low makes every ball larger and coverage optimistic.
MIN_RADIUS_AGREEMENT = 0.99
RADIUS_SAMPLE_ROWS = 400


@dataclass
class FastInfo:
    dims: int
    explained: float  # share of the sample's squared norm the projection keeps
    delta: float
    rechecked_real: int
    rechecked_train: int

    def note(self) -> str:
        return (f"large sets: the neighbour search ran on {self.dims}-dimensional projections keeping "
                f"{self.explained:.0%} of the embeddings' energy, every decision within {self.delta:.3f} of its "
                f"threshold re-checked on the full vectors ({self.rechecked_real} real and "
                f"{self.rechecked_train} training queries)")


def basis(real: np.ndarray, train: np.ndarray, dims: int, seed: int = 0) -> tuple[np.ndarray, float]:
    rng = np.random.default_rng(seed)
    sample = np.concatenate([real[rng.choice(len(real), min(len(real), 4000), replace=False)],
                             train[rng.choice(len(train), min(len(train), 4000), replace=False)]]).astype(np.float64)
    _, s, vt = np.linalg.svd(sample, full_matrices=False)
    dims = min(dims, len(vt))
    energy = s ** 2
    return np.ascontiguousarray(vt[:dims].T, dtype=np.float32), float(energy[:dims].sum() / energy.sum())


def _exact_rows(x: np.ndarray, rows: np.ndarray, cands: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Exact similarities of x[rows[i]] with pool[cands[i, j]]."""
    out = np.empty(cands.shape, dtype=np.float32)
    for r0, r1 in _blocks(len(rows), 4096):
        out[r0:r1] = np.einsum("nd,nkd->nk", x[rows[r0:r1]], pool[cands[r0:r1]])
    return out


def kth_neighbour_similarity(x: np.ndarray, xr: np.ndarray, k: int, candidates: int = CANDIDATES) -> np.ndarray:
    """As `metrics.kth_neighbour_similarity`, the candidates found on the reduced rows `xr`."""
    n = len(x)
    out = np.ones(n, dtype=np.float32)
    k = min(k, n - 1)
    if k <= 0:
        return out
    c = min(max(candidates, k), n - 1)
    for r0, r1 in _blocks(n, BLOCK_ROWS):
        rows = xr[r0:r1]
        best = np.full((r1 - r0, c), -np.inf, dtype=np.float32)
        best_i = np.zeros((r1 - r0, c), dtype=np.int64)
        for c0, c1 in _blocks(n, BLOCK_COLS):
            sims = rows @ xr[c0:c1].T
            lo, hi = max(r0, c0), min(r1, c1)
            if lo < hi:
                idx = np.arange(lo, hi)
                sims[idx - r0, idx - c0] = -np.inf
            part = np.argpartition(sims, sims.shape[1] - c, axis=1)[:, -c:] if sims.shape[1] > c else \
                np.broadcast_to(np.arange(sims.shape[1]), sims.shape)
            merged_v = np.concatenate([best, np.take_along_axis(sims, part, axis=1)], axis=1)
            merged_i = np.concatenate([best_i, part + c0], axis=1)
            keep = np.argpartition(merged_v, merged_v.shape[1] - c, axis=1)[:, -c:]
            best = np.take_along_axis(merged_v, keep, axis=1)
            best_i = np.take_along_axis(merged_i, keep, axis=1)
        exact = _exact_rows(x, np.arange(r0, r1), best_i, x)
        exact[~np.isfinite(best)] = -np.inf
        out[r0:r1] = np.partition(exact, c - k, axis=1)[:, c - k]
    return out


def radius_agreement(x: np.ndarray, radius: np.ndarray, k: int, seed: int = 0) -> float:
    """The share of a sample of rows whose reduced-search radius equals the exact k-NN radius."""
    n = len(x)
    k = min(k, n - 1)
    if k <= 0:
        return 1.0
    rows = np.random.default_rng(seed).choice(n, min(n, RADIUS_SAMPLE_ROWS), replace=False)
    best = np.full((len(rows), k), -np.inf, dtype=np.float32)
    for c0, c1 in _blocks(n, BLOCK_COLS):
        sims = x[rows] @ x[c0:c1].T
        own = (rows >= c0) & (rows < c1)
        sims[np.flatnonzero(own), rows[own] - c0] = -np.inf  # a row is not its own neighbour
        if sims.shape[1] > k:
            sims = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:]
        merged = np.concatenate([best, sims], axis=1)
        best = np.partition(merged, merged.shape[1] - k, axis=1)[:, -k:]
    exact = best.min(axis=1)
    return float(np.mean(radius[rows] >= exact - 1e-5))


def calibrate(real, train, ar, at, real_radius, train_radius, seed: int = 0) -> float:
    """The largest |exact - reduced| similarity over the near pairs of a sample of real rows
    (those at least as similar as the lowest radius, less a margin), times `SAFETY`."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(real), min(len(real), CALIBRATION_ROWS), replace=False)
    low = float(min(real_radius.min(), train_radius.min())) - 0.1
    errors = []
    for c0, c1 in _blocks(len(train), BLOCK_COLS):
        exact = real[rows] @ train[c0:c1].T
        errors.append(np.abs(exact - ar[rows] @ at[c0:c1].T)[exact >= low])
    errors = np.concatenate(errors)
    # A high quantile, not the maximum: the maximum of millions of pairs is one freak pair,
    # and would send most rows to the exact re-check.
    return SAFETY * float(np.quantile(errors, QUANTILE)) + 1e-4 if errors.size else 1e-4


def cross_neighbours(real, train, ar, at, real_radius, train_radius, delta: float) -> tuple[CrossNeighbours, int, int]:
    """`metrics.cross_neighbours` with the pass on reduced rows and the undecided rows
    (|best margin| < delta) re-checked exactly. `nearest_train` is not computed (all -1) and
    `nearest_real_sim` is the reduced figure except for the training rows re-checked."""
    nr, nt = len(real), len(train)
    best_r = np.full(nr, -np.inf, dtype=np.float32)  # best (similarity - training radius) per real row
    best_t = np.full(nt, -np.inf, dtype=np.float32)  # best (similarity - real radius) per training row
    near_r_sim = np.full(nt, -np.inf, dtype=np.float32)
    shifted_t = np.ascontiguousarray(train_radius, dtype=np.float32)
    for r0, r1 in _blocks(nr, BLOCK_ROWS):
        rows = ar[r0:r1]
        rr = real_radius[r0:r1, None]
        for c0, c1 in _blocks(nt, BLOCK_COLS):
            sims = rows @ at[c0:c1].T
            np.maximum(near_r_sim[c0:c1], sims.max(axis=0), out=near_r_sim[c0:c1])
            sims -= rr
            np.maximum(best_t[c0:c1], sims.max(axis=0), out=best_t[c0:c1])
            sims += rr
            sims -= shifted_t[None, c0:c1]
            np.maximum(best_r[r0:r1], sims.max(axis=1), out=best_r[r0:r1])
    covered = best_r >= 0
    faithful = best_t >= 0
    redo_r = np.flatnonzero(np.abs(best_r) < delta)
    redo_t = np.flatnonzero(np.abs(best_t) < delta)
    if len(redo_r):
        covered[redo_r] = _any_within(real[redo_r], train, train_radius, columns=True)
    if len(redo_t):
        faithful[redo_t] = _any_within(train[redo_t], real, real_radius, columns=True)
    far = np.flatnonzero(~faithful)
    exact_near = np.unique(np.concatenate([redo_t, far[np.argsort(near_r_sim[far])][:2000]]))
    if len(exact_near):
        near_r_sim[exact_near] = _nearest_sim(train[exact_near], real)
    return (CrossNeighbours(covered, np.full(nr, -1, dtype=np.int64), np.full(nr, np.nan, dtype=np.float32),
                            faithful, near_r_sim), len(redo_r), len(redo_t))


def _any_within(rows: np.ndarray, pool: np.ndarray, pool_radius: np.ndarray, columns: bool) -> np.ndarray:
    found = np.zeros(len(rows), dtype=bool)
    for r0, r1 in _blocks(len(rows), BLOCK_ROWS):
        for c0, c1 in _blocks(len(pool), BLOCK_COLS):
            found[r0:r1] |= ((rows[r0:r1] @ pool[c0:c1].T) >= pool_radius[None, c0:c1]).any(axis=1)
    return found


def _nearest_sim(rows: np.ndarray, pool: np.ndarray) -> np.ndarray:
    best = np.full(len(rows), -np.inf, dtype=np.float32)
    for r0, r1 in _blocks(len(rows), BLOCK_ROWS):
        for c0, c1 in _blocks(len(pool), BLOCK_COLS):
            np.maximum(best[r0:r1], (rows[r0:r1] @ pool[c0:c1].T).max(axis=1), out=best[r0:r1])
    return best
