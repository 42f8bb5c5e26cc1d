"""The judge: how well does this passage answer this query.

A 22M-parameter bi-encoder tells "is about the query" well and "answers the query" badly, so a
false-negative verdict from it alone is a guess. Three sources, in order of trust:

1. teacher scores already in the record (FlagEmbedding's `pos_scores` / `neg_scores`, written
   by the miner's reranker): free, and what the file's author trusted;
2. a cross-encoder / reranker on disk (`semantic-judge`: a folder, or a model name in the local
   Hugging Face cache), loaded offline with sentence-transformers' `CrossEncoder`: never
   downloaded, no code from the folder run, safetensors weights only;
3. else the bi-encoder's cosine similarity.

A model's scores (a cross-encoder's sigmoid, a cosine) have a fixed zero, so NV-Retriever's
TopK-PercPos rule applies: a negative scoring at least `ratio` of the record's lowest positive is
a probable false negative. Teacher scores have no fixed zero: FlagEmbedding's trainers read them
only through a softmax over the group (`AbsRerankerModel.forward`: `softmax(teacher_scores)`, no
temperature), which a constant shift does not change, so only their differences mean anything
(a negative `d` above the positive gets e^d times its share of the soft target). The real files
carry 83-103 (bge_msmarco / bge_nq) where 95 % of the lowest positive lies below half of the
negatives; logits can be negative, where a share means nothing at all. A teacher verdict is
therefore by order: the negative at or above the lowest positive. The scores are also rounded
(add_reranker_score.py writes fp16 by default: steps of 1/16 between 64 and 128), so a
difference of at most one rounding step is a tie: weak evidence, not a warning.

Only candidates are scored by a model, each distinct (query, passage) pair once, in batches: a
cross-encoder then costs seconds, not hours.

torch / sentence-transformers are imported only when a cross-encoder is loaded.
"""

from __future__ import annotations

import math
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from .embedder import ModelNotFound, cached_model_folder, fingerprint
from rerank_lint.hub_cache import hub_cache

if TYPE_CHECKING:
    import numpy as np

TEACHER, CROSS_ENCODER, BI_ENCODER = "teacher", "cross-encoder", "bi-encoder"
DEFAULT_RATIO = 0.95  # NV-Retriever's TopK-PercPos with a strong judge


class JudgeNotFound(ModelNotFound):
    """The configured judge model is not on this machine, or not loadable safely."""


# --- teacher scores -----------------------------------------------------------------------

def teacher_scores(record: dict, positive_key: str = "pos", negative_key: str = "neg") -> tuple[list[float], list[float]] | None:
    """The record's own teacher scores, when they are usable: one finite number per positive and
    per negative. Anything else (missing, misaligned, not numbers) is None: the judge falls back
    to a model rather than trusting scores that do not line up with the passages."""
    pos, neg = record.get("pos_scores"), record.get("neg_scores")
    positives, negatives = record.get(positive_key), record.get(negative_key)
    if not isinstance(pos, list) or not isinstance(neg, list) or not isinstance(positives, list) or not isinstance(negatives, list):
        return None
    if len(pos) != len(positives) or len(neg) != len(negatives) or not pos:
        return None
    values = pos + neg
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
        return None
    return [float(v) for v in pos], [float(v) for v in neg]


def rounding_step(scores: Sequence[float]) -> float:
    """The rounding step of teacher scores: that of float16 (or bfloat16) at their largest
    magnitude when every score is a value of that format, else 0 (full precision). Two scores
    that differ by at most this much may have been equal before rounding."""
    if not scores:
        return 0.0
    exponent = math.frexp(max(abs(s) for s in scores))[1] - 1  # 2**exponent <= |largest| < 2**(exponent+1)
    if all(_fits_float16(s) for s in scores):
        return 2.0 ** (exponent - 10)
    if all(_fits_bfloat16(s) for s in scores):
        return 2.0 ** (exponent - 7)
    return 0.0


def _fits_float16(value: float) -> bool:
    try:
        return struct.unpack("<e", struct.pack("<e", value))[0] == value
    except (OverflowError, struct.error):
        return False


def _fits_bfloat16(value: float) -> bool:
    bits = struct.unpack("<I", struct.pack("<f", value))[0]
    return bits & 0xFFFF == 0 and struct.unpack("<f", struct.pack("<I", bits))[0] == value


