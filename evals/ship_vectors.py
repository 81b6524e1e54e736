"""Regenerate the vectors shipped with the bundled knowledge (knowledge/_vectors/) and the int8
graph shipped with the package (models/).

    python -m evals.ship_vectors            # the graph, then both backends' vectors (a minute)
    python -m evals.ship_vectors --check    # exit 1 when a bundled text has no shipped vector,
                                            # or the shipped graph is not this install's

Run it after changing the bundled knowledge, the chunking or the composer's passages (the
unit test tests/unit/test_shipped_vectors.py says when). It lists the texts an ingest of the
bundled knowledge embeds (each chunk, and each passage answers are composed from), encodes
them with each backend and writes one file per backend (see assistant/retrieval/shipped_vectors).
With the int8 backend it first exports the bundled model's int8 graph again, from its local
files, into models/ with its hash, recipe and model identity (assistant/retrieval/shipped_graph),
and encodes with that graph, whose hash the vectors record.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

from assistant.chat.passage_vectors import passage_texts
from assistant.index.records import IndexRecords
from assistant.ingest.plan import Planner
from assistant.ingest.report import IngestReport
from assistant.retrieval import shipped_graph, shipped_vectors
from assistant.retrieval.embeddings import EMBEDDERS, Embedder, content_key, make_embedder
from assistant.retrieval.onnx_encoder import RECIPE, ensure_int8, onnx_file
from assistant.settings import BUNDLED_KNOWLEDGE, Settings
from assistant.types import Chunk

MODEL = "all-MiniLM-L6-v2"
# The embedder names of the backends shipped: the default, and torch (the tests' reference).
NAMES = {"onnx-int8": f"{MODEL}+onnx-int8", "torch": MODEL}
# How each is stored, and whether the composer's passages are shipped too: the default backend
# embeds them at ingest (int8 storage, half the size); torch only in tests, whose profile
# embeds the few passages an answer compares instead (float16: its thresholds were measured
# with it, so it stays within 1e-5 of its vectors).
PRECISION = {"onnx-int8": "int8", "torch": "float16"}
WITH_PASSAGES = {"onnx-int8": True, "torch": False}
# The backends whose file is committed (the unit test checks each; the command regenerates them).
SHIPPED: tuple[str, ...] = ("onnx-int8", "torch")


def bundled_chunks(knowledge: Path = BUNDLED_KNOWLEDGE) -> list[Chunk]:
    """The chunks an ingest of the bundled knowledge writes (the indexer's own plan)."""
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), knowledge_dir=knowledge)
        records = IndexRecords(Path(home) / "index.sqlite3")
        try:
            report = IngestReport()
            plans, _ = Planner(settings, records).plan([knowledge], report)
        finally:
            records.close()
    if report.problems:
        raise SystemExit("the bundled knowledge does not load: " + "; ".join(report.problems))
    return [chunk for plan in plans for chunk in plan.chunks]


def bundled_texts(knowledge: Path = BUNDLED_KNOWLEDGE, *, passages: bool = True) -> list[str]:
    """Every text an ingest of the bundled knowledge embeds, each once (the chunks, then the
    composer's passages)."""
    chunks = bundled_chunks(knowledge)
    return list(
        dict.fromkeys([c.text for c in chunks] + (passage_texts(chunks) if passages else []))
    )


def missing_and_stale(backend: str, texts: list[str]) -> tuple[list[str], int, str]:
    """The texts with no shipped vector, how many shipped vectors no text has, and why the
    file's identity is not this install's ('' when it is)."""
    name = NAMES[backend]
    path = shipped_vectors.vectors_file(name)
    if not path.is_file():
        return texts, 0, f"{path.name} is missing"
    meta, rows, _, _ = shipped_vectors.read(path)
    keys = {content_key(name, text): text for text in texts}
    wanted = shipped_vectors.identity(SimpleNamespace(name=name))
    why = "" if wanted and all(meta.get(k) == v for k, v in wanted.items()) else "identity"
    return [t for k, t in keys.items() if k not in rows], len(set(rows) - set(keys)), why


def graph_problem(models: Path = shipped_graph.SHIPPED_MODELS) -> str:
    """Why the shipped int8 graph is not this install's or not the one the shipped int8
    vectors were encoded with ('' when it is both)."""
    graph = onnx_file(models, MODEL)
    why = shipped_graph.mismatch(graph, EMBEDDERS[MODEL](), RECIPE)
    if why:
        return why
    meta, _, _, _ = shipped_vectors.read(shipped_vectors.vectors_file(NAMES["onnx-int8"]))
    if meta.get("graph_sha256") != shipped_graph.file_sha256(graph):
        return f"the shipped int8 vectors were encoded with another graph than {graph.name}"
    return ""


def ship_graph(work: Path, models: Path = shipped_graph.SHIPPED_MODELS) -> Path:
    """Export the bundled model's int8 graph again (in a child process, from its local files)
    and put it in `models` with its hash, recipe and model identity beside it."""
    folder = EMBEDDERS[MODEL]()
    exported = onnx_file(work / "export", MODEL)
    ensure_int8(folder, exported)
    target = onnx_file(models, MODEL)
    models.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(exported, target)
    shipped_graph.write_meta(target, folder, RECIPE)
    return target


def ship(backend: str, texts: list[str], work: Path) -> Path:
    embedder: Embedder = make_embedder(MODEL, backend=backend, cache_dir=work, batch_size=64)
    vectors = embedder.embed_documents(texts)
    by_key = {content_key(embedder.name, t): v for t, v in zip(texts, vectors, strict=True)}
    path = shipped_vectors.vectors_file(embedder.name)
    probes = texts[: shipped_vectors.PROBES]
    shipped_vectors.write(path, embedder, by_key, probes, precision=PRECISION[backend])
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say what is missing")
    parser.add_argument(
        "--backend", choices=sorted(NAMES), action="append", help="default: SHIPPED"
    )
    args = parser.parse_args(argv)
    backends = args.backend or list(SHIPPED)
    chunks = bundled_texts(passages=False)
    with_passages = bundled_texts() if any(WITH_PASSAGES[b] for b in backends) else chunks
    if args.check:
        bad = 0
        for backend in backends:
            texts = with_passages if WITH_PASSAGES[backend] else chunks
            missing, extra, why = missing_and_stale(backend, texts)
            print(f"{backend}: {len(missing)} missing, {extra} stale, identity {why or 'ok'}")
            bad += len(missing) + extra + bool(why)
        if "onnx-int8" in backends:
            problem = graph_problem()
            print(f"int8 graph: {problem or 'ok'}")
            bad += bool(problem)
        return 1 if bad else 0
    with tempfile.TemporaryDirectory() as work:
        if "onnx-int8" in backends:
            graph = ship_graph(Path(work))
            print(f"int8 graph -> {graph} ({graph.stat().st_size:,} bytes)")
        for backend in backends:
            texts = with_passages if WITH_PASSAGES[backend] else chunks
            path = ship(backend, texts, Path(work))
            print(f"{backend}: {len(texts)} vectors -> {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
