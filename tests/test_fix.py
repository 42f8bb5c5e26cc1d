"""--fix and --diff: only fixed bytes change, the result parses, a second run changes nothing."""

import orjson

from helpers import clean_dataset, cohere, record, run_cli

MESSY = (
    "\ufeff"
    + cohere(query="What is <b>BM25</b>?\n", relevant=["BM25 is a   ranking &amp; function.", ""],
             negatives=["A", "A", "", "\u200bB", "caf\u00c3\u00a9 https://x.io/y"])
    + "\n"
    + record(query="q2", pos=["p", "  "], neg=["n1", "n1", "n2"], pos_scores=[1, 0.5], neg_scores=[0.1, 0.2, 0.3])
    + '{"broken": \n'
    + cohere(query="q3 untouched \\u00e9 \u4e2d")
).replace("\n", "\r\n", 1)


def write(tmp_path, text=MESSY):
    path = tmp_path / "t.jsonl"
    path.write_bytes(text.encode())
    return path


def records(path):
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip() and line != b'{"broken": ']


def test_fix_changes_only_what_it_fixes(tmp_path):
    path = write(tmp_path)
    before = path.read_bytes()
    result = run_cli("check", "--fix", path.name, cwd=tmp_path)
    assert b"Fixed" in result.stdout
    after = path.read_bytes()
    fixed = records(path)
    assert fixed[0]["query"] == "What is BM25?"
    assert fixed[0]["relevant_passages"] == ["BM25 is a ranking & function."]
    assert fixed[0]["hard_negatives"] == ["A", "B", "caf\u00c3\u00a9 https://x.io/y"]  # unsafe fixes not applied
    # BGE: the score of a removed element goes with it.
    assert fixed[1]["neg"] == ["n1", "n2"] and fixed[1]["neg_scores"] == [0.1, 0.3]
    # Lines without a fix are byte-identical, including the invalid one.
    assert b'{"broken": \n' in after
    assert before.splitlines()[-1] == after.splitlines()[-1]
    assert not after.startswith(b"\xef\xbb\xbf") and b"\r\n" not in after
    # Every change is inside a string that was fixed: compare token streams of the first line.
    assert after.count(b"\n") == before.count(b"\n") - 1  # the blank line is gone


def test_fix_is_idempotent(tmp_path):
    path = write(tmp_path)
    run_cli("check", "--fix", "--unsafe-fixes", path.name, cwd=tmp_path)
    once = path.read_bytes()
    result = run_cli("check", "--fix", "--unsafe-fixes", path.name, cwd=tmp_path)
    assert path.read_bytes() == once
    assert b"Fixed" not in result.stdout
    fixed = records(path)
    assert fixed[0]["hard_negatives"] == ["A", "B", "caf\u00e9"]


def test_diff_shows_the_fix_and_writes_nothing(tmp_path):
    path = write(tmp_path)
    before = path.read_bytes()
    result = run_cli("check", "--diff", path.name, cwd=tmp_path)
    assert result.returncode == 1
    assert path.read_bytes() == before
    diff = result.stdout.decode()
    assert diff.startswith("--- a/t.jsonl\n+++ b/t.jsonl\n")
    assert '+{"query":"What is BM25?"' in diff


def test_diff_applies_with_patch_to_the_same_result_as_fix(tmp_path):
    import shutil
    import subprocess

    if not shutil.which("patch"):
        import pytest
        pytest.skip("patch is not installed")
    path = write(tmp_path)
    diff = run_cli("check", "--diff", path.name, cwd=tmp_path).stdout
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(path.read_bytes())
    subprocess.run(["patch", "-s", str(copy)], input=diff, check=True)
    run_cli("check", "--fix", path.name, cwd=tmp_path)
    assert copy.read_bytes() == path.read_bytes()


def test_fix_keeps_file_mode_and_a_clean_file_untouched(tmp_path):
    path = write(tmp_path, clean_dataset(5))
    path.chmod(0o640)
    mtime = path.stat().st_mtime_ns
    run_cli("check", "--fix", path.name, cwd=tmp_path)
    assert path.stat().st_mtime_ns == mtime
    messy = write(tmp_path)
    messy.chmod(0o640)
    run_cli("check", "--fix", messy.name, cwd=tmp_path)
    assert messy.stat().st_mode & 0o777 == 0o640


def test_fix_never_breaks_json_when_fixes_touch_neighbouring_elements(tmp_path):
    text = cohere(negatives=["", "", "a", "", "a", "a", ""]) + cohere(query="x", negatives=["", ""])
    path = write(tmp_path, text)
    run_cli("check", "--fix", path.name, cwd=tmp_path)
    assert [r["hard_negatives"] for r in records(path)] == [["a"], []]
