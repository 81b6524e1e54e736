"""Run every benchmark in evals/ and summarise them.

Run: python -m evals [--only MODULE ...]  (writes evals/reports/summary.md and summary.json)

Each benchmark runs in its own process, so none of them starts with a model or an index that
another one left loaded (the ingest benchmark measures a cold model load). A benchmark module
that does not exist (yet) is skipped. A benchmark shows headline figures here when it writes
evals/reports/<name>.json with a "headline" object (figure name -> value).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from evals.harness import machine, table

REPORTS = Path(__file__).parent / "reports"


@dataclass(frozen=True)
class Benchmark:
    title: str
    module: str
    report: str  # the stem of its files in evals/reports/

    @property
    def present(self) -> bool:
        return importlib.util.find_spec(self.module) is not None


BENCHMARKS = (
    Benchmark("ingest", "evals.bench_ingest", "ingest"),
    Benchmark("retrieval quality", "evals.retrieval", "retrieval"),
    Benchmark("recommendations", "evals.bench_recommend", "recommend"),
    Benchmark("answer quality", "evals.answers", "answers"),
    Benchmark("speed and scale", "evals.bench_speed", "speed"),
    Benchmark("district scale", "evals.bench_district", "district"),
    Benchmark("server mode", "evals.bench_server", "server"),
    Benchmark("evidence import memory", "evals.bench_evidence_memory", "evidence_memory"),
)


@dataclass
class Outcome:
    benchmark: Benchmark
    status: str
    seconds: float = 0.0
    headline: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "module": self.benchmark.module,
            "status": self.status,
            "seconds": round(self.seconds, 1),
            "report": f"evals/reports/{self.benchmark.report}.md",
            "headline": self.headline,
        }


def headline_of(report: Path, since: float) -> dict[str, Any]:
    """The report's "headline" figures, else its top-level numbers; nothing from an old file."""
    try:
        if report.stat().st_mtime < since:
            return {}
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    if isinstance(data.get("headline"), dict):
        return dict(data["headline"])
    return {k: v for k, v in data.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def run_benchmark(benchmark: Benchmark) -> Outcome:
    if not benchmark.present:
        return Outcome(benchmark, "skipped: not present")
    print(f"== {benchmark.module}", flush=True)
    started_at = time.time()
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-m", benchmark.module], check=False)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        return Outcome(benchmark, f"failed (exit {completed.returncode})", seconds)
    figures = headline_of(REPORTS / f"{benchmark.report}.json", started_at)
    return Outcome(benchmark, "ok", seconds, figures)


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def render(outcomes: Sequence[Outcome], when: str) -> str:
    runs = [
        [o.benchmark.title, f"`{o.benchmark.module}`", o.status, f"{o.seconds:.0f}"]
        for o in outcomes
    ]
    figures: list[list[str]] = []
    for o in outcomes:
        if o.status != "ok":
            continue
        figures += [[o.benchmark.title, name, _value(v)] for name, v in o.headline.items()]
        if not o.headline:
            note = f"none: no `{o.benchmark.report}.json` with a `headline` object"
            figures.append([o.benchmark.title, note, f"see `{o.benchmark.report}.md`"])
    lines = [
        "# Evaluation summary",
        "",
        f"Ran {when} on {machine()}; every figure comes from that one run. Details in each "
        "benchmark's own report in this folder.",
        "",
        table(["benchmark", "module", "status", "seconds"], runs),
        "",
        "## Headline figures",
        "",
        table(["benchmark", "figure", "value"], figures) if figures else "None reported.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__)
    parser.add_argument(
        "--only", action="append", metavar="MODULE", help="run only this module (repeatable)"
    )
    args = parser.parse_args(argv)
    chosen = [b for b in BENCHMARKS if not args.only or b.module in args.only]
    outcomes = [run_benchmark(b) for b in chosen]
    when = date.today().isoformat()
    REPORTS.mkdir(parents=True, exist_ok=True)
    summary = {
        "ran": when,
        "machine": machine(),
        "benchmarks": [o.as_json() for o in outcomes],
    }
    (REPORTS / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    markdown = render(outcomes, when)
    (REPORTS / "summary.md").write_text(markdown)
    print(markdown)
    return 1 if any(o.status.startswith("failed") for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
