"""RL3xx: what the trainer cuts from each (query, passage) pair, for the file's trainer.

Each trainer cuts differently (rerank_lint/trainers/cut.py): sentence-transformers cuts both
sides `longest_first` at `max-length` (the model's own limit), so a long query loses tokens too;
FlagEmbedding caps each side, then cuts the passage (`only_second`) to `query-max-len +
passage-max-len`; Cohere kept the whole query and cut the passage at 510. A diagnostic's range is
exactly the lost tokens of the passage, with the query's lost tokens as a related place.

Most pairs are far below the limit: a text never has more tokens than UTF-8 bytes (plus one), so
pairs whose byte length proves they fit are not tokenized at all. Texts over 100,000 characters
are tokenized as that prefix (enough to place any cut); their counts are then lower bounds.
"""

from __future__ import annotations

from rerank_lint.diagnostics.diagnostic import Range, Related, Severity
from rerank_lint.rules.base import RecordRule, Tally, TallyRule
from rerank_lint.source.records import Format
from rerank_lint.trainers.choice import exact
from rerank_lint.trainers.cut import cohere_cut, flagembedding_cut, sentence_transformers_cut
from rerank_lint.trainers.profiles import COHERE, FLAGEMBEDDING, PROFILES, SENTENCE_TRANSFORMERS
from rerank_lint.trainers.tokens import upper_bound


def record_prompts(record) -> tuple[str, str]:
    """FlagEmbedding's per-record instructions, prepended to the texts before the cut."""
    if record.schema.format is not Format.BGE:
        return "", ""
    data = record.data
    query_prompt = data.get("query_prompt")
    passage_prompt = data.get("passage_prompt")
    return (query_prompt if isinstance(query_prompt, str) else "", passage_prompt if isinstance(passage_prompt, str) else "")


class TrainerBudget:
    """The numbers and the cut of one file's trainer, worked out once per record (the RL3xx
    rules and the editor's hover and inlay hints read the same)."""

    def __init__(self, settings, context):
        self.trainer = context.trainer.name if context.trainer is not None else COHERE
        self.tokens = context.cut_tokenizer
        self.settings = settings

    @property
    def special(self) -> int:
        return self.tokens.special_tokens(PROFILES[self.trainer])

    def query_limit(self) -> int:
        """Tokens past which the query alone is cut (or, for Cohere, leaves no room at all)."""
        s = self.settings
        if self.trainer == COHERE:
            return s.token_budget
        if self.trainer == FLAGEMBEDDING:
            return s.query_max_len + s.passage_max_len // 4
        return self.tokens.max_length() - self.special

    def fits_for_sure(self, query_bound: int, passage_bound: int, query_prompt: str, passage_prompt: str) -> bool:
        s = self.settings
        if self.trainer == COHERE:
            return query_bound + passage_bound <= s.token_budget
        if self.trainer == FLAGEMBEDDING:
            q = query_bound + upper_bound(query_prompt) if query_prompt else query_bound
            p = passage_bound + upper_bound(passage_prompt) if passage_prompt else passage_bound
            return (q <= s.query_max_len + s.passage_max_len // 4 and p <= s.passage_max_len + s.query_max_len // 2
                    and q + p + self.special <= s.query_max_len + s.passage_max_len)
        return query_bound + passage_bound + self.special <= self.tokens.max_length()

    def cut(self, query: str, passage: str, query_prompt: str, passage_prompt: str):
        tokens, s = self.tokens, self.settings
        if self.trainer == COHERE:
            return cohere_cut(tokens.offsets(query), tokens.offsets(passage), s.token_budget)
        if self.trainer == FLAGEMBEDDING:
            return flagembedding_cut(tokens.offsets(query_prompt + query), tokens.offsets(passage_prompt + passage),
                                     s.query_max_len, s.passage_max_len, self.special, tokens.direction(),
                                     len(query_prompt), len(passage_prompt))
        return sentence_transformers_cut(tokens.offsets(query), tokens.offsets(passage), tokens.max_length(),
                                         self.special, tokens.direction())

    def limit_text(self) -> str:
        s = self.settings
        if self.trainer == COHERE:
            return f"Cohere's budget of {s.token_budget}"
        if self.trainer == FLAGEMBEDDING:
            return f"FlagEmbedding's query-max-len {s.query_max_len} + passage-max-len {s.passage_max_len}"
        return f"sentence-transformers' max-length {self.tokens.max_length()}"


