"""The retriever's meaning search from the store's vectors held in memory, against the store:
the same passages as a filtered Chroma query for the same filters, no Chroma query at all and
one reading of the store per index generation, and a new reading when an ingest run changes the
store (a new file, a removed one, a vector restored by a repair).

Real Chroma, the real model, real SQLite, on a small index of three parent guides."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.container import Assistant, build_assistant
from assistant.retrieval.embeddings import Embedder
from assistant.retrieval.retriever import SearchFilters
from assistant.settings import BUNDLED_KNOWLEDGE
from assistant.types import QUESTION
from tests.conftest import make_settings

PARENTS = BUNDLED_KNOWLEDGE / "guides" / "parents"
GUIDES = ("what-is-cbe.en.md", "what-is-cbe.es.md", "helping-at-home-math.en.md")
LATER = "pace-and-time.en.md"
QUESTIONS = (
    "what is competency based education?",
    "how can I help with math homework",
    "¿qué es la educación basada en competencias?",
    "does my child move on when ready",
)
FILTERS = (
    SearchFilters(),
    SearchFilters(audience="parents"),
    SearchFilters(language="es"),
    SearchFilters(audience="parents", language="en"),
    SearchFilters(doc_type="guide"),
    SearchFilters(doc_type=QUESTION),
    SearchFilters(audience="students"),
)


@pytest.fixture
def small(tmp_path: Path, embedder: Embedder) -> Iterator[tuple[Assistant, Path]]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in GUIDES:
        shutil.copy(PARENTS / name, corpus / name)
    built = build_assistant(make_settings(tmp_path / "home"), embedder=embedder)
    report = built.indexer.ingest([corpus])
    assert report.problems == [] and report.chunks_added > 10
    yield built, corpus
    built.records.close()


def chroma_ids(built: Assistant, question: str, filters: SearchFilters, k: int) -> list[str]:
    """What the retriever found before: a filtered query of the store, kept to the recorded
    passages the filters accept."""
    recorded = {c.id: c for c in built.records.all_chunks()}
    found = built.vector_store.similarity_search_by_vector_with_relevance_scores(
        built.embeddings.embed_query(question), k=k, filter=filters.chroma_where()
    )
    ids = [str(d.id) for d, _ in found]
    return [i for i in ids if i in recorded and filters.accepts(recorded[i])]


def dense_ids(built: Assistant, question: str, filters: SearchFilters, k: int) -> list[str]:
    return [h.chunk.id for h in built.retriever.search(question, k, filters, mode="dense")]


def test_the_search_in_memory_finds_what_a_filtered_chroma_query_finds(
    small: tuple[Assistant, Path],
) -> None:
    built, _ = small
    compared = 0
    for question in QUESTIONS:
        for filters in FILTERS:
            expected = chroma_ids(built, question, filters, k=40)
            assert dense_ids(built, question, filters, k=40) == expected, (question, filters)
            compared += bool(expected)
    assert compared >= len(QUESTIONS) * (len(FILTERS) - 1)  # only students' finds nothing


class Watched:
    """The store the retriever opens, counting the calls made to it and to its collection."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.calls: Counter[str] = Counter()
        self._collection = WatchedCollection(store._collection, self.calls)

    def __getattr__(self, name: str) -> Any:
        self.calls[name] += 1
        return getattr(self.store, name)


class WatchedCollection:
    def __init__(self, collection: Any, calls: Counter[str]) -> None:
        self.collection = collection
        self.calls = calls

    def __getattr__(self, name: str) -> Any:
        self.calls[f"collection.{name}"] += 1
        return getattr(self.collection, name)


def test_searches_query_no_store_and_read_it_again_only_when_an_ingest_changes_it(
    small: tuple[Assistant, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    built, corpus = small
    watched = Watched(built.vector_store)
    monkeypatch.setattr(built.retriever, "_vector_store", lambda: watched)
    for question in QUESTIONS:
        for filters in FILTERS:
            built.retriever.search(question, 10, filters)
    queries = [n for n in watched.calls if "search" in n or n.endswith("query")]
    assert queries == [] and watched.calls["collection.get"] == 1, watched.calls

    shutil.copy(PARENTS / LATER, corpus / LATER)
    built.indexer.ingest([corpus])
    paced = {c.id for c in built.records.all_chunks() if c.source == LATER}
    found = dense_ids(built, "how long does my child have to finish a level", SearchFilters(), 5)
    assert paced & set(found) and watched.calls["collection.get"] == 2

    (corpus / LATER).unlink()
    built.indexer.ingest([corpus], prune=True)
    found = dense_ids(built, "how long does my child have to finish a level", SearchFilters(), 40)
    assert found and not paced & set(found)
    assert [n for n in watched.calls if "search" in n or n.endswith("query")] == []


def test_a_vector_restored_by_a_repair_is_found_by_the_next_search(
    small: tuple[Assistant, Path], embedder: Embedder
) -> None:
    built, corpus = small
    lost = next(c for c in built.records.all_chunks() if c.metadata.get("doc_type") == "guide")
    built.vector_store.delete(ids=[lost.id])
    reopened = build_assistant(built.settings, embedder=embedder)
    assert lost.id not in dense_ids(reopened, lost.text, SearchFilters(), 5)
    generation = reopened.records.generation()
    report = reopened.indexer.ingest([corpus])  # the store holds one vector fewer: repaired
    assert report.vectors_restored == 1 and report.chunks_added == 0
    assert reopened.records.generation() > generation
    assert dense_ids(reopened, lost.text, SearchFilters(), 5)[0] == lost.id
    reopened.records.close()
