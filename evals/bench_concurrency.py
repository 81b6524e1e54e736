"""Simultaneous users: N = 1, 4, 20, 50 people asking first-time questions of one app process.

Run: python -m evals.bench_concurrency  (writes evals/reports/concurrency.md and .json)

The app serves every session from one `Assistant` (one container, one model, one index), each
session on its own thread, so that is what this does: one child process opens an index of the
bundled knowledge (default settings: the int8 backend, passages embedded at ingest) and, for
each N, starts N threads at once, each asking 2 gold questions through `chat.ask`, the path the
chat page calls. Every question is asked once in the whole run (after 3 warm-up questions that
load the model and indexes), so no cache has seen it. Reported per N: answer latency p50 / p95
/ max, answers per second, errors, and the process's peak RSS (VmHWM) after that level, with
the load average before and after (other processes share the machine).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from evals.bench_speed import WARM_UP, Stats, gold_questions
from evals.harness import machine, table, write_report

REPORT = Path(__file__).parent / "reports" / "concurrency.md"
LEVELS = (1, 4, 20, 50)
PER_USER = 2


def peak_rss_mib() -> float:
    with open("/proc/self/status", encoding="utf-8") as status:
        line = next(row for row in status if row.startswith("VmHWM"))
    return int(line.split()[1]) / 1024


def level(assistant: Any, questions: list[tuple[str, Any]], users: int) -> dict[str, Any]:
    """`users` threads released together, each asking its own questions in turn."""
    from assistant.chat.types import AskContext

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(users)

    def user(mine: list[tuple[str, Any]]) -> None:
        start.wait()
        for question, role in mine:
            began = time.perf_counter()
            try:
                assistant.chat.ask(question, AskContext(role=role))
            except Exception as exc:  # counted and reported: a user would see an error
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            with lock:
                latencies.append(time.perf_counter() - began)

    load_before = os.getloadavg()[0]
    threads = [
        threading.Thread(target=user, args=(questions[i * PER_USER : (i + 1) * PER_USER],))
        for i in range(users)
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    stats = Stats(tuple(latencies or [float("nan")]))
    return {
        "users": users,
        "answers": len(latencies),
        "errors": len(errors),
        "error_examples": errors[:3],
        "latency_ms": stats.as_json(),
        "answers_per_s": round(len(latencies) / wall, 2),
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def run_child(home: Path) -> dict[str, Any]:
    """In the serving process: build the index, warm up, then each level in turn."""
    from assistant.chat.types import AskContext
    from assistant.container import build_assistant
    from assistant.settings import Settings

    assistant = build_assistant(Settings(home=home))
    began = time.perf_counter()
    report = assistant.indexer.ingest()
    built = time.perf_counter() - began
    for question in WARM_UP:
        assistant.chat.ask(question, AskContext(role="parent"))
    needed = sum(LEVELS) * PER_USER
    questions = gold_questions(needed)
    if len(questions) < needed:
        raise SystemExit(f"{len(questions)} gold questions, {needed} needed")
    results, offset = [], 0
    for users in LEVELS:
        mine = questions[offset : offset + users * PER_USER]
        offset += users * PER_USER
        results.append(level(assistant, mine, users))
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    return {
        "index_s": round(built, 1),
        "chunks": report.chunks_added,
        "embedded": report.embedded,
        "backend": assistant.settings.embedding.backend,
        "threads": assistant.settings.embedding.threads,
        "levels": results,
    }


def measure() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "WAYPOINT_HOME": str(Path(tmp) / "home")}
        env.pop("WAYPOINT_PROFILE", None)
        done = subprocess.run(
            [sys.executable, "-m", "evals.bench_concurrency", "--child", str(Path(tmp) / "home")],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["machine"] = machine()
    return figures


def by_users(figures: dict[str, Any], users: int) -> dict[str, Any]:
    return next(row for row in figures["levels"] if row["users"] == users)


def headline(figures: dict[str, Any]) -> dict[str, float]:
    twenty, fifty = by_users(figures, 20), by_users(figures, 50)
    return {
        "20 users p95 (ms)": twenty["latency_ms"]["p95"],
        "50 users p95 (ms)": fifty["latency_ms"]["p95"],
        "50 users errors": fifty["errors"],
        "peak RSS serving 50 (MiB)": fifty["peak_rss_mib"],
        "1 user p50 (ms)": by_users(figures, 1)["latency_ms"]["p50"],
    }


def render(figures: dict[str, Any]) -> str:
    rows = [
        [
            row["users"],
            row["answers"],
            row["errors"],
            row["latency_ms"]["p50"],
            row["latency_ms"]["p95"],
            row["latency_ms"]["max"],
            row["answers_per_s"],
            row["peak_rss_mib"],
            f"{row['load'][0]} → {row['load'][1]}",
        ]
        for row in figures["levels"]
    ]
    header = ["users", "answers", "errors", "p50 ms", "p95 ms", "max ms", "answers/s"]
    return "\n".join(
        [
            "# Simultaneous users (first-time questions, one app process)",
            "",
            f"Machine: {figures['machine']}. Backend {figures['backend']}, "
            f"{figures['threads']} intra-op thread per question. Index of the bundled knowledge "
            f"({figures['chunks']} chunks, {figures['embedded']} texts encoded, the rest "
            f"shipped) built in {figures['index_s']} s in the same process.",
            "",
            table([*header, "peak RSS MiB", "load avg before → after"], rows),
            "",
            __doc__.split("\n\n", 2)[1].replace("\n", " "),
            "Peak RSS is the serving process's high-water mark so far (it includes the index "
            "build), so the last row is the process's peak over the whole run.",
            "",
        ]
    )


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(run_child(Path(sys.argv[2]))))
        return
    figures = measure()
    write_report(REPORT, render(figures), {**figures, "headline": headline(figures)})


if __name__ == "__main__":
    main()
