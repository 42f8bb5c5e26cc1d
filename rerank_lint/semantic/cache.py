"""A persistent embedding cache in SQLite, shared by every run and process of the user.

Keys are hashes of (model identity, text), so a text is embedded once per model, ever. The
cache is an optimisation, never a requirement: a corrupt file is moved aside and rebuilt, a
read-only folder or file is read without writing, and if even that fails the run goes on
without a cache. Each of these says so once on stderr.

What is read is not trusted: given the model (`get(keys, model=...)`), a row whose length is
not the model's width (as recorded by the first `put` for that model, or as the caller knows
it), whose values are not finite, or which is not unit-length is dropped and deleted, so that
it is embedded again; a file written by another tool or damaged on disk changes no result.

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
# The embedder stores unit vectors; float32 rounding of a 4096-wide one stays far inside this.
UNIT_NORM_TOLERANCE = 1e-3

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


def _width_name(model: str) -> str:
    return f"width:{model}"


class EmbeddingCache:
    """Vectors (float32 bytes) by key. Every method degrades to a miss or a no-op on failure."""

    def __init__(self, folder: Path | None):
        self.path = folder / FILE_NAME if folder is not None else None
        self.writable = False
        self._conn: sqlite3.Connection | None = None
        self._rebuilt = False
        self._widths: dict[str, int] = {}  # model identity -> vector width in bytes, from `meta`
        self.dropped = 0  # invalid rows found in this run (each one is embedded again)
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
            # A vector (1.5 kB at 384 dimensions) is more than a 4 kB page keeps in place in a
            # WITHOUT ROWID table, so every row took an overflow page of its own: 4.7 kB a vector
            # (937 MB for 200k). In 16 kB pages the rows stay in the leaves: 1.9 kB. Only a new
            # file takes it (an existing file keeps its page size).
            conn.execute("PRAGMA page_size=16384")
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

    def get(self, keys: list[bytes], *, model: str | None = None, width: int | None = None) -> dict[bytes, bytes]:
        """The stored vectors of `keys`. With `model` (its identity), only valid ones: of the
        model's width in float32 values (`width`, else the one recorded for the model), finite
        and unit-length; without it the raw bytes, as stored."""
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
        if model is not None and found:
            found = self._valid(found, model, None if width is None else 4 * width)
        return found

    def _valid(self, found: dict[bytes, bytes], model: str, expected: int | None) -> dict[bytes, bytes]:
        import numpy as np

        expected = expected or self._recorded_width(model)
        if expected is None:
            # No record of the model's width (a cache from an older version): the rows must
            # at least agree with each other; the commonest length wins.
            lengths: dict[int, int] = {}
            for vector in found.values():
                lengths[len(vector)] = lengths.get(len(vector), 0) + 1
            expected = max(lengths, key=lengths.get)
        good = {k: v for k, v in found.items() if len(v) == expected and expected % 4 == 0 and expected}
        if good:
            keys = list(good)
            matrix = np.frombuffer(b"".join(good[k] for k in keys), dtype=np.float32).reshape(len(keys), -1)
            with np.errstate(all="ignore"):
                norms = np.sqrt(np.einsum("ij,ij->i", matrix.astype(np.float64), matrix.astype(np.float64)))
            ok = np.isfinite(matrix).all(axis=1) & (np.abs(norms - 1.0) <= UNIT_NORM_TOLERANCE)
            good = {k: good[k] for k, keep in zip(keys, ok.tolist()) if keep}
        bad = [k for k in found if k not in good]
        if bad:
            self.dropped += len(bad)
            notify(f"rerank-lint: warning: embedding cache {self.path} holds invalid embeddings (wrong width, "
                   "not finite or not unit-length, as another tool or a damaged disk leaves them); "
                   "they are dropped and computed again")
            self._delete(bad)
        return good

    def _recorded_width(self, model: str) -> int | None:
        if model in self._widths:
            return self._widths[model]
        try:
            row = self._conn.execute("SELECT value FROM meta WHERE name = ?", (_width_name(model),)).fetchone()
        except sqlite3.Error:
            row = None
        width = int(row[0]) if row and str(row[0]).isdigit() else None
        if width is not None:
            self._widths[model] = width
        return width

    def _delete(self, keys: list[bytes]) -> None:
        # `put` never overwrites a row (INSERT OR IGNORE, so parallel writers agree): a bad row
        # left in place would be read, dropped and re-embedded on every run.
        if self._conn is None or not self.writable:
            return
        try:
            for start in range(0, len(keys), LOOKUP_CHUNK):
                chunk = keys[start:start + LOOKUP_CHUNK]
                self._conn.execute(f"DELETE FROM embedding WHERE key IN ({','.join('?' * len(chunk))})", chunk)
        except sqlite3.Error:
            pass  # a failed delete only costs the same recomputation next time

    def put(self, items: Iterable[tuple[bytes, bytes]], *, model: str | None = None) -> None:
        """Store vectors; with `model`, also record their width for `get`'s validation (the
        first width recorded for a model stays, so a later odd row cannot change it)."""
        if self._conn is None or not self.writable:
            return
        items = list(items)
        if not items:
            return
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany("INSERT OR IGNORE INTO embedding (key, vector) VALUES (?, ?)", items)
                if model is not None:
                    self._conn.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (_width_name(model), str(len(items[0][1]))))
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
