"""Bad input never crashes: each problem of the bytes and lines is a diagnostic at its position."""

import time

import pytest

from helpers import STRESS_MB, cohere, codes, lint, only, run_cli, slice_bytes


def test_invalid_json_reports_the_position_of_the_error():
    line = b'{"query": "caf\xc3\xa9", "relevant_passages": ["p"],, "hard_negatives": []}\n'
    d = only(lint(line), "RL001")[0]
    assert slice_bytes(line, d) == b","
    assert d.range.start.byte == line.index(b",,") + 1
    assert "invalid JSON" in d.message


def test_truncated_line_is_invalid_json_and_the_next_line_is_still_checked():
    data = b'{"query": "a", "relevant_passages": ["p"\n' + cohere(query="b <b>x</b>").encode()
    found = lint(data)
    assert only(found, "RL001")[0].line == 0
    assert only(found, "RL202")[0].line == 1


def test_line_that_is_not_an_object():
    found = lint(b'["what is bm25", "BM25 is..."]\n"text"\n12\nnull\n')
    assert [d.message.rsplit(" ", 1)[-1] for d in only(found, "RL002")] == ["array", "string", "number", "null"]


def test_duplicate_keys_are_reported_at_the_second_key():
    line = b'{"query": "a", "relevant_passages": ["p"], "query": "b", "hard_negatives": []}\n'
    d = only(lint(line), "RL010")[0]
    assert slice_bytes(line, d) == b'"query"'
    assert d.range.start.byte == line.rindex(b'"query"')


def test_key_text_inside_a_value_is_not_a_duplicate_key():
    assert not only(lint(cohere(query='the word \\"query\\" here')), "RL010")
    assert not only(lint(b'{"query": "ends with \\"query", "relevant_passages": ["\\"query\\": x"]}\n'), "RL010")


def test_invalid_utf8_gives_line_and_byte():
    line = b'{"query": "caf\xe9", "relevant_passages": ["p"]}\n'
    d = only(lint(cohere() .encode() + line), "RL003")[0]
    assert d.line == 1
    assert d.range.start.byte == line.index(b"\xe9")
    assert "byte 15" in d.message


def test_bom_is_reported_and_positions_stay_relative_to_the_text():
    data = b"\xef\xbb\xbf" + cohere(query="a <b>b</b>").encode()
    found = lint(data)
    assert "RL004" in codes(found)
    assert "RL001" not in codes(found)
    tag = only(found, "RL202")[0]
    assert data[3 + tag.range.start.byte:3 + tag.range.end.byte] == b"<b>"


def test_crlf_is_one_diagnostic_for_the_file():
    data = (cohere(query="a") + cohere(query="b")).replace("\n", "\r\n").encode()
    found = lint(data)
    assert codes(found).count("RL005") == 1
    assert "2 of 2 lines" in only(found, "RL005")[0].message
    assert "RL001" not in codes(found)


def test_blank_lines_are_one_diagnostic_per_run():
    data = (cohere(query="a") + "\n\n  \n" + cohere(query="b") + "\n").encode()
    found = only(lint(data), "RL006")
    assert [(d.range.start.line, d.range.end.line) for d in found] == [(1, 3), (5, 5)]
    assert "3 blank lines" in found[0].message


def test_missing_final_newline():
    data = cohere(query="a").rstrip("\n").encode()
    d = only(lint(data), "RL007")[0]
    assert d.range.start.byte == len(data)


def test_nul_byte_outside_a_string():
    line = b'{"query": "a",\x00 "relevant_passages": ["p"]}\n'
    d = only(lint(line), "RL008")[0]
    assert d.range.start.byte == line.index(b"\x00")


def test_empty_file_and_whitespace_only_file():
    assert codes(lint(b"")) == ["RL011"]
    assert "RL011" in codes(lint(b"\n\n"))


def test_binary_file_is_reported_once_and_not_checked():
    data = bytes(range(256)) * 200
    assert codes(lint(data)) == ["RL009"]


def test_gzip_file_is_binary():
    import gzip

    assert codes(lint(gzip.compress(cohere().encode() * 50))) == ["RL009"]


@pytest.mark.slow
def test_hundred_megabyte_line_is_checked(tmp_path):
    passage = "word " * (200_000 * STRESS_MB)  # STRESS_MB MB (100 in CI)
    path = tmp_path / "big.jsonl"
    path.write_text(cohere(relevant=[passage.strip() + " <b>end</b>"]))
    started = time.monotonic()
    result = run_cli("check", path, "--select", "RL202,RL001", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert b"RL202" in result.stdout
    assert time.monotonic() - started < 120


def test_every_problem_at_once_never_crashes(tmp_path):
    data = (b"\xef\xbb\xbf" + cohere(query="a").encode() + b"\r\n\n[1]\n{bad\n"
            b'{"query": "\xff"}\n' + b"\x00\x01" + cohere(query="b").encode() + b'{"query": 1, "relevant_passages": "x"}')
    path = tmp_path / "all.jsonl"
    path.write_bytes(data)
    result = run_cli("check", path, cwd=tmp_path)
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr + result.stdout
    for code in (b"RL004", b"RL006", b"RL002", b"RL001", b"RL003", b"RL102", b"RL007"):
        assert code in result.stdout, code
