"""difference.py: two near-duplicate queries are different examples when what differs between
them is a number, math, negation, a name, a quoted text or the answer after a separator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rerank_lint.semantic.difference import compare, template_of

EEDI = "Question: tom and katie are discussing written division strategies. tom says \\( 918 \\div 34=934 \\div 18 \\) who is correct? Incorrect Answer: "


@pytest.mark.parametrize("a, b", [
    ("how many episodes does season 2 of big little lies have", "big little lies season 2 how many episodes"),
    ("What is the solar irradiance in watts/sq meter?", "solar irradiance in watts / sq meter"),
    ("Are these gloves comfortable to wear for long periods?", "Can I wear these gloves comfortably for hours/all day?"),
    ("game of thrones series 7 - number of episodes", "how many episodes are in series 7 game of thrones"),
    ("Question: \\( \\frac{1}{6} \\) of \\( 24= \\)", "Question: what is \\( \\frac{1}{6} \\) of \\( 24 \\) ?"),
    ("norway: where does one cross the arctic circle", "where do you cross the arctic circle in norway"),
    ("what is the square root of nine?", "find the square root of 9."),
    ("Question: convert this percentage to a fraction \\( 62 \\% \\) Incorrect Answer: \\( \\frac{62}{10} \\)",
     "Question: write this percentage as a fraction \\( 62 \\% \\) Incorrect Answer: \\( \\frac{62}{10} \\)"),
])
def test_paraphrases_keep_the_same_question(a, b):
    verdict = compare(a, b)
    assert verdict.same_question, verdict.describe()
    assert verdict.reasons == ()


@pytest.mark.parametrize("a, b, reason", [
    (EEDI + "only tom", EEDI + "only katie", "answer"),
    (EEDI + "only tom", EEDI + "both tom and katie", "answer"),
    ("Question: \\( 3 \\div 11 \\)", "Question: \\( 3 \\times 11 \\)", "math"),
    ("Question: is division commutative?", "Question: is division not commutative?", "negation"),
    ("why isn't the sky green", "why is the sky green", "negation"),
    ("Solve 2x + 3 = 7", "Solve 2x + 5 = 7", "number"),
    ("what is 15 % of 80", "what is 25 % of 80", "number"),
    ("how many episodes are in series 7 game of thrones", "how many episodes are in series 8 game of thrones", "number"),
    ("Is this shop vacuum easy to move? Product Title: Shop Vacuum", "Is this shop vacuum easy to move? Product Title: Air Compressor", "name"),
    ("tom and katie argue. tom says x. who is right?", "sam and priya argue. sam says x. who is right?", "name"),
    ('is the statement "multiples of 2 are even" true', 'is the statement "multiples of 2 are odd" true', "quote"),
    ("x is greater than -3", "x is greater than 3", "math"),  # the sign is the difference
])
def test_slot_differences_make_different_examples(a, b, reason):
    verdict = compare(a, b)
    assert not verdict.same_question
    assert reason in verdict.reasons, verdict.describe()
    assert verdict.spans  # the differing spans are shown to the user
    assert reason in verdict.describe()


EEDI_SHAPES = "what shape do you get if you join up the midpoints of the sides of this shape?"


def test_the_figure_of_an_image_is_a_slot():
    # Real eedi pair (lines 429 / 927): the same words around two different figures.
    a = f"Question: {EEDI_SHAPES} ![an irregular quadrilateral drawn on a grid]() Incorrect Answer: rhombus"
    b = f"Question: ![a rhombus drawn on a grid]() {EEDI_SHAPES} Incorrect Answer: rhombus"
    verdict = compare(a, b)
    assert not verdict.same_question and verdict.reasons == ("image",), verdict.describe()
    assert "a rhombus drawn on a grid" in verdict.describe()
    # The same picture, moved or with other case, is not a difference; another address is.
    assert compare(a, f"Question: ![An irregular quadrilateral drawn on a grid]() {EEDI_SHAPES} Incorrect Answer: rhombus").same_question
    shown = "Question: ![a grid](https://example.org/{}.png) what is the shaded area?"
    assert compare(shown.format(1), shown.format(1)).same_question
    assert "image" in compare(shown.format("first"), shown.format("second")).reasons


def test_moved_numbers_are_not_a_difference():
    assert compare("between 3 and 5 what is bigger", "what is bigger, 3 or 5").same_question
    assert "number" in compare("3 and 5", "3 and 6").reasons


def test_spans_come_from_the_alignment():
    verdict = compare(EEDI + "only tom", EEDI + "only katie")
    assert verdict.spans[0] == ("only tom", "only katie")


def test_template_detector_on_eedi_style_pairs():
    pairs = [(f"Question: what is \\( {n} \\times 3 \\)? Incorrect Answer: \\( {n + 1} \\)",
              f"Question: what is \\( {n} \\times 3 \\)? Incorrect Answer: \\( {n + 2} \\)") for n in range(30)]
    template = template_of(pairs)
    assert template is not None
    assert template.slot == "answer" and template.pairs == 30 and template.different == 30
    assert template.template.startswith("Question:") and "Incorrect Answer: {answer}" in template.template
    assert "30 of 30" in template.describe()


def test_template_detector_stays_quiet_on_paraphrases_and_small_files():
    paraphrases = [("how do I reset my password", "how can I reset my password")] * 30
    assert template_of(paraphrases) is None
    few = [("a 1", "a 2")] * 5
    assert template_of(few) is None  # below min_pairs: judge the pairs one by one
    assert template_of(few, min_pairs=5).slot == "number"


def test_labelled_dev_split_figures():
    """The classifier alone on the dev split of bench/quality (the split its rules were tuned
    on): precision of 'paraphrase' >= 0.9 and recall >= 0.9 (test-split figures are reported
    by bench/bench_quality.py --classifier, not asserted, so they are never tuned on)."""
    path = Path(__file__).resolve().parents[2] / "bench" / "quality" / "pairs.jsonl"
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    # `wording_only` pairs differ in wording alone (one template, two questions): only the
    # model's similarity of the differing sentences tells them apart, not this classifier.
    dev = [i for i in items if i["kind"] == "query_pair" and i["split"] == "dev" and not i.get("wording_only")]
    assert len(dev) >= 40
    truth = [i["label"] == "paraphrase" for i in dev]
    predicted = [compare(i["a"], i["b"]).same_question for i in dev]
    tp = sum(t and p for t, p in zip(truth, predicted))
    assert tp / sum(predicted) >= 0.9 and tp / sum(truth) >= 0.9
