"""The vector store's vectors held in memory, searched exactly by one matrix product.

A filtered HNSW query costs the embedded Chroma about 15 ms, four times an unfiltered one, and
an answer makes two or more; the index's vectors (3,200 bundled chunks × 384 floats, 5 MB) are
read from the store once instead, and each filtered search is a masked matrix product here.
Chroma stays the source of truth: the retriever reads them again whenever the index records'
generation (bumped by every ingest run that writes the store) or the embedder changes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

PAGE = 1000  # vectors read from the store per call (a larger page costs more memory while read)
SUBSETS = 32  # filtered subsets of the rows kept per reading (one per distinct filter)

Matrix = npt.NDArray[np.float32]
Rows = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Filter:
    """Which ids a search may return: `takes` decides from `source` (the records it reads), and
    `key` names the decision (the same key and source, the same decision)."""

    key: Hashable
    takes: Callable[[str], bool]
    source: object


@dataclass(frozen=True)
class VectorMatrix:
    """One reading of the store: its ids and their unit vectors, row by row."""

    ids: tuple[str, ...]
    rows: Matrix
    _subsets: dict[Hashable, tuple[Rows, Matrix, object]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def subset(self, accepts: Filter) -> tuple[Rows, Matrix]:
        """The rows whose id `accepts` takes (their positions and their vectors), worked out
        once per filter for this reading: a search then reads only the vectors it may return."""
        found = self._subsets.get(accepts.key)
        if found is None or found[2] is not accepts.source:
            taken = np.fromiter(
                (accepts.takes(i) for i in self.ids), dtype=np.bool_, count=len(self.ids)
            )
            where = np.flatnonzero(taken)
            found = (where, np.ascontiguousarray(self.rows[where]), accepts.source)
            if len(self._subsets) >= SUBSETS:
                self._subsets.clear()
            self._subsets[accepts.key] = found
        return found[0], found[1]

    def nearest(self, vector: Sequence[float], k: int, accepts: Filter) -> list[str]:
        """The ids of the `k` rows `accepts` takes that are closest to `vector` by cosine,
        closest first (as the store's cosine space ranks them; equal scores keep the store's
        row order)."""
        where, rows = self.subset(accepts)
        k = min(k, len(where))
        if k <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32)
        norm = float(np.linalg.norm(query))
        if norm:
            query = query / norm
        # einsum, not `@`: a matrix-vector product through BLAS spreads over every core and
        # is several times slower than one core when other work shares the machine
        scores = np.einsum("ij,j->i", rows, query)
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        order = top[np.lexsort((top, -scores[top]))]
        return [self.ids[i] for i in where[order]]


def read_matrix(store: Any, page: int = PAGE) -> VectorMatrix:
    """Every id and vector of the store's collection, a page at a time, as unit rows."""
    ids: list[str] = []
    parts: list[Matrix] = []
    offset = 0
    while True:
        got = store._collection.get(include=["embeddings"], limit=page, offset=offset)
        found = [str(i) for i in got["ids"]]
        if found:
            ids.extend(found)
            parts.append(np.asarray(got["embeddings"], dtype=np.float32))
        if len(found) < page:
            break
        offset += page
    if not parts:
        return VectorMatrix((), np.zeros((0, 0), dtype=np.float32))
    rows = np.vstack(parts)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return VectorMatrix(tuple(ids), np.ascontiguousarray(rows / norms, dtype=np.float32))


class StoreVectors:
    """The latest reading of the store, read again when its key (what it depends on) changes."""

    def __init__(self, read: Callable[[Any], VectorMatrix] = read_matrix) -> None:
        self._read = read
        self._key: Hashable = None
        self._matrix: VectorMatrix | None = None
        self._lock = threading.Lock()

    def current(self, store: Any, key: Hashable) -> VectorMatrix:
        with self._lock:
            if self._matrix is None or key != self._key:
                self._matrix = self._read(store)
                self._key = key
            return self._matrix
