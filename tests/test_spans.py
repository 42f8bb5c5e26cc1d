"""Exact source spans: every range maps back to the exact bytes it names, escapes included."""

import orjson

from rerank_lint.diagnostics.reporter import removal_spans
import pytest

from rerank_lint.diagnostics.diagnostic import position_in_line
from rerank_lint.source.records import COHERE, Record
from rerank_lint.source.spans import LiteralIndex, locate

from helpers import lint, only, slice_bytes


def test_locate_fields_and_elements():
    line = b'{"query": "q", "relevant_passages": ["a", "bb" , "ccc"], "hard_negatives": []}'
    spans = locate(line)
    q = spans.field("query")
    assert line[q.key_start:q.key_end] == b'"query"'
    assert line[q.value_start:q.value_end] == b'"q"'
    rel = spans.field("relevant_passages")
    assert [line[s:e] for s, e in rel.elements] == [b'"a"', b'"bb"', b'"ccc"']
    assert spans.field("hard_negatives").elements == []


def test_locate_keeps_duplicate_keys_and_nested_values():
    line = b'{"query": "a", "x": {"y": [1, {"z": "]"}]}, "query": "b"}'
    spans = locate(line)
    assert len(spans.fields["query"]) == 2
    assert line[spans.field("query").value_start:spans.field("query").value_end] == b'"b"'
    x = spans.fields["x"][0]
    assert line[x.value_start:x.value_end] == b'{"y": [1, {"z": "]"}]}'


@pytest.mark.parametrize("value", [
    "plain ascii",
    "caf\u00e9 \u4e2d\u6587",
    "emoji \U0001F600 and more \U0001F680",
    "tab\tnew\nline \"quoted\" back\\slash",
    "\u00e9\U0001F600\u200b\x00end",
])
@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_char_to_byte_maps_every_character(value, ensure_ascii):
    import json

    literal = json.dumps(value, ensure_ascii=ensure_ascii).encode()
    # Read in place inside a line (no copy of the literal), with escapes and UTF-8 around it.
    line = b'{"k": "\\u00e9\xc3\xa9", "v": ' + literal + b', "w": "\\\\"}'
    at = line.index(literal)
    for i in range(len(value) + 1):
        for j in range(i, len(value) + 1):
            for index in (LiteralIndex(literal), LiteralIndex(line, at, at + len(literal))):
                start, end = index.byte_of(i), index.byte_of(j)
                assert json.loads(b'"' + literal[start:end] + b'"') == value[i:j]


def test_position_in_line_counts_utf16_and_code_points():
    content = "a\U0001F600\u00e9b".encode()
    p = position_in_line(3, content, len("a\U0001F600\u00e9".encode()))
    assert (p.line, p.byte, p.utf16, p.char) == (3, 7, 4, 3)


def test_diagnostic_range_underlines_escaped_text_exactly():
    # The zero-width space is written as an escape; the range covers the six escape bytes.
    line = b'{"query": "caf\\u00e9\\u200b \\ud83d\\ude00 <b>x</b>", "relevant_passages": ["p"], "hard_negatives": []}\n'
    diagnostics = lint(line)
    zw = only(diagnostics, "RL205")[0]
    assert slice_bytes(line, zw) == b"\\u200b"
    tags = only(diagnostics, "RL202")
    assert [slice_bytes(line, d) for d in tags] == [b"<b>", b"</b>"]
    # After an escaped astral character, UTF-16 columns count it as two units.
    start = tags[0].range.start
    prefix = line[:start.byte].decode()
    assert start.char == len(prefix)
    assert start.utf16 == len(prefix.encode("utf-16-le")) // 2


def test_record_text_bytes_and_element_removal():
    content = b'{"query": "q", "relevant_passages": ["x"], "hard_negatives": ["a", "b", "c"]}'
    record = Record(0, content, orjson.loads(content), COHERE)
    start, end = record.text_bytes("hard_negatives", 1, 0, 1)
    assert content[start:end] == b"b"
    (s, e), = removal_spans(record, "hard_negatives", [1])
    assert orjson.loads(content[:s] + content[e:])["hard_negatives"] == ["a", "c"]
    (s, e), = removal_spans(record, "hard_negatives", [2])
    assert orjson.loads(content[:s] + content[e:])["hard_negatives"] == ["a", "b"]