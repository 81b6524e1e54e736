"""The fakes the fast engine tests stand on: the word-stem embedder and the in-memory retriever
(what they share with the real ones is in tests/integration/test_retriever_contract.py)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.errors import StoreUnavailableError
from assistant.retrieval.embeddings import Embedder
from assistant.retrieval.retriever import Mode, SearchFilters
from tests.fakes.embedder import FakeEmbedder
from tests.fakes.retriever import FakeRetriever


def cosine(embedder: FakeEmbedder, first: str, second: str) -> float:
    a, b = (np.array(v) for v in embedder([first, second]))
    return float(a @ b)


def test_the_fake_embedder_is_an_embedder_with_unit_vectors_that_never_change() -> None:
    embedder = FakeEmbedder()
    assert isinstance(embedder, Embedder)
    vector = embedder.embed_query("What does a 3 mean on the report card?")
    assert vector == FakeEmbedder().embed_documents(["What does a 3 mean on the report card?"])[0]
    assert float(np.linalg.norm(vector)) == pytest.approx(1.0)
    assert not any(embedder.embed_query("the of and"))  # no words, no direction


def test_texts_sharing_words_are_close_and_others_are_not() -> None:
    embedder = FakeEmbedder()
    question = "how do teachers decide mastery?"
    assert cosine(embedder, question, "How does my teacher decide if I mastered it") > 0.6
    assert cosine(embedder, question, "recipe for rice and chicken") == pytest.approx(0.0)
    # plurals and inflections share a stem; accents do not matter
    assert cosine(embedder, "unit rates", "a unit rate") == pytest.approx(1.0)
    assert cosine(embedder, "¿Cómo va mi hijo?", "como va mi hijo") == pytest.approx(1.0)


def test_with_its_vector_store_down_the_fake_still_searches_by_words(
    fake_retriever: FakeRetriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fake_retriever, "vector_store_down", True)
    modes: tuple[Mode, ...] = ("hybrid", "dense")
    for mode in modes:
        with pytest.raises(StoreUnavailableError):
            fake_retriever.search("flexible grouping", mode=mode)
    hits = fake_retriever.search(
        "flexible grouping", k=3, filters=SearchFilters(audience="teachers"), mode="lexical"
    )
    assert hits and all(h.dense_rank is None and h.lexical_rank for h in hits)
