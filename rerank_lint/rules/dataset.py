"""RL4xx: the dataset as a whole: counts, duplicates, and how passages are labelled.

Rules that compare records keep compact indexes (hashes and line numbers, not texts), so a
1.5 GB file is checked in bounded memory; the first occurrence of a duplicate is re-read from
disk only when a diagnostic points to it.
"""

from __future__ import annotations

from rerank_lint.diagnostics.diagnostic import Applicability, Severity
from rerank_lint.source.records import Format
from rerank_lint.rules.base import DatasetRule, GroupRule, RecordRule
from rerank_lint.source.normalize import passage_key, query_key


class TooFewQueries(GroupRule):
    """Fewer unique queries than the platform's minimum (256).

    ## Why it matters
    Cohere rejects a rerank fine-tuning file with fewer than 256 unique queries ("the minimum
    number of labeled examples is 256"), and fewer examples train a weaker model anyway. The
    minimum is the `min-unique-queries` setting.

    ## Example
    A file of 300 records in which 120 queries are repeated has 180 unique queries.

    ## Fix
    Add more distinct queries; repeating or paraphrasing existing ones does not count.
    """

    code, name, severity = "RL401", "too-few-queries", Severity.ERROR
    summary = "fewer unique queries than the minimum"

    def group_keys(self, record):
        if record.query is not None:
            yield record.query, None

    def conflict(self, first, later):
        return False

    def summarize(self, report, context, groups):
        minimum = self.settings.min_unique_queries
        if context.records and groups < minimum:
            report.at_file(self, f"{groups} unique queries in {context.records} records; at least {minimum} are needed (Cohere rejects the file)")


class DuplicateQuery(GroupRule):
    """A query that repeats an earlier one (ignoring case, spaces and punctuation).

    ## Why it matters
    Repeated queries add no diversity: paraphrasing or repeating a query does not help the model
    (Cohere's data guide). They also count once towards the 256 unique queries. The diagnostic
    points to the first occurrence. Records that are exact copies are reported by RL403 instead.

    ## Example
        {"query": "What is BM25?", ...}
        {"query": "what is bm25", ...}

    ## Fix
    Merge the records (all relevant passages and hard negatives under one query) or drop the
    repeat.
    """

    code, name, severity = "RL402", "duplicate-query", Severity.WARNING
    summary = "a query repeats an earlier one"

    def group_keys(self, record):
        query = record.query
        if query is not None and query.strip():
            yield query_key(query), record.content_hash

    def conflict(self, first, later):
        return first.payload != later.payload  # an exact copy of the record is RL403's

    def report_conflict(self, report, record, first, later):
        report.at_value(self, "query", None, f"the query repeats line {first.line + 1}",
                        related=[report.related_value(first.line, "query", None, "first occurrence of the query")])


class DuplicateRecord(GroupRule):
    """A record identical to an earlier one.

    ## Why it matters
    Exact copies weigh some examples twice and inflate the counts; with a validation split made
    from the training file, the copy can land on both sides (leakage).

    ## Example
    The same line twice, anywhere in the file.

    ## Fix
    `--fix --unsafe-fixes` deletes the later copy.
    """

    code, name, severity = "RL403", "duplicate-record", Severity.WARNING
    summary = "a record identical to an earlier one"
    fix = Applicability.UNSAFE

    def group_keys(self, record):
        yield record.content_hash, None

    def report_conflict(self, report, record, first, later):
        related = report.related_value(first.line, "query", None, "first copy of the record")
        report.at_record(self, f"the record is an exact copy of line {first.line + 1}",
                         report.delete_line_fix("delete the duplicate record", Applicability.UNSAFE), [related])


