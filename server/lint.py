"""The lint loop: one worker thread runs the cheap rules, one document at a time, from a
snapshot of its lines; edits arriving meanwhile are queued and linted together on the next
run; a result is published only if the document has not changed since the snapshot, so
stale diagnostics never reach the client. Handlers that read the lint state run on that
worker too (`in_lint_thread`), once the document's lint is current.

The first check of a large document (one that gets `$/progress`) is shown as it goes, as
ruff's and typos' servers show results fast: its first `FIRST_PART_LINES` lines, then four times
as many each time, each part published to a push client with the diagnostics of the lines checked
so far, which are final; the last publish, just before the progress ends, is the whole file's.
Edits that arrive meanwhile are applied between parts; once the text has changed, only the
whole result of a version is published, so that the first publish of any edited version is
its complete set. A pull during the first check is answered with the part done (after the
first one), and the client is asked to pull again when the whole file is checked.
"""

from __future__ import annotations

import asyncio
import logging

from server import heap
from server.interface import Server
from server.state import DocumentState

log = logging.getLogger(__name__)

# The first part of a first check: several screenfuls of records, checked in a
# fraction of a second (the whole of a 20,000-record file takes seconds).
FIRST_PART_LINES = 500


def schedule(ls: Server, state: DocumentState, progress: bool = False) -> None:
    """(loop) Lint the document's pending edits, unless a run is on its way already (it will
    pick them up)."""
    if state.task is None or state.task.done():
        state.task = asyncio.get_running_loop().create_task(lint_until_current(ls, state, progress))


async def lint_until_current(ls: Server, state: DocumentState, progress: bool) -> None:
    """Lint what changed, again while edits keep arriving; publish only the latest version."""
    loop = asyncio.get_running_loop()
    # Only a document's first check is shown in parts: a re-check (new settings) keeps the
    # diagnostics on screen until its result replaces them.
    limit = FIRST_PART_LINES if progress and state.linted_version is None else None
    state.in_parts = limit is not None  # before the first await: a pull may come meanwhile
    token = None
    try:
        token = await ls.begin_progress("rerank-lint: checking the file") if progress else None
        while not state.closed:
            if ls.config_changed_on_disk():
                ls.reload()  # this document's rebuild happens in the next run of this loop
            splices, state.pending = state.pending, []
            version, lines = state.doc.version, list(state.doc.lines)
            try:
                message, complete = await loop.run_in_executor(ls.lint_pool, lint_job, state, splices, lines, version,
                                                               ls.pull_mode, limit)
            except Exception:  # noqa: BLE001 - the server must survive any input
                log.exception("linting %s failed; checking it again from scratch", state.doc.uri)
                state.request_rebuild()
                await asyncio.sleep(0.05)
                continue
            if state.closed:
                return
            if not complete:
                limit *= 4  # few parts: each publish carries all the diagnostics found so far
                if message is not None and version == state.opened_version == state.doc.version and not state.pending \
                        and not state.needs_rebuild:
                    ls.write(message)
                if token is not None:
                    ls.report_progress(token, *state.checked_lines)
                state.part_ready.set()
                continue
            if state.pending or state.needs_rebuild or version != state.doc.version:
                continue  # the text moved on; this result is never published
            state.linted_version = version
            if message is not None:
                ls.write(message)
            elif state.refresh_after_lint:
                ls.request_refresh()
            state.refresh_after_lint = False
            if state.settle_heap:
                # By uri, not by state: a closed document must not be kept (and frozen) by the timer.
                loop.call_later(heap.QUIET_SECONDS, settle_if_quiet, ls, state.doc.uri, version)
            ls.semantic.schedule(state)
            return
    finally:
        state.in_parts = False
        state.part_ready.set()
        if token is not None:
            ls.end_progress(token)


def lint_job(state: DocumentState, splices, lines, version, pull_mode: bool,
             limit: int | None) -> tuple[bytes | None, bool]:
    """(worker) Lint (at most `limit` lines of a first check), and build the push message of
    this version; whether every line is checked."""
    complete = state.lint(splices, lines, limit)
    # From here on, the line states describe this version: semantic results of an older
    # text (whose lines may have moved) are not part of what is published for it.
    state.checked_version = version
    # A pulling client asks for the diagnostics when it wants them: nothing to build here.
    return (None if pull_mode else state.publish_message(version)), complete


def settle_if_quiet(ls: Server, uri: str, version) -> None:
    """(loop) Freeze the heap after a full check once the document has been left alone for
    a moment (it takes about half a second on 20k records): an edit arriving meanwhile
    postpones it (the end of that edit's lint asks again)."""
    state = ls.documents.get(uri)
    if state is None or not state.settle_heap:
        return
    if state.doc.version != version or state.pending or (state.task is not None and not state.task.done()):
        return
    state.settle_heap = False
    asyncio.get_running_loop().run_in_executor(ls.lint_pool, heap.settle)


async def in_lint_thread(ls: Server, state: DocumentState, fn, *args):
    """Run `fn` on the lint worker once the document's lint is current (the worker owns the
    lint state); None if the text changed meanwhile."""
    await wait_current(state)
    version = state.doc.version
    result = await asyncio.get_running_loop().run_in_executor(ls.lint_pool, fn, *args)
    if version != state.doc.version or state.pending:
        return None
    return result


async def wait_current(state: DocumentState) -> None:
    while state.task is not None and not state.task.done():
        await asyncio.shield(state.task)
