"""Whether two near-duplicate queries ask the same thing, from what differs between them.

An embedding model scores "Question: ... Incorrect Answer: only tom" and "... only katie" at
~1.0: the texts share everything but the slot that makes them different examples. So the
verdict here is taken from the differing parts, not from the cosine: the two texts are split
into word / number / LaTeX tokens, aligned with difflib, and what differs is classified. Any
difference in numbers, math (LaTeX commands, operators), negation, capitalised names, quoted
text or the answer after an `Answer:`-style separator makes two *different examples*; synonyms,
reordering, punctuation, `/` and case leave them paraphrases.

Stdlib only (re, difflib): cheap enough to run on every candidate pair, and importable by the
light path.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

# A labelled answer or option list after the question: eedi's "Incorrect Answer:", quiz files'
# "Options:", "A)". What follows is the slot that tells the examples apart.
SEPARATOR = re.compile(r"\b((?:incorrect |correct |wrong |student'?s? )?answers?|options?|choices?)\s*:", re.IGNORECASE)
_TOKEN = re.compile(
    r"\\[A-Za-z]+|\\.|"  # LaTeX commands and escaped symbols (\%, \{)
    r"\d+(?:[.,/]\d+)*|"  # numbers, with decimals, thousands, fractions
    r"[A-Za-z]+(?:'[A-Za-z]+)?|n't|"  # words (contractions kept whole: don't, isn't)
    r"[=<>+×÷≤≥≠−^*%]|-|"  # operators
    r"\S",  # anything else: punctuation, quotes, brackets
)
# LaTeX that changes how a formula looks, not what it says.
_LAYOUT = frozenset(r"""\left \right \mathrm \text \mathbf \boldsymbol \mathit \textbf \quad \qquad \displaystyle
    \, \; \! \  \( \) \[ \] \{ \} \color \mathbb \operatorname \limits \hline \begin \end""".split())
_MATH_WORDS = {r"\div": "÷", r"\times": "×", r"\cdot": "×", r"\neq": "≠", r"\ne": "≠", r"\leq": "≤", r"\le": "≤",
               r"\geq": "≥", r"\ge": "≥", r"\lt": "<", r"\gt": ">", r"\%": "%", "−": "-"}
_NEGATION = frozenset("not no never none neither nor cannot without nothing nobody".split())
# Not "one": far more often a pronoun ("which one", "does one cross") than a number.
_NUMBER_WORDS = {w: str(n) for n, w in enumerate(
    "zero _ two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split()) if w != "_"} | {"hundred": "100", "thousand": "1000", "million": "1000000",
                                                     "half": "1/2", "quarter": "1/4", "third": "1/3"}
_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”")
_SENTENCE_END = frozenset(".?!:\n;")
_PUNCTUATION = re.compile(r"^[^\w\\=<>+×÷≤≥≠^*%-]$")

KINDS = ("answer", "number", "math", "negation", "name", "quote", "image", "question")
# Question words that fix what is asked: "Who wrote X?" and "When was X published?" are two
# questions about one topic. "what", "which" and "how" are left out: they trade places in
# paraphrases ("What is the capital" / "Which city is the capital").
_ASKS = frozenset("who whom whose when where why".split())


@dataclass(frozen=True)
class Difference:
    """The verdict on two queries and why."""

    same_question: bool
    reasons: tuple[str, ...]  # the kinds of difference found (KINDS), empty for a paraphrase
    spans: tuple[tuple[str, str], ...] = field(default=())  # the differing spans, (a's, b's)

    def describe(self) -> str:
        if self.same_question:
            return "differs only in wording"
        shown = "; ".join(f"{a or '∅'!r} vs {b or '∅'!r}" for a, b in self.spans[:2])
        return f"differs in {', '.join(self.reasons)}" + (f" ({shown})" if shown else "")


_MATH_OPEN = frozenset((r"\(", r"\["))
_MATH_CLOSE = frozenset((r"\)", r"\]"))


def _tokens(text: str) -> list[tuple[str, str, bool]]:
    """(normalised token, original, starts a sentence) for each meaningful token."""
    out, sentence_start, in_math = [], True, False
    for match in _TOKEN.finditer(text):
        raw = match.group()
        if raw in _MATH_OPEN or raw in _MATH_CLOSE:
            in_math = raw in _MATH_OPEN
            continue
        if raw in _SENTENCE_END and not in_math:
            sentence_start = True
            continue
        if raw == "-" and not in_math and not _minus(text, match.start()):
            continue  # a dash or a hyphen, not a minus
        if raw in _LAYOUT or _PUNCTUATION.match(raw):
            continue  # punctuation and `/` carry no meaning of their own here
        norm = raw.casefold()
        norm = _MATH_WORDS.get(raw, _NUMBER_WORDS.get(norm, norm))
        out.append((norm, raw, sentence_start))
        sentence_start = False
    return out


def _minus(text: str, at: int) -> bool:
    """Outside LaTeX, "-" is a minus in "-3" and "5-3", not in "series 7 - episodes" or "term-to-term"."""
    before = text[at - 1] if at else " "
    after = text[at + 1] if at + 1 < len(text) else " "
    return after.isdigit() and not before.isalpha()


def _is_number(token: str) -> bool:
    return token[0].isdigit()


def _is_math(token: str) -> bool:
    return token.startswith("\\") or token in "=<>+×÷≤≥≠^*-%" and len(token) == 1


def _is_negation(token: str) -> bool:
    return token in _NEGATION or token.endswith("n't")


def _names(tokens: list[tuple[str, str, bool]]) -> Counter:
    # A capitalised word inside a sentence is a name (a person, a product, a place); "I" is not.
    return Counter(norm for norm, raw, start in tokens if raw[:1].isupper() and not start and raw != "I")


def _renamed(matcher: difflib.SequenceMatcher, a: list[str], b: list[str]) -> bool:
    """A word replaced by the same other word at each of its (at least two) places: an entity
    renamed ("tom and katie ... tom says" -> "sam and priya ... sam says"), lowercase or not.
    A synonym is seldom swapped twice in one short query."""
    swaps: Counter = Counter()
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "replace" and i2 - i1 == j2 - j1:
            swaps.update(zip(a[i1:i2], b[j1:j2]))
    return any(n >= 2 and a.count(x) == n for (x, _), n in swaps.items())


def _drop_trailing_equals(tokens: list[str]) -> list[str]:
    # "1/6 of 24 =" asks what "what is 1/6 of 24" asks: a final "=" is a question mark.
    return tokens[:-1] if tokens and tokens[-1] == "=" else tokens


def _quoted(text: str) -> Counter:
    return Counter(" ".join(t for t, _, _ in _tokens(a or b)) for a, b in _QUOTED.findall(text))


# A markdown image: eedi's questions show their figure as `![a rhombus drawn on a grid]()`. The
# alt text stands for the picture, so two queries around different pictures ask about different
# figures, however alike the words around them (and the model scores them ~0.9+).
_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]*)[^)]*\)")


def _images(text: str) -> Counter:
    return Counter((" ".join(t for t, _, _ in _tokens(alt)), address) for alt, address in _IMAGE.findall(text))


_FORMULA = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]|\$([^$]+)\$", re.DOTALL)
_LAYOUT_RAW = re.compile(r"\\(?:left|right|mathrm|text|mathbf|displaystyle|quad|qquad|[,;! ])|\s+")


def _formulas(text: str) -> Counter:
    # In a formula the order is the meaning: "16-(6+4) \div 2" and "16-6+(4 \div 2)" hold the
    # same numbers and operators, and the token multisets cannot tell them apart.
    # A final "=" asks what a question mark asks (as in `_drop_trailing_equals`).
    return Counter(_LAYOUT_RAW.sub("", next(g for g in m.groups() if g is not None)).rstrip("=?") for m in _FORMULA.finditer(text))


def _split_answer(text: str) -> tuple[str, str | None]:
    matches = list(SEPARATOR.finditer(text))
    if not matches:
        return text, None
    last = matches[-1]
    return text[:last.start()], text[last.end():]


def compare(a: str, b: str) -> Difference:
    """Whether queries `a` and `b` ask the same question (see the module doc)."""
    reasons: list[str] = []
    spans: list[tuple[str, str]] = []
    question_a, answer_a = _split_answer(a)
    question_b, answer_b = _split_answer(b)
    if (answer_a is None) != (answer_b is None):
        question_a, question_b, answer_a, answer_b = a, b, None, None
    if answer_a is not None and answer_b is not None:
        left, right = [t for t, _, _ in _tokens(answer_a)], [t for t, _, _ in _tokens(answer_b)]
        if left != right or _formulas(answer_a) != _formulas(answer_b):
            reasons.append("answer")
            spans.append((answer_a.strip(), answer_b.strip()))
    tokens_a, tokens_b = _tokens(question_a), _tokens(question_b)
    norm_a = _drop_trailing_equals([t for t, _, _ in tokens_a])
    norm_b = _drop_trailing_equals([t for t, _, _ in tokens_b])
    matcher = difflib.SequenceMatcher(None, norm_a, norm_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            spans.append((" ".join(raw for _, raw, _ in tokens_a[i1:i2]), " ".join(raw for _, raw, _ in tokens_b[j1:j2])))
    # Whole-text multisets, not the spans alone: a number that only moved is not a difference.
    checks = (
        ("number", lambda ts: Counter(t for t in ts if _is_number(t))),
        ("math", lambda ts: Counter(t for t in ts if _is_math(t))),
        ("negation", lambda ts: Counter(t for t in ts if _is_negation(t))),
    )
    for kind, count in checks:
        if count(norm_a) != count(norm_b):
            reasons.append(kind)
    if "math" not in reasons and _formulas(question_a) != _formulas(question_b):
        reasons.append("math")
    if _names(tokens_a) != _names(tokens_b) or _renamed(matcher, norm_a, norm_b):
        reasons.append("name")
    if _quoted(question_a) != _quoted(question_b):
        reasons.append("quote")
    if _images(question_a) != _images(question_b):
        reasons.append("image")
    asks_a = {t.lower() for t in norm_a if t.lower() in _ASKS}
    asks_b = {t.lower() for t in norm_b if t.lower() in _ASKS}
    if asks_a and asks_b and asks_a != asks_b:
        reasons.append("question")
    spans.sort(key=lambda s: -(len(s[0]) + len(s[1])))
    return Difference(not reasons, tuple(dict.fromkeys(reasons)), tuple(spans))


@dataclass(frozen=True)
class Template:
    """Most near-duplicate query pairs of a file share a template and differ in a slot."""

    template: str  # e.g. "Question: … Incorrect Answer: {answer}"
    slot: str  # the most common kind of difference (KINDS)
    pairs: int  # near-duplicate pairs examined
    different: int  # of those, pairs that are different examples
    slot_pairs: int  # of those, pairs that differ in `slot`

    @property
    def share(self) -> float:
        return self.different / self.pairs if self.pairs else 0.0

    def describe(self) -> str:
        return (f"{self.different} of {self.pairs} near-duplicate query pairs ({self.share:.0%}) are one template, "
                f"{self.template!r}, with a different {self.slot} ({self.slot_pairs} pairs): different examples, "
                f"not paraphrases")


def template_of(pairs: Iterable[tuple[str, str]], min_pairs: int = 20, min_share: float = 0.5,
                verdicts: Iterable[Difference] | None = None) -> Template | None:
    """The file's query template, when at least `min_share` of at least `min_pairs` near-duplicate
    pairs are different examples of it; else None (then the pairs are judged one by one).
    `verdicts`: `compare`'s, already computed for the pairs, in their order."""
    examined = different = 0
    slots: Counter = Counter()
    separators: Counter = Counter()
    prefix: list[str] | None = None
    known = iter(verdicts) if verdicts is not None else None
    for a, b in pairs:
        examined += 1
        verdict = next(known) if known is not None else compare(a, b)
        for text in (a, b):
            words = text.split()
            if prefix is None:
                prefix = words
            else:
                same = next((i for i, (x, y) in enumerate(zip(prefix, words)) if x != y), min(len(prefix), len(words)))
                prefix = prefix[:same]
        if verdict.same_question:
            continue
        different += 1
        slots[verdict.reasons[0]] += 1
        if "answer" in verdict.reasons:
            found = list(SEPARATOR.finditer(a))
            if found:
                separators[found[-1].group()] += 1
    if examined < min_pairs or different < min_share * examined or not slots:
        return None
    slot, slot_pairs = slots.most_common(1)[0]
    head = " ".join((prefix or [])[:8])
    template = f"{head} …" if head else "…"
    if slot == "answer" and separators:
        template += f" {separators.most_common(1)[0][0]} {{answer}}"
    else:
        template += f" {{{slot}}} …"
    return Template(template.strip(), slot, examined, different, slot_pairs)


