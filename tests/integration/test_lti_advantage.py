"""LTI Advantage against the LMS on loopback (tests/fakes/lms.py), with its real wire formats:
roster sync (NRPS) on a teacher's launch and by `waypoint lti sync`, mentors linked once their
learners are known, grade passback (AGS) when the setting is on, deep linking, and what a launch
inside the LMS's iframe needs. A failing service changes nothing and says why in one line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from assistant.api.app import create_app
from assistant.cli import main
from assistant.container import Assistant, build_assistant
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.db import (
    AuditRow,
    ClassTeacher,
    Enrolment,
    Guardianship,
    Learner,
    SchoolClass,
    User,
)
from assistant.learners.db_connect import LtiMentee, LtiUserLink
from assistant.lti.handoff import Handoff
from assistant.settings import Settings
from tests.fakes.embedder import FakeEmbedder
from tests.fakes.lms import (
    CLIENT_ID,
    DL_CLAIM,
    ISSUER,
    FakeLms,
    member,
    running_lms,
)

MATHS = "Waypoint Middle-School Mathematics: Ratios, Proportional Reasoning and Expressions"
COURSE = "course-adv"
TABLES = (User, Learner, SchoolClass, ClassTeacher, Enrolment, Guardianship, LtiUserLink, AuditRow)
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
MENTOR_SCOPE = CLAIM + "role_scope_mentor"
SUB_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership/"


@pytest.fixture(scope="module")
def lms() -> Iterator[FakeLms]:
    with running_lms() as found:
        yield found


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory, lms: FakeLms) -> Iterator[Assistant]:
    home = tmp_path_factory.mktemp("lti-advantage") / "home"
    built = build_assistant(Settings(profile="test", home=home), embedder=FakeEmbedder())
    assert (
        main(
            ["lti", "add-platform", *lms.registration(), "--framework", MATHS],
            make_assistant=lambda: built,
        )
        == 0
    )
    lms.tool_jwks = built.lti.keys.public_jwks  # the LMS has the tool's keyset URL's keys
    lms.members[COURSE] = [
        member("t-1", "Instructor"),
        member("s-1", "Learner"),
        member("s-2", "Learner"),
        member("s-3", "Learner"),
        member("s-gone", "Learner", status="Inactive"),
        member("m-1", "Mentor"),
        member("ta-1", f"{SUB_ROLE}Instructor#TeachingAssistant", name=""),
    ]
    yield built
    built.learner_db.dispose()


@pytest.fixture(scope="module")
def client(school: Assistant) -> Iterator[TestClient]:
    with TestClient(create_app(school), base_url="http://127.0.0.1:8001") as found:
        yield found


def counts(school: Assistant) -> dict[str, int]:
    with school.learner_db.session() as session:
        return {
            table.__tablename__: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in TABLES
        }


def login(client: TestClient) -> tuple[str, str]:
    response = client.get(
        "/lti/login",
        params={"iss": ISSUER, "login_hint": "h", "client_id": CLIENT_ID},
        follow_redirects=False,
    )
    assert response.status_code == 302, response.text
    query = parse_qs(urlparse(response.headers["location"]).query)
    return query["state"][0], query["nonce"][0]


def launch_as(
    client: TestClient, lms: FakeLms, sub: str, roles: list[str], **options: object
) -> object:
    state, nonce = login(client)
    token = lms.id_token(nonce, sub, roles, **options)  # type: ignore[arg-type]
    return client.post(
        "/lti/launch", data={"id_token": token, "state": state}, follow_redirects=False
    )


def handoff(school: Assistant, response: object, page: str) -> Handoff:
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    target = urlparse(response.headers["location"])  # type: ignore[attr-defined]
    assert target.path == f"/{page}"
    found = school.lti.handoffs.redeem(parse_qs(target.query)["handoff"][0])
    assert found is not None
    return found


def user_of(school: Assistant, sub: str) -> str:
    with school.learner_db.session() as session:
        link = session.get(LtiUserLink, (1, sub))
        assert link is not None, sub
        return link.user_id


def roster_of(school: Assistant, class_id: str) -> tuple[set[str], set[str]]:
    """The class's learners and teachers."""
    with school.learner_db.session() as session:
        learners = set(
            session.scalars(select(Enrolment.learner_id).where(Enrolment.class_id == class_id))
        )
        teachers = set(
            session.scalars(select(ClassTeacher.user_id).where(ClassTeacher.class_id == class_id))
        )
    return learners, teachers


