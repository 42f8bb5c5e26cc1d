"""RL4xx: the dataset as a whole: counts, duplicates, and how passages are labelled.

Rules that compare records keep compact indexes (hashes and line numbers, not texts), so a
1.5 GB file is checked in bounded memory; the first occurrence of a duplicate is re-read from
disk only when a diagnostic points to it.
"""

from __future__ import annotations

import hashlib
import re

from rerank_lint.diagnostics.diagnostic import Applicability, Severity
from rerank_lint.source.records import Format
from rerank_lint.rules.base import DatasetRule, GroupRule, RecordRule, Tally, TallyRule
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

    def observe(self, record, report):
        # The conclusion needs the count only below the minimum: past it, the index stops growing.
        if len(self._first) < self.settings.min_unique_queries:
            super().observe(record, report)

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

    ## Layouts
    A sentence-transformers query is its first column, compared in the layouts that hold one
    query per row: n-tuple (anchor, positive, negative_1 … negative_n), n-tuple with scores, and
    labeled list (query, [docs], [labels]). A pair, triplet or labeled pair is one row per pair:
    the query repeats by design (`mine_hard_negatives` writes a triplet per negative), so it is
    not reported there.
    """

    code, name, severity = "RL402", "duplicate-query", Severity.WARNING
    summary = "a query repeats an earlier one"

    def group_keys(self, record):
        query = record.query_ref
        if query is None or not query[1].strip():
            return
        layout = record.layout
        if layout is not None and layout.kind not in ONE_QUERY_PER_ROW:
            return
        yield query_key(query[1]), query[0]  # the payload: the query's column

    def report_conflict(self, report, record, first, later):
        if same_record(report, first.line, record):
            return  # an exact copy of the record is RL403's
        report.at_value(self, later.payload, None, f"the query repeats {report.context.unit} {first.line + 1}",
                        related=[report.related_value(first.line, first.payload, None, "first occurrence of the query")])


# The sentence-transformers layouts in which a row holds all the passages of its query.
ONE_QUERY_PER_ROW = frozenset({"n-tuple", "n-tuple-scores", "labeled-list"})


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

    wide_keys = False  # a 64-bit hash, and a copy is confirmed byte for byte

    def group_keys(self, record):
        yield record.content_hash, None

    def report_conflict(self, report, record, first, later):
        if not same_record(report, first.line, record):
            return  # a hash collision: distinct records, and deleting one would lose data
        query = record.query_ref  # the copy has the same columns: its query column is the first's
        related = report.related_value(first.line, query[0] if query else "query", None, "first copy of the record")
        report.at_record(self, f"the record is an exact copy of {report.context.unit} {first.line + 1}",
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

    ## Layouts
    In a sentence-transformers triplet or n-tuple, a negative column equal to the positive
    column; in a labeled list, one document labeled relevant and not (a label above 0.5 marks a
    relevant passage). No fix there: removing a column or a list item would break the layout
    (and the labels that line up with it). A pair or labeled pair holds one passage: nothing to
    compare inside the row (a passage labeled both ways across rows is RL407).
    """

    code, name, severity = "RL404", "relevant-and-negative", Severity.ERROR
    summary = "a passage is both relevant and hard negative in one record"
    fix = Applicability.UNSAFE

    def check_record(self, record, report):
        passages = record.passages()
        # Case and whitespace do not make another passage: "Paris is  the capital." is a copy.
        relevant = {_same_passage(p.text) for p in passages if p.relevant}
        if not relevant:
            return
        columns = record.layout is not None
        for key, index, text, is_relevant in passages:
            if is_relevant is not False or _same_passage(text) not in relevant:
                continue
            if columns:
                report.at_value(self, key, index, f"this negative (`{key}`) is also a relevant passage of the record")
            else:
                fix = report.remove_elements_fix(key, [index], "remove it from the hard negatives", Applicability.UNSAFE)
                upload = " (the upload fails)" if record.schema.format is Format.COHERE else ""  # Cohere's platform only
                report.at_value(self, key, index, f"this hard negative is also a relevant passage of the record{upload}", fix)


