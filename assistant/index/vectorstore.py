"""The Chroma vector store through langchain-chroma: embedded (persistent) or a server.

Whatever goes wrong with the store (a corrupted or unreadable folder, a server that is down or
unreachable) reaches callers as one StoreUnavailableError naming the store, never as a chromadb,
httpx or sqlite exception, nor as the Rust panic chromadb's bindings raise on some damaged pages
of chroma.sqlite3 (pyo3's PanicException, a BaseException that `except Exception` misses).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import StoreUnavailableError
from assistant.index.sqlite_scan import rows_naming_in
from assistant.settings import Settings
from assistant.types import TableRows

if TYPE_CHECKING:  # langchain_chroma (and chromadb) load with the first store, not on import
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings

# Cosine distance under which two vectors are the same text embedded twice.
SAME_VECTOR = 1e-4

# Exceptions raised from these packages come from the store (or the wire to it).
STORE_PACKAGES = frozenset({"chromadb", "httpx", "httpcore", "sqlite3", "_sqlite3"})


def describe_store(settings: Settings) -> str:
    """The store in words, for messages: where it is, so that a user can go and look."""
    if settings.store.kind == "server":
        where = f"{settings.store.host}:{settings.store.port}"
        return f"the knowledge index (the Chroma server at {where})"
    return f"the knowledge index (Chroma, in {settings.chroma_dir})"


def is_panic(exc: BaseException) -> bool:
    """A Rust panic raised into Python by a pyo3 extension (pyo3_runtime.PanicException)."""
    return any(kind.__name__ == "PanicException" for kind in type(exc).__mro__)


def is_failure(exc: BaseException) -> bool:
    """An error a store call can fail with: an Exception or a panic, never KeyboardInterrupt,
    SystemExit or GeneratorExit."""
    return isinstance(exc, Exception) or is_panic(exc)


def is_store_error(exc: BaseException) -> bool:
    """Whether an exception comes from the vector store rather than from our own code."""
    if isinstance(exc, ConnectionError | TimeoutError | sqlite3.Error):
        return True
    if is_panic(exc):  # every pyo3 extension's panic has this type: where was it raised?
        return _raised_in(exc) in STORE_PACKAGES
    return type(exc).__module__.split(".")[0] in STORE_PACKAGES


def _raised_in(exc: BaseException) -> str:
    """The top-level package of the innermost Python frame of the exception's traceback."""
    tb = exc.__traceback__
    if tb is None:
        return ""
    while tb.tb_next is not None:
        tb = tb.tb_next
    return str(tb.tb_frame.f_globals.get("__name__", "")).split(".")[0]


def short(exc: BaseException) -> str:
    """An exception's first line, bounded: messages stay one line."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    return text[:200]


@contextmanager
def store_errors(settings: Settings, *, every: bool = False) -> Iterator[None]:
    """Turn store failures into StoreUnavailableError; `every`: any exception (the block only
    calls the store)."""
    try:
        yield
    except StoreUnavailableError:
        raise
    except BaseException as exc:
        if not is_failure(exc) or not (every or is_store_error(exc)):
            raise
        raise StoreUnavailableError(
            f"{describe_store(settings)} is unavailable: {short(exc)}"
        ) from exc


def _client(settings: Settings) -> Any:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.store.kind == "server":
            token = settings.store.token
            return chromadb.HttpClient(
                host=settings.store.host,
                port=settings.store.port,
                ssl=settings.store.ssl,
                headers={"Authorization": f"Bearer {token}"} if token else None,
                settings=chroma_settings,
            )
        settings.chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
    except BaseException as exc:
        if not is_failure(exc):
            raise
        raise _open_error(settings, exc) from exc


def _forget_client(settings: Settings) -> None:
    """Drop chromadb's cached client for the embedded folder after a failed open: it caches
    one per path, half-started, and the next open would fail with an AttributeError instead of
    reading the folder again (which may have been removed or restored meanwhile)."""
    if settings.store.kind != "embedded":
        return
    from chromadb.api.shared_system_client import SharedSystemClient

    systems = getattr(SharedSystemClient, "_identifier_to_system", None)
    if isinstance(systems, dict):
        systems.pop(str(settings.chroma_dir), None)


def _open_error(settings: Settings, exc: BaseException) -> StoreUnavailableError:
    if settings.store.kind == "server":
        return StoreUnavailableError(f"{describe_store(settings)} cannot be reached: {short(exc)}")
    return StoreUnavailableError(
        f"{describe_store(settings)} cannot be opened: {short(exc)}{repair_hint(settings)}"
    )


def repair_hint(settings: Settings) -> str:
    """How to rebuild a damaged embedded store (nothing for a server), to end a message."""
    if settings.store.kind == "server":
        return ""
    return "; remove that folder and run `waypoint ingest` to rebuild it from the index records"


def make_vector_store(settings: Settings, embeddings: Embeddings) -> Chroma:
    """A LangChain Chroma store whose collection uses cosine distance and a wide HNSW search."""
    from langchain_chroma import Chroma

    configuration: Any = {
        "hnsw": {
            "space": "cosine",
            "ef_search": settings.store.hnsw_ef_search,
            "ef_construction": settings.store.hnsw_ef_construction,
        }
    }
    try:
        store = Chroma(
            collection_name=settings.store.collection,
            embedding_function=embeddings,
            client=_client(settings),
            collection_configuration=configuration,
        )
        # An existing collection keeps the breadth it was created with; apply the setting.
        store._collection.modify(
            configuration={"hnsw": {"ef_search": settings.store.hnsw_ef_search}}
        )
        return store
    except BaseException as exc:
        if not is_failure(exc):
            raise
        _forget_client(settings)
        if isinstance(exc, StoreUnavailableError):
            raise
        raise _open_error(settings, exc) from exc


def vector_count(store: Any) -> int:
    """How many vectors the store's collection holds."""
    return int(store._collection.count())