# Where a sentence (or a line, or a labelled field such as "Question:") ends.
_BOUNDARY = re.compile(r"[.?!:;](?=\s)|\n")


def frame(a: str, b: str, min_share: float = 0.5) -> tuple[str, str] | None:
    """The sentences of `a` and `b` that hold their difference, when the text the two share at
    the start and at the end is at least `min_share` of the shorter one: a template around a
    slot ("A user asked: Question: {…} This is about the following product: …"). The cosine of
    the whole texts then mostly measures the template; the cosine of these sentences says
    whether the slots mean the same. Whole sentences, not the differing words alone: "How
    durable is this stud finder?" / "How long will this stud finder last?" are two questions
    the model can compare, "durable is" / "long will last" are not. None when the texts share
    no such frame, or when the difference spans them whole."""
    shortest = min(len(a), len(b))
    head = 0
    while head < shortest and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < shortest - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    if not shortest or head + tail < min_share * shortest:
        return None
    start = max((m.end() for m in _BOUNDARY.finditer(a, 0, head)), default=0)

    def end(text: str) -> int:
        found = _BOUNDARY.search(text, len(text) - tail)
        return found.end() if found else len(text)

    parts = a[start:end(a)].strip(), b[start:end(b)].strip()
    return None if parts == (a.strip(), b.strip()) else parts
