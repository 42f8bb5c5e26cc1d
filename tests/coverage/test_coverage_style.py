"""Style profile deltas: keyword logs against question-style training sets."""

from rerank_lint.coverage.style import style_deltas, style_of

KEYWORDS = ["router reset", "wifi slow evening", "modem lights blinking", "sku-4471 price", "hdmi cable 2m",
            "printer offline fix", "laptop charger usb c", "vpn error 809", "router password default",
            "iphone 13 case"]
QUESTIONS = ["How do I reset my router to its factory settings?",
             "Why is my wifi connection so slow in the evening?",
             "What does it mean when the lights on my modem are blinking?",
             "Could you tell me what the price of this product is?",
             "Which HDMI cable should I buy for a television that is far from the console?",
             "What should I do when my printer says that it is offline?",
             "Can I charge my laptop with a USB-C phone charger?",
             "What is the cause of the error that my VPN shows when I connect?",
             "Where can I find the default password of my router?",
             "Is there a case that fits the newest iPhone model?"]


def by_feature(real, train):
    return {d.feature: d for d in style_deltas(real, train)}


def test_keyword_log_against_question_training():
    deltas = by_feature(KEYWORDS, QUESTIONS)
    form = deltas["form"]
    assert form.real["keywords"] >= 0.9 and form.training["question"] == 1.0 and form.notable
    assert "90% keyword queries" in form.sentence or "100% keyword queries" in form.sentence
    length = deltas["length"]
    assert length.real["median"] == 3 and length.training["median"] >= 10 and length.notable
    assert length.sentence.startswith("Real queries are a median 3 words long") and "training queries 1" in length.sentence
    assert deltas["stopword_rate"].real["mean"] < 0.05 < 0.3 < deltas["stopword_rate"].training["mean"]
    assert deltas["casing"].real["lowercase"] == 1.0 and deltas["casing"].training["capitalised"] == 1.0
    assert deltas["digits"].real["yes"] == 0.4 and deltas["digits"].training["yes"] == 0.0
    assert deltas["codes"].real["yes"] > 0 and not deltas["script"].notable
    assert deltas["casing"].sentence == ("Most real queries are lowercase (100%; training 0%); "
                                         "most training queries are capitalised (100%; real 0%).")
    # The same dominant value on both sides is said once.
    assert deltas["script"].sentence == "Most queries of both sets are in Latin script (real 100%, training 100%)."


def test_same_style_is_not_notable():
    deltas = by_feature(KEYWORDS[:5] + QUESTIONS[:5], KEYWORDS[5:] + QUESTIONS[5:])
    assert not deltas["form"].notable and not deltas["casing"].notable


def test_single_query_features():
    assert style_of("how to reset router").form == "question"  # interrogative first word, no "?"
    assert style_of("Please reset the router for me.").form == "statement"
    assert style_of("ERROR 404 NOT FOUND").casing == "uppercase"
    assert style_of("iPhone case").casing == "mixed"
    assert style_of("東京 天気").script == "Han" and style_of("東京 天気").casing == "caseless"
    assert style_of("Погода в Москве").script == "Cyrillic"
    assert style_of("price in 2024").has_digit and not style_of("price in 2024").has_code
    assert style_of("firmware v2.1").has_code and style_of("E11 washer").has_code
