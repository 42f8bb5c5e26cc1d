"""The `rerank-lint` command. Parsing and checking live in the engine; this module turns
arguments into settings, feeds files to the engine and hands diagnostics to a formatter.

Exit codes: 0 no problem at or above `--fail-level`, 1 problems found, 2 usage, configuration
or internal error (as ruff).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

from rerank_lint import __version__
from rerank_lint.errors import ConfigError, UsageError
from rerank_lint.errors import TokenizerError

DATASET_SUFFIXES = (".jsonl", ".ndjson")


TRAINER_CHOICES = ("sentence-transformers", "flagembedding", "cohere")


def add_trainer_options(sub: argparse.ArgumentParser) -> None:
    """The trainer's flags, the same on every command that reads data."""
    sub.add_argument("--trainer", choices=TRAINER_CHOICES, help="the trainer that will read the data (default: detected per file)")
    sub.add_argument("--model", help="local model folder (or a name in the local Hugging Face cache) whose tokenizer and limit decide the cut")
    sub.add_argument("--max-length", type=int, help="sentence-transformers' max_length (default: the model's)")
    sub.add_argument("--query-max-len", type=int, help="FlagEmbedding's query_max_len (default 32)")
    sub.add_argument("--passage-max-len", type=int, help="FlagEmbedding's passage_max_len (default 128)")
    sub.add_argument("--train-group-size", type=int, help="FlagEmbedding's train_group_size (default 8)")


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
    add_trainer_options(check)
    check.add_argument("--jobs", type=int, help="processes for a large JSONL file (default: the machine's usable cores)")
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
    add_trainer_options(stats)
    stats.add_argument("--input-format", choices=("auto", "cohere", "bge"))
    stats.add_argument("--semantic", action="store_true", help="add diversity figures from an embedding model")

    report = sub.add_parser("report", help="a self-contained HTML report with plots (or a Markdown summary)")
    report.add_argument("path", type=Path, help="the JSONL file to describe")
    report.add_argument("--eval", type=Path, help="evaluation file paired with it")
    report.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    report.add_argument("--format", choices=("html", "markdown"), default="html", dest="output_format")
    report.add_argument("--semantic", action="store_true", help="add similarity plots from an embedding model")
    report.add_argument("--queries", type=Path, help="a log of real user queries: add the query-coverage section")
    report.add_argument("--config", type=Path)
    report.add_argument("--token-budget", type=int)
    report.add_argument("--tokenizer")
    add_trainer_options(report)
    report.add_argument("--input-format", choices=("auto", "cohere", "bge"))

    coverage = sub.add_parser("coverage", help="do the training queries mirror real user queries? (docs/coverage.md)")
    coverage.add_argument("path", type=Path, help="the training file (any format check reads)")
    coverage.add_argument("--queries", type=Path, help="the log of real queries: one a line, JSONL with a query field, or CSV "
                                                       "(default: the `user-queries` setting)")
    coverage.add_argument("--column", help="the CSV column (name or 0-based index) that holds the queries")
    coverage.add_argument("--format", choices=("text", "json"), default="text", dest="output_format")
    coverage.add_argument("--threshold", type=float, help="coverage below which the exit code is 1 (default 0.5)")
    coverage.add_argument("--similarity", type=float, help="a fixed cosine for 'near' instead of the k-NN radius")
    coverage.add_argument("--progress", action="store_true", help="progress on stderr even when it is not a terminal")
    coverage.add_argument("--config", type=Path)
    coverage.add_argument("--input-format", choices=("auto", "cohere", "bge"))

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
            from rerank_lint.cli.check import run_check

            return run_check(args)
        if args.command == "rule":
            from rerank_lint.cli.rule import run_rule

            return run_rule(args)
        if args.command == "stats":
            from rerank_lint.cli.stats import run_stats

            return run_stats(args)
        if args.command == "report":
            from rerank_lint.cli.report import run_report

            return run_report(args)
        if args.command == "coverage":
            from rerank_lint.cli.coverage import run_coverage

            return run_coverage(args)
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
    except Exception as exc:  # noqa: BLE001
        # A bug must never look like findings (exit 1) to a CI step or the GitHub Action.
        import traceback

        where = traceback.extract_tb(exc.__traceback__)[-1]
        print(f"rerank-lint: internal error: {exc.__class__.__name__}: {exc} (at {Path(where.filename).name}:{where.lineno}); "
              "please report it with the command that caused it", file=sys.stderr)
        return 2
