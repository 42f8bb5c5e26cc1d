"""RL2xx: text cleaning. Each rule is a pure function of one text, cached per distinct text.

Every pattern here is linear in the length of the text: no nested quantifiers, bounded
repetition inside tags, so adversarial input cannot make a check explode. A rule declares the
substrings (`needles`) without which it cannot match; the engine tests them first (C speed)
and calls the rule only when one is present.
"""

from __future__ import annotations

import html
import re
import unicodedata

from rerank_lint.diagnostics.diagnostic import Applicability, Severity
from rerank_lint.rules.base import TextHit, TextRule


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
            yield TextHit(m.start(), m.start() + len(url), f"URL {_short(url)}", "")

    def fix_description(self, hit):
        return "remove the URL"


_HTML_TAGS = (
    "a|abbr|address|article|aside|audio|b|big|blockquote|body|br|button|caption|center|cite|code|col|colgroup|dd|del|"
    "details|dfn|div|dl|dt|em|embed|figcaption|figure|font|footer|form|h[1-6]|head|header|hr|html|i|iframe|img|input|"
    "ins|kbd|label|li|link|main|mark|meta|nav|noscript|ol|option|p|pre|q|s|samp|script|section|select|small|source|span|"
    "strike|strong|style|sub|summary|sup|svg|table|tbody|td|textarea|tfoot|th|thead|title|tr|tt|u|ul|var|video|wbr"
)


class HtmlTag(TextRule):
    """An HTML tag or comment inside the text.

    ## Why it matters
    Tags left from scraping (`<p>`, `<br/>`, `<span class=...>`) cost tokens and teach the model
    to rely on markup it will not see at query time. Only real HTML element names are reported,
    and attributes must have quoted values, so math such as `a < b`, `x<y>z` or `x<b or x>b` is
    not.

    ## Example
        "relevant_passages": ["<p>BM25 is a <b>ranking</b> function.</p>"]

    ## Fix
    `--fix` removes the tags and keeps the text between them.
    """

    code, name, severity = "RL202", "html-tag", Severity.WARNING
    summary = "an HTML tag in the text"
    fix = Applicability.SAFE
    # A tag with attributes must have a quoted value (`<span class="x">`), so math such as
    # `x<b or x>b` is not taken for a `<b>` tag.
    _pattern = re.compile(
        rf"</?(?:{_HTML_TAGS})(?:\s[^<>]{{0,300}}?=\s*[\"'][^<>]{{0,300}})?\s*/?>|<!--[^<>]{{0,500}}?-->|<!DOCTYPE[^<>]{{0,100}}>",
        re.IGNORECASE)

    needles = ("<",)

    def check_text(self, text):
        for m in self._pattern.finditer(text):
            yield TextHit(m.start(), m.end(), f"HTML {_short(m.group())}", "")

    def fix_description(self, hit):
        return "remove the HTML tag"


class HtmlEntity(TextRule):
    """An HTML character reference such as `&amp;`, `&nbsp;` or `&#39;`.

    ## Why it matters
    Escaped entities are left from HTML sources: the model sees `&amp;` where users type `&`, so
    the same words look different at training and query time.

    ## Example
        "query": "what does AT&amp;T stand for"

    ## Fix
    `--fix` replaces the entity with the character it stands for.
    """

    code, name, severity = "RL203", "html-entity", Severity.WARNING
    summary = "an HTML entity in the text"
    fix = Applicability.SAFE
    _pattern = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")

    needles = ("&",)

    def check_text(self, text):
        for m in self._pattern.finditer(text):
            entity = m.group()
            decoded = html.unescape(entity)
            if decoded != entity:
                shown = "non-breaking space" if decoded == "\xa0" else repr(decoded)
                replacement = " " if decoded == "\xa0" else decoded
                yield TextHit(m.start(), m.end(), f"HTML entity `{entity}` ({shown})", replacement)

    def fix_description(self, hit):
        return f"replace the entity with {hit.replacement!r}"


class ControlCharacter(TextRule):
    """A control character (NUL, backspace, form feed, C1 controls...) in the text.

    ## Why it matters
    Control characters come from PDF extraction and broken encodings. They are invisible in most
    editors, split tokens unpredictably, and some tools truncate the text at a NUL.

    ## Example
        "relevant_passages": ["The reaction\\u0008s rate doubles"]

    ## Fix
    `--fix` removes them. Tabs and line breaks are not control characters for this rule.
    """

    code, name, severity = "RL204", "control-character", Severity.WARNING
    summary = "a control character in the text"
    fix = Applicability.SAFE
    _pattern = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+")

    def check_text(self, text):
        if text.isprintable():
            return
        for m in self._pattern.finditer(text):
            names = ", ".join(sorted({_char_name(c) for c in m.group()}))
            yield TextHit(m.start(), m.end(), f"control character {names}", "")

    def fix_description(self, hit):
        return "remove the control characters"


_INVISIBLE = "\u00ad\u180e\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"


