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


def same_record(report, line: int, record) -> bool:
    """Whether an earlier line holds the same record, byte for byte. The groups are keyed by a
    64-bit hash to keep memory bounded; equal hashes only say the records are probably equal,
    and a copy is deleted by a fix, so the bytes decide."""
    return report.context.store.content(line).strip() == record.content.strip()


class TooFewQueries(GroupRule):
    """Fewer unique queries than the platform's minimum (256).

    ## Why it matters
    Serves Cohere: an error there, info for the other trainers (which have no minimum, though
    few queries still overfit). Cohere rejects a rerank fine-tuning file with fewer than 256 unique queries ("the minimum
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
        query = record.query_ref  # a sentence-transformers record's query is its first column
        if query is not None:
            yield query[1], None

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

    def report_conflict(self, report, record, first, later):
        if first.payload == later.payload and same_record(report, first.line, record):
            return  # an exact copy of the record is RL403's
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
        if not same_record(report, first.line, record):
            return  # a hash collision: distinct records, and deleting one would lose data
        related = report.related_value(first.line, "query", None, "first copy of the record")
        report.at_record(self, f"the record is an exact copy of line {first.line + 1}",
                         report.delete_line_fix("delete the duplicate record", Applicability.UNSAFE), [related])


class RelevantAndNegative(RecordRule):
    """A passage listed both as relevant and as hard negative in the same record.

    ## Why it matters
    Serves Cohere, whose upload failed on such a record (an error there); a warning for the other
    trainers, where the record trains the model to score one text both up and down.
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
        # Case and whitespace do not make another passage: "Paris is  the capital." is a copy.
        relevant = {_same_passage(text) for _, text in record.relevant()}
        if not relevant:
            return
        key = record.schema.negative_key
        for index, text in record.negatives():
            if _same_passage(text) in relevant:
                fix = report.remove_elements_fix(key, [index], "remove it from the hard negatives", Applicability.UNSAFE)
                report.at_value(self, key, index, "this hard negative is also a relevant passage of the record (the upload fails)", fix)


def _same_passage(text: str) -> str:
    return " ".join(text.casefold().split())


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


class _CountedRecords(DatasetRule):
    """Records that each lack something the file as a whole should have: one file-level
    diagnostic with the count and the first lines, not one line per record (12 files without
    negatives made 11,934 info lines). JSON, SARIF and the editor get the same single entry."""

    record_local = False
    shown = 5

    def start(self, context):
        self.lines: list[int] = []
        self.total = 0

    def finish(self, report, context):
        if not self.lines:
            return
        n = len(self.lines)
        where = ", ".join(str(line + 1) for line in self.lines[:self.shown]) + (", …" if n > self.shown else "")
        report.at_file(self, self.describe(n) + f" (lines {where})")

    def describe(self, n: int) -> str:
        raise NotImplementedError


class NoHardNegatives(_CountedRecords):
    """Cohere records without hard negatives, counted once for the file.

    ## Why it matters
    Hard negatives are optional but they are what teaches a reranker fine distinctions; Cohere
    recommends about five per query. One file-level diagnostic gives the count and the first
    lines (no entry per record).

    ## Example
        {"query": "q", "relevant_passages": ["A"]}

    ## Fix
    Mine hard negatives with an embedding model (passages similar to the query that do not
    answer it), e.g. sentence-transformers' `mine_hard_negatives`.
    """

    code, name, severity = "RL408", "no-hard-negatives", Severity.INFO
    summary = "records without hard negatives"

    def observe(self, record, report):
        if record.schema.format is not Format.COHERE:
            return  # an empty `neg` is RL108, an error for FlagEmbedding; ST layouts say it by their shape
        self.total += 1
        value = record.data.get("hard_negatives")
        if value is None:
            if record.query is not None:
                self.lines.append(record.line)
        elif isinstance(value, list) and not any(isinstance(v, str) and v.strip() for v in value):
            self.lines.append(record.line)

    def describe(self, n):
        return (f"{n} of {self.total} records have no hard negatives (about five per query are recommended)")


class FewHardNegatives(_CountedRecords):
    """Records with fewer hard negatives than recommended (5, the `min-hard-negatives` setting),
    counted once for the file.

    ## Why it matters
    Cohere recommends about five hard negatives per query; fewer gives the model fewer
    contrasts to learn from. One file-level diagnostic gives the count and the first lines.

    ## Example
        "hard_negatives": ["A", "B"]

    ## Fix
    Mine more hard negatives for the query.
    """

    code, name, severity = "RL409", "few-hard-negatives", Severity.INFO
    summary = "records with fewer hard negatives than recommended"

    def observe(self, record, report):
        self.total += 1
        distinct = {text for _, text in record.negatives() if text.strip()}
        if 0 < len(distinct) < self.settings.min_hard_negatives:
            self.lines.append(record.line)

    def describe(self, n):
        return (f"{n} of {self.total} records have fewer than {self.settings.min_hard_negatives} distinct hard "
                f"negatives (1 to {self.settings.min_hard_negatives - 1})")


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
        squeezed = None
        limit = 2 * len(query) + 8
        for ref in record.texts():
            text = ref.text
            if ref.index is None or len(text) >= limit:
                continue
            if text.isascii():
                # A necessary condition at C speed (the regex key of every passage was a tenth
                # of a check): an ASCII text's key, less its spaces, is the text lowercased
                # without whitespace and prose punctuation.
                if squeezed is None:
                    squeezed = target.replace(" ", "")
                if text.lower().translate(_SQUEEZE) != squeezed:
                    continue
            if query_key(text) == target:
                report.at_value(self, ref.key, ref.index, f"this {ref.role.value} is the query itself")


# ASCII whitespace (as `\s` matches it) and the ASCII prose punctuation of query_key.
_SQUEEZE = {c: None for c in range(128) if chr(c).isspace() or chr(c) in ".,;:!?'\"`()[]{}"}


class FileTooLarge(DatasetRule):
    """A file larger than the platform accepts (1.5 GB).

    ## Why it matters
    Serves Cohere (its 1.5 GB upload cap); not reported for the other trainers, which stream
    files of any size.
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