def test_roster_sync_on_a_teacher_launch_and_on_demand(
    client: TestClient, school: Assistant, lms: FakeLms, capsys: pytest.CaptureFixture[str]
) -> None:
    services = lms.service_claims(COURSE)
    # a mentor launches before their learner is known: no child yet, linked once it is
    mentor = handoff(
        school,
        launch_as(client, lms, "m-1", ["Mentor"], context=COURSE, extra={MENTOR_SCOPE: ["s-1"]}),
        "child",
    )
    assert school.directory.account(mentor.user_id).learner_ids == ()
    # a learner of the course already enrolled elsewhere by a CSV import keeps that class
    with school.learner_db.session() as session:
        session.add(SchoolClass(id="CSV-1", name="Imported class"))
        session.add(Learner(id="csv-learner", name="From CSV"))
        session.flush()
        session.add(Enrolment(class_id="CSV-1", learner_id="csv-learner"))
    requests = lms.token_requests
    teacher = handoff(
        school, launch_as(client, lms, "t-1", ["Instructor"], context=COURSE, extra=services),
        "classes",
    )  # fmt: skip
    class_id = teacher.class_id
    assert class_id is not None
    assert lms.token_requests == requests + 1 and lms.refusals == []
    learners, teachers = roster_of(school, class_id)
    assert learners == {user_of(school, s) for s in ("s-1", "s-2", "s-3")}  # 2 pages, no Inactive
    assert teachers == {user_of(school, "t-1"), user_of(school, "ta-1")}
    assert school.access.viewer(user_of(school, "s-2")).role == "student"
    assert school.directory.account(mentor.user_id).learner_ids == (user_of(school, "s-1"),)
    with school.learner_db.session() as session:
        actors = set(
            session.scalars(select(AuditRow.user_id).where(AuditRow.what.like("LMS roster sync%")))
        )
    assert actors == {"lti:1"}
    # the learner's own launch later finds the synced account
    student = handoff(school, launch_as(client, lms, "s-1", ["Learner"], context=COURSE), "me")
    assert (student.user_id, student.class_id) == (user_of(school, "s-1"), class_id)
    # on demand: s-2 left the course, the CSV learner in the class stays
    with school.learner_db.session() as session:
        session.add(Enrolment(class_id=class_id, learner_id="csv-learner"))
    lms.members[COURSE] = [m for m in lms.members[COURSE] if m["user_id"] != "s-2"]
    capsys.readouterr()
    assert main(["lti", "sync", class_id], make_assistant=lambda: school) == 0
    said = capsys.readouterr().out
    assert f"class {class_id}: 6 members read" in said and "1 left" in said
    learners, _ = roster_of(school, class_id)
    assert learners == {user_of(school, "s-1"), user_of(school, "s-3"), "csv-learner"}
    with school.learner_db.session() as session:
        assert session.get(Enrolment, ("CSV-1", "csv-learner")) is not None


@pytest.mark.parametrize(
    ("where", "how", "words"),
    [
        ("/nrps", "500", "answered HTTP 500"),
        ("/nrps", "not json", "did not answer JSON"),
        ("/token", "500", "token endpoint"),
        ("members", "no user_id", "member 2 of the LMS's membership service"),
    ],
)
def test_a_failing_membership_service_leaves_the_roster_unchanged(
    client: TestClient,
    school: Assistant,
    lms: FakeLms,
    capsys: pytest.CaptureFixture[str],
    where: str,
    how: str,
    words: str,
) -> None:
    class_id = _course_class(client, school, lms)
    kept = list(lms.members[COURSE])
    if where == "members":
        lms.members[COURSE] = [kept[0], {"roles": [], "status": "Active"}, *kept[1:]]
    else:
        lms.fail[where] = how
    school.lti.services._tokens.clear()  # the token endpoint is asked again
    lms.members[COURSE].append(member("s-new", "Learner"))
    before = counts(school)
    capsys.readouterr()
    try:
        assert main(["lti", "sync", class_id], make_assistant=lambda: school) == 1
    finally:
        lms.fail.clear()
        lms.members[COURSE] = kept
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1, err
    assert counts(school) == before


