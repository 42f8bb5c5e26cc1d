"""Parquet input: the same checks as JSONL, positions as row + column, read batch by batch."""

import json
import re

import orjson
import pytest

pa = pytest.importorskip("pyarrow", reason="Parquet input needs pyarrow (the `parquet` extra)")
pq = pytest.importorskip("pyarrow.parquet", reason="Parquet input needs pyarrow (the `parquet` extra)")

from helpers import settings  # noqa: E402
from rerank_lint.cli.main import main  # noqa: E402
from rerank_lint.lint.engine import Linter  # noqa: E402
from rerank_lint.source import parquet as parquet_source  # noqa: E402


def cohere_rows():
    rows = [{"query": f"question {i} about topic {i * 7 % 13}", "relevant_passages": [f"Passage {i} answers question {i}."],
             "hard_negatives": [f"Passage {i}-{j} is on topic {j} but does not answer it." for j in range(5)]}
            for i in range(300)]
    rows[3]["relevant_passages"] = ["see <b>this</b> passage"]  # HTML in a passage
    rows[5]["query"] = ""  # an empty query
    rows[7]["query"] = rows[2]["query"]  # a duplicate query
    return rows


def bge_rows():
    rows = [{"query": f"bge question {i}", "pos": [f"bge passage {i} answers it"], "neg": [f"bge negative {i}-{j}" for j in range(3)]}
            for i in range(20)]
    rows[1]["pos"] = ["an <i>html</i> passage"]
    rows[4]["query"] = ""
    rows[9]["query"] = rows[8]["query"]
    return rows


def write(tmp_path, rows, name="train.parquet", row_group_size=None):
    path = tmp_path / name
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=row_group_size)
    jsonl = path.with_suffix(".jsonl")
    jsonl.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return path, jsonl


