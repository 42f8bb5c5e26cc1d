"""Shared text keys for comparing queries and passages across records and files."""

from __future__ import annotations

import re
from functools import lru_cache
import unicodedata

# Prose punctuation only: math and code symbols (+ - = < > ^ / * |) change what a query asks.
_PROSE_PUNCTUATION = re.compile(r"[.,;:!?'\"`´‘’“”«»()\[\]{}¿¡…]+")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1024)  # a query is normalised by several rules in a row
def query_key(query: str) -> str:
    """A query with case, whitespace and punctuation ignored: 'What is BM25?' == 'what is  bm25', but 'd^{4}' != 'd 4'."""
    if not query.isascii():
        query = unicodedata.normalize("NFKC", query)
    return _SPACE.sub(" ", _PROSE_PUNCTUATION.sub(" ", query.casefold())).strip()


def passage_key(passage: str) -> int:
    """Passages compare exactly up to surrounding whitespace; stored as a hash to bound memory."""
    return hash(passage.strip())
