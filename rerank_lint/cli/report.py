"""`rerank-lint report`: a picture of one dataset for review, as a self-contained HTML file
with plots, or a Markdown summary for a pull request comment."""

from __future__ import annotations

import sys


def run_report(args) -> int:
    from rerank_lint.cli.common import expand_paths, file_settings
    from rerank_lint.errors import UsageError
    from rerank_lint.source.lines import display_path
    from rerank_lint.errors import TokenizerError
    from rerank_lint.report.data import collect

    paths = expand_paths([args.path])
    if len(paths) != 1:
        raise UsageError(f"{args.path}: the report describes one file ({len(paths)} found)")
    path = paths[0]
    settings = file_settings(path, args)
    if getattr(args, "queries", None):
        settings = settings.merged({"user-queries": str(args.queries.resolve())}, "command line")
    eval_path = args.eval.resolve() if args.eval else settings.eval_for(path)
    train_path = None if args.eval else settings.train_for(path)
    try:
        data = collect(path, display_path(path), settings, eval_path, train_path)
    except TokenizerError as exc:
        raise UsageError(str(exc)) from None
    if args.output_format == "markdown":
        from rerank_lint.report.markdown import render_markdown

        text = render_markdown(data)
    else:
        from rerank_lint.report.html import render_html

        text = render_html(data)
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write the report to {args.output}: {exc.strerror or exc}") from None
        print(f"Wrote {args.output}", file=sys.stderr)
    return 0
