"""What the feature modules use of the server object: the `Server` protocol, implemented by
`server.app.RerankServer`.

Each feature module (sync, workspace, lint, diagnostics, actions, hover, semantic) is a set of
plain functions that take the server as their first parameter, `ls` (pygls passes it to the
handlers registered in `server/app.py`). A feature reaches another concern only through this
object (`ls.schedule(...)`, `ls.publish(...)`), never by importing its module, so the modules
import only the shared pieces below them (document, convert, state, heap, this one) and
`server/app.py` alone imports them all: no import circle.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Protocol, TypeVar

if TYPE_CHECKING:
    from lsprotocol import types

    from rerank_lint.lint.baseline import Baseline
    from rerank_lint.settings import Settings

    from server.state import DocumentState

T = TypeVar("T")


class SemanticPasses(Protocol):
    """The semantic worker (`server.semantic.SemanticRunner`)."""

    def schedule(self, state: DocumentState) -> None: ...

    async def nearest_query(self, state: DocumentState, query: str) -> tuple[int, str, float] | None: ...


class Server(Protocol):
    # --- state (server/app.py) ---------------------------------------------------------------
    documents: dict[str, DocumentState]
    lint_pool: ThreadPoolExecutor  # the one worker that owns every document's lint state
    semantic: SemanticPasses
    # From the client's capabilities in `initialize` (workspace.py): pull or push, never both.
    pull_mode: bool
    refresh_support: bool
    # Settings sources (workspace.py).
    init_options: dict
    client_settings: dict
    config_mtimes: dict[Path, float]
    cli_config: Path | None
    init_config: str | None
    client_config: str | None
    root_path: Path | None
    # pygls's
    client_capabilities: types.ClientCapabilities
    workspace: Any
    protocol: Any
    work_done_progress: Any

    # --- workspace.py ------------------------------------------------------------------------
    def settings_for(self, path: Path | None) -> Settings: ...

    def baseline_for(self, settings: Settings) -> Baseline | None: ...

    def reload(self) -> None: ...

    def reload_if_saved(self, uri: str) -> None: ...

    def config_changed_on_disk(self) -> bool: ...

    def show_error(self, message: str) -> None: ...

    # --- lint.py -----------------------------------------------------------------------------
    def schedule(self, state: DocumentState, progress: bool = False) -> None: ...

    def in_lint_thread(self, state: DocumentState, fn: Callable[..., T], *args) -> Awaitable[T | None]: ...

    # --- diagnostics.py ----------------------------------------------------------------------
    def publish(self, state: DocumentState) -> Awaitable[None]: ...

    def clear_diagnostics(self, uri: str) -> None: ...

    def request_refresh(self) -> None: ...

    def send_status(self, state: str, message: str) -> None: ...

    def begin_progress(self, title: str) -> Awaitable[str | None]: ...

    def report_progress(self, token: str, done: int, total: int) -> None: ...

    def end_progress(self, token: str) -> None: ...

    def write(self, message: bytes) -> None: ...

    # --- pygls's -----------------------------------------------------------------------------
    def window_show_message(self, params: types.ShowMessageParams) -> None: ...

    def workspace_diagnostic_refresh(self, params: None) -> Any: ...

    def client_register_capability(self, params: types.RegistrationParams) -> Any: ...


def capability(ls: Server, *names: str):
    """The client's capability at `names` (`capability(ls, "window", "work_done_progress")`),
    None when it or a part of its path is absent."""
    obj = ls.client_capabilities
    for name in names:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj
