"""Coverage in the editor: a training set that changes a few queries at a time, against a fixed log.

`compare_queries` compares every pair of queries; in the editor that would happen after every
pause in typing. `LiveCoverage` keeps what one comparison learnt (the log's vectors and k-NN
radii, each training query's vector, radius and fidelity, which real queries are covered) and
an edit that changes m training queries costs m products with each set plus the exact re-check
of the few queries whose figures they can touch:

- a training query's k-NN radius changes only if a query that left was inside its ball
  (similarity >= its radius) or one that came is: those radii are recomputed exactly against
  the whole training set (on average about k of them per query changed);
- a real query's coverage changes only if it is inside the old or the new ball of a training
  query that left, came or changed its radius: those real queries are re-checked exactly
  against every training query;
- a training query's fidelity and nearest real query depend only on it and the log (whose
  radii do not change): computed once, when it comes.

The result is the one `compare_queries` gives for the same sets (tests/coverage/
test_coverage_incremental.py checks it on edit sequences) for the figures the editor's rules
show (RL609: coverage and the largest uncovered topic; RL610: the farthest training queries).
The uncovered topics are clustered again only when the set of uncovered real queries changed.
The set-level figures (two-sample AUC, style, map) are not recomputed per edit: the editor's
result has none and says so in a note; `rerank-lint coverage` gives them.

An edit that changes more than `REBUILD_SHARE` of the queries (a paste, a new file) compares
everything again: then that is cheaper.
"""

from __future__ import annotations

import time

import numpy as np

from . import analysis, metrics
from .result import CoverageResult, QuerySet

# The same similarity computed by two products of different shapes can differ in its last bits:
# a query exactly at a ball's edge (the k-th neighbour that defines a radius) must not be missed
# for it. Re-checking a few more queries than needed is harmless: the re-check is exact.
EDGE = 1e-4
REBUILD_SHARE = 0.05
REBUILD_MIN = 64  # changes below this count never rebuild
EDITOR_NOTE = ("editor: the two-sample AUC, the style profile and the map are not recomputed per edit "
               "(run `rerank-lint coverage` for them)")


