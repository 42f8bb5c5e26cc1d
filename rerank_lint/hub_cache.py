"""Models already in the local Hugging Face cache, found by reading its folders (never the hub
client, which may try the network). One lookup for the embedding model, the judge and the
trained model's tokenizer."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable


def hub_cache() -> Path:
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    home = os.environ.get("HF_HOME")
    return (Path(home).expanduser() if home else Path.home() / ".cache" / "huggingface") / "hub"


def cached_snapshot(repos: Iterable[str], usable: Callable[[Path], bool]) -> Path | None:
    """The first snapshot folder of the first of `repos` ("org/model") that `usable` accepts:
    the one `refs/main` points at first, then any other."""
    for repo in repos:
        root = hub_cache() / ("models--" + repo.replace("/", "--"))
        snapshots = root / "snapshots"
        if not snapshots.is_dir():
            continue
        ref = root / "refs" / "main"
        preferred = [snapshots / ref.read_text().strip()] if ref.is_file() else []
        for folder in preferred + sorted(snapshots.iterdir()):
            if folder.is_dir() and usable(folder):
                return folder
    return None