def _same_passage(text: str) -> str | bytes:
    """What two passages share when they are the same up to case and whitespace: the text
    casefolded with each whitespace run as one space, trimmed (`" ".join(text.casefold().split())`),
    or past `_SLICE` characters of it its BLAKE2b digest. A long text is done in slices cut at
    whitespace (casefolding maps each character alone and never to or from whitespace): for a
    10 MB passage the word list took 13 times its size and `casefold` 12 bytes a character."""
    if len(text) <= _SLICE:
        loose = " ".join(text.casefold().split())
        if len(loose) <= _SLICE:
            return loose  # the usual passage, in one step (casefold rarely lengthens it past _SLICE)
    kept: list[str] | None = []
    kept_chars = -1  # the length of " ".join(kept)
    digest = None
    start = 0
    while start < len(text):
        end = start + _SLICE
        if end < len(text):
            space = _WHITESPACE.search(text, end)
            end = space.start() if space else len(text)
        piece = " ".join(text[start:end].casefold().split())
        start = end
        if not piece:
            continue
        if kept is not None:
            kept.append(piece)
            kept_chars += len(piece) + 1
            if kept_chars <= _SLICE:
                continue
            piece, kept = " ".join(kept), None
            digest = hashlib.blake2b(digest_size=16)
        else:
            digest.update(b" ")
        digest.update(piece.encode("utf-8", "surrogatepass"))
    return " ".join(kept) if kept is not None else digest.digest()


_SLICE = 1 << 16
_WHITESPACE = re.compile(r"\s")


class EmptyHardNegative(RecordRule):
    """An empty or whitespace-only hard negative.

    ## Why it matters
    Cohere drops empty hard negatives silently: the record has fewer negatives than it seems.

    ## Example
        "hard_negatives": ["A", ""]

    ## Fix
    `--fix` removes it.

    ## Layouts
    sentence-transformers drops nothing: an empty negative column of a triplet or n-tuple (or an
    empty document labeled negative in a labeled list) is fed to the model as an empty text,
    scored against the query. No fix there (removing a column breaks the layout); write a real
    negative or drop the row. A pair has no negative column: nothing to report there.
    """

    code, name, severity = "RL405", "empty-hard-negative", Severity.WARNING
    summary = "an empty hard negative"
    fix = Applicability.SAFE

    def check_record(self, record, report):
        if record.layout is not None:
            for key, index, text, relevant in record.passages():
                if relevant is False and not text.strip():
                    report.at_value(self, key, index, f"empty negative `{key}` (the model is trained on an empty text)")
            return
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

    ## Layouts
    In a sentence-transformers n-tuple, two negative columns with the same text; in a labeled
    list, a document labeled negative twice. Nothing is dropped there: the model scores the
    text twice, and it weighs double in the loss. No fix (a column or a list item that lines up
    with its labels cannot just go); replace the copy with another negative. A pair, triplet or
    labeled pair holds at most one negative per row: nothing can repeat inside it.
    """

    code, name, severity = "RL406", "duplicate-hard-negative", Severity.WARNING
    summary = "a hard negative repeated in one record"
    fix = Applicability.SAFE

    def check_record(self, record, report):
        if record.layout is not None:
            self._check_columns(record, report)
            return
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

    def _check_columns(self, record, report):
        seen: dict[str, tuple[str, int | None]] = {}
        for key, index, text, relevant in record.passages():
            if relevant is not False or not text.strip():
                continue
            first = seen.setdefault(text, (key, index))
            if first != (key, index):
                where = f"`{first[0]}`" if first[1] is None else f"`{first[0]}[{first[1]}]`"
                report.at_value(self, key, index, f"repeats the negative {where} of this record (scored twice in training)",
                                related=[report.related_value(record.line, first[0], first[1], "first copy")])


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

    ## Layouts
    A sentence-transformers passage is relevant or negative by its column (the positive
    column of a pair, triplet or n-tuple; the others are negatives) or by its label (labeled
    pair, labeled list: above 0.5 is relevant). A labeled pair with the same query and passage
    labeled 1 in one row and 0 in another is reported too.
    """

    code, name, severity = "RL407", "label-conflict", Severity.INFO
    summary = "a passage relevant for one query and hard negative for another"
    explicit_only = True

    wide_keys = False  # passage_key is a 64-bit hash

    def group_keys(self, record):
        for key, index, text, relevant in record.passages():
            if relevant is not None and text.strip():
                yield passage_key(text), (key, index, relevant)

    def conflict(self, first, later):
        return first.line != later.line and first.payload[2] != later.payload[2]

    def report_conflict(self, report, record, first, later):
        key, index, relevant = later.payload
        other_key, other_index, _ = first.payload
        role = "relevant" if relevant else "hard negative"
        other_role = "hard negative" if relevant else "relevant"
        report.at_value(self, key, index, f"this {role} passage is {other_role} for the query of {report.context.unit} {first.line + 1}",
                        related=[report.related_value(first.line, other_key, other_index, f"the same passage as {other_role}")])


