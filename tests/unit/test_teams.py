"""Teaching teams on a real SQLite database: courses from the roster files, recorded groups and
interventions under the access policy (audited), what worked across a course's sections
(worked out by hand in tests/support_teams.py), the team's go-to and the class report's pick."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant.container import Assistant
from assistant.errors import AccessDeniedError, UnknownRecordError, WaypointError
from assistant.leaders.chat_facts import ClassResponsiveness, _least_responsive_first
from assistant.leaders.interventions import InterventionError
from assistant.leaders.period import Period
from assistant.leaders.responsiveness import EvidenceShares, StuckSummary
from assistant.leaders.school import Figures
from assistant.leaders.team_records import CourseInfo
from assistant.leaders.what_worked import Result
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.db import AuditRow
from assistant.learners.db_teams import CourseClass, Intervention, InterventionLearner
from assistant.oneroster.importer import OneRosterImporter
from assistant.recommend.groups import TeamSuggestion
from tests.support_learners import MATH, write_csv
from tests.support_teams import END, RP4, START, team_school

PERIOD = Period(START, END)
DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """Shared by the tests that change nothing (a refused recording writes nothing)."""
    return team_school(tmp_path_factory.mktemp("team"))


@pytest.fixture
def fresh(tmp_path: Path) -> Assistant:
    """For a test that changes the team's data."""
    return team_school(tmp_path)


def team(built: Assistant, user: str, course: str = "M6") -> CourseInfo:
    found = [t for t in built.teams.teams_of(built.access.viewer(user)) if t.id == course]
    assert found, (user, course)
    return found[0]


def counts(built: Assistant) -> tuple[int, int]:
    with built.learner_db.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Intervention)) or 0,
            session.scalar(select(func.count()).select_from(InterventionLearner)) or 0,
        )


def test_the_course_column_groups_classes_and_each_teacher_sees_their_teams(
    school: Assistant,
) -> None:
    t1, t3 = school.access.viewer("t1"), school.access.viewer("t3")
    assert school.interventions.courses_of(t1) == [CourseInfo("M6", "M6", ("K1", "K2"))]
    assert school.interventions.courses_of(t3) == []
    assert [t.id for t in school.teams.teams_of(t3)] == ["class:K3"]  # a team of one
    assert [t.id for t in school.teams.teams_of(school.access.viewer("lead"))] == ["M6"]


def test_oneroster_classes_join_the_course_named_by_their_course_sourced_id(
    tmp_path: Path,
) -> None:
    built = team_school(tmp_path, record=False)
    importer = OneRosterImporter(
        built.learner_db, built.catalog, built.access, today=lambda: date(2026, 12, 6)
    )
    importer.import_set(
        DATA / "oneroster", LOCAL_ADMIN, course_map=DATA / "oneroster-course-map.csv"
    )
    found = {c.id: c for c in built.interventions.courses_of(LOCAL_ADMIN)}
    assert found["c-math6"] == CourseInfo("c-math6", "Math 6", ("k-math6-1",))
    assert found["c-hr"].name == "Homeroom" and found["c-hr"].class_ids == ("k-hr-6",)


def test_a_class_row_with_an_empty_course_leaves_its_course(tmp_path: Path) -> None:
    built = team_school(tmp_path, record=False)
    rows = [["class_id", "name", "framework", "course"], ["K2", "Maths K2", MATH, ""]]
    built.roster_importer.import_files([write_csv(tmp_path / "c2.csv", rows)], LOCAL_ADMIN)
    with built.learner_db.session() as session:
        assert set(session.scalars(select(CourseClass.class_id))) == {"K1"}


def test_a_bad_course_id_is_refused_naming_the_row(tmp_path: Path) -> None:
    built = team_school(tmp_path, record=False)
    rows = [["class_id", "name", "framework", "course"], ["K9", "Maths K9", MATH, "Math 6!"]]
    with pytest.raises(WaypointError, match="course 'Math 6!' may only use"):
        built.roster_importer.import_files([write_csv(tmp_path / "c9.csv", rows)], LOCAL_ADMIN)


