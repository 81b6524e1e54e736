"""The int8 graph shipped with the package: run in place on a fresh home (nothing exported),
and set aside for this home's own export, with the same vectors, when it is missing, damaged
or made from other model files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.retrieval import onnx_encoder
from assistant.retrieval.embeddings import bundled_minilm_path
from assistant.retrieval.onnx_encoder import OnnxEmbedder, onnx_file
from assistant.retrieval.shipped_graph import SHIPPED_MODELS, file_sha256, meta_file
from evals.ship_vectors import MODEL, graph_problem

SHIPPED = onnx_file(SHIPPED_MODELS, MODEL)
TEXTS = ["What does a 3 mean on my report card?", "Practise fractions at home with recipes."]


def embedder(cache: Path, shipped: Path = SHIPPED_MODELS) -> OnnxEmbedder:
    return OnnxEmbedder(MODEL, bundled_minilm_path, cache, shipped_dir=shipped)


@pytest.fixture
def exports(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Each export asked for; the export (torch, in a child process) stands in as a copy of
    the shipped graph, which is what it writes on this machine (test_onnx_backend checks)."""
    asked: list[Path] = []

    def export(model_folder: Path, target: Path) -> str:
        asked.append(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHIPPED, target)
        return file_sha256(target)

    monkeypatch.setattr(onnx_encoder, "ensure_int8", export)
    return asked


def test_the_shipped_graph_is_this_installs_and_the_shipped_vectors_came_from_it() -> None:
    problem = graph_problem()
    assert problem == "", f"{problem}: run `python -m evals.ship_vectors` and commit models/"


def test_a_fresh_home_runs_the_shipped_graph_in_place(tmp_path: Path, exports: list[Path]) -> None:
    fresh = embedder(tmp_path / "models")
    assert len(fresh.embed_query(TEXTS[0])) == 384
    assert exports == []  # nothing exported
    assert not (tmp_path / "models").exists()  # nor copied
    assert fresh.graph == SHIPPED
    assert fresh.sha256 == json.loads(meta_file(SHIPPED).read_text(encoding="utf-8"))["sha256"]


def _missing(graph: Path) -> None:
    graph.unlink()


def _damaged(graph: Path) -> None:
    data = bytearray(graph.read_bytes())
    data[len(data) // 2] ^= 0xFF
    graph.write_bytes(bytes(data))


def _other_model(graph: Path) -> None:
    meta = json.loads(meta_file(graph).read_text(encoding="utf-8"))
    meta_file(graph).write_text(json.dumps({**meta, "model": "0" * 64}), encoding="utf-8")


@pytest.mark.parametrize("spoil", [_missing, _damaged, _other_model], ids=lambda f: f.__name__)
def test_a_shipped_graph_that_does_not_fit_is_exported_instead_with_the_same_vectors(
    tmp_path: Path, exports: list[Path], spoil: object
) -> None:
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    for path in (SHIPPED, meta_file(SHIPPED)):
        shutil.copyfile(path, shipped / path.name)
    assert callable(spoil)
    spoil(onnx_file(shipped, MODEL))
    fallback = embedder(tmp_path / "models", shipped)
    vectors = fallback.embed_documents(TEXTS)
    assert exports == [fallback.path] and fallback.graph == fallback.path
    assert vectors == embedder(tmp_path / "unused").embed_documents(TEXTS)
