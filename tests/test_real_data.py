"""The real datasets in ../shared/data/real, end to end, against golden outputs.

Each golden file is the concise output of `rerank-lint check` on one real file, then that of
`check --statistics` (the table of counts alone); a change in
what the rules find on real data shows up as a diff here. Regenerate after an intended change
with `UPDATE_GOLDEN=1 python -m pytest tests/test_real_data.py`.
"""

import os
from pathlib import Path

import pytest

from helpers import REAL_DATA, run_cli

GOLDEN = Path(__file__).parent / "golden"
FILES = sorted(p.name for p in REAL_DATA.glob("*.jsonl")) if REAL_DATA.is_dir() else ["(absent)"]


@pytest.mark.parametrize("name", FILES)
def test_real_file_matches_golden_output(real_data, name):
    output = b""
    for args in ((), ("--statistics",)):
        result = run_cli("check", name, *args, cwd=real_data)
        assert result.returncode in (0, 1) and not result.stderr, result.stderr
        output += result.stdout
    golden = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_bytes(output)
    assert output.decode() == golden.read_text(), f"output on {name} changed; see the module docstring"


def test_known_facts_of_the_real_files(real_data):
    """Facts measured independently (SOURCES.md), found by the rules."""
    eedi = run_cli("check", "bge_eedi_mined_hn.jsonl", "--select", "RL402,RL403", cwd=real_data).stdout.decode()
    assert eedi.count("RL402") == 3  # "3 repeated queries"
    cohere = run_cli("check", "cohere_synthetic_finetune.jsonl", "--select", "RL402,RL403,RL208", "--statistics",
                     cwd=real_data).stdout.decode()
    # 187 records repeat an earlier query: 184 with other passages, 3 exact copies.
    assert "    184  RL402" in cohere and "      3  RL403" in cohere
    assert "    900  RL208" in cohere  # every query is a template ending in a newline
    nq = run_cli("check", "bge_nq.jsonl", "--select", "RL210", cwd=real_data).stdout.decode()
    assert "`<onlyinclude>`" in nq


def test_real_files_fix_round_trip(real_data, tmp_path):
    """--fix on real data keeps every record, leaves valid JSONL and is idempotent."""
    import orjson

    for name in FILES:
        copy = tmp_path / name
        copy.write_bytes((real_data / name).read_bytes())
        run_cli("check", "--fix", name, cwd=tmp_path)
        once = copy.read_bytes()
        lines = once.splitlines()
        assert len(lines) == len((real_data / name).read_bytes().splitlines())
        assert all(isinstance(orjson.loads(line), dict) for line in lines)
        run_cli("check", "--fix", name, cwd=tmp_path)
        assert copy.read_bytes() == once, name
