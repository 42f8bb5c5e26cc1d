"""The real files run end to end with the semantic checks; the defaults flag a minority."""

import pytest

pytest.importorskip("sentence_transformers", reason="the semantic extra is not installed: pip install -e '.[semantic]'")

from rerank_lint.settings import Settings  # noqa: E402
from rerank_lint.lint.engine import Linter  # noqa: E402

# The large nq and cohere files cost a minute more of embedding and add no new kind of input.
FILES = ["bge_eedi_mined_hn.jsonl", "bge_toy_mined_hn.jsonl"]


def test_real_files_end_to_end(real_data, tmp_path, monkeypatch):
    monkeypatch.setenv("RERANK_LINT_CACHE_DIR", str(tmp_path))
    settings = Settings().merged({"semantic": True, "select": ["RL6"]})
    for name in FILES:
        path = real_data / name
        records = sum(1 for line in path.open("rb") if line.strip())
        found = Linter(settings).check_path(path)
        assert not [d for d in found if d.code == "RL000" or "failed here" in d.message], name
        per_rule = {}
        for d in found:
            per_rule.setdefault(d.code, set()).add(d.range.start.line)
        if name == "bge_eedi_mined_hn.jsonl":  # the large, cleanly mined file: warnings on a minority
            for code in ("RL601", "RL603"):
                assert len(per_rule.get(code, ())) < 0.3 * records, (name, code)
        if name == "bge_toy_mined_hn.jsonl":  # random negatives: every record has easy ones
            assert len(per_rule["RL602"]) == records
