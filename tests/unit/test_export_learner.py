"""`waypoint export-learner`: everything held about one learner, for them or their parent."""

from __future__ import annotations

import csv
import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant.cli import main
from assistant.container import Assistant
from assistant.errors import AccessDeniedError, UnknownRecordError
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.db import AuditRow
from assistant.privacy import LearnerExporter
from tests.support_learners import evidence_file
from tests.support_privacy import build_demo_home, demo_copy, evidence_counts

TABLES = (
    "profile",
    "account",
    "enrolments",
    "guardians",
    "evidence",
    "overrides",
    "estimates",
    "feedback",
    "audit",
    "credentials",
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_home(tmp_path_factory.mktemp("export-demo"))


@pytest.fixture
def school(template: Path, tmp_path: Path) -> Iterator[Assistant]:
    built = demo_copy(template, tmp_path)
    yield built
    built.records.close()


def exporter(school: Assistant) -> LearnerExporter:
    return LearnerExporter(school.learner_db, school.access)


def run(school: Assistant, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), make_assistant=lambda: school)
    out, err = capsys.readouterr()
    return code, out, err


def populate(school: Assistant, tmp_path: Path) -> None:
    teacher = school.access.viewer("t.okafor")
    school.recommender.for_learner(teacher, "L001")  # estimates, and a "view" audit entry
    school.overrides.record(teacher, "L001", "M.6.RP.1", 3, '=HYPERLINK("http://x")')
    school.evidence_importer.import_file(
        evidence_file(tmp_path, [["L001", "M.6.RP.2", "2", "2026-11-02", "", "quiz", "q", "@SUM"]]),
        LOCAL_ADMIN,
        allow_future=True,
    )
    school.feedback.record(
        user_id="stu.L001",
        role="student",
        question="what next",
        answer="An answer.",
        intent="next_steps",
        citations=[],
        rating=1,
        conversation_id="c1",
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_export_holds_every_table_about_the_learner_as_json_and_csv(
    school: Assistant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    populate(school, tmp_path)
    out = tmp_path / "export"
    code, printed, _ = run(school, capsys, "export-learner", "L001", "--out", str(out))
    assert code == 0 and str(out) in printed
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["learner.json", *(f"{t}.csv" for t in TABLES)]
    )
    data = json.loads((out / "learner.json").read_text(encoding="utf-8"))
    tables = data["tables"]
    assert list(tables) == list(TABLES) and data["learner_id"] == "L001"
    assert tables["profile"] == [
        {"id": "L001", "name": "Maya Lindgren", "grade": "6", "user_id": "stu.L001"}
    ]
    assert [row["id"] for row in tables["account"]] == ["stu.L001"]
    assert tables["enrolments"][0]["class_id"] == "6A"
    assert tables["guardians"] == [{"parent_id": "par.001", "parent_name": "Carla Lindgren"}]
    assert len(tables["evidence"]) == evidence_counts(school)["L001"]
    assert {row["learner_id"] for row in tables["estimates"]} == {"L001"}
    assert [row["question"] for row in tables["feedback"]] == ["what next"]
    assert {row["learner_id"] for row in tables["audit"]} == {"L001"}
    assert any("right of access" in row["what"] for row in tables["audit"])  # this export
    # CSV: one per table, the same rows, cells that could run as formulas made text
    evidence = read_csv(out / "evidence.csv")
    assert len(evidence) == len(tables["evidence"])
    assert "'@SUM" in {row["note"] for row in evidence}
    assert read_csv(out / "overrides.csv")[0]["reason"] == '\'=HYPERLINK("http://x")'
    assert (
        read_csv(out / "audit.csv") and read_csv(out / "feedback.csv")[0]["question"] == "what next"
    )
    for path in out.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_student_gets_only_themself_a_parent_only_their_children(
    school: Assistant, tmp_path: Path
) -> None:
    export = exporter(school)
    student, parent = school.access.viewer("stu.L001"), school.access.viewer("par.001")
    assert export.collect(student, "L001").tables[0].rows[0][0] == "L001"
    assert export.collect(parent, "L001").tables[0].rows[0][0] == "L001"
    assert export.collect(LOCAL_ADMIN, "L002").tables[0].rows[0][0] == "L002"
    teacher = school.access.viewer("t.okafor")  # teaches L001, but this is the learner's right
    for viewer, hidden in ((student, "L002"), (parent, "L002"), (teacher, "L001")):
        with pytest.raises(AccessDeniedError) as refused:
            export.collect(viewer, hidden)
        with pytest.raises(AccessDeniedError) as unknown:
            export.collect(viewer, "L999")
        assert str(refused.value) == str(unknown.value).replace("L999", hidden)
    with pytest.raises(UnknownRecordError, match="unknown learner 'L999'"):
        export.collect(LOCAL_ADMIN, "L999")
    with school.learner_db.session() as session:
        refusals = session.scalars(
            select(AuditRow.user_id).where(AuditRow.action == "refused")
        ).all()
        exports = session.scalars(
            select(AuditRow.user_id).where(
                AuditRow.action == "view", AuditRow.what.contains("right of access")
            )
        ).all()
    assert sorted(set(refusals)) == ["local-admin", "par.001", "stu.L001", "t.okafor"]
    assert sorted(exports) == ["local-admin", "par.001", "stu.L001"]


def test_cli_refusals_read_like_an_unknown_learner_and_write_nothing(
    school: Assistant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "export"
    code, _, hidden = run(
        school, capsys, "export-learner", "L002", "--user", "stu.L001", "--out", str(out)
    )
    code2, _, unknown = run(
        school, capsys, "export-learner", "L999", "--user", "stu.L001", "--out", str(out)
    )
    assert code == code2 == 1
    assert hidden == unknown.replace("L999", "L002")
    assert not out.exists()
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    code, _, err = run(school, capsys, "export-learner", "L001", "--out", str(out))
    assert code == 1 and "not an empty folder" in err
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".export")] == []
