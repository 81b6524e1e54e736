"""CSV imports: every bad row listed by line and reason, nothing written, idempotent re-import."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant.container import Assistant
from assistant.errors import EvidenceImportError, RosterImportError
from assistant.imports.evidence_store import lookup_size
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.db import Enrolment, Evidence, EvidenceImport, Learner, User
from tests.support_learners import CLASSES, PEOPLE, evidence_file, small_school, write_csv

GOOD = [
    ["A", "M.6.RP.1", "3", "2026-10-01", "", "exit ticket", "M1 gradebook", ""],
    ["A", "M.6.RP.2", "7", "2026-10-02", "10", "quiz", "M1 gradebook", "7 out of 10"],
    ["B", "a29970b0-b9a7-51e6-9571-48959da809af", "2", "2026-10-03T09:30:00", "", "", "", ""],
]


@pytest.fixture
def school(tmp_path: Path) -> Assistant:
    return small_school(tmp_path)


def evidence_rows(school: Assistant) -> list[tuple[str, str, float, float]]:
    with school.learner_db.session() as session:
        rows = session.execute(
            select(
                Evidence.learner_id, Evidence.competency_code, Evidence.score, Evidence.level
            ).order_by(Evidence.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_good_file_imports_codes_identifiers_and_raw_marks(
    school: Assistant, tmp_path: Path
) -> None:
    report = school.evidence_importer.import_file(evidence_file(tmp_path, GOOD), LOCAL_ADMIN)
    assert (report.rows, report.added, report.unchanged) == (3, 3, 0)
    # 7 out of 10 on the 1-4 scale: 1 + 0.7 * 3 = 3.1. The identifier is M.6.RP.1's.
    assert evidence_rows(school) == [
        ("A", "M.6.RP.1", 3.0, 3.0),
        ("A", "M.6.RP.2", 7.0, 3.1),
        ("B", "M.6.RP.1", 2.0, 2.0),
    ]


def test_reimporting_the_same_file_adds_nothing(school: Assistant, tmp_path: Path) -> None:
    path = evidence_file(tmp_path, GOOD)
    school.evidence_importer.import_file(path, LOCAL_ADMIN)
    again = school.evidence_importer.import_file(path, LOCAL_ADMIN)
    assert (again.added, again.unchanged) == (0, 3)
    assert len(evidence_rows(school)) == 3
    with school.learner_db.session() as session:
        assert session.scalar(select(func.count()).select_from(EvidenceImport)) == 1


def test_every_bad_row_is_listed_and_nothing_is_written(school: Assistant, tmp_path: Path) -> None:
    school.evidence_importer.import_file(evidence_file(tmp_path, GOOD, "first.csv"), LOCAL_ADMIN)
    before = evidence_rows(school)
    bad = [
        ["A", "M.6.RP.3", "3", "2026-10-05", "", "", "", ""],  # line 2: fine on its own
        ["Z9", "M.6.RP.3", "3", "2026-10-05", "", "", "", ""],  # 3: unknown learner
        ["A", "M.9.ZZ.1", "3", "2026-10-05", "", "", "", ""],  # 4: unknown competency
        ["A", "M.6.RP.3", "5", "2026-10-06", "", "", "", ""],  # 5: above the 1-4 scale
        ["A", "M.6.RP.3", "11", "2026-10-07", "10", "", "", ""],  # 6: above max_score
        ["A", "M.6.RP.3", "3", "12/10/2026", "", "", "", ""],  # 7: not an ISO date
        ["A", "M.6.RP.3", "3", "2999-01-01", "", "", "", ""],  # 8: in the future
        ["A", "M.6.RP.3", "3", "2026-10-05", "", "", "", ""],  # 9: duplicate of line 2
        ["A", "M.6.RP.1", "2", "2026-10-01", "", "exit ticket", "M1 gradebook", ""],  # 10
        ["A", "M.6.RP", "3", "2026-10-05", "", "", "", ""],  # 11: a cluster, not assessable
        ["A", "M.6.RP.3", "three", "2026-10-05", "", "", "", ""],  # 12: not a number
    ]
    with pytest.raises(EvidenceImportError) as caught:
        school.evidence_importer.import_file(evidence_file(tmp_path, bad), LOCAL_ADMIN)
    problems = {p.line: p.reason for p in caught.value.problems}
    assert sorted(problems) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert problems[3] == "unknown learner 'Z9'"
    assert problems[4] == "unknown competency 'M.9.ZZ.1'"
    assert "outside the proficiency scale 1 to 4" in problems[5]
    assert "outside 0 to 10 (max_score)" in problems[6]
    assert "is not a date" in problems[7]
    assert "in the future" in problems[8]
    assert problems[9] == "duplicate of line 2"
    assert "conflicts with evidence already recorded" in problems[10]
    assert "not a competency evidence can be recorded on" in problems[11]
    assert "is not a number" in problems[12]
    message = str(caught.value)
    assert message.startswith("ev.csv: 10 bad rows, nothing imported") and "\n" not in message
    assert evidence_rows(school) == before  # nothing written, old data intact


def test_missing_columns_and_non_utf8_refuse_the_file(school: Assistant, tmp_path: Path) -> None:
    no_score = write_csv(tmp_path / "x.csv", [["learner_id", "competency", "observed_at"]])
    with pytest.raises(EvidenceImportError, match="line 1: missing column: score"):
        school.evidence_importer.import_file(no_score, LOCAL_ADMIN)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        "learner_id,competency,score,observed_at\nA,M.6.RP.1,3,2026-10-01,é\n".encode("latin-1")
    )
    with pytest.raises(EvidenceImportError, match="not UTF-8"):
        school.evidence_importer.import_file(latin, LOCAL_ADMIN)


def test_a_teacher_may_import_only_for_their_learners(school: Assistant, tmp_path: Path) -> None:
    rows = [["A", "M.6.RP.1", "3", "2026-10-01"], ["C", "M.6.RP.1", "3", "2026-10-01"]]
    with pytest.raises(EvidenceImportError) as caught:
        school.evidence_importer.import_file(
            evidence_file(tmp_path, [[*r, "", "", "", ""] for r in rows]),
            school.access.viewer("t1"),
        )
    assert [(p.line, p.reason) for p in caught.value.problems] == [
        (3, "learner 'C' is not one of t1's learners")
    ]


def many_rows(count: int) -> list[list[str]]:
    """Valid evidence rows for A and B, one distinct moment each."""
    first = datetime(2026, 9, 1, 8, 0)
    return [
        [
            "AB"[n % 2],
            f"M.6.RP.{1 + n % 5}",
            str(1 + n % 4),
            (first + timedelta(minutes=n)).isoformat(timespec="minutes"),
            "",
            "quiz",
            "weekly",
            "",
        ]
        for n in range(count)
    ]


def test_a_file_of_any_size_finds_its_recorded_rows(school: Assistant, tmp_path: Path) -> None:
    """The recorded rows are looked up a power of two at a time (at most BATCH), the lookup
    padded with the file's first row: each size still finds every recorded row, once."""
    assert [lookup_size(n) for n in (1, 2, 3, 5, 128, 129, 150)] == [1, 2, 4, 8, 128, 150, 150]
    rows = many_rows(6)
    school.evidence_importer.import_file(evidence_file(tmp_path, rows, "all.csv"), LOCAL_ADMIN)
    for size in (1, 3, 6):
        part = evidence_file(tmp_path, rows[:size], f"first-{size}.csv")
        report = school.evidence_importer.import_file(part, LOCAL_ADMIN)
        assert (report.rows, report.added, report.unchanged) == (size, 0, size)
    changed = [*rows[:2], [*rows[2][:2], "4", *rows[2][3:]]]
    with pytest.raises(EvidenceImportError) as caught:
        school.evidence_importer.import_file(evidence_file(tmp_path, changed, "c.csv"), LOCAL_ADMIN)
    assert [p.line for p in caught.value.problems] == [4]