class QueryOverBudget(RecordRule):
    """A query that alone fills the trainer's whole limit for a pair.

    ## Why it matters
    Serves Cohere and sentence-transformers. Cohere kept the whole query: one of 510 tokens or
    more left no room for any passage, and the record trained on nothing. sentence-transformers
    cuts `longest_first`: a query of `max-length` tokens or more is cut with every passage, and
    each passage keeps at most half the limit. (FlagEmbedding caps the query on its own side
    first; RL305 reports that.) Long "queries" are usually documents or prompts pasted in the
    wrong field.

    ## Example
    A 600-token product description given as `query`.

    ## Fix
    Shorten the query to what a user would type, and move context into the passages.
    """

    code, name, severity = "RL303", "query-over-budget", Severity.ERROR
    trainers = (COHERE, SENTENCE_TRANSFORMERS)
    summary = "the query alone fills the trainer's limit for a pair"

    def check_record(self, record, report):
        ref = record.query_ref
        if ref is None:
            return
        budget = TrainerBudget(self.settings, report.context)
        if budget.trainer == FLAGEMBEDDING:
            return
        key, query = ref
        limit = budget.query_limit()
        if upper_bound(query) < limit:
            return
        n = budget.tokens.count(query)
        if n < limit:
            return
        count = f"{n}" if exact(query) else f"more than {n}"
        if budget.trainer == COHERE:
            report.at_value(self, key, None, f"the query has {count} tokens, at or over the budget of {limit}: no passage fits")
        else:
            report.at_value(self, key, None, f"the query has {count} tokens, at or over the {limit} that "
                                             f"{budget.limit_text()} leaves for text: longest_first cuts it with every "
                                             f"passage, and no passage keeps more than {limit // 2 + limit % 2} tokens")


class QueryCut(RecordRule):
    """A query longer than FlagEmbedding keeps of any query.

    ## Why it matters
    Serves FlagEmbedding. Its reranker cuts every query (with its `query_prompt`) to
    `query-max-len + passage-max-len // 4` tokens — 64 with the defaults — before pairing it
    with a passage, so the end of a long query is never seen, with any passage. Questions with a
    long preamble lose the part that asks.

    ## Example
    A 118-token "Question: … Incorrect Answer: …" query: the answer, at the end, is cut.

    ## Fix
    Put the part that matters first, shorten the query, or raise `query-max-len` in the run
    (and in rerank-lint's settings).
    """

    code, name, severity = "RL305", "query-cut", Severity.WARNING
    trainers = (FLAGEMBEDDING,)
    summary = "FlagEmbedding cuts the query itself"

    def check_record(self, record, report):
        ref = record.query_ref
        if ref is None:
            return
        budget = TrainerBudget(self.settings, report.context)
        if budget.trainer != FLAGEMBEDDING:
            return
        key, query = ref
        query_prompt, _ = record_prompts(record)
        limit = budget.query_limit()
        if upper_bound(query_prompt + query) <= limit:
            return
        offsets = budget.tokens.offsets(query_prompt + query)
        if len(offsets) <= limit:
            return
        start = max(0, offsets[limit][0] - len(query_prompt))
        prompt = " (with its query_prompt)" if query_prompt else ""
        count = f"{len(offsets)}" if exact(query_prompt + query) else f"more than {len(offsets)}"
        s = self.settings
        report.at_text(self, key, None, start, len(query),
                       f"the query{prompt} has {count} tokens; FlagEmbedding keeps the first {limit} "
                       f"(query-max-len {s.query_max_len} + passage-max-len {s.passage_max_len} // 4) with every passage, from here")