def check(*args, capsys):
    code = main(["check", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def keyed(diagnostics):
    return sorted((d.code, d.line) for d in diagnostics)


@pytest.mark.parametrize("rows", [cohere_rows, bge_rows], ids=["cohere", "bge"])
def test_same_codes_as_the_same_rows_in_jsonl(tmp_path, rows):
    path, jsonl = write(tmp_path, rows(), row_group_size=7)
    linter = Linter(settings())
    from_parquet = linter.check_path(path)
    from_jsonl = Linter(settings()).check_path(jsonl)
    assert keyed(from_parquet) == keyed(from_jsonl)
    assert {"RL202", "RL103", "RL402"} <= {d.code for d in from_parquet}
    assert all(d.table and d.fix is None for d in from_parquet)


def test_text_output_shows_row_and_column(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, cohere_rows())
    code, out, _ = check("train.parquet", capsys=capsys)
    assert code == 1
    lines = out.splitlines()
    # Rows count from 1 as lines do (row 4 is dataset[3]); the column is the Parquet column.
    assert "train.parquet:row 4:column relevant_passages: RL202 relevant passage: HTML `<b>`" in lines
    assert any(line.startswith("train.parquet:row 6:column query: RL103 error:") for line in lines)
    duplicate = next(i for i, line in enumerate(lines) if ": RL402 " in line)
    assert lines[duplicate] == "train.parquet:row 8:column query: RL402 the query repeats row 3"
    assert lines[duplicate + 1] == "    train.parquet:row 3: first occurrence of the query"
    assert "[*]" not in out and "--fix" not in out  # nothing is offered as fixable


def test_html_report_names_rows(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, cohere_rows())
    assert main(["report", "train.parquet", "-o", "report.html"]) == 0
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    problems = html.split("id='problems'")[1].split("</table>")[0]
    # The first RL103 is the empty query of dataset[5]: row 6, as the text output says.
    assert re.search(r"RL103 [^<]*</span></td>.*?<td>row 6: ", problems)
    assert "line " not in problems
    groups = html.split("id='groups'")[1].split("</table>")[0]
    assert "<th>rows</th>" in groups and "<th>lines</th>" not in groups


def test_json_carries_row_and_column(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, cohere_rows())
    _, out, _ = check("train.parquet", "--format", "json", capsys=capsys)
    items = json.loads(out)
    found = {(d["code"], d["row"], d["column"]) for d in items}
    assert {("RL202", 4, "relevant_passages"), ("RL103", 6, "query"), ("RL402", 8, "query")} <= found
    assert all(d["fix"] is None for d in items)


def test_sarif_validates_with_rows_and_columns(tmp_path, monkeypatch, capsys):
    jsonschema = pytest.importorskip("jsonschema")
    from pathlib import Path

    monkeypatch.chdir(tmp_path)
    write(tmp_path, cohere_rows())
    _, out, _ = check("train.parquet", "--format", "sarif", capsys=capsys)
    document = json.loads(out)
    schema = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(document, schema)
    result = next(r for r in document["runs"][0]["results"] if r["ruleId"] == "RL103")
    assert result["properties"] == {"row": 6, "column": "query"}
    location = result["locations"][0]
    assert location["physicalLocation"]["region"] == {"startLine": 6, "endLine": 6}
    assert location["logicalLocations"][0]["name"] == "query"


@pytest.mark.parametrize("flag", ["--fix", "--diff"])
def test_fix_is_refused(tmp_path, monkeypatch, capsys, flag):
    monkeypatch.chdir(tmp_path)
    path, _ = write(tmp_path, cohere_rows())
    before = path.read_bytes()
    code, _, err = check("train.parquet", flag, capsys=capsys)
    assert code == 2
    assert f"{flag} is for JSONL files only" in err
    assert path.read_bytes() == before


def test_a_dataset_folder_is_found(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ds" / "data").mkdir(parents=True)
    write(tmp_path / "ds" / "data", cohere_rows(), name="train-00000-of-00001.parquet")
    (tmp_path / "ds" / "data" / "train-00000-of-00001.jsonl").unlink()
    code, out, _ = check("ds", capsys=capsys)
    assert code == 1
    assert "ds/data/train-00000-of-00001.parquet:row 6:column query: RL103" in out


def test_without_pyarrow_one_clear_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, cohere_rows())
    monkeypatch.setattr(parquet_source, "_pyarrow_parquet", lambda: None)
    code, out, err = check("train.parquet", capsys=capsys)
    assert code == 2
    assert err.strip().count("\n") == 0
    assert "pip install '.[parquet]'" in err


def test_read_batch_by_batch(tmp_path, monkeypatch):
    """A file of many row groups is read a small batch at a time, never whole."""
    path, _ = write(tmp_path, cohere_rows(), row_group_size=10)
    assert pq.ParquetFile(path).num_row_groups == 30
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", 4)
    sizes = []
    original = pq.ParquetFile.iter_batches

    def counting(self, *args, **kwargs):
        for batch in original(self, *args, **kwargs):
            sizes.append(batch.num_rows)
            yield batch

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", counting)
    seen_at_row = []
    linter = Linter(settings())
    for result in linter.iter_path(path):
        if result.line is not None:
            seen_at_row.append((result.line.number, len(sizes)))
    assert sum(sizes) == 300 and max(sizes) <= 4 and len(sizes) >= 75
    # Rows come out while the file is still being read: by row 10 only a few batches were read.
    assert dict(seen_at_row)[10] <= 4


def test_changed_rows_only_since_a_revision(tmp_path, monkeypatch, capsys):
    """What the pre-commit hook does (`--diff-from HEAD`): rows compared by content."""
    import subprocess

    monkeypatch.chdir(tmp_path)
    rows = cohere_rows()
    write(tmp_path, rows)
    (tmp_path / "train.jsonl").unlink()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], check=True)
    subprocess.run([*git, "add", "train.parquet"], check=True)
    subprocess.run([*git, "commit", "-qm", "data"], check=True)
    write(tmp_path, rows + [{"query": "new <i>one</i>", "relevant_passages": ["a new passage"],
                             "hard_negatives": [f"new negative {j}" for j in range(5)]}])
    _, out, _ = check("train.parquet", "--diff-from", "HEAD", "--format", "json", capsys=capsys)
    rows_reported = {d["row"] for d in json.loads(out) if d["row"] is not None}
    assert rows_reported == {301}  # the old rows' problems (rows 4, 6, 8) are not the commit's


# --- Parquet as one side of a train/eval pair --------------------------------------------------

def leak_pair(tmp_path, train_name, eval_name):
    """A training and an evaluation file sharing one query (train row 1, eval row 2) and one
    passage (a relevant passage in training, a hard negative in evaluation)."""
    train = [{"query": "shared question", "relevant_passages": ["shared passage"], "hard_negatives": ["n1"]},
             {"query": "train only", "relevant_passages": ["p"], "hard_negatives": ["n2"]}]
    evaluation = [{"query": "other eval", "relevant_passages": ["eval p"], "hard_negatives": ["x"]},
                  {"query": "Shared question?", "relevant_passages": ["e"], "hard_negatives": ["shared passage"]}]
    for rows, name in ((train, train_name), (evaluation, eval_name)):
        path, jsonl = write(tmp_path, rows, name.replace(".jsonl", ".parquet"))
        if name.endswith(".jsonl"):
            path.unlink()
        else:
            jsonl.unlink()


