"""The one composition root: build every service once from settings and inject it."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from assistant.ingest.indexer import Indexer
from assistant.ingest.records import IndexRecords
from assistant.retrieval.embeddings import CachedEmbeddings, Embedder, make_embedder
from assistant.retrieval.retriever import HybridRetriever
from assistant.retrieval.vectorstore import make_vector_store
from assistant.settings import Settings


class Assistant:
    """Holds the shared resources. The model and the store are built on first use."""

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder

    @cached_property
    def embedder(self) -> Embedder:
        return self._embedder or make_embedder(
            self.settings.embedding_model, batch_size=self.settings.embedding_batch_size
        )

    @cached_property
    def records(self) -> IndexRecords:
        self.settings.home.mkdir(parents=True, exist_ok=True)
        return IndexRecords(self.settings.index_db)

    @cached_property
    def embeddings(self) -> CachedEmbeddings:
        return CachedEmbeddings(self.embedder, self.records)

    @cached_property
    def vector_store(self) -> Any:
        return make_vector_store(self.settings, self.embeddings)

    @cached_property
    def indexer(self) -> Indexer:
        return Indexer(
            self.settings, self.records, lambda: self.vector_store, lambda: self.embeddings.computed
        )

    @cached_property
    def retriever(self) -> HybridRetriever:
        return HybridRetriever(
            self.settings, self.records, lambda: self.vector_store, self.embeddings.embed_query
        )


def build_assistant(
    settings: Settings | None = None, *, embedder: Embedder | None = None
) -> Assistant:
    return Assistant(settings or Settings(), embedder=embedder)
