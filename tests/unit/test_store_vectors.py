"""The store's vectors in memory: an exact cosine ranking under a filter, closest first, equal
scores in the store's row order, and a new reading only when what it depends on changes."""

from __future__ import annotations

from typing import Any

import numpy as np

from assistant.retrieval.store_vectors import Filter, StoreVectors, VectorMatrix, read_matrix


def matrix(vectors: dict[str, list[float]]) -> VectorMatrix:
    rows = np.asarray(list(vectors.values()), dtype=np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return VectorMatrix(tuple(vectors), rows)


def every(key: str = "all") -> Filter:
    return Filter(key, lambda _: True, None)


SQUARE = {"east": [1.0, 0.0], "north": [0.0, 1.0], "west": [-1.0, 0.0], "ne": [1.0, 1.0]}


def test_nearest_ranks_by_cosine_closest_first_whatever_the_lengths() -> None:
    found = matrix(SQUARE).nearest([3.0, 0.5], 4, every())
    assert found == ["east", "ne", "north", "west"]


def test_nearest_returns_only_what_the_filter_takes_and_at_most_k() -> None:
    vectors = matrix(SQUARE)
    not_east = Filter("not east", lambda i: i != "east", None)
    assert vectors.nearest([1.0, 0.0], 2, not_east) == ["ne", "north"]
    assert vectors.nearest([1.0, 0.0], 10, not_east) == ["ne", "north", "west"]
    assert vectors.nearest([1.0, 0.0], 3, Filter("none", lambda _: False, None)) == []


def test_equal_scores_keep_the_store_row_order() -> None:
    twins = matrix({"b": [0.0, 1.0], "a": [0.0, 1.0], "c": [1.0, 0.0], "d": [0.0, 1.0]})
    assert twins.nearest([0.0, 1.0], 3, every()) == ["b", "a", "d"]


def test_a_filter_decided_from_other_records_is_worked_out_again() -> None:
    vectors = matrix(SQUARE)
    first: dict[str, bool] = {"east": True}
    second: dict[str, bool] = {"west": True}
    assert vectors.nearest([1.0, 0.0], 4, Filter("k", first.get, first)) == ["east"]
    assert vectors.nearest([1.0, 0.0], 4, Filter("k", second.get, second)) == ["west"]


class PagedStore:
    """A store whose collection hands out its vectors a page at a time, as Chroma's `get`."""

    def __init__(self, vectors: dict[str, list[float]]) -> None:
        self.vectors = vectors
        self.reads = 0
        self._collection = self

    def get(self, include: list[str], limit: int, offset: int) -> dict[str, Any]:
        assert include == ["embeddings"]
        self.reads += 1
        ids = list(self.vectors)[offset : offset + limit]
        return {"ids": ids, "embeddings": np.asarray([self.vectors[i] for i in ids])}


def test_reading_the_store_page_by_page_keeps_every_vector_in_its_order() -> None:
    store = PagedStore({f"id{i}": [float(i), 1.0] for i in range(7)})
    read = read_matrix(store, page=3)
    assert read.ids == tuple(f"id{i}" for i in range(7)) and store.reads == 3
    assert np.allclose(np.linalg.norm(read.rows, axis=1), 1.0)
    assert read_matrix(PagedStore({})).nearest([1.0, 0.0], 3, every()) == []


def test_the_store_is_read_again_only_when_the_key_changes() -> None:
    store = PagedStore(dict(SQUARE))
    held = StoreVectors()
    first = held.current(store, (1, "model"))
    assert held.current(store, (1, "model")) is first and store.reads == 1
    store.vectors["south"] = [0.0, -1.0]
    again = held.current(store, (2, "model"))
    assert store.reads == 2 and again.nearest([0.0, -1.0], 1, every()) == ["south"]
