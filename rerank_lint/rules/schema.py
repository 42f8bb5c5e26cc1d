"""RL1xx: the shape of a record in its format (Cohere or FlagEmbedding/BGE)."""

from __future__ import annotations

from rerank_lint.diagnostics.diagnostic import Applicability, Severity
from rerank_lint.source.records import Format
from rerank_lint.rules.base import RecordRule

_FORMAT_NAMES = {Format.COHERE: "Cohere", Format.BGE: "FlagEmbedding/BGE", Format.ST: "sentence-transformers"}


class MixedFormat(RecordRule):
    """A record in a different format from the rest of the file.

    ## Why it matters
    A file is read with one format's keys. A BGE record (`pos`, `neg`) in a Cohere file
    (`relevant_passages`, `hard_negatives`) has, for the trainer, no relevant passage at all.

    ## Example
        {"query": "q1", "relevant_passages": ["..."]}
        {"query": "q2", "pos": ["..."], "neg": ["..."]}

    ## Fix
    Convert the odd records to the file's format (or set `format` if detection chose wrong:
    the first record with format keys decides).
    """

    code, name, severity = "RL100", "mixed-format", Severity.ERROR
    summary = "a record in another format than the file"

    def check_record(self, record, report):
        expected = report.context.schema
        if expected is None or record.schema.format is expected.format:
            return
        key = record.schema.relevant_key if record.schema.relevant_key in record.data else record.schema.negative_key
        expected_keys = f"expected `{expected.relevant_key}`" if expected.relevant_key else "expected columns without Cohere or BGE keys"
        report.at_key(self, key, f"{_FORMAT_NAMES[record.schema.format]} record in a {_FORMAT_NAMES[expected.format]} file "
                                 f"({expected_keys})")


class MissingField(RecordRule):
    """A required field is missing.

    ## Why it matters
    Cohere needs `query` and `relevant_passages` in every record ("required field not found" is
    the platform's upload error); FlagEmbedding needs `query`, `pos` and `neg`.

    ## Example
        {"query": "what is bm25", "hard_negatives": ["..."]}

    ## Fix
    Add the field. A record without a relevant passage cannot be trained on: drop it if there is
    none.
    """

    code, name, severity = "RL101", "missing-field", Severity.ERROR
    summary = "a required field is missing"

    def check_record(self, record, report):
        for key in record.schema.required_keys:
            if key not in record.data:
                report.at_record(self, f"missing required field `{key}` ({_FORMAT_NAMES[record.schema.format]} format)")


class WrongType(RecordRule):
    """A field of the wrong JSON type.

    ## Why it matters
    `query` must be a string and the passage fields lists of strings. FlagEmbedding's loader
    treats a string given where a list is expected as a list of characters: `"pos": "Paris"`
    trains on five one-letter passages, silently.

    ## Example
        {"query": "capital of France", "pos": "Paris is the capital.", "neg": ["..."]}

    ## Fix
    Wrap a single passage in a list: `"pos": ["Paris is the capital."]`.
    """

    code, name, severity = "RL102", "wrong-type", Severity.ERROR
    summary = "a field has the wrong type"

    def check_record(self, record, report):
        data = record.data
        schema = record.schema
        if "query" in data and not isinstance(data["query"], str):
            report.at_value(self, "query", None, f"`query` must be a string, not {_kind(data['query'])}")
        for key in (schema.relevant_key, schema.negative_key):
            if key not in data:
                continue
            value = data[key]
            if isinstance(value, str):
                consequence = " (FlagEmbedding would split it into single characters)" if schema.format is Format.BGE else ""
                report.at_value(self, key, None, f"`{key}` must be a list of strings, not a string{consequence}")
            elif not isinstance(value, list):
                report.at_value(self, key, None, f"`{key}` must be a list of strings, not {_kind(value)}")
            else:
                for i, item in enumerate(value):
                    if not isinstance(item, str):
                        report.at_value(self, key, i, f"`{key}[{i}]` must be a string, not {_kind(item)}")
        if schema.format is Format.BGE:
            for key in ("pos_scores", "neg_scores"):
                if key in data:
                    value = data[key]
                    if not isinstance(value, list):
                        report.at_value(self, key, None, f"`{key}` must be a list of numbers, not {_kind(value)}")
                    else:
                        for i, item in enumerate(value):
                            if not isinstance(item, (int, float)) or isinstance(item, bool):
                                report.at_value(self, key, i, f"`{key}[{i}]` must be a number, not {_kind(item)}")
            for key in ("prompt", "type"):
                if key in data and not isinstance(data[key], str):
                    report.at_value(self, key, None, f"`{key}` must be a string, not {_kind(data[key])}")


def _kind(value) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "an object"}[type(value)]


class EmptyQuery(RecordRule):
    """An empty or whitespace-only query.

    ## Why it matters
    A record without a query teaches nothing and counts as a duplicate of every other empty query.

    ## Example
        {"query": "  ", "relevant_passages": ["..."]}

    ## Fix
    Fill in the query or drop the record.
    """

    code, name, severity = "RL103", "empty-query", Severity.ERROR
    summary = "the query is empty"

    def check_record(self, record, report):
        query = record.query
        if query is not None and not query.strip():
            report.at_value(self, "query", None, "the query is empty" if not query else "the query is only whitespace")


