"""Keeping Python's cycle collector from pausing the server on big documents.

A 20,000-record document is millions of long-lived objects (line states, parsed records,
diagnostics), plus torch's when the semantic rules are on. Every full collection of the cycle
collector walks all of them, about a second on this machine, and the short-lived lists of each
edit trigger one every few edits: a one-second stall in the middle of typing. After a document
is first checked (once it has been left alone for a second) and after the model loads,
`settle` collects once and freezes what is alive (`gc.freeze`), so later collections walk
only newer objects. Frozen objects are still freed by reference counting when dropped; only
cycles among them wait for `reclaim`, which runs when a document is closed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading

_lock = threading.Lock()
# After a full check, how long a document must be left alone before its heap is frozen.
QUIET_SECONDS = 1.0


def _malloc_trim():
    """glibc's malloc_trim, or None elsewhere (musl, macOS, Windows)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


_trim = _malloc_trim()


def settle() -> None:
    """Collect what is garbage now, then leave everything alive out of later collections, and
    give the memory freed by a full check back to the system (glibc keeps freed heap pages
    otherwise, and the resident size stays at the check's peak)."""
    with _lock:
        gc.collect()
        gc.freeze()
        if _trim is not None:
            _trim(0)


def reclaim() -> None:
    """Put the frozen objects back under the collector (a closed document's cycles), collect,
    and freeze what is still alive."""
    with _lock:
        gc.unfreeze()
    settle()
