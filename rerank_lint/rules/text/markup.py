"""RL202, RL203, RL210: HTML tags and entities, and wiki markup, left in the texts."""

from __future__ import annotations

import html
import re

from rerank_lint.diagnostics.diagnostic import Applicability, Severity
from rerank_lint.rules.base import TextHit, TextRule
from rerank_lint.rules.text.describe import preview


_HTML_TAGS = (
    "a|abbr|address|article|aside|audio|b|big|blockquote|body|br|button|caption|center|cite|code|col|colgroup|dd|del|"
    "details|dfn|div|dl|dt|em|embed|figcaption|figure|font|footer|form|h[1-6]|head|header|hr|html|i|iframe|img|input|"
    "ins|kbd|label|li|link|main|mark|meta|nav|noscript|ol|option|p|pre|q|s|samp|script|section|select|small|source|span|"
    "strike|strong|style|sub|summary|sup|svg|table|tbody|td|textarea|tfoot|th|thead|title|tr|tt|u|ul|var|video|wbr"
)


def count_tags(text: str) -> int:
    return sum(1 for _ in HtmlTag._pattern.finditer(text)) if "<" in text else 0


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
            yield TextHit(m.start(), m.end(), f"HTML {preview(m.group())}", "")

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
    `--fix` replaces the entity with the character it stands for, once: `&amp;lt;` becomes
    `&lt;`. Entities that would turn into an HTML tag (`&lt;b&gt;`) are left as they are.
    """

    code, name, severity = "RL203", "html-entity", Severity.WARNING
    summary = "an HTML entity in the text"
    fix = Applicability.SAFE
    # An ampersand escaped again and again (`&amp;amp;amp;`) is one hit that decodes to `&`:
    # decoded a level per fix round, 150 levels outlasted the fixer's rounds, and a second
    # `--fix` still changed the file.
    _pattern = re.compile(r"&(?:(?:amp;){2,}|(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});)")
    _escaped_amp = re.compile(r"&(?:amp;)+")

    needles = ("&",)

    def check_text(self, text):
        tags: bool | None = None
        for m in self._pattern.finditer(text):
            entity = m.group()
            if entity.startswith("&amp;amp;"):
                levels = len(entity) // 4
                yield TextHit(m.start(), m.end(), f"HTML entity `&amp;` escaped {levels} times ('&')", "&")
                continue
            decoded = html.unescape(entity)
            if decoded == entity:
                continue
            shown = "non-breaking space" if decoded == "\xa0" else repr(decoded)
            replacement = " " if decoded == "\xa0" else decoded
            if "<" in decoded or ">" in decoded:
                if tags is None:
                    tags = self._decoding_makes_tags(text)
                if tags:
                    # `&lt;script&gt;` is text about a tag; decoded it becomes one, which the
                    # tag rule would then strip: the text's meaning, lost by two safe fixes.
                    replacement = None
            yield TextHit(m.start(), m.end(), f"HTML entity `{entity}` ({shown})", replacement)

    def _decoding_makes_tags(self, text: str) -> bool:
        decoded = html.unescape(self._escaped_amp.sub("&", text))
        return count_tags(decoded) > count_tags(text)

    def fix_description(self, hit):
        return f"replace the entity with {hit.replacement!r}"


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
                yield TextHit(m.start(), m.end(), f"wiki markup {preview(m.group())}", "")
        if "{{" in text or "[[" in text or "'''" in text:
            for m in self._other.finditer(text):
                yield TextHit(m.start(), m.end(), f"wiki markup {preview(m.group())}")

    def fix_description(self, hit):
        return "remove the wiki tag"
