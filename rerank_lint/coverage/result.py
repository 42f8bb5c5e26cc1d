"""The result of a coverage check: every figure in one dataclass, as JSON for scripts and CI
(`to_json`) and as text for people (`render_text`). Plain Python values only (no numpy), so the
result can be kept, compared and serialised without the semantic extra.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

# Bump when a field is renamed or removed: scripts read `--format json`.
SCHEMA_VERSION = 1


@dataclass
class QuerySet:
    source: str  # a path or a description
    distinct: int
    total: int  # with repeats (the log's traffic); equal to distinct when no counts are known


@dataclass
class Topic:
    size: int  # distinct real queries in the topic
    traffic: int  # the same, weighted by how often each occurs in the log
    share: float  # traffic / the log's traffic
    uncovered_share: float  # of the log's queries in the topic's region, the share uncovered
    keywords: list[str]  # the topic's most frequent non-stopwords
    examples: list[str]  # up to 3 queries nearest the topic's centre
    nearest_training: str | None  # the training query nearest the topic's centre
    nearest_training_similarity: float | None
    training_density: float  # the training set's share of queries in the region over the log's share (0: none there)


@dataclass
class TwoSample:
    method: str  # "classifier-auc"
    auc: float
    ci_low: float  # 95% DeLong interval
    ci_high: float
    p_value: float  # one-sided, H0: AUC = 0.5
    n_real: int
    n_train: int
    verdict: str  # "indistinguishable", "slightly different", "clearly different", "separable"


@dataclass
class FarQuery:
    index: int  # position in the training query list given
    text: str
    nearest_real: str
    similarity: float


@dataclass
class CoverageResult:
    real: QuerySet
    training: QuerySet
    model: str | None
    radius: dict  # {"method": "knn", "k": 5} or {"method": "threshold", "similarity": 0.7}
    coverage: float  # share of distinct real queries with a training query within the radius
    coverage_traffic: float  # the same, weighted by the log's counts
    fidelity: float  # share of distinct training queries with a real query within the radius
    two_sample: TwoSample | None
    uncovered: int  # distinct real queries not covered
    topics: list[Topic]  # uncovered topics, largest first (at most `max_topics`)
    scattered: int  # uncovered queries in no listed topic (too small, or beyond `max_topics`)
    style: list[dict]  # style.StyleDelta fields, in a fixed order
    far_training: list[FarQuery]  # training queries with no real query near, farthest first
    projection: dict  # {"explained": [..], "real": [[x, y], ...], "training": [[x, y], ...]}
    notes: list[str] = field(default_factory=list)
    timings: dict = field(default_factory=dict)  # seconds per step
    # Per training query, for per-record diagnostics (not in the JSON unless asked): whether a
    # real query is near it, and its similarity to the nearest real query.
    training_faithful: list[bool] = field(default_factory=list, repr=False)
    training_nearest_similarity: list[float] = field(default_factory=list, repr=False)

    def to_dict(self, per_query: bool = False) -> dict:
        out = {"schema": SCHEMA_VERSION}
        out.update(dataclasses.asdict(self))
        if not per_query:
            del out["training_faithful"], out["training_nearest_similarity"]
        return out

    def to_json(self, per_query: bool = False, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(per_query), ensure_ascii=False, indent=indent, allow_nan=False)

    # --- text ---------------------------------------------------------------------------
    def radius_phrase(self) -> str:
        if self.radius.get("method") == "threshold":
            return f"cosine similarity >= {self.radius['similarity']:g}"
        k = self.radius.get("k", 5)
        return f"within the k-NN radius (k = {k}) of the other set's own queries"

    def render_text(self, max_examples: int = 3, max_far: int = 5) -> str:
        lines = [f"Query coverage: {self.training.source} ({self.training.distinct} distinct queries) "
                 f"against the real queries of {self.real.source} ({self.real.distinct} distinct, "
                 f"{self.real.total} in all)"]
        if self.model:
            lines.append(f"  model {self.model}; near = {self.radius_phrase()}")
        weighted = (f" ({_pct(self.coverage_traffic)} of the traffic)"
                    if self.real.total != self.real.distinct else "")
        lines.append(f"  coverage    {_pct(self.coverage)} of real queries{weighted} have a training query near them")
        lines.append(f"  fidelity    {_pct(self.fidelity)} of training queries have a real query near them")
        if self.two_sample is not None:
            t = self.two_sample
            lines.append(f"  two-sample  a classifier tells real from training queries with AUC {t.auc:.2f} "
                         f"(95% CI {t.ci_low:.2f}-{t.ci_high:.2f}, p {_p(t.p_value)}, {t.n_real} + {t.n_train} "
                         f"queries): {t.verdict}")
        if self.topics:
            lines.append("")
            lines.append(f"Uncovered topics ({self.uncovered} real queries with no training query near, largest first):")
            for n, topic in enumerate(self.topics, start=1):
                about = f" - {', '.join(topic.keywords)}" if topic.keywords else ""
                there = ("no training query in its region" if topic.training_density == 0
                         else f"training queries there {topic.training_density:.2f}x as dense as the log's")
                lines.append(f"  {n}. {topic.size} queries, {_pct(topic.share)} of the log{about} ({there})")
                for example in topic.examples[:max_examples]:
                    lines.append(f"       \"{_clip(example)}\"")
                if topic.nearest_training is not None:
                    lines.append(f"     nearest training query ({topic.nearest_training_similarity:.2f}): "
                                 f"\"{_clip(topic.nearest_training)}\"")
            if self.scattered:
                lines.append(f"  ... and {self.scattered} scattered uncovered queries in no listed topic")
        elif self.uncovered:
            lines.append(f"  {self.uncovered} uncovered real queries, scattered (no topic)")
        if self.style:
            lines.append("")
            lines.append("Style (real log vs training):")
            for delta in self.style:
                mark = "  <- differs" if delta["notable"] else ""
                lines.append(f"  {delta['feature']:<14}{delta['sentence']}{mark}")
        if self.far_training:
            lines.append("")
            lines.append("Training queries with no real query near (farthest first):")
            for far in self.far_training[:max_far]:
                lines.append(f"  #{far.index} \"{_clip(far.text)}\" (nearest real, {far.similarity:.2f}: "
                             f"\"{_clip(far.nearest_real, 50)}\")")
        for note in self.notes:
            lines.append(f"note: {note}")
        return "\n".join(lines)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def _clip(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