def _course_class(client: TestClient, school: Assistant, lms: FakeLms) -> str:
    found = handoff(
        school,
        launch_as(
            client, lms, "t-1", ["Instructor"], context=COURSE, extra=lms.service_claims(COURSE)
        ),
        "classes",
    )
    assert found.class_id is not None
    return found.class_id


def test_grade_passback_posts_each_level_to_a_line_item_tagged_with_its_case_identifier(
    client: TestClient,
    school: Assistant,
    lms: FakeLms,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class_id = _course_class(client, school, lms)
    learner = user_of(school, "s-1")
    with school.learner_db.session() as session:  # a learner the LMS does not know
        session.add(Learner(id="csv-grades", name="From CSV"))
        session.flush()
        session.add(Enrolment(class_id=class_id, learner_id="csv-grades"))
    evidence = tmp_path / "evidence.csv"
    evidence.write_text(
        "learner_id,competency,score,observed_at\n"
        f"{learner},M.6.RP.1,3,2026-11-02\n"
        f"{learner},M.6.RP.2,2,2026-11-03\n"
        "csv-grades,M.6.RP.1,4,2026-11-03\n",
        encoding="utf-8",
    )
    assert main(["import-evidence", str(evidence)], make_assistant=lambda: school) == 0
    capsys.readouterr()
    # off by default: nothing is posted
    assert main(["lti", "grades", class_id], make_assistant=lambda: school) == 1
    assert "grade passback is off" in capsys.readouterr().err and lms.scores == []
    monkeypatch.setattr(school.lti.grades, "enabled", True)
    assert main(["lti", "grades", class_id, "--json"], make_assistant=lambda: school) == 0
    capsys.readouterr()
    items = lms.line_items[COURSE]
    rp1 = school.catalog.lookup("M.6.RP.1")
    assert rp1 is not None
    item = next(i for i in items if i["resourceId"] == rp1.identifier)
    assert item["tag"] == rp1.identifier and item["scoreMaximum"] > 0
    posted = {(i, s["userId"]): s for i, s in lms.scores}
    score = posted[(item["id"], "s-1")]
    report = school.class_reports.for_class(LOCAL_ADMIN, class_id)
    row = next(r for r in report.matrix if r.learner_id == learner)
    level = dict(zip(report.competencies, row.levels, strict=True))[rp1.code]
    assert level is not None and score["scoreGiven"] == pytest.approx(level)
    assert score["scoreMaximum"] == item["scoreMaximum"]
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed", "FullyGraded")
    assert all(user != "csv-grades" for _, user in posted)  # not known to the LMS
    assert lms.refusals == []
    # a second run finds its line items and creates none
    made, sent = len(items), len(lms.scores)
    assert main(["lti", "grades", class_id, "--json"], make_assistant=lambda: school) == 0
    assert len(lms.line_items[COURSE]) == made and len(lms.scores) == 2 * sent
    # an evidence import through the API posts the class's levels afterwards
    monkeypatch.setattr(school, "settings", school.settings.updated(lti_grade_passback=True))
    _, secret = school.api_tokens.create_for_service("sis-grades", ["write:evidence"])
    sent = len(lms.scores)
    imported = client.post(
        "/v1/evidence",
        params={"name": "more.csv"},
        content=f"learner_id,competency,score,observed_at\n{learner},M.6.RP.1,4,2026-11-05\n",
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    assert len(lms.scores) > sent and lms.scores[-1][1]["userId"] in {"s-1", "s-3"}
    # a failing gradebook: one clear line
    lms.fail["/ags"] = "500"
    try:
        capsys.readouterr()
        assert main(["lti", "grades", class_id], make_assistant=lambda: school) == 1
    finally:
        lms.fail.clear()
    err = capsys.readouterr().err
    assert "gradebook" in err and "HTTP 500" in err and err.count("\n") == 1


def test_deep_linking_offers_a_picker_and_posts_back_a_signed_resource_link(
    client: TestClient, school: Assistant, lms: FakeLms
) -> None:
    response = launch_as(
        client, lms, "t-1", ["Instructor"], context=COURSE, extra=lms.deep_link_claims()
    )
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    headers = response.headers  # type: ignore[attr-defined]
    policy = headers["content-security-policy"]
    assert f"frame-ancestors 'self' {ISSUER} {lms.base}" in policy
    assert "x-frame-options" not in headers and "set-cookie" not in headers
    page = response.text  # type: ignore[attr-defined]
    token = unescape(re.search(r'name="picker" value="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    targets = [unescape(t) for t in re.findall(r'name="target" value="([^"]+)"', page)]
    assert targets[0] == "class" and any(t.startswith("competency:") for t in targets)
    chosen = next(t for t in targets if t.startswith("competency:"))
    answer = client.post("/lti/deep-link", data={"picker": token, "target": ["class", chosen]})
    assert answer.status_code == 200, answer.text
    action = unescape(re.search(r'form method="post" action="([^"]+)"', answer.text).group(1))  # type: ignore[union-attr]
    assert action == f"{lms.base}/deep-link-return"
    assert f"form-action {lms.base}" in answer.headers["content-security-policy"]
    signed = unescape(re.search(r'name="JWT" value="([^"]+)"', answer.text).group(1))  # type: ignore[union-attr]
    claims = lms.read_deep_link_response(signed)
    items = claims[DL_CLAIM + "content_items"]
    assert [i["type"] for i in items] == ["ltiResourceLink", "ltiResourceLink"]
    assert [i["custom"]["waypoint_target"] for i in items] == ["class", chosen]
    assert all(i["url"] == "http://127.0.0.1:8001/lti/launch" for i in items)
    assert claims[DL_CLAIM + "data"] == "opaque-platform-data"
    again = client.post("/lti/deep-link", data={"picker": token, "target": "class"})
    assert again.status_code == 400 and "expired or was sent already" in again.json()["error"]
    # a learner launching the placed link lands on their page with that competency
    landed = handoff(
        school,
        launch_as(
            client,
            lms,
            "s-1",
            ["Learner"],
            context=COURSE,
            claim_custom={"waypoint_target": chosen},
            claim_launch_presentation={"document_target": "iframe"},
        ),
        "me",
    )
    assert landed.competency == chosen.removeprefix("competency:")
    assert landed.embedded is True


def test_a_picker_refuses_what_it_did_not_offer(
    client: TestClient, school: Assistant, lms: FakeLms
) -> None:
    response = launch_as(
        client,
        lms,
        "t-1",
        ["Instructor"],
        context=COURSE,
        extra=lms.deep_link_claims(accept_multiple=False),
    )
    page = response.text  # type: ignore[attr-defined]
    token = unescape(re.search(r'name="picker" value="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    refused = client.post("/lti/deep-link", data={"picker": token, "target": "competency:nope"})
    assert refused.status_code == 400 and "not one of the links offered" in refused.json()["error"]


def test_a_launch_needs_no_cookie_and_leaks_nothing(
    client: TestClient, school: Assistant, lms: FakeLms
) -> None:
    response = launch_as(client, lms, "s-3", ["Learner"], context=COURSE)
    headers = response.headers  # type: ignore[attr-defined]
    assert "set-cookie" not in headers
    assert headers["cache-control"] == "no-store" and headers["referrer-policy"] == "no-referrer"
    found = handoff(school, response, "me")
    assert found.embedded is False  # no launch_presentation: maybe a new window


def test_forgetting_a_learner_forgets_which_mentor_followed_them(
    client: TestClient, school: Assistant, lms: FakeLms
) -> None:
    handoff(
        school,
        launch_as(
            client, lms, "m-forget", ["Mentor"], context=COURSE, extra={MENTOR_SCOPE: ["s-fg"]}
        ),
        "child",
    )
    learner = handoff(school, launch_as(client, lms, "s-fg", ["Learner"], context=COURSE), "me")
    mentor = user_of(school, "m-forget")
    assert school.directory.account(mentor).learner_ids == (learner.user_id,)
    report = school.privacy.forget(learner.user_id)
    assert report.deleted["lti_mentees"] == 1
    with school.learner_db.session() as session:
        assert (
            session.scalars(
                select(LtiMentee.learner_sub).where(LtiMentee.mentor_id == mentor)
            ).all()
            == []
        )
