"""The SQLite embedding cache: reuse, several processes at once, a corrupt file, read-only."""

import multiprocessing
import os
import sqlite3
import stat

import pytest

from rerank_lint.semantic import cache as cache_module
from rerank_lint.semantic.cache import FILE_NAME, EmbeddingCache, text_key


def vector(i: int) -> bytes:
    return bytes([i % 256]) * 16


def keys(n, model="m"):
    return [text_key(model, f"text {i}") for i in range(n)]


def test_values_are_reused_across_instances(tmp_path):
    first = EmbeddingCache(tmp_path)
    first.put((k, vector(i)) for i, k in enumerate(keys(2000)))
    first.close()
    again = EmbeddingCache(tmp_path)
    found = again.get(keys(2100))
    assert len(found) == 2000 and found[keys(3)[2]] == vector(2)


def test_a_new_file_keeps_a_384_dimension_vector_in_under_2_5_kb(tmp_path):
    # In 4 kB pages each 1.5 kB vector took an overflow page of its own (4.7 kB a vector).
    store = EmbeddingCache(tmp_path)
    store.put((k, bytes([i % 256]) * 1536) for i, k in enumerate(keys(3000)))
    store.close()
    size = sum(f.stat().st_size for f in tmp_path.glob(FILE_NAME + "*"))
    assert size / 3000 < 2500
    assert EmbeddingCache(tmp_path).get(keys(1))[keys(1)[0]] == bytes([0]) * 1536


def test_keys_depend_on_the_model():
    assert text_key("model-a", "x") != text_key("model-b", "x")
    assert text_key("model-a", "x") == text_key("model-a", "x")


def _writer(folder: str, start: int, count: int) -> None:
    store = EmbeddingCache(cache_module.Path(folder))
    assert store.writable
    for i in range(start, start + count, 50):
        store.put((text_key("m", f"text {j}"), vector(j)) for j in range(i, min(start + count, i + 50)))
    store.close()


def test_several_processes_write_at_once(tmp_path):
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(str(tmp_path), 300 * n, 600)) for n in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    found = EmbeddingCache(tmp_path).get(keys(1500))
    assert len(found) == 1500  # overlapping ranges: written once, no error


def test_a_corrupt_file_is_moved_aside_and_rebuilt(tmp_path, capsys):
    (tmp_path / FILE_NAME).write_bytes(b"this is not a database" * 100)
    store = EmbeddingCache(tmp_path)
    assert store.usable and store.writable
    store.put([(b"k" * 16, vector(1))])
    assert store.get([b"k" * 16]) == {b"k" * 16: vector(1)}
    assert (tmp_path / (FILE_NAME + ".corrupt")).is_file()
    assert "corrupt" in capsys.readouterr().err


def _read_only_cache(tmp_path, monkeypatch):
    store = EmbeddingCache(tmp_path)
    store.put([(b"k" * 16, vector(7))])
    store.close()
    if os.geteuid() != 0:
        (tmp_path / FILE_NAME).chmod(stat.S_IRUSR)
        tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    else:  # permissions do not bind root: make opening for writing fail as SQLite would
        def refuse(self):
            raise sqlite3.OperationalError("attempt to write a readonly database")
        monkeypatch.setattr(EmbeddingCache, "_open_writable", refuse)


def test_a_read_only_cache_is_read_without_writing(tmp_path, monkeypatch, capsys):
    _read_only_cache(tmp_path, monkeypatch)
    try:
        store = EmbeddingCache(tmp_path)
        assert store.get([b"k" * 16]) == {b"k" * 16: vector(7)}
        assert not store.writable
        store.put([(b"j" * 16, vector(8))])  # a no-op, not an error
        assert "read-only" in capsys.readouterr().err
    finally:
        tmp_path.chmod(stat.S_IRWXU)


def test_an_unusable_folder_means_no_cache_not_a_failure(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    store = EmbeddingCache(blocker / "sub")
    assert not store.usable
    assert store.get([b"k" * 16]) == {}
    store.put([(b"k" * 16, vector(1))])
    assert "running without it" in capsys.readouterr().err


def test_the_cache_can_be_turned_off():
    from helpers import settings

    assert cache_module.cache_dir_for(settings(semantic_cache_dir="none")) is None
    assert EmbeddingCache(None).get([b"k" * 16]) == {}


def test_no_pickle_and_no_remote_code(tmp_path):
    """A model folder whose weights are only a pickle is refused, not loaded (loading a pickle
    can run code); and nothing in rerank-lint loads pickles or trusts remote code."""
    pytest.importorskip("sentence_transformers")
    import shutil

    from rerank_lint.settings import Settings
    from rerank_lint.errors import ConfigError
    from rerank_lint.semantic.embedder import load_model, resolve_model

    from helpers import ROOT

    bundled = resolve_model(Settings()).folder
    pickled = tmp_path / "pickled-model"
    shutil.copytree(bundled, pickled)
    (pickled / "model.safetensors").unlink()
    (pickled / "pytorch_model.bin").write_bytes(b"not even a pickle")
    settings = Settings().merged({"semantic-model": str(pickled)})
    with pytest.raises(ConfigError):
        load_model(resolve_model(settings), "cpu")
    sources = [p for folder in ("rerank_lint", "server", "hooks") for p in (ROOT / folder).rglob("*.py")]
    for path in sources:
        text = path.read_text()
        assert "import pickle" not in text and "trust_remote_code=True" not in text and "torch.load" not in text, path
