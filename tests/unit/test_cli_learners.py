"""The learner commands of the CLI: JSON shapes, exit codes, one-line errors, --user."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.container import Assistant
from tests.support_learners import evidence_file, small_school


@pytest.fixture
def school(tmp_path: Path) -> Assistant:
    return small_school(tmp_path)


def run(school: Assistant, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), make_assistant=lambda: school)
    out, err = capsys.readouterr()
    return code, out, err


def test_import_then_next_steps_as_json(
    school: Assistant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = evidence_file(tmp_path, [["A", "M.6.RP.1", "3", "2026-10-01", "", "", "", ""]])
    code, out, _ = run(school, capsys, "import-evidence", str(path), "--json")
    assert code == 0 and json.loads(out)["added"] == 1
    code, out, _ = run(
        school, capsys, "next-steps", "--learner", "A", "--as-of", "2026-11-20", "--json"
    )
    data = json.loads(out)
    assert code == 0 and data["learner"]["id"] == "A"
    step = data["steps"][0]
    assert {"code", "title", "reason", "prerequisites", "current_level", "resources"} <= set(step)
    code, out, _ = run(school, capsys, "next-steps", "--learner", "A", "--user", "s1")
    assert code == 0 and "You reached 3 on M.6.RP.1" in out


def test_errors_are_one_line_on_stderr(
    school: Assistant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(school, capsys, "next-steps", "--learner", "B", "--user", "p1")
    assert code == 1 and out == ""
    assert err.strip() == "waypoint: error: p1 (parent) may not see learner 'B'"
    bad = evidence_file(tmp_path, [["Q", "M.6.RP.1", "9", "soon", "", "", "", ""]])
    code, _, err = run(school, capsys, "import-evidence", str(bad))
    assert code == 1 and err.count("\n") == 1
    assert "line 2: unknown learner 'Q'" in err and "line 2: score 9" in err
    code, _, err = run(school, capsys, "class-report", "--class", "M1", "--user", "nobody")
    assert code == 1 and "unknown user 'nobody'" in err


def test_class_report_and_override(
    school: Assistant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        school,
        capsys,
        "override",
        "--learner",
        "A",
        "--competency",
        "M.6.RP.1",
        "--level",
        "3",
        "--reason",
        "conference",
        "--user",
        "t1",
        "--json",
    )
    assert code == 0 and json.loads(out) == {
        "learner": "A",
        "competency": "M.6.RP.1",
        "level": 3.0,
        "by": "t1",
    }
    code, out, _ = run(school, capsys, "class-report", "--class", "M1", "--user", "t1", "--json")
    data = json.loads(out)
    assert code == 0 and {row["learner_id"] for row in data["matrix"]} == {"A", "B"}
    assert data["matrix"][0]["levels"] == {"M.6.RP.1": 3.0, "M.6.RP.6": None}
    assert {"stuck", "groups", "tiers", "conferences"} <= set(data)
    code, out, _ = run(school, capsys, "class-report", "--class", "M1")
    assert code == 0 and "Tier suggestions (the teacher decides)" in out
