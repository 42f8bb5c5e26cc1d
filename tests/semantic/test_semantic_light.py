"""What must hold without the semantic extra, and what costs nothing when it is off."""

import subprocess
import sys

from helpers import clean_dataset, lint, settings

from rerank_lint.lint.engine import Linter
from rerank_lint.rules.registry import REGISTRY

RUN_CLI = ("import sys, runpy; {setup}; sys.argv = ['rerank-lint', {args}]\n"
           "try: runpy.run_module('rerank_lint', run_name='__main__')\n"
           "except SystemExit as exit: code = exit.code\n"
           "heavy = [m for m in ('torch', 'sentence_transformers', 'numpy') if sys.modules.get(m)]\n"
           "print('EXIT', code, 'HEAVY', heavy)")


def run(tmp_path, args, setup="pass"):
    (tmp_path / "t.jsonl").write_text(clean_dataset(300))
    code = RUN_CLI.format(setup=setup, args=", ".join(repr(a) for a in args))
    return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)


def test_every_semantic_rule_is_registered_and_flagged_semantic():
    codes = [code for code, cls in REGISTRY.items() if cls.semantic]
    assert codes == [f"RL60{i}" for i in range(1, 10)] + ["RL610"]


def test_a_rule_whose_start_declined_does_not_fail_in_finish():
    # RL609/RL610 decline without `user-queries`; the engine still calls `finish` on them
    # (file-level rules conclude without observing). They used to fail there reading the
    # index `start` had not set: "'LowQueryCoverage' object has no attribute 'index'".
    found = lint(clean_dataset(20), semantic=True, select=["RL609", "RL610"])
    assert not [d for d in found if d.code in ("RL609", "RL610") or "failed here" in d.message]


def test_semantic_rules_do_not_run_unless_enabled():
    linter = Linter(settings())
    assert not any(rule.semantic for rule in linter.rules)
    assert not any(code.startswith("RL6") for code in linter.enabled)


def test_without_the_extra_one_line_and_the_other_rules_still_run(tmp_path):
    # `sys.modules[name] = None` makes the package look uninstalled to the import system.
    result = run(tmp_path, ["check", "--semantic", "t.jsonl"], setup="sys.modules['sentence_transformers'] = None")
    assert "EXIT 0 HEAVY []" in result.stdout, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "semantic checks (RL6xx) skipped" in lines[0] and "pip install" in lines[0]
    assert "Traceback" not in result.stderr


def test_without_the_extra_in_process(monkeypatch, capsys):
    import rerank_lint.semantic as semantic

    monkeypatch.setattr(semantic, "available", lambda: False)
    found = lint(clean_dataset(300), semantic=True)
    assert not [d for d in found if d.code.startswith("RL6")]
    assert "skipped" in capsys.readouterr().err


def test_check_without_semantic_imports_nothing_heavy(tmp_path):
    result = run(tmp_path, ["check", "t.jsonl"])
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr
