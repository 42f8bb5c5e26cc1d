"""What every command shares: files from paths, settings for one file (config file, per-file
sections, command-line flags), the tokenizer checked before anything is read."""

from __future__ import annotations

from pathlib import Path

from rerank_lint.errors import TokenizerError, UsageError
from rerank_lint.settings import Settings, settings_for

DATASET_SUFFIXES = (".jsonl", ".ndjson", ".parquet")  # Parquet: a Hugging Face dataset folder


def cli_overrides(args) -> dict:
    raw: dict = {}

    def codes(value):
        return [c.strip() for c in value.split(",") if c.strip()]

    if getattr(args, "select", None):
        raw["select"] = codes(args.select)
    if getattr(args, "extend_select", None):
        raw["extend-select"] = codes(args.extend_select)
    if getattr(args, "ignore", None):
        raw["ignore"] = codes(args.ignore)
    if getattr(args, "input_format", None):
        raw["format"] = args.input_format
    if getattr(args, "token_budget", None) is not None:
        raw["token-budget"] = args.token_budget
    if getattr(args, "tokenizer", None):
        raw["tokenizer"] = args.tokenizer
    if getattr(args, "semantic", False):
        raw["semantic"] = True
    for name in ("trainer", "model", "max_length", "query_max_len", "passage_max_len", "train_group_size", "jobs"):
        if getattr(args, name, None) is not None:
            raw[name.replace("_", "-")] = getattr(args, name)
    return raw


def file_settings(path: Path, args) -> Settings:
    from rerank_lint.trainers.tokens import check_tokenizer

    settings = settings_for(path, getattr(args, "config", None)).for_file(path)
    overrides = cli_overrides(args)
    if overrides:
        settings = settings.merged(overrides, "command line")
    try:
        check_tokenizer(settings.tokenizer, settings.root)
    except TokenizerError as exc:
        where = f" (set in {settings.source})" if settings.source and not getattr(args, "tokenizer", None) else ""
        raise UsageError(f"setting `tokenizer`{where}: {exc}") from None
    if settings.model:
        from rerank_lint.trainers.choice import model_tokenizer

        model_tokenizer(settings)  # a model that cannot be read offline is a configuration error: said before checking
    return settings


def expand_paths(paths: list[Path]) -> list[Path]:
    try:
        return _expand(paths)
    except OSError as exc:  # a name too long for the file system, a folder that cannot be read
        raise UsageError(f"{exc.filename or ''}: {exc.strerror or exc}") from None


def _expand(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in DATASET_SUFFIXES and p.is_file()
                                and not any(part.startswith(".") for part in p.relative_to(path).parts)))
        elif path.exists():
            found.append(path)
        else:
            raise UsageError(f"{path}: no such file or directory")
    return found
