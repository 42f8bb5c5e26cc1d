"""RL204-RL207: control and invisible characters, mojibake, replacement characters, symbol runs."""

from __future__ import annotations

import re

from rerank_lint.diagnostics.diagnostic import Applicability, Severity
from rerank_lint.rules.base import TextHit, TextRule
from rerank_lint.rules.text.describe import preview, char_name


def _removal(pattern: re.Pattern, text: str) -> str | None:
    """The fix's replacement: remove the match, unless removing every match would leave the
    text empty or blank; then None, no fix. A text that is only `\u200b` reads as empty, but an
    empty string is an error the platform rejects, and a safe fix must not make one."""
    return "" if pattern.sub("", text).strip() else None


class ControlCharacter(TextRule):
    """A control character (NUL, backspace, form feed, C1 controls...) in the text.

    ## Why it matters
    Control characters come from PDF extraction and broken encodings. They are invisible in most
    editors, split tokens unpredictably, and some tools truncate the text at a NUL.

    ## Example
        "relevant_passages": ["The reaction\\u0008s rate doubles"]

    ## Fix
    `--fix` removes them, unless nothing but whitespace would be left. Tabs and line breaks are
    not control characters for this rule.
    """

    code, name, severity = "RL204", "control-character", Severity.WARNING
    summary = "a control character in the text"
    fix = Applicability.SAFE
    _pattern = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+")

    def check_text(self, text):
        if text.isprintable():
            return
        # C1 bytes inside mojibake (`â\x80\x94` for `—`) are part of a repairable sequence:
        # removing them would make it unrepairable, so they are RL206's (one problem, one fix).
        garbled = _mojibake_spans(text) if any("\x80" <= c <= "\x9f" for c in text) else []
        replacement = _removal(self._pattern, text)
        for m in self._pattern.finditer(text):
            for start, end in _outside(m.start(), m.end(), garbled):
                names = ", ".join(sorted({char_name(c) for c in text[start:end]}))
                yield TextHit(start, end, f"control character {names}", replacement)

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
    `--fix` removes them, unless nothing but whitespace would be left (an empty text is an error
    the platform rejects).
    """

    code, name, severity = "RL205", "invisible-character", Severity.WARNING
    summary = "an invisible character in the text"
    fix = Applicability.SAFE
    _pattern = re.compile(f"[{_INVISIBLE}]+")

    ascii_never = True

    def check_text(self, text):
        replacement = _removal(self._pattern, text)
        for m in self._pattern.finditer(text):
            names = ", ".join(sorted({char_name(c) for c in m.group()}))
            yield TextHit(m.start(), m.end(), f"invisible character {names}", replacement)

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


def _mojibake_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _MOJIBAKE.finditer(text) if _undo_mojibake(m.group()) is not None]


def _outside(start: int, end: int, spans: list[tuple[int, int]]):
    """The parts of [start, end) outside the (sorted, disjoint) spans."""
    for s, e in spans:
        if e <= start or s >= end:
            continue
        if s > start:
            yield start, s
        start = max(start, e)
    if start < end:
        yield start, end


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
            # Ellipses and rules of dashes in short runs are prose, not noise; underscores of
            # any length are the blank of a fill-in-the-blank question (`___________ minutes`).
            if len(set(run)) == 1 and (run[0] == "_" or run[0] in ".-" and len(run) < 8):
                continue
            yield TextHit(start, end, f"run of {len(run)} symbols {preview(run)}")

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
