"""The installed `waypoint` command: exit codes and one-line errors, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WAYPOINT_HOME": str(home), "WAYPOINT_PROFILE": "test"}
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_ingest_with_a_bad_file_reports_it_and_exits_non_zero(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.md").write_text("# Good\n\nA short guide about unit rates.\n")
    (corpus / "empty.md").write_text("")
    (corpus / "broken.json").write_text("{not json")
    result = run(["ingest", str(corpus)], tmp_path / "home")
    assert result.returncode == 3
    assert "skipped: empty.md: has no text" in result.stderr
    assert "skipped: broken.json: is not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr
    assert "1 changed" in result.stdout and "2 skipped" in result.stdout


def test_errors_are_one_line(tmp_path: Path) -> None:
    result = run(["search", "x", "--k", "0"], tmp_path / "home")
    assert result.returncode == 1
    assert result.stderr.strip() == "waypoint: error: --k must be between 1 and 100"


def test_search_on_an_empty_index_says_so(tmp_path: Path) -> None:
    result = run(["search", "unit rate"], tmp_path / "home")
    assert result.returncode == 0
    assert "waypoint ingest" in result.stdout
