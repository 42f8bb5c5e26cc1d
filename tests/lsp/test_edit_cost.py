"""An edit costs work in proportion to the lines it changes, not to the document: counted by
`IncrementalLinter.work`, never timed."""

from __future__ import annotations

import pytest

from rerank_lint.lint.editor import IncrementalLinter
from rerank_lint.lint.engine import Linter
from rerank_lint.rules.base import DatasetRule, GroupRule, TallyRule
from rerank_lint.rules.registry import REGISTRY
from rerank_lint.settings import Settings

# The dataset rules (RL4xx: groups and tallies) and the source rules, on records that carry
# no text problem: the document is large, and only what an edit costs is looked at.
SETTINGS = Settings(min_unique_queries=1, select=["RL0", "RL4"])


def line(i: int, negatives: bool = True, query: str | None = None) -> tuple[bytes, bytes, bool]:
    tail = b', "hard_negatives": ["n1 %d", "n2 %d"]' % (i, i) if negatives else b""
    query_bytes = (query or f"question {i}").encode()
    return b'{"query": "%s", "relevant_passages": ["answer %d"]%s}' % (query_bytes, i, tail), b"\n", False


def by_code(diagnostics, code):
    return [d for d in diagnostics if d.code == code]


def test_every_cheap_dataset_rule_is_kept_by_line():
    # A dataset rule of neither shape would be replayed over the whole document on every edit.
    for cls in REGISTRY.values():
        if issubclass(cls, DatasetRule) and not cls.semantic:
            assert issubclass(cls, (GroupRule, TallyRule)) or cls.record_local, cls.code
    every_rule = Settings(extend_select=[code for code, cls in REGISTRY.items() if cls.explicit_only])
    inc = IncrementalLinter(Linter(every_rule, only=lambda cls: not cls.semantic), "doc.jsonl")
    assert inc.replayed_rules == []
    assert inc.tally_rules and inc.group_rules


@pytest.mark.parametrize("size", [20_000, pytest.param(100_000, marks=pytest.mark.slow)])
def test_an_edit_rechecks_only_the_lines_it_changes(size):
    # Every 10th record has no hard negatives (RL408 counts them, a tally), and record 5 repeats
    # the query of record 1 (RL402, a group).
    lines = [line(i, negatives=i % 10 != 0) for i in range(size)]
    lines[5] = line(5, query="question 1")
    inc = IncrementalLinter(Linter(SETTINGS), "doc.jsonl")
    inc.reset(lines)
    found = inc.diagnostics()
    assert inc.work["lines checked"] == size
    assert [d.range.start.line for d in by_code(found, "RL402")] == [5]
    assert by_code(found, "RL408")[0].message.startswith(f"{size // 10} of {size} records")

    def edit(index: int, new: list[tuple[bytes, bytes, bool]], removed: int = 1):
        lines[index:index + removed] = new
        inc.work.clear()
        inc.splice(index, index + removed, len(new))
        inc.refresh(lines.__getitem__)
        return inc.diagnostics()

    # One character typed in a record in the middle: that line is checked, no group compared.
    middle = size // 2 + 1
    content, ending, bom = lines[middle]
    found = edit(middle, [(content.replace(b"answer", b"answerx"), ending, bom)])
    assert dict(inc.work) == {"lines checked": 1}
    assert by_code(found, "RL408")[0].message.startswith(f"{size // 10} of {size} records")

    # The record loses its hard negatives: its tally moves RL408's count, nothing else is read.
    found = edit(middle, [line(middle, negatives=False)])
    assert dict(inc.work) == {"lines checked": 1}
    assert by_code(found, "RL408")[0].message.startswith(f"{size // 10 + 1} of {size} records")

    # It repeats the query of record 2 now: the group of that query (two records) is compared,
    # in each of the two rules that group records by query (RL401, RL402).
    found = edit(middle, [line(middle, query="question 2")])
    assert dict(inc.work) == {"lines checked": 1, "group conflicts compared": 2}
    assert sorted(d.range.start.line for d in by_code(found, "RL402")) == [5, middle]

    # A line inserted above them: one line checked; the two groups of repeated queries, whose
    # lines moved, are compared again (in both rules), none of the others.
    found = edit(3, [line(size)], removed=0)
    assert dict(inc.work) == {"lines checked": 1, "group conflicts compared": 4}
    assert sorted(d.range.start.line for d in by_code(found, "RL402")) == [6, middle + 1]
