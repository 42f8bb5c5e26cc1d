"""Code actions: a quick fix per fixable diagnostic (the engine's `Fix`), "add to baseline"
(the `rerank-lint.addToBaseline` command), and `source.fixAll.rerank-lint` (the CLI's
`--fix` loop). The actions are built on the lint worker, from the current lint state."""

from __future__ import annotations

import asyncio
import io
from collections import Counter

from lsprotocol import types

from rerank_lint.lint.baseline import DEFAULT_NAME, Baseline, BaselineError
from rerank_lint.lint.fixes import allowed, apply_edits, plan_fixes, rewrite
from rerank_lint.lint.fixes import valid_json

from server.convert import SOURCE, diagnostic_json, fix_edits, uri_of, whole_line_edits
from server.document import TextDocument, char_index
from server.interface import Server
from server.state import DocumentState

FIX_ALL_KIND = "source.fixAll.rerank-lint"
ADD_TO_BASELINE = "rerank-lint.addToBaseline"
KINDS = [types.CodeActionKind.QuickFix, FIX_ALL_KIND]
TITLE_TEXT = 40  # characters of the offending text shown in a code action's title


# --- handlers -------------------------------------------------------------------------------

async def code_action(ls: Server, params: types.CodeActionParams):
    state = ls.documents.get(params.text_document.uri)
    if state is None:
        return []
    return await ls.in_lint_thread(state, code_actions, ls, state, params) or []


def add_to_baseline_command(ls: Server, uri: str, code: str, record: str) -> None:
    """The `rerank-lint.addToBaseline` command (the quick fix's): one more entry for the
    diagnostic's rule and record, in the document's baseline file."""
    state = ls.documents.get(uri)
    if state is None:
        return
    settings = state.settings
    target = settings.resolve(settings.baseline) if settings.baseline else settings.root / DEFAULT_NAME
    try:
        baseline = Baseline.load(target) if target.exists() else Baseline()
    except BaselineError as exc:
        ls.show_error(f"rerank-lint: {exc}")
        return
    baseline.counts[(state.baseline_path, code, record)] += 1
    baseline.write(target)
    if not settings.baseline:
        # Without a `baseline` setting the file would be ignored: point the documents at it.
        ls.client_settings = {**ls.client_settings, "baseline": str(target)}
    for other in ls.documents.values():
        other.settings = ls.settings_for(other.path)
        other.baseline = ls.baseline_for(other.settings)
        asyncio.get_running_loop().create_task(ls.publish(other))


# --- on the lint worker ---------------------------------------------------------------------

def code_actions(ls: Server, state: DocumentState, params: types.CodeActionParams) -> list[types.CodeAction]:
    only = params.context.only
    wanted = lambda kind: only is None or any(kind == k or kind.startswith(f"{k}.") for k in only)  # noqa: E731
    actions: list[types.CodeAction] = []
    if wanted(types.CodeActionKind.QuickFix):
        chosen = diagnostics_for_actions(state, params)
        fixes = [a for a in (quick_fix(ls, state, d, j) for d, j in chosen) if a is not None]
        baselines = [baseline_action(ls, state, d, j) for d, j in chosen]
        for group in (fixes, baselines):
            titles = Counter(a.title for a in group)
            for a in group:
                if titles[a.title] > 1:  # the same text twice in range: say where each is
                    start = a.diagnostics[0].range.start
                    a.title += f" at {start.line + 1}:{start.character + 1}"
            actions += group
    if wanted(FIX_ALL_KIND):
        edits = fix_all_edits(state)
        if edits:
            actions.append(types.CodeAction(title="rerank-lint: fix all safe problems", kind=FIX_ALL_KIND,
                                            edit=workspace_edit(ls, state, edits)))
    return actions


