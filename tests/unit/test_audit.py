"""The audit log: views recorded at the access policy, changes at the importers and overrides."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from assistant.cli import main
from assistant.container import Assistant
from assistant.errors import AccessDeniedError
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.db import AuditRow
from tests.support_learners import CLASSES, PEOPLE, evidence_file, small_school, write_csv

AS_OF = date(2026, 11, 20)
EVIDENCE = [
    ["A", "M.6.RP.1", 3, "2026-10-01"],
    ["B", "M.6.RP.1", 2, "2026-10-01"],
    ["C", "M.6.RP.1", 1, "2026-10-01"],
]


def make_school(tmp_path: Path, **settings: object) -> Assistant:
    built = small_school(tmp_path, **settings)
    built.evidence_importer.import_file(evidence_file(tmp_path, EVIDENCE), LOCAL_ADMIN)
    return built


@pytest.fixture
def school(tmp_path: Path) -> Iterator[Assistant]:
    built = make_school(tmp_path)
    yield built
    built.records.close()


def audit_rows(school: Assistant, **where: str) -> list[tuple[str, str, str, str, str]]:
    query = select(
        AuditRow.user_id, AuditRow.role, AuditRow.action, AuditRow.learner_id, AuditRow.what
    )
    for column, value in where.items():
        query = query.where(getattr(AuditRow, column) == value)
    with school.learner_db.session() as session:
        return [tuple(r) for r in session.execute(query.order_by(AuditRow.id))]  # type: ignore[misc]


def count(school: Assistant) -> int:
    with school.learner_db.session() as session:
        return int(session.scalar(select(func.count(AuditRow.id))) or 0)


def test_next_steps_audit_exactly_the_viewed_learner(school: Assistant) -> None:
    before = count(school)
    teacher = school.access.viewer("t1")
    school.recommender.for_learner(teacher, "B", as_of=AS_OF)
    assert count(school) == before + 1
    assert audit_rows(school, action="view") == [("t1", "teacher", "view", "B", "next_steps")]


def scoped_rows(school: Assistant, **where: str) -> list[tuple[str, str, str, str | None, str]]:
    query = select(
        AuditRow.user_id, AuditRow.action, AuditRow.scope, AuditRow.learner_id, AuditRow.what
    )
    for column, value in where.items():
        query = query.where(getattr(AuditRow, column) == value)
    with school.learner_db.session() as session:
        return [tuple(r) for r in session.execute(query.order_by(AuditRow.id))]  # type: ignore[misc]


def test_a_class_report_is_one_row_for_the_class_not_one_per_learner(school: Assistant) -> None:
    before = count(school)
    school.class_reports.for_class(school.access.viewer("t1"), "M1", as_of=AS_OF)
    assert count(school) == before + 1
    assert scoped_rows(school, action="view") == [("t1", "view", "class M1", None, "class_report")]


def test_refused_attempts_are_recorded_and_show_nothing(school: Assistant) -> None:
    before = count(school)
    for user, learner in (("s1", "B"), ("p1", "B"), ("t1", "C"), ("t2", "A")):
        with pytest.raises(AccessDeniedError):
            school.recommender.for_learner(school.access.viewer(user), learner, as_of=AS_OF)
    with pytest.raises(AccessDeniedError):
        school.access.grant(school.access.viewer("t1"), ["A", "C"])  # one refused: no view
    with pytest.raises(AccessDeniedError):
        school.class_reports.for_class(school.access.viewer("t2"), "M1", as_of=AS_OF)
    assert count(school) == before + 6
    assert audit_rows(school, action="view") == []
    refused = scoped_rows(school, action="refused")
    assert [(r[0], r[3]) for r in refused[:5]] == [
        ("s1", "B"),
        ("p1", "B"),
        ("t1", "C"),
        ("t2", "A"),
        ("t1", "C"),
    ]
    assert refused[-1][:4] == ("t2", "refused", "class M1", None)


def test_a_made_up_learner_is_refused_like_a_hidden_one(school: Assistant) -> None:
    student = school.access.viewer("s1")
    messages = []
    for learner in ("B", "NOBODY"):
        with pytest.raises(AccessDeniedError) as caught:
            school.access.grant(student, [learner])
        messages.append(str(caught.value).replace(learner, "X"))
    assert messages[0] == messages[1]
    assert [r[3] for r in scoped_rows(school, action="refused")] == ["B", "NOBODY"]


def test_a_learner_list_is_one_row_with_its_scope(school: Assistant) -> None:
    inserts: list[tuple[str, bool]] = []

    def spy(conn: Any, cursor: Any, statement: str, params: Any, ctx: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_LOG"):
            inserts.append((statement, many))

    event.listen(school.learner_db.engine, "before_cursor_execute", spy)
    try:
        grant = school.access.grant_visible(LOCAL_ADMIN, ["A", "B", "C"], purpose="report cards")
    finally:
        event.remove(school.learner_db.engine, "before_cursor_execute", spy)
    assert grant.learner_ids == {"A", "B", "C"}
    assert len(inserts) == 1
    assert scoped_rows(school, action="view") == [
        ("local-admin", "view", "learner list of 3", None, "report cards")
    ]
    at = school.audit.entries(limit=1)[0].at
    assert at.tzinfo == UTC and abs(at - datetime.now(UTC)) < timedelta(minutes=5)


def test_a_grant_for_several_learners_writes_one_row_each_in_one_executemany(
    school: Assistant,
) -> None:
    inserts: list[bool] = []

    def spy(conn: Any, cursor: Any, statement: str, params: Any, ctx: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_LOG"):
            inserts.append(many)

    event.listen(school.learner_db.engine, "before_cursor_execute", spy)
    try:
        school.access.grant(LOCAL_ADMIN, ["A", "B"], purpose="report cards")
    finally:
        event.remove(school.learner_db.engine, "before_cursor_execute", spy)
    assert inserts == [True]
    assert [r[3:] for r in audit_rows(school, action="view")] == [
        ("A", "report cards"),
        ("B", "report cards"),
    ]


def test_a_progress_page_is_one_view_row(school: Assistant) -> None:
    before = count(school)
    school.progress.for_learner(school.access.viewer("s1"), "A")
    assert count(school) == before + 1
    assert audit_rows(school, action="view") == [("s1", "student", "view", "A", "progress")]


def test_a_learner_list_and_names_to_hide(school: Assistant) -> None:
    before = count(school)
    refs = school.chat_learners.visible_learners("t1")
    assert {r.id for r in refs} == {"A", "B"}
    assert count(school) == before + 1  # one row for the list, none per learner
    hidden = school.chat_learners.names_to_hide("t1")
    assert {r.id for r in hidden} == {"A", "B"}
    assert count(school) == before + 1  # read to pseudonymise, shown to no one


def test_model_fitting_reads_everyone_but_is_not_a_view(tmp_path: Path) -> None:
    school = make_school(tmp_path, mastery_model="bkt", bkt_min_learners=2)
    school.recommender.for_learner(school.access.viewer("s1"), "A")
    views = audit_rows(school, action="view")
    assert views == [("s1", "student", "view", "A", "next_steps")]
    school.records.close()


def test_changes_are_audited_once_per_real_change(school: Assistant, tmp_path: Path) -> None:
    changes = audit_rows(school, action="change")
    assert ("local-admin", "admin", "change", "A", "evidence import ev.csv") in changes
    roster = [row[3] for row in changes if row[4] == "roster import classes.csv, people.csv"]
    assert sorted(roster) == ["A", "B", "C"]
    before = count(school)
    school.evidence_importer.import_file(evidence_file(tmp_path, EVIDENCE), LOCAL_ADMIN)
    school.roster_importer.import_files(
        [tmp_path / "classes.csv", tmp_path / "people.csv"], LOCAL_ADMIN
    )
    assert count(school) == before  # nothing new, nothing recorded
    moved = [row if row[0] != "s2" else [*row[:5], "M2", ""] for row in PEOPLE]
    people = write_csv(tmp_path / "people2.csv", moved)
    school.roster_importer.import_files(
        [write_csv(tmp_path / "c.csv", CLASSES), people], LOCAL_ADMIN
    )
    assert audit_rows(school, action="change")[-1] == (
        "local-admin",
        "admin",
        "change",
        "B",
        "roster import c.csv, people2.csv",
    )
    assert count(school) == before + 1


def test_overrides_are_changes_not_views(school: Assistant) -> None:
    teacher = school.access.viewer("t1")
    school.overrides.record(teacher, "A", "M.6.RP.1", 3, "conference")
    school.overrides.record(teacher, "A", "M.6.RP.1", None, "recorded by mistake")
    assert audit_rows(school, user_id="t1") == [
        ("t1", "teacher", "change", "A", "override M.6.RP.1"),
        ("t1", "teacher", "change", "A", "override withdrawn M.6.RP.1"),
    ]


def test_audit_cli_filters_by_learner_and_user(
    school: Assistant, capsys: pytest.CaptureFixture[str]
) -> None:
    school.recommender.for_learner(school.access.viewer("t1"), "B", as_of=AS_OF)
    school.recommender.for_learner(school.access.viewer("s1"), "A", as_of=AS_OF)
    assert main(["audit", "--learner", "B", "--json"], make_assistant=lambda: school) == 0
    entries = json.loads(capsys.readouterr().out)
    assert {e["learner_id"] for e in entries} == {"B"}
    assert entries[0]["user_id"] == "t1" and entries[0]["action"] == "view"
    assert main(["audit", "--user", "s1", "--limit", "5"], make_assistant=lambda: school) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and "s1 (student)  view     A  next_steps" in out[0]
    assert main(["audit", "--limit", "0"], make_assistant=lambda: school) == 1