class InvisibleCharacter(TextRule):
    """A zero-width or other invisible formatting character.

    ## Why it matters
    Zero-width spaces, soft hyphens, byte order marks and bidirectional controls make equal
    texts differ (duplicates go unnoticed), split words into odd tokens and can hide text.
    Zero-width joiners are left alone: emoji and some scripts need them.

    ## Example
        "query": "what is\\u200b bm25"

    ## Fix
    `--fix` removes them.
    """

    code, name, severity = "RL205", "invisible-character", Severity.WARNING
    summary = "an invisible character in the text"
    fix = Applicability.SAFE
    _pattern = re.compile(f"[{_INVISIBLE}]+")

    ascii_never = True

    def check_text(self, text):
        for m in self._pattern.finditer(text):
            names = ", ".join(sorted({_char_name(c) for c in m.group()}))
            yield TextHit(m.start(), m.end(), f"invisible character {names}", "")

    def fix_description(self, hit):
        return "remove the invisible characters"


# Characters that UTF-8 lead and continuation bytes become when decoded as cp1252 or Latin-1.
_CP1252_HIGH = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_MOJIBAKE = re.compile(f"(?:[\u00c2-\u00f4][\u0080-\u00bf{_CP1252_HIGH}\u00a0-\u00bf]{{1,3}})+")


def _undo_mojibake(segment: str) -> str | None:
    raw = bytearray()
    for ch in segment:
        try:
            raw += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) < 256:
                raw.append(ord(ch))  # bytes cp1252 leaves undefined pass through as Latin-1
            else:
                return None
    try:
        repaired = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return repaired if repaired != segment else None


class Mojibake(TextRule):
    """Text that was UTF-8 but was decoded as cp1252 or Latin-1 (`Ã©` for `é`, `â€™` for `’`).

    ## Why it matters
    Mojibake turns one character into two or three odd ones: words stop matching their clean
    spelling in queries, and the model learns the garbage. Only sequences that decode back to
    valid UTF-8 are reported, so real `Ã` or `Â` in text is left alone.

    ## Example
        "relevant_passages": ["The cafÃ© opens at 8"]

    ## Fix
    `--fix --unsafe-fixes` replaces the sequence with the repaired text (unsafe: it is a
    heuristic, check the result). Better: read the source with the right encoding.
    """

    code, name, severity = "RL206", "mojibake", Severity.WARNING
    summary = "mis-decoded text (mojibake)"
    fix = Applicability.UNSAFE

    ascii_never = True

    def check_text(self, text):
        for m in _MOJIBAKE.finditer(text):
            repaired = _undo_mojibake(m.group())
            if repaired is not None:
                yield TextHit(m.start(), m.end(), f"mojibake {m.group()!r}, probably {repaired!r}", repaired)

    def fix_description(self, hit):
        return f"replace with {hit.replacement!r}"


class ReplacementCharacter(TextRule):
    """The Unicode replacement character `�` (U+FFFD).

    ## Why it matters
    `�` marks bytes that a decoder could not read: the original characters are lost. It usually
    comes from reading a non-UTF-8 source with `errors="replace"`.

    ## Example
        "query": "caf� near the station"

    ## Fix
    Re-export the text from its source with the right encoding; the lost characters cannot be
    recovered from this file.
    """

    code, name, severity = "RL211", "replacement-character", Severity.WARNING
    summary = "a replacement character: text was lost in decoding"
    _pattern = re.compile("\ufffd+")

    needles = ("\ufffd",)
    ascii_never = True

    def check_text(self, text):
        for m in self._pattern.finditer(text):
            yield TextHit(m.start(), m.end(), f"{len(m.group())} replacement character(s) `\ufffd`: characters were lost when the text was decoded")


