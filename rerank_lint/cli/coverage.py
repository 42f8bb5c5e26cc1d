"""`rerank-lint coverage FILE --queries LOG`: do the training queries mirror real users' queries?

Exit codes: 0 coverage at or above the threshold, 1 below it, 2 a log, configuration or model
that cannot be used (one line on stderr, as every command)."""

from __future__ import annotations

import sys


def run_coverage(args) -> int:
    from rerank_lint.cli.common import expand_paths, file_settings
    from rerank_lint.coverage import QueryLogError
    from rerank_lint.coverage.service import compare, distinct, read_log, wilson
    from rerank_lint.lint.queries import training_queries
    from rerank_lint.errors import UsageError
    from rerank_lint.semantic import MISSING_MESSAGE, available
    from rerank_lint.source.lines import display_path

    paths = expand_paths([args.path])
    if len(paths) != 1:
        raise UsageError(f"{args.path}: the coverage check compares one training file ({len(paths)} found)")
    path = paths[0]
    settings = file_settings(path, args)
    overrides = {}
    if args.threshold is not None:
        overrides["coverage-threshold"] = args.threshold
    if args.similarity is not None:
        overrides["coverage-similarity"] = args.similarity
    if overrides:
        settings = settings.merged(overrides, "command line")
    if not available():
        # The command is nothing but the semantic comparison: without the extra it cannot run.
        print(MISSING_MESSAGE.replace("semantic checks (RL6xx) skipped", "the coverage check needs an embedding model"),
              file=sys.stderr)
        return 2
    try:
        log = read_log(settings, args.queries.resolve() if args.queries else None, args.column)
        for problem in log.problems[:5]:
            print(f"rerank-lint: {log.path}:{problem.line}: skipped: {problem.message}", file=sys.stderr)
        if log.problem_count > 5:
            print(f"rerank-lint: {log.path}: {log.problem_count - 5} more unreadable lines skipped", file=sys.stderr)
        display = display_path(path)
        train = distinct(q for _, q in training_queries(path, settings))
        if not train:
            raise QueryLogError(f"{display}: no record with a query to compare")
        result, _ = compare(train, log, settings, train_source=display, progress=sys.stderr.isatty() or args.progress)
    except QueryLogError as exc:
        raise UsageError(str(exc)) from None
    threshold = settings.coverage_threshold
    low, high = wilson(result.coverage, result.real.distinct)
    if args.output_format == "json":
        data = result.to_dict()
        data["threshold"] = threshold
        data["coverage_ci"] = [round(low, 4), round(high, 4)]
        data["below_threshold"] = result.coverage < threshold
        import json

        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    else:
        verdict = ("below" if result.coverage < threshold else "at or above")
        sys.stdout.write(result.render_text() + f"\n\nCoverage {result.coverage:.1%} (95% CI {low:.1%}-{high:.1%}) is "
                         f"{verdict} the threshold of {threshold:.0%}.\n")
    return 1 if result.coverage < threshold else 0
