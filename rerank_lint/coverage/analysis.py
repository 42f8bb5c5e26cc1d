"""Do the training queries mirror real users? All figures from two embedding matrices.

**Coverage and fidelity** are the recall and precision of Kynkäänniemi et al. (2019, "Improved
precision and recall metric for assessing generative models"), with the training set in the
role of the generated samples. Each set's own queries span a region of the embedding space:
the union of balls around each query whose radius is the distance to its k-th nearest
neighbour in the same set. *Coverage* is the share of real queries
inside the training set's region (some training query t is at least as similar to them as t's
k-th nearest training neighbour is to t); *fidelity* is the share of training queries inside the
real log's region.

Why this radius by default rather than one fixed cosine threshold: it adapts to how dense each
set is and to the model's similarity scale (cosines of one model are not comparable with
another's, and the project's fixed thresholds need a calibration per model), so the figures
need no tuning. Its known weakness (Naeem et al. 2020) is that an outlier has a large ball: a
few odd training queries far from everything inflate coverage, and a tiny training set (tens of
queries) covers a lot with few, huge balls. `similarity_threshold=` replaces it with a fixed
cosine ("a training query with cosine >= 0.7"), easier to explain and to compare across runs
with the same model.

k = 5 (Naeem et al. 2020's choice; Kynkäänniemi et al. use 3): the larger k, the larger the
balls and the closer to 1 two samples of one distribution come. On the real eedi file's
queries split in two halves (all-MiniLM-L6-v2), coverage was 0.93 with k = 3, 0.97 with k = 5,
0.99 with k = 10; on synthetic isotropic clusters in 384 dimensions (the worst case: no
low-dimensional structure) 0.72 / 0.82 / 0.93. 5 keeps "same distribution" near 1 on real
embeddings while a topic the training set lacks still lies outside every ball.

**The headline two-sample figure** is a classifier two-sample test (Lopez-Paz & Oquab 2017,
"Revisiting classifier two-sample tests"): a cross-fitted logistic regression on the embeddings
tries to tell a real query from a training one, and the AUC of its held-out scores, with a 95%
DeLong interval and a p-value against AUC = 0.5, is the figure. Chosen over MMD with a
permutation test because its scale means the same for any model and any data (0.5: the sets
cannot be told apart, 1.0: every query gives its origin away), so it is an effect size a reader
can act on, while an MMD value depends on the kernel and its bandwidth and is read only through
its p-value, which for large sets is tiny for any difference, however small. It runs on a
balanced subsample (4,000 of each by default), so its cost does not grow with the sets.

Everything else (uncovered topics, the style profile, the 2-D map) is described where it is
computed; `docs/coverage.md` explains each figure for a data scientist.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Sequence

from .result import CoverageResult, FarQuery, QuerySet, Topic, TwoSample
from .style import STOPWORDS, style_deltas, words

DEFAULT_K = 5
MAX_TOPICS = 10
MIN_TOPIC_SIZE = 2
# A cluster of uncovered queries is a topic when at least this share of the log's queries in its
# region are uncovered (else they are scattered misses in a covered region).
MIN_TOPIC_PURITY = 0.5
# ... and when the training set is at most this dense there, relative to the log (its share of
# training queries in the region over the log's share). Where the two sets differ in style
# everywhere, the k-NN balls of a topic the training set does hold can miss most of the log's
# queries in it (a pure cluster of uncovered queries) while hundreds of training queries lie in
# the same region: that is a style gap, which the style profile reports, not a missing topic.
MAX_TOPIC_TRAINING_DENSITY = 0.1
# A region's gate is a member's own similarity (a quantile), which a block product can round a
# float32 step lower than the member's: the tolerance keeps that member inside its own region (a
# purity above 1 was seen without it).
GATE_TOLERANCE = 1e-5
# Enough for the per-record diagnostics (RL610) of a file with a few odd queries; a file where
# most are far is one file-level figure (fidelity), not thousands of records.
FAR_TRAINING_LISTED = 200
# Verdicts of the two-sample AUC: below 0.55 a linear probe finds next to nothing; above 0.9 it
# tells nearly every query's origin.
AUC_VERDICTS = ((0.55, "indistinguishable"), (0.7, "slightly different"), (0.9, "clearly different"),
                (1.01, "separable"))


def compare_queries(real_texts: Sequence[str], real_vectors, train_texts: Sequence[str], train_vectors, *,
                    real_counts: Sequence[int] | None = None, k: int = DEFAULT_K,
                    similarity_threshold: float | None = None, max_topics: int = MAX_TOPICS,
                    min_topic_size: int = MIN_TOPIC_SIZE, merge_ratio: float = 0.5,
                    two_sample_max: int = 4000, projection_max: int = 3000, seed: int = 0,
                    real_source: str = "real queries", train_source: str = "training queries",
                    model: str | None = None, fast: bool | None = None) -> CoverageResult:
    """Every coverage figure for distinct real queries (with optional log counts) against
    distinct training queries, given their unit-length embeddings (rows in the texts' order).
    Raises ValueError on inconsistent input (it is the caller's bug, not the user's data).
    `fast`: see `neighbours`."""
    import numpy as np

    from . import metrics

    timings: dict[str, float] = {}
    notes: list[str] = []
    real, train, counts = validated(real_texts, real_vectors, train_texts, train_vectors, real_counts, notes)
    _, _, cross, radius = neighbours(real, train, k, similarity_threshold, fast, seed, notes, timings)
    coverage = float(cross.covered.mean())
    coverage_traffic = float(counts[cross.covered].sum() / counts.sum())
    fidelity = float(cross.faithful.mean())

    clock = time.perf_counter()
    two = metrics.classifier_two_sample(real, train, max_per_set=two_sample_max, seed=seed)
    two_sample = None
    if two is None:
        notes.append("too few queries for the two-sample test (it needs 10 in each set)")
    else:
        verdict = next(v for bound, v in AUC_VERDICTS if two.auc < bound)
        two_sample = TwoSample("classifier-auc", two.auc, two.ci_low, two.ci_high, two.p_value, two.n_real,
                               two.n_train, verdict)
    timings["two_sample"] = time.perf_counter() - clock

    clock = time.perf_counter()
    uncovered = np.flatnonzero(~cross.covered)
    topic_list, scattered = uncovered_topics(uncovered, real, real_texts, counts, train, train_texts, max_topics,
                                    min_topic_size, merge_ratio, seed)
    timings["topics"] = time.perf_counter() - clock

    clock = time.perf_counter()
    style = [vars(d) for d in style_deltas(list(real_texts), list(train_texts))]
    timings["style"] = time.perf_counter() - clock

    clock = time.perf_counter()
    proj = metrics.pca_2d(real, train, max_per_set=projection_max, seed=seed)
    projection = {"explained": list(proj.explained),
                  "real": [[round(float(a), 4), round(float(b), 4)] for a, b in proj.real],
                  "training": [[round(float(a), 4), round(float(b), 4)] for a, b in proj.train],
                  "real_rows": proj.real_rows.tolist(), "training_rows": proj.train_rows.tolist()}
    timings["projection"] = time.perf_counter() - clock

    far = far_training_queries(np.flatnonzero(~cross.faithful), cross.nearest_real_sim, train, real, train_texts,
                               real_texts)

    return CoverageResult(
        real=QuerySet(real_source, len(real), int(counts.sum())),
        training=QuerySet(train_source, len(train), len(train)),
        model=model, radius=radius, coverage=round(coverage, 4), coverage_traffic=round(coverage_traffic, 4),
        fidelity=round(fidelity, 4), two_sample=two_sample, uncovered=int(len(uncovered)), topics=topic_list,
        scattered=scattered, style=style, far_training=far, projection=projection, notes=notes,
        timings={k: round(v, 3) for k, v in timings.items()},
        training_faithful=cross.faithful.tolist(),
        training_nearest_similarity=[round(float(s), 4) for s in cross.nearest_real_sim])


def validated(real_texts, real_vectors, train_texts, train_vectors, real_counts, notes: list[str]):
    """(real, train, counts) as contiguous unit-length float32 matrices and float64 counts.
    Raises ValueError on inconsistent input (the caller's bug, not the user's data)."""
    import numpy as np

    real = np.ascontiguousarray(real_vectors, dtype=np.float32)
    train = np.ascontiguousarray(train_vectors, dtype=np.float32)
    _validate(real_texts, real, "real")
    _validate(train_texts, train, "training")
    if real.shape[1] != train.shape[1]:
        raise ValueError(f"real and training embeddings differ in dimension ({real.shape[1]} vs {train.shape[1]})")
    counts = np.asarray(real_counts if real_counts is not None else np.ones(len(real)), dtype=np.float64)
    if len(counts) != len(real):
        raise ValueError(f"{len(counts)} counts for {len(real)} real queries")
    return _unit(real, "real", notes), _unit(train, "training", notes), counts


def neighbours(real, train, k: int, similarity_threshold: float | None, fast: bool | None, seed: int,
               notes: list[str], timings: dict):
    """(real radii, training radii, CrossNeighbours, the radius description): the k-NN radius of
    every query in its own set (or the fixed threshold) and which queries of each set lie in a
    ball of the other. `fast` (default: above `fast.FAST_ABOVE` pairs) runs the search on
    reduced vectors with the close decisions re-checked exactly (see `fast.py`)."""
    import numpy as np

    from . import fast as fastpath
    from . import metrics

    clock = time.perf_counter()
    if fast is None:
        fast = len(real) * len(train) > fastpath.FAST_ABOVE
    reduced = None
    if fast:
        v, explained = fastpath.basis(real, train, fastpath.DIMS, seed)
        # Without low-dimensional structure (explained energy low) the re-checks would be most
        # rows and the reduced pass pure overhead: the exact path is faster then.
        reduced = (real @ v, train @ v) if explained >= fastpath.MIN_EXPLAINED else None
        timings["projection_basis"] = time.perf_counter() - clock
    if similarity_threshold is None:
        if reduced is not None:
            real_radius = fastpath.kth_neighbour_similarity(real, reduced[0], k)
            train_radius = fastpath.kth_neighbour_similarity(train, reduced[1], k)
            agreement = min(fastpath.radius_agreement(real, real_radius, k, seed),
                            fastpath.radius_agreement(train, train_radius, k, seed))
            if agreement < fastpath.MIN_RADIUS_AGREEMENT:
                notes.append(f"the reduced neighbour search found the exact k-NN radius for only {agreement:.0%} of a "
                             f"sample of queries: the radii were computed on the full vectors")
                real_radius = metrics.kth_neighbour_similarity(real, k)
                train_radius = metrics.kth_neighbour_similarity(train, k)
        else:
            real_radius = metrics.kth_neighbour_similarity(real, k)
            train_radius = metrics.kth_neighbour_similarity(train, k)
        radius = {"method": "knn", "k": k}
        if len(train) < 10 * k:
            notes.append(f"the training set has only {len(train)} distinct queries: k-NN balls that large make "
                         f"coverage optimistic; prefer a fixed similarity threshold")
    else:
        real_radius = np.full(len(real), similarity_threshold, dtype=np.float32)
        train_radius = np.full(len(train), similarity_threshold, dtype=np.float32)
        radius = {"method": "threshold", "similarity": similarity_threshold}
    timings["radii"] = time.perf_counter() - clock

    clock = time.perf_counter()
    if reduced is not None:
        delta = fastpath.calibrate(real, train, reduced[0], reduced[1], real_radius, train_radius, seed)
        cross, redo_r, redo_t = fastpath.cross_neighbours(real, train, reduced[0], reduced[1], real_radius,
                                                          train_radius, delta)
        info = fastpath.FastInfo(v.shape[1], explained, delta, redo_r, redo_t)
        radius["search"] = {"dims": info.dims, "explained": round(explained, 4), "delta": round(delta, 4),
                            "rechecked_real": redo_r, "rechecked_training": redo_t}
        notes.append(info.note())
    else:
        cross = metrics.cross_neighbours(real, train, real_radius, train_radius)
    timings["neighbours"] = time.perf_counter() - clock
    return real_radius, train_radius, cross, radius


def far_training_queries(rows, nearest_sim, train, real, train_texts, real_texts, position=None,
                         nearest=None) -> list[FarQuery]:
    """The training rows outside every real query's ball, farthest first (`FAR_TRAINING_LISTED`
    at most), each with its nearest real query. `position` maps a row to its index in
    `train_texts` (default: the row itself); `nearest(rows)` gives the rows' nearest real rows
    (default: searched now)."""
    import numpy as np

    from . import metrics

    rows = rows[np.argsort(nearest_sim[rows], kind="stable")][:FAR_TRAINING_LISTED]
    if nearest is not None:
        found = nearest(rows)
    else:
        found = metrics.nearest(train[rows], real)[0] if len(rows) else rows
    where = (lambda i: int(i)) if position is None else (lambda i: position[int(i)])  # noqa: E731
    return [FarQuery(where(i), train_texts[where(i)], real_texts[int(j)], round(float(nearest_sim[i]), 4))
            for i, j in zip(rows, found)]

def _validate(texts, vectors, which: str) -> None:
    if vectors.ndim != 2:
        raise ValueError(f"{which} embeddings must be a 2-D matrix, got shape {vectors.shape}")
    if len(vectors) != len(texts):
        raise ValueError(f"{len(vectors)} {which} embeddings for {len(texts)} texts")
    if len(vectors) == 0:
        raise ValueError(f"no {which} queries to compare")


def _unit(x, which: str, notes: list[str]):
    import numpy as np

    norms = np.linalg.norm(x, axis=1)
    if np.all(np.abs(norms - 1) < 1e-3):
        return x
    notes.append(f"{which} embeddings were not unit length: normalised")
    return (x / np.maximum(norms, 1e-12)[:, None]).astype(np.float32)


def uncovered_topics(uncovered, real, real_texts, counts, train, train_texts, max_topics: int, min_size: int,
                     merge_ratio: float, seed: int) -> tuple[list[Topic], int]:
    """Clusters of the uncovered real queries, by traffic then size, each with examples near its
    centre and the training query nearest that centre (what the training set offers instead)."""
    import numpy as np

    from . import metrics

    if len(uncovered) == 0:
        return [], 0
    x = real[uncovered]
    labels = metrics.topics(x, merge_ratio=merge_ratio, seed=seed)
    total_traffic = counts.sum()
    candidates = []
    for label in np.unique(labels):
        members = uncovered[labels == label]
        if len(members) < min_size:
            continue
        centre = real[members].sum(axis=0)
        centre /= max(float(np.linalg.norm(centre)), 1e-12)
        # The topic's region: as close to the centre as its three most central quarters.
        gate = float(np.quantile(real[members] @ centre, 0.25))
        candidates.append((members, centre, gate))
    found = []
    if candidates:
        centres = np.stack([c[1] for c in candidates]).astype(np.float32)
        gates = np.array([c[2] for c in candidates], dtype=np.float32)
        low = gates - GATE_TOLERANCE
        in_region = metrics.count_in_regions(real, centres, low)
        train_in_region = metrics.count_in_regions(train, centres, low)
        for (members, centre, gate), region, trained in zip(candidates, in_region, train_in_region):
            central = members[(real[members] @ centre) >= gate]
            purity = len(central) / max(int(region), 1)
            density = (int(trained) / len(train)) / (max(int(region), 1) / len(real))
            # Scattered misses inside a region the training set covers are no topic: most of the
            # log's queries there have a training query near. A topic the training set lacks is
            # a region where most of the log's queries are uncovered and training queries are rare.
            if purity >= MIN_TOPIC_PURITY and density <= MAX_TOPIC_TRAINING_DENSITY:
                found.append((float(counts[members].sum()), len(members), members, centre, purity, density))
    found.sort(key=lambda f: (-f[0], -f[1], int(f[2][0])))
    listed = found[:max_topics]
    result = []
    if listed:
        centres = np.stack([f[3] for f in listed]).astype(np.float32)
        nearest_i, nearest = metrics.nearest(centres, train)
        for n, (traffic, size, members, centre, purity, density) in enumerate(listed):
            order = members[np.argsort(-(real[members] @ centre), kind="stable")]
            examples: list[str] = []
            for i in order:
                if len(examples) == 3:
                    break
                text = real_texts[int(i)]
                if text.lower() not in (e.lower() for e in examples):
                    examples.append(text)
            result.append(Topic(size, int(traffic), round(float(traffic / total_traffic), 4), round(float(purity), 4),
                                _keywords([real_texts[int(i)] for i in members]), examples,
                                train_texts[int(nearest_i[n])], round(float(nearest[n]), 4), round(density, 4)))
    scattered = int(len(uncovered) - sum(t.size for t in result))
    return result, scattered


def _keywords(texts: list[str], top: int = 3) -> list[str]:
    """The words most of a topic's queries share (each counted once per query), stopwords and
    one-letter tokens left out: a label for the topic."""
    seen: Counter[str] = Counter()
    for text in texts:
        seen.update({w.lower() for w in words(text) if len(w) > 1 and w.lower() not in STOPWORDS and not w.isdigit()})
    return [w for w, c in seen.most_common(top) if c >= max(2, len(texts) // 5)]
