"""The style profile of a query set and its differences from another: length, stopword rate,
question form, casing, digits and codes, script. Pure Python (no numpy).

Each feature is computed per distinct query with deliberately simple tools (a regex word
tokenizer, a bundled stopword list, a Unicode-script guess): they are meant to catch the large,
systematic differences between hand-typed search queries and LLM-written training questions
(Zendel et al., CIKM 2025, report that LLM-written queries use fewer stopwords than real users'),
not to be linguistics. Every delta carries both distributions and a
sentence that says what differs in plain words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# A small English stopword list (function words: articles, pronouns, auxiliaries, prepositions,
# conjunctions), close to the NLTK/Snowball English list; what matters is that both sets are
# measured with the same one.
STOPWORDS = frozenset("""
a about above after again against all am an and any are aren't as at be because been before being below
between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself
him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most
mustn't my myself no nor not of off on once only or other ought our ours ourselves out over own same shan't
she she'd she'll she's should shouldn't so some such than that that's the their theirs them themselves then
there there's these they they'd they'll they're they've this those through to too under until up very was
wasn't we we'd we'll we're we've were weren't what what's when when's where where's which while who who's
whom why why's will with won't would wouldn't you you'd you'll you're you've your yours yourself yourselves
""".split())
# First words that make a query a question even without a question mark ("how to reset router").
INTERROGATIVES = frozenset("""
what what's whats how how's why when where where's who who's whom whose which is are was were do does did
can could should would will shall may might has have had am isn't aren't doesn't don't didn't can't won't
""".split())
_WORD = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)
# A token mixing letters and digits, or alphanumerics joined by code punctuation: SKU-1234,
# E11, v2.1, ERR_404, 3x4, 192.168.0.1 (a plain year or count is a digit, not a code).
_CODE = re.compile(r"(?=\S*\d)(?:\S*[A-Za-z]\S*\d|\S*\d\S*[A-Za-z]|\w+[_#./:-]\w+)\S*")
_DIGIT = re.compile(r"\d")
# A share difference (total variation, or Kolmogorov–Smirnov for numbers) at least this large is
# called out as notable: it is the difference a reader sees at a glance in the two histograms.
NOTABLE_DISTANCE = 0.2

FORMS = ("question", "keywords", "statement")
CASINGS = ("lowercase", "capitalised", "uppercase", "mixed", "caseless")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def script_of(text: str) -> str:
    """The dominant Unicode script of the letters (Latin, Cyrillic, Han, ...); "none" without
    letters. A script is the part of a language that can be told reliably from one short query."""
    counts: dict[str, int] = {}
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        script = name.split(" ", 1)[0] if name else "OTHER"
        if script in ("CJK", "KANGXI"):
            script = "HAN"
        elif script in ("HIRAGANA", "KATAKANA"):
            script = "JAPANESE KANA"
        elif script == "FULLWIDTH":
            script = "LATIN"
        counts[script] = counts.get(script, 0) + 1
    if not counts:
        return "none"
    return max(counts.items(), key=lambda kv: kv[1])[0].title()


@dataclass(frozen=True)
class QueryStyle:
    tokens: int
    stopword_rate: float
    form: str
    casing: str
    has_digit: bool
    has_code: bool
    script: str


def style_of(text: str) -> QueryStyle:
    tokens = words(text)
    lowered = [t.lower().replace("’", "'") for t in tokens]
    stop = sum(1 for t in lowered if t in STOPWORDS)
    rate = stop / len(tokens) if tokens else 0.0
    stripped = text.strip()
    if stripped.endswith("?") or (lowered and lowered[0] in INTERROGATIVES):
        form = "question"
    elif len(tokens) <= 6 and rate <= 0.25 and not stripped.endswith((".", "!")):
        form = "keywords"  # short, few function words, no sentence punctuation
    else:
        form = "statement"
    # Only letters that have a case: Han, Arabic or Thai text is neither lower nor upper case.
    letters = [c for c in text if c.isupper() or c.islower()]
    if not letters:
        casing = "caseless"
    elif all(not c.isupper() for c in letters):
        casing = "lowercase"
    elif all(not c.islower() for c in letters) and len(letters) > 1:
        casing = "uppercase"
    elif letters[0].isupper():
        casing = "capitalised"
    else:
        casing = "mixed"
    return QueryStyle(len(tokens), rate, form, casing, bool(_DIGIT.search(text)), bool(_CODE.search(text)),
                      script_of(text))


# --- summaries and deltas -----------------------------------------------------------------

@dataclass
class NumericSummary:
    n: int
    mean: float
    p10: float
    p25: float
    median: float
    p75: float
    p90: float

    @classmethod
    def of(cls, values: list[float]) -> "NumericSummary":
        ordered = sorted(values)
        n = len(ordered)
        if not n:
            return cls(0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)

        def q(p: float) -> float:
            # Linear interpolation between order statistics, as numpy's default.
            pos = p * (n - 1)
            lo = int(pos)
            hi = min(lo + 1, n - 1)
            return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo), 4)

        return cls(n, round(sum(ordered) / n, 4), q(0.1), q(0.25), q(0.5), q(0.75), q(0.9))


@dataclass
class StyleDelta:
    feature: str  # length, stopword_rate, form, casing, digits, codes, script
    kind: str  # "numeric" or "shares"
    real: dict  # NumericSummary fields, or {category: share}
    training: dict
    distance: float  # Kolmogorov–Smirnov statistic (numeric) or total variation (shares), in [0, 1]
    notable: bool
    sentence: str
    extra: dict = field(default_factory=dict)


def _ks(a: list[float], b: list[float]) -> float:
    """Two-sample Kolmogorov–Smirnov statistic: the largest gap between the two empirical CDFs."""
    if not a or not b:
        return 0.0
    a, b = sorted(a), sorted(b)
    i = j = 0
    best = 0.0
    while i < len(a) and j < len(b):
        x = min(a[i], b[j])
        while i < len(a) and a[i] <= x:
            i += 1
        while j < len(b) and b[j] <= x:
            j += 1
        best = max(best, abs(i / len(a) - j / len(b)))
    return round(best, 4)


def _shares(values: list[str], categories: tuple[str, ...] | None = None) -> dict[str, float]:
    total = len(values) or 1
    counts: dict[str, int] = {c: 0 for c in categories or ()}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return {k: round(v / total, 4) for k, v in sorted(counts.items(), key=lambda kv: -kv[1])}


def _tv(a: dict[str, float], b: dict[str, float]) -> float:
    return round(0.5 * sum(abs(a.get(k, 0.0) - b.get(k, 0.0)) for k in set(a) | set(b)), 4)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _num(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def _numeric_delta(feature: str, real: list[float], train: list[float], sentence) -> StyleDelta:
    r, t = NumericSummary.of(real), NumericSummary.of(train)
    d = _ks(real, train)
    return StyleDelta(feature, "numeric", vars(r), vars(t), d, d >= NOTABLE_DISTANCE, sentence(r, t))


def _share_delta(feature: str, real: list[str], train: list[str], sentence, categories=None) -> StyleDelta:
    r, t = _shares(real, categories), _shares(train, categories)
    d = _tv(r, t)
    return StyleDelta(feature, "shares", r, t, d, d >= NOTABLE_DISTANCE, sentence(r, t))


def _flag_delta(feature: str, real: list[bool], train: list[bool], what: str) -> StyleDelta:
    r = sum(real) / len(real) if real else 0.0
    t = sum(train) / len(train) if train else 0.0
    d = round(abs(r - t), 4)
    return StyleDelta(feature, "shares", {"yes": round(r, 4), "no": round(1 - r, 4)},
                      {"yes": round(t, 4), "no": round(1 - t, 4)}, d, d >= NOTABLE_DISTANCE,
                      f"{_pct(r)} of real queries {what}, {_pct(t)} of training queries.")


def style_deltas(real_texts: list[str], train_texts: list[str]) -> list[StyleDelta]:
    """The style features of both sets side by side, in a fixed order."""
    real = [style_of(t) for t in real_texts]
    train = [style_of(t) for t in train_texts]

    def length_sentence(r: NumericSummary, t: NumericSummary) -> str:
        return (f"Real queries are a median {_num(r.median)} words long (10-90%: {_num(r.p10)}-{_num(r.p90)}), "
                f"training queries {_num(t.median)} ({_num(t.p10)}-{_num(t.p90)}).")

    def stop_sentence(r: NumericSummary, t: NumericSummary) -> str:
        return (f"Stopwords are {_pct(r.mean)} of the words of real queries, "
                f"{_pct(t.mean)} of training queries' (mean per query).")

    def form_sentence(r: dict, t: dict) -> str:
        return (f"Real queries: {_pct(r.get('question', 0))} questions, {_pct(r.get('keywords', 0))} keyword queries; "
                f"training queries: {_pct(t.get('question', 0))} questions, {_pct(t.get('keywords', 0))} keyword queries.")

    def top_sentence(what: str):
        def sentence(r: dict, t: dict) -> str:
            rk, tk = next(iter(r), "none"), next(iter(t), "none")
            if rk == tk:
                return f"Most queries of both sets are {what(rk)} (real {_pct(r.get(rk, 0))}, training {_pct(t.get(rk, 0))})."
            return (f"Most real queries are {what(rk)} ({_pct(r.get(rk, 0))}; training {_pct(t.get(rk, 0))}); "
                    f"most training queries are {what(tk)} ({_pct(t.get(tk, 0))}; real {_pct(r.get(tk, 0))}).")
        return sentence

    return [
        _numeric_delta("length", [s.tokens for s in real], [s.tokens for s in train], length_sentence),
        _numeric_delta("stopword_rate", [s.stopword_rate for s in real], [s.stopword_rate for s in train], stop_sentence),
        _share_delta("form", [s.form for s in real], [s.form for s in train], form_sentence, FORMS),
        _share_delta("casing", [s.casing for s in real], [s.casing for s in train], top_sentence(lambda c: c), CASINGS),
        _flag_delta("digits", [s.has_digit for s in real], [s.has_digit for s in train], "contain a digit"),
        _flag_delta("codes", [s.has_code for s in real], [s.has_code for s in train],
                    "contain a code (letters and digits mixed: SKU-12, v2.1, E11)"),
        _share_delta("script", [s.script for s in real], [s.script for s in train],
                     top_sentence(lambda c: f"in {c} script" if c != "none" else "without letters")),
    ]
