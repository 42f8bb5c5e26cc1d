"""Making text from the data safe to print, one helper for every output format.

File names, key names and text snippets come from whoever wrote the dataset. Printed raw, a
newline in a key starts a line that GitHub Actions runs as a workflow command (`::add-mask::`),
an ESC sequence clears the terminal or retitles it, a control character makes JUnit XML
unparseable, and a file name that is not UTF-8 (Python holds its bytes as lone surrogates)
makes every UTF-8 encoder raise. Each of these is replaced by a visible escape (`\\n`, `\\x1b`,
`\\xff` for an undecodable byte), so the user still sees what is there, and nothing else in the
text changes.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls, DEL, C1 controls (U+009B is an ESC-less CSI on some terminals), the line and
# paragraph separators (line breaks to JavaScript-based viewers), the bidirectional overrides
# and isolates (they reorder what a reviewer sees: "trojan source"), lone surrogates (unencodable;
# from file names that are not UTF-8) and the two noncharacters XML forbids.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(ch: str) -> str:
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that did not decode (surrogateescape): show the byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str, keep: str = "") -> str:
    """`text` with every control, bidi and unencodable character as a visible escape; the
    characters in `keep` are left for the caller's own escaping (GitHub's `%0A`)."""
    if text.isascii() and text.isprintable():  # the common case, decided in C
        return text
    if keep:
        return _UNSAFE.sub(lambda m: m.group() if m.group() in keep else _escape_char(m.group()), text)
    return _UNSAFE.sub(lambda m: _escape_char(m.group()), text)


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def encodable(text: str) -> str:
    """For machine formats, which escape controls themselves (JSON): only what cannot be encoded
    as UTF-8 is replaced, so every other name stays byte-identical to the path on disk."""
    if text.isascii() or not _has_surrogates(text):
        return text
    return re.sub("[\ud800-\udfff]", lambda m: _escape_char(m.group()), text)


def encodable_tree(value: Any) -> Any:
    """A JSON document with `encodable` applied to every string in it, keys included."""
    if isinstance(value, str):
        return encodable(value)
    if isinstance(value, dict):
        return {encodable(k) if isinstance(k, str) else k: encodable_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encodable_tree(v) for v in value]
    return value


def uri_path(path: str) -> str:
    """A path for a URI field (SARIF's artifact location): an undecodable byte becomes its
    percent-escape, which URI readers turn back into the very byte on disk."""
    if path.isascii() or not _has_surrogates(path):
        return path
    return re.sub("[\ud800-\udfff]", lambda m: f"%{ord(m.group()) - 0xDC00:02X}"
                  if 0xDC80 <= ord(m.group()) <= 0xDCFF else _escape_char(m.group()), path)


def code_span(text: str) -> str:
    """A Markdown code span that holds `text` whatever backticks it contains: CommonMark ends a
    span at the first run of as many backticks as opened it, so the fence is one longer than
    the longest run inside, with a space of padding where the text touches a backtick."""
    text = visible(text)
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or (text.startswith(" ") and text.endswith(" ") and text.strip()) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# Only what can open markup here: emphasis, code, links, raw HTML, a table cell's end.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def markdown_text(text: str) -> str:
    """Plain text in a Markdown document (a table cell, a line): no control characters, and no
    character that would start markup, a link, raw HTML or a new table cell."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", visible(text))
