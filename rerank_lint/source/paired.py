"""The other file of a train/eval pair, read once per check and shared by every rule that
compares with it: the exact leakage rules (RL501, RL502) and the semantic ones (RL605, RL606).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path


from rerank_lint.errors import ConfigError, UsageError
from rerank_lint.source import jsonparse
from rerank_lint.source.parquet import RowStore, is_parquet
from rerank_lint.source.records import Record, schema_for
from rerank_lint.source.normalize import passage_key, query_key
from rerank_lint.source.lines import LineStore, display_path, iter_lines


class PairedFile:
    """Each distinct query and passage of the file with its first place, and the file's lines
    so that a diagnostic can point into it. A JSONL or a Parquet file (its rows then stand for
    lines, numbered alike), in any format: a sentence-transformers record's query and passages
    are its columns."""

    def __init__(self, path: Path):
        self.path = path
        self.unit = "row" if is_parquet(path) else "line"  # how messages name a place in it
        self.queries: dict[str, tuple[int, str]] = {}  # query -> (first line, key)
        # passage -> (line, key, index, relevant?) of its first occurrence
        self.passages: dict[str, tuple[int, str, int | None, bool]] = {}
        if is_parquet(path):
            rows = RowStore(path, display_path(path))
            self.store = rows
            self._read(rows)
        else:
            self.store = LineStore(lambda: open(path, "rb"))
            with open(path, "rb") as stream:
                self._read(self._lines(stream))

    def _lines(self, stream):
        for line in iter_lines(stream):
            self.store.record(line)
            yield line.number, line.content

    def _read(self, lines) -> None:
        for number, content in lines:
            try:
                data = jsonparse.loads(content)
            except jsonparse.JSONDecodeError:
                continue
            if not isinstance(data, dict):
                continue
            record = Record(number, content, data, schema_for(data))
            query = record.query_ref
            if query is not None and query[1].strip():
                self.queries.setdefault(query[1], (number, query[0]))
            for key, index, text, relevant in record.passages():
                if text.strip():
                    self.passages.setdefault(text, (number, key, index, relevant is True))

    @cached_property
    def normalized_queries(self) -> dict[str, tuple[int, str]]:
        """Queries compared as RL402 compares them (case, spaces, prose punctuation ignored),
        with the (line, key) of the first."""
        found: dict[str, tuple[int, str]] = {}
        for query, place in self.queries.items():
            found.setdefault(query_key(query), place)
        return found

    @cached_property
    def passage_hashes(self) -> dict[int, tuple[int, str, int | None]]:
        found: dict[int, tuple[int, str, int | None]] = {}
        for text, (line, key, index, _) in self.passages.items():
            found.setdefault(passage_key(text), (line, key, index))
        return found

    @cached_property
    def relevant_passages(self) -> dict[str, tuple[int, str, int | None]]:
        return {text: (line, key, index) for text, (line, key, index, relevant) in self.passages.items() if relevant}


def paired_file(context) -> tuple[PairedFile | None, str]:
    """The other side of the checked file's pair and its role ("evaluation" or "training"), or
    None when the file is not paired or the other file does not exist."""
    other = context.eval_path or context.train_path
    if other is None:
        return None, ""
    role = "evaluation" if context.eval_path else "training"
    if context.counterpart is None:
        try:
            context.counterpart = PairedFile(Path(other)) if Path(other).is_file() else False
        except UsageError as exc:
            # A Parquet file without pyarrow, or not Parquet at all: a pair that cannot be read
            # is a configuration that cannot work (the CLI stops on it, an editor shows it once).
            raise ConfigError(f"the paired file {exc}") from None
    return (context.counterpart or None), role
