"""The access policy: each role sees only whom it should, with a denied case for each."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.container import Assistant
from assistant.errors import AccessDeniedError, UnknownRecordError
from assistant.learners.access import LOCAL_ADMIN, AccessGrant
from tests.support_learners import evidence_file, small_school

AS_OF = date(2026, 11, 20)


@pytest.fixture
def school(tmp_path: Path) -> Assistant:
    built = small_school(tmp_path)
    rows = [
        ["A", "M.6.RP.1", 3, "2026-10-01"],
        ["B", "M.6.RP.1", 2, "2026-10-01"],
        ["C", "M.6.RP.1", 1, "2026-10-01"],
    ]
    built.evidence_importer.import_file(evidence_file(tmp_path, rows), LOCAL_ADMIN)
    return built


@pytest.mark.parametrize(
    ("user", "visible"),
    [
        ("s1", {"A"}),  # a student: only themself
        ("p1", {"A"}),  # a parent: only their linked child
        ("t1", {"A", "B"}),  # a teacher: the learners enrolled in their classes
        ("t2", {"C"}),
        ("adm", {"A", "B", "C"}),  # an admin: everyone
    ],
)
def test_each_role_sees_exactly_its_learners(
    school: Assistant, user: str, visible: set[str]
) -> None:
    viewer = school.access.viewer(user)
    assert school.access.visible(viewer, ["A", "B", "C"]) == visible


@pytest.mark.parametrize(
    ("user", "learner"),
    [("s1", "B"), ("p1", "B"), ("t1", "C"), ("t2", "A")],
)
def test_next_steps_are_denied_outside_the_policy(
    school: Assistant, user: str, learner: str
) -> None:
    viewer = school.access.viewer(user)
    with pytest.raises(AccessDeniedError, match=f"may not see learner '{learner}'"):
        school.recommender.for_learner(viewer, learner, as_of=AS_OF)


def test_allowed_reads_go_through(school: Assistant) -> None:
    for user, learner in (("s1", "A"), ("p1", "A"), ("t1", "B"), ("adm", "C")):
        report = school.recommender.for_learner(school.access.viewer(user), learner, as_of=AS_OF)
        assert report.learner.id == learner


def test_a_student_reads_their_own_steps_in_the_second_person(school: Assistant) -> None:
    own = school.recommender.for_learner(school.access.viewer("s1"), "A", as_of=AS_OF)
    theirs = school.recommender.for_learner(school.access.viewer("p1"), "A", as_of=AS_OF)
    # A is at 3 on M.6.RP.1: M.6.EE.1 (opens 2), M.6.RP.3 (opens 1), M.6.EE.2 (1), M.6.RP.2 (0).
    assert [s.code for s in own.steps] == ["M.6.EE.1", "M.6.RP.3", "M.6.EE.2", "M.6.RP.2"]
    assert own.steps[1].reason.startswith("You reached 3 on M.6.RP.1 on 1 Oct;")
    assert theirs.steps[1].reason.startswith("Anna reached 3 on M.6.RP.1 on 1 Oct;")


@pytest.mark.parametrize("user", ["s1", "p1", "t2"])
def test_class_report_is_for_the_class_teacher_and_admins_only(
    school: Assistant, user: str
) -> None:
    with pytest.raises(AccessDeniedError, match="may not see class 'M1'"):
        school.class_reports.for_class(school.access.viewer(user), "M1", as_of=AS_OF)
    assert len(school.class_reports.for_class(school.access.viewer("t1"), "M1").matrix) == 2
    assert len(school.class_reports.for_class(LOCAL_ADMIN, "M1").matrix) == 2


def test_recording_evidence_and_levels_needs_a_teacher_of_the_learner(
    school: Assistant, tmp_path: Path
) -> None:
    for user in ("s1", "p1"):
        with pytest.raises(AccessDeniedError):
            school.overrides.record(school.access.viewer(user), "A", "M.6.RP.2", 3, "because")
    with pytest.raises(AccessDeniedError):
        school.overrides.record(school.access.viewer("t2"), "A", "M.6.RP.2", 3, "because")
    with pytest.raises(AccessDeniedError):
        school.roster_importer.import_files([tmp_path / "people.csv"], school.access.viewer("t1"))
    standing = school.overrides.record(school.access.viewer("t1"), "A", "M.6.RP.2", 3, "seen")
    assert standing is not None and standing.decided_by == "t1"


def test_grants_come_only_from_the_policy_and_unknown_users_are_refused(
    school: Assistant,
) -> None:
    with pytest.raises(TypeError):
        AccessGrant(LOCAL_ADMIN, frozenset({"A"}))
    with pytest.raises(UnknownRecordError, match="unknown user 'nobody'"):
        school.access.viewer("nobody")
    with pytest.raises(UnknownRecordError, match="unknown learner 'Z'"):
        school.access.grant(LOCAL_ADMIN, ["Z"])
    # A non-admin cannot tell an unknown learner from someone else's.
    with pytest.raises(AccessDeniedError):
        school.access.grant(school.access.viewer("t1"), ["Z"])
