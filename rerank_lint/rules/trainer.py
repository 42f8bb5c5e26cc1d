"""Checks that follow from how one trainer reads a record, where the trainer itself says nothing:
sentence-transformers' column order (RL109-RL112) and FlagEmbedding's negative groups (RL412).

sentence-transformers reads columns by ORDER (names do not matter; every column but
`label`/`labels`/`score`/`scores` is an input): `source.layout.describe_layout` reads a record that way.
"""

from __future__ import annotations

from rerank_lint.diagnostics.diagnostic import Severity
from rerank_lint.rules.base import RecordRule, Tally, TallyRule
from rerank_lint.source.records import Format
from rerank_lint.trainers.profiles import FLAGEMBEDDING, SENTENCE_TRANSFORMERS


MIN_RECORDS = 3


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class AnswerFirst(TallyRule):
    """The first column is longer than the passages in most records: the columns are reversed.

    ## Why it matters
    Serves sentence-transformers. Its trainer takes the first column as the query and the next
    ones as passages, whatever their names. A file written (passage, query) trains the reverse
    task and nothing fails: the loss goes down, the reranker is useless. Queries are almost
    always shorter than the passages they match, so a first column longer than every passage in
    most records gives the order away. Reported once per file.

    ## Example
        {"text": "BM25 is a ranking function used by search engines ...", "question": "what is bm25"}

    ## Fix
    Reorder the columns so that the query comes first (`dataset.select_columns([...])`).
    """

    code, name, severity = "RL109", "answer-first", Severity.WARNING
    trainers = (SENTENCE_TRANSFORMERS,)
    summary = "the first column is longer than the passages: reversed columns"

    counts = 1  # records whose first column can be compared with their passages

    def tally(self, record, context):
        layout = record.layout
        if layout is None:
            return None
        if layout.query is None or not layout.passages:
            return None
        query = record.data[layout.query]
        passages = [t for _, _, t in record.pairs()]
        if not isinstance(query, str) or not passages:
            return None
        if len(query) > max(len(t) for t in passages):
            return Tally((1,), (("reversed", layout.query),))
        return Tally((1,))

    def conclude(self, report, context, totals, marks):
        # A few records say little: a verdict on the file needs MIN_RECORDS of them.
        records, = totals
        reversed_ = marks.get("reversed")
        if reversed_ is None or records < MIN_RECORDS or reversed_.count * 2 <= records:
            return
        first = reversed_.first[0]
        if report.rebind(first.line):
            report.at_key(self, first.payload,
                          f"in {reversed_.count} of {records} records the first column `{first.payload}` is longer "
                          f"than every passage: sentence-transformers reads the first column as the query; put the query first")


class ExtraInputColumn(TallyRule):
    """A bookkeeping column (an id, a source) that sentence-transformers feeds to the model.

    ## Why it matters
    Serves sentence-transformers. Every column except `label`/`labels`/`score`/`scores` is an
    input, in order: a `qid` or `source` column turns a (query, passage) pair into a
    (query, passage, "msmarco") triple, a different task, silently. Reported once per column, at
    its first record.

    ## Example
        {"query": "what is bm25", "passage": "BM25 is ...", "source": "msmarco", "label": 1}

    ## Fix
    Drop the column before training (`dataset.remove_columns(["source"])`).
    """

    code, name, severity = "RL110", "extra-input-column", Severity.WARNING
    trainers = (SENTENCE_TRANSFORMERS,)
    summary = "a bookkeeping column becomes a model input"

    def tally(self, record, context):
        if record.layout is None or not record.layout.extra:
            return None
        # A mark per column; its payload, the column's place, keeps a record's columns in order.
        return Tally(marks=tuple((key, place) for place, key in enumerate(record.layout.extra)))

    def conclude(self, report, context, totals, marks):
        for key, marked in sorted(marks.items(), key=lambda item: (item[1].first[0].line, item[1].first[0].payload)):
            if report.rebind(marked.first[0].line):
                report.at_key(self, key, f"column `{key}` is not text for the model, but sentence-transformers feeds every "
                                         f"column except label/score to it, in order: remove it before training")


