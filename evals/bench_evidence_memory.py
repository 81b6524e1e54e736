"""Evidence import memory: the peak memory of importing a file at the upload limit (10 MB).

Run: python -m evals.bench_evidence_memory [--label before|after]
(writes evals/reports/evidence_memory.md and evidence_memory.json)

Each import runs in a fresh process over a copy of one demo-school home: the figure is how far
the process's peak resident memory (ru_maxrss) rose above what it held once the database and
the catalog were open, i.e. what the import itself needed. Three files: one of new evidence,
the same file imported again (every row already recorded), and the file with one row in 25 bad
(refused as a whole, every bad row listed). A run stores its figures under its label and the
report compares the labels it has: run it with `--label before` on the old importer and with
`--label after` on the new one. Seconds are shown for context only.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from evals.harness import machine, table, write_report

REPORT = Path(__file__).parent / "reports" / "evidence_memory.md"
TARGET_BYTES = 10 * 1024 * 1024 - 64 * 1024  # just under the default upload limit
BAD_EVERY = 25
CASES = ("new evidence", "imported again", "one row in 25 bad")
SEED = 20261206


def build_home(root: Path) -> Path:
    """A home with the demo school loaded (no embedding model is needed for it)."""
    from assistant.container import build_assistant
    from assistant.demo.load import load_demo
    from assistant.learners.access import LOCAL_ADMIN
    from assistant.settings import Settings

    home = root / "home"
    built = build_assistant(Settings(profile="test", home=home))
    load_demo(built.roster_importer, built.evidence_importer, built.overrides, LOCAL_ADMIN)
    built.learner_db.dispose()
    return home


def write_evidence(home: Path, path: Path, *, bad_every: int = 0) -> int:
    """Valid evidence for the demo learners, one distinct moment per row, up to TARGET_BYTES;
    with bad_every, every such row has a score that is not a number. Returns the rows."""
    import sqlite3

    with sqlite3.connect(home / "waypoint.sqlite3") as conn:
        learners = [r[0] for r in conn.execute("SELECT id FROM learners ORDER BY id")]
        codes = [r[0] for r in conn.execute("SELECT DISTINCT competency_code FROM evidence")]
    codes.sort()
    rng = random.Random(SEED)
    first = datetime(2024, 9, 2, 8, 0)
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(
            ["learner_id", "competency", "score", "observed_at", "evidence_type", "source"]
        )
        while f.tell() < TARGET_BYTES:
            bad = bad_every and rows % bad_every == bad_every - 1
            out.writerow(
                [
                    learners[rows % len(learners)],
                    codes[(rows // len(learners)) % len(codes)],
                    "n/a" if bad else rng.randint(1, 4),
                    (first + timedelta(minutes=rows)).isoformat(timespec="minutes"),
                    "quiz",
                    "memory benchmark",
                ]
            )
            rows += 1
    return rows


def child(home: Path, path: Path) -> dict[str, Any]:
    """In a fresh process: open everything, then import and see how far the peak rose."""
    from assistant.container import build_assistant
    from assistant.errors import EvidenceImportError
    from assistant.learners.access import LOCAL_ADMIN
    from assistant.settings import Settings

    built = build_assistant(Settings(profile="test", home=home))
    importer = built.evidence_importer  # the catalog is loaded
    built.learner_db.engine  # noqa: B018 - opened and migrated
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    try:
        report = importer.import_file(path, LOCAL_ADMIN, allow_future=True)
        result: dict[str, Any] = {"rows": report.rows, "added": report.added}
    except EvidenceImportError as exc:
        result = {"refused_rows": len(exc.problems)}
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        **result,
        "seconds": round(seconds, 2),
        "baseline_mb": round(before / 1024, 1),
        "peak_mb": round(peak / 1024, 1),
        "import_mb": round((peak - before) / 1024, 1),
    }


def measure(root: Path) -> dict[str, Any]:
    template = build_home(root / "template")
    good, bad = root / "evidence.csv", root / "evidence-bad.csv"
    rows = write_evidence(template, good)
    write_evidence(template, bad, bad_every=BAD_EVERY)
    figures: dict[str, Any] = {"rows": rows, "bytes": good.stat().st_size}
    for case, path, twice in zip(CASES, (good, good, bad), (False, True, False), strict=True):
        home = root / case.replace(" ", "-")
        shutil.copytree(template, home)
        for _ in range(2 if twice else 1):  # the first of two imports in a process of its own
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "evals.bench_evidence_memory",
                    "--child",
                    str(home),
                    str(path),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
        figures[case] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def render(runs: dict[str, dict[str, Any]]) -> str:
    labels = [label for label in ("before", "after") if label in runs] + sorted(
        label for label in runs if label not in ("before", "after")
    )
    latest = runs[labels[-1]]
    header = ["import", *(f"{label}: MB above baseline (s)" for label in labels)]
    rows: list[list[object]] = []
    for case in CASES:
        cells = [
            f"{runs[label][case]['import_mb']:.0f} ({runs[label][case]['seconds']:.1f})"
            for label in labels
        ]
        rows.append([case, *cells])
    lines = [
        "# Evidence import memory",
        "",
        f"Machine: {latest['machine']}. File: {latest['bytes']:,} bytes, {latest['rows']:,} rows "
        "of evidence for the demo school's learners (the default upload limit is 10 MiB).",
        "",
        "How far the importing process's peak resident memory rose above what it held with the "
        "database and the catalog open (a fresh process per import; seconds in brackets, for "
        "context only):",
        "",
        table(header, rows),
    ]
    if "before" in runs and "after" in runs:
        lines += [
            "",
            "Before: the importer that read every row into memory, then looked up all recorded "
            "evidence of the file's learners and wrote the new rows as ORM objects in one "
            "flush. After: two readings of the file's bytes a batch of rows at a time (check "
            "everything, then write in one transaction), with a 16-byte digest per row kept "
            "to name duplicates.",
            "",
        ]
        for case in CASES:
            before, after = runs["before"][case]["import_mb"], runs["after"][case]["import_mb"]
            ratio = before / after if after > 0 else float("inf")
            lines.append(f"- {case}: after / before **{after / before:.3f}** ({ratio:.0f}x less).")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="after", help="what this run measures")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    with tempfile.TemporaryDirectory() as root:
        figures = {**measure(Path(root)), "machine": machine()}
    data_path = REPORT.with_suffix(".json")
    runs: dict[str, dict[str, Any]] = {}
    if data_path.is_file():
        runs = json.loads(data_path.read_text()).get("runs", {})
    runs[args.label] = figures
    headline = {f"{case}: MB ({args.label})": figures[case]["import_mb"] for case in CASES[:1]}
    write_report(REPORT, render(runs), {"runs": runs, "headline": headline})


if __name__ == "__main__":
    main()