class _CountedRecords(TallyRule):
    """Records that each lack something the file as a whole should have: one file-level
    diagnostic with the count and the first lines, not one line per record (12 files without
    negatives made 11,934 info lines). JSON, SARIF and the editor get the same single entry."""

    counts = 1  # the records counted
    cited = 5  # the first lines shown

    def lacks(self, record) -> bool | None:
        """Whether the record lacks it; None when the record is not one to count."""
        raise NotImplementedError

    def tally(self, record, context):
        lacks = self.lacks(record)
        if lacks is None:
            return None
        return _LACKING if lacks else _COUNTED

    def conclude(self, report, context, totals, marks):
        lacking = marks.get("lacking")
        if lacking is None:
            return
        n = lacking.count
        where = ", ".join(str(o.line + 1) for o in lacking.first) + (", …" if n > self.cited else "")
        report.at_file(self, self.describe(n, totals[0]) + f" ({report.context.unit}s {where})")

    def describe(self, n: int, total: int) -> str:
        raise NotImplementedError


_COUNTED = Tally((1,))
_LACKING = Tally((1,), (("lacking", None),))


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

    ## Layouts
    Cohere records only. FlagEmbedding's empty `neg` is an error of its own (RL108); a
    sentence-transformers pair or labeled pair has no negative column by its layout, a choice
    of loss (in-batch negatives, binary labels), not a missing field.
    """

    code, name, severity = "RL408", "no-hard-negatives", Severity.INFO
    summary = "records without hard negatives"

    def lacks(self, record):
        if record.schema.format is not Format.COHERE:
            return None  # an empty `neg` is RL108, an error for FlagEmbedding; ST layouts say it by their shape
        value = record.data.get("hard_negatives")
        if value is None:
            return record.query is not None
        return isinstance(value, list) and not any(isinstance(v, str) and v.strip() for v in value)

    def describe(self, n, total):
        return (f"{n} of {total} records have no hard negatives (about five per query are recommended)")


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

    ## Layouts
    sentence-transformers layouts that hold all the negatives of a query in one row: the
    negative columns of an n-tuple, the documents labeled negative (0.5 or below) of a labeled
    list. A triplet or labeled pair holds one passage per row, so a row says nothing about how
    many negatives its query has: not counted.
    """

    code, name, severity = "RL409", "few-hard-negatives", Severity.INFO
    summary = "records with fewer hard negatives than recommended"

    def lacks(self, record):
        layout = record.layout
        if layout is not None and layout.kind not in ONE_QUERY_PER_ROW:
            return None
        distinct = {p.text for p in record.passages() if p.relevant is False and p.text.strip()}
        return 0 < len(distinct) < self.settings.min_hard_negatives

    def describe(self, n, total):
        return (f"{n} of {total} records have fewer than {self.settings.min_hard_negatives} distinct hard "
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

    ## Layouts
    A sentence-transformers record's query is its first column, compared with every passage
    column (and every document of a labeled list).
    """

    code, name, severity = "RL410", "passage-equals-query", Severity.WARNING
    summary = "a passage identical to its query"

    def check_record(self, record, report):
        query_ref = record.query_ref
        if query_ref is None or not query_ref[1].strip():
            return
        query = query_ref[1]
        target = query_key(query)
        squeezed = None
        limit = 2 * len(query) + 8
        for key, index, text, relevant in record.passages():
            if len(text) >= limit:
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
                role = "passage" if relevant is None else "relevant passage" if relevant else "hard negative"
                report.at_value(self, key, index, f"this {role} is the query itself")


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
