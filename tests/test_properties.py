"""Property tests (hypothesis): for any record text, every diagnostic range names exactly the
text it reports, in UTF-8, UTF-16 and UTF-32 units; `--fix` output parses, changes only the
strings it fixes, keeps every record and is idempotent."""

from __future__ import annotations

import orjson
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from rerank_lint.settings import Settings
from rerank_lint.lint.engine import Linter
from rerank_lint.rules.registry import REGISTRY
from rerank_lint.rules.base import TextRule

from helpers import check_only_fixed_strings, content_lines, key_of

PIECES = st.sampled_from([
    "a", "b", " ", "  ", "   ", "\t", "\n", "\r", "é", "中", "\U0001F600", "\U0001F680", "\u200b", "\u00ad",
    "<b>", "</p>", "&amp;", "&#39;", "https://x.io/p", "www.ex.com", "Ã©", "â€™", "\ufffd", "\x00", "\x08",
    "!!!!!", "★★★★★", "<onlyinclude>", "{{t}}", "\\", '"', "/", "x<y or y>z", "\U00010348",
])
TEXT = st.lists(PIECES, max_size=12).map("".join)


def encode_string(text: str, draw_choices: list[bool]) -> bytes:
    """A JSON string literal for `text`, each character written raw or as an escape."""
    out = ['"']
    for i, ch in enumerate(text):
        escape = draw_choices[i % len(draw_choices)] if draw_choices else False
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif code < 0x20:
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r", "\x08": "\\b"}.get(ch, f"\\u{code:04x}"))
        elif escape and code > 0xFFFF:
            high, low = divmod(code - 0x10000, 0x400)
            out.append(f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04X}")
        elif escape:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out).encode()


@st.composite
def lines(draw):
    choices = draw(st.lists(st.booleans(), min_size=1, max_size=8))
    query = draw(TEXT)
    relevant = draw(st.lists(TEXT, min_size=1, max_size=3))
    negatives = draw(st.lists(TEXT, max_size=4))
    bge = draw(st.booleans())
    keys = ("query", "pos", "neg") if bge else ("query", "relevant_passages", "hard_negatives")
    sep = draw(st.sampled_from([b", ", b",", b" ,\t"]))
    parts = [
        b'"' + keys[0].encode() + b'": ' + encode_string(query, choices),
        b'"' + keys[1].encode() + b'": [' + sep.join(encode_string(t, choices) for t in relevant) + b"]",
        b'"' + keys[2].encode() + b'":[' + sep.join(encode_string(t, choices) for t in negatives) + b"]",
    ]
    if bge and draw(st.booleans()):
        parts.append(b'"neg_scores": [' + b", ".join(str(i / 10).encode() for i in range(len(negatives))) + b"]")
    return b"{" + sep.join(parts) + b"}"


@st.composite
def files(draw):
    body = draw(st.lists(lines(), min_size=1, max_size=4))
    ending = draw(st.sampled_from([b"\n", b"\r\n"]))
    data = ending.join(body)
    if draw(st.booleans()):
        data += ending
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return data


LINTER = Linter(Settings().merged({"select": ["RL"], "ignore": ["RL401", "RL503"], "token-budget": 20}))
TEXT_CODES = {code for code, cls in REGISTRY.items() if issubclass(cls, TextRule)}


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files())
def test_every_range_names_exactly_what_it_reports(data):
    diagnostics = LINTER.check_bytes(data, "p.jsonl")
    source = content_lines(data)
    for d in diagnostics:
        start, end = d.range.start, d.range.end
        if start.line != end.line:
            continue  # blank-line runs span lines
        line = source[start.line]
        for p in (start, end):
            prefix = line[:p.byte].decode("utf-8")
            assert p.char == len(prefix)  # UTF-32: code points
            assert p.utf16 == len(prefix.encode("utf-16-le")) // 2
        if d.code in TEXT_CODES:
            named = orjson.loads(b'"' + line[start.byte:end.byte] + b'"')
            rule = REGISTRY[d.code](LINTER.settings)
            record = orjson.loads(line)
            texts = [v for v in record.values() if isinstance(v, str)]
            texts += [t for v in record.values() if isinstance(v, list) for t in v if isinstance(t, str)]
            found = {t[h.start:h.end] for t in texts for h in rule.check_text(t)}
            assert named in found, (d.code, named, found)


_key_of = key_of  # the name tests/lsp imports

# Deleting an exact duplicate record (RL403, unsafe) is the one fix that removes a line; it
# loses nothing, but it is left out here so that "no record lost" can be checked line by line.
FIX_LINTER = Linter(Settings().merged({"select": ["RL"], "ignore": ["RL401", "RL403", "RL503"], "token-budget": 20}))


def fix_bytes(data: bytes, unsafe: bool, tmp_path) -> bytes:
    from rerank_lint.lint.fixes import fix_path

    path = tmp_path / "p.jsonl"
    path.write_bytes(data)
    fix_path(path, "p.jsonl", FIX_LINTER, {}, unsafe)
    return path.read_bytes()


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(files(), st.booleans())
def test_fix_parses_keeps_records_changes_only_fixed_strings_and_is_idempotent(tmp_path, data, unsafe):
    fixed = fix_bytes(data, unsafe, tmp_path)
    source = content_lines(data)
    diagnostics = FIX_LINTER.check_bytes(data, "p.jsonl")
    fixed_fields = {(d.range.start.line, key_of(d, source)) for d in diagnostics if d.fix is not None}
    check_only_fixed_strings(data, fixed, fixed_fields)
    assert fix_bytes(fixed, unsafe, tmp_path) == fixed  # idempotent
