"""Run every benchmark in evals/ and summarise them.

Run: python -m evals [--only MODULE ...]

Each benchmark runs in its own process, so none of them starts with a model or an index that
another one left loaded (the ingest benchmark measures a cold model load). A benchmark module
that does not exist (yet) is skipped. Then evals/reports/summary.{md,json} and README.md's
figures table are rewritten from every registered benchmark's report (evals/summary.py), so
a benchmark that was not run keeps the figures of its last report.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import date
from typing import Any

from evals import summary
from evals.summary import BENCHMARKS, Benchmark


def run_benchmark(benchmark: Benchmark) -> dict[str, Any]:
    """Run one benchmark in its own process; its status, seconds and date."""
    when = date.today().isoformat()
    if importlib.util.find_spec(benchmark.module) is None:
        return {"status": "skipped: not present", "seconds": 0, "date": when}
    print(f"== {benchmark.module}", flush=True)
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-m", benchmark.module], check=False)
    seconds = round(time.perf_counter() - started, 1)
    status = "ok" if completed.returncode == 0 else f"failed (exit {completed.returncode})"
    return {"status": status, "seconds": seconds, "date": when}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__)
    parser.add_argument(
        "--only", action="append", metavar="MODULE", help="run only this module (repeatable)"
    )
    args = parser.parse_args(argv)
    chosen = [b for b in BENCHMARKS if not args.only or b.module in args.only]
    runs = {b.module: run_benchmark(b) for b in chosen}
    written = summary.write(runs=runs)
    print(summary.render_markdown(written))
    missing = summary.missing_headlines(written)
    for module in missing:
        print(f"{module}: no headline in its report", file=sys.stderr)
    failed = any(str(r["status"]).startswith("failed") for r in runs.values())
    return 1 if failed or missing else 0


if __name__ == "__main__":
    sys.exit(main())