def test_a_large_file_is_checked_whole_and_every_bad_row_is_listed_wherever_it_is(
    school: Assistant, tmp_path: Path
) -> None:
    """Read a batch of rows at a time, a file still goes in whole or not at all: a bad row at
    the end refuses rows read long before, and duplicates and conflicts are found across the
    whole file."""
    recorded = many_rows(1)
    school.evidence_importer.import_file(evidence_file(tmp_path, recorded, "a.csv"), LOCAL_ADMIN)
    before = evidence_rows(school)
    rows = many_rows(2000)
    rows[0][2] = "lots"  # line 2
    rows[998][0] = "Z9"  # line 1000
    rows[1700] = rows[3][:]  # line 1702: duplicate of line 5
    rows[1500][2:4] = ["4", recorded[0][3]]  # line 1502: the recorded row with another score
    rows[1999][3] = "2026-13-01"  # line 2001, the last
    with pytest.raises(EvidenceImportError) as caught:
        school.evidence_importer.import_file(evidence_file(tmp_path, rows), LOCAL_ADMIN)
    problems = {p.line: p.reason for p in caught.value.problems}
    assert sorted(problems) == [2, 1000, 1502, 1702, 2001], problems
    assert problems[1000] == "unknown learner 'Z9'"
    assert problems[1702] == "duplicate of line 5"
    assert "conflicts with evidence already recorded" in problems[1502]
    assert str(caught.value).startswith("ev.csv: 5 bad rows, nothing imported")
    assert evidence_rows(school) == before

    good = evidence_file(tmp_path, many_rows(2000)[1:], "good.csv")
    report = school.evidence_importer.import_file(good, LOCAL_ADMIN)
    assert (report.rows, report.added, report.unchanged) == (1999, 1999, 0)
    again = school.evidence_importer.import_file(good, LOCAL_ADMIN)
    assert (again.rows, again.added, again.unchanged) == (1999, 0, 1999)
    with school.learner_db.session() as session:
        imports = session.execute(
            select(EvidenceImport.id, EvidenceImport.rows, EvidenceImport.added).order_by(
                EvidenceImport.id
            )
        ).all()
        assert [tuple(r[1:]) for r in imports] == [(1, 1), (1999, 1999)]
        of_second = select(func.count()).where(Evidence.import_id == imports[1][0])
        assert session.scalar(of_second) == 1999


