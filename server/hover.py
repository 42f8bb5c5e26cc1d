"""Hover, inlay hints and the code lens: token counts against the file's trainer's limit and
what it cuts (the same budget and cut as the RL3xx rules), the rules' docs,
the nearest query from the last semantic pass, the file's summary. Read from the lint state
on the lint worker (`in_lint_thread`)."""

from __future__ import annotations

import logging
from collections import Counter

from lsprotocol import types

from rerank_lint.rules.length import TrainerBudget, record_prompts
from rerank_lint.rules.registry import REGISTRY
from rerank_lint.trainers.profiles import COHERE, FLAGEMBEDDING

from server.document import char_index
from server.interface import Server
from server.state import DocumentState

log = logging.getLogger(__name__)

OVER_BUDGET = ("RL301", "RL302")
NO_NEGATIVES = ("RL408", "RL108")


# --- handlers -------------------------------------------------------------------------------

async def hover(ls: Server, params: types.HoverParams):
    state = ls.documents.get(params.text_document.uri)
    if state is None:
        return None
    found = await ls.in_lint_thread(state, hover_parts, state, params.position)
    if not found:
        return None
    parts, query = found
    if query is not None:  # on a query: its nearest other query, from the last semantic pass
        nearest = await ls.semantic.nearest_query(state, query)
        if nearest is not None:
            line, other, score = nearest
            parts[0] += f"\n\nnearest query (cosine {score:.2f}, line {line + 1}): {other!r}"
    text = "\n\n---\n\n".join(parts)
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text)) if text else None


async def inlay_hint(ls: Server, params: types.InlayHintParams):
    state = ls.documents.get(params.text_document.uri)
    if state is None:
        return []
    return await ls.in_lint_thread(state, inlay_hints, state, params.range.start.line, params.range.end.line) or []


async def code_lens(ls: Server, params: types.CodeLensParams):
    state = ls.documents.get(params.text_document.uri)
    if state is None:
        return []
    summary = await ls.in_lint_thread(state, file_summary, state)
    if not summary:
        return []
    zero = types.Range(types.Position(0, 0), types.Position(0, 0))
    return [types.CodeLens(range=zero, command=types.Command(title=summary, command=""))]


# --- on the lint worker -------------------------------------------------------------------

def _field_at(record, byte: int):
    """(key, index or None) of the field value or list element under a byte offset."""
    for key, spans in record.spans.fields.items():
        span = spans[-1]
        if not span.key_start <= byte <= span.value_end:
            continue
        for index, (start, end) in enumerate(span.elements):
            if start <= byte <= end:
                return key, index
        return key, None
    return None


def hover_parts(state: DocumentState, position: types.Position) -> tuple[list[str], str | None]:
    """The hover's sections (the field's token counts first, then the rules' docs of the
    diagnostics on the line), and the query when the hover is on one."""
    line = position.line
    parts: list[str] = []
    query = None
    for d in state.diagnostics():
        r = d.range
        if r.start.line <= line <= r.end.line and d.code in REGISTRY:
            cls = REGISTRY[d.code]
            parts.append(f"**{d.code} {cls.name}**: {d.message}\n\n{cls.doc()}")
    line_state = state.state_at(line)
    record = line_state.record if line_state is not None else None
    if record is not None:
        text = state.doc.lines[line]
        char = char_index(text, position.character - state.doc.column_shift(line), state.doc.encoding)
        byte = len(text[:char].encode("utf-8", "surrogatepass"))
        found = _field_at(record, byte)
        if found is not None:
            info = _token_info(state, record, *found)
            if info:
                parts.insert(0, info)
                if record.query_ref is not None and found == (record.query_ref[0], None):
                    query = record.query_ref[1]
    if line == 0:
        parts.insert(0, trainer_info(state))
    return parts, query


def trainer_info(state: DocumentState) -> str:
    """Which trainer the file is judged by, and how it was chosen: every diagnostic depends on it."""
    choice = state.inc.context.trainer
    if choice is None:
        return "**trainer**: not known yet (no record says; set `trainer` in the config)"
    how = "set in the config" if choice.how == "set" else "detected from the records; set `trainer` in the config to change it"
    return f"**trainer**: {choice.profile.title} — `{choice.name}` ({how})"


