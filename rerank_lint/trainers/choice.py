"""Which trainer a checked file is judged by, and the tokenizer and limits its cut uses.

The trainer is the `trainer` setting when set; otherwise it follows the file's format, which the
engine decides at the first record whose keys (or, for sentence-transformers, whose column
layout) say it unambiguously — the same record that decides the schema, so a streamed file is
never held to look ahead, and an editor that re-detects the schema re-detects the trainer too.

Nothing here imports a tokenizer: the model's is loaded at the first pair that may be cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from rerank_lint.errors import ConfigError
from rerank_lint.trainers.profiles import (
    COHERE,
    FLAGEMBEDDING,
    SENTENCE_TRANSFORMERS,
    ST_FALLBACK_MAX_LENGTH,
    TrainerProfile,
    profile,
)
from rerank_lint.trainers.tokens import CACHE_LIMIT, LONG_TEXT_CHARS

_TRAINER_OF_FORMAT = {"cohere": COHERE, "bge": FLAGEMBEDDING, "sentence-transformers": SENTENCE_TRANSFORMERS}


@dataclass(frozen=True)
class TrainerChoice:
    profile: TrainerProfile
    how: str  # "set" (the setting) or "detected" (from the file's format)

    @property
    def name(self) -> str:
        return self.profile.name

    def describe(self) -> str:
        return f"{self.profile.name} ({'set' if self.how == 'set' else 'detected from the records'})"


def choose_trainer(setting: str | None, file_format: str | None) -> TrainerChoice | None:
    """The trainer for a file: the setting, else its format's; None while no record has said."""
    if setting is not None:
        return TrainerChoice(profile(setting), "set")
    if file_format is None:
        return None
    return TrainerChoice(profile(_TRAINER_OF_FORMAT[file_format]), "detected")


_MODELS: dict[tuple[str, str], object] = {}


def model_tokenizer(settings):
    """The `model` setting's tokenizer, loaded once per process; ConfigError when it cannot be
    read (the CLI stops before checking, an editor shows the message as a diagnostic)."""
    from rerank_lint.trainers.model import ModelTokenizerError, load_model_tokenizer

    key = (str(settings.root), settings.model)
    if key not in _MODELS:
        try:
            _MODELS[key] = load_model_tokenizer(settings.model, settings.root)
        except ModelTokenizerError as exc:
            raise ConfigError(str(exc) if str(exc).startswith("setting `model`") else f"setting `model`: {exc}") from None
    return _MODELS[key]


class _LazyOffsets(Sequence):
    """Token spans of a text whose length is known from a cached count: the cut functions ask
    for spans only where a cut falls, so a pair that fits is counted and never re-encoded."""

    def __init__(self, count: int, spans):
        self._count, self._spans, self._items = count, spans, None

    def __len__(self):
        return self._count

    def __getitem__(self, index):
        if self._items is None:
            self._items = self._spans()
        return self._items[index]


class CutTokenizer:
    """Counts and token spans for the cut: the model's tokenizer when `model` is set, else the
    configured `tokenizer` (cl100k_base by default, a proxy). Texts past LONG_TEXT_CHARS are
    tokenized as that prefix: `exact` then says the count is a lower bound."""

    def __init__(self, settings, lazy_tokenizer):
        self.settings = settings
        self._lazy = lazy_tokenizer
        self._model = None
        # The model's counts are cached here (the proxy tokenizer caches its own): negatives
        # repeat across records, mined from one pool.
        self._counts: dict[str, int] = {}

    @property
    def model(self):
        if self._model is None and self.settings.model:
            self._model = model_tokenizer(self.settings)
        return self._model

    @property
    def name(self) -> str:
        return self.settings.model if self.settings.model else self.settings.tokenizer

    def count(self, text: str) -> int:
        text = text[:LONG_TEXT_CHARS]
        model = self.model
        if model is None:
            return self._lazy.count(text)
        n = self._counts.get(text)
        if n is None:
            if len(self._counts) >= CACHE_LIMIT:
                self._counts.clear()
            n = self._counts[text] = model.count(text)
        return n

    def spans(self, text: str) -> list[tuple[int, int]]:
        text = text[:LONG_TEXT_CHARS]
        model = self.model
        if model is not None:
            return model.offsets(text)
        starts = self._lazy.encode_offsets(text)
        # A tiktoken token may start inside a character it shares with the previous one; the
        # next start (or the text's end) closes each span.
        return [(start, end) for start, end in zip(starts, starts[1:] + [len(text)])]

    def offsets(self, text: str) -> Sequence[tuple[int, int]]:
        return _LazyOffsets(self.count(text), lambda: self.spans(text))

    # --- the trainer's numbers ------------------------------------------------------------

    def special_tokens(self, trainer: TrainerProfile) -> int:
        if trainer.name == COHERE:
            return 0  # the platform's 510 counts query + passage tokens only
        model = self.model
        return model.pair_special_tokens if model is not None else trainer.default_special_tokens

    def max_length(self) -> int:
        """sentence-transformers' limit for a pair, special tokens included."""
        if self.settings.max_length is not None:
            return self.settings.max_length
        model = self.model
        if model is not None and model.max_length is not None:
            return model.max_length
        return ST_FALLBACK_MAX_LENGTH

    def direction(self) -> str:
        model = self.model
        return model.truncation_side if model is not None else "right"


def exact(text: str) -> bool:
    return len(text) <= LONG_TEXT_CHARS


def model_folder(settings) -> Path | None:
    return model_tokenizer(settings).folder if settings.model else None