class RelevantAndNegative(RecordRule):
    """A passage listed both as relevant and as hard negative in the same record.

    ## Why it matters
    The label contradicts itself, and Cohere rejects the upload when any record has one.

    ## Example
        {"query": "q", "relevant_passages": ["A"], "hard_negatives": ["A", "B"]}

    ## Fix
    `--fix --unsafe-fixes` removes it from the hard negatives (check that it is relevant).
    """

    code, name, severity = "RL404", "relevant-and-negative", Severity.ERROR
    summary = "a passage is both relevant and hard negative in one record"
    fix = Applicability.UNSAFE

    def check_record(self, record, report):
        relevant = {text for _, text in record.relevant()}
        if not relevant:
            return
        key = record.schema.negative_key
        for index, text in record.negatives():
            if text in relevant:
                fix = report.remove_elements_fix(key, [index], "remove it from the hard negatives", Applicability.UNSAFE)
                report.at_value(self, key, index, "this hard negative is also a relevant passage of the record (the upload fails)", fix)


class EmptyHardNegative(RecordRule):
    """An empty or whitespace-only hard negative.

    ## Why it matters
    Cohere drops empty hard negatives silently: the record has fewer negatives than it seems.

    ## Example
        "hard_negatives": ["A", ""]

    ## Fix
    `--fix` removes it.
    """

    code, name, severity = "RL405", "empty-hard-negative", Severity.WARNING
    summary = "an empty hard negative"
    fix = Applicability.SAFE

    def check_record(self, record, report):
        key = record.schema.negative_key
        empty = [i for i, text in record.negatives() if not text.strip()]
        if empty:
            fix = report.remove_elements_fix(key, empty, "remove the empty hard negatives")
            for i in empty:
                report.at_value(self, key, i, "empty hard negative (dropped in training)", fix)


class DuplicateHardNegative(RecordRule):
    """The same hard negative twice in one record.

    ## Why it matters
    Cohere drops duplicated hard negatives silently; in BGE files they are sampled twice.

    ## Example
        "hard_negatives": ["A", "B", "A"]

    ## Fix
    `--fix` removes the later copies.
    """

    code, name, severity = "RL406", "duplicate-hard-negative", Severity.WARNING
    summary = "a hard negative repeated in one record"
    fix = Applicability.SAFE

    def check_record(self, record, report):
        seen: dict[str, int] = {}
        repeats: list[tuple[int, int]] = []
        for index, text in record.negatives():
            if not text.strip():
                continue
            first = seen.setdefault(text, index)
            if first != index:
                repeats.append((index, first))
        if not repeats:
            return
        key = record.schema.negative_key
        fix = report.remove_elements_fix(key, [i for i, _ in repeats], "remove the repeated hard negatives")
        for index, first in repeats:
            report.at_value(self, key, index, f"repeats hard negative #{first + 1} of this record (dropped in training)", fix,
                            [report.related_value(record.line, key, first, "first copy")])


class LabelConflict(GroupRule):
    """A passage that is relevant for one query and a hard negative for another.

    ## Why it matters
    Usually fine (a passage can answer one question and not another), but when the two queries
    ask the same thing, the model gets opposite labels for one pair. Reported once per passage,
    with the other record, so the pairs can be checked.

    Off by default: in data mined from a shared pool it is the norm, not a defect (it flags 41 %
    of the records of FlagEmbedding's real eedi example). Turn it on with
    `extend-select = ["RL407"]`.

    ## Example
        {"query": "capital of France", "relevant_passages": ["Paris is the capital of France."]}
        {"query": "France's capital city", "hard_negatives": ["Paris is the capital of France."]}

    ## Fix
    Check the two queries; if they mean the same, remove the passage from the hard negatives.
    """

    code, name, severity = "RL407", "label-conflict", Severity.INFO
    summary = "a passage relevant for one query and hard negative for another"
    explicit_only = True

    def group_keys(self, record):
        schema = record.schema
        for key in (schema.relevant_key, schema.negative_key):
            for index, text in record.strings(key):
                if text.strip():
                    yield passage_key(text), (key, index)

    def conflict(self, first, later):
        return first.line != later.line and first.payload[0] != later.payload[0]

    def report_conflict(self, report, record, first, later):
        key, index = later.payload
        other_key = first.payload[0]
        role = "relevant" if key == record.schema.relevant_key else "hard negative"
        other_role = "hard negative" if role == "relevant" else "relevant"
        report.at_value(self, key, index, f"this {role} passage is {other_role} for the query of line {first.line + 1}",
                        related=[report.related_value(first.line, other_key, first.payload[1], f"the same passage as {other_role}")])


