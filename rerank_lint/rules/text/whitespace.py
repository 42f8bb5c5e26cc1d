"""RL208, RL209: whitespace around and inside the texts."""

from __future__ import annotations

import re

from rerank_lint.diagnostics.diagnostic import Applicability, Severity
from rerank_lint.rules.base import TextHit, TextRule
from rerank_lint.rules.text.describe import preview


class SurroundingWhitespace(TextRule):
    """Whitespace (spaces, tabs, line breaks) at the start or end of a text.

    ## Why it matters
    Templates often leave a trailing newline on every query. It costs tokens, makes duplicates
    look different, and the model never sees it in real queries.

    ## Example
        "query": "how do I reset my password?\\n"

    ## Fix
    `--fix` strips it.
    """

    code, name, severity = "RL208", "surrounding-whitespace", Severity.WARNING
    summary = "whitespace at the start or end of the text"
    fix = Applicability.SAFE

    def check_text(self, text):
        if not text or not (text[0].isspace() or text[-1].isspace()):
            return
        stripped = text.strip()
        if not stripped:
            return  # empty texts are the schema rules' business
        lead = len(text) - len(text.lstrip())
        trail = len(text) - len(text.rstrip())
        if lead:
            yield TextHit(0, lead, f"leading whitespace {preview(text[:lead])}", "")
        if trail:
            yield TextHit(len(text) - trail, len(text), f"trailing whitespace {preview(text[-trail:])}", "")

    def fix_description(self, hit):
        return "strip the whitespace"


class RepeatedWhitespace(TextRule):
    """Runs of three or more spaces, of tabs, or of three or more line breaks, inside a text.

    ## Why it matters
    Runs of whitespace are left from layout (PDF columns, HTML indentation). They cost tokens and
    make near-identical passages differ.

    ## Example
        "relevant_passages": ["BM25 is a    ranking function.\\n\\n\\n\\nIt uses term frequency."]

    ## Fix
    `--fix` collapses a run of spaces and tabs to one space, and three or more line breaks to two.
    Indentation at the start of a line is kept.
    """

    code, name, severity = "RL209", "repeated-whitespace", Severity.INFO
    summary = "repeated whitespace inside the text"
    fix = Applicability.SAFE
    # Two spaces after a full stop is a typing convention, not noise: runs start at three.
    _pattern = re.compile(r"[ \t\u00a0]{3,}|\t[ \t\u00a0]+|[ \u00a0]+\t|\n[ \t]*\n(?:[ \t]*\n)+")

    needles = ("   ", "\t", "\n\n", "\xa0")

    def check_text(self, text):
        stripped_start = len(text) - len(text.lstrip())
        stripped_end = len(text.rstrip())
        for m in self._pattern.finditer(text, stripped_start, stripped_end):
            run = m.group()
            if text[m.start() - 1] == "\n" and run[0] != "\n":
                # Indentation, which is content: the syntax of code, the nesting of a list. A
                # run is matched from its first character, so this is the whole of it.
                continue
            if "\n" in run:
                yield TextHit(m.start(), m.end(), f"{run.count(chr(10))} line breaks in a row", "\n\n")
            else:
                yield TextHit(m.start(), m.end(), f"{len(run)} whitespace characters in a row", " ")

    def fix_description(self, hit):
        return "collapse the whitespace"
