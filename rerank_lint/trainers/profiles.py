"""The trainers a file can be written for, as data: what each reads, where it cuts by default,
and which checks only its platform makes.

Facts from the trainers' own code (see ../shared/TRAINERS.md): sentence-transformers'
CrossEncoderTrainer reads any columns by ORDER (names do not matter, every column but
`label`/`labels`/`score`/`scores` is an input; `source.layout` reads that); FlagEmbedding reads `query`/`pos`/`neg`;
Cohere's retired platform read `query`/`relevant_passages`/`hard_negatives`.

Nothing here imports anything heavy: the cheap path detects the trainer from the first records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

SENTENCE_TRANSFORMERS = "sentence-transformers"
FLAGEMBEDDING = "flagembedding"
COHERE = "cohere"


# Rules that only one platform enforces: an error there, and no error for any other trainer.
# RL411 is the 1.5 GB cap (file-too-large); RL503 is Cohere setting aside part of the training
# data when no evaluation file is given; the open-source trainers evaluate only on request.
PLATFORM_ONLY: Mapping[str, str] = {
    "RL401": COHERE,  # too-few-queries: the upload needs 256 unique queries
    "RL404": COHERE,  # relevant-and-negative: the upload fails on such a record
    "RL411": COHERE,  # file-too-large: the upload caps files at 1.5 GB
    "RL503": COHERE,  # no-eval-file: the platform splits the training data itself
    "RL108": FLAGEMBEDDING,  # empty-negatives-bge: FlagEmbedding divides by zero on `neg: []`
}

# What a platform-only rule is for every other trainer: still worth a look (a passage both
# relevant and negative trains a contradiction anywhere; few queries overfit anywhere) or not
# reported at all (None: another platform's cap or its own evaluation split).
ELSEWHERE: Mapping[str, str | None] = {
    "RL401": "info",
    "RL404": "warning",
    "RL411": None,
    "RL503": None,
    "RL108": "warning",
}


@dataclass(frozen=True)
class TrainerProfile:
    name: str
    title: str
    formats: frozenset[str]  # record layouts the trainer reads (see `record_format`)
    lengths: Mapping[str, int | None]  # the trainer's own length knobs and their defaults
    cut: str  # "longest_first" | "flagembedding" | "cohere" (see trainers.cut)
    # Special tokens a pair adds when no model is configured (a BERT pair: [CLS] q [SEP] p [SEP]).
    default_special_tokens: int
    platform_errors: frozenset[str] = field(default_factory=frozenset)

    def is_error_here(self, code: str) -> bool:
        """Whether a platform-only rule is an error for this trainer; rules that every trainer
        shares are not platform-only and this says True for them (their own severity stands)."""
        owner = PLATFORM_ONLY.get(code)
        return owner is None or owner == self.name

    def reads(self, layout: str) -> bool:
        return layout in self.formats


ST_LAYOUTS = frozenset({"labeled-pair", "pair", "triplet", "n-tuple", "n-tuple-scores", "labeled-list"})

PROFILES: Mapping[str, TrainerProfile] = {
    SENTENCE_TRANSFORMERS: TrainerProfile(
        SENTENCE_TRANSFORMERS,
        "sentence-transformers CrossEncoderTrainer",
        ST_LAYOUTS,
        # None: the model's own limit (CrossEncoder caps the tokenizer's model_max_length at
        # max_position_embeddings); 512 when no model is configured, the BERT-family value.
        {"max-length": None},
        "longest_first",
        3,
        frozenset(code for code, owner in PLATFORM_ONLY.items() if owner == SENTENCE_TRANSFORMERS),
    ),
    FLAGEMBEDDING: TrainerProfile(
        FLAGEMBEDDING,
        "FlagEmbedding reranker",
        frozenset({"bge"}),
        {"query-max-len": 32, "passage-max-len": 128, "train-group-size": 8},
        "flagembedding",
        3,
        frozenset(code for code, owner in PLATFORM_ONLY.items() if owner == FLAGEMBEDDING),
    ),
    COHERE: TrainerProfile(
        COHERE,
        "Cohere rerank fine-tuning (retired 2025-09-15)",
        frozenset({"cohere"}),
        {"token-budget": 510},
        "cohere",
        0,  # the platform's 510 counts query + passage tokens only
        frozenset(code for code, owner in PLATFORM_ONLY.items() if owner == COHERE),
    ),
}

# Without a model, sentence-transformers' budget is the common BERT-family limit.
ST_FALLBACK_MAX_LENGTH = 512


def profile(name: str) -> TrainerProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown trainer {name!r}; expected one of {', '.join(PROFILES)}") from None


def record_format(record: object) -> str | None:
    """Which trainer's keys a parsed record carries: "cohere", "bge", "st" (any other layout of
    columns sentence-transformers could read), or None (not an object, or no columns)."""
    if not isinstance(record, dict) or not record:
        return None
    if "relevant_passages" in record or "hard_negatives" in record:
        return "cohere"
    if "pos" in record or "neg" in record:
        return "bge"
    return "st"


_TRAINER_OF = {"cohere": COHERE, "bge": FLAGEMBEDDING, "st": SENTENCE_TRANSFORMERS}


@dataclass(frozen=True)
class Detection:
    trainer: str | None  # None when no record in the sample says anything
    votes: Mapping[str, int]  # trainer name -> records in the sample that look like its format
    sampled: int

    @property
    def mixed(self) -> bool:
        return sum(1 for n in self.votes.values() if n) > 1

    def describe(self) -> str:
        if self.trainer is None:
            return "no trainer detected (no record with columns in the sample)"
        share = self.votes[self.trainer]
        return f"{self.trainer} (detected from {share} of {self.sampled} records)"


def detect_trainer(records: Iterable[object], limit: int = 200) -> Detection:
    """The trainer a file is written for, from the keys of its first `limit` parsed records.

    The majority decides; on a tie the more specific keys win (Cohere's, then BGE's), since any
    object at all is some sentence-transformers layout.
    """
    votes = {COHERE: 0, FLAGEMBEDDING: 0, SENTENCE_TRANSFORMERS: 0}
    sampled = 0
    for record in records:
        if sampled >= limit:
            break
        sampled += 1
        kind = record_format(record)
        if kind is not None:
            votes[_TRAINER_OF[kind]] += 1
    best = max(votes.values())
    trainer = next((name for name in (COHERE, FLAGEMBEDDING, SENTENCE_TRANSFORMERS) if votes[name] == best), None)
    return Detection(trainer if best else None, votes, sampled)