class SymbolRun(TextRule):
    """A long run of symbols or emoji (`=======`, `!!!!!!!`, `★★★★★`, `😀😀😀😀😀`).

    ## Why it matters
    Decorative runs cost tokens and carry no meaning; Cohere's data guide asks to remove symbols
    the task does not need. A run is `symbol-run-length` (default 5) or more symbol characters
    (Unicode category S: math, currency, emoji), or the same punctuation mark repeated that
    often. Mixed punctuation such as LaTeX `\\)\\(` is not a run: math data stays clean.

    ## Example
        "relevant_passages": ["Great product!!!!!!! ★★★★★"]

    ## Fix
    Remove the run in the export step; no automatic fix, since some runs are content (tables,
    code, math).
    """

    code, name, severity = "RL207", "symbol-run", Severity.INFO
    summary = "a long run of symbols or emoji"

    _ASCII_SYMBOLS = "$+<=>^`|~"  # Unicode category S within ASCII
    _ASCII_PUNCTUATION = "!\"#%&'()*,-./:;?@[\\]_{}"

    def __init__(self, settings):
        super().__init__(settings)
        n = max(2, settings.symbol_run_length)
        # ASCII text (most of it) is scanned for runs of any symbol or punctuation with the
        # stdlib engine, then each run is checked in Python: one cheap pass over the text.
        self._ascii_runs = re.compile(f"[{re.escape(self._ASCII_SYMBOLS + self._ASCII_PUNCTUATION)}]{{{n},}}")
        self._repeated = re.compile(rf"(.)\1{{{n - 1},}}")
        self._symbol_run = re.compile(f"[{re.escape(self._ASCII_SYMBOLS)}]{{{n},}}")
        marked = (self._ASCII_SYMBOLS + self._ASCII_PUNCTUATION).encode()
        self._to_marker = bytes(ord("P") if b in marked else ord("a") for b in range(256))
        self._marker = b"P" * n
        import regex

        self._unicode = regex.compile(rf"(?:\p{{S}}[\u200d\ufe0f\p{{M}}]*){{{n},}}|(\p{{P}})\1{{{n - 1},}}")

    def check_text(self, text):
        if text.isascii():
            # Map every symbol and punctuation byte to "P" (a 256-byte table: C speed), so that
            # texts without n in a row are rejected by a substring test, not a regex scan.
            if self._marker not in text.encode("ascii").translate(self._to_marker):
                return
            matches = (m for run in self._ascii_runs.finditer(text) for m in self._runs_in(run))
        else:
            matches = ((m.start(), m.end()) for m in self._unicode.finditer(text))
        for start, end in matches:
            run = text[start:end]
            # Ellipses and rules of dashes in short runs are prose, not noise.
            if len(set(run)) == 1 and run[0] in ".-_" and len(run) < 8:
                continue
            yield TextHit(start, end, f"run of {len(run)} symbols {_short(run)}")

    def _runs_in(self, run):
        """Within a run of ASCII punctuation and symbols, the parts that count: symbols, or one
        punctuation mark repeated (mixed punctuation such as `\\)\\(` is left alone)."""
        text, offset = run.group(), run.start()
        found = [(m.start(), m.end()) for m in self._symbol_run.finditer(text)]
        found += [(m.start(), m.end()) for m in self._repeated.finditer(text)]
        found.sort()
        last_end = -1
        for start, end in found:
            if start >= last_end:
                last_end = end
                yield offset + start, offset + end


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
            yield TextHit(0, lead, f"leading whitespace {_short(text[:lead])}", "")
        if trail:
            yield TextHit(len(text) - trail, len(text), f"trailing whitespace {_short(text[-trail:])}", "")

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
            if "\n" in run:
                yield TextHit(m.start(), m.end(), f"{run.count(chr(10))} line breaks in a row", "\n\n")
            else:
                yield TextHit(m.start(), m.end(), f"{len(run)} whitespace characters in a row", " ")

    def fix_description(self, hit):
        return "collapse the whitespace"


_WIKI_TAGS = "onlyinclude|noinclude|includeonly|ref|references|nowiki|gallery|math|syntaxhighlight|templatestyles|poem|timeline"


class WikiMarkup(TextRule):
    """Wiki markup: `<onlyinclude>`, `<ref>`, `{{templates}}`, `[[links]]`, `'''bold'''`.

    ## Why it matters
    Passages extracted from Wikipedia dumps keep MediaWiki markup (the FlagEmbedding NQ example
    has `<onlyinclude>`). The model learns to match markup that real documents do not have.

    ## Example
        "pos": ["<onlyinclude>Big Little Lies is an American drama series.</onlyinclude>"]

    ## Fix
    `--fix` removes tags such as `<onlyinclude>` and `<ref>` and keeps their text; templates,
    links and bold markers need the export step (mwparserfromhell) to be rendered properly.
    """

    code, name, severity = "RL210", "wiki-markup", Severity.WARNING
    summary = "wiki markup in the text"
    fix = Applicability.SAFE
    _tag = re.compile(rf"</?(?:{_WIKI_TAGS})(?:\s[^<>]{{0,300}})?/?>", re.IGNORECASE)
    # `![[alt]]()` is a Markdown image with a bracketed alt text, not a wiki link.
    _other = re.compile(r"\{\{[^{}\n]{1,300}\}\}|(?<!!)\[\[[^\[\]\n]{1,300}\]\]|'''")

    needles = ("<", "{{", "[[", "'''")

    def check_text(self, text):
        if "<" in text:
            for m in self._tag.finditer(text):
                yield TextHit(m.start(), m.end(), f"wiki markup {_short(m.group())}", "")
        if "{{" in text or "[[" in text or "'''" in text:
            for m in self._other.finditer(text):
                yield TextHit(m.start(), m.end(), f"wiki markup {_short(m.group())}")

    def fix_description(self, hit):
        return "remove the wiki tag"


def _short(text: str, limit: int = 40) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return "`" + shown.replace("\n", "\\n").replace("\t", "\\t").replace("`", "'") + "`"


def _char_name(ch: str) -> str:
    names = {"\x00": "NUL", "\x08": "BACKSPACE", "\x0b": "VERTICAL TAB", "\x0c": "FORM FEED", "\x1b": "ESCAPE", "\x7f": "DELETE"}
    name = names.get(ch) or unicodedata.name(ch, None) or f"U+{ord(ch):04X}"
    return f"{name} (U+{ord(ch):04X})"