class NoRelevantPassage(RecordRule):
    """A record whose list of relevant passages is empty.

    ## Why it matters
    Every query needs at least one relevant passage: the platform rejects the file, and a
    trainer has no positive to learn from.

    ## Example
        {"query": "what is bm25", "relevant_passages": []}

    ## Fix
    Add the passage that answers the query, or drop the record.
    """

    code, name, severity = "RL104", "no-relevant-passage", Severity.ERROR
    summary = "no relevant passage"

    def check_record(self, record, report):
        key = record.schema.relevant_key
        value = record.data.get(key)
        if isinstance(value, list) and not value:
            report.at_value(self, key, None, f"`{key}` is empty: every query needs at least one relevant passage")


class EmptyRelevantPassage(RecordRule):
    """A relevant passage that is an empty or whitespace-only string.

    ## Why it matters
    An empty positive teaches the model that nothing is relevant to the query.

    ## Example
        {"query": "what is bm25", "relevant_passages": ["BM25 is ...", ""]}

    ## Fix
    `--fix` removes the empty passage when the record has another relevant passage.
    """

    code, name, severity = "RL105", "empty-relevant-passage", Severity.ERROR
    summary = "an empty relevant passage"
    fix = Applicability.SAFE

    def check_record(self, record, report):
        key = record.schema.relevant_key
        passages = record.relevant()
        empty = [i for i, text in passages if not text.strip()]
        if not empty:
            return
        keeps_one = len(empty) < len(record.data.get(key, []))
        fix = report.remove_elements_fix(key, empty, "remove the empty relevant passages") if keeps_one else None
        for i in empty:
            report.at_value(self, key, i, "empty relevant passage", fix)


class UnknownKey(RecordRule):
    """A key that the record's format does not use.

    ## Why it matters
    Trainers ignore unknown keys, so a typo (`hard_negative`, `relevant_passage`) silently drops
    the data it holds.

    ## Example
        {"query": "...", "relevant_passages": ["..."], "hard_negative": ["..."]}

    ## Fix
    Rename a misspelt key; remove keys that are not meant for training.
    """

    code, name, severity = "RL106", "unknown-key", Severity.INFO
    summary = "a key the format does not use"

    def check_record(self, record, report):
        if record.schema.format is Format.ST:
            return  # every column is an input there: RL113 reports the ones that should not be
        known = record.schema.known_keys
        for key in record.data:
            if key not in known:
                near = _closest(key, known)
                hint = f" (did you mean `{near}`?)" if near else ""
                report.at_key(self, key, f"unknown key `{key}` for the {_FORMAT_NAMES[record.schema.format]} format; it is ignored in training{hint}")


def _closest(key: str, known) -> str | None:
    import difflib

    matches = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)
    return matches[0] if matches else None


class ScoreLengthMismatch(RecordRule):
    """BGE score lists whose length differs from their passages.

    ## Why it matters
    `pos_scores[i]` is the teacher score of `pos[i]` (and `neg_scores` of `neg`) for distillation.
    When the lengths differ, FlagEmbedding pairs the wrong scores with passages or fails.

    ## Example
        {"query": "...", "pos": ["a"], "neg": ["b", "c"], "pos_scores": [0.9], "neg_scores": [0.1]}

    ## Fix
    Regenerate the scores together with the passages.
    """

    code, name, severity = "RL107", "score-length-mismatch", Severity.ERROR
    summary = "a BGE score list has another length than its passages"

    def check_record(self, record, report):
        if record.schema.format is not Format.BGE:
            return
        for texts, scores in (("pos", "pos_scores"), ("neg", "neg_scores")):
            a, b = record.data.get(texts), record.data.get(scores)
            if isinstance(a, list) and isinstance(b, list) and len(a) != len(b):
                report.at_key(self, scores, f"`{scores}` has {len(b)} scores for {len(a)} `{texts}` passages")


class EmptyNegativesBge(RecordRule):
    """An empty `neg` list in a FlagEmbedding/BGE file.

    ## Why it matters
    Serves FlagEmbedding (an error there; a warning for another trainer reading a BGE file).
    FlagEmbedding samples `train_group_size - 1` negatives from `neg`; with none it divides by
    zero and the run crashes, possibly hours in.

    ## Example
        {"query": "...", "pos": ["..."], "neg": []}

    ## Fix
    Mine hard negatives (`hn_mine`) for the record, or drop it.
    """

    code, name, severity = "RL108", "empty-negatives-bge", Severity.ERROR
    summary = "an empty `neg` list (FlagEmbedding crashes)"

    def check_record(self, record, report):
        if record.schema.format is Format.BGE and record.data.get("neg") == []:
            report.at_value(self, "neg", None, "`neg` is empty: FlagEmbedding's loader crashes on a record without negatives")