def test_a_recording_keeps_who_attended_and_is_audited_per_learner(school: Assistant) -> None:
    assert counts(school) == (2, 3)
    found = school.interventions.recorded(school.access.viewer("t1"), "K1")
    assert [(r.kind, r.code, r.activity, r.met_on, r.learners) for r in found] == [
        ("group", RP4, "Tape diagrams", date(2026, 10, 5), ("A", "B"))
    ]
    with school.learner_db.session() as session:
        rows = session.scalars(
            select(AuditRow).where(AuditRow.user_id == "t1", AuditRow.action == "change")
        ).all()
    assert sorted(r.learner_id or "" for r in rows) == ["A", "B"]
    assert rows[0].what == f"group recorded {RP4}: Tape diagrams"


@pytest.mark.parametrize(
    ("user", "class_id", "learners", "code", "activity", "day", "error"),
    [
        ("t3", "K1", ["A"], RP4, "x", date(2026, 10, 5), AccessDeniedError),  # not their class
        ("t1", "K1", ["G"], RP4, "x", date(2026, 10, 5), AccessDeniedError),  # not their learner
        ("lead", "K1", ["A"], RP4, "x", date(2026, 10, 5), AccessDeniedError),  # read-only
        ("t1", "K1", ["A"], "M.9.ZZ.9", "x", date(2026, 10, 5), UnknownRecordError),
        ("t1", "K1", ["A"], RP4, "  ", date(2026, 10, 5), InterventionError),
        ("t1", "K1", ["A"], RP4, "x", date(2026, 11, 1), InterventionError),  # the future
        ("t1", "K1", [], RP4, "x", date(2026, 10, 5), InterventionError),
    ],
)
def test_a_recording_that_is_not_allowed_or_not_valid_writes_nothing(
    school: Assistant,
    user: str,
    class_id: str,
    learners: list[str],
    code: str,
    activity: str,
    day: date,
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        school.interventions.record(
            school.access.viewer(user), class_id, code, activity, learners, day
        )
    assert counts(school) == (2, 3)


def test_an_admin_learner_outside_the_class_is_refused_by_name(school: Assistant) -> None:
    with pytest.raises(InterventionError, match="learners: 'G' is not enrolled in class 'K1'"):
        school.interventions.record(LOCAL_ADMIN, "K1", RP4, "x", ["A", "G"], date(2026, 10, 5))
    assert counts(school) == (2, 3)


def test_teachers_of_a_course_see_what_worked_in_every_section(school: Assistant) -> None:
    t2 = school.access.viewer("t2")  # teaches K2 only, sees K1's group too
    results = school.teams.results(t2, team(school, "t2"), PERIOD)
    point = results.point(RP4)
    assert point is not None
    assert [(a.activity, a.classes, a.result) for a in point.activities] == [
        ("Double number line", ("K2",), Result(1, 1, 10)),
        ("Tape diagrams", ("K1",), Result(2, 1, 7)),
    ]
    assert point.comparison == Result(2, 1, 20)  # Eli and Fay; Gus is in no course
    with school.learner_db.session() as session:
        scopes = session.scalars(
            select(AuditRow.scope).where(AuditRow.user_id == "t2", AuditRow.action == "view")
        ).all()
    assert "course M6" in scopes


def test_someone_outside_the_course_may_not_see_its_results(school: Assistant) -> None:
    m6 = team(school, "t1")
    for user in ("t3", "sA"):
        with pytest.raises(AccessDeniedError):
            school.teams.results(school.access.viewer(user), m6, PERIOD)


def test_the_class_report_pick_is_the_best_performing_then_the_team_go_to(
    fresh: Assistant,
) -> None:
    t1 = fresh.access.viewer("t1")
    assert fresh.teams.suggestions(t1, "K1", END) == {
        RP4: TeamSuggestion("Double number line", False, 1, 1, 10, ("K2",))
    }
    fresh.interventions.mark_go_to(t1, "M6", RP4, "Tape diagrams")
    assert fresh.teams.suggestions(t1, "K1", END) == {
        RP4: TeamSuggestion("Tape diagrams", True, 2, 1, 7, ("K1",))
    }
    point = fresh.teams.results(t1, team(fresh, "t1"), PERIOD).point(RP4)
    assert point is not None and point.go_to == "Tape diagrams"
    assert fresh.teams.suggestions(fresh.access.viewer("t3"), "K1", END) == {}


def test_only_a_teacher_of_the_course_or_an_admin_marks_its_go_to(school: Assistant) -> None:
    for user in ("t3", "lead", "sA"):
        with pytest.raises(AccessDeniedError):
            school.interventions.mark_go_to(school.access.viewer(user), "M6", RP4, "x")
    with pytest.raises(UnknownRecordError):
        school.interventions.mark_go_to(LOCAL_ADMIN, "NOPE", RP4, "x")


def test_forgetting_a_learner_deletes_their_attendance(fresh: Assistant) -> None:
    fresh.privacy.forget("A")
    assert counts(fresh) == (2, 2)


def test_the_class_report_suggests_the_team_go_to_first_in_the_group_on_that_competency(
    fresh: Assistant,
) -> None:
    t1 = fresh.access.viewer("t1")
    before = fresh.class_reports.for_class(t1, "K1", as_of=END)
    [group] = [g for g in before.groups if g.focus == "M.6.RP.1"]  # Bo and Cy
    assert group.team_pick is None
    fresh.interventions.mark_go_to(t1, "M6", "M.6.RP.1", "Ratio tables")
    after = fresh.class_reports.for_class(t1, "K1", as_of=END)
    [group] = [g for g in after.groups if g.focus == "M.6.RP.1"]
    assert group.team_pick == TeamSuggestion("Ratio tables", True)
    assert group.as_json()["team_pick"] == {
        "activity": "Ratio tables",
        "go_to": True,
        "learners": 0,
        "reached": 0,
        "median_days": None,
        "classes": [],
    }


def test_chat_facts_least_responsive_classes_in_the_asker_scope(school: Assistant) -> None:
    # Every piece of evidence is on a competency whose prerequisite nobody has (RP.3, RP.1):
    # all off target; no one stuck; quiet (last evidence 16 Oct or before): K1 Ava and Bo,
    # K2 Dee and Fay, K3 Gus.
    facts = school.team_chat.least_responsive(school.access.viewer("lead"), PERIOD)
    assert facts.scope == "school"
    assert [(c.class_id, c.off_target, c.figures.quiet) for c in facts.classes] == [
        ("K1", 1.0, 2),
        ("K2", 1.0, 2),
        ("K3", 1.0, 1),
    ]
    assert "fig_off_target_def" in facts.as_json()["definitions"]  # type: ignore[operator]
    mine = school.team_chat.least_responsive(school.access.viewer("t2"), PERIOD)
    assert (mine.scope, [c.class_id for c in mine.classes]) == ("own classes", ["K2"])
    assert school.team_chat.least_responsive(school.access.viewer("sA"), PERIOD).classes == ()


def test_least_responsive_ranks_by_off_target_share_then_stuck_then_quiet() -> None:
    def item(class_id: str, total: int, off: int, stuck: int, quiet: int) -> ClassResponsiveness:
        stuck_on = StuckSummary(tuple(f"s{i}" for i in range(stuck)), (3,) * stuck)
        shares = EvidenceShares(total, off, 0)
        return ClassResponsiveness(class_id, class_id, Figures(9, shares, quiet, stuck_on, None, 0))

    found = [
        item("quiet", 10, 3, 0, 4),
        item("none", 0, 0, 5, 5),
        item("half", 10, 5, 0, 0),
        item("stuck", 10, 3, 2, 0),
    ]
    assert [c.class_id for c in sorted(found, key=_least_responsive_first)] == [
        "half",  # 50 % off target
        "stuck",  # 30 %, 2 stuck
        "quiet",  # 30 %, none stuck, 4 quiet
        "none",  # no evidence in the period: last
    ]


def test_chat_facts_what_worked_for_a_competency_per_team_in_scope(school: Assistant) -> None:
    facts = school.team_chat.what_worked_for(school.access.viewer("t2"), "M.6.RP.4", PERIOD)
    [answer] = facts.teams
    assert (answer.team, answer.class_ids) == ("M6", ("K1", "K2"))
    shown = facts.as_json()["teams"][0]  # type: ignore[index]
    assert shown["activities"][0] == {
        "activity": "Double number line",
        "classes": ["K2"],
        "learners": 1,
        "reached_proficient": 1,
        "median_days": 10,
    }
    assert shown["comparison"] == {"learners": 2, "reached_proficient": 1, "median_days": 20}
    alone = school.team_chat.what_worked_for(school.access.viewer("t3"), "M.6.RP.4", PERIOD)
    assert [(t.team, t.point) for t in alone.teams] == [("Maths K3", None)]
    lead = school.team_chat.what_worked_for(school.access.viewer("lead"), "M.6.RP.4", PERIOD)
    assert [t.team for t in lead.teams] == ["school"]
    with pytest.raises(UnknownRecordError):
        school.team_chat.what_worked_for(school.access.viewer("t2"), "M.9.ZZ.9", PERIOD)
