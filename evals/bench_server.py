"""Server-mode benchmark: embedded Chroma and SQLite against a Chroma server and PostgreSQL.

Run: python -m evals.bench_server  (writes evals/reports/server.md and server.json)

Starts a Chroma server (`chroma run`) and a throw-away PostgreSQL cluster (default, durable
settings) on this machine with tests/servers.py, unless WAYPOINT_CHROMA_HOST/PORT and
WAYPOINT_TEST_POSTGRES_URL (an admin URL: a database is created from it) point at running ones.
Then, on the same machine, for each configuration:

- search: every question of evals/gold/retrieval.jsonl through the hybrid retriever (the query
  vector memoized after a warm-up pass, so the figures are retrieval, not the model), and the
  bare Chroma query behind it (k = the candidate pool);
- ingest: the bundled knowledge into a fresh index with the document vectors memoized (the
  loaders, chunking, records and vector writes; the model's share is in evals/reports/ingest.md);
- learner database: the demo school loaded, then next steps for each of its 64 learners, cold
  (estimates computed and cached) and warm, and the four class reports.

One run on one machine with both servers on loopback, sharing the two cores with the client:
the ratios are what to compare, and a real deployment adds a network hop. Nothing is asserted.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from assistant.container import Assistant, build_assistant
from assistant.demo.load import load_demo
from assistant.learners.access import LOCAL_ADMIN
from assistant.retrieval.embeddings import Embedder, make_embedder
from assistant.retrieval.retriever import SearchFilters
from assistant.settings import BUNDLED_KNOWLEDGE, Settings
from evals.harness import machine, table

ROOT = Path(__file__).resolve().parent.parent
REPORTS = Path(__file__).parent / "reports"
GOLD = Path(__file__).parent / "gold" / "retrieval.jsonl"
AS_OF = date(2026, 11, 20)
INGEST_REPEATS = 3
SEARCH_ROUNDS = 2
NEXT_STEPS_ROUNDS = 3
BACKENDS = ("embedded", "server")
CLASSES = ("6A", "6B", "7A", "ADV6")  # the demo school


class MemoEmbedder:
    """The real model, each distinct text embedded once: later calls measure everything else."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.memo: dict[str, list[float]] = {}

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if missing:
            self.memo.update(zip(missing, self.inner.embed_documents(missing), strict=True))
        return [self.memo[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        if text not in self.memo:
            self.memo[text] = self.inner.embed_query(text)
        return self.memo[text]


def stats(runs: Sequence[float]) -> dict[str, float | int]:
    """Milliseconds: n, p50, p95, max."""
    values = np.array(runs) * 1000.0
    return {
        "n": len(runs),
        "p50": round(float(np.percentile(values, 50)), 3),
        "p95": round(float(np.percentile(values, 95)), 3),
        "max": round(float(values.max()), 3),
    }


def timed(action: Callable[..., object], *args: Any, **kwargs: Any) -> float:
    started = time.perf_counter()
    action(*args, **kwargs)
    return time.perf_counter() - started


def gold_queries() -> list[tuple[str, SearchFilters]]:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line]
    return [(str(r["question"]), SearchFilters(audience=r.get("audience"))) for r in rows]


# the servers --------------------------------------------------------------------------------
@contextmanager
def endpoints() -> Iterator[dict[str, str]]:
    """Chroma host/port and a PostgreSQL admin URL: given in the environment, or started here."""
    given_pg = os.environ.get("WAYPOINT_TEST_POSTGRES_URL")
    if given_pg and os.environ.get("WAYPOINT_CHROMA_PORT"):
        yield {
            "host": os.environ.get("WAYPOINT_CHROMA_HOST", "127.0.0.1"),
            "port": os.environ["WAYPOINT_CHROMA_PORT"],
            "postgres": given_pg,
            "started": "no",
        }
        return
    sys.path.insert(0, str(ROOT))
    from tests.servers import start_servers

    workdir = Path(tempfile.mkdtemp(prefix="waypoint-bench-servers-"))
    running = start_servers(workdir, durable=True)
    try:
        yield {
            "host": running.chroma.host,
            "port": str(running.chroma.port),
            "postgres": running.postgres.url(),
            "started": "yes",
        }
    finally:
        running.stop()
        shutil.rmtree(workdir, ignore_errors=True)


class Configurations:
    """Settings for either backend; each call gets a fresh home, collection and database."""

    def __init__(self, where: dict[str, str], scratch: Path) -> None:
        self.where = where
        self.scratch = scratch
        self.count = 0

    def settings(self, backend: str) -> Settings:
        self.count += 1
        home = self.scratch / f"{backend}-{self.count}"
        if backend == "embedded":
            return Settings(profile="test", home=home, vector_store="embedded")
        sys.path.insert(0, str(ROOT))
        from tests.servers import create_database

        name = f"bench{os.getpid()}x{self.count}"
        return Settings(
            profile="test",
            home=home,
            vector_store="server",
            chroma_host=self.where["host"],
            chroma_port=int(self.where["port"]),
            collection=name,
            database_url=create_database(self.where["postgres"], name),
        )


# measurements -------------------------------------------------------------------------------
def measure_ingest(configs: Configurations, embedder: MemoEmbedder) -> dict[str, Any]:
    cold_home = configs.settings("embedded")
    cold = build_assistant(cold_home, embedder=embedder)
    started = time.perf_counter()
    report = cold.indexer.ingest([BUNDLED_KNOWLEDGE])
    cold_seconds = time.perf_counter() - started
    chunks = report.chunks_added
    cold.records.close()
    figures: dict[str, Any] = {
        "chunks": chunks,
        "cold_embedded_seconds": round(cold_seconds, 3),
        "cold_embedded_chunks_per_s": round(chunks / cold_seconds, 1),
    }
    runs: dict[str, list[float]] = {b: [] for b in BACKENDS}
    for _ in range(INGEST_REPEATS):
        for backend in BACKENDS:  # alternating: both see the same load on a shared machine
            built = build_assistant(configs.settings(backend), embedder=embedder)
            started = time.perf_counter()
            again = built.indexer.ingest([BUNDLED_KNOWLEDGE])
            runs[backend].append(time.perf_counter() - started)
            assert again.chunks_added == chunks and not again.problems, again.problems
            built.records.close()
    for backend in BACKENDS:
        median = float(np.median(runs[backend]))
        figures[backend] = {
            "seconds": [round(r, 3) for r in runs[backend]],
            "median_seconds": round(median, 3),
            "chunks_per_s": round(chunks / median, 1),
        }
    return figures


def index_for_search(configs: Configurations, backend: str, embedder: MemoEmbedder) -> Assistant:
    built = build_assistant(configs.settings(backend), embedder=embedder)
    report = built.indexer.ingest([BUNDLED_KNOWLEDGE])
    assert not report.problems, report.problems
    return built


def measure_search(configs: Configurations, embedder: MemoEmbedder) -> dict[str, Any]:
    queries = gold_queries()
    built = {b: index_for_search(configs, b, embedder) for b in BACKENDS}
    for question, filters in queries:  # warm-up: query vectors, BM25, both stores
        for assistant in built.values():
            assistant.retriever.search(question, k=5, filters=filters)
    hybrid: dict[str, list[float]] = {b: [] for b in BACKENDS}
    vector: dict[str, list[float]] = {b: [] for b in BACKENDS}
    for _ in range(SEARCH_ROUNDS):
        for question, filters in queries:
            query_vector = embedder.embed_query(question)
            for backend, assistant in built.items():  # interleaved: same load on both
                pool = assistant.settings.retrieval.candidate_pool
                query = assistant.vector_store.similarity_search_by_vector_with_relevance_scores
                hybrid[backend].append(timed(assistant.retriever.search, question, 5, filters))
                vector[backend].append(timed(query, query_vector, pool))
    for assistant in built.values():
        assistant.records.close()
    return {
        "queries": len(queries),
        "rounds": SEARCH_ROUNDS,
        "hybrid_ms": {b: stats(hybrid[b]) for b in BACKENDS},
        "vector_query_ms": {b: stats(vector[b]) for b in BACKENDS},
    }


def measure_learners(configs: Configurations, embedder: MemoEmbedder) -> dict[str, Any]:
    built = {b: build_assistant(configs.settings(b), embedder=embedder) for b in BACKENDS}
    loads = {
        b: timed(load_demo, a.roster_importer, a.evidence_importer, a.overrides, LOCAL_ADMIN)
        for b, a in built.items()
    }
    store = built["embedded"].learner_store
    learners = sorted({lid for cid in CLASSES for lid in store.class_info(cid).learner_ids})
    cold: dict[str, list[float]] = {b: [] for b in BACKENDS}
    warm: dict[str, list[float]] = {b: [] for b in BACKENDS}
    reports: dict[str, list[float]] = {b: [] for b in BACKENDS}
    # Alternating between the two, call by call: both see the same load on a shared machine.
    for lid in learners:
        for backend, assistant in built.items():
            cold[backend].append(
                timed(assistant.recommender.for_learner, LOCAL_ADMIN, lid, as_of=AS_OF)
            )
    for _ in range(NEXT_STEPS_ROUNDS):
        for lid in learners:
            for backend, assistant in built.items():
                warm[backend].append(
                    timed(assistant.recommender.for_learner, LOCAL_ADMIN, lid, as_of=AS_OF)
                )
        for cid in CLASSES:
            for backend, assistant in built.items():
                reports[backend].append(
                    timed(assistant.class_reports.for_class, LOCAL_ADMIN, cid, as_of=AS_OF)
                )
    figures: dict[str, Any] = {}
    for backend, assistant in built.items():
        figures[backend] = {
            "database": "PostgreSQL" if backend == "server" else "SQLite",
            "learners": len(learners),
            "demo_load_s": round(loads[backend], 3),
            "next_steps_cold_ms": stats(cold[backend]),
            "next_steps_warm_ms": stats(warm[backend]),
            "class_report_ms": stats(reports[backend]),
        }
        assistant.learner_db.dispose()
        assistant.records.close()
    return figures


# report ---------------------------------------------------------------------------------------
def ratio(server: float, embedded: float) -> float:
    return round(server / embedded, 2) if embedded else float("nan")


def headline(f: dict[str, Any]) -> dict[str, float]:
    search, ingest, learners = f["search"], f["ingest"], f["learners"]
    hybrid, vector = search["hybrid_ms"], search["vector_query_ms"]
    warm = {b: learners[b]["next_steps_warm_ms"] for b in BACKENDS}
    return {
        "search p50, embedded (ms)": hybrid["embedded"]["p50"],
        "search p50, server (ms)": hybrid["server"]["p50"],
        "search p95 server/embedded": ratio(hybrid["server"]["p95"], hybrid["embedded"]["p95"]),
        "vector query p50 server/embedded": ratio(
            vector["server"]["p50"], vector["embedded"]["p50"]
        ),
        "ingest chunks/s, embedded": ingest["embedded"]["chunks_per_s"],
        "ingest chunks/s, server": ingest["server"]["chunks_per_s"],
        "next steps p50, SQLite (ms)": warm["embedded"]["p50"],
        "next steps p50, PostgreSQL (ms)": warm["server"]["p50"],
        "next steps p95 PostgreSQL/SQLite": ratio(warm["server"]["p95"], warm["embedded"]["p95"]),
    }


def latency_rows(name: str, per_backend: dict[str, dict[str, Any]]) -> list[list[object]]:
    e, s = per_backend["embedded"], per_backend["server"]
    return [
        [
            name,
            f"{e['p50']:.1f} / {e['p95']:.1f}",
            f"{s['p50']:.1f} / {s['p95']:.1f}",
            f"{ratio(s['p50'], e['p50']):.2f} / {ratio(s['p95'], e['p95']):.2f}",
            e["n"],
        ]
    ]


def render(f: dict[str, Any]) -> str:
    search, ingest, learners = f["search"], f["ingest"], f["learners"]
    search_rows = latency_rows("hybrid search, k = 5 (query vector cached)", search["hybrid_ms"])
    search_rows += latency_rows(
        "vector query alone (Chroma, k = candidate pool)", search["vector_query_ms"]
    )
    learner_rows: list[list[object]] = []
    for key, name in (
        ("next_steps_cold_ms", "next steps, first request (estimates computed and stored)"),
        ("next_steps_warm_ms", "next steps, warm (cached estimates)"),
        ("class_report_ms", "class report"),
    ):
        learner_rows += latency_rows(name, {b: learners[b][key] for b in BACKENDS})
    e_ingest, s_ingest = ingest["embedded"], ingest["server"]
    ingest_rows = [
        [
            "warm-up: first ingest, the model embedding (embedded)",
            f"{ingest['cold_embedded_seconds']:.2f}",
            f"{ingest['cold_embedded_chunks_per_s']:.1f}",
            "-",
        ],
        [
            "ingest, vectors memoized: embedded Chroma",
            f"{e_ingest['median_seconds']:.2f}",
            f"{e_ingest['chunks_per_s']:.1f}",
            "1.00",
        ],
        [
            "ingest, vectors memoized: Chroma server",
            f"{s_ingest['median_seconds']:.2f}",
            f"{s_ingest['chunks_per_s']:.1f}",
            f"{ratio(s_ingest['median_seconds'], e_ingest['median_seconds']):.2f}",
        ],
    ]
    loads = [
        [learners[b]["database"], f"{learners[b]['demo_load_s']:.2f}", learners[b]["learners"]]
        for b in BACKENDS
    ]
    load = f["load_average"]
    lines = [
        "# Server mode benchmark",
        "",
        f"Ran {f['ran']} on {f['machine']}, with `python -m evals.bench_server`. The embedded "
        "configuration is Chroma's PersistentClient and a SQLite learner database; the server "
        f"configuration is a Chroma server (`chroma run`, chromadb {f['chromadb']}) and "
        f"PostgreSQL {f['postgres']}, both on this machine over loopback and sharing its cores "
        "with the client, so the ratios are what to compare; a real deployment adds a network "
        "hop (typically 0.1 to 1 ms within a data centre) to every store call. Latencies in "
        "milliseconds, p50 / p95. The machine's load average (1 min) was "
        f"{load['start']:.1f} at the start and {load['end']:.1f} at the end of the run "
        f"({f['cores']} cores): other jobs shared it, which widens the p95s of both columns.",
        "",
        "## Search",
        "",
        f"All {search['queries']} questions of `evals/gold/retrieval.jsonl`, {search['rounds']} "
        "rounds after a warm-up round, each with its audience filter. Query vectors are "
        "memoized after the warm-up, so the model's 10 to 20 ms per query is left out of both.",
        "",
        table(["what", "embedded", "server", "server / embedded", "n"], search_rows),
        "",
        "## Ingest",
        "",
        f"The bundled knowledge ({ingest['chunks']} chunks) into a fresh index, median of "
        f"{INGEST_REPEATS}, with the document vectors memoized: the loaders, chunking, record "
        "manager and vector writes. The first row is the warm-up that had the model embed every "
        "chunk once, on the shared machine (the model's share on a quiet machine is in "
        "`evals/reports/ingest.md`).",
        "",
        table(["what", "seconds", "chunks/s", "time server / embedded"], ingest_rows),
        "",
        "## Learner database (the demo school)",
        "",
        table(["database", "loading the demo school (s)", "learners"], loads),
        "",
        f"Next steps for each learner: once cold, then {NEXT_STEPS_ROUNDS} warm rounds; the "
        f"four class reports {NEXT_STEPS_ROUNDS} times; the two databases called in turn. Every "
        "read of learner data writes an audit row, so every request commits: PostgreSQL runs "
        "with its default, durable settings (each commit flushed to disk), SQLite in WAL mode "
        "with synchronous=NORMAL (flushed at checkpoints), which is part of the difference.",
        "",
        table(["what", "SQLite", "PostgreSQL", "PostgreSQL / SQLite", "n"], learner_rows),
        "",
    ]
    return "\n".join(lines)


def postgres_version(admin_url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url)
    try:
        with engine.connect() as connection:
            version = str(connection.execute(text("SHOW server_version")).scalar())
    finally:
        engine.dispose()
    return version.split()[0]


def measure_all() -> dict[str, Any]:
    import chromadb

    embedder = MemoEmbedder(make_embedder("all-MiniLM-L6-v2", batch_size=64))
    load_start = os.getloadavg()[0]
    with endpoints() as where, tempfile.TemporaryDirectory() as scratch:
        configs = Configurations(where, Path(scratch))
        ingest = measure_ingest(configs, embedder)
        search = measure_search(configs, embedder)
        learners = measure_learners(configs, embedder)
        postgres = postgres_version(where["postgres"])
    return {
        "ran": date.today().isoformat(),
        "machine": machine(),
        "cores": os.cpu_count(),
        "load_average": {"start": round(load_start, 2), "end": round(os.getloadavg()[0], 2)},
        "chromadb": chromadb.__version__,
        "postgres": postgres,
        "ingest": ingest,
        "search": search,
        "learners": learners,
    }


def main() -> int:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    figures = measure_all()
    figures["headline"] = headline(figures)
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "server.json").write_text(json.dumps(figures, indent=2) + "\n")
    markdown = render(figures)
    (REPORTS / "server.md").write_text(markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
