"""The int8 ONNX embedding backend (the default) against torch (the reference), in one run.

Run: python -m evals.bench_backends  (writes evals/reports/backends.md and backends.json)

- Quality: an index of the bundled knowledge per backend; retrieval recall@5 on the gold
  questions (dense only and hybrid) must stay within 0.01 of torch's; the mean cosine of the
  two backends' vectors of every bundled chunk.
- Speed: the encode rate of the same chunk texts, the two backends interleaved (A, B, B, A…:
  each goes first as often), each with every core and its own default batch size, medians and
  the ratio of each round; a single question's encode time (median of many); the load average
  beside them.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from assistant.retrieval.embeddings import Embedder, make_embedder
from evals.gold_set import load_gold
from evals.harness import machine, table, write_report
from evals.retrieval_systems import MemoEmbedder, WaypointSearch, build_index, evaluate_system

REPORT = Path(__file__).parent / "reports" / "backends.md"
MODEL = "all-MiniLM-L6-v2"
ROUNDS = 6  # interleaved encode rounds per backend
SAMPLE = 400  # chunk texts per encode round
QUESTIONS = ("What does a 3 mean on my report card?", "How can I help my child with ratios?")


def load() -> float:
    return os.getloadavg()[0]


def recall(embedder: Embedder, home: Path) -> tuple[dict[str, float], list[str]]:
    index = build_index(home, MemoEmbedder(embedder))
    questions = load_gold()
    scores: dict[str, float] = {}
    for mode in ("dense", "hybrid"):
        results = evaluate_system(WaypointSearch(mode, index.assistant.retriever, mode), questions)
        scores[mode] = round(statistics.fmean(r.scores["recall@5"] for r in results), 4)
    texts = [c.text for c in index.assistant.records.all_chunks()]
    index.assistant.records.close()
    return scores, texts


def rate(encode: Callable[[Sequence[str]], object], texts: Sequence[str]) -> float:
    started = time.perf_counter()
    encode(texts)
    return len(texts) / (time.perf_counter() - started)


def query_ms(embedder: Embedder, repeats: int = 30) -> float:
    runs = []
    for number in range(repeats):
        started = time.perf_counter()
        embedder.embed_query(f"{QUESTIONS[number % 2]} ({number})")  # each text new
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs)


def run() -> dict[str, Any]:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        torch = make_embedder(MODEL, backend="torch")
        int8 = make_embedder(MODEL, backend="onnx-int8", cache_dir=root / "models")
        export_started = time.perf_counter()
        int8.embed_query("export and load")
        export_seconds = time.perf_counter() - export_started
        torch.embed_query("load")
        quality_torch, texts = recall(torch, root / "torch")
        quality_int8, _ = recall(int8, root / "int8")
        sample = texts[:: max(1, len(texts) // SAMPLE)][:SAMPLE]
        a = np.array(torch.embed_documents(texts))
        b = np.array(int8.embed_documents(texts))
        cosine = float((a * b).sum(axis=1).mean())
        rates: dict[str, list[float]] = {"torch": [], "onnx-int8": []}
        loads: list[float] = []
        backends = {"torch": torch, "onnx-int8": int8}
        for number in range(ROUNDS):  # A, B, B, A, A, B…: drift in load hits both alike
            loads.append(load())
            for name in sorted(backends, reverse=number % 2 == 1):
                rates[name].append(rate(backends[name].embed_documents, sample))
        queries = {"torch": query_ms(torch), "onnx-int8": query_ms(int8)}
    median = {name: statistics.median(values) for name, values in rates.items()}
    return {
        "generated": date.today().isoformat(),
        "machine": machine(),
        "load_average": round(statistics.median(loads), 2),
        "load per round": [round(x, 2) for x in loads],
        "encode rate int8 / torch per round": [
            round(b / a, 2) for a, b in zip(rates["torch"], rates["onnx-int8"], strict=True)
        ],
        "chunks": len(texts),
        "export_and_load_seconds": round(export_seconds, 1),
        "recall@5": {"torch": quality_torch, "onnx-int8": quality_int8},
        "recall@5 difference (int8 - torch)": {
            mode: round(quality_int8[mode] - quality_torch[mode], 4) for mode in quality_torch
        },
        "mean cosine int8 vs torch (all chunks)": round(cosine, 4),
        "encode chunks/s (median)": {k: round(v, 1) for k, v in median.items()},
        "encode rate int8 / torch": round(median["onnx-int8"] / median["torch"], 2),
        "one new question, ms (median)": {k: round(v, 1) for k, v in queries.items()},
        "seconds": round(time.perf_counter() - started, 1),
    }


def render(data: dict[str, Any]) -> str:
    quality = data["recall@5"]
    rows = [
        [
            "recall@5, dense",
            quality["torch"]["dense"],
            quality["onnx-int8"]["dense"],
            data["recall@5 difference (int8 - torch)"]["dense"],
        ],
        [
            "recall@5, hybrid",
            quality["torch"]["hybrid"],
            quality["onnx-int8"]["hybrid"],
            data["recall@5 difference (int8 - torch)"]["hybrid"],
        ],
        [
            "encode, chunks/s (median)",
            data["encode chunks/s (median)"]["torch"],
            data["encode chunks/s (median)"]["onnx-int8"],
            f"{data['encode rate int8 / torch']}×",
        ],
        [
            "one new question, ms (median)",
            data["one new question, ms (median)"]["torch"],
            data["one new question, ms (median)"]["onnx-int8"],
            "",
        ],
    ]
    return "\n".join(
        [
            "# Embedding backends: int8 ONNX vs torch",
            "",
            f"{data['generated']}, {data['machine']}, load average {data['load_average']} "
            f"(1 min, median over the rounds); {data['chunks']} bundled chunks.",
            "",
            table(["", "torch (reference)", "onnx-int8 (default)", "int8 − torch / ratio"], rows),
            "",
            f"Mean cosine of the two backends' vectors of every bundled chunk: "
            f"{data['mean cosine int8 vs torch (all chunks)']}. Exporting and loading the int8 "
            f"graph the first time: {data['export_and_load_seconds']} s (once per home).",
            "",
            f"Encode rates are the same {SAMPLE} chunk texts, the backends interleaved over "
            f"{ROUNDS} rounds (each first in half of them); per round int8 / torch: "
            f"{', '.join(map(str, data['encode rate int8 / torch per round']))} (load "
            f"{', '.join(map(str, data['load per round']))}). Each backend encodes as it does "
            "in an ingest, with every core: torch as sentence-transformers' `encode` does by "
            "default (batches of 32, its intra-op threads); int8 in batches of 16, sorted by "
            "token count, run side by side, one per core. A question is encoded with one "
            "thread (`embedding_threads`).",
            "",
        ]
    )


def headline(data: dict[str, Any]) -> dict[str, float]:
    difference = data["recall@5 difference (int8 - torch)"]
    return {
        "recall@5 hybrid, int8 - torch": difference["hybrid"],
        "recall@5 dense, int8 - torch": difference["dense"],
        "mean cosine int8 vs torch": data["mean cosine int8 vs torch (all chunks)"],
        "encode rate int8 / torch": data["encode rate int8 / torch"],
    }


def main() -> None:
    data = run()
    write_report(REPORT, render(data), {**data, "headline": headline(data)})


if __name__ == "__main__":
    main()