def answers(store: Any) -> None:
    """Ask the store whether it still answers, cheaply: a server that went away fails here (an
    embedded store answers from this process)."""
    store._client.heartbeat()


def read_back(store: Any) -> int:
    """Read the store the way a search does, cheaply: its size, one stored passage with its
    vector, and a query with that vector. A damaged store fails here; returns the size."""
    count = vector_count(store)
    if count:
        got = store._collection.get(limit=1, include=["embeddings", "metadatas", "documents"])
        vectors = got["embeddings"]
        if vectors is not None and len(vectors):
            store._collection.query(
                query_embeddings=[[float(x) for x in vectors[0]]],
                n_results=1,
                include=["distances"],
            )
    return count


def vector_ids(store: Any, page: int = 5000) -> set[str]:
    """Every id in the store's collection, read a page at a time."""
    found: set[str] = set()
    offset = 0
    while True:
        ids = store.get(include=[], limit=page, offset=offset)["ids"]
        found.update(str(i) for i in ids)
        if len(ids) < page:
            return found
        offset += page


def unfindable(store: Any, ids: Sequence[str], batch: int = 256) -> list[str]:
    """Which of these stored vectors a nearest-neighbour query with their own vector misses.

    Chroma has been seen, rarely and under load, to keep a freshly written vector that `get`
    returns out of the index its queries search: meaning search would then never find that
    passage. A vector whose nearest neighbour is an identical vector under another id (the same
    text twice) counts as found."""
    missing: list[str] = []
    for start in range(0, len(ids), batch):
        part = list(ids[start : start + batch])
        got = store.get(ids=part, include=["embeddings"])
        pairs = zip(got["ids"], got["embeddings"], strict=True)
        vectors = {str(i): [float(x) for x in v] for i, v in pairs}
        wanted = [i for i in part if i in vectors]
        missing.extend(i for i in part if i not in vectors)
        if not wanted:
            continue
        found = store._collection.query(
            query_embeddings=[vectors[i] for i in wanted],
            n_results=min(3, vector_count(store)),
            include=["distances"],
        )
        for chunk_id, ids_found, distances in zip(
            wanted, found["ids"], found["distances"], strict=True
        ):
            if chunk_id not in ids_found and not (distances and distances[0] <= SAME_VECTOR):
                missing.append(chunk_id)
    return missing


class EmbeddedStoreFile:
    """The embedded store's SQLite file (`chroma.sqlite3`) as a `PrivacyScannable` store; a
    server's store (no file here) has no rows or files to scan on this machine."""

    scan_label = "vector store"

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def rows_naming(
        self,
        needles: Sequence[str],
        weak_needles: Sequence[str] = (),
        free_text: frozenset[str] = frozenset(),
    ) -> list[TableRows]:
        """Rows of the file's tables holding a needle (it holds knowledge chunks only)."""
        return rows_naming_in(self.path, needles) if self.path is not None else []

    def scan_files(self) -> list[Path]:
        return [self.path] if self.path is not None and self.path.is_file() else []
