"""Small tokenizers built and saved by the tests themselves (nothing is downloaded), and texts
to cut: the real datasets' texts when they are present, generated ones otherwise.

The real data folder is $RERANK_LINT_REAL_DATA, by default ../shared/data/real from the repo root."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REAL_DATA = ROOT / os.environ.get("RERANK_LINT_REAL_DATA", "../shared/data/real")  # an absolute value replaces ROOT
TEXT_KEYS = ("query", "pos", "neg", "relevant_passages", "hard_negatives")


def real_texts(limit: int = 6000) -> list[str]:
    texts: list[str] = []
    if not REAL_DATA.is_dir():
        return texts
    for path in sorted(REAL_DATA.glob("*.jsonl")):
        with open(path, encoding="utf-8") as stream:
            for n, line in enumerate(stream):
                if n >= limit // 6:
                    break
                record = json.loads(line)
                for key in TEXT_KEYS:
                    value = record.get(key)
                    values = value if isinstance(value, list) else [value]
                    texts.extend(v for v in values if isinstance(v, str) and v.strip())
    return texts


def generated_texts(n: int = 3000, seed: int = 5) -> list[str]:
    """Word salad with punctuation, digits, accents and CJK, so that WordPiece splits words and
    byte-level BPE gives several tokens to one character."""
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "tra", "ven", "qu", "é", "ß", "東京", "ção", "x9", "-", "'s", "ing", "un"]
    words = ["".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))) for _ in range(400)]
    out = []
    for _ in range(n):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 120)))
        out.append(text + rng.choice([".", "?", "!", "", " 42."]))
    return out


def _save(folder: Path, tokenizer, tokenizer_config: dict, config: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_config))
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def build_bert(folder: Path, corpus: list[str], tokenizer_config: dict | None = None, config: dict | None = None) -> Path:
    """A BERT-like WordPiece tokenizer: `[CLS] q [SEP] p [SEP]`."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer.train_from_iterator(corpus, trainers.WordPieceTrainer(vocab_size=1500, special_tokens=specials))
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    return _save(folder, tokenizer,
                 {"model_max_length": 512, "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]",
                  "unk_token": "[UNK]", **(tokenizer_config or {})},
                 {"model_type": "bert", "max_position_embeddings": 512, **(config or {})})


def build_roberta(folder: Path, corpus: list[str], tokenizer_config: dict | None = None, config: dict | None = None) -> Path:
    """A RoBERTa/XLM-R-like byte-level BPE tokenizer: `<s> q </s></s> p </s>`."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tokenizer.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=1200, special_tokens=specials,
                                                              initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer.post_processor = processors.RobertaProcessing(("</s>", tokenizer.token_to_id("</s>")),
                                                            ("<s>", tokenizer.token_to_id("<s>")), trim_offsets=True)
    return _save(folder, tokenizer,
                 {"model_max_length": 512, "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>",
                  "cls_token": "<s>", "pad_token": "<pad>", "unk_token": "<unk>", **(tokenizer_config or {})},
                 {"model_type": "xlm-roberta", "max_position_embeddings": 514, "pad_token_id": 1, **(config or {})})


def random_pairs(texts: list[str], n: int, seed: int) -> list[tuple[str, str]]:
    """Pairs from short to far over any limit: texts glued together and cut at random places,
    queries long too (some real "queries" are documents), so that both sides get cut."""
    rng = random.Random(seed)

    def one(long: bool) -> str:
        parts = [rng.choice(texts) for _ in range(rng.randint(1, 12 if long else 2))]
        text = " ".join(parts)
        return text[: rng.randint(1, len(text))] if rng.random() < 0.5 else text

    pairs = []
    for _ in range(n):
        query = one(long=rng.random() < 0.35)
        passage = one(long=rng.random() < 0.7)
        pairs.append((query, passage))
    return pairs