class LiveCoverage:
    """Coverage and fidelity of a changing training set against one log (its texts, vectors and
    counts fixed). `update` takes the whole training set each time (distinct texts and their
    vectors) and works out what changed."""

    def __init__(self, real_texts, real_vectors, real_counts=None, *, k: int = analysis.DEFAULT_K,
                 similarity_threshold: float | None = None, real_source: str = "real queries",
                 model: str | None = None, seed: int = 0):
        self.notes: list[str] = []
        self.real_texts = list(real_texts)
        self.real_vectors, self.counts = real_vectors, real_counts
        self.k, self.threshold, self.seed = k, similarity_threshold, seed
        self.real_source, self.model = real_source, model
        self.rebuilds = 0  # full comparisons so far (the rest were incremental updates)
        self.rechecked = 0  # real and training queries re-checked exactly by the last update
        self._slot: dict[str, int] = {}  # training text -> its row in the arrays below

    # --- the first comparison, or after a large change -------------------------------------

    def _rebuild(self, texts: list[str], vectors) -> None:
        self.rebuilds += 1
        notes: list[str] = []
        timings: dict = {}
        real, train, counts = analysis.validated(self.real_texts, self.real_vectors, texts, vectors, self.counts, notes)
        self.real, self.counts_array = real, counts
        real_radius, train_radius, cross, radius = analysis.neighbours(real, train, self.k, self.threshold, None,
                                                                       self.seed, notes, timings)
        self.real_radius, self.radius_info, self.build_notes = real_radius, radius, notes
        capacity = len(texts) + max(16, len(texts) // 8)  # room for the queries that come with edits
        self.train = np.zeros((capacity, real.shape[1]), dtype=np.float32)
        self.train[:len(texts)] = train
        self.alive = np.zeros(capacity, dtype=bool)
        self.alive[:len(texts)] = True
        self.train_radius = np.zeros(capacity, dtype=np.float32)
        self.train_radius[:len(texts)] = train_radius
        self.faithful = np.zeros(capacity, dtype=bool)
        self.faithful[:len(texts)] = cross.faithful
        self.nearest_sim = np.full(capacity, -np.inf, dtype=np.float32)
        self.nearest_sim[:len(texts)] = cross.nearest_real_sim
        self.covered = cross.covered.copy()
        self._slot = {t: i for i, t in enumerate(texts)}
        self._text = list(texts) + [None] * (capacity - len(texts))
        self._topics = None  # (uncovered rows, topics, scattered) of the last clustering
        self._nearest: dict[int, int] = {}  # slot -> its nearest real row, for the listed far queries

    # --- an edit ------------------------------------------------------------------------

    def update(self, texts: list[str], vectors) -> CoverageResult:
        """The coverage figures for the training set `texts` (distinct) with their `vectors`."""
        vectors = np.asarray(vectors, dtype=np.float32)
        wanted = dict.fromkeys(texts)
        gone = [t for t in self._slot if t not in wanted]
        came = [i for i, t in enumerate(texts) if t not in self._slot]
        changes = len(gone) + len(came)
        self.rechecked = 0
        if not self._slot or changes > max(REBUILD_MIN, REBUILD_SHARE * len(texts)) or len(texts) <= self.k + 1:
            self._rebuild(texts, vectors)
        elif changes:
            self._apply(gone, [texts[i] for i in came], analysis._unit(vectors[came], "training", []))
        return self._result(texts)

    def _apply(self, gone: list[str], came_texts: list[str], came_vectors) -> None:
        old_slots = np.array([self._slot.pop(t) for t in gone], dtype=np.int64)
        old_radius = self.train_radius[old_slots].copy()
        old_vectors = self.train[old_slots].copy()  # their slots may be given to the queries that came
        self.alive[old_slots] = False
        for s in old_slots.tolist():
            self._text[s] = None
            self._nearest.pop(s, None)
        new_slots = self._place(came_texts, came_vectors)
        alive = np.flatnonzero(self.alive)
        moved = np.zeros(0, dtype=np.int64)
        before = np.zeros(0, dtype=np.float32)
        if self.threshold is None:
            # Radii a leaving or coming query can change: those whose ball holds it.
            changed = np.concatenate([old_vectors, self.train[new_slots]])
            holders = alive[((self.train[alive] @ changed.T) >= self.train_radius[alive, None] - EDGE).any(axis=1)]
            moved = np.setdiff1d(holders, new_slots)
            before = self.train_radius[moved].copy()
            recompute = np.concatenate([moved, new_slots])
            self.train_radius[recompute] = self._kth(recompute, alive)
        else:
            self.train_radius[new_slots] = self.threshold
        # Real queries whose coverage these balls can change, re-checked against every ball.
        balls = np.concatenate([old_vectors, self.train[np.concatenate([new_slots, moved, moved])]])
        reach = np.concatenate([old_radius, self.train_radius[new_slots], before, self.train_radius[moved]])
        touched = np.zeros(len(self.real), dtype=bool)
        for r0, r1 in metrics._blocks(len(self.real), metrics.BLOCK_COLS):
            touched[r0:r1] = ((self.real[r0:r1] @ balls.T) >= reach[None, :] - EDGE).any(axis=1)
        rows = np.flatnonzero(touched)
        if len(rows):
            self.covered[rows] = _any_within(self.real[rows], self.train[alive], self.train_radius[alive])
        self.rechecked = len(rows) + len(moved) + len(new_slots)

    def _place(self, texts: list[str], vectors) -> np.ndarray:
        free = np.flatnonzero(~self.alive)
        if len(free) < len(texts):
            grow = max(len(texts), len(self.train) // 4)
            self.train = np.concatenate([self.train, np.zeros((grow, self.train.shape[1]), dtype=np.float32)])
            for name in ("alive", "faithful"):
                setattr(self, name, np.concatenate([getattr(self, name), np.zeros(grow, dtype=bool)]))
            self.train_radius = np.concatenate([self.train_radius, np.zeros(grow, dtype=np.float32)])
            self.nearest_sim = np.concatenate([self.nearest_sim, np.full(grow, -np.inf, dtype=np.float32)])
            self._text += [None] * grow
            free = np.flatnonzero(~self.alive)
        slots = free[:len(texts)]
        self.train[slots] = vectors
        self.alive[slots] = True
        for s, t in zip(slots, texts):
            self._slot[t] = int(s)
            self._text[s] = t
        if len(slots):
            sims = self.real @ self.train[slots].T  # fidelity depends on the query and the log only
            self.faithful[slots] = (sims >= self.real_radius[:, None]).any(axis=0)
            self.nearest_sim[slots] = sims.max(axis=0)
        return slots

    def _nearest_real(self, slots: np.ndarray) -> np.ndarray:
        """The nearest real row of each slot, kept: the far list changes little between edits."""
        missing = np.array([s for s in slots.tolist() if s not in self._nearest], dtype=np.int64)
        if len(missing):
            found, _ = metrics.nearest(self.train[missing], self.real)
            self._nearest.update(zip(missing.tolist(), found.tolist()))
        return np.array([self._nearest[s] for s in slots.tolist()], dtype=np.int64)

    def _kth(self, rows: np.ndarray, alive: np.ndarray) -> np.ndarray:
        """The exact k-NN radius of training rows among the live ones."""
        k = min(self.k, len(alive) - 1)
        sims = self.train[rows] @ self.train[alive].T
        sims[rows[:, None] == alive[None, :]] = -np.inf
        return np.partition(sims, sims.shape[1] - k, axis=1)[:, sims.shape[1] - k]

    # --- the figures --------------------------------------------------------------------

    def _result(self, texts: list[str]) -> CoverageResult:
        clock = time.perf_counter()
        rows = np.array([self._slot[t] for t in texts], dtype=np.int64)
        covered, counts = self.covered, self.counts_array
        uncovered = np.flatnonzero(~covered)
        # Clustering costs in proportion to the uncovered queries, not to the edit: only when they changed.
        if self._topics is None or not np.array_equal(self._topics[0], uncovered):
            topics, scattered = analysis.uncovered_topics(uncovered, self.real, self.real_texts, counts,
                                                          self.train[rows], texts, analysis.MAX_TOPICS,
                                                          analysis.MIN_TOPIC_SIZE, 0.5, self.seed)
            self._topics = (uncovered, topics, scattered)
        _, topics, scattered = self._topics
        faithful = self.faithful[rows]
        position = {int(slot): i for i, slot in enumerate(rows)}
        far = analysis.far_training_queries(rows[~faithful], self.nearest_sim, self.train, self.real, texts,
                                            self.real_texts, position=position, nearest=self._nearest_real)
        return CoverageResult(
            real=QuerySet(self.real_source, len(self.real), int(counts.sum())),
            training=QuerySet("training queries", len(texts), len(texts)), model=self.model,
            radius=dict(self.radius_info), coverage=round(float(covered.mean()), 4),
            coverage_traffic=round(float(counts[covered].sum() / counts.sum()), 4),
            fidelity=round(float(faithful.mean()), 4), two_sample=None, uncovered=int(len(uncovered)),
            topics=topics, scattered=scattered, style=[], far_training=far, projection={},
            notes=self.build_notes + [EDITOR_NOTE], timings={"figures": round(time.perf_counter() - clock, 3)},
            training_faithful=faithful.tolist(),
            training_nearest_similarity=np.round(self.nearest_sim[rows].astype(np.float64), 4).tolist())


def _any_within(rows, pool, pool_radius) -> np.ndarray:
    found = np.zeros(len(rows), dtype=bool)
    for r0, r1 in metrics._blocks(len(rows), metrics.BLOCK_ROWS):
        for c0, c1 in metrics._blocks(len(pool), metrics.BLOCK_COLS):
            found[r0:r1] |= ((rows[r0:r1] @ pool[c0:c1].T) >= pool_radius[None, c0:c1]).any(axis=1)
    return found
