"""Ingest benchmark: first ingest vs re-ingest of an unchanged corpus, and the embedding limit.

Run: python -m evals.bench_ingest  (writes evals/reports/ingest.md)
All figures come from one run on one machine; the ratios are what to compare.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from assistant.container import build_assistant
from assistant.settings import BUNDLED_KNOWLEDGE, Settings
from evals.harness import machine, measure, table

REPORT = Path(__file__).parent / "reports" / "ingest.md"


def run() -> str:
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
        raw = measure(lambda: assistant.embedder.embed_documents(texts), repeats=1, warmup=0)
    chunks = first.chunks_added
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
            f"{raw.median:.2f}",
            len(texts),
            f"{len(texts) / raw.median:.1f}",
        ],
        ["re-ingest, unchanged corpus (median of 5)", f"{again.median:.3f}", 0, "-"],
    ]
    lines = [
        "# Ingest benchmark",
        "",
        f"Machine: {machine()}. Corpus: the bundled knowledge ({first.files} files, "
        f"{chunks} chunks).",
        "",
        table(["run", "seconds", "chunks embedded", "chunks/s"], rows),
        "",
        f"- Re-ingest / first ingest: **{again.median / first_seconds:.4f}** "
        f"({again.median / (first_seconds + load_seconds):.4f} counting the model load, which "
        f"re-ingest never pays: nothing to embed, so the model is not loaded).",
        f"- Ingest throughput / raw embedding throughput: "
        f"**{(chunks / first_seconds) / (len(texts) / raw.median):.2f}**.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    report = run()
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