class NoHardNegatives(RecordRule):
    """A Cohere record without hard negatives.

    ## Why it matters
    Hard negatives are optional but they are what teaches a reranker fine distinctions; Cohere
    recommends about five per query.

    ## Example
        {"query": "q", "relevant_passages": ["A"]}

    ## Fix
    Mine hard negatives with an embedding model (passages similar to the query that do not
    answer it), e.g. sentence-transformers' `mine_hard_negatives`.
    """

    code, name, severity = "RL408", "no-hard-negatives", Severity.INFO
    summary = "a record without hard negatives"

    def check_record(self, record, report):
        if record.schema.format is Format.BGE:
            return  # an empty `neg` is RL108, an error for FlagEmbedding
        value = record.data.get("hard_negatives")
        if value is None:
            if record.query is not None:
                report.at_value(self, "query", None, "the record has no hard negatives (about five per query are recommended)")
        elif isinstance(value, list) and not any(isinstance(v, str) and v.strip() for v in value):
            report.at_value(self, "hard_negatives", None, "the record has no hard negatives (about five per query are recommended)")


class FewHardNegatives(RecordRule):
    """Fewer hard negatives than recommended (5, the `min-hard-negatives` setting).

    ## Why it matters
    Cohere recommends about five hard negatives per query; fewer gives the model fewer
    contrasts to learn from.

    ## Example
        "hard_negatives": ["A", "B"]

    ## Fix
    Mine more hard negatives for the query.
    """

    code, name, severity = "RL409", "few-hard-negatives", Severity.INFO
    summary = "fewer hard negatives than recommended"

    def check_record(self, record, report):
        key = record.schema.negative_key
        distinct = {text for _, text in record.negatives() if text.strip()}
        minimum = self.settings.min_hard_negatives
        if 0 < len(distinct) < minimum:
            n = len(distinct)
            report.at_key(self, key, f"{n} distinct hard negative{'s' if n != 1 else ''}; {minimum} are recommended")


class PassageEqualsQuery(RecordRule):
    """A passage identical to its query (ignoring case, spaces and punctuation).

    ## Why it matters
    A relevant passage that repeats the query teaches the model that copying the query is
    relevance; a hard negative that repeats it is a contradiction.

    ## Example
        {"query": "what is bm25", "relevant_passages": ["What is BM25?"]}

    ## Fix
    Replace it with a passage that answers the query (or, for a negative, one that does not).
    """

    code, name, severity = "RL410", "passage-equals-query", Severity.WARNING
    summary = "a passage identical to its query"

    def check_record(self, record, report):
        query = record.query
        if not query or not query.strip():
            return
        target = query_key(query)
        for ref in record.texts():
            if ref.index is not None and len(ref.text) < 2 * len(query) + 8 and query_key(ref.text) == target:
                report.at_value(self, ref.key, ref.index, f"this {ref.role.value} is the query itself")


class FileTooLarge(DatasetRule):
    """A file larger than the platform accepts (1.5 GB).

    ## Why it matters
    Cohere rejects rerank fine-tuning files over 1.5 GB (`max-file-bytes`, default 1.5e9 bytes).

    ## Example
    A 2.1 GB export with full web pages as passages.

    ## Fix
    Deduplicate, trim passages to the token budget, or split the data.
    """

    code, name, severity = "RL411", "file-too-large", Severity.ERROR
    summary = "the file is larger than 1.5 GB"
    record_local = True

    def start(self, context):
        self._size = context.size
        return False  # a conclusion about the file, drawn in finish()

    def finish(self, report, context):
        limit = self.settings.max_file_bytes
        if self._size is not None and self._size > limit:
            report.at_file(self, f"the file has {self._size / 1e9:.2f} GB; the limit is {limit / 1e9:.2f} GB")
