"""The int8 ONNX backend (the default) against the torch backend (the reference): the graph is
exported once from the bundled model's local files, its vectors agree with torch's on the
bundled chunks, and it never shares a cache key with them. The graph shipped with the package
gives the vectors this export gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest

from assistant.container import Assistant
from assistant.retrieval.embeddings import Embedder, bundled_minilm_path, content_key, make_embedder
from assistant.retrieval.onnx_encoder import OnnxEmbedder, verified

SAMPLE_EVERY = 3  # a third of the bundled chunks: every kind of text, a third of the time


@pytest.fixture(scope="session")
def int8(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    """The int8 backend, its graph exported once per session (not the shipped one)."""
    models = tmp_path_factory.mktemp("models")
    return OnnxEmbedder("all-MiniLM-L6-v2", bundled_minilm_path, models, shipped_dir=None)


def test_the_shipped_graph_gives_the_exported_graphs_vectors(
    int8: Embedder, tmp_path: Path
) -> None:
    """What a fresh home runs (the shipped graph) and what it falls back to (its export)."""
    shipped = make_embedder("all-MiniLM-L6-v2", backend="onnx-int8", cache_dir=tmp_path)
    texts = ["What does a 3 mean on my report card?", "Fractions at home", "¿Qué es un 3?"]
    assert isinstance(shipped, OnnxEmbedder) and isinstance(int8, OnnxEmbedder)
    got, exported = np.array(shipped.embed_documents(texts)), np.array(int8.embed_documents(texts))
    assert shipped.graph != int8.graph
    assert float((got * exported).sum(axis=1).min()) >= 0.9999


def test_int8_vectors_agree_with_torch_on_the_bundled_chunks(
    int8: Embedder, embedder: Embedder, bundled_assistant: Assistant
) -> None:
    chunks = bundled_assistant.records.all_chunks()[::SAMPLE_EVERY]
    texts = [c.text for c in chunks]
    # torch's vectors of these chunks were cached when the session's index was built
    cached = bundled_assistant.records.get_many([content_key(embedder.name, t) for t in texts])
    reference = np.array([cached[content_key(embedder.name, t)] for t in texts])
    vectors = np.array(int8.embed_documents(texts))
    cosines = (vectors * reference).sum(axis=1)
    assert float(cosines.mean()) >= 0.98
    assert float(np.linalg.norm(vectors, axis=1).min()) == pytest.approx(1.0, abs=1e-4)
    question = "What does a 3 mean on my report card?"
    assert np.dot(int8.embed_query(question), embedder.embed_query(question)) >= 0.97


def test_the_graph_is_kept_with_its_hash_and_named_apart_from_torch(
    int8: Embedder, embedder: Embedder
) -> None:
    assert isinstance(int8, OnnxEmbedder)
    int8.embed_query("load it")
    assert verified(int8.path) and int8.sha256
    nodes = onnx.load(str(int8.path), load_external_data=False).graph.node
    assert sum(node.op_type == "QAttention" for node in nodes) == 6  # fused, then quantized
    assert int8.name != embedder.name and "onnx-int8" in int8.name
    assert content_key(int8.name, "a text") != content_key(embedder.name, "a text")


def test_a_damaged_graph_is_exported_again(tmp_path: Path, int8: Embedder) -> None:
    assert isinstance(int8, OnnxEmbedder)
    copy = OnnxEmbedder(
        "all-MiniLM-L6-v2", lambda: Path(int8._model_path()), tmp_path, threads=1, shipped_dir=None
    )
    copy.path.parent.mkdir(parents=True, exist_ok=True)
    copy.path.write_bytes(int8.path.read_bytes()[:1000])  # cut short: its hash no longer fits
    copy.path.with_suffix(".sha256").write_text(int8.sha256 or "", encoding="utf-8")
    assert not verified(copy.path)
    assert copy.embed_query("a question") == pytest.approx(int8.embed_query("a question"))
    assert verified(copy.path)
