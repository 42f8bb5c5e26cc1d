"""RL201: links left in the texts."""

from __future__ import annotations

import re

from rerank_lint.diagnostics.diagnostic import Applicability, Severity
from rerank_lint.rules.base import TextHit, TextRule
from rerank_lint.rules.text.describe import preview


class UrlInText(TextRule):
    """A URL inside a query or passage.

    ## Why it matters
    URLs are noise for a reranker: they cost tokens of the 510-token budget, carry no meaning the
    model can use, and teach it to match on domains. Cohere's data guide asks to remove URLs,
    symbols and HTML that the task does not need.

    ## Example
        "relevant_passages": ["BM25 ranks documents by term frequency. Source: https://en.wikipedia.org/wiki/Okapi_BM25"]

    ## Fix
    `--fix --unsafe-fixes` removes the URL (unsafe: the URL may be the answer, e.g. for queries
    about web addresses). Better: strip URLs in the export step.
    """

    code, name, severity = "RL201", "url-in-text", Severity.WARNING
    summary = "a URL in the text"
    fix = Applicability.UNSAFE
    _pattern = re.compile(r"\b(?:https?|ftp)://[^\s<>\"'\]\[]+|\bwww\.[a-z0-9-]+\.[a-z]{2,}[^\s<>\"'\]\[]*", re.IGNORECASE)

    needles = ("://", "www.")

    def check_text(self, text):
        for m in self._pattern.finditer(text):
            url = m.group().rstrip(".,;:!?)'\"")
            yield TextHit(m.start(), m.start() + len(url), f"URL {preview(url)}", "")

    def fix_description(self, hit):
        return "remove the URL"
