"""The evaluation summary: every registered benchmark's headline figures, read from its report.

Run: python -m evals.summary [--write-readme | --check]

Each benchmark writes evals/reports/<report>.json with a "headline" object (figure -> value).
This writes evals/reports/summary.json and summary.md from those files, and with
--write-readme rewrites README.md's figures table (between the FIGURES markers) from
summary.json. --check changes nothing and exits 1 when either is stale or a registered benchmark
has no headline. `python -m evals` (`waypoint eval`) runs the benchmarks, then does both writes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.harness import table

REPORTS = Path(__file__).resolve().parent / "reports"
README = Path(__file__).resolve().parents[1] / "README.md"
BEGIN = (
    "<!-- FIGURES:BEGIN generated from evals/reports/summary.json: "
    "python -m evals.summary --write-readme -->"
)
END = "<!-- FIGURES:END -->"


@dataclass(frozen=True)
class Benchmark:
    title: str
    module: str
    report: str  # the stem of its files in evals/reports/


BENCHMARKS = (
    Benchmark("ingest", "evals.bench_ingest", "ingest"),
    Benchmark("retrieval quality", "evals.retrieval", "retrieval"),
    Benchmark("recommendations", "evals.bench_recommend", "recommend"),
    Benchmark("answer quality", "evals.answers", "answers"),
    Benchmark("speed and scale", "evals.bench_speed", "speed"),
    Benchmark("district scale", "evals.bench_district", "district"),
    Benchmark("server mode", "evals.bench_server", "server"),
    Benchmark("evidence import memory", "evals.bench_evidence_memory", "evidence_memory"),
    Benchmark("school leaders at district scale", "evals.bench_leaders", "leaders"),
    Benchmark("embedding backends, int8 vs torch", "evals.bench_backends", "backends"),
    Benchmark("simultaneous users", "evals.bench_concurrency", "concurrency"),
    Benchmark("a new user's journey and cold starts", "evals.bench_journey", "journey"),
)


@dataclass(frozen=True)
class Row:
    """A row of the README's figures table: `template` (str.format, positional) filled with
    the named figures, each (report, figure name)."""

    label: str
    template: str
    figures: tuple[tuple[str, str], ...]


README_ROWS = (
    Row(
        "hybrid retrieval recall@5 / MRR@10 / nDCG@10 (retrieval gold questions)",
        "{0:.3f} / {1:.3f} / {2:.3f}",
        (
            ("retrieval", "hybrid recall@5"),
            ("retrieval", "hybrid MRR@10"),
            ("retrieval", "hybrid nDCG@10"),
        ),
    ),
    Row(
        "hybrid vs BM25 only / vs a plain LangChain dense search, recall@5",
        "{0:.2f}× / {1:.2f}×",
        (
            ("retrieval", "hybrid / BM25 recall@5"),
            ("retrieval", "hybrid / tutorial dense recall@5"),
        ),
    ),
    Row("answers to the gold questions: pass rate", "{0:.3f}", (("answers", "answer_pass_rate"),)),
    Row(
        "intent accuracy (labelled messages, development set)",
        "{0:.3f}",
        (("answers", "intent_accuracy"),),
    ),
    Row(
        "citation precision / recall against the gold passages",
        "{0:.3f} / {1:.3f}",
        (("answers", "citation_precision"), ("answers", "citation_recall")),
    ),
    Row("out-of-scope questions declined", "{0:.2f}", (("answers", "out_of_scope_abstained"),)),
    Row(
        "top-3 next steps truly ready to learn (simulated learners; random / lowest-first "
        "baselines)",
        "{0:.2f} ({1:.2f} / {2:.2f})",
        (
            ("recommend", "top-3 ready, scale rule"),
            ("recommend", "top-3 ready, random baseline"),
            ("recommend", "top-3 ready, lowest-first baseline"),
        ),
    ),
    Row(
        "first ingest of the bundled knowledge, chunks/s / re-ingest of the unchanged corpus",
        "{0:.0f} / {1:.3f} s",
        (("ingest", "chunks/s"), ("ingest", "re-ingest, unchanged (s)")),
    ),
    Row(
        "int8 encoder vs torch: recall@5 hybrid / dense difference; encode rate",
        "{0:+.4f} / {1:+.4f}; {2:.2f}×",
        (
            ("backends", "recall@5 hybrid, int8 - torch"),
            ("backends", "recall@5 dense, int8 - torch"),
            ("backends", "encode rate int8 / torch"),
        ),
    ),
    Row(
        "a new user, empty home → first answer (× a tutorial RAG's whole first run)",
        "{0:.1f} s ({1:.2f}×)",
        (
            ("journey", "fresh user to first answer (s)"),
            ("journey", "fresh user / tutorial first run"),
        ),
    ),
    Row(
        "`waypoint ui` → sign-in page rendered (× a one-line Streamlit app); `waypoint --help`",
        "{0:.1f} s ({1:.2f}×); {2:.2f} s",
        (
            ("journey", "ui sign-in rendered (s)"),
            ("journey", "ui / one-line app"),
            ("journey", "help (s)"),
        ),
    ),
    Row(
        "simultaneous users asking first-time questions: p95 at 20 / 50; errors at 50; peak RSS",
        "{0:,.0f} ms / {1:,.0f} ms; {2:.0f}; {3:.0f} MiB",
        (
            ("concurrency", "20 users p95 (ms)"),
            ("concurrency", "50 users p95 (ms)"),
            ("concurrency", "50 users errors"),
            ("concurrency", "peak RSS serving 50 (MiB)"),
        ),
    ),
    Row(
        "an answer to a first-time question, warm: p50 / p95 (p50 × a tutorial's retrieve-only); "
        "cold start",
        "{0:.0f} ms / {1:.0f} ms ({2:.2f}×); {3:.1f} s",
        (
            ("speed", "answer_p50_ms"),
            ("speed", "answer_p95_ms"),
            ("speed", "answer/naive p50"),
            ("speed", "cold_start_s"),
        ),
    ),
    Row(
        "district (10,000 learners × 500 competencies): next steps / class report, median",
        "{0:.0f} ms / {1:.0f} ms ({2:.1f}× / {3:.1f}× the demo school)",
        (
            ("district", "next_steps_teacher_ms"),
            ("district", "class_report_ms"),
            ("district", "next steps district/demo"),
            ("district", "class report district/demo"),
        ),
    ),
    Row(
        "district database size",
        "{0:.0f} MB ({1:,} bytes per learner, {2:.2f}× the demo's per learner)",
        (
            ("district", "db_mb"),
            ("district", "db_bytes_per_learner"),
            ("district", "bytes/learner district/demo"),
        ),
    ),
    Row(
        "search p50, embedded Chroma / Chroma server; next steps p50, SQLite / PostgreSQL",
        "{0:.1f} ms / {1:.1f} ms; {2:.1f} ms / {3:.1f} ms",
        (
            ("server", "search p50, embedded (ms)"),
            ("server", "search p50, server (ms)"),
            ("server", "next steps p50, SQLite (ms)"),
            ("server", "next steps p50, PostgreSQL (ms)"),
        ),
    ),
    Row(
        "memory to import an evidence file at the upload limit (10 MB)",
        "{0:.0f} MB",
        (("evidence_memory", "new evidence: MB (after)"),),
    ),
    Row(
        "school page from stored figures / recompute after a 1,000-row import (10,000 learners)",
        "{0:.1f} s / {1:.1f} s",
        (
            ("leaders", "page from stored figures, median s"),
            ("leaders", "recompute after a 1,000-row import, s"),
        ),
    ),
)


class StaleSummaryError(RuntimeError):
    """A registered benchmark has no headline, or a figure the README shows is missing."""


def report_of(benchmark: Benchmark, reports: Path = REPORTS) -> dict[str, Any]:
    """The benchmark's JSON report, or {} when it has none (or it is unreadable)."""
    try:
        data = json.loads((reports / f"{benchmark.report}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def collect(
    reports: Path = REPORTS, runs: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """The summary of every registered benchmark from its report. `runs` (module -> status,
    seconds, date) records a `python -m evals` run; without it the last recorded run is kept."""
    previous: dict[str, Any] = {}
    try:
        old = json.loads((reports / "summary.json").read_text(encoding="utf-8"))
        previous = {b["module"]: b.get("last_run") for b in old.get("benchmarks", [])}
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        previous = {}
    entries = []
    for benchmark in BENCHMARKS:
        data = report_of(benchmark, reports)
        headline = data.get("headline")
        entry: dict[str, Any] = {
            "title": benchmark.title,
            "module": benchmark.module,
            "report": f"evals/reports/{benchmark.report}.md",
            "machine": data.get("machine"),
            "headline": dict(headline) if isinstance(headline, dict) else {},
        }
        run = (runs or {}).get(benchmark.module) or previous.get(benchmark.module)
        if run:
            entry["last_run"] = dict(run)
        entries.append(entry)
    return {"benchmarks": entries}


def missing_headlines(summary: Mapping[str, Any]) -> list[str]:
    return [b["module"] for b in summary["benchmarks"] if not b["headline"]]


def _value(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def render_markdown(summary: Mapping[str, Any]) -> str:
    runs = []
    figures: list[list[str]] = []
    for b in summary["benchmarks"]:
        run = b.get("last_run") or {}
        runs.append(
            [
                b["title"],
                f"`{b['module']}`",
                b.get("machine") or "",
                str(run.get("date", "")),
                str(run.get("status", "")),
                str(run.get("seconds", "")),
            ]
        )
        figures += [[b["title"], name, _value(v)] for name, v in b["headline"].items()]
        if not b["headline"]:
            figures.append([b["title"], "none: its report has no `headline`", b["report"]])
    lines = [
        "# Evaluation summary",
        "",
        "Every registered benchmark's headline figures, read from its own report in this folder "
        "(written by `python -m evals.summary`; `python -m evals` runs the benchmarks first).",
        "",
        table(["benchmark", "module", "machine", "last run", "status", "seconds"], runs),
        "",
        "## Headline figures",
        "",
        table(["benchmark", "figure", "value"], figures),
    ]
    return "\n".join(lines) + "\n"


def render_readme_table(summary: Mapping[str, Any]) -> str:
    """The README's figures table from summary.json; names any figure it lacks."""
    headlines = {Path(b["report"]).stem: b["headline"] for b in summary["benchmarks"]}
    rows = []
    for row in README_ROWS:
        values = []
        for report, name in row.figures:
            if name not in headlines.get(report, {}):
                raise StaleSummaryError(
                    f"the README row {row.label!r} needs {name!r} from {report}.json's "
                    "headline, which summary.json does not have (evals/summary.py README_ROWS)"
                )
            values.append(headlines[report][name])
        rows.append([row.label, row.template.format(*values)])
    lines = ["| measure | value |", "| --- | --- |"]
    lines += [f"| {label} | {value} |" for label, value in rows]
    return "\n".join(lines)


def readme_with_table(readme: str, summary: Mapping[str, Any]) -> str:
    """`readme` with the text between the markers replaced by the generated table."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise StaleSummaryError(f"README.md has no figures markers ({BEGIN} ... {END})")
    table_text = render_readme_table(summary)
    return readme[: start + len(BEGIN)] + "\n" + table_text + "\n" + readme[end:]


def write(
    reports: Path = REPORTS,
    readme: Path | None = README,
    runs: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Write summary.json and summary.md (and the README's table, unless readme is None)."""
    summary = collect(reports, runs)
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (reports / "summary.md").write_text(render_markdown(summary), encoding="utf-8")
    if readme is not None and readme.is_file():
        text = readme.read_text(encoding="utf-8")
        readme.write_text(readme_with_table(text, summary), encoding="utf-8")
    return summary


def problems(reports: Path = REPORTS, readme: Path = README) -> list[str]:
    """Why summary.json or the README's figures table is stale; [] when both are current."""
    found = [
        f"{module} has no headline (its report JSON needs a 'headline' object)"
        for module in missing_headlines(collect(reports))
    ]
    try:
        written = json.loads((reports / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [*found, "evals/reports/summary.json is missing or unreadable"]
    fresh = collect(reports)
    if [(b["module"], b["headline"]) for b in written.get("benchmarks", [])] != [
        (b["module"], b["headline"]) for b in fresh["benchmarks"]
    ]:
        found.append(
            "evals/reports/summary.json differs from the benchmarks' reports: "
            "run `python -m evals.summary --write-readme`"
        )
    try:
        text = readme.read_text(encoding="utf-8")
        if readme_with_table(text, written) != text:
            found.append(
                "README.md's figures table differs from summary.json: "
                "run `python -m evals.summary --write-readme`"
            )
    except (StaleSummaryError, OSError) as exc:
        found.append(str(exc))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.summary", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write-readme", action="store_true", help="also rewrite README's table")
    mode.add_argument("--check", action="store_true", help="exit 1 when anything is stale")
    args = parser.parse_args(argv)
    if args.check:
        stale = problems()
        for line in stale:
            print(line, file=sys.stderr)
        return 1 if stale else 0
    summary = write(readme=README if args.write_readme else None)
    print(render_markdown(summary))
    missing = missing_headlines(summary)
    for module in missing:
        print(f"{module}: no headline in its report", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
