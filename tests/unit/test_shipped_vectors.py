"""The vectors shipped with the bundled knowledge: present for every bundled chunk, made by this
install's model and backend, and taken instead of encoding (anything else is encoded)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant.retrieval import onnx_encoder, shipped_vectors
from assistant.retrieval.embeddings import CachedEmbeddings, content_key
from assistant.retrieval.shipped_vectors import ShippedFirst, ShippedVectors, write
from evals.ship_vectors import NAMES, SHIPPED, bundled_texts, missing_and_stale
from tests.fakes.embedder import FakeEmbedder


@pytest.fixture(scope="module")
def chunk_texts() -> list[str]:
    return bundled_texts(passages=False)


@pytest.mark.parametrize("backend", SHIPPED)
def test_every_bundled_chunk_has_a_shipped_vector(backend: str, chunk_texts: list[str]) -> None:
    missing, _, why = missing_and_stale(backend, chunk_texts)
    fix = "run `python -m evals.ship_vectors` and commit knowledge/_vectors/"
    assert why == "", f"{backend}: the shipped vectors were made by another {why}; {fix}"
    assert not missing, f"{backend}: {len(missing)} bundled chunks have no vector ({fix})"


@pytest.mark.parametrize("backend", SHIPPED)
def test_shipped_vectors_agree_with_the_encoder(backend: str) -> None:
    """The stored (float16 or int8) vectors of the probe texts against their float32 ones."""
    name = NAMES[backend]
    meta, rows, vectors, probes = shipped_vectors.read(shipped_vectors.vectors_file(name))
    stored = np.array([vectors[rows[content_key(name, text)]] for text in meta["probes"]])
    # dynamic int8 quantizes activations per batch, so a text's int8 vector moves a little
    # with the batch it was encoded in (the shipped rows in batches of 64, the probes alone)
    assert shipped_vectors.agreement(stored, probes) >= (0.99 if backend == "onnx-int8" else 0.999)


class Bundled(FakeEmbedder):
    """A fake encoder under the bundled model's name (its shipped file is checked the same
    way); `shift` makes one that encodes differently."""

    def __init__(self, name: str = "all-MiniLM-L6-v2", shift: float = 0.0) -> None:
        self.name = name
        self.shift = shift
        self.encoded: list[str] = []

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.encoded.extend(texts)
        vectors = np.array(super().embed_documents(texts)) + self.shift
        return [list(map(float, row)) for row in vectors]


class DictCache:
    def __init__(self) -> None:
        self.vectors: dict[str, list[float]] = {}

    def get_many(self, keys: Sequence[str]) -> dict[str, list[float]]:
        return {k: self.vectors[k] for k in keys if k in self.vectors}

    def put_many(self, items: dict[str, list[float]]) -> None:
        self.vectors.update(items)


SHIPPED = ["Evidence shows what a learner can do.", "A rubric names the levels of a skill."]


def shipped_file(tmp_path: Path, maker: Bundled, precision: str = "float16") -> Path:
    path = tmp_path / f"{maker.name}.npz"
    vectors = maker.embed_documents(SHIPPED)
    keyed = {content_key(maker.name, t): v for t, v in zip(SHIPPED, vectors, strict=True)}
    write(path, maker, keyed, SHIPPED[:1], precision=precision)
    return path


@pytest.mark.parametrize("precision", ["float16", "int8"])
def test_shipped_vectors_are_taken_and_the_rest_encoded(tmp_path: Path, precision: str) -> None:
    path = shipped_file(tmp_path, Bundled(), precision)
    encoder, cache = Bundled(), DictCache()
    embeddings = CachedEmbeddings(
        encoder, ShippedFirst(cache, lambda: ShippedVectors(encoder, path))
    )

    vectors = embeddings.embed_documents([*SHIPPED, "A text the school added."])

    assert embeddings.computed == 1  # only the school's text was encoded
    assert encoder.encoded == [SHIPPED[0], "A text the school added."]  # the probe, then it
    expected = np.array(Bundled().embed_documents(SHIPPED))
    assert shipped_vectors.agreement(np.array(vectors[:2]), expected) > 0.9999
    assert len(cache.vectors) == 3  # the index's own cache holds every indexed text's vector


def test_vectors_another_encoder_made_are_set_aside(tmp_path: Path) -> None:
    path = shipped_file(tmp_path, Bundled(shift=0.5))
    encoder = Bundled()
    shipped = ShippedVectors(encoder, path)
    embeddings = CachedEmbeddings(encoder, ShippedFirst(DictCache(), lambda: shipped))

    embeddings.embed_documents(SHIPPED)

    assert embeddings.computed == 2
    assert "this encoder's vectors differ" in shipped.why_not


def test_vectors_of_another_int8_recipe_are_set_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = shipped_file(tmp_path, Bundled("all-MiniLM-L6-v2+onnx-int8"))
    monkeypatch.setattr(onnx_encoder, "RECIPE", onnx_encoder.RECIPE + "-next")
    shipped = ShippedVectors(Bundled("all-MiniLM-L6-v2+onnx-int8"), path)

    assert not shipped.usable
    assert "another recipe" in shipped.why_not


def test_a_model_without_shipped_vectors_encodes_everything(tmp_path: Path) -> None:
    encoder = Bundled("some-local-model")
    shipped = ShippedVectors(encoder, tmp_path / "none.npz")
    embeddings = CachedEmbeddings(encoder, ShippedFirst(DictCache(), lambda: shipped))

    embeddings.embed_documents(SHIPPED)

    assert embeddings.computed == 2
    assert not shipped.usable


def test_a_key_whose_digest_ends_in_zero_bytes_reads_back(tmp_path: Path) -> None:
    """numpy's fixed-width bytes drop trailing zero bytes; one digest in 256 ends in one."""
    maker = Bundled()
    path = tmp_path / f"{maker.name}.npz"
    keys = ["ab" * 31 + "00", "cd" * 30 + "0000", "ef" * 32]
    vectors = maker.embed_documents(["one", "two", "three"])
    write(path, maker, dict(zip(keys, vectors, strict=True)), ["one"])

    _, rows, _, _ = shipped_vectors.read(path)

    assert sorted(rows) == sorted(keys)
