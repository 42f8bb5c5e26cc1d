"""Hover, inlay hints and the code lens: token counts against the budget, the rules' docs,
the nearest query from the last semantic pass, the file's summary. Read from the lint state
on the lint worker (`in_lint_thread`)."""

from __future__ import annotations

import logging
from collections import Counter

from lsprotocol import types

from rerank_lint.rules.registry import REGISTRY

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
                if found[0] == "query":
                    query = record.query
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
    tokenizer = state.inc.context.tokenizer
    budget = state.settings.token_budget
    query = record.query
    try:
        if key == "query" and query is not None:
            n = tokenizer.count(query)
            return f"**query**: {n} tokens of the {budget}-token budget; {max(budget - n, 0)} left for a passage"
        value = record.data.get(key)
        if index is None or not isinstance(value, list) or not isinstance(value[index], str) or query is None:
            return None
        passage = value[index]
        q, p = tokenizer.count(query), tokenizer.count(passage)
        text = f"**{key}[{index}]**: query {q} + passage {p} = {q + p} tokens of {budget}"
        if q + p > budget:
            keep = max(budget - q, 0)
            offsets = tokenizer.encode_offsets(passage)
            cut = offsets[keep] if keep < len(offsets) else len(passage)
            text += (f"\n\nthe passage is cut after {keep} tokens: training never sees "
                     f"`…{passage[max(cut - 40, 0):cut]}` ✂ `{passage[cut:cut + 40]}…`")
        return text
    except Exception:  # noqa: BLE001 - a tokenizer problem is already a diagnostic
        log.exception("token counts for the hover failed")
        return None


def inlay_hints(state: DocumentState, first: int, last: int) -> list[types.InlayHint]:
    tokenizer = state.inc.context.tokenizer
    budget = state.settings.token_budget
    hints = []
    for line in range(first, min(last + 1, len(state.inc.states))):
        line_state = state.state_at(line)
        record = line_state.record if line_state is not None else None
        if record is None or record.query is None or not record.relevant():
            continue
        try:
            total = tokenizer.count(record.query) + tokenizer.count(record.relevant()[0][1])
        except Exception:  # noqa: BLE001
            continue
        end = state.doc.end_position(line)
        hints.append(types.InlayHint(position=types.Position(*end), label=f" query+passage {total}/{budget} tokens",
                                     padding_left=True))
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