class _PairOverBudget(RecordRule):
    role_name: str

    def passages(self, record):
        raise NotImplementedError

    def check_record(self, record, report):
        ref = record.query_ref
        if ref is None:
            return
        query_key, query = ref
        budget = TrainerBudget(self.settings, report.context)
        query_prompt, passage_prompt = record_prompts(record)
        query_bound = upper_bound(query)
        for key, index, passage in self.passages(record):
            if budget.fits_for_sure(query_bound, upper_bound(passage), query_prompt, passage_prompt):
                continue
            if budget.trainer == COHERE and budget.tokens.count(query) >= self.settings.token_budget:
                return  # RL303 reports the query itself
            cut = budget.cut(query, passage, query_prompt, passage_prompt)
            # A query that FlagEmbedding caps on its own side loses the same tokens with every
            # passage: RL305 says it once. Here, the pairs whose passage is cut.
            if not cut.passage.lost and not (budget.trainer != FLAGEMBEDDING and cut.query.lost):
                continue
            self._report(report, record, budget, cut, query_key, query, key, index, passage)

    def _report(self, report, record, budget, cut, query_key, query, key, index, passage):
        q, p = cut.query, cut.passage
        more = "" if exact(query) and exact(passage) else "more than "
        special = f" + {cut.special_tokens} special" if cut.special_tokens else ""
        total = q.total + p.total + cut.special_tokens
        if budget.trainer == FLAGEMBEDDING and q.lost:
            query_count = f"{q.total} tokens, cut to {q.kept}"
        else:
            query_count = f"{q.total} tokens"
        head = (f"query ({query_count}) + {self.role_name} ({more}{p.total} tokens){special} = {more}{total} > {cut.max_length} "
                f"({budget.limit_text()}): {budget.trainer} ")
        if p.lost:
            head += (f"cuts the last {p.lost} tokens of the {self.role_name} (keeps {p.kept}; {p.lost_share:.0%} of it is "
                     f"never seen), from here")
        else:
            head += f"keeps the whole {self.role_name}"
        if q.lost and budget.trainer != FLAGEMBEDDING:
            head += f"; longest_first cuts the last {q.lost} tokens of the query too"
        if cut.overflow:
            head += f" ({cut.overflow})"
        related = []
        if q.lost and q.cut_start is not None and budget.trainer != FLAGEMBEDDING:
            start, end = record.text_bytes(query_key, None, q.cut_start, q.cut_end)
            related.append(Related(report.context.path, Range.in_line(record.line, record.content, start, end),
                                   f"the {q.lost} tokens of the query {budget.trainer} cuts"))
        if p.lost and p.cut_start is not None:
            report.at_text(self, key, index, p.cut_start, p.cut_end, head, related=related)
        else:
            report.at_text(self, query_key, None, q.cut_start or 0, q.cut_end or len(query), head)


class RelevantOverBudget(_PairOverBudget):
    """Query + relevant passage longer than the trainer's limit: the end is cut.

    ## Why it matters
    Serves every trainer, each with its own cut (`trainer`). Cohere kept the whole query and cut
    the passage at 510 tokens; FlagEmbedding cuts at `query-max-len + passage-max-len` (32 + 128
    by default) and takes the tokens from the passage; sentence-transformers cuts `longest_first`
    at `max-length`, so a long query is cut too (the query's lost part is a related place). If
    the part that answers the query is after the cut, the model learns that an unrelated
    beginning is relevant. The underlined range is exactly what training never sees; the message
    gives the counts and the share of the passage lost. Counts come from `model`'s tokenizer
    when set (exact, special tokens included), else from `tokenizer` (cl100k_base, a proxy).

    ## Example
    A 40-token query with a 600-token passage: Cohere cuts the last 130 tokens.

    ## Fix
    Put the snippet that answers the query into the passage, split long documents into passages
    that fit with their query, or raise the trainer's limit (`max-length`, `passage-max-len`).
    """

    code, name, severity = "RL301", "relevant-over-budget", Severity.WARNING
    summary = "query + relevant passage exceed the trainer's limit"
    role_name = "relevant passage"

    def passages(self, record):
        if record.schema.format is Format.ST:
            return record.pairs()[:1] if _st_positive_first(record) else []
        return [(record.schema.relevant_key, i, t) for i, t in record.relevant()]


