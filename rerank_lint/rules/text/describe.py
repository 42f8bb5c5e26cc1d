"""How the text rules show what they found: short previews and character names."""

from __future__ import annotations

import unicodedata


def preview(text: str, limit: int = 40) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return "`" + shown.replace("\n", "\\n").replace("\t", "\\t").replace("`", "'") + "`"


def char_name(ch: str) -> str:
    names = {"\x00": "NUL", "\x08": "BACKSPACE", "\x0b": "VERTICAL TAB", "\x0c": "FORM FEED", "\x1b": "ESCAPE", "\x7f": "DELETE"}
    name = names.get(ch) or unicodedata.name(ch, None) or f"U+{ord(ch):04X}"
    return f"{name} (U+{ord(ch):04X})"
