"""RL6xx: the semantic rules, judged with an embedding model (opt-in; the model machinery is in rerank_lint/semantic)."""
