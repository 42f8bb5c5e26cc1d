"""The trainers a file can be written for, as data: what each reads, where it cuts by default,
and which checks only its platform makes.

Facts from the trainers' own code (see ../shared/TRAINERS.md): sentence-transformers'
CrossEncoderTrainer reads any columns by ORDER (names do not matter, every column but
`label`/`labels`/`score`/`scores` is an input); FlagEmbedding reads `query`/`pos`/`neg`;
Cohere's retired platform read `query`/`relevant_passages`/`hard_negatives`.

Nothing here imports anything heavy: the cheap path detects the trainer from the first records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

SENTENCE_TRANSFORMERS = "sentence-transformers"
FLAGEMBEDDING = "flagembedding"
COHERE = "cohere"

# Column names sentence-transformers never feeds to the model (it reads them as the target).
LABEL_COLUMNS = ("label", "labels", "score", "scores")

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


# Column names that are almost always bookkeeping, not text for the model: as inputs they make
# sentence-transformers train on "query [SEP] passage [SEP] 12345".
_METADATA_NAMES = frozenset({
    "id", "_id", "idx", "index", "qid", "pid", "docid", "doc_id", "query_id", "passage_id", "corpus_id",
    "source", "dataset", "split", "lang", "language", "url", "meta", "metadata", "type", "task", "category",
    "timestamp", "date", "created_at", "uuid", "hash",
})


def _is_text(value: object) -> bool:
    return isinstance(value, str)


def _is_text_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _looks_like_metadata(name: str, value: object) -> bool:
    lowered = name.lower()
    if lowered in _METADATA_NAMES or lowered.endswith("_id") or lowered.endswith("_ids"):
        return True
    # The trainer would stringify a number, a boolean, a null or an object and feed it in.
    return not (_is_text(value) or _is_text_list(value))


@dataclass(frozen=True)
class ColumnLayout:
    """How sentence-transformers reads one record: by column order, whatever the names."""

    kind: str  # one of ST_LAYOUTS, or "unknown"
    inputs: tuple[str, ...]  # every non-label column, in order: what the model is fed
    query: str | None  # the first input column
    passages: tuple[str, ...]  # the other input columns that hold texts
    label: str | None  # the first label/labels/score/scores column
    extra: tuple[str, ...]  # input columns that look like bookkeeping but become inputs


def describe_layout(record: Mapping[str, object]) -> ColumnLayout:
    """The sentence-transformers layout of a record, read the way the trainer reads it.

    The first input column is the query (the "anchor"), every other input column a passage to
    the trainer, an `id` or `source` column too: those are reported in `extra` and left out of
    `passages`. The kind follows `mine_hard_negatives`' output names.
    """
    names = list(record)
    label = next((n for n in names if n in LABEL_COLUMNS), None)
    inputs = tuple(n for n in names if n not in LABEL_COLUMNS)
    query = inputs[0] if inputs else None
    rest = inputs[1:]
    extra = tuple(n for n in rest if _looks_like_metadata(n, record[n]))
    if query is not None and _looks_like_metadata(query, record[query]):
        extra = (query,) + extra
    passages = tuple(n for n in rest if n not in extra)
    # The kind is that of the text columns (what the file means to hold); `extra` says what the
    # trainer will feed in besides.
    label_value = record[label] if label is not None else None
    kind = "unknown"
    if len(passages) == 1 and _is_text_list(record[passages[0]]) and isinstance(label_value, list):
        kind = "labeled-list"
    elif len(passages) == 1 and _is_text(record[passages[0]]):
        kind = "labeled-pair" if label is not None else "pair"
    elif len(passages) >= 2 and all(_is_text(record[n]) for n in passages):
        if label is None:
            kind = "triplet" if len(passages) == 2 else "n-tuple"
        elif isinstance(label_value, list):
            kind = "n-tuple-scores"
    return ColumnLayout(kind, inputs, query, passages, label, extra)
