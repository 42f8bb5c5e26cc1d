"""Text cleaning rules: what they flag, what they leave alone, and what the fix writes."""

import pytest

from rerank_lint.settings import Settings
from rerank_lint.rules.registry import REGISTRY

from helpers import cohere, lint, only, slice_bytes


def hits(code: str, text: str, **settings):
    rule = REGISTRY[code](Settings().merged({k.replace("_", "-"): v for k, v in settings.items()}) if settings else Settings())
    return [(text[h.start:h.end], h.replacement) for h in rule.check_text(text)]


@pytest.mark.parametrize("code,text,expected", [
    ("RL201", "see https://example.org/a?b=1. Thanks", [("https://example.org/a?b=1", "")]),
    ("RL201", "visit www.example.com today", [("www.example.com", "")]),
    ("RL201", "ratio 3:1 and a://b", []),
    ("RL202", "<p>BM25</p> is <span class=\"x\">fun</span><br/>", [("<p>", ""), ("</p>", ""), ("<span class=\"x\">", ""), ("</span>", ""), ("<br/>", "")]),
    ("RL202", "if a < b and c > d then x<y>z", []),
    ("RL202", "the solutions to x<b or x>b also satisfy ax<b or ax>b", []),
    ("RL202", "<a href='/x'>link</a> <td >", [("<a href='/x'>", ""), ("</a>", ""), ("<td >", "")]),
    ("RL202", "<!-- hidden --> text", [("<!-- hidden -->", "")]),
    ("RL203", "AT&amp;T &nbsp;&#39;x&#x41;", [("&amp;", "&"), ("&nbsp;", " "), ("&#39;", "'"), ("&#x41;", "A")]),
    ("RL203", "R&D; fish & chips &unknownentity;", []),
    ("RL204", "back\x08space and nul\x00 and\ttab\nnewline", [("\x08", ""), ("\x00", "")]),
    ("RL205", "zero\u200bwidth soft\u00adhyphen \U0001F468\u200d\U0001F469 family", [("\u200b", ""), ("\u00ad", "")]),
    ("RL206", "caf\u00c3\u00a9 and \u00e2\u20ac\u2122quoted\u00e2\u20ac\u2122", [("\u00c3\u00a9", "\u00e9"), ("\u00e2\u20ac\u2122", "\u2019"), ("\u00e2\u20ac\u2122", "\u2019")]),
    ("RL206", "S\u00e3o Paulo, \u00c3 la carte, na\u00efve", []),
    ("RL211", "caf\ufffd", [("\ufffd", None)]),
    ("RL207", "great!!!!!!! \u2605\u2605\u2605\u2605\u2605 ======", [("!!!!!!!", None), ("\u2605\u2605\u2605\u2605\u2605", None), ("======", None)]),
    ("RL207", "\\( 3 \\times 2 \\)\\(=\\) and ... and ---", []),
    ("RL208", "  lead and trail \n", [("  ", ""), (" \n", "")]),
    ("RL208", "clean", []),
    ("RL209", "a   b\t\tc\n\n\n\nd  ", [("   ", " "), ("\t\t", " "), ("\n\n\n\n", "\n\n")]),
    ("RL209", "one space. Two\n\nparagraphs", []),
    ("RL209", "Two spaces.  After a stop is a convention.", []),
    ("RL210", "<onlyinclude>Big</onlyinclude> {{cite web}} [[Paris|city]] '''bold'''",
     [("<onlyinclude>", ""), ("</onlyinclude>", ""), ("{{cite web}}", None), ("[[Paris|city]]", None), ("'''", None), ("'''", None)]),
    ("RL210", "in this diagram? ![[not to scale]]() Incorrect", []),
])
def test_text_rule_cases(code, text, expected):
    assert hits(code, text) == expected


def test_symbol_run_length_is_a_setting():
    assert hits("RL207", "wow!!!", symbol_run_length=3) == [("!!!", None)]
    assert hits("RL207", "wow!!!") == []


def test_text_rules_are_linear_on_adversarial_input():
    import time

    adversarial = ["<" * 200_000, "<a " * 100_000, "&" * 200_000, "&#" * 100_000, "http://" * 50_000,
                   "{{" * 100_000, "[[" * 100_000, "\u00c3" * 200_000, " \n" * 100_000, "!?" * 100_000]
    rules = [cls(Settings()) for code, cls in sorted(REGISTRY.items()) if code.startswith("RL2")]
    def cost(text: str) -> float:
        # The best of three runs: on a loaded machine one run can be descheduled for longer than
        # the small input takes, which says nothing about the rules.
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for rule in rules:
                list(rule.check_text(text))
            best = min(best, time.perf_counter() - start)
        return best

    for text in adversarial:
        small, big = text[: len(text) // 10], text
        t_small, t_big = cost(small), cost(big)
        # Ten times the input must not cost a hundred times the time (quadratic would).
        assert t_big < 40 * max(t_small, 2e-3), (text[:10], t_small, t_big)


def test_role_is_named_in_the_message_and_range_is_the_string():
    line = cohere(query="q", relevant=["ok"], negatives=["x <i>y</i>"]).encode()
    d = only(lint(line), "RL202")[0]
    assert d.message.startswith("hard negative:")
    assert slice_bytes(line, d) == b"<i>"


# --- issue 13: cheap-rule precision -----------------------------------------------------------

def test_underscore_blanks_of_a_fill_in_question_are_content():
    assert hits("RL207", "It takes ___________ minutes to boil an egg.") == []
    assert hits("RL207", "Fill in: ___ + ___ = 10") == []
    assert hits("RL207", "great!!!!!!!") == [("!!!!!!!", None)]  # other runs are still found


def test_mojibake_c1_bytes_are_rl206_only_and_the_safe_fix_keeps_them(tmp_path):
    from helpers import run_cli

    text = "BM25 is a ranking function \u00e2\u0080\u0094 used widely."
    assert hits("RL204", text) == []  # the C1 bytes of mojibake are left to RL206
    found = lint(cohere(relevant=[text]))
    assert "RL204" not in [d.code for d in found]
    assert [d.message for d in only(found, "RL206")] == ["relevant passage: mojibake 'â\\x80\\x94', probably '—'"]
    # A C1 control byte that is not part of mojibake is still RL204's.
    assert hits("RL204", "a \u0085 b") == [("\u0085", "")]
    path = tmp_path / "t.jsonl"
    path.write_text(cohere(relevant=[text]), encoding="utf-8")
    run_cli("check", "--fix", "--select", "RL2", str(path), cwd=tmp_path)
    fixed = path.read_text(encoding="utf-8")
    # Repaired, or left whole for the unsafe fix: never `â` with its bytes gone.
    assert "\u2014" in fixed or "\u00e2\\u0080\\u0094" in fixed or "\u00e2\u0080\u0094" in fixed, fixed
    assert "function \u00e2 used" not in fixed and "function \u00e2  used" not in fixed


@pytest.mark.parametrize("text,expected", [
    ("see en.wikipedia.org/wiki/Okapi_BM25 for more", [("en.wikipedia.org/wiki/Okapi_BM25", "")]),
    ("docs at example.com/page today", [("example.com/page", "")]),
    ("open report.pdf and setup.py, version 1.2.3", []),
])
def test_bare_domains_are_urls_file_names_and_versions_are_not(text, expected):
    assert hits("RL201", text) == expected