class NegativeOverBudget(_PairOverBudget):
    """Query + hard negative longer than the trainer's limit: the end is cut.

    ## Why it matters
    Serves every trainer: each query + negative pair is cut like a query + positive pair (see
    RL301). A cut negative is shorter than it looks; very long negatives also differ in length
    from the positives, a shortcut the model can learn.

    ## Example
    A 30-token query with a 700-token hard negative.

    ## Fix
    Trim hard negatives to passages of the same size as the relevant ones.
    """

    code, name, severity = "RL302", "negative-over-budget", Severity.WARNING
    summary = "query + hard negative exceed the trainer's limit"
    role_name = "hard negative"

    def passages(self, record):
        if record.schema.format is Format.ST:
            pairs = record.pairs()
            return pairs[1:] if _st_positive_first(record) else pairs
        return [(record.schema.negative_key, i, t) for i, t in record.negatives()]


def _st_positive_first(record) -> bool:
    """Whether a sentence-transformers record's first passage column is its positive (pair,
    triplet, n-tuple); labeled pairs and lists are judged by their labels, all as passages."""
    return record.layout.kind in ("pair", "triplet", "n-tuple", "n-tuple-scores")


class TrainerLengthDefaults(TallyRule):
    """Most pairs are far longer than FlagEmbedding's length settings.

    ## Why it matters
    Serves FlagEmbedding. Its reranker cuts every pair at `query_max_len + passage_max_len`
    tokens, 32 + 128 by default — not 510. When the typical pair of a file is more than twice
    that, training with the defaults throws most of each passage away; the per-pair warnings
    (RL301, RL302) then say so for nearly every record. Reported once per file, with the
    values in force.

    ## Example
    Passages of about 400 tokens trained with `--query_max_len 32 --passage_max_len 128`.

    ## Fix
    Pass the lengths you train with to rerank-lint (`query-max-len`, `passage-max-len`) and to
    the trainer (FlagEmbedding's own example run uses 512 and 512; bge-reranker-v2 accepts up to
    8192), or split passages.
    """

    code, name, severity = "RL304", "trainer-length-defaults", Severity.INFO
    trainers = (FLAGEMBEDDING,)
    summary = "most pairs are far longer than FlagEmbedding's query/passage lengths"

    counts = 2  # query + passage pairs, and those over twice the lengths

    def tally(self, record, context):
        trainer = context.trainer
        if trainer is None or trainer.name != FLAGEMBEDDING:
            return None
        ref = record.query_ref
        if ref is None:
            return None
        s = self.settings
        far = 2 * (s.query_max_len + s.passage_max_len)
        query = ref[1]
        query_bound = upper_bound(query)
        query_tokens = None
        pairs = long = 0
        for _, _, passage in record.pairs():
            pairs += 1
            if query_bound + upper_bound(passage) <= far:
                continue
            tokens = context.cut_tokenizer
            if query_tokens is None:
                query_tokens = tokens.count(query)
            if query_tokens + tokens.count(passage) > far:
                long += 1
        return Tally((pairs, long))

    def conclude(self, report, context, totals, marks):
        pairs, long = totals
        if not pairs or long * 2 <= pairs:
            return
        s = self.settings
        defaults = " (FlagEmbedding's defaults)" if (s.query_max_len, s.passage_max_len) == (32, 128) else ""
        report.at_file(self, f"{long} of {pairs} query + passage pairs have more than {2 * (s.query_max_len + s.passage_max_len)} "
                             f"tokens, over twice query-max-len {s.query_max_len} + passage-max-len {s.passage_max_len}{defaults}: "
                             f"most of each passage is cut; set `query-max-len` / `passage-max-len` to your run's values")

