"""The Chroma vector store through langchain-chroma: embedded (persistent) or a server."""

from __future__ import annotations

import os
from typing import Any

from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings

from assistant.errors import StoreUnavailableError
from assistant.settings import Settings


def _client(settings: Settings) -> Any:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.vector_store == "server":
            return chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
        settings.chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
    except Exception as exc:
        where = (
            f"the Chroma server at {settings.chroma_host}:{settings.chroma_port}"
            if settings.vector_store == "server"
            else f"the index in {settings.chroma_dir}"
        )
        raise StoreUnavailableError(f"cannot open {where}: {exc}") from exc


def make_vector_store(settings: Settings, embeddings: Embeddings) -> Chroma:
    """A LangChain Chroma store whose collection uses cosine distance and a wide HNSW search."""
    configuration: Any = {
        "hnsw": {
            "space": "cosine",
            "ef_search": settings.hnsw_ef_search,
            "ef_construction": settings.hnsw_ef_construction,
        }
    }
    try:
        store = Chroma(
            collection_name=settings.collection,
            embedding_function=embeddings,
            client=_client(settings),
            collection_configuration=configuration,
        )
        # An existing collection keeps the breadth it was created with; apply the setting.
        store._collection.modify(configuration={"hnsw": {"ef_search": settings.hnsw_ef_search}})
        return store
    except StoreUnavailableError:
        raise
    except Exception as exc:
        raise StoreUnavailableError(f"cannot open the vector collection: {exc}") from exc
