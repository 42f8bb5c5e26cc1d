"""The tokenizer and length limit of the model being trained, read offline from its files.

`model = "path"` is a local folder (tokenizer.json, optionally tokenizer_config.json,
special_tokens_map.json, config.json, sentence_bert_config.json) or a model name already in the
local Hugging Face cache. Nothing is downloaded and the hub client is never imported: the cache
layout (models--org--name/refs/main, snapshots/<commit>/) is read directly.

Encoding uses the `tokenizers` library alone (transformers costs seconds to import). The limit
is worked out the way sentence-transformers' CrossEncoder does it (base/modules/transformer.py,
v6): the tokenizer's `model_max_length`, capped at the config's `max_position_embeddings`, unless
the saved sentence-transformers config sets the length itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rerank_lint.hub_cache import cached_snapshot as _cached, hub_cache

# transformers stores "no limit" as int(1e30) (VERY_LARGE_INTEGER); anything this large is that.
NO_LIMIT_SENTINEL = 10**18
# Model types whose learned position table starts at padding_idx + 1 (create_position_ids_from_
# input_ids in transformers): 514 positions hold 512 tokens. sentence-transformers does NOT
# subtract this offset, so a RoBERTa-family config without a tokenizer model_max_length lets
# pairs of 513-514 tokens through, which the model cannot embed.
POSITION_OFFSET_TYPES = frozenset({
    "roberta", "xlm-roberta", "xlm-roberta-xl", "camembert", "mpnet", "longformer", "data2vec-text",
    "ibert", "roberta-prelayernorm", "markuplm", "luke", "esm",
})


class ModelTokenizerError(Exception):
    """The configured model's tokenizer cannot be found or read; the message says why."""


def cached_snapshot(name: str) -> Path | None:
    """The snapshot folder of `name` ("org/model") in the local Hugging Face cache that holds a
    tokenizer.json."""
    return _cached([name], lambda folder: (folder / "tokenizer.json").is_file())


def resolve_model_folder(spec: str, root: Path | None = None) -> Path:
    """The folder of a `model` setting: a local path (relative to `root`) or a cached name."""
    path = Path(spec).expanduser()
    if not path.is_absolute() and root is not None:
        path = root / path
    if path.is_dir():
        return path
    if path.is_file() and path.name == "tokenizer.json":
        return path.parent
    # "org/name" or a bare legacy name ("bert-base-uncased") may be in the cache; "./x", "/x",
    # "~/x" and deeper paths are plainly folders that are missing.
    hub_name = not spec.startswith((".", "/", "~")) and spec.count("/") <= 1 and "\\" not in spec
    folder = cached_snapshot(spec) if hub_name else None
    if folder is None:
        raise ModelTokenizerError(
            f"setting `model`: {spec!r} is neither a local model folder ({path} does not exist) nor a model with "
            f"a tokenizer.json in the local Hugging Face cache ({hub_cache()}); rerank-lint never downloads models")
    return folder