def test_jsonl_training_file_with_a_parquet_evaluation_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    leak_pair(tmp_path, "train.jsonl", "eval.parquet")
    code, out, _ = check("train.jsonl", "eval.parquet", "--eval", "eval.parquet", "--select", "RL5", capsys=capsys)
    assert code == 1
    lines = out.splitlines()
    # The training side: a JSONL place, pointing to a row of the Parquet file.
    assert "train.jsonl:1:10: RL501 error: this query is also in the evaluation file eval.parquet, row 2" in lines
    assert lines[lines.index("train.jsonl:1:10: RL501 error: this query is also in the evaluation file eval.parquet, row 2") + 1] \
        == "    eval.parquet:row 2: the same query in the evaluation file"
    assert any(line.startswith("train.jsonl:1:") and "RL502" in line and line.endswith("eval.parquet, row 2") for line in lines)
    # The evaluation side: rows and columns, pointing to a line of the JSONL file.
    assert "eval.parquet:row 2:column query: RL501 error: this query is also in the training file train.jsonl, line 1" in lines
    assert "eval.parquet:row 2:column hard_negatives: RL502 this passage is also in the training file train.jsonl, line 1" in lines
    assert "    train.jsonl:1:10: the same query in the training file" in lines


def test_parquet_training_file_with_a_jsonl_evaluation_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    leak_pair(tmp_path, "train.parquet", "eval.jsonl")
    code, out, _ = check("train.parquet", "--eval", "eval.jsonl", "--select", "RL5", "--format", "json", capsys=capsys)
    assert code == 1
    items = {d["code"]: d for d in json.loads(out)}
    assert (items["RL501"]["row"], items["RL501"]["column"]) == (1, "query")
    assert items["RL501"]["message"] == "this query is also in the evaluation file eval.jsonl, line 2"
    related = items["RL501"]["related"][0]
    assert related["filename"] == "eval.jsonl" and related["location"]["row"] == 2 and related["location"]["column"] == 10
    assert (items["RL502"]["row"], items["RL502"]["column"]) == (1, "relevant_passages")
    # The text output places the JSONL side at line:column, the Parquet side at its row.
    _, out, _ = check("train.parquet", "--eval", "eval.jsonl", "--select", "RL501", capsys=capsys)
    assert out.splitlines()[:2] == ["train.parquet:row 1:column query: RL501 error: this query is also in the evaluation file "
                                    "eval.jsonl, line 2", "    eval.jsonl:2:10: the same query in the evaluation file"]


def test_both_sides_parquet_in_sentence_transformers_layouts(tmp_path):
    train = [{"anchor": "shared question", "positive": "shared passage", "negative": "n1"},
             {"anchor": "train only", "positive": "p", "negative": "n2"}]
    evaluation = [{"query": "Shared question?", "docs": ["e", "shared passage"], "labels": [1, 0]}]
    train_path, _ = write(tmp_path, train, "train.parquet")
    eval_path, _ = write(tmp_path, evaluation, "eval.parquet")
    linter = Linter(settings(select=["RL5"]))
    found = linter.check_path(train_path, "train.parquet", eval_path=eval_path)
    assert sorted((d.code, d.line, d.column) for d in found) == [("RL501", 0, "anchor"), ("RL502", 0, "positive")]
    assert all(d.message.endswith("eval.parquet, row 1") and d.related[0].table for d in found)
    back = Linter(settings(select=["RL5"])).check_path(eval_path, "eval.parquet", train_path=train_path)
    assert sorted((d.code, d.line, d.column) for d in back) == [("RL501", 0, "query"), ("RL502", 0, "docs")]


def test_a_message_quoting_the_words_line_and_a_number_is_left_as_it_is(tmp_path, monkeypatch, capsys):
    # The engine once rewrote "line N" into "row N" in every message of a Parquet file; a
    # column named "line 2" (an extra input column to sentence-transformers) must keep its name.
    monkeypatch.chdir(tmp_path)
    write(tmp_path, [{"query": f"q{i}", "passage": f"p{i}", "line 2": i} for i in range(3)], "st.parquet")
    _, out, _ = check("st.parquet", "--select", "RL110", capsys=capsys)
    assert out.startswith("st.parquet:row 1:column line 2: RL110 column `line 2` is not text for the model")


def test_a_parquet_evaluation_file_without_pyarrow_stops_with_one_clear_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    leak_pair(tmp_path, "train.jsonl", "eval.parquet")
    monkeypatch.setattr(parquet_source, "_pyarrow_parquet", lambda: None)
    code, out, err = check("train.jsonl", "--eval", "eval.parquet", capsys=capsys)
    assert code == 2 and "RL000" not in out
    assert err.strip().count("\n") == 0
    assert "the paired file eval.parquet: a Parquet file needs pyarrow" in err
