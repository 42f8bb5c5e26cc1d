"""A persistent embedding cache in SQLite, shared by every run and process of the user.

Keys are hashes of (model identity, text), so a text is embedded once per model, ever. The
cache is an optimisation, never a requirement: a corrupt file is moved aside and rebuilt, a
read-only folder or file is read without writing, and if even that fails the run goes on
without a cache. Each of these says so once on stderr.

Several processes (pre-commit runs hooks in parallel) share the file safely: WAL journaling
lets readers run while one process writes, and writers wait for each other (busy timeout).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
from pathlib import Path
from typing import Iterable

from rerank_lint.semantic import notify

FILE_NAME = "embeddings.sqlite3"
SCHEMA_VERSION = 1
# Parameters per SELECT ... IN (...): below SQLite's oldest default limit (999).
LOOKUP_CHUNK = 900
BUSY_TIMEOUT_S = 60.0

_CORRUPT_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


def default_cache_dir() -> Path:
    """The user's cache folder for rerank-lint, as each platform expects it."""
    env = os.environ.get("RERANK_LINT_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "rerank-lint" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "rerank-lint"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rerank-lint"


def cache_dir_for(settings) -> Path | None:
    """The cache folder the settings ask for; None when the cache is turned off."""
    value = settings.semantic_cache_dir
    if value is None:
        return default_cache_dir()
    if value.strip().lower() in ("none", "off", "false"):
        return None
    return settings.resolve(value)


def text_key(model_identity: str, text: str) -> bytes:
    digest = hashlib.blake2b(model_identity.encode("utf-8"), digest_size=16)
    digest.update(b"\x00")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.digest()


def _is_corrupt(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _CORRUPT_CODES
    message = str(exc).lower()
    return "malformed" in message or "not a database" in message


class EmbeddingCache:
    """Vectors (float32 bytes) by key. Every method degrades to a miss or a no-op on failure."""

    def __init__(self, folder: Path | None):
        self.path = folder / FILE_NAME if folder is not None else None
        self.writable = False
        self._conn: sqlite3.Connection | None = None
        self._rebuilt = False
        if self.path is not None:
            self._open()

    @property
    def usable(self) -> bool:
        return self._conn is not None

    # --- opening ------------------------------------------------------------------------

    def _open(self) -> None:
        try:
            self._conn = self._open_writable()
            self.writable = True
            return
        except sqlite3.Error as exc:
            if _is_corrupt(exc) and self._rebuild(exc):
                return
            reason = exc
        except OSError as exc:
            reason = exc
        self._conn = self._open_read_only()
        if self._conn is not None:
            notify(f"rerank-lint: warning: embedding cache {self.path} is read-only ({reason}); "
                   "new embeddings are not saved")
        else:
            notify(f"rerank-lint: warning: embedding cache {self.path} cannot be used ({reason}); "
                   "running without it")

    def _open_writable(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: safe against corruption, fast
            conn.execute("CREATE TABLE IF NOT EXISTS embedding (key BLOB PRIMARY KEY, vector BLOB NOT NULL) WITHOUT ROWID")
            conn.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            # Reading one row catches a damaged file now rather than halfway through a run.
            conn.execute("SELECT key FROM embedding LIMIT 1").fetchall()
        except BaseException:
            conn.close()
            raise
        return conn

    def _open_read_only(self) -> sqlite3.Connection | None:
        if self.path is None or not self.path.is_file():
            return None
        uri = self.path.resolve().as_uri()
        # `immutable` reads a WAL database in a folder where the -shm file cannot be created.
        for query in ("?mode=ro", "?mode=ro&immutable=1"):
            try:
                conn = sqlite3.connect(uri + query, uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
                conn.execute("SELECT key FROM embedding LIMIT 1").fetchall()
                return conn
            except sqlite3.Error:
                continue
        return None

    def _rebuild(self, reason: Exception) -> bool:
        """Move a corrupt file aside and start an empty cache; once per run."""
        if self._rebuilt or self.path is None:
            return False
        self._rebuilt = True
        self.close()
        notify(f"rerank-lint: warning: embedding cache {self.path} is corrupt ({reason}); it is rebuilt")
        try:
            # Another process may have moved it already: that is as good.
            os.replace(self.path, self.path.with_name(self.path.name + ".corrupt"))
        except FileNotFoundError:
            pass
        except OSError:
            return False
        for suffix in ("-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)
        try:
            self._conn = self._open_writable()
            self.writable = True
            return True
        except (sqlite3.Error, OSError):
            self._conn = None
            return False

    def _failed(self, exc: sqlite3.Error, doing: str) -> None:
        if _is_corrupt(exc) and self._rebuild(exc):
            return
        notify(f"rerank-lint: warning: embedding cache {self.path}: {doing} failed ({exc}); running without it")
        self.close()

    # --- use ----------------------------------------------------------------------------

    def get(self, keys: list[bytes]) -> dict[bytes, bytes]:
        found: dict[bytes, bytes] = {}
        if self._conn is None or not keys:
            return found
        try:
            for start in range(0, len(keys), LOOKUP_CHUNK):
                chunk = keys[start:start + LOOKUP_CHUNK]
                marks = ",".join("?" * len(chunk))
                found.update(self._conn.execute(f"SELECT key, vector FROM embedding WHERE key IN ({marks})", chunk))
        except sqlite3.Error as exc:
            self._failed(exc, "reading")
            return {}
        return found

    def put(self, items: Iterable[tuple[bytes, bytes]]) -> None:
        if self._conn is None or not self.writable:
            return
        items = list(items)
        if not items:
            return
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany("INSERT OR IGNORE INTO embedding (key, vector) VALUES (?, ?)", items)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_READONLY:
                notify(f"rerank-lint: warning: embedding cache {self.path} is read-only; new embeddings are not saved")
                self.writable = False
                return
            self._failed(exc, "writing")

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
        self._conn = None
        self.writable = False
