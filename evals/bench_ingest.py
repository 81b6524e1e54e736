"""Ingest benchmark: first ingest vs re-ingest of an unchanged corpus, and the embedding limit.

Run: python -m evals.bench_ingest  (writes evals/reports/ingest.md and ingest.json)
All figures come from one run on one machine; the ratios are what to compare.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.container import build_assistant
from assistant.index.vectorstore import unfindable
from assistant.settings import BUNDLED_KNOWLEDGE, Settings
from evals.harness import machine, measure, table, write_report

REPORT = Path(__file__).parent / "reports" / "ingest.md"


def measure_ingest() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as home:
        assistant = build_assistant(Settings(profile="test", home=Path(home)))
        load_started = time.perf_counter()
        assistant.embedder.embed_query("load the model")
        load_seconds = time.perf_counter() - load_started
        started = time.perf_counter()
        first = assistant.indexer.ingest([BUNDLED_KNOWLEDGE])
        first_seconds = time.perf_counter() - started
        again = measure(lambda: assistant.indexer.ingest([BUNDLED_KNOWLEDGE]), repeats=5, warmup=0)
        texts = [c.text for c in assistant.records.all_chunks()]
        ids = [c.id for c in assistant.records.all_chunks()]
        # The read-your-writes check the first ingest ran over every new passage, timed alone.
        check = measure(lambda: unfindable(assistant.vector_store, ids), repeats=3, warmup=1)
        lost = len(unfindable(assistant.vector_store, ids))
        raw = measure(lambda: assistant.embedder.embed_documents(texts), repeats=1, warmup=0)
    return {
        "machine": machine(),
        "files": first.files,
        "chunks": first.chunks_added,
        "texts": len(texts),
        "model_load_seconds": load_seconds,
        "first_ingest_seconds": first_seconds,
        "raw_embedding_seconds": raw.median,
        "reingest_seconds": again.median,
        "search_check_seconds": check.median,
        "search_check_lost": lost,
    }


def headline(figures: dict[str, Any]) -> dict[str, float]:
    chunks, first = figures["chunks"], figures["first_ingest_seconds"]
    return {
        "first ingest (s)": round(first, 2),
        "chunks/s": round(chunks / first, 1),
        "re-ingest, unchanged (s)": round(figures["reingest_seconds"], 3),
        "ingest / raw embedding throughput": round(
            (chunks / first) / (figures["texts"] / figures["raw_embedding_seconds"]), 2
        ),
    }


def render(figures: dict[str, Any]) -> str:
    chunks, first_seconds = figures["chunks"], figures["first_ingest_seconds"]
    load_seconds, again = figures["model_load_seconds"], figures["reingest_seconds"]
    texts, raw = figures["texts"], figures["raw_embedding_seconds"]
    rows: list[list[object]] = [
        ["model load (cold, in a fresh process)", f"{load_seconds:.2f}", "-", "-"],
        [
            "first ingest (model loaded)",
            f"{first_seconds:.2f}",
            chunks,
            f"{chunks / first_seconds:.1f}",
        ],
        [
            "raw embedding of the same chunks (the limit)",
            f"{raw:.2f}",
            texts,
            f"{texts / raw:.1f}",
        ],
        ["re-ingest, unchanged corpus (median of 5)", f"{again:.3f}", 0, "-"],
        [
            "read-your-writes check of every passage (median of 3)",
            f"{figures['search_check_seconds']:.3f}",
            0,
            "-",
        ],
    ]
    lines = [
        "# Ingest benchmark",
        "",
        f"Machine: {figures['machine']}. Corpus: the bundled knowledge ({figures['files']} files, "
        f"{chunks} chunks).",
        "",
        table(["run", "seconds", "chunks embedded", "chunks/s"], rows),
        "",
        f"- Re-ingest / first ingest: **{again / first_seconds:.4f}** "
        f"({again / (first_seconds + load_seconds):.4f} counting the model load, which "
        f"re-ingest never pays: nothing to embed, so the model is not loaded).",
        f"- Ingest throughput / raw embedding throughput: "
        f"**{(chunks / first_seconds) / (texts / raw):.2f}**.",
        f"- Read-your-writes check (each new vector queried with itself) / first ingest: "
        f"**{figures['search_check_seconds'] / first_seconds:.4f}**; passages the store's "
        f"search did not return: {figures['search_check_lost']}.",
    ]
    return "\n".join(lines) + "\n"


def run() -> str:
    return render(measure_ingest())


def main() -> None:
    figures = measure_ingest()
    write_report(REPORT, render(figures), {**figures, "headline": headline(figures)})


if __name__ == "__main__":
    main()
