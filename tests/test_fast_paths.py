"""The fast paths of issue 14 give exactly what the straightforward code gave."""

import random

import orjson

from rerank_lint.diagnostics.diagnostic import LineIndex
from rerank_lint.trainers.tokens import TiktokenTokenizer

ALPHABET = list("abc xyz.,!\n\t ") + ["é", "ß", "中", "😀", "\u200b", "ア", "한", "\U0001F9D1\u200D\U0001F4BB", "ا"]


def test_token_offsets_are_tiktokens_own():
    tokenizer = TiktokenTokenizer("cl100k_base")
    rng = random.Random(1)
    for _ in range(2000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 120)))
        expected = tokenizer._encoding.decode_with_offsets(tokenizer._encoding.encode_ordinary(text))[1]
        assert tokenizer.encode_offsets(text) == expected, text


def _columns(content: bytes, byte: int):
    """The plain definition: decode the prefix, count UTF-16 units one character at a time."""
    text = content[:max(0, min(byte, len(content)))].decode("utf-8", "replace")
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF), len(text)


def test_line_index_columns_across_windows():
    rng = random.Random(2)
    for size in (3, 5000, 40_000):
        content = "".join(rng.choice(["a", "é", "中", "😀"]) for _ in range(size)).encode()
        index = LineIndex(content)
        for _ in range(50):
            byte = rng.randint(-1, len(content) + 1)
            p = index.position(0, byte)
            assert (p.utf16, p.char) == _columns(content, byte)


def test_json_output_is_the_whole_document_indented(tmp_path):
    from helpers import run_cli

    path = tmp_path / "t.jsonl"
    path.write_text('{"query": "q é", "relevant_passages": ["<b>x</b>", "q é"]}\n' * 3)
    out = run_cli("check", path, "--format", "json", "--exit-zero", cwd=tmp_path).stdout
    assert out == orjson.dumps(orjson.loads(out), option=orjson.OPT_INDENT_2) + b"\n"
    assert len(orjson.loads(out)) > 2
    empty = tmp_path / "e.jsonl"
    empty.write_text("")
    assert run_cli("check", empty, "--format", "json", "--exit-zero", "--select", "RL2", cwd=tmp_path).stdout == b"[]\n"
