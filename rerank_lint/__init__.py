"""rerank-lint: a linter for rerank fine-tuning data (Cohere and FlagEmbedding/BGE JSONL)."""

__version__ = "0.1.0"
