"""RL5xx: the evaluation file. Queries or passages shared between a training file and its
paired evaluation file (`pairs` in the config, or `--eval`) are leakage: the evaluation then
measures memory, not ranking. Each side is reported where it is checked, pointing to the other.
"""

from __future__ import annotations

from pathlib import Path

from rerank_lint.diagnostics.diagnostic import Severity
from rerank_lint.source.paired import paired_file
from rerank_lint.source.lines import display_path
from rerank_lint.rules.base import DatasetRule
from rerank_lint.source.normalize import passage_key, query_key


class _LeakRule(DatasetRule):
    """A rule that compares each record with the paired evaluation file's index: it has nothing to
    observe in a file without one."""

    def start(self, context):
        self._context = context
        return paired_file(context)[0] is not None


class QueryLeak(_LeakRule):
    """A query that is in both the training file and its evaluation file.

    ## Why it matters
    The evaluation file must share no queries with training (Cohere's guidance: a separate,
    hand-checked test set). A shared query makes the evaluation score measure memorisation.
    Queries are compared ignoring case, spaces and punctuation.

    ## Example
    `train.jsonl` and `eval.jsonl` both hold {"query": "what is bm25", ...}.

    ## Fix
    Remove the query from one side: usually from training, keeping the test set fixed.

    ## Layouts
    Either file may be JSONL or Parquet, in any format: a sentence-transformers record's query is
    its first column (of any name), reported on that column.
    """

    code, name, severity = "RL501", "query-leak", Severity.ERROR
    summary = "a query shared by the training and evaluation files"
    record_local = True

    def observe(self, record, report):
        index, role = paired_file(self._context)
        query = record.query_ref
        if index is None or query is None or not query[1].strip():
            return
        place = index.normalized_queries.get(query_key(query[1]))
        if place is not None:
            line, other_key = place
            other = display_path(index.path)
            related = report.related_value(line, other_key, None, f"the same query in the {role} file", other, index.store.content(line))
            report.at_value(self, query[0], None, f"this query is also in the {role} file {other}, {index.unit} {line + 1}",
                            related=[related])


class PassageLeak(_LeakRule):
    """A passage that is in both the training file and its evaluation file.

    ## Why it matters
    A passage seen in training is easier to rank at evaluation time: the score overstates how
    the model does on new documents.

    ## Example
    The same relevant passage under different queries in `train.jsonl` and `eval.jsonl`.

    ## Fix
    Split the data by document, not by query, so that no passage is on both sides.

    ## Layouts
    Either file may be JSONL or Parquet, in any format: every passage column of a
    sentence-transformers record (and every document of a labeled list) is compared.
    """

    code, name, severity = "RL502", "passage-leak", Severity.WARNING
    summary = "a passage shared by the training and evaluation files"
    record_local = True

    def observe(self, record, report):
        index, role = paired_file(self._context)
        if index is None:
            return
        for key, i, text, _ in record.passages():
            if not text.strip():
                continue
            hit = index.passage_hashes.get(passage_key(text))
            if hit is not None:
                line, other_key, other_index = hit
                other = display_path(index.path)
                related = report.related_value(line, other_key, other_index, f"the same passage in the {role} file", other,
                                               index.store.content(line))
                report.at_value(self, key, i, f"this passage is also in the {role} file {other}, {index.unit} {line + 1}",
                                related=[related])


def looks_like_eval(path: str) -> bool:
    """Whether a file's name says it holds evaluation data (`*_val`, `*_test`, `*eval*`): such
    a file is the other side of a pair, never a training file missing one."""
    stem = Path(path).stem.lower()
    return "eval" in stem or stem.endswith(("_val", "_valid", "_validation", "_test", "_dev", "-val", "-test", "-dev")) \
        or stem in ("val", "valid", "validation", "test", "dev")


class NoEvalFile(DatasetRule):
    """A training file with no evaluation file paired to it.

    ## Why it matters
    Serves Cohere (not reported for another trainer: the open-source trainers evaluate only on
    request). Not reported on a file that is itself an evaluation file (paired as one, or named
    `*_val`, `*_test`, `*eval*`). Without a validation file, Cohere sets aside part of the training data for evaluation: fewer
    examples to train on, and a test set nobody checked by hand.

    ## Example
    `rerank-lint check train.jsonl` with no `pairs` in the config.

    ## Fix
    Write a separate, hand-checked evaluation file and pair it:
    `pairs = [{train = "train.jsonl", eval = "eval.jsonl"}]` or `--eval eval.jsonl`.
    """

    code, name, severity = "RL503", "no-eval-file", Severity.INFO
    summary = "no evaluation file is paired with this training file"
    record_local = True

    def start(self, context):
        return False  # a conclusion about the file, drawn in finish()

    def finish(self, report, context):
        if context.train_path is not None or context.is_eval or not context.records or looks_like_eval(context.path):
            return  # this is the evaluation file, or there is nothing to train on
        if context.eval_path is None:
            report.at_file(self, "no evaluation file is paired with this file; part of the training data will be set aside "
                                 "for evaluation (pair one with `pairs` in the config or `--eval`)")
        elif not Path(context.eval_path).is_file():
            report.at_file(self, f"the paired evaluation file {context.eval_path} does not exist")
