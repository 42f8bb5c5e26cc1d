"""The streaming index of the group rules: the first line seen for each key, kept as hashes in arrays.

A 1M-record file made a `dict` of Python objects per group rule (a 128-bit int key, an
`Occurrence` or an int per entry, the dict's own slots): about 430 bytes of peak per record for
RL401 + RL402 + RL403, so the check's memory grew with the record count. Here an entry is a
slot in up to four arrays (the key's hash in one or two 64-bit halves, the line, the payload's
number): 12-24 bytes a slot, at most 0.75 full.

Keys are hashed, not kept. A wide index keeps 128 bits: two different texts share both halves
with odds of about 2**-128, far below those of a hardware fault. A narrow one keeps 64 bits, for
a rule that confirms from the source line before it acts (RL403 compares the bytes before it
reports a copy) or whose keys are 64-bit hashes already.

Payloads are interned: a rule's payload says where in the record the key was found (a column,
a list position), so a file has few distinct ones, kept once each with a 32-bit number per slot
(that array is made when the first payload comes: RL403 has none).
"""

from __future__ import annotations

from array import array
from typing import Hashable

_LOW_64 = (1 << 64) - 1
_MAX_LOAD = 0.75
_FIRST_CAPACITY = 1 << 10


def key_halves(key: Hashable) -> tuple[int, int]:
    """Two independent 64-bit hashes of a key (an int key that fits in 128 bits is its own)."""
    if isinstance(key, str):
        return hash(key) & _LOW_64, hash("\x1f" + key) & _LOW_64
    if isinstance(key, int) and -(1 << 127) <= key < (1 << 127):
        return (key >> 64) & _LOW_64, key & _LOW_64
    return hash(key) & _LOW_64, hash(("\x1f", key)) & _LOW_64


class FirstSeen:
    """key -> (line, payload) of its first occurrence; open addressing with linear probing."""

    __slots__ = ("wide", "_line_code", "_hi", "_lo", "_line", "_payload", "_mask", "_size", "_payload_ids", "_payloads")

    def __init__(self, wide: bool = True) -> None:
        self.wide = wide
        self._line_code = "I"
        self._payload_ids: dict[Hashable, int] = {None: 0}
        self._payloads: list[Hashable] = [None]
        self._payload: array | None = None
        self._size = 0
        self._allocate(_FIRST_CAPACITY)

    def __len__(self) -> int:
        return self._size

    def _allocate(self, capacity: int) -> None:
        self._lo = array("Q", bytes(8 * capacity))
        self._hi = array("Q", bytes(8 * capacity)) if self.wide else None
        # line + 1 (0: an empty slot), in 32 bits until a file has 4G lines
        self._line = array(self._line_code, bytes(array(self._line_code).itemsize * capacity))
        self._mask = capacity - 1

    def first_or_add(self, key: Hashable, line: int, payload: Hashable = None) -> tuple[int, Hashable] | None:
        """The (line, payload) first stored for `key`, or None after storing these."""
        hi, lo = key_halves(key)
        if not self.wide:
            hi = 0
        mask = self._mask
        slot = (lo ^ (hi >> 7)) & mask
        lines, his, los = self._line, self._hi, self._lo
        while True:
            stored = lines[slot]
            if stored == 0:
                break
            if los[slot] == lo and (his is None or his[slot] == hi):
                return stored - 1, self._payloads[self._payload[slot]] if self._payload is not None else None
            slot = (slot + 1) & mask
        if line >= 0xFFFF_FFFE and self._line_code == "I":
            self._line_code = "Q"
            self._line = lines = array("Q", lines)
        los[slot], lines[slot] = lo, line + 1
        if his is not None:
            his[slot] = hi
        if payload is not None or self._payload is not None:
            self._store_payload(slot, payload)
        self._size += 1
        if self._size > _MAX_LOAD * (mask + 1):
            self._grow()
        return None

    def _store_payload(self, slot: int, payload: Hashable) -> None:
        if self._payload is None:
            self._payload = array("I", bytes(4 * (self._mask + 1)))
        ident = self._payload_ids.get(payload)
        if ident is None:
            ident = self._payload_ids[payload] = len(self._payloads)
            self._payloads.append(payload)
        self._payload[slot] = ident

    def _grow(self) -> None:
        old_lo, old_hi, old_line, old_payload = self._lo, self._hi, self._line, self._payload
        capacity = 2 * (self._mask + 1)
        self._allocate(capacity)
        mask, los, lines = self._mask, self._lo, self._line
        his = self._hi if self.wide else None
        payloads = self._payload = array("I", bytes(4 * capacity)) if old_payload is not None else None
        for old in range(len(old_line)):
            line = old_line[old]
            if not line:
                continue
            lo = old_lo[old]
            hi = old_hi[old] if his is not None else 0
            slot = (lo ^ (hi >> 7)) & mask
            while lines[slot]:
                slot = (slot + 1) & mask
            los[slot], lines[slot] = lo, line
            if his is not None:
                his[slot] = hi
            if payloads is not None:
                payloads[slot] = old_payload[old]
