"""Speed and scale benchmark: warm answers, cold start, memory, and search at 50,000 chunks.

Run: python -m evals.bench_speed  (writes evals/reports/speed.md and speed.json)

Every figure comes from one run on one machine, each set beside a baseline measured in the same
run; the ratios are what to compare. Nothing here is asserted.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from assistant.chat.guards import VERDICTS
from assistant.chat.types import AskContext, Role
from assistant.container import Assistant, build_assistant
from assistant.index.vectorstore import make_vector_store
from assistant.retrieval.lexical import LexicalIndex
from assistant.settings import BUNDLED_KNOWLEDGE, Settings
from assistant.types import Chunk, make_chunk
from evals.harness import machine, table, write_report

ROOT = Path(__file__).resolve().parent.parent
REPORT = Path(__file__).parent / "reports" / "speed.md"
GOLD = Path(__file__).parent / "gold" / "retrieval.jsonl"
ROLES: dict[str, Role] = {"students": "student", "parents": "parent", "teachers": "teacher"}
QUESTIONS = 60
COLD_RUNS = 3
SEED = 20260
DIMENSION = 384
SCALE_BIG = 50_000
SCALE_SMALL = 2_000
CHUNK_CHARS = 600
SEARCH_QUERIES = 60
INSERT_BATCH = 5_000
BACKEND: Literal["onnx-int8", "torch"] = "onnx-int8"


@dataclass(frozen=True)
class Stats:
    """Latencies in seconds; rendered in milliseconds or seconds."""

    runs: tuple[float, ...]

    def pct(self, q: float) -> float:
        return float(np.percentile(np.array(self.runs), q))

    @property
    def p50(self) -> float:
        return self.pct(50)

    @property
    def p95(self) -> float:
        return self.pct(95)

    def as_json(self, scale: float = 1000.0) -> dict[str, float | int]:
        return {
            "n": len(self.runs),
            "min": round(min(self.runs) * scale, 3),
            "p50": round(self.p50 * scale, 3),
            "p95": round(self.p95 * scale, 3),
            "max": round(max(self.runs) * scale, 3),
        }

    def cells(self, scale: float = 1000.0, digits: int = 1) -> list[str]:
        values = (min(self.runs), self.p50, self.p95, max(self.runs))
        return [f"{v * scale:.{digits}f}" for v in values]


def timed(action: Callable[..., object], *args: Any, **kwargs: Any) -> float:
    started = time.perf_counter()
    action(*args, **kwargs)
    return time.perf_counter() - started


def gold_questions(limit: int) -> list[tuple[str, Role]]:
    """Up to `limit` gold questions spread evenly across the file (all audiences)."""
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line]
    step = max(1, len(rows) // limit)
    picked = rows[::step][:limit]
    return [(str(r["question"]), ROLES.get(str(r["audience"]), "parent")) for r in picked]


# 1. warm answer latency ---------------------------------------------------------------------
WARM_UP = (  # never among the timed questions: they load the model and the indexes only
    "How do report cards work?",
    "What is a competency?",
    "How can I practise at home?",
)


def naive_stuff(assistant: Assistant, question: str) -> str:
    """A tutorial "retrieve-and-stuff" pipeline up to its LLM call: the question embedded (no
    cache, as a tutorial does), the top 4 from the same Chroma store, joined."""
    vector = assistant.embedder.embed_query(question)
    documents = assistant.vector_store.similarity_search_by_vector(vector, k=4)
    return "\n\n".join(doc.page_content for doc in documents)


def warm_answers(assistant: Assistant, questions: Sequence[tuple[str, Role]]) -> dict[str, Stats]:
    """Warm process, first-time questions: the model and indexes are loaded with other
    questions, then each timed question is asked for the first time (no cache has seen it),
    interleaved with the baseline (A, B, A, B); then each is asked again (a repeat, from the
    in-memory question vectors)."""

    def ours(question: str, role: Role) -> object:
        return assistant.chat.ask(question, AskContext(role=role))

    for question in WARM_UP:
        ours(question, "parent")
        naive_stuff(assistant, question)
    first: list[float] = []
    naive: list[float] = []
    loads = [os.getloadavg()[0]]
    for question, role in questions:
        first.append(timed(ours, question, role))
        naive.append(timed(naive_stuff, assistant, question))
    loads.append(os.getloadavg()[0])
    repeat = [timed(ours, question, role) for question, role in questions]
    loads.append(os.getloadavg()[0])
    return {
        "waypoint": Stats(tuple(first)),
        "repeat": Stats(tuple(repeat)),
        "naive": Stats(tuple(naive)),
        "load": Stats(tuple(loads)),
    }


# 2 and 3. cold start and memory -------------------------------------------------------------
COLD_CHILD = """
import json, resource, time
from assistant.chat.types import AskContext
from assistant.container import build_assistant
from assistant.settings import Settings
answer = build_assistant(Settings()).chat.ask({question!r}, AskContext(role="parent"))
done = time.time()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
out = {{"at": done, "rss_mib": rss, "hwm_mib": int(hwm) / 1024, "chars": len(answer.text)}}
print(json.dumps(out))
"""

TORCH_CHILD = """
import json, resource, time
import torch
done = time.time()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(json.dumps({"at": done, "rss_mib": rss, "hwm_mib": int(hwm) / 1024}))
"""


def child(code: str, env: dict[str, str]) -> tuple[float, float, float]:
    """Seconds from launching a fresh interpreter to the child's event; its peak RSS (MiB) as
    ru_maxrss and as VmHWM."""
    launched = time.time()
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return float(figures["at"]) - launched, float(figures["rss_mib"]), float(figures["hwm_mib"])


def cold_start(home: Path, question: str) -> dict[str, Any]:
    env = {
        **os.environ,
        "WAYPOINT_HOME": str(home),
        "WAYPOINT_PROFILE": "test",
        "WAYPOINT_EMBEDDING_BACKEND": BACKEND,
    }
    answer = [child(COLD_CHILD.format(question=question), env) for _ in range(COLD_RUNS)]
    torch = [child(TORCH_CHILD, dict(os.environ)) for _ in range(COLD_RUNS)]
    return {
        "answer_s": Stats(tuple(a[0] for a in answer)),
        "torch_s": Stats(tuple(t[0] for t in torch)),
        "answer_rss": Stats(tuple(a[1] for a in answer)),
        "torch_rss": Stats(tuple(t[1] for t in torch)),
        "answer_hwm": Stats(tuple(a[2] for a in answer)),
        "torch_hwm": Stats(tuple(t[2] for t in torch)),
    }


# 4. scale -----------------------------------------------------------------------------------
def guide_sentences() -> list[str]:
    sentences: list[str] = []
    for path in sorted((BUNDLED_KNOWLEDGE / "guides").rglob("*.md")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip().lstrip("-*> ").strip()
            if not line or line.startswith(("#", "|", "---")):
                continue
            sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+", line) if len(s) > 20]
    return sentences


def synthetic_chunks(count: int) -> list[Chunk]:
    """Chunks of ~600 characters recombined from guide sentences with a fixed seed."""
    sentences = guide_sentences()
    rng = random.Random(SEED)
    audiences = ("students", "parents", "teachers")
    chunks: list[Chunk] = []
    for i in range(count):
        parts: list[str] = []
        size = 0
        while size < CHUNK_CHARS - 60:
            sentence = rng.choice(sentences)
            parts.append(sentence)
            size += len(sentence) + 1
        text = " ".join(parts)[: CHUNK_CHARS + 60]
        metadata: dict[str, str | int | float | bool] = {
            "doc_type": "guide",
            "audience": audiences[i % 3],
            "title": f"Synthetic guide {i // 20}",
        }
        chunks.append(make_chunk(f"synthetic/{i // 20}.md", text, metadata))
    return chunks


def unit_vectors(count: int, seed: int) -> np.ndarray[Any, np.dtype[np.float32]]:
    vectors = np.random.default_rng(seed).standard_normal((count, DIMENSION)).astype(np.float32)
    normed: np.ndarray[Any, np.dtype[np.float32]] = vectors / np.linalg.norm(
        vectors, axis=1, keepdims=True
    )
    return normed


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def scale_run(
    assistant: Assistant, chunks: Sequence[Chunk], home: Path, queries: Sequence[str]
) -> dict[str, Any]:
    settings = Settings(profile="test", home=home, collection=f"synthetic{len(chunks)}")
    store = make_vector_store(settings, assistant.embeddings)
    vectors = unit_vectors(len(chunks), SEED)
    started = time.perf_counter()
    for start in range(0, len(chunks), INSERT_BATCH):
        batch = chunks[start : start + INSERT_BATCH]
        store._collection.add(
            ids=[f"syn-{start + j}" for j in range(len(batch))],
            embeddings=vectors[start : start + len(batch)],
            documents=[c.text for c in batch],
            metadatas=[dict(c.metadata) for c in batch],
        )
    insert_s = time.perf_counter() - started
    started = time.perf_counter()
    lexical = LexicalIndex(chunks)
    bm25_build_s = time.perf_counter() - started
    probes = [v.tolist() for v in unit_vectors(SEARCH_QUERIES, SEED + 1)]
    for probe in probes[:5]:  # warm-up
        store.similarity_search_by_vector(probe, k=10)
    for query in queries[:5]:
        lexical.search(query, 10)
    dense = [timed(store.similarity_search_by_vector, p, k=10) for p in probes]
    bm25 = [timed(lexical.search, q, 10) for q in queries]
    return {
        "chunks": len(chunks),
        "insert_s": insert_s,
        "bm25_build_s": bm25_build_s,
        "dense": Stats(tuple(dense)),
        "bm25": Stats(tuple(bm25)),
        "chroma_mib": folder_bytes(settings.chroma_dir) / 2**20,
    }


# the run ------------------------------------------------------------------------------------
def measure_all() -> dict[str, Any]:
    questions = gold_questions(QUESTIONS)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "index"
        # the product's default backend and ingest (the test profile's backend is torch, the
        # reference, and it leaves the composer's passages to answer time)
        settings = Settings(
            profile="test", home=home, embedding_backend=BACKEND, passage_vectors_at_ingest=True
        )
        assistant = build_assistant(settings)
        started = time.perf_counter()
        ingested = assistant.indexer.ingest([BUNDLED_KNOWLEDGE])
        build_s = time.perf_counter() - started
        VERDICTS.clear()  # answer as a process that did not ingest: verdicts come from the index
        print(f"index built: {ingested.chunks_added} chunks in {build_s:.1f} s", flush=True)
        warm = warm_answers(assistant, questions)
        print("warm answers measured", flush=True)
        cold = cold_start(home, questions[0][0])
        print("cold start measured", flush=True)
        texts = [q for q, _ in questions][:SEARCH_QUERIES]
        chunks = synthetic_chunks(SCALE_BIG)
        big = scale_run(assistant, chunks, Path(tmp) / "big", texts)
        print("50k measured", flush=True)
        small = scale_run(assistant, chunks[:SCALE_SMALL], Path(tmp) / "small", texts)
    return {
        "machine": machine(),
        "index_chunks": ingested.chunks_added,
        "index_build_s": build_s,
        "questions": len(questions),
        "warm": warm,
        "cold": cold,
        "big": big,
        "small": small,
    }


def headline(f: dict[str, Any]) -> dict[str, float]:
    warm, cold, big, small = f["warm"], f["cold"], f["big"], f["small"]
    return {
        "answer_p50_ms": round(warm["waypoint"].p50 * 1000, 1),
        "answer_p95_ms": round(warm["waypoint"].p95 * 1000, 1),
        "naive_p50_ms": round(warm["naive"].p50 * 1000, 1),
        "answer/naive p50": round(warm["waypoint"].p50 / warm["naive"].p50, 2),
        "repeat_p50_ms": round(warm["repeat"].p50 * 1000, 1),
        "repeat/naive p50": round(warm["repeat"].p50 / warm["naive"].p50, 2),
        "cold_start_s": round(cold["answer_s"].p50, 2),
        "cold_start/import torch": round(cold["answer_s"].p50 / cold["torch_s"].p50, 2),
        "rss_mib": round(cold["answer_hwm"].p50, 1),
        "rss/import torch": round(cold["answer_hwm"].p50 / cold["torch_hwm"].p50, 2),
        "search_50k_ms": round(big["dense"].p50 * 1000, 2),
        "bm25_50k_ms": round(big["bm25"].p50 * 1000, 2),
        "bm25 50k/2k p50": round(big["bm25"].p50 / small["bm25"].p50, 2),
        "chroma_50k_mib": round(big["chroma_mib"], 1),
    }


def as_json(f: dict[str, Any]) -> dict[str, Any]:
    warm, cold = f["warm"], f["cold"]
    scale = {
        name: {
            "chunks": f[name]["chunks"],
            "insert_s": round(f[name]["insert_s"], 2),
            "bm25_build_s": round(f[name]["bm25_build_s"], 2),
            "dense_ms": f[name]["dense"].as_json(),
            "bm25_ms": f[name]["bm25"].as_json(),
            "chroma_mib": round(f[name]["chroma_mib"], 1),
        }
        for name in ("big", "small")
    }
    return {
        "machine": f["machine"],
        "index_chunks": f["index_chunks"],
        "index_build_s": round(f["index_build_s"], 1),
        "questions": f["questions"],
        "warm_ms": {k: v.as_json() for k, v in warm.items() if k != "load"},
        "load_average": warm["load"].as_json(1.0),
        "cold_start_s": {k: cold[k].as_json(1.0) for k in ("answer_s", "torch_s")},
        "rss_mib": {k: cold[k].as_json(1.0) for k in ("answer_hwm", "torch_hwm")},
        "ru_maxrss_mib": {k: cold[k].as_json(1.0) for k in ("answer_rss", "torch_rss")},
        "scale": scale,
        "headline": headline(f),
    }


def render(f: dict[str, Any]) -> str:
    warm, cold, big, small = f["warm"], f["cold"], f["big"], f["small"]
    ours, naive = warm["waypoint"], warm["naive"]
    header = ["path", "min", "p50", "p95", "max", "p50 ratio"]
    answers = table(
        ["path (ms)", "min", "p50", "p95", "max", "p50 / naive"],
        [
            [
                "Waypoint `chat.ask`, first-time question",
                *ours.cells(),
                f"{ours.p50 / naive.p50:.2f}",
            ],
            [
                "Waypoint `chat.ask`, repeated question",
                *warm["repeat"].cells(),
                f"{warm['repeat'].p50 / naive.p50:.2f}",
            ],
            ["naive retrieve-only (baseline)", *naive.cells(), "1.00"],
        ],
    )
    a_s, t_s = cold["answer_s"], cold["torch_s"]
    a_m, t_m = cold["answer_hwm"], cold["torch_hwm"]
    a_r, t_r = cold["answer_rss"], cold["torch_rss"]
    cold_table = table(
        [*header[:5], "p50 / baseline"],
        [
            ["launch to first answer (s)", *a_s.cells(1.0, 2), f"{a_s.p50 / t_s.p50:.2f}"],
            ["launch to `import torch` done (s, baseline)", *t_s.cells(1.0, 2), "1.00"],
            ["peak RSS after first answer (MiB)", *a_m.cells(1.0, 0), f"{a_m.p50 / t_m.p50:.2f}"],
            ["peak RSS, `import torch` only (MiB, baseline)", *t_m.cells(1.0, 0), "1.00"],
            ["`ru_maxrss` after first answer (MiB, see note)", *a_r.cells(1.0, 0), "-"],
            ["`ru_maxrss`, `import torch` only (MiB, see note)", *t_r.cells(1.0, 0), "-"],
        ],
    )
    scale_rows: list[list[object]] = []
    for kind, label in (("dense", "dense, Chroma k=10"), ("bm25", "BM25, bm25s k=10")):
        for run in (big, small):
            base = small[kind].p50
            scale_rows.append(
                [
                    f"{label}, {run['chunks']:,} chunks",
                    *run[kind].cells(1000.0, 2),
                    f"{run[kind].p50 / base:.2f}",
                ]
            )
    scale_table = table(["query (ms)", "min", "p50", "p95", "max", "p50 / 2,000"], scale_rows)
    build_table = table(
        ["corpus", "Chroma insert (s)", "BM25 build (s)", "Chroma folder (MiB)"],
        [
            [
                f"{run['chunks']:,} chunks",
                f"{run['insert_s']:.1f}",
                f"{run['bm25_build_s']:.1f}",
                f"{run['chroma_mib']:.1f}",
            ]
            for run in (big, small)
        ],
    )
    lines = [
        "# Speed and scale benchmark",
        "",
        f"Machine: {f['machine']}. Index: the bundled knowledge ({f['index_chunks']} chunks, "
        f"built once in {f['index_build_s']:.0f} s in a temporary home). Every figure is from "
        "this one run; compare the ratios, not the absolute numbers across machines.",
        "",
        f"## Warm answer latency ({f['questions']} gold questions, all audiences)",
        "",
        answers,
        "",
        f"Load average (1 min) during the run: median {warm['load'].p50:.1f}. "
        "The process is warmed with other questions; each timed question is then asked for the "
        "first time (no cache has seen it), interleaved with the baseline, and then once "
        "more (repeated: its vector comes from memory). Since the issue 20 work, the passages "
        "answers are composed from are embedded at ingest (the index is built with the "
        "product's ingest settings), so answering embeds only the question, and the injection "
        "guard's verdicts on their sentences are stored then too: the answers are asked with "
        "the guard's memory emptied after the ingest, as in a process that did not ingest. "
        "Baseline: a tutorial LangChain retrieve-and-stuff "
        "pipeline over the same Chroma index: the question embedded without a cache, "
        "`vector_store.similarity_search_by_vector(v, k=4)` and the "
        "page contents joined into one string, i.e. everything such a pipeline does before its "
        "LLM call (there is no LLM here). Waypoint's path adds intent classification, hybrid "
        "dense + BM25 retrieval, extractive sentence selection and templating; questions that "
        "need no passages (e.g. about a learner when none is given) answer in about a millisecond.",
        "",
        f"## Cold start and memory ({COLD_RUNS} fresh interpreters each)",
        "",
        cold_table,
        "",
        "Cold start: wall time from launching `python -c` to the first `chat.ask` answer in the "
        "child, on the already-built index (WAYPOINT_HOME of the index above, "
        "WAYPOINT_PROFILE=test); it includes interpreter start, imports, the embedding model "
        "load and opening the index. Baseline: the same measure for a child that only runs "
        "`import torch`. Peak RSS is the child's VmHWM (its own address space's high-water mark), "
        "printed by the child. `ru_maxrss` from `getrusage(RUSAGE_SELF)` is printed too, but on "
        "Linux it keeps the high-water mark of the address space the child was spawned from, "
        "i.e. this benchmark's own process with the model and index loaded, so it shows the "
        "parent's peak rather than the child's. The disk cache is warm "
        "(the files were just read), so this is a cold process, not a cold machine.",
        "",
        "## Search at scale",
        "",
        scale_table,
        "",
        build_table,
        "",
        f"Synthetic corpus: {SCALE_BIG:,} chunks of about {CHUNK_CHARS} characters, recombined "
        "from the bundled guides' sentences (English and Spanish, as bundled) with a fixed seed, "
        "inserted straight into a separate "
        "Chroma collection (Waypoint's HNSW configuration: cosine, same ef settings) with "
        f"precomputed random unit vectors of dimension {DIMENSION}. The texts were not embedded "
        "with the model: at the measured ingest rate that would take about half an hour on this "
        "machine. Random vectors give HNSW no cluster structure, so dense latency here is a "
        "fair-to-pessimistic stand-in. Dense queries: `similarity_search_by_vector` with "
        f"{SEARCH_QUERIES} random unit vectors; BM25 queries: {SEARCH_QUERIES} gold questions "
        "over `LexicalIndex` (bm25s) built from the same chunks. Baseline: the same procedure "
        f"over the first {SCALE_SMALL:,} chunks.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    figures = measure_all()
    write_report(REPORT, render(figures), as_json(figures))


if __name__ == "__main__":
    main()
