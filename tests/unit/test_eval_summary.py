"""The evaluation summary and the README's figures table come from the benchmarks' reports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from evals import summary
from evals.summary import BEGIN, BENCHMARKS, END, README, REPORTS, StaleSummaryError

README_TEXT = f"# Waypoint\n\nBefore.\n\n{BEGIN}\n| old | table |\n{END}\n\nAfter.\n"


def test_the_committed_summary_and_readme_figures_agree_with_every_benchmarks_report() -> None:
    assert summary.problems(REPORTS, README) == []


def test_every_registered_benchmark_has_a_headline_in_the_committed_summary() -> None:
    written = json.loads((REPORTS / "summary.json").read_text(encoding="utf-8"))
    modules = [b["module"] for b in written["benchmarks"] if b["headline"]]
    assert modules == [b.module for b in BENCHMARKS]


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    """A copy of the committed reports (their JSON files)."""
    folder = tmp_path / "reports"
    folder.mkdir()
    for path in REPORTS.glob("*.json"):
        shutil.copy(path, folder / path.name)
    return folder


def test_writing_regenerates_the_summary_and_only_the_table_between_the_markers(
    reports: Path, tmp_path: Path
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(README_TEXT, encoding="utf-8")
    written = summary.write(reports, readme)
    assert summary.problems(reports, readme) == []
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Waypoint\n\nBefore.\n\n" + BEGIN + "\n| measure | value |")
    assert text.endswith(END + "\n\nAfter.\n") and "| old | table |" not in text
    assert summary.render_readme_table(written) in text


def test_a_changed_report_makes_the_summary_and_the_readme_stale(
    reports: Path, tmp_path: Path
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(README_TEXT, encoding="utf-8")
    summary.write(reports, readme)
    ingest = json.loads((reports / "ingest.json").read_text(encoding="utf-8"))
    ingest["headline"]["chunks/s"] = 99.0
    (reports / "ingest.json").write_text(json.dumps(ingest), encoding="utf-8")
    stale = summary.problems(reports, readme)
    assert any("summary.json differs" in line for line in stale), stale
    summary.write(reports, None)  # the summary only: the README still shows the old figure
    assert [line for line in summary.problems(reports, readme) if "README.md" in line]
    summary.write(reports, readme)
    assert summary.problems(reports, readme) == []
    assert "| 99 / " in readme.read_text(encoding="utf-8")


def test_a_registered_benchmark_without_a_headline_is_named(reports: Path, tmp_path: Path) -> None:
    (reports / "recommend.json").write_text(json.dumps({"machine": "x"}), encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text(README_TEXT, encoding="utf-8")
    with pytest.raises(StaleSummaryError, match="'top-3 ready, scale rule' from recommend.json"):
        summary.write(reports, readme)
    stale = summary.problems(reports, readme)
    assert "evals.bench_recommend has no headline" in stale[0]


def test_a_readme_without_the_markers_is_refused_by_name(reports: Path) -> None:
    with pytest.raises(StaleSummaryError, match="no figures markers"):
        summary.readme_with_table("# Waypoint\n", summary.collect(reports))


def test_a_run_is_recorded_and_kept_when_the_summary_is_regenerated(reports: Path) -> None:
    run = {"status": "ok", "seconds": 12.5, "date": "2026-12-06"}
    summary.write(reports, None, runs={"evals.bench_ingest": run})
    again = summary.write(reports, None)
    (ingest,) = [b for b in again["benchmarks"] if b["module"] == "evals.bench_ingest"]
    assert ingest["last_run"] == run
    assert "| 2026-12-06 | ok | 12.5 |" in (reports / "summary.md").read_text(encoding="utf-8")