def _read_json(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelTokenizerError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ModelTokenizerError(f"cannot read {path}: expected a JSON object, found {type(data).__name__}")
    return data


def _positive_int(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if value <= 0 or value >= NO_LIMIT_SENTINEL:
        return None
    return int(value)


@dataclass
class ModelTokenizer:
    """A model's tokenizer (no truncation, no padding) and its length facts."""

    name: str  # the setting as given
    folder: Path
    tokenizer: object  # tokenizers.Tokenizer
    model_type: str | None
    model_max_length: int | None  # tokenizer_config.json; None for absent or "no limit"
    max_position_embeddings: int | None  # config.json; None for absent or -1 (xlnet)
    position_offset: int  # positions the model reserves before the first token
    sentence_transformers_max_length: int | None  # a saved sentence_bert_config.json's length
    pair_special_tokens: int  # tokens the post-processor adds to a (query, passage) pair
    single_special_tokens: int
    truncation_side: str  # "right" or "left", from tokenizer_config.json

    @property
    def max_length(self) -> int | None:
        """The max_length CrossEncoder(model) trains with, special tokens included; None when
        neither file sets one (the trainer then does not truncate at all)."""
        if self.sentence_transformers_max_length is not None:
            return self.sentence_transformers_max_length
        limits = [n for n in (self.model_max_length, self.max_position_embeddings) if n is not None]
        return min(limits) if limits else None

    @property
    def position_capacity(self) -> int | None:
        """The longest input the model can embed at all; a max_length above it fails at training."""
        if self.max_position_embeddings is None:
            return None
        return self.max_position_embeddings - self.position_offset

    def offsets(self, text: str) -> list[tuple[int, int]]:
        """Character span of each token of `text`, special tokens left out."""
        return list(self.tokenizer.encode(text, add_special_tokens=False).offsets)

    def count(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)


def load_model_tokenizer(spec: str, root: Path | None = None) -> ModelTokenizer:
    """The tokenizer and limits of the `model` setting, read offline; ModelTokenizerError on a
    missing or unreadable model."""
    folder = resolve_model_folder(spec, root)
    tokenizer_file = folder / "tokenizer.json"
    if not tokenizer_file.is_file():
        raise ModelTokenizerError(
            f"setting `model`: {folder} has no tokenizer.json (a model saved with a slow, Python-only tokenizer: "
            f"save it again with `AutoTokenizer.from_pretrained(..., use_fast=True).save_pretrained(folder)`)")
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise ModelTokenizerError("setting `model` needs the `tokenizers` package: pip install '.[hf]' in rerank-lint's clone") from None
    try:
        tokenizer = Tokenizer.from_file(str(tokenizer_file))
    except Exception as exc:  # the Rust loader raises bare Exception with its own message
        raise ModelTokenizerError(f"cannot load tokenizer {tokenizer_file}: {exc}") from None
    # A tokenizer.json saved with truncation or padding on would change every count below.
    tokenizer.no_truncation()
    tokenizer.no_padding()

    tokenizer_config = _read_json(folder / "tokenizer_config.json")
    config = _read_json(folder / "config.json")
    st_config = _read_json(folder / "sentence_bert_config.json")

    model_type = config.get("model_type") if isinstance(config.get("model_type"), str) else None
    max_positions = _positive_int(config.get("max_position_embeddings"))
    offset = 0
    if model_type in POSITION_OFFSET_TYPES:
        pad = config.get("pad_token_id", 1)
        offset = (pad if isinstance(pad, int) and not isinstance(pad, bool) else 1) + 1
    st_kwargs = st_config.get("processor_kwargs") or st_config.get("tokenizer_args") or {}
    st_length = _positive_int(st_kwargs.get("model_max_length")) if isinstance(st_kwargs, dict) else None
    if st_length is None:
        st_length = _positive_int(st_config.get("max_seq_length"))
    side = tokenizer_config.get("truncation_side", "right")
    if side not in ("right", "left"):
        raise ModelTokenizerError(f"{folder / 'tokenizer_config.json'}: truncation_side is {side!r}, expected 'right' or 'left'")

    return ModelTokenizer(
        name=spec,
        folder=folder,
        tokenizer=tokenizer,
        model_type=model_type,
        model_max_length=_positive_int(tokenizer_config.get("model_max_length")),
        max_position_embeddings=max_positions,
        position_offset=offset,
        sentence_transformers_max_length=st_length,
        # Counted by encoding, not read from the post-processor's template: Template, BERT,
        # RoBERTa and ByteLevel processors all answer the same question this way.
        pair_special_tokens=_added(tokenizer, pair=True),
        single_special_tokens=_added(tokenizer, pair=False),
        truncation_side=side,
    )


def _added(tokenizer, pair: bool) -> int:
    args = ("a", "b") if pair else ("a",)
    with_special = tokenizer.encode(*args, add_special_tokens=True)
    without = tokenizer.encode(*args, add_special_tokens=False)
    return len(with_special.ids) - len(without.ids)