class BadLabel(RecordRule):
    """A label that is not a number, or outside [0, 1] for a (query, passage, label) pair.

    ## Why it matters
    Serves sentence-transformers. `BinaryCrossEntropyLoss`, the loss for labeled pairs, needs
    labels between 0 and 1; a label of 2 or "relevant" fails the run or trains on nonsense.
    Listwise scores may be any number, but a number.

    ## Example
        {"query": "what is bm25", "passage": "BM25 is ...", "label": "yes"}

    ## Fix
    Map labels to 0/1 (or a relevance share in [0, 1]).
    """

    code, name, severity = "RL111", "bad-label", Severity.ERROR
    trainers = (SENTENCE_TRANSFORMERS,)
    summary = "a label that is not a number in [0, 1]"

    def check_record(self, record, report):
        layout = record.layout
        if layout is None:
            return
        if layout.label is None:
            return
        value = record.data[layout.label]
        if isinstance(value, list):
            for i, item in enumerate(value):
                if not _is_number(item):
                    report.at_value(self, layout.label, i, f"`{layout.label}[{i}]` must be a number, not {item!r}")
            return
        if not _is_number(value):
            report.at_value(self, layout.label, None, f"`{layout.label}` must be a number, not {value!r}")
        elif layout.kind == "labeled-pair" and not 0 <= value <= 1:
            report.at_value(self, layout.label, None, f"`{layout.label}` is {value}: BinaryCrossEntropyLoss needs labels in [0, 1]")


class UnequalListColumns(RecordRule):
    """A list of passages and its list of labels of different lengths.

    ## Why it matters
    Serves sentence-transformers. Listwise losses (LambdaLoss, ListNet, ...) pair `docs[i]`
    with `labels[i]`; lists of different lengths fail or pair the wrong label with a passage.

    ## Example
        {"query": "what is bm25", "docs": ["a", "b", "c"], "labels": [1, 0]}

    ## Fix
    Regenerate the labels together with the passages.
    """

    code, name, severity = "RL112", "unequal-list-columns", Severity.ERROR
    trainers = (SENTENCE_TRANSFORMERS,)
    summary = "list columns of different lengths"

    def check_record(self, record, report):
        layout = record.layout
        if layout is None:
            return
        if layout.label is None or not isinstance(record.data[layout.label], list):
            return
        labels = record.data[layout.label]
        for key in layout.passages:
            value = record.data[key]
            if isinstance(value, list) and len(value) != len(labels):
                report.at_key(self, layout.label, f"`{layout.label}` has {len(labels)} items for {len(value)} in `{key}`")
        if layout.kind == "n-tuple-scores" and len(labels) != len(layout.passages):
            report.at_key(self, layout.label, f"`{layout.label}` has {len(labels)} scores for {len(layout.passages)} passage columns")


class RepeatedNegatives(RecordRule):
    """Fewer negatives than FlagEmbedding's group needs: it repeats them.

    ## Why it matters
    Serves FlagEmbedding. Each training step takes one positive and `train_group_size - 1`
    negatives per query (8 - 1 = 7 by default). With fewer in `neg`, the trainer repeats the
    list and samples from the copies, so the same negative is scored several times in one group:
    less to learn from, more weight on a few texts. The message says how many times.

    ## Example
    `"neg": ["a", "b", "c"]` with `train-group-size` 8: each negative is used about 2.3 times.

    ## Fix
    Mine more negatives for the query, or set `train_group_size` (and `train-group-size`) lower.
    """

    code, name, severity = "RL412", "repeated-negatives", Severity.INFO
    trainers = (FLAGEMBEDDING,)
    summary = "FlagEmbedding repeats negatives to fill its group"

    def check_record(self, record, report):
        trainer = report.context.trainer
        if record.schema.format is not Format.BGE or trainer is None or trainer.name != FLAGEMBEDDING:
            return
        neg = record.data.get("neg")
        wanted = self.settings.train_group_size - 1
        if not isinstance(neg, list) or not neg or len(neg) >= wanted:
            return
        copies = -(-wanted // len(neg))
        report.at_value(self, "neg", None,
                        f"`neg` has {len(neg)} negative{'s' if len(neg) != 1 else ''} for train-group-size "
                        f"{self.settings.train_group_size} ({wanted} per group): FlagEmbedding repeats the list {copies} times "
                        f"and samples {wanted}, so each negative is used about {wanted / len(neg):.1f} times per group")
