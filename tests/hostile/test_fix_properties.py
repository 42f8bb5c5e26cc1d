"""Issue 15, "done when": every safe fix, on random records with random fixable defects, gives
valid JSONL, leaves every byte it does not fix identical, settles in one run (a second `--fix`
changes nothing), and never changes what kind of text a text is: a text with content keeps
some, code keeps its indentation, and no tag appears that was not there."""

from __future__ import annotations

import json
import re
from collections import Counter

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from rerank_lint.lint.engine import Linter
from rerank_lint.lint.fixes import fix_path
from rerank_lint.rules.text.markup import HtmlTag
from rerank_lint.settings import Settings
from rerank_lint.source import jsonparse

from helpers import check_only_fixed_strings, content_lines, key_of

WORDS = st.sampled_from(["bm25", "ranking", "passage", "query", "é", "中文", "\U0001F600", "x<y", "a & b", "R&D"])

# Each defect is something a safe fix offers to clean, several are traps the issue found: a
# lone invisible character (removing it would empty the text), entities escaped again and
# again (decoded once, they must stop short of markup), text about tags (`&lt;b&gt;`).
DEFECTS = st.sampled_from([
    "  ", "   ", "\t\t", " \u00a0 ", "\n\n\n\n", "\n \n\t\n", "\u200b", "\u00ad", "\ufeff", "\x01", "\x7f",
    "<b>", "</p>", "<br/>", "<<b>b>", "<!-- c -->", "&amp;", "&nbsp;", "&#39;", "&#x200b;", "&lt;", "&gt;",
    "&lt;script&gt;", "&amp;lt;script&amp;gt;", "&amp;amp;amp;lt;", "&" + "amp;" * 120 + "lt;", "&#60;b&#62;",
    "<onlyinclude>", "</ref>",
])

# Texts that are nothing but a defect: each fix alone would leave an empty text.
LONE = st.sampled_from(["\u200b", "\u200b \u200b", " \u200b ", "\x01", "&nbsp;", "<b>", "&#x200b;", "<br/> \u00ad",
                        "&lt;b&gt;", "\u200b\x01"])


@st.composite
def prose(draw) -> str:
    pieces = draw(st.lists(st.one_of(WORDS, DEFECTS, st.just(" ")), min_size=1, max_size=10))
    return "".join(pieces)


@st.composite
def code(draw) -> str:
    """A code passage: its first line starts at the margin, the others are indented."""
    lines = ["def f(x):"]
    for _ in range(draw(st.integers(1, 4))):
        indent = draw(st.sampled_from(["    ", "        ", "\t", "\t\t", "   ", "  \t"]))
        lines.append(indent + draw(st.sampled_from(["if x:", "return 1", "y = x  +  1", "pass"])))
    text = "\n".join(lines)
    if draw(st.booleans()):
        text += draw(DEFECTS)  # a defect at the end, away from the indentation
    return text


TEXT = st.one_of(prose(), code(), LONE)


@st.composite
def records(draw) -> bytes:
    record = {"query": draw(st.one_of(prose(), LONE)),
              "relevant_passages": draw(st.lists(TEXT, min_size=1, max_size=2)),
              "hard_negatives": draw(st.lists(TEXT, max_size=3))}
    return json.dumps(record, ensure_ascii=draw(st.booleans())).encode()


@st.composite
def files(draw) -> bytes:
    return b"".join(line + b"\n" for line in draw(st.lists(records(), min_size=1, max_size=4)))


# RL403 (deleting a duplicate, unsafe) is off: the file must keep its lines to be compared.
LINTER = Linter(Settings().merged({"select": ["RL"], "ignore": ["RL401", "RL403", "RL503"]}))


def fix(data: bytes, tmp_path) -> bytes:
    path = tmp_path / "p.jsonl"
    path.write_bytes(data)
    fix_path(path, "p.jsonl", LINTER, {}, False)
    return path.read_bytes()


def _tags(text: str) -> Counter:
    return Counter(m.group().lower() for m in HtmlTag._pattern.finditer(text))


def _indentation(text: str) -> list[str]:
    """The indentation of each line after the first, for a text that is code (blank lines have
    none to keep: collapsing a run of them is a fix)."""
    return [re.match(r"[ \t]*", line).group() for line in text.split("\n")[1:] if line.strip()]


def _assert_same_kind(before: str, after: str) -> None:
    if before.strip():
        assert after.strip(), (before, after)  # a text with content is never emptied
    if before.startswith("def f(x):"):
        assert _indentation(after) == _indentation(before), (before, after)
    new_tags = _tags(after) - _tags(before)
    assert not new_tags, (before, after, new_tags)


@hsettings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(files())
def test_safe_fixes_keep_jsonl_bytes_and_meaning_and_settle_in_one_run(tmp_path, data):
    fixed = fix(data, tmp_path)

    lines = content_lines(fixed)
    assert lines[-1] == b"" and all(isinstance(jsonparse.loads(line), dict) for line in lines[:-1]), fixed

    source = content_lines(data)
    fixable = {(d.range.start.line, key_of(d, source)) for d in LINTER.check_bytes(data, "p.jsonl") if d.fix is not None}
    check_only_fixed_strings(data, fixed, fixable)

    assert fix(fixed, tmp_path) == fixed  # nothing left for a second `--fix`

    for old_line, new_line in zip(source, lines):
        if not old_line:
            continue
        old, new = json.loads(old_line), json.loads(new_line)
        _assert_same_kind(old["query"], new["query"])
        for key in ("relevant_passages", "hard_negatives"):
            if len(old[key]) == len(new[key]):
                for a, b in zip(old[key], new[key]):
                    _assert_same_kind(a, b)
            else:  # a fix removed elements (empty ones, repeats): none was emptied to get there
                assert sum(1 for t in new[key] if not t.strip()) <= sum(1 for t in old[key] if not t.strip())
