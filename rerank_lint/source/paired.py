"""The other file of a train/eval pair, read once per check and shared by every rule that
compares with it: the exact leakage rules (RL501, RL502) and the semantic ones (RL605, RL606).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path


from rerank_lint.source import jsonparse
from rerank_lint.source.records import schema_for
from rerank_lint.source.normalize import passage_key, query_key
from rerank_lint.source.lines import LineStore, iter_lines


class PairedFile:
    """Each distinct query and passage of the file with its first place, and the file's lines
    so that a diagnostic can point into it."""

    def __init__(self, path: Path):
        self.path = path
        self.store = LineStore(lambda: open(path, "rb"))
        self.queries: dict[str, int] = {}  # query -> first line
        # passage -> (line, key, index, relevant?) of its first occurrence
        self.passages: dict[str, tuple[int, str, int, bool]] = {}
        with open(path, "rb") as stream:
            for line in iter_lines(stream):
                self.store.record(line)
                try:
                    data = jsonparse.loads(line.content)
                except jsonparse.JSONDecodeError:
                    continue
                if not isinstance(data, dict):
                    continue
                query = data.get("query")
                if isinstance(query, str) and query.strip():
                    self.queries.setdefault(query, line.number)
                schema = schema_for(data)
                for key in (schema.relevant_key, schema.negative_key):
                    value = data.get(key)
                    for index, text in enumerate(value if isinstance(value, list) else ()):
                        if isinstance(text, str) and text.strip():
                            self.passages.setdefault(text, (line.number, key, index, key == schema.relevant_key))

    @cached_property
    def normalized_queries(self) -> dict[str, int]:
        """Queries compared as RL402 compares them (case, spaces, prose punctuation ignored)."""
        found: dict[str, int] = {}
        for query, line in self.queries.items():
            found.setdefault(query_key(query), line)
        return found

    @cached_property
    def passage_hashes(self) -> dict[int, tuple[int, str, int]]:
        found: dict[int, tuple[int, str, int]] = {}
        for text, (line, key, index, _) in self.passages.items():
            found.setdefault(passage_key(text), (line, key, index))
        return found

    @cached_property
    def relevant_passages(self) -> dict[str, tuple[int, str, int]]:
        return {text: (line, key, index) for text, (line, key, index, relevant) in self.passages.items() if relevant}


def paired_file(context) -> tuple[PairedFile | None, str]:
    """The other side of the checked file's pair and its role ("evaluation" or "training"), or
    None when the file is not paired or the other file does not exist."""
    other = context.eval_path or context.train_path
    if other is None:
        return None, ""
    role = "evaluation" if context.eval_path else "training"
    if context.counterpart is None:
        context.counterpart = PairedFile(Path(other)) if Path(other).is_file() else False
    return (context.counterpart or None), role