def test_roster_reimport_is_idempotent_and_rows_are_authoritative(
    school: Assistant, tmp_path: Path
) -> None:
    def counts() -> tuple[int, int, int]:
        with school.learner_db.session() as session:
            return (
                session.scalar(select(func.count()).select_from(User)) or 0,
                session.scalar(select(func.count()).select_from(Learner)) or 0,
                session.scalar(select(func.count()).select_from(Enrolment)) or 0,
            )

    assert counts() == (6, 3, 3)
    small_school(tmp_path)  # the same files again, through a fresh assistant
    assert counts() == (6, 3, 3)
    moved = [row[:] for row in PEOPLE]
    moved[4][5] = "M2"  # Anna moves from M1 to M2
    school.roster_importer.import_files([write_csv(tmp_path / "p2.csv", moved)], LOCAL_ADMIN)
    assert school.access.visible(school.access.viewer("t2"), ["A", "B", "C"]) == {"A", "C"}


def test_bad_roster_rows_are_listed_and_nothing_is_written(
    school: Assistant, tmp_path: Path
) -> None:
    people = [
        PEOPLE[0],
        ["t3", "teacher", "Tia Three", "", "", "M9", ""],  # 2: unknown class
        ["x1", "wizard", "Xena", "", "", "", ""],  # 3: unknown role
        ["t1", "parent", "Tess One", "", "", "", "A"],  # 4: t1 is a teacher already
        ["s9", "student", "Sam Nine", "", "6", "M1", ""],  # 5: no learner_id
        ["p9", "parent", "Pia Nine", "", "", "", "Q"],  # 6: unknown child
        ["t3", "teacher", "Tia Again", "", "", "M1", ""],  # 7: duplicate user_id
        ["s8", "student", "Sol Eight", "B", "6", "M1", ""],  # 8: B belongs to s2
        ["p8", "parent", "Pat Eight", "", "6", "", "A"],  # 9: grade is only for students
    ]
    classes = [CLASSES[0], ["M9x", "", "Unknown framework", "M.6.XX.9"]]  # 2: three problems
    with pytest.raises(RosterImportError) as caught:
        school.roster_importer.import_files(
            [write_csv(tmp_path / "c.csv", classes), write_csv(tmp_path / "p.csv", people)],
            LOCAL_ADMIN,
        )
    reasons = [str(p) for p in caught.value.problems]
    expected = [
        "line 2: c.csv: name is empty",
        "line 2: c.csv: unknown framework 'Unknown framework'",
        "line 2: c.csv: unknown competency 'M.6.XX.9' in focus",
        "line 2: p.csv: unknown class 'M9'",
        "line 3: p.csv: unknown role 'wizard' (student, parent, teacher, leader, admin)",
        "line 4: p.csv: user 't1' is already a teacher; a user keeps one role",
        "line 5: p.csv: learner_id is empty (every student row needs one)",
        "line 6: p.csv: unknown learner 'Q' in children",
        "line 7: p.csv: user 't3' is already on line 2",
        "line 8: p.csv: learner 'B' already belongs to user 's2'",
        "line 9: p.csv: grade is only for students",
    ]
    assert sorted(reasons) == sorted(expected)
    assert school.access.visible(LOCAL_ADMIN, ["A", "B", "C"]) == {"A", "B", "C"}
    with school.learner_db.session() as session:
        assert session.get(User, "t3") is None
