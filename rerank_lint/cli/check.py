"""`rerank-lint check`: feed files to the engine, hand diagnostics to a formatter, fix in place."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from rerank_lint.cli.common import expand_paths, file_settings
from rerank_lint.diagnostics.diagnostic import Severity
from rerank_lint.errors import UsageError
from rerank_lint.source.lines import display_path


def run_check(args) -> int:
    # Checking allocates millions of small objects and frees almost all of them by reference
    # counting; the cyclic collector's full passes over the growing indexes are pure overhead
    # (as mypy does, collect far less often).
    gc.set_threshold(100_000, 50, 100)
    from rerank_lint.lint.parallel import CheckPool

    with CheckPool() as pool:
        return _check_paths(args, pool)


def _check_paths(args, pool) -> int:
    from rerank_lint.lint.baseline import DEFAULT_NAME, Baseline, BaselineError
    from rerank_lint.lint.engine import Linter
    from rerank_lint.lint.parallel import iter_path
    from rerank_lint.output import Summary, get_formatter

    if not args.paths:
        raise UsageError("no paths given (try: rerank-lint check train.jsonl)")
    paths = expand_paths(args.paths)
    if not paths:
        # As ruff does for a path that matches nothing: a check of nothing must not pass CI.
        raise UsageError(f"no *.jsonl, *.ndjson or *.parquet file in {', '.join(str(p) for p in args.paths)}: nothing was checked")
    eval_file = args.eval.resolve() if args.eval else None
    # Rule links point where the first file's settings say the docs are published (`docs-url`).
    docs_url = file_settings(paths[0], args).docs_url if paths else None
    formatter = get_formatter(args.output_format)(sys.stdout, statistics=args.statistics, docs_url=docs_url)
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
        eval_path = eval_file or settings.eval_for(path)
        train_path = None if args.eval else settings.train_for(path)
        is_eval = eval_file is not None and path.resolve() == eval_file
        if is_eval:
            # `check . --eval eval.jsonl` finds the evaluation file among the paths: it is the
            # other side of the pair, never a training file paired with itself.
            others = [p for p in paths if p.resolve() != eval_file]
            eval_path, train_path = None, (others[0].resolve() if len(others) == 1 else None)
        linter = Linter(settings, stop_on_config_error=True)
        if any(rule.semantic for rule in linter.dataset_rules):
            from rerank_lint.semantic.embedder import resolve_model

            resolve_model(settings)  # a missing model is a configuration error: say it before checking
            if settings.semantic_judge and settings.enabled("RL603"):
                from rerank_lint.semantic.judge import resolve_judge

                resolve_judge(settings.semantic_judge, settings.root)
        context = {"eval_path": eval_path, "train_path": train_path, "is_eval": is_eval}
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
            # A large file is checked by worker processes (`jobs`), with the same output.
            diagnostics = _with_progress(iter_path(linter, path, display, pool, **context), path, display)
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


def _with_progress(results, path: Path, display: str):
    from rerank_lint.cli.progress import Progress

    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    progress = Progress(f"rerank-lint: checking {display}", size)
    try:
        for n, result in enumerate(results):
            if not n & 255 and result.line is not None:  # the clock is read once per 256 lines
                progress.update(result.line.offset)
            yield result
    finally:
        progress.close()


def _changed_records(ref: str, path: Path, display: str):
    from rerank_lint.lint.changed import ChangedRecords, GitError

    try:
        return ChangedRecords.since(ref, path, display)
    except GitError as exc:
        raise UsageError(str(exc)) from None


def _fix_file(path: Path, display: str, linter, context, args) -> tuple[int, list[str]]:
    """Apply (or, with --diff, show) the fixes of one file. Returns the count and diff text."""
    from rerank_lint.lint.fixes import fix_diff, fix_path
    from rerank_lint.source.parquet import is_parquet

    if is_parquet(path):
        flag = "--diff" if args.diff else "--fix"
        raise UsageError(f"{display}: {flag} is for JSONL files only; a Parquet file is never rewritten (check it without {flag})")

    if args.diff:
        fixed, diff = fix_diff(path, display, linter, context, args.unsafe_fixes)
        return fixed, [diff] if diff else []
    return fix_path(path, display, linter, context, args.unsafe_fixes), []
