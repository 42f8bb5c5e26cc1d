"""The `rerank-lint` command. Parsing and checking live in the engine; this module turns
arguments into settings, feeds files to the engine and hands diagnostics to a formatter.

Exit codes: 0 no problem at or above `--fail-level`, 1 problems found, 2 usage, configuration
or internal error (as ruff).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path
from typing import Sequence

from rerank_lint import __version__
from rerank_lint.settings import Settings, settings_for
from rerank_lint.errors import ConfigError, UsageError
from rerank_lint.diagnostics.diagnostic import Severity
from rerank_lint.source.lines import display_path
from rerank_lint.errors import TokenizerError

DATASET_SUFFIXES = (".jsonl", ".ndjson")


def build_parser() -> argparse.ArgumentParser:
    from rerank_lint.output import FORMATS

    parser = argparse.ArgumentParser(prog="rerank-lint", description="Lint rerank fine-tuning data (Cohere and FlagEmbedding/BGE JSONL).")
    parser.add_argument("--version", action="version", version=f"rerank-lint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="check JSONL files and report problems")
    check.add_argument("paths", nargs="*", type=Path, help="files or folders (folders: every *.jsonl and *.ndjson)")
    check.add_argument("--format", choices=FORMATS, default="concise", dest="output_format", help="output format (default: concise)")
    check.add_argument("--statistics", action="store_true", help="show counts per rule")
    check.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    check.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff, apply unsafe fixes too")
    check.add_argument("--diff", action="store_true", help="show what --fix would change, change nothing")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when problems are found")
    check.add_argument("--fail-level", choices=("error", "warning", "info"), default="warning",
                       help="lowest severity that makes the exit code 1 (default: warning)")
    check.add_argument("--config", type=Path, help="use this config file instead of searching for one")
    check.add_argument("--select", help="comma-separated rule codes or prefixes to run (replaces the config's)")
    check.add_argument("--extend-select", help="comma-separated codes or prefixes to add")
    check.add_argument("--ignore", help="comma-separated codes or prefixes to skip")
    check.add_argument("--input-format", choices=("auto", "cohere", "bge"), help="dataset format (default: detected)")
    check.add_argument("--token-budget", type=int, help="tokens for query + passage (default 510)")
    check.add_argument("--tokenizer", help="tiktoken encoding name or path to a tokenizer.json")
    check.add_argument("--eval", type=Path, help="evaluation file paired with the checked training files")
    check.add_argument("--semantic", action="store_true", help="also run the semantic checks (RL6xx) with an embedding model")
    check.add_argument("--baseline", type=Path, help="suppress the problems recorded in this baseline file")
    check.add_argument("--write-baseline", nargs="?", const=True, metavar="FILE",
                       help="record all current problems in a baseline file and exit 0")
    check.add_argument("--diff-from", metavar="REF",
                       help="report record problems only on records added or changed since this git revision "
                            "(dataset rules still see the whole file)")

    rule = sub.add_parser("rule", help="explain a rule (or list all rules)")
    rule.add_argument("code", nargs="?", help="rule code (RL201) or name (url-in-text)")
    rule.add_argument("--all", action="store_true", help="print the docs of every rule")

    stats = sub.add_parser("stats", help="counts the platform reports, token lengths, negatives per query")
    stats.add_argument("paths", nargs="+", type=Path)
    stats.add_argument("--format", choices=("text", "json"), default="text", dest="output_format")
    stats.add_argument("--config", type=Path)
    stats.add_argument("--token-budget", type=int)
    stats.add_argument("--tokenizer")
    stats.add_argument("--input-format", choices=("auto", "cohere", "bge"))
    stats.add_argument("--semantic", action="store_true", help="add diversity figures from an embedding model")

    report = sub.add_parser("report", help="a self-contained HTML report with plots (or a Markdown summary)")
    report.add_argument("path", type=Path, help="the JSONL file to describe")
    report.add_argument("--eval", type=Path, help="evaluation file paired with it")
    report.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    report.add_argument("--format", choices=("html", "markdown"), default="html", dest="output_format")
    report.add_argument("--semantic", action="store_true", help="add similarity plots from an embedding model")
    report.add_argument("--config", type=Path)
    report.add_argument("--token-budget", type=int)
    report.add_argument("--tokenizer")
    report.add_argument("--input-format", choices=("auto", "cohere", "bge"))

    server = sub.add_parser("server", help="run the language server on stdio")
    server.add_argument("--stdio", action="store_true", help="use stdio (the default and only transport)")
    server.add_argument("--config", type=Path, help="use this config file instead of searching upward from each file")
    return parser


def run() -> None:
    """The `rerank-lint` console script and `python -m rerank_lint`: `main`, then the exit."""
    exit_now(main())


def exit_now(code: int) -> None:
    if "torch" in sys.modules:
        # After a semantic check, tearing down torch's thread pools and modules takes about 2 s
        # of a run. Everything is written by now (output flushed below, the embedding cache
        # committed per batch), so the process ends without that teardown.
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (ValueError, OSError):  # closed by the language server's transport, or a broken pipe
                pass
        os._exit(code)
    raise SystemExit(code)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return run_check(args)
        if args.command == "rule":
            return run_rule(args)
        if args.command == "stats":
            from rerank_lint.cli.stats import run_stats

            return run_stats(args)
        if args.command == "report":
            from rerank_lint.report import run_report

            return run_report(args)
        if args.command == "server":
            from server import main as server_main

            return server_main(config=args.config)
        parser.print_help()
        return 2
    except (ConfigError, UsageError, TokenizerError) as exc:
        print(f"rerank-lint: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `rerank-lint check big.jsonl | head` is normal use, not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


# --- settings ---------------------------------------------------------------------------

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
    return raw


def file_settings(path: Path, args) -> Settings:
    from rerank_lint.trainers.tokens import check_tokenizer
    from rerank_lint.errors import TokenizerError

    settings = settings_for(path, getattr(args, "config", None)).for_file(path)
    overrides = cli_overrides(args)
    if overrides:
        settings = settings.merged(overrides, "command line")
    try:
        check_tokenizer(settings.tokenizer, settings.root)
    except TokenizerError as exc:
        where = f" (set in {settings.source})" if settings.source and not getattr(args, "tokenizer", None) else ""
        raise UsageError(f"setting `tokenizer`{where}: {exc}") from None
    return settings


def expand_paths(paths: list[Path]) -> list[Path]:
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


# --- check ------------------------------------------------------------------------------

def run_check(args) -> int:
    # Checking allocates millions of small objects and frees almost all of them by reference
    # counting; the cyclic collector's full passes over the growing indexes are pure overhead
    # (as mypy does, collect far less often).
    gc.set_threshold(100_000, 50, 100)
    from rerank_lint.lint.baseline import DEFAULT_NAME, Baseline, BaselineError
    from rerank_lint.lint.engine import Linter
    from rerank_lint.output import Summary, get_formatter

    if not args.paths:
        raise UsageError("no paths given (try: rerank-lint check train.jsonl)")
    paths = expand_paths(args.paths)
    formatter = get_formatter(args.output_format)(sys.stdout, statistics=args.statistics)
    summary = Summary()
    writing_baseline = args.write_baseline is not None
    baseline_items = []
    diff_chunks: list[str] = []
    fail_level = Severity.parse(args.fail_level)

    for path in paths:
        settings = file_settings(path, args)
        display = display_path(path)
        # Baseline entries name files relative to the config root, so that the CLI run from any
        # folder and the language server agree on them.
        baseline_name = settings.relative(path)
        eval_path = args.eval.resolve() if args.eval else settings.eval_for(path)
        train_path = None if args.eval else settings.train_for(path)
        linter = Linter(settings, stop_on_config_error=True)
        if any(rule.semantic for rule in linter.dataset_rules):
            from rerank_lint.semantic.embedder import resolve_model

            resolve_model(settings)  # a missing model is a configuration error: say it before checking
        context = {"eval_path": eval_path, "train_path": train_path}
        baseline = None
        baseline_path = args.baseline or (settings.resolve(settings.baseline) if settings.baseline else None)
        if baseline_path is not None and not writing_baseline:
            try:
                baseline = Baseline.load(Path(baseline_path))
            except BaselineError as exc:
                raise UsageError(str(exc)) from None
        try:
            if args.fix or args.diff:
                fixed, chunks = _fix_file(path, display, linter, context, args)
                summary.fixed += fixed
                diff_chunks.extend(chunks)
                if args.diff:
                    continue
            summary.files += 1
            changed = _changed_records(args.diff_from, path, display) if args.diff_from else None
            diagnostics = linter.iter_path(path, display, **context)
            stream = (d for result in diagnostics for d in result.diagnostics)
            if changed is not None:
                stream = changed.filter(stream)
            if baseline is not None:
                filtered = baseline.filter(stream, baseline_name)
            else:
                filtered = ((d, False) for d in stream)
            for d, suppressed in filtered:
                if suppressed:
                    summary.suppressed += 1
                    if getattr(formatter, "keeps_suppressed", False):  # SARIF shows them as suppressed
                        formatter.emit(d, suppressed=True)
                    continue
                if writing_baseline:
                    baseline_items.append((baseline_name, d))
                    continue
                summary.add(d)
                formatter.emit(d)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise UsageError(f"{display}: {exc.strerror or exc}") from None

    if writing_baseline:
        # Without a file name: the configured baseline, else one beside the config file (where
        # the language server writes it too), else in the working directory.
        first = file_settings(paths[0], args) if paths else None
        if args.write_baseline is not True:
            target = Path(args.write_baseline)
        elif args.baseline:
            target = args.baseline
        elif first is not None and first.baseline:
            target = first.resolve(first.baseline)
        else:
            target = (first.root if first is not None and first.source else Path.cwd()) / DEFAULT_NAME
        Baseline.from_diagnostics(baseline_items).write(target)
        print(f"Wrote {len(baseline_items)} problems to {display_path(target)}", file=sys.stderr)
        if not args.baseline and (first is None or not first.baseline):
            print(f'To use it, add `baseline = "{DEFAULT_NAME}"` to the config or pass --baseline.', file=sys.stderr)
        return 0
    if args.diff:
        sys.stdout.write("".join(diff_chunks))
        if summary.fixed:
            print(f"Would fix {summary.fixed} problem{'s' if summary.fixed != 1 else ''}.", file=sys.stderr)
        return 1 if summary.fixed and not args.exit_zero else 0
    formatter.finish(summary)
    if args.exit_zero:
        return 0
    return 1 if summary.failing(fail_level) else 0


def _changed_records(ref: str, path: Path, display: str):
    from rerank_lint.lint.changed import ChangedRecords, GitError

    try:
        return ChangedRecords.since(ref, path, display)
    except GitError as exc:
        raise UsageError(str(exc)) from None


def _fix_file(path: Path, display: str, linter, context, args) -> tuple[int, list[str]]:
    """Apply (or, with --diff, show) the fixes of one file. Returns the count and diff text."""
    from rerank_lint.lint.fixes import fix_diff, fix_path

    if args.diff:
        fixed, diff = fix_diff(path, display, linter, context, args.unsafe_fixes)
        return fixed, [diff] if diff else []
    return fix_path(path, display, linter, context, args.unsafe_fixes), []


# --- rule -------------------------------------------------------------------------------

def rule_text(cls) -> str:
    fix = {None: "none", "safe": "safe (`--fix`)", "unsafe": "unsafe (`--fix --unsafe-fixes`)"}[cls.fix.value if cls.fix else None]
    return f"# {cls.code} {cls.name}\n\n{cls.summary[0].upper() + cls.summary[1:]}.\nDefault severity: {cls.severity.label}. Fix: {fix}.\n\n{cls.doc()}\n"


def run_rule(args) -> int:
    from rerank_lint.rules.registry import REGISTRY

    if args.all:
        print("\n".join(rule_text(REGISTRY[c]) for c in sorted(REGISTRY)))
        return 0
    if not args.code:
        for code in sorted(REGISTRY):
            cls = REGISTRY[code]
            marker = {None: "   ", "safe": "[*]", "unsafe": "[~]"}[cls.fix.value if cls.fix else None]
            print(f"{code}  {marker} {cls.name:<28} {cls.severity.label:<8} {cls.summary}")
        print("\n[*] safe fix with --fix   [~] fix with --fix --unsafe-fixes")
        return 0
    wanted = args.code.strip()
    for code, cls in REGISTRY.items():
        if wanted.upper() == code or wanted.lower() == cls.name:
            print(rule_text(cls), end="")
            return 0
    raise UsageError(f"unknown rule {wanted!r} (see `rerank-lint rule` for the list)")
