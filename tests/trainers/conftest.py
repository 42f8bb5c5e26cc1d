"""Fixtures of the trainer tests: tokenizers saved to temporary model folders, texts to cut."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainer_tokenizers import build_bert, build_roberta, generated_texts, real_texts


@pytest.fixture(scope="session")
def texts() -> list[str]:
    return real_texts() or generated_texts()


@pytest.fixture(scope="session")
def corpus(texts) -> list[str]:
    return texts[:3000]


@pytest.fixture(scope="session")
def bert_folder(tmp_path_factory, corpus) -> Path:
    return build_bert(tmp_path_factory.mktemp("bert"), corpus)


@pytest.fixture(scope="session")
def roberta_folder(tmp_path_factory, corpus) -> Path:
    return build_roberta(tmp_path_factory.mktemp("roberta"), corpus)


@pytest.fixture(params=["bert", "roberta"])
def model_folder(request, bert_folder, roberta_folder) -> Path:
    return bert_folder if request.param == "bert" else roberta_folder