def diagnostics_for_actions(state: DocumentState, params: types.CodeActionParams) -> list[tuple]:
    """The diagnostics a code action request is about, each with its LSP JSON: those the
    client names in `context.diagnostics` (ours, matched by code and range), else those whose
    range overlaps the requested range (a cursor touching one counts)."""
    r = params.range
    first, last = min(r.start.line, r.end.line), max(r.start.line, r.end.line)
    candidates = [d for d in state.diagnostics() if d.range.start.line <= last and d.range.end.line >= first]
    found = [(d, diagnostic_json(d, state.doc, 0, uri_of, state.settings.docs_url)) for d in candidates]
    named = [c for c in params.context.diagnostics or () if c.source in (None, SOURCE)]
    if named:
        keys = {(_code(c.code), _pos(c.range.start), _pos(c.range.end)) for c in named}
        return [(d, j) for d, j in found
                if (d.code, _jpos(j["range"]["start"]), _jpos(j["range"]["end"])) in keys]
    lo, hi = sorted((_pos(r.start), _pos(r.end)))
    return [(d, j) for d, j in found
            if _jpos(j["range"]["start"]) <= hi and _jpos(j["range"]["end"]) >= lo]


def quick_fix(ls: Server, state: DocumentState, d, item: dict) -> types.CodeAction | None:
    fix = d.fix
    if fix is None:
        return None
    edits = fix_edits(fix, state.doc)
    if not edits or not leaves_valid_json(state, fix):
        return None
    unsafe = not allowed(fix, unsafe=False)
    description = fix.description[:1].upper() + fix.description[1:]
    title = f"{description}{_quoted(_text_in(state.doc, item['range']))} ({d.code}{', unsafe' if unsafe else ''})"
    return types.CodeAction(
        title=title, kind=types.CodeActionKind.QuickFix, is_preferred=not unsafe,
        diagnostics=[ls.protocol.structure(item, types.Diagnostic)], edit=workspace_edit(ls, state, edits),
    )


def leaves_valid_json(state: DocumentState, fix) -> bool:
    """A quick fix that would leave a line that no longer parses is not offered."""
    lines = {e.line for e in fix.edits if hasattr(e, "start")}
    for line in lines:
        content = state.doc.engine_line(line)[0]
        fixed, _ = apply_edits(content, [fix], line)
        if not valid_json(fixed):
            return False
    return True


def baseline_action(ls: Server, state: DocumentState, d, item: dict) -> types.CodeAction:
    return types.CodeAction(
        title=f"Add {d.code}{_quoted(_text_in(state.doc, item['range']))} to the rerank-lint baseline",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[ls.protocol.structure(item, types.Diagnostic)],
        command=types.Command(title="add to baseline", command=ADD_TO_BASELINE,
                              arguments=[state.doc.uri, d.code, d.record_key or "file"]),
    )


def workspace_edit(ls: Server, state: DocumentState, edits: list[dict]) -> types.WorkspaceEdit:
    text_edits = [ls.protocol.structure(e, types.TextEdit) for e in edits]
    return types.WorkspaceEdit(changes={state.doc.uri: text_edits})


def fix_all_edits(state: DocumentState) -> list[dict]:
    """The CLI's `--fix` over the document: same plan, same fix loop, as whole-line edits."""
    plan = plan_fixes(state.diagnostics(), unsafe=False)
    if plan.empty:
        return []
    data = state.doc.text().encode("utf-8", "surrogatepass")
    outcome = rewrite(io.BytesIO(data), None, plan, state.linter, keep_changes=True)
    return whole_line_edits(outcome.changed_lines, state.doc)


def _pos(p: types.Position) -> tuple[int, int]:
    return (p.line, p.character)


def _jpos(p: dict) -> tuple[int, int]:
    return (p["line"], p["character"])


def _code(code) -> str:
    return str(code) if code is not None else ""


def _text_in(doc: TextDocument, r: dict) -> str:
    """The document text of a one-line LSP range (empty for a range over several lines)."""
    start, end = r["start"], r["end"]
    if start["line"] != end["line"] or not 0 <= start["line"] < len(doc.lines):
        return ""
    text = doc.lines[start["line"]]
    return text[char_index(text, start["character"], doc.encoding):char_index(text, end["character"], doc.encoding)]


def _quoted(text: str) -> str:
    text = text.strip()
    if not text or "\n" in text:
        return ""
    if len(text) > TITLE_TEXT:
        text = text[:TITLE_TEXT - 1] + "…"
    return f" `{text.replace('`', chr(0x2018))}`"
