"""Vectors of the bundled knowledge, shipped with it, so a fresh install indexes it unencoded.

`knowledge/_vectors/<embedder name>.npz` holds, for one embedder (model and backend), the
vector of every bundled chunk and of every passage answers are composed from, keyed exactly
as the embedding cache keys them (`content_key`: the embedder's name and the text's SHA-256),
stored as float16 or as int8 with a scale per vector (cosine with the float32 vector above
0.9999). `python -m evals.ship_vectors` writes them; `tests/unit/test_shipped_vectors.py`
fails when a bundled chunk has none or a file's identity is not this install's.

A file is used only when it was made by the same thing that would encode here:
- its identity matches: model name, backend, the int8 recipe version, and the model files'
  identity (`model_identity`: every small file's content, the weights' size);
- and the local encoder reproduces its probe texts (cosine >= `PROBE_AGREEMENT`). The int8
  graph is exported per machine; two exports here are byte-identical, but another torch or
  onnxruntime may quantize differently, and then the shipped vectors are set aside (logged)
  and every text is encoded as before. The graph hash the vectors came from is recorded.

Anything not in the file (what a school adds) is encoded as before. `ShippedFirst` is the
embedding cache the container hands `CachedEmbeddings`: the index's own cache, then these.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.retrieval.embeddings import EMBEDDERS, Embedder, EmbeddingCache
from assistant.retrieval.shipped_graph import model_identity
from assistant.settings import BUNDLED_KNOWLEDGE

FORMAT = 1
VECTORS_DIR = "_vectors"
PROBES = 4
PROBE_AGREEMENT = 0.9999
log = logging.getLogger(__name__)


def vectors_file(embedder_name: str, knowledge: Path = BUNDLED_KNOWLEDGE) -> Path:
    return knowledge / VECTORS_DIR / f"{embedder_name}.npz"


def identity(embedder: Embedder) -> dict[str, str] | None:
    """What a shipped file for this embedder must have been made by; None for a model that
    is not a bundled one (nothing is shipped for it)."""
    model, _, backend = embedder.name.partition("+")
    if model not in EMBEDDERS:
        return None
    from assistant.retrieval.onnx_encoder import RECIPE

    return {
        "name": embedder.name,
        "backend": backend or "torch",
        "recipe": RECIPE if backend else "",
        "model": model_identity(EMBEDDERS[model]()),
    }


def write(
    path: Path,
    embedder: Embedder,
    vectors: dict[str, list[float]],
    probes: Sequence[str],
    *,
    precision: str = "float16",
) -> None:
    """Write `vectors` (content key -> vector) for `embedder` as float16, or as int8 with a
    scale per vector (half the size; cosine with the original above 0.9999 either way), with
    `probes` (texts) and their float32 vectors, which a reader's encoder must reproduce."""
    ident = identity(embedder)
    if ident is None:
        raise ValueError(f"{embedder.name} is not a bundled model: nothing is shipped for it")
    keys = sorted(vectors)
    matrix = np.array([vectors[k] for k in keys], dtype=np.float32)
    scales = np.ones(len(keys), dtype=np.float32)
    if precision == "int8":
        scales = np.maximum(np.abs(matrix).max(axis=1), 1e-12) / 127.0
        stored = np.round(matrix / scales[:, None]).astype(np.int8)
    elif precision == "float16":
        stored = matrix.astype(np.float16)
    else:
        raise ValueError(f"unknown precision {precision!r} (float16 or int8)")
    meta = {
        **ident,
        "format": FORMAT,
        "precision": precision,
        "graph_sha256": getattr(embedder, "sha256", None) or "",
        "probes": list(probes),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        np.savez(  # not compressed: vectors hardly compress, and it loads faster
            handle,
            keys=np.array([bytes.fromhex(k) for k in keys], dtype="S32"),
            vectors=stored,
            scales=scales,
            probe_vectors=np.array(embedder.embed_documents(list(probes)), dtype=np.float32),
            meta=np.array(json.dumps(meta, sort_keys=True)),
        )


def read(path: Path) -> tuple[dict[str, Any], dict[str, int], np.ndarray, np.ndarray]:
    """The file's meta, its rows by content key, its vectors (float32) and its probe vectors."""
    with np.load(path) as data:
        meta = json.loads(str(data["meta"]))
        # numpy's fixed-width bytes drop trailing zero bytes: a digest ending in 00 is padded
        # back to its 32 bytes
        rows = {bytes(k).ljust(32, b"\0").hex(): i for i, k in enumerate(data["keys"])}
        vectors = data["vectors"].astype(np.float32) * data["scales"][:, None]
        return meta, rows, vectors, data["probe_vectors"]


@functools.lru_cache(maxsize=4)
def _read_once(
    path: Path, stamp: int
) -> tuple[dict[str, Any], dict[str, int], np.ndarray, np.ndarray]:
    """`read`, once per process and version of the file (every index a process opens, such as
    each test's, shares it)."""
    return read(path)


# Each encoder's verdict on each file, once per process: the probes are encoded once.
_verdicts: weakref.WeakKeyDictionary[Any, dict[Path, str]] = weakref.WeakKeyDictionary()


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    """The smallest cosine between matching rows of two sets of vectors."""
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return float(np.min(np.sum(a * b, axis=1)))


class ShippedVectors:
    """The shipped vectors for one embedder, read and checked on first use."""

    def __init__(self, embedder: Embedder, path: Path | None = None) -> None:
        self.embedder = embedder
        self.path = path or vectors_file(embedder.name)
        self._rows: dict[str, int] | None = None
        self._vectors: np.ndarray | None = None
        self.why_not = ""  # why the file is not used, once checked
        self._lock = threading.Lock()

    def _load(self) -> None:
        with self._lock:
            if self._rows is not None:
                return
            self._rows, self._vectors = {}, None
            if not self.path.is_file():
                self.why_not = f"no shipped vectors for {self.embedder.name}"
                return
            meta, rows, vectors, probe_vectors = _read_once(self.path, self.path.stat().st_mtime_ns)
            checked = _verdicts.setdefault(self.embedder, {})
            if self.path not in checked:
                checked[self.path] = self._mismatch(meta, probe_vectors)
            self.why_not = checked[self.path]
            if self.why_not:
                log.warning("shipped vectors set aside, encoding instead: %s", self.why_not)
                return
            self._rows, self._vectors = rows, vectors

    def _mismatch(self, meta: dict[str, Any], probe_vectors: np.ndarray) -> str:
        if meta.get("format") != FORMAT:
            return f"{self.path.name}: format {meta.get('format')}, expected {FORMAT}"
        wanted = identity(self.embedder)
        if wanted is None:
            return f"{self.embedder.name} is not a bundled model"
        for field, value in wanted.items():
            if meta.get(field) != value:
                return f"{self.path.name}: made by another {field} than this install's"
        local = np.array(self.embedder.embed_documents(meta["probes"]), dtype=np.float32)
        cosine = agreement(local, probe_vectors)
        if cosine < PROBE_AGREEMENT:
            return f"{self.path.name}: this encoder's vectors differ (cosine {cosine:.5f})"
        return ""

    @property
    def usable(self) -> bool:
        self._load()
        return bool(self._rows)

    def get_many(self, keys: Sequence[str]) -> dict[str, list[float]]:
        self._load()
        if not self._rows or self._vectors is None:
            return {}
        rows, vectors = self._rows, self._vectors
        return {k: vectors[rows[k]].tolist() for k in keys if k in rows}

    def __contains__(self, key: str) -> bool:
        self._load()
        return bool(self._rows) and key in (self._rows or {})


class ShippedFirst:
    """An embedding cache: `cache` (the index's), then the shipped vectors for what it lacks
    (opened only when it lacks something). A shipped vector found is copied into `cache`, so
    the index's cache holds every indexed text's vector as before."""

    def __init__(self, cache: EmbeddingCache, shipped: Callable[[], ShippedVectors]) -> None:
        self.cache = cache
        self._shipped = shipped

    def get_many(self, keys: Sequence[str]) -> dict[str, list[float]]:
        found = self.cache.get_many(keys)
        missing = [k for k in keys if k not in found]
        if missing:
            shipped = self._shipped().get_many(missing)
            if shipped:
                self.cache.put_many(shipped)
                found.update(shipped)
        return found

    def get_rows(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """`get_many` as float32 rows (the index's own read straight from its stored bytes)."""
        rows = getattr(self.cache, "get_rows", None)
        if rows is None:
            return {k: np.asarray(v, dtype=np.float32) for k, v in self.get_many(keys).items()}
        found: dict[str, np.ndarray] = rows(keys)
        missing = [k for k in keys if k not in found]
        if missing:
            shipped = self._shipped().get_many(missing)
            if shipped:
                self.cache.put_many(shipped)
                found.update((k, np.asarray(v, dtype=np.float32)) for k, v in shipped.items())
        return found

    def put_many(self, items: dict[str, list[float]]) -> None:
        self.cache.put_many(items)
