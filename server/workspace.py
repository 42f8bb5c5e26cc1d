"""Settings per file, config files, baselines, and the reload when one of them changes.

A document's settings: its file's config (found upward as on the command line) or the
explicit `configFile`, then initializationOptions, then workspace/didChangeConfiguration
(server/README.md, Settings). A config change (watched files, a modification-time check
before each lint, a saved file of a train/eval pair) re-checks every open document.
"""

from __future__ import annotations

import logging
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from rerank_lint.errors import ConfigError
from rerank_lint.lint.baseline import Baseline, BaselineError
from rerank_lint.settings import CONFIG_FILES, Settings, load_config, settings_for as file_settings

from server.interface import Server, capability
from server.state import DocumentState

log = logging.getLogger(__name__)


# --- handlers ------------------------------------------------------------------------------

def initialize(ls: Server, params: types.InitializeParams) -> None:
    # Pull or push, never both (server/app.py). A client that pulls but cannot be asked to
    # pull again (no workspace/diagnostic/refresh: Neovim 0.11) would miss the results that
    # arrive on their own (semantic rules, config reloads) until its next edit: it gets push.
    ls.refresh_support = bool(capability(ls, "workspace", "diagnostics", "refresh_support"))
    ls.pull_mode = capability(ls, "text_document", "diagnostic") is not None and ls.refresh_support
    root = params.root_uri or (from_fs_path(params.root_path) if params.root_path else None)
    if params.workspace_folders:
        root = params.workspace_folders[0].uri
    root_path = to_fs_path(root) if root and root.startswith("file:") else None
    ls.root_path = Path(root_path) if root_path else None
    options = params.initialization_options or {}
    if isinstance(options, dict):
        settings = options.get("settings", options)
        settings = dict(settings) if isinstance(settings, dict) else {}
        ls.init_config = config_file_option(options.get("configFile", settings.pop("configFile", None)))
        settings.pop("configFile", None)
        ls.init_options = settings


def initialized(ls: Server, params: types.InitializedParams) -> None:
    """Watch the config files (the same names the upward search looks for)."""
    if capability(ls, "workspace", "did_change_watched_files", "dynamic_registration"):
        watchers = [types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_FILES]
        registration = types.Registration(
            id="rerank-lint-config", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers))
        ls.client_register_capability(types.RegistrationParams([registration]))


def did_change_watched_files(ls: Server, params: types.DidChangeWatchedFilesParams) -> None:
    ls.reload()


def did_change_configuration(ls: Server, params: types.DidChangeConfigurationParams) -> None:
    settings = params.settings
    if isinstance(settings, dict):
        settings = settings.get("rerank-lint", settings)
        settings = dict(settings) if isinstance(settings, dict) else {}
        ls.client_config = config_file_option(settings.pop("configFile", None))
        ls.client_settings = settings
    ls.reload()


def saved(ls: Server, uri: str) -> None:
    """A file was saved: it may be a config file, or the other side of a train/eval pair (read
    from disk by the leak rules)."""
    if ls.config_changed_on_disk() or any(is_counterpart(s, uri) for s in ls.documents.values()):
        ls.reload()


# --- settings ------------------------------------------------------------------------------

def config_file_option(value) -> str | None:
    """A `configFile` option: a non-empty string, else None (search upward as usual)."""
    return value.strip() if isinstance(value, str) and value.strip() else None


def config_file(ls: Server) -> Path | None:
    """The explicit config file, if any: the editor settings' `configFile`, else
    initializationOptions.configFile, else `--config`. Relative paths are relative to the
    workspace root (else the server's working directory)."""
    for value in (ls.client_config, ls.init_config):
        if value:
            path = Path(value).expanduser()
            if not path.is_absolute():
                path = (ls.root_path or Path.cwd()) / path
            return path
    return ls.cli_config


def settings_for(ls: Server, path: Path | None) -> Settings:
    """The file's config (or the explicit `configFile`), then initializationOptions, then
    workspace/didChangeConfiguration."""
    settings = Settings()
    explicit = config_file(ls)
    try:
        if explicit is not None:
            settings = load_config(explicit)
            if path is not None:
                settings = settings.for_file(path)
        elif path is not None:
            settings = file_settings(path).for_file(path)
    except ConfigError as exc:
        ls.show_error(f"rerank-lint: {exc}; using the defaults")
    if explicit is not None:
        ls.config_mtimes[explicit] = mtime(explicit)  # also when missing: it may appear
    elif settings.source is not None:
        ls.config_mtimes[settings.source] = mtime(settings.source)
    for where, overrides in (("initializationOptions", ls.init_options), ("editor settings", ls.client_settings)):
        if overrides:
            try:
                # As on the command line, `ignore` and `extend-select` add to the file's (merged).
                settings = settings.merged(dict(overrides), where)
            except ConfigError as exc:
                ls.show_error(f"rerank-lint: {exc}; ignored")
    return settings


def baseline_for(ls: Server, settings: Settings) -> Baseline | None:
    if not settings.baseline:
        return None
    try:
        return Baseline.load(settings.resolve(settings.baseline))
    except BaselineError as exc:
        ls.show_error(f"rerank-lint: {exc}")
        return None


def refresh_settings(ls: Server, state: DocumentState) -> None:
    """(loop) The document's settings and baseline, read again."""
    state.settings = ls.settings_for(state.path)
    state.baseline = ls.baseline_for(state.settings)


def reload(ls: Server) -> None:
    """The configuration changed: every open document is checked again from scratch."""
    ls.config_mtimes.clear()  # what the new settings read is recorded again
    for state in ls.documents.values():
        refresh_settings(ls, state)
        state.request_rebuild()
        state.refresh_after_lint = True  # a pull client asked for nothing: tell it
        ls.schedule(state)


def config_changed_on_disk(ls: Server) -> bool:
    return any(mtime(p) != m for p, m in ls.config_mtimes.items())


def show_error(ls: Server, message: str) -> None:
    log.warning(message)
    try:
        ls.window_show_message(types.ShowMessageParams(types.MessageType.Error, message))
    except Exception:  # noqa: BLE001 - before initialize there is no client to tell
        pass


def mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


def is_counterpart(state: DocumentState, uri: str) -> bool:
    """Whether `uri` is the other file of the document's train/eval pair."""
    context = state.inc.context
    return any(p is not None and from_fs_path(str(p.resolve())) == uri for p in (context.eval_path, context.train_path))
