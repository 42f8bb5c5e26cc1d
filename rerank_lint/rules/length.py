"""RL3xx: the token budget of query + passage (510 tokens on Cohere's rerank fine-tuning).

The whole query is kept and the passage is cut to fit; everything after the cut is never seen
in training. The diagnostic's range is exactly the part of the passage that is cut.

Most pairs are far below the budget: a text never has more tokens than UTF-8 bytes (plus one),
so pairs whose byte length proves they fit are not tokenized at all.
"""

from __future__ import annotations

from rerank_lint.diagnostics.diagnostic import Severity
from rerank_lint.trainers.tokens import upper_bound
from rerank_lint.rules.base import RecordRule


class QueryOverBudget(RecordRule):
    """A query that alone fills the token budget.

    ## Why it matters
    The query is never cut, so a query of 510 tokens or more leaves no room for any passage: the
    record trains on nothing. Long "queries" are usually documents or prompts pasted in the
    wrong field.

    ## Example
    A 600-token product description given as `query`.

    ## Fix
    Shorten the query to what a user would type, and move context into the passages.
    """

    code, name, severity = "RL303", "query-over-budget", Severity.ERROR
    summary = "the query alone uses the whole token budget"

    def check_record(self, record, report):
        query = record.query
        budget = self.settings.token_budget
        if query is None or upper_bound(query) < budget:
            return
        n, exact = report.context.tokenizer.measure(query)
        if n >= budget:
            count = f"{n}" if exact else f"more than {n}"
            report.at_value(self, "query", None, f"the query has {count} tokens, at or over the budget of {budget}: no passage fits")


class _PairOverBudget(RecordRule):
    role_key: str
    role_name: str

    def passages(self, record):
        raise NotImplementedError

    def check_record(self, record, report):
        query = record.query
        if query is None:
            return
        budget = self.settings.token_budget
        tokenizer = report.context.tokenizer
        query_bound = upper_bound(query)
        query_tokens = None
        key = getattr(record.schema, self.role_key)
        for index, passage in self.passages(record):
            if query_bound + upper_bound(passage) <= budget:
                continue
            if query_tokens is None:
                query_tokens, _ = tokenizer.measure(query)
                if query_tokens >= budget:
                    return  # RL303 reports the query itself
            passage_tokens, exact = tokenizer.measure(passage)
            total = query_tokens + passage_tokens
            if total <= budget:
                continue
            keep = budget - query_tokens
            cut = tokenizer.cut_offset(passage, keep)
            if exact:
                counts = (f"query ({query_tokens} tokens) + {self.role_name} ({passage_tokens} tokens) = {total} > {budget}: "
                          f"training cuts the last {passage_tokens - keep} tokens of the {self.role_name}, from here")
            else:
                counts = (f"query ({query_tokens} tokens) + {self.role_name} (more than {passage_tokens} tokens, "
                          f"{len(passage):,} characters) > {budget}: training cuts the {self.role_name} from here")
            report.at_text(self, key, index, cut, len(passage), counts)


class RelevantOverBudget(_PairOverBudget):
    """Query + relevant passage longer than the token budget: the end of the passage is cut.

    ## Why it matters
    Cohere keeps the whole query and cuts the passage so that both fit in 510 tokens. If the part
    that answers the query is after the cut, the model learns that an unrelated beginning is
    relevant. The underlined range is what training never sees; the message gives the counts.
    The tokenizer is configurable (`tokenizer`); the default is an offline cl100k_base, a close
    proxy. Point it at a model's `tokenizer.json` for exact counts.

    ## Example
    A 40-token query with a 600-token passage: the last 130 tokens are cut.

    ## Fix
    Put the snippet that answers the query into the passage (Cohere's advice), or split long
    documents into passages that fit with their query.
    """

    code, name, severity = "RL301", "relevant-over-budget", Severity.WARNING
    summary = "query + relevant passage exceed the token budget"
    role_key, role_name = "relevant_key", "relevant passage"

    def passages(self, record):
        return record.relevant()


class NegativeOverBudget(_PairOverBudget):
    """Query + hard negative longer than the token budget: the end of the negative is cut.

    ## Why it matters
    The same 510-token budget applies to each query + hard negative pair. A cut negative is
    shorter than it looks; very long negatives also differ in length from the positives, a
    shortcut the model can learn.

    ## Example
    A 30-token query with a 700-token hard negative.

    ## Fix
    Trim hard negatives to passages of the same size as the relevant ones.
    """

    code, name, severity = "RL302", "negative-over-budget", Severity.WARNING
    summary = "query + hard negative exceed the token budget"
    role_key, role_name = "negative_key", "hard negative"

    def passages(self, record):
        return record.negatives()
