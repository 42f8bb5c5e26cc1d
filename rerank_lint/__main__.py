from rerank_lint.cli.main import run

run()
