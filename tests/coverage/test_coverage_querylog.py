"""Reading query logs: the three formats, dedupe counts, bad lines with their numbers, limits."""

import pytest

from rerank_lint.coverage import QueryLogError, read_query_log


def write(tmp_path, name: str, data: bytes | str):
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_text_log_one_query_a_line_with_repeats_counted(tmp_path):
    log = read_query_log(write(tmp_path, "q.txt", "\ufeffreset router\nreset  router\n\n  wifi slow \nreset router\n"))
    assert log.format == "txt"
    assert log.texts == ["reset router", "wifi slow"]  # whitespace runs collapsed, BOM dropped
    assert log.counts == [3, 1]
    assert (log.total, log.blank, log.duplicates) == (4, 1, 2)
    assert not log.problems


def test_jsonl_bad_lines_are_reported_by_number_and_the_rest_is_read(tmp_path):
    data = "\n".join([
        '{"query": "first"}',
        '{"query": 12}',
        "not json",
        '["a", "list"]',
        '{"text": "no query field"}',
        '"a bare string"',
        '{"query": "first", "id": 7}',
    ]) + "\n"
    log = read_query_log(write(tmp_path, "log.jsonl", data))
    assert log.texts == ["first", "a bare string"]
    assert log.counts == [2, 1]
    lines = {p.line: p.message for p in log.problems}
    assert sorted(lines) == [2, 3, 4, 5]
    assert "not a string" in lines[2] and "not JSON" in lines[3] and "no 'query' field" in lines[5]
    assert log.problem_count == 4


def test_jsonl_other_field(tmp_path):
    log = read_query_log(write(tmp_path, "log.jsonl", '{"q": "a"}\n{"q": "b"}\n'), field="q")
    assert log.texts == ["a", "b"]


def test_invalid_utf8_line_is_a_problem_not_a_crash(tmp_path):
    log = read_query_log(write(tmp_path, "q.txt", b"good one\nbad \xff\xfe byte\nanother\n"))
    assert log.texts == ["good one", "another"]
    assert [p.line for p in log.problems] == [2]
    assert "UTF-8" in log.problems[0].message


def test_csv_column_by_name_index_or_header_guess(tmp_path):
    path = write(tmp_path, "log.csv", 'id,search_term,clicks\n1,"red shoes, size 9",3\n2,blue hat,0\n3,blue hat,1\n')
    by_guess = read_query_log(path)
    assert by_guess.texts == ["red shoes, size 9", "blue hat"] and by_guess.counts == [1, 2]
    assert read_query_log(path, column="search_term").texts == by_guess.texts
    assert read_query_log(path, column=1).texts == by_guess.texts
    assert read_query_log(path, column="ID").texts == ["1", "2", "3"]  # case-insensitive header match


def test_csv_short_row_and_unknown_column(tmp_path):
    path = write(tmp_path, "log.csv", "query,n\nok,1\n\nalso ok,2\n")
    assert read_query_log(path).texts == ["ok", "also ok"]
    short = write(tmp_path, "short.csv", "a,query\n1,x\n2\n3,y\n")
    log = read_query_log(short)
    assert log.texts == ["x", "y"] and [p.line for p in log.problems] == [3]
    with pytest.raises(QueryLogError, match=r"no column 'nope'.*columns: a, query"):
        read_query_log(short, column="nope")
    with pytest.raises(QueryLogError, match="which column"):
        read_query_log(write(tmp_path, "two.csv", "a,b\n1,2\n"))


def test_tsv_and_single_column_csv_without_header(tmp_path):
    assert read_query_log(write(tmp_path, "log.tsv", "query\tcount\nx, y\t3\n")).texts == ["x, y"]
    assert read_query_log(write(tmp_path, "plain.csv", "alpha\nbeta\n")).texts == ["alpha", "beta"]


def test_size_limit_missing_file_and_empty_log_are_clear_errors(tmp_path):
    big = write(tmp_path, "big.txt", "query\n" * 1000)
    with pytest.raises(QueryLogError, match=r"big.txt: the query log is .* above the limit"):
        read_query_log(big, max_bytes=100)
    with pytest.raises(QueryLogError, match="cannot read"):
        read_query_log(tmp_path / "missing.txt")
    with pytest.raises(QueryLogError, match=r"no query found.*line 1: not JSON"):
        read_query_log(write(tmp_path, "broken.jsonl", "{oops\n"))
    with pytest.raises(QueryLogError, match="unknown query-log format"):
        read_query_log(big, fmt="xml")


def test_unknown_suffix_sniffs_jsonl(tmp_path):
    assert read_query_log(write(tmp_path, "export.dat", '{"query": "x"}\n')).format == "jsonl"
    assert read_query_log(write(tmp_path, "export.dat2", "x\n")).format == "txt"


def test_reading_a_log_does_not_import_numpy(tmp_path):
    import subprocess
    import sys

    path = write(tmp_path, "q.txt", "a\n")
    code = ("import sys; from rerank_lint.coverage import read_query_log; read_query_log(sys.argv[1]); "
            "assert 'numpy' not in sys.modules and 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
