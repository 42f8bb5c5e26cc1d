"""Configuration: discovery, validation with the key named, selection, severities, per-file."""

from pathlib import Path

import pytest

from rerank_lint.settings import Settings, find_config, load_config, settings_for
from rerank_lint.errors import ConfigError
from rerank_lint.diagnostics.diagnostic import Severity

from helpers import cohere, run_cli


def test_found_upward_from_the_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.rerank-lint]\ntoken-budget = 256\n')
    nested = tmp_path / "data" / "v1"
    nested.mkdir(parents=True)
    settings = settings_for(nested / "train.jsonl")
    assert settings.token_budget == 256 and settings.root == tmp_path.resolve()


def test_pyproject_without_the_section_is_skipped(tmp_path):
    (tmp_path / "rerank-lint.toml").write_text("min-hard-negatives = 3\n")
    inner = tmp_path / "pkg"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_config(inner / "a.jsonl") == tmp_path / "rerank-lint.toml"


@pytest.mark.parametrize("toml,expected", [
    ("tokn-budget = 5\n", "unknown setting `tokn-budget`"),
    ("token_budget = 5\n", "did you mean `token-budget`"),
    ("token-budget = 'x'\n", "setting `token-budget`"),
    ("select = ['XX9']\n", "no rule code starts with 'XX9'"),
    ("[severity]\nRL201 = 'fatal'\n", "`severity.RL201`"),
    ("format = 'parquet'\n", "setting `format`"),
    ("[per-file.'*.jsonl']\nbudget = 3\n", "unknown setting `per-file.*.jsonl.budget`"),
    ("pairs = [{train = 'a'}]\n", "setting `pairs`"),
    ("token-budget = \n", "invalid TOML"),
])
def test_invalid_config_names_the_key(tmp_path, toml, expected):
    path = tmp_path / "rerank-lint.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert expected in str(err.value) and str(path) in str(err.value)


def test_invalid_config_is_exit_code_2_with_a_clear_message(tmp_path):
    (tmp_path / "rerank-lint.toml").write_text("tokn-budget = 5\n")
    (tmp_path / "t.jsonl").write_text(cohere())
    result = run_cli("check", "t.jsonl", cwd=tmp_path)
    assert result.returncode == 2
    assert b"unknown setting `tokn-budget`" in result.stderr and b"Traceback" not in result.stderr


def test_select_ignore_prefixes_and_severity():
    s = Settings().merged({"select": ["RL2", "RL401"], "ignore": ["RL209"], "severity": {"RL2": "error", "RL208": "info"}})
    assert s.enabled("RL201") and s.enabled("RL401") and not s.enabled("RL209") and not s.enabled("RL101")
    assert s.severity_of("RL201", Severity.WARNING) is Severity.ERROR
    assert s.severity_of("RL208", Severity.WARNING) is Severity.INFO  # the longest prefix wins


def test_per_file_settings_and_ignores(tmp_path):
    (tmp_path / "rerank-lint.toml").write_text(
        '[per-file."bge/*.jsonl"]\nformat = "bge"\ntoken-budget = 128\n[per-file-ignores]\n"legacy.jsonl" = ["RL2"]\n')
    base = load_config(tmp_path / "rerank-lint.toml")
    bge = base.for_file(tmp_path / "bge" / "a.jsonl")
    assert (bge.format, bge.token_budget) == ("bge", 128)
    assert not base.for_file(tmp_path / "legacy.jsonl").enabled("RL201")
    assert base.for_file(tmp_path / "other.jsonl").enabled("RL201")


def test_cli_flags_override_the_config(tmp_path):
    (tmp_path / "rerank-lint.toml").write_text('select = ["RL202"]\n')
    (tmp_path / "t.jsonl").write_text(cohere(query="<b>x</b> https://a.io"))
    from_config = run_cli("check", "t.jsonl", cwd=tmp_path).stdout
    assert b"RL202" in from_config and b"RL201" not in from_config
    flagged = run_cli("check", "t.jsonl", "--select", "RL201", cwd=tmp_path).stdout
    assert b"RL201" in flagged and b"RL202" not in flagged
    explicit = tmp_path / "other.toml"
    explicit.write_text('ignore = ["RL2"]\n')
    assert b"RL20" not in run_cli("check", "t.jsonl", "--config", explicit, cwd=tmp_path).stdout


def test_per_file_and_command_line_ignores_add_to_the_base(tmp_path):
    (tmp_path / "rerank-lint.toml").write_text('ignore = ["RL209"]\n[per-file."*.jsonl"]\nignore = ["RL208"]\nseverity = {RL201 = "error"}\n'
                                               '[severity]\nRL202 = "info"\n')
    settings = load_config(tmp_path / "rerank-lint.toml").for_file(tmp_path / "a.jsonl")
    assert not settings.enabled("RL209") and not settings.enabled("RL208")
    assert settings.severity == {"RL202": "info", "RL201": "error"}
    (tmp_path / "a.jsonl").write_text(cohere(query=" <b>x</b>  https://a.io "))
    out = run_cli("check", "a.jsonl", "--ignore", "RL201", "--select", "RL2", cwd=tmp_path).stdout.decode()
    assert "RL202" in out and "RL201" not in out and "RL208" not in out


def test_sockets_are_blocked_in_tests_and_in_processes_they_start(tmp_path):
    import socket
    import subprocess
    import sys

    from helpers import offline_env

    with pytest.raises(OSError, match="network disabled"):
        socket.create_connection(("127.0.0.1", 9))
    probe = "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 9))\nexcept OSError as e:\n    print(e)"
    out = subprocess.run([sys.executable, "-c", probe], env=offline_env(), capture_output=True, text=True).stdout
    assert "network disabled" in out


@pytest.mark.parametrize("tokenizer,message", [
    ("/nope/tokenizer.json", "tokenizer file not found"),
    ("o200k_base", "is not available offline"),  # tiktoken would download it: refused
])
def test_a_tokenizer_that_cannot_load_offline_is_one_clear_error(tmp_path, tokenizer, message):
    (tmp_path / "t.jsonl").write_text(cohere(relevant=["word " * 600]))
    result = run_cli("check", "t.jsonl", "--tokenizer", tokenizer, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr.decode() and b"RL000" not in result.stdout


def test_readme_settings_table_is_generated_from_the_settings():
    from rerank_lint.settings import settings_table

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    start, end = "<!-- settings-table:start -->\n", "<!-- settings-table:end -->"
    table = readme[readme.index(start) + len(start):readme.index(end)]
    assert table == settings_table(), "regenerate the README's settings table from rerank_lint.settings.settings_table()"


def test_every_setting_has_a_check_and_a_doc():
    from rerank_lint.settings import setting_fields

    for key, f in setting_fields().items():
        assert callable(f.metadata.get("check")) and f.metadata.get("doc"), key
