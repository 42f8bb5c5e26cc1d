"""Parsing one JSON line: orjson, and the standard parser for the valid JSON orjson refuses.

orjson refuses numbers that overflow a double (`1e400`, an integer of 10,000 digits), which
JSON allows and every Python loader accepts, so calling such a line invalid would be wrong.
The fallback is taken only for that refusal: it is slow, and the standard parser accepts
things orjson rightly rejects (`NaN`, lone surrogates), which must stay errors.
"""

from __future__ import annotations

import json

import orjson

# The base class of orjson's error, so that one `except` catches both parsers' errors.
JSONDecodeError = json.JSONDecodeError

_OVERFLOW = "number is infinity when parsed as double"
_I64_MIN, _U64_END = -(1 << 63), 1 << 64


def loads(content: bytes | str):
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        if exc.msg != _OVERFLOW:
            raise
        return _standard(content, exc)


def _int(literal: str):
    # As orjson does past 64 bits: a float (inf when it overflows), so both parsers agree on
    # types; the length test first spares a quadratic int() on a huge literal.
    if len(literal) > 21:
        return float(literal)
    value = int(literal)
    return value if _I64_MIN <= value < _U64_END else float(value)


def _refuse(constant: str):
    raise ValueError(constant)


def _standard(content: bytes | str, refused: orjson.JSONDecodeError):
    try:
        # Decoded here: given bytes, json.loads would also accept UTF-16 and UTF-32.
        text = content if isinstance(content, str) else content.decode("utf-8")
    except UnicodeDecodeError:
        raise refused from None
    try:
        data = json.loads(text, parse_int=_int, parse_constant=_refuse)
    except json.JSONDecodeError:
        raise  # a real syntax error further on: the standard parser's message names it
    except (ValueError, RecursionError):
        raise refused from None
    if not _encodable(data):
        raise JSONDecodeError("lone surrogate in a string", text, 0)
    return data


def _encodable(value) -> bool:
    """No string holds a lone surrogate (orjson refuses them; the standard parser keeps them)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True
