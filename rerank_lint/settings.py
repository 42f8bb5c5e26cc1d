"""Configuration: `[tool.rerank-lint]` in pyproject.toml or a `rerank-lint.toml`, found upward.

Every setting is a field of `Settings` made by `setting()`, which carries its check (type and
range) and its one-line doc; its TOML key is the field name in kebab-case. That one table is the
source of truth for parsing, validation and the README's settings table (`settings_table`, kept
fresh by a test), so a setting cannot exist in one place and not another, and a new setting
cannot skip validation. Paths in a config file are relative to it.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from rerank_lint.diagnostics.diagnostic import Severity
from rerank_lint.errors import ConfigError
from rerank_lint.source.lines import read_limited

# Looked for in this order in each folder, from the checked file's folder upward; the CLI and
# the language server (which also watches them) read this one list.
CONFIG_FILES = ("rerank-lint.toml", ".rerank-lint.toml", "pyproject.toml")
FORMATS = ("auto", "cohere", "bge")
TRAINERS = ("sentence-transformers", "flagembedding", "cohere")


class Invalid(Exception):
    """What a value should have been (`expected`), or what is wrong with it (`problem`); the
    caller names the setting and the file. `part` names an entry of a table setting."""

    def __init__(self, expected: str | None = None, problem: str | None = None, part: str | None = None, got=None):
        super().__init__(expected or problem)
        self.expected, self.problem, self.part, self.got = expected, problem, part, got


def _positive_int(value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise Invalid("a positive integer")
    return value


def _share(value):
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
        raise Invalid("a number between 0 and 1")
    return float(value)


def _boolean(value):
    if not isinstance(value, bool):
        raise Invalid("true or false")
    return value


def _text(value):
    if not isinstance(value, str) or not value.strip():
        raise Invalid("a non-empty string")
    return value.strip()


def _one_of(*choices: str):
    def check(value):
        if value not in choices:
            raise Invalid("one of " + ", ".join(choices))
        return value
    return check


def _column(value):
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    return _text(value)


def _share_or_none(value):
    return None if value is None else _share(value)


def _positive_int_or_none(value):
    return None if value is None else _positive_int(value)


def _folder_or_none(value):
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise Invalid('a folder path or "none"')
    return value


def _codes(value):
    from rerank_lint.rules.registry import REGISTRY

    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid("a list of rule codes or prefixes")
    for code in value:
        if not any(c.startswith(code.upper()) for c in REGISTRY) and code.upper() != "ALL":
            raise Invalid(problem=f"no rule code starts with {code!r}")
    return ["RL" if v.upper() == "ALL" else v.upper() for v in value]


def _severities(value):
    if not isinstance(value, dict):
        raise Invalid("a table of code = level")
    for code, level in value.items():
        if not isinstance(level, str) or level.upper() not in Severity.__members__:
            raise Invalid("error, warning or info", part=code, got=level)
    return {k.upper(): v for k, v in value.items()}


def _pairs(value):
    if not isinstance(value, list) or not all(
        isinstance(p, dict) and set(p) == {"train", "eval"} and all(isinstance(v, str) for v in p.values()) for p in value
    ):
        raise Invalid('a list of {train = "...", eval = "..."} tables')
    return value


def _per_file(value):
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise Invalid('a table of "glob" = {settings}')
    return value  # each section is validated by `_validate` with its own name


def _per_file_ignores(value):
    if not isinstance(value, dict) or not all(isinstance(v, list) and all(isinstance(c, str) for c in v) for v in value.values()):
        raise Invalid('a table of "glob" = ["codes"]')
    return {k: [c.upper() for c in v] for k, v in value.items()}


def setting(default, check: Callable[[Any], Any], doc: str, *, factory: bool = False):
    """One row of the settings table: the default, the check that validates (and normalises) a
    configured value, and the doc shown in the README."""
    metadata = {"check": check, "doc": doc}
    if factory:
        return field(default_factory=lambda: type(default)(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass
class Settings:
    select: list[str] = setting(["RL"], _codes, "Rules to run: codes or prefixes (`RL2` = every RL2xx rule), as in ruff.", factory=True)
    extend_select: list[str] = setting([], _codes, "Codes or prefixes added to `select` (also rules that are off by default).", factory=True)
    ignore: list[str] = setting([], _codes, "Codes or prefixes not to run.", factory=True)
    severity: dict[str, str] = setting({}, _severities, 'Severity per code or prefix, e.g. `{ RL209 = "warning" }`; the longest prefix wins.', factory=True)
    format: str = setting("auto", _one_of(*FORMATS), "Dataset format; `auto` detects Cohere or BGE from each file's keys.")
    # The trainer decides the cut, the budget and which platform-only rules are errors
    # (rerank_lint/trainers/profiles.py); unset, each file's first record decides.
    trainer: str | None = setting(None, _one_of(*TRAINERS), "The trainer that will read the data: `sentence-transformers`, `flagembedding` or `cohere`; unset, detected from each file's first record.")
    model: str | None = setting(None, _text, "The model being trained: a local folder with its `tokenizer.json` (and `tokenizer_config.json`, `config.json`) or a name already in the local Hugging Face cache; its tokenizer, special tokens and length limit then decide the cut. Never downloaded.")
    max_length: int | None = setting(None, _positive_int_or_none, "sentence-transformers' `max_length` for a pair, special tokens included; unset, the model's own limit (512 without `model`).")
    query_max_len: int = setting(32, _positive_int, "FlagEmbedding's `query_max_len` (its default, 32).")
    passage_max_len: int = setting(128, _positive_int, "FlagEmbedding's `passage_max_len` (its default, 128).")
    train_group_size: int = setting(8, _positive_int, "FlagEmbedding's `train_group_size`: one positive and this many minus one negatives per query (RL412).")
    token_budget: int = setting(510, _positive_int, "Tokens for query + passage together (Cohere's rerank fine-tuning context).")
    tokenizer: str = setting("cl100k_base", _text, "Without `model`: a tiktoken encoding bundled offline, or the path to a model's `tokenizer.json`.")
    min_unique_queries: int = setting(256, _positive_int, "Fewest unique queries a training file needs (RL401).")
    min_hard_negatives: int = setting(5, _positive_int, "Hard negatives per query below which RL408 reports.")
    max_file_bytes: int = setting(1_500_000_000, _positive_int, "Largest file size the platform accepts (RL411).")
    symbol_run_length: int = setting(5, _positive_int, "Shortest run of symbols or emoji that RL207 reports.")
    pairs: list[dict[str, str]] = setting([], _pairs, 'Train/eval pairs for the leakage rules: `[{ train = "train.jsonl", eval = "eval.jsonl" }]`.', factory=True)
    baseline: str | None = setting(None, _text, "A baseline file written by `--write-baseline`: its problems are not reported.")
    per_file: dict[str, dict[str, Any]] = setting({}, _per_file, 'Settings for files matching a glob: `{ "data/bge/*.jsonl" = { format = "bge" } }`.', factory=True)
    per_file_ignores: dict[str, list[str]] = setting({}, _per_file_ignores, 'Codes not to run on files matching a glob, as in ruff.', factory=True)
    # Unset rather than a number: the default is the machine's, and the settings table must
    # read the same on every machine.
    jobs: int | None = setting(None, _positive_int_or_none, "Processes that `check` uses on a large JSONL file (16 MB or more): it is split into byte ranges at line boundaries whose text and record rules run in worker processes, with the same output as 1; unset, the machine's usable cores. The semantic rules, `--fix` / `--diff`, Parquet files, `stats`, `report` and the editor run in one process.")
    docs_url: str | None = setting(None, _text, "Where rule docs are published (a page with `#rl201-url-in-text` anchors); without it, links are left out and the rule doc is shown instead.")

    # Semantic rules (RL6xx, docs/semantic.md) load an embedding model, so they run only when
    # enabled here or with `--semantic`.
    semantic: bool = setting(False, _boolean, "Run the semantic rules (RL6xx); needs `pip install '.[semantic]'`.")
    semantic_model: str = setting("all-MiniLM-L6-v2", _text, "A sentence-transformers model folder, or a name already in the local Hugging Face cache; never downloaded.")
    semantic_device: str = setting("auto", _text, '"auto" (a GPU when there is one), "cpu", "cuda", "cuda:1", "mps".')
    semantic_cache_dir: str | None = setting(None, _folder_or_none, 'Embedding cache folder; default `$RERANK_LINT_CACHE_DIR` or the user cache folder; "none": no cache.')
    semantic_batch_tokens: int = setting(2048, _positive_int, "Padded tokens per embedding batch (texts are batched by similar length).")
    semantic_batch_size: int = setting(256, _positive_int, "Most texts per embedding batch.")
    # Thresholds are cosine similarities of the model's embeddings, calibrated for the default
    # model on the real files (docs/semantic.md); another model needs its own calibration.
    paraphrase_threshold: float = setting(0.88, _share, "Cosine at or above which two queries that ask the same question (docs/semantic.md) are a paraphrase warning (RL601) and near-duplicates (RL607).")
    paraphrase_info_threshold: float = setting(0.80, _share, "Cosine from which such queries are reported as info (RL601), and near-duplicate query pairs are examined for a shared template.")
    passage_duplicate_threshold: float = setting(0.92, _share, "Cosine at or above which two passages with the same numbers and symbols are near-duplicates (RL608).")
    easy_negative_floor: float = setting(0.05, _share, "Cosine to the query below which a hard negative is unrelated (RL602).")
    easy_negative_ratio: float = setting(0.30, _share, "Share of the positive's similarity below which a hard negative is easy (RL602).")
    semantic_judge: str | None = setting(None, _text, "A cross-encoder / reranker that judges RL603's candidates: a folder (relative to the config file) or a name in the local Hugging Face cache, safetensors weights; never downloaded. Unset: teacher scores in the file, else the embedding model (info only).")
    false_negative_ratio: float = setting(1.0, _share, "TopK-PercPos: a candidate negative the judge (the `semantic-judge` cross-encoder, else the embedding model) scores at least this share of the lowest positive's score is a false negative (RL603); NV-Retriever uses 0.95. Teacher scores in the file have no fixed zero and are compared by order instead: above the lowest positive by more than their rounding.")
    false_negative_candidate_ratio: float = setting(0.90, _share, "A negative at least this share of the lowest positive's cosine is a candidate for the judge (RL603).")
    false_negative_min_positive: float = setting(0.5, _share, "Positive cosine below which the embedding model picks no candidates by share (too little signal, RL603).")
    false_negative_passage_similarity: float = setting(0.95, _share, "Cosine between a negative and a positive that makes it a candidate reworded positive (RL603).")
    lexical_negative_overlap: float = setting(0.60, _share, "Word overlap with the query above which a negative is lexically mined (RL604).")
    lexical_negative_similarity: float = setting(0.30, _share, "Cosine below which a lexically mined negative is off-topic (RL604).")
    leak_similarity: float = setting(0.92, _share, "Cosine at or above which a training and an evaluation text are near-duplicates (RL605).")
    max_near_duplicate_share: float = setting(0.25, _share, "Share of near-duplicate queries above which the file is reported as repetitive (RL607).")
    # Query coverage (docs/coverage.md): a log of real user queries the training queries are
    # compared with, by `rerank-lint coverage`, the report and (with the semantic rules) RL609/RL610.
    user_queries: str | None = setting(None, _text, "A log of real user queries (one a line, JSONL with a `query` field, or CSV), relative to the config file: the semantic rules then check that the training queries cover it (RL609, RL610).")
    user_queries_column: str | None = setting(None, _column, "The CSV column (name or 0-based index) of `user-queries` that holds the queries.")
    coverage_threshold: float = setting(0.5, _share, "Share of the real queries the training queries must cover; below it RL609 warns.")
    coverage_similarity: float | None = setting(None, _share_or_none, "Cosine at or above which a training query covers a real one; unset (none), the adaptive k-NN radius.")

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
        try:
            values[f.name] = f.metadata["check"](value)
        except Invalid as bad:
            if bad.problem:
                raise ConfigError(f"setting `{name}`{origin}: {bad.problem}") from None
            where_in = f"{name}.{bad.part}" if bad.part else name
            got = bad.got if bad.part else value
            raise ConfigError(f"setting `{where_in}`{origin} must be {bad.expected}, got {got!r}") from None
        if key == "per-file":
            for pattern, overrides in value.items():
                _validate(overrides, f"{name}.{pattern}", source)
    return values


def settings_table() -> str:
    """The README's settings table, from the same rows that validate."""
    rows = ["| setting | default | what |", "|---|---|---|"]
    for key, f in setting_fields().items():
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        shown = "none" if default is None else (f'"{default}"' if isinstance(default, str) else repr(default).replace("'", '"'))
        if isinstance(default, bool):
            shown = str(default).lower()
        rows.append(f"| `{key}` | `{shown}` | {f.metadata['doc']} |")
    return "\n".join(rows) + "\n"


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
        data = tomllib.loads(read_limited(pyproject, "config file").decode("utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False
    return "rerank-lint" in data.get("tool", {})


def load_config(path: Path) -> Settings:
    try:
        data = tomllib.loads(read_limited(path, "config file").decode("utf-8"))
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