# --- model scorers ------------------------------------------------------------------------

def resolve_judge(setting: str, root: Path | None = None) -> Path:
    """The cross-encoder folder for the `semantic-judge` setting: a folder (relative to `root`,
    the config file's folder), else a model name in the local Hugging Face cache."""
    path = Path(setting).expanduser()
    if not path.is_absolute() and root is not None:
        path = Path(root) / path
    folder = path if path.is_dir() else (None if Path(setting).is_absolute() else cached_model_folder(setting))
    if folder is None:
        raise JudgeNotFound(
            f"setting `semantic-judge`: model {setting!r} not found: it is neither a cross-encoder folder nor in "
            f"the local Hugging Face cache ({hub_cache()}); rerank-lint never downloads models")
    if not any(folder.rglob("*.safetensors")):
        raise JudgeNotFound(
            f"setting `semantic-judge`: {folder} has no .safetensors weights; pickled checkpoints "
            f"(pytorch_model.bin) are refused because loading them can run code")
    return folder


class CrossEncoderScorer:
    """A local cross-encoder: (query, passage) -> score in (0, 1) (sigmoid of the logit)."""

    source = CROSS_ENCODER
    strong = True

    def __init__(self, folder: Path | str, device: str = "cpu", batch_size: int = 32, max_length: int | None = None):
        self.folder = Path(folder)
        self.identity = fingerprint(self.folder)
        self.batch_size = batch_size
        self.calls = 0  # forward batches run: tests and benchmarks check that only candidates are scored
        self.scored = 0  # distinct pairs scored
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from sentence_transformers import CrossEncoder
        from transformers.utils import logging as transformers_logging

        transformers_logging.set_verbosity_error()
        try:
            self.model = CrossEncoder(str(self.folder), device=device, local_files_only=True, trust_remote_code=False,
                                      max_length=max_length, model_kwargs={"use_safetensors": True},
                                      activation_fn=torch.nn.Sigmoid())
        except (OSError, ValueError, RuntimeError, KeyError) as exc:
            raise JudgeNotFound(f"setting `semantic-judge`: cannot load a cross-encoder from {self.folder}: {exc}") from None
        labels = getattr(self.model.config, "num_labels", 1)
        if labels != 1:
            raise JudgeNotFound(f"setting `semantic-judge`: {self.folder} has {labels} output labels; a reranker has one")

    def score(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        distinct = list(dict.fromkeys(pairs))
        if not distinct:
            return []
        # Longest first, so each batch pads to similar lengths (as the embedder does).
        order = sorted(range(len(distinct)), key=lambda i: -len(distinct[i][0]) - len(distinct[i][1]))
        found: dict[tuple[str, str], float] = {}
        for start in range(0, len(order), self.batch_size):
            batch = [distinct[i] for i in order[start:start + self.batch_size]]
            values = self.model.predict(batch, batch_size=len(batch), show_progress_bar=False, convert_to_numpy=True)
            self.calls += 1
            found.update(zip(batch, (float(v) for v in values.reshape(-1))))
        self.scored += len(distinct)
        return [found[p] for p in pairs]


class BiEncoderScorer:
    """The embedding model's cosine similarity, from any `embed(texts) -> unit vectors`
    (the semantic index's embedder, with its cache)."""

    source = BI_ENCODER
    strong = False

    def __init__(self, embed: Callable[[list[str]], "np.ndarray"]):
        self.embed = embed

    def score(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        import numpy as np

        if not pairs:
            return []
        texts = list(dict.fromkeys(t for pair in pairs for t in pair))
        where = {t: i for i, t in enumerate(texts)}
        vectors = np.asarray(self.embed(texts), dtype=np.float32)
        left = vectors[[where[q] for q, _ in pairs]]
        right = vectors[[where[p] for _, p in pairs]]
        return np.einsum("ij,ij->i", left, right).astype(float).tolist()


# --- verdicts -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    """A hard negative to judge, with its record's query and positives."""

    key: object  # the caller's handle (e.g. record line, negative slot)
    query: str
    positives: tuple[str, ...]
    negative: str
    teacher: tuple[tuple[float, ...], float] | None = None  # (the positives' scores, this negative's)


@dataclass(frozen=True)
class Verdict:
    key: object
    negative: float  # the judge's score of (query, negative)
    lowest_positive: float  # its lowest score of (query, a positive)
    source: str  # TEACHER, CROSS_ENCODER or BI_ENCODER
    trusted: bool  # from a teacher or a cross-encoder: it overrules the embedding model
    lowest_index: int = 0  # which of the candidate's positives scored lowest
    rounding: float = 0.0  # teacher scores: their rounding step (`rounding_step`)

    @property
    def share(self) -> float:
        return self.negative / self.lowest_positive if self.lowest_positive > 0 else math.inf

    @property
    def margin(self) -> float:
        return self.negative - self.lowest_positive

    def false_negative(self, ratio: float = DEFAULT_RATIO) -> bool:
        """Suspect: a model's score at least `ratio` of the lowest positive's (TopK-PercPos);
        teacher scores at or above the lowest positive's, ties within rounding included."""
        if self.source == TEACHER:
            return self.margin >= -self.rounding
        return self.lowest_positive > 0 and self.negative >= ratio * self.lowest_positive

    def strong(self, ratio: float = DEFAULT_RATIO) -> bool:
        """Evidence to warn on: a cross-encoder's suspicion, or a teacher that ranks the negative
        above the lowest positive by more than its rounding. A tie, or the embedding model, is a guess."""
        if self.source == TEACHER:
            return self.margin > self.rounding
        return self.trusted and self.false_negative(ratio)

    def describe(self, ratio: float = DEFAULT_RATIO) -> str:
        if self.source == TEACHER:
            order = ("a tie within the scores' rounding" if abs(self.margin) <= self.rounding
                     else f"{self.margin:+.3g} {'above' if self.margin > 0 else 'below'} it")
            return (f"the file's teacher scores: negative {self.negative:.4g}, lowest relevant passage "
                    f"{self.lowest_positive:.4g} ({order})")
        return (f"{self.source} scores: negative {self.negative:.3g}, lowest relevant passage "
                f"{self.lowest_positive:.3g} ({self.share:.0%}), TopK-PercPos at {ratio:.0%}")


class Judge:
    """Scores candidates with the most trusted source each has: its teacher scores, else the
    cross-encoder, else the bi-encoder."""

    def __init__(self, cross_encoder: CrossEncoderScorer | None = None, bi_encoder: BiEncoderScorer | None = None):
        self.cross_encoder = cross_encoder
        self.bi_encoder = bi_encoder

    @property
    def model(self):
        return self.cross_encoder or self.bi_encoder

    def judge(self, candidates: Iterable[Candidate]) -> list[Verdict]:
        candidates = list(candidates)
        model = self.model
        wanted = [c for c in candidates if c.teacher is None]
        if wanted and model is None:
            raise ValueError("candidates without teacher scores need a cross-encoder or a bi-encoder")
        pairs = list(dict.fromkeys((c.query, p) for c in wanted for p in (*c.positives, c.negative)))
        scored = dict(zip(pairs, model.score(pairs))) if pairs else {}
        verdicts = []
        for c in candidates:
            if c.teacher is not None:
                positives, negative = c.teacher
                low = min(range(len(positives)), key=positives.__getitem__)
                verdicts.append(Verdict(c.key, negative, positives[low], TEACHER, True, low,
                                        rounding_step([*positives, negative])))
                continue
            positives = [scored[(c.query, p)] for p in c.positives]
            low = min(range(len(positives)), key=positives.__getitem__)
            verdicts.append(Verdict(c.key, scored[(c.query, c.negative)], positives[low], model.source, model.strong, low))
        return verdicts


def load_judge(setting: str | None, root: Path | None = None, device: str = "cpu",
               embed: Callable[[list[str]], "np.ndarray"] | None = None, batch_size: int = 32) -> Judge:
    """The judge for the settings: the `semantic-judge` cross-encoder when set, and the
    bi-encoder (`embed`) as the fallback."""
    cross = CrossEncoderScorer(resolve_judge(setting, root), device=device, batch_size=batch_size) if setting else None
    return Judge(cross, BiEncoderScorer(embed) if embed is not None else None)
