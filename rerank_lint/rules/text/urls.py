"""RL201: links left in the texts."""

from __future__ import annotations

import re

from rerank_lint.diagnostics.diagnostic import Applicability, Severity
from rerank_lint.rules.base import TextHit, TextRule
from rerank_lint.rules.text.describe import preview


_TLDS = "com|org|net|edu|gov|mil|int|io|co|uk|de|fr|es|it|nl|eu|ru|cn|jp|in|au|ca|us|info|biz|me|tv|ai|app|dev"


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
    # A bare domain (`en.wikipedia.org/wiki/BM25`): a known top-level domain, and a path or a
    # subdomain, so that file names (`report.pdf`, `setup.py`), versions (`1.2.3`) and company
    # names (`Amazon.com`) stay prose.
    _bare = re.compile(rf"(?<![\w@./:-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b(?:/[^\s<>\"'\]\[]*)?(?![\w-])",
                       re.IGNORECASE)

    needles = ("://", "www.", *(f".{tld}" for tld in _TLDS.split("|")), *(f".{tld.upper()}" for tld in _TLDS.split("|")))

    def check_text(self, text):
        found = [(m.start(), m.group()) for m in self._pattern.finditer(text)]
        taken = [(start, start + len(url)) for start, url in found]
        for m in self._bare.finditer(text):
            host = m.group().split("/", 1)[0]
            if ("/" in m.group() or host.count(".") >= 2) and not any(s <= m.start() < e for s, e in taken):
                found.append((m.start(), m.group()))
        for start, raw in sorted(found):
            url = raw.rstrip(".,;:!?)'\"")
            yield TextHit(start, start + len(url), f"URL {preview(url)}", "")

    def fix_description(self, hit):
        return "remove the URL"
