"""Exactly which tokens of a (query, passage) pair each trainer keeps.

Input is the character span of every token of each text (special tokens left out), as
`ModelTokenizer.offsets` gives them; output is, per side, the token count, the count kept and
the character range of the tokens lost, so a caller can underline exactly the cut part of both
texts.

- sentence-transformers (CrossEncoder, v4-v6): the pair is tokenized with
  `truncation="longest_first"` at `max_length`, special tokens included. With a fast tokenizer
  (the only kind transformers 5 has) that is the Rust `tokenizers` truncation
  (tokenizers/src/utils/truncation.rs), reproduced here: with budget B = max_length - specials,
  shorter side n1 <= longer side n2, the longer is cut to max(n1, B - n1); when that still does
  not fit, the shorter keeps B // 2 and the longer B // 2 + B % 2 (the passage on a tie). This
  differs by one token from transformers' Python `truncate_sequences`, which gives the odd token
  to the first text.
- FlagEmbedding (abc/finetune/reranker/AbsDataset.py, create_one_example): the query (prompt
  prepended) is encoded without special tokens and cut to `query_max_len + passage_max_len // 4`,
  the passage to `passage_max_len + query_max_len // 2`, then `prepare_for_model(q, p,
  truncation="only_second", max_length=query_max_len + passage_max_len)` cuts the passage again
  so the pair with its special tokens fits. When the passage cannot absorb the excess,
  transformers 4 logs an error and leaves the pair over length (`overflow` says so).
- Cohere: the whole query is kept and the passage cut so that query + passage <= 510 tokens, no
  special tokens counted (the platform's documented rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

Offsets = Sequence[tuple[int, int]]


@dataclass(frozen=True)
class SideCut:
    total: int  # tokens of the text, no special tokens
    kept: int
    # Character range [cut_start, cut_end) of the lost tokens; None when nothing is lost. With
    # right truncation (the default) it runs from the first lost token to the end of the last.
    cut_start: int | None
    cut_end: int | None

    @property
    def lost(self) -> int:
        return self.total - self.kept

    @property
    def lost_share(self) -> float:
        """Share of the text's tokens the model never sees."""
        return self.lost / self.total if self.total else 0.0


@dataclass(frozen=True)
class PairCut:
    trainer: str
    query: SideCut
    passage: SideCut
    special_tokens: int
    max_length: int  # the trainer's limit for the pair, special tokens included when it counts them
    # Why the trainer could not bring the pair within max_length (it then keeps more than that);
    # None when the pair fits after the cut.
    overflow: str | None = None

    @property
    def cut(self) -> bool:
        return bool(self.query.lost or self.passage.lost)

    @property
    def passage_unseen_share(self) -> float:
        return self.passage.lost_share

    @property
    def length(self) -> int:
        """Tokens the model is fed for this pair, special tokens included."""
        return self.query.kept + self.passage.kept + self.special_tokens


def _side(offsets: Offsets, kept: int, direction: str, shift: int = 0) -> SideCut:
    total = len(offsets)
    kept = min(kept, total)
    if kept == total:
        return SideCut(total, total, None, None)
    if direction == "right":
        start, end = offsets[kept][0], offsets[-1][1]
    else:
        start, end = offsets[0][0], offsets[total - kept - 1][1]
    # A prompt prepended before tokenizing shifts every offset; a cut inside the prompt starts
    # at the beginning of the user's own text.
    return SideCut(total, kept, max(0, start - shift), max(0, end - shift))


def longest_first_lengths(n_query: int, n_passage: int, budget: int) -> tuple[int, int]:
    """Tokens kept of each side by the `tokenizers` longest_first truncation to `budget` content
    tokens (max_length minus the special tokens)."""
    if n_query + n_passage <= budget:
        return n_query, n_passage
    if budget == 0:
        return 0, 0
    swap = n_query > n_passage
    n1, n2 = (n_passage, n_query) if swap else (n_query, n_passage)
    n2 = n1 if n1 > budget else max(n1, budget - n1)
    if n1 + n2 > budget:
        n1 = budget // 2
        n2 = n1 + budget % 2
    if swap:
        n1, n2 = n2, n1
    return min(n_query, n1), min(n_passage, n2)


