"""The leader role: the roster, the access policy, the school's figures through the service
(database only), and the demo school's leader account (the migration: tests/integration/
test_migration_upgrades.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant.container import Assistant
from assistant.errors import AccessDeniedError, RosterImportError
from assistant.leaders.period import Period
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.db import AuditRow, User
from tests.support_leaders import END, NAMES, START, leader_school
from tests.support_learners import write_csv

PERIOD = Period(START, END)


@pytest.fixture
def school(tmp_path: Path) -> Assistant:
    return leader_school(tmp_path)


def audit(built: Assistant) -> list[tuple[str, str, str | None, str, str]]:
    with built.learner_db.session() as session:
        rows = session.scalars(select(AuditRow).order_by(AuditRow.id))
        return [(r.user_id, r.action, r.learner_id, r.scope, r.what) for r in rows]


def test_the_roster_takes_leaders_by_any_of_their_names(tmp_path: Path, school: Assistant) -> None:
    people = write_csv(
        tmp_path / "more.csv",
        [
            ["user_id", "role", "name"],
            ["p.one", "principal", "Paula Principal"],
            ["c.one", "Coach", "Carl Coach"],
        ],
    )
    school.roster_importer.import_files([people], LOCAL_ADMIN)
    with school.learner_db.session() as session:
        roles = {u.id: u.role for u in session.scalars(select(User))}
    assert roles["p.one"] == roles["c.one"] == roles["lead"] == "leader"
    bad = write_csv(tmp_path / "bad.csv", [["user_id", "role", "name"], ["z", "boss", "Zed"]])
    with pytest.raises(RosterImportError) as caught:
        school.roster_importer.import_files([bad], LOCAL_ADMIN)
    assert "leader" in caught.value.problems[0].reason


def test_a_leader_reads_the_school_and_a_class_but_no_learner_record(school: Assistant) -> None:
    leader = school.access.viewer("lead")
    assert leader.role == "leader"
    assert school.access.visible(leader, ["A", "B"]) == frozenset()
    with pytest.raises(AccessDeniedError):
        school.progress.for_learner(leader, "A")
    with pytest.raises(AccessDeniedError):
        school.overrides.record(leader, "A", "M.6.RP.1", 3.0, "I am the principal")
    with pytest.raises(AccessDeniedError):
        school.class_reports.for_class(leader, "K1")
    before = len(audit(school))
    school.leaders.school(leader, PERIOD)
    assert audit(school)[before:] == [("lead", "view", None, "school", "school figures")]
    drill = school.leaders.class_learners(leader, "K1", PERIOD)
    assert [row.name for row in drill.rows] == [NAMES["A"], NAMES["B"], NAMES["C"]]
    logged = audit(school)[before + 1 :]
    assert [(r[1], r[2], r[4]) for r in logged] == [
        ("view", lid, "leader class drill-down") for lid in ("A", "B", "C")
    ]


@pytest.mark.parametrize("user", ["t1", "sA", "pA"])
def test_teachers_students_and_parents_get_no_school_figures(school: Assistant, user: str) -> None:
    viewer = school.access.viewer(user)
    assert not school.leaders.may_lead(viewer)
    with pytest.raises(AccessDeniedError):
        school.leaders.school(viewer, PERIOD)
    with pytest.raises(AccessDeniedError):
        school.leaders.class_learners(viewer, "K1", PERIOD)
    refused = [r for r in audit(school) if r[0] == user]
    assert [(r[1], r[3]) for r in refused] == [("refused", "school"), ("refused", "class K1")]


def test_the_school_figures_are_those_worked_out_by_hand(school: Assistant) -> None:
    """tests/support_leaders.py; the same numbers as the pure tests, now from the database."""
    found = school.leaders.school(LOCAL_ADMIN, PERIOD)
    whole = found.school
    assert whole.learners == 4
    assert (whole.shares.total, whole.shares.not_ready, whole.shares.mastered) == (12, 3, 1)
    assert whole.quiet == 3 and whole.stuck.learners == ("B",) and whole.stuck.days == (10,)
    assert whole.time_to_proficiency is not None
    assert (whole.time_to_proficiency.median, whole.time_to_proficiency.q3) == (3.5, 12)
    assert whole.pace == 1.0
    by_class = {c.class_id: c.figures for c in found.classes}
    k1, k2 = by_class["K1"], by_class["K2"]
    assert (k1.learners, k1.shares.total, k1.shares.not_ready, k1.quiet) == (3, 11, 3, 2)
    assert (k2.learners, k2.shares.total, k2.quiet, k2.pace) == (2, 1, 2, 0.5)
    assert {c.code: c.spread.median for c in found.competencies} == {
        "M.6.RP.1": 13.5,
        "M.6.RP.3": 7,
        "H.SD.A.1": 0,
    }


def test_the_default_period_is_the_thirty_days_up_to_the_latest_evidence(
    school: Assistant,
) -> None:
    assert school.leaders.default_period() == Period(date(2026, 10, 7), date(2026, 11, 5))


def test_a_class_drill_down_shows_each_learner_s_figures(school: Assistant) -> None:
    drill = school.leaders.class_learners(LOCAL_ADMIN, "K1", PERIOD)
    rows = {row.learner_id: row for row in drill.rows}
    anna, ben, cleo = rows["A"], rows["B"], rows["C"]
    assert (anna.evidence, anna.mastered, anna.days_since_evidence, anna.reached) == (3, 1, 17, 1)
    assert (ben.evidence, ben.not_ready, ben.stuck_on, ben.reached) == (
        4,
        3,
        (("M.6.RP.4", 10),),
        1,
    )
    assert (cleo.evidence, cleo.days_since_evidence, cleo.stuck_on) == (4, 14, ())


def test_the_demo_school_offers_its_leader(tmp_path: Path) -> None:
    from assistant.container import build_assistant
    from assistant.demo.school import LEADER
    from assistant.settings import Settings
    from tests.support_demo import copy_demo_home

    home = copy_demo_home(tmp_path / "home", interventions=False)  # as load_demo leaves it
    built = build_assistant(Settings(profile="test", home=home))
    offer = built.directory.demo_offer(school_sign_in=False)
    leaders = [a for a in offer.accounts if a.role == "leader"]
    assert [(a.user_id, a.name) for a in leaders] == [LEADER]
    account = built.directory.account(LEADER[0], demo=True)
    figures = built.leaders.school(account.viewer, built.leaders.default_period())
    assert figures.school.learners == 64 and figures.school.shares.total > 0
    assert {c.class_id for c in figures.classes} == {"6A", "6B", "7A", "ADV6"}


def test_a_leader_asks_chat_as_a_leader_and_gets_the_schools_figures(school: Assistant) -> None:
    from assistant.app.chat_session import ChatSession

    context = ChatSession(school.directory.account("lead")).context()
    assert context.role == "leader"
    assert ChatSession(school.directory.account("t1")).context().role == "teacher"
    answer = school.chat.ask("which classes are least responsive?", context)
    assert answer.text.startswith("Least responsive first"), answer.text
    assert "every class" in answer.text.splitlines()[0]