def _token_info(state: DocumentState, record, key: str, index: int | None) -> str | None:
    """Token counts of the query or of a (query, passage) pair under the hover, and what the
    file's trainer cuts of them: the RL3xx rules' own budget and cut (`TrainerBudget`)."""
    query_ref = record.query_ref
    if query_ref is None:
        return None
    budget = TrainerBudget(state.settings, state.inc.context)
    query_key, query = query_ref
    query_prompt, passage_prompt = record_prompts(record)
    try:
        if key == query_key and index is None:
            return _query_info(budget, key, query, query_prompt)
        passage = next((text for k, i, text in record.pairs() if k == key and i == index), None)
        if passage is None:
            return None
        cut = budget.cut(query, passage, query_prompt, passage_prompt)
        return _pair_info(budget, cut, key if index is None else f"{key}[{index}]", passage)
    except Exception:  # noqa: BLE001 - a tokenizer problem is already a diagnostic
        log.exception("token counts for the hover failed")
        return None


def _query_info(budget: TrainerBudget, key: str, query: str, query_prompt: str) -> str:
    limit = budget.query_limit()
    if budget.trainer == COHERE:
        n = budget.tokens.count(query)
        return f"**{key}**: {n} tokens of the {limit}-token budget; {max(limit - n, 0)} left for a passage"
    if budget.trainer == FLAGEMBEDDING:
        n = budget.tokens.count(query_prompt + query)
        s = budget.settings
        text = (f"**{key}**: {n} tokens{' with its query_prompt' if query_prompt else ''}; FlagEmbedding keeps the first "
                f"{limit} of any query (query-max-len {s.query_max_len} + passage-max-len {s.passage_max_len} // 4)")
        return text + (f": the last {n - limit} are never seen" if n > limit else "")
    n = budget.tokens.count(query)
    return (f"**{key}**: {n} tokens of the {limit} that {budget.limit_text()} leaves for text; longest_first cuts "
            f"the longer side of each pair first, the query too")


def _pair_info(budget: TrainerBudget, cut, where: str, passage: str) -> str:
    q, p = cut.query, cut.passage
    special = f" + {cut.special_tokens} special" if cut.special_tokens else ""
    text = (f"**{where}**: query {q.total} + passage {p.total}{special} = {q.total + p.total + cut.special_tokens} "
            f"tokens of {cut.max_length} ({budget.limit_text()})")
    if p.lost and p.cut_start is not None:
        at = p.cut_start
        text += (f"\n\nthe passage is cut after {p.kept} tokens by {budget.trainer} ({p.lost_share:.0%} of it lost): training never "
                 f"sees `…{passage[max(at - 40, 0):at]}` ✂ `{passage[at:at + 40]}…`")
    if q.lost:
        how = "caps every query" if budget.trainer == FLAGEMBEDDING else "cuts longest_first"
        text += f"\n\nthe query loses its last {q.lost} tokens too ({budget.trainer} {how})"
    if cut.overflow:
        text += f"\n\n{cut.overflow}"
    return text


def inlay_hints(state: DocumentState, first: int, last: int) -> list[types.InlayHint]:
    """At the end of each record: its query with its first relevant passage (else its first
    passage), in tokens against the trainer's limit for a pair, as the RL3xx rules count them."""
    budget = TrainerBudget(state.settings, state.inc.context)
    hints = []
    for line in range(first, min(last + 1, len(state.inc.states))):
        line_state = state.state_at(line)
        record = line_state.record if line_state is not None else None
        query_ref = record.query_ref if record is not None else None
        passages = record.passages() if query_ref is not None else []
        if not passages:
            continue
        passage = next((p for p in passages if p.relevant), passages[0])
        try:
            cut = budget.cut(query_ref[1], passage.text, *record_prompts(record))
        except Exception:  # noqa: BLE001
            continue
        total = cut.query.total + cut.passage.total + cut.special_tokens
        end = state.doc.end_position(line)
        label = f" query+passage {total}/{cut.max_length} tokens" + (f" ({budget.trainer} cuts it)" if cut.cut else "")
        hints.append(types.InlayHint(position=types.Position(*end), label=label, padding_left=True))
    return hints


def file_summary(state: DocumentState) -> str:
    inc = state.inc
    codes = Counter(d.code for d in state.diagnostics())
    unique = None
    for g, rule in enumerate(inc.group_rules):
        if rule.code == "RL401":
            unique = len(inc.groups[g])
    queries = f"{unique} unique queries" if unique is not None else ""
    parts = [f"{inc.records} records", queries,
             f"{sum(codes[c] for c in NO_NEGATIVES)} without hard negatives",
             f"{sum(codes[c] for c in OVER_BUDGET)} over-budget pairs"]
    return "rerank-lint: " + " · ".join(p for p in parts if p)