def _check_length(max_length: int, special: int, what: str) -> None:
    if max_length < special:
        raise ValueError(f"{what} {max_length} is smaller than the {special} special tokens of a pair")


def sentence_transformers_cut(query: Offsets, passage: Offsets, max_length: int, special_tokens: int,
                              direction: str = "right") -> PairCut:
    _check_length(max_length, special_tokens, "max-length")
    kept_q, kept_p = longest_first_lengths(len(query), len(passage), max_length - special_tokens)
    return PairCut("sentence-transformers", _side(query, kept_q, direction), _side(passage, kept_p, direction),
                   special_tokens, max_length)


def flagembedding_cut(query: Offsets, passage: Offsets, query_max_len: int = 32, passage_max_len: int = 128,
                      special_tokens: int = 3, direction: str = "right",
                      query_prompt_chars: int = 0, passage_prompt_chars: int = 0) -> PairCut:
    """FlagEmbedding's cut. When a prompt is configured, `query`/`passage` are the offsets of
    prompt + text and `*_prompt_chars` the prompt's length: the ranges returned are then in the
    user's own text."""
    max_length = query_max_len + passage_max_len
    _check_length(max_length, special_tokens, "query-max-len + passage-max-len")
    n_q = min(len(query), query_max_len + passage_max_len // 4)
    n_p = min(len(passage), passage_max_len + query_max_len // 2)
    overflow = None
    to_remove = n_q + n_p + special_tokens - max_length
    if to_remove > 0:
        # truncate_sequences(only_second) cuts only when the passage is longer than the excess
        # (transformers 4, which FlagEmbedding's prepare_for_model call needs).
        if n_p > to_remove:
            n_p -= to_remove
        else:
            overflow = (f"the query keeps {n_q} tokens and the passage has only {n_p} to give for {to_remove} too many: "
                        f"the trainer logs an error and feeds {n_q + n_p + special_tokens} tokens (over {max_length})")
    return PairCut("flagembedding", _side(query, n_q, direction, query_prompt_chars),
                   _side(passage, n_p, direction, passage_prompt_chars), special_tokens, max_length, overflow)


def cohere_cut(query: Offsets, passage: Offsets, budget: int = 510) -> PairCut:
    n_q = len(query)
    keep = max(0, budget - n_q)
    overflow = None
    if n_q >= budget:
        overflow = f"the query alone has {n_q} tokens, at or over the budget of {budget}: no passage fits"
    return PairCut("cohere", _side(query, n_q, "right"), _side(passage, keep, "right"), 0, budget, overflow)


class _Offsetting(Protocol):
    def offsets(self, text: str) -> list[tuple[int, int]]: ...


def cut_texts(tokenizer: _Offsetting, trainer: str, query: str, passage: str, *, max_length: int | None = None,
              special_tokens: int = 3, query_max_len: int = 32, passage_max_len: int = 128, token_budget: int = 510,
              query_prompt: str = "", passage_prompt: str = "", direction: str = "right") -> PairCut:
    """Tokenize a pair and cut it as `trainer` does; the settings a trainer does not use are
    ignored. sentence-transformers needs `max_length` (the model's own when none is set)."""
    if trainer == "sentence-transformers":
        if max_length is None:
            raise ValueError("sentence-transformers' cut needs a max_length (the model's, or the setting)")
        return sentence_transformers_cut(tokenizer.offsets(query), tokenizer.offsets(passage), max_length,
                                         special_tokens, direction)
    if trainer == "flagembedding":
        return flagembedding_cut(tokenizer.offsets(query_prompt + query), tokenizer.offsets(passage_prompt + passage),
                                 query_max_len, passage_max_len, special_tokens, direction,
                                 len(query_prompt), len(passage_prompt))
    if trainer == "cohere":
        return cohere_cut(tokenizer.offsets(query), tokenizer.offsets(passage), token_budget)
    raise ValueError(f"unknown trainer {trainer!r}")
