"""How the int8 backend runs: its graph fused before it was quantized (one attention operator a
layer), and an ingest in batches: texts sorted by their token count, each batch padded to its
own longest text, the batches run side by side on one thread each, and every vector returned
in the order of the texts (the shipped graph, run for real)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from tokenizers import Tokenizer

from assistant.retrieval import onnx_encoder
from assistant.retrieval.embeddings import bundled_minilm_path
from assistant.retrieval.onnx_encoder import OnnxEmbedder, batches
from assistant.retrieval.shipped_graph import SHIPPED_MODELS

# characters and tokens disagree: "a a a …" is 80 characters and 42 tokens, the long word
# repeated 84 characters and 10 tokens
TEXTS = [
    "a " * 40,
    "internationalization " * 4,
    "b " * 30,
    "x",
    "Fractions",
    "Ratios and rates " * 12,
]


def token_counts(texts: list[str]) -> list[int]:
    tokenizer = Tokenizer.from_file(str(bundled_minilm_path() / "tokenizer.json"))
    tokenizer.no_padding()
    return [len(e.ids) for e in tokenizer.encode_batch(texts)]


class Recorder:
    """The real session, and the width and thread count of every batch run on it."""

    def __init__(self, session: Any, threads: int, runs: list[tuple[int, int]]) -> None:
        self.session, self.threads, self.runs = session, threads, runs

    def run(self, names: Any, feeds: dict[str, np.ndarray]) -> Any:
        self.runs.append((feeds["input_ids"].shape[1], self.threads))
        return self.session.run(names, feeds)


def fused_operators(graph: Path) -> Counter[str]:
    nodes = onnx.load(str(graph), load_external_data=False).graph.node
    return Counter(node.op_type for node in nodes)


def test_the_shipped_graph_is_fused_before_it_is_quantized() -> None:
    """Six layers: an int8 attention operator each, two skip layer norms, one bias GELU."""
    counts = fused_operators(onnx_encoder.onnx_file(SHIPPED_MODELS, "all-MiniLM-L6-v2"))
    assert counts["QAttention"] == 6 and counts["QEmbedLayerNormalization"] == 1
    assert counts["SkipLayerNormalization"] == 12 and counts["BiasGelu"] == 6
    assert counts["MatMulInteger"] == 18  # the rest of each layer's weights, in int8


def test_batches_group_texts_of_similar_token_counts() -> None:
    assert batches([3, 50, 7, 49, 2], 2) == [[1, 3], [2, 0], [4]]
    assert batches([], 4) == []


def test_an_ingest_pads_each_batch_to_its_longest_and_keeps_the_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[tuple[int, int]] = []
    make = OnnxEmbedder._session
    monkeypatch.setattr(
        OnnxEmbedder, "_session", lambda self, threads: Recorder(make(self, threads), threads, runs)
    )
    embedder = OnnxEmbedder("all-MiniLM-L6-v2", bundled_minilm_path, tmp_path, batch_size=2)
    vectors = np.array(embedder.embed_documents(TEXTS))
    longest_first = sorted(token_counts(TEXTS), reverse=True)
    # each batch of 2 is as wide as its longest text, in token counts' order: least padding
    assert sorted(width for width, _ in runs) == sorted(longest_first[::2])
    assert {threads for _, threads in runs} == {1}  # the cores run whole batches, not operators
    # in the texts' order: each vector is nearest to its own text's, embedded alone (not the
    # same to the bit: int8 activations are quantized per batch)
    alone = np.array([embedder.embed_query(text) for text in TEXTS])
    assert list((vectors @ alone.T).argmax(axis=1)) == list(range(len(TEXTS)))
    assert float((vectors * alone).sum(axis=1).min()) >= 0.97
    assert not (tmp_path / onnx_encoder.onnx_file(tmp_path, "all-MiniLM-L6-v2").name).exists()
