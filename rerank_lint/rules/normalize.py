"""Shared text keys for comparing queries and passages across records and files."""

from __future__ import annotations

import re
import unicodedata

# Prose punctuation only: math and code symbols (+ - = < > ^ / * |) change what a query asks.
_PROSE_PUNCTUATION = re.compile(r"[.,;:!?'\"`´‘’“”«»()\[\]{}¿¡…]+")
_SPACE = re.compile(r"\s+")


def query_key(query: str) -> str:
    """A query with case, whitespace and punctuation ignored: 'What is BM25?' == 'what is  bm25', but 'd^{4}' != 'd 4'."""
    if not query.isascii():
        query = unicodedata.normalize("NFKC", query)
    return _SPACE.sub(" ", _PROSE_PUNCTUATION.sub(" ", query.casefold())).strip()


def passage_key(passage: str) -> int:
    """Passages compare exactly up to surrounding whitespace; stored as a hash to bound memory."""
    return hash(passage.strip())
