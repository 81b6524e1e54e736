"""LTI 1.3 launches from an LMS on loopback (tests/fakes/lms.py): teacher, student and mentor
land signed in with the right class and children; every refusal writes nothing."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from assistant.api.app import create_app
from assistant.cli import main
from assistant.container import Assistant, build_assistant
from assistant.learners.db import (
    AuditRow,
    ClassTeacher,
    Enrolment,
    Guardianship,
    Learner,
    SchoolClass,
    User,
)
from assistant.learners.db_connect import LtiClassLink, LtiHandoff, LtiNonce, LtiUserLink
from assistant.settings import Settings
from tests.fakes.embedder import FakeEmbedder
from tests.fakes.lms import CLIENT_ID, ISSUER, FakeLms, new_key, running_lms

MATHS = "Waypoint Middle-School Mathematics: Ratios, Proportional Reasoning and Expressions"
TABLES = (
    User,
    Learner,
    SchoolClass,
    ClassTeacher,
    Enrolment,
    Guardianship,
    LtiUserLink,
    LtiClassLink,
    LtiNonce,
    LtiHandoff,
    AuditRow,
)


@pytest.fixture(scope="module")
def lms() -> Iterator[FakeLms]:
    with running_lms() as found:
        yield found


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory, lms: FakeLms) -> Iterator[Assistant]:
    home = tmp_path_factory.mktemp("lti") / "home"
    built = build_assistant(Settings(profile="test", home=home), embedder=FakeEmbedder())
    code = main(
        ["lti", "add-platform", *lms.registration(), "--framework", MATHS],
        make_assistant=lambda: built,
    )
    assert code == 0
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
    """Start a launch as the LMS does; the state and nonce the tool sends to its auth URL."""
    response = client.get(
        "/lti/login",
        params={
            "iss": ISSUER,
            "login_hint": "hint-1",
            "target_link_uri": "http://127.0.0.1:8001/lti/launch",
            "client_id": CLIENT_ID,
            "lti_deployment_id": "deployment-1",
        },
        follow_redirects=False,
    )
    assert response.status_code == 302, response.text
    target = urlparse(response.headers["location"])
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert target.path == "/auth" and query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == "http://127.0.0.1:8001/lti/launch"
    assert (query["response_type"], query["response_mode"]) == ("id_token", "form_post")
    return query["state"], query["nonce"]


def launch(client: TestClient, id_token: str, state: str) -> httpx.Response:
    return client.post(
        "/lti/launch", data={"id_token": id_token, "state": state}, follow_redirects=False
    )


def landed(school: Assistant, response: httpx.Response, page: str) -> tuple[str, str | None]:
    """The user and class the app's hand-off token signs in (once)."""
    assert response.status_code == 303, response.text
    target = urlparse(response.headers["location"])
    assert f"{target.scheme}://{target.netloc}" == school.settings.lti.app_url
    assert target.path == f"/{page}"
    query = parse_qs(target.query)
    assert list(query) == ["handoff"]
    token = query["handoff"][0]
    found = school.lti.handoffs.redeem(token)
    assert found is not None
    assert school.lti.handoffs.redeem(token) is None  # single use
    return found.user_id, found.class_id


def test_teacher_student_and_mentor_launch_and_land_signed_in(
    client: TestClient, school: Assistant, lms: FakeLms
) -> None:
    state, nonce = login(client)
    teacher, class_id = landed(
        school, launch(client, lms.id_token(nonce, "teacher-1", ["Instructor"]), state), "classes"
    )
    assert class_id is not None
    with school.learner_db.session() as session:
        made = session.get(SchoolClass, class_id)
        assert made is not None and made.framework_id == school.catalog.framework(MATHS).identifier
    assert school.access.viewer(teacher).role == "teacher"
    assert school.access.classes_of(school.access.viewer(teacher)) == [
        (class_id, "Grade 6 Maths (LMS)")
    ]
    state, nonce = login(client)
    student, same_class = landed(
        school, launch(client, lms.id_token(nonce, "student-1", ["Learner"]), state), "me"
    )
    assert same_class == class_id and school.access.viewer(student).role == "student"
    assert school.access.may_view(school.access.viewer(teacher), student)  # teacher sees them
    state, nonce = login(client)
    mentor_token = lms.id_token(
        nonce, "mentor-1", ["Mentor"], claim_role_scope_mentor=["student-1", "not-yet-seen"]
    )
    mentor, _ = landed(school, launch(client, mentor_token, state), "child")
    account = school.directory.account(mentor)
    assert account.role == "parent" and account.learner_ids == (student,)
    # a later launch finds the same people and class by (platform, sub) and context
    before = counts(school)
    state, nonce = login(client)
    again, again_class = landed(
        school, launch(client, lms.id_token(nonce, "teacher-1", ["Instructor"]), state), "classes"
    )
    assert (again, again_class) == (teacher, class_id)
    after = counts(school)
    assert after["users"] == before["users"] and after["classes"] == before["classes"]
    # provisioning is audited under the platform's name; the demo sign-in is now off
    with school.learner_db.session() as session:
        actors = set(session.scalars(select(AuditRow.user_id).where(AuditRow.action == "change")))
    assert actors == {"lti:1"}
    assert school.directory.demo_offer(school_sign_in=False).reason == "demo_off_real_users"
    assert lms.jwks_requests == 1  # the platform's keys are fetched once and cached


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("bad signature", "signature does not verify"),
        ("wrong audience", "audience"),
        ("wrong azp", "azp"),
        ("wrong issuer", "issuer"),
        ("expired token", "expired"),
        ("unknown deployment", "unknown deployment"),
        ("missing role", "no roles claim"),
        ("no known role", "no role Waypoint knows"),
        ("wrong nonce", "nonce"),
        ("unknown message type", "not supported"),
        ("deep linking by a student", "only a teacher"),
        ("deep linking outside a course", "needs a course"),
    ],
)
def test_every_refused_launch_writes_nothing(
    client: TestClient, school: Assistant, lms: FakeLms, case: str, words: str
) -> None:
    state, nonce = login(client)
    forged = new_key()
    forged_kid = lms.key.kid
    changes: dict[str, object] = {
        "bad signature": {"key": _same_kid(forged, forged_kid)},
        "wrong audience": {"aud": "someone-else"},
        "wrong azp": {"aud": [CLIENT_ID, "other"], "azp": "other"},
        "wrong issuer": {"iss": "https://evil.example"},
        "expired token": {"exp": 1_000_000_000, "iat": 999_999_000},
        "unknown deployment": {"claim_deployment_id": "deployment-9"},
        "missing role": {"roles_none": True},
        "no known role": {"roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Member"]},
        "wrong nonce": {"nonce": "made-up"},
        "unknown message type": {"claim_message_type": "LtiSubmissionReviewRequest"},
        "deep linking by a student": {"extra": lms.deep_link_claims()},
        "deep linking outside a course": {
            "extra": lms.deep_link_claims(),
            "roles": ["Instructor"],
            "context": None,
        },
    }[case]  # type: ignore[assignment]
    options = dict(changes)  # type: ignore[arg-type]
    roles = None if options.pop("roles_none", False) else options.pop("roles", ["Learner"])
    token = lms.id_token(
        str(options.pop("nonce", nonce)),
        f"refused-{case}",
        roles,
        **options,  # type: ignore[arg-type]
    )
    before = counts(school)
    response = launch(client, token, state)
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["error"] and words in body["error"], body
    assert counts(school) == before


def _same_kid(key: object, kid: str | None) -> object:
    from joserfc.jwk import RSAKey

    assert isinstance(key, RSAKey)
    data = dict(key.as_dict(private=True))
    data["kid"] = kid
    return RSAKey.import_key(data)


def test_replays_and_unknown_platforms_are_refused(
    client: TestClient, school: Assistant, lms: FakeLms
) -> None:
    state, nonce = login(client)
    token = lms.id_token(nonce, "replayed", ["Learner"])
    landed(school, launch(client, token, state), "me")
    before = counts(school)
    again = launch(client, token, state)  # the same post again: its state is spent
    assert again.status_code == 400 and "state" in again.json()["error"]
    fresh_state, _ = login(client)  # a new login cannot carry an old token
    replayed = launch(client, token, fresh_state)
    assert replayed.status_code == 400 and "nonce" in replayed.json()["error"]
    assert counts(school) == before
    unknown = client.get("/lti/login", params={"iss": "https://other.lms", "login_hint": "x"})
    assert unknown.status_code == 400 and "unknown platform" in unknown.json()["error"]


def test_a_platform_that_rotated_its_key_is_fetched_again(
    client: TestClient, school: Assistant, lms: FakeLms
) -> None:
    old, lms.key = lms.key, new_key()
    try:
        seen = lms.jwks_requests
        state, nonce = login(client)
        landed(
            school, launch(client, lms.id_token(nonce, "after-rotation", ["Learner"]), state), "me"
        )
        assert lms.jwks_requests == seen + 1
    finally:
        lms.key = old


def test_the_tool_key_is_private_published_and_rotated(
    client: TestClient, school: Assistant, capsys: pytest.CaptureFixture[str]
) -> None:
    published = client.get("/lti/jwks.json").json()["keys"]
    assert published and all("d" not in key and key["kty"] == "RSA" for key in published)
    path = school.settings.home / "lti" / "tool-keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = published[0]["kid"]
    assert main(["lti", "rotate-key"], make_assistant=lambda: school) == 0
    kids = [key["kid"] for key in client.get("/lti/jwks.json").json()["keys"]]
    assert len(kids) == 2 and kids[1] == first and kids[0] != first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    capsys.readouterr()
    assert main(["lti", "platforms", "--json"], make_assistant=lambda: school) == 0
    (platform,) = json.loads(capsys.readouterr().out)
    assert platform["issuer"] == ISSUER and platform["deployments"] == ["deployment-1"]


def test_platform_registration_refuses_bad_input(
    school: Assistant, capsys: pytest.CaptureFixture[str], lms: FakeLms
) -> None:
    args = lms.registration()
    args[args.index("--jwks-url") + 1] = "http://lms.example.edu/jwks"
    assert main(["lti", "add-platform", *args], make_assistant=lambda: school) == 1
    err = capsys.readouterr().err
    assert "--jwks-url" in err and "https" in err and err.count("\n") == 1


def test_the_app_redeems_a_hand_off_once(school: Assistant, tmp_path: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from ui import resources

    with school.learner_db.session() as session:
        session.add(User(id="t.handoff", name="Handed Off", role="teacher"))
        session.add(SchoolClass(id="HO1", name="Hand-off class"))
        session.flush()
        session.add(ClassTeacher(class_id="HO1", user_id="t.handoff"))
    teacher = ClassTeacher(class_id="HO1", user_id="t.handoff")
    token = school.lti.handoffs.issue(teacher.user_id, teacher.class_id)
    resources.use(school)
    try:
        at = AppTest.from_function(_signed_in_page, default_timeout=60)
        at.query_params["handoff"] = token
        at.run(timeout=60)
        assert not at.exception, at.exception
        assert [m.value for m in at.markdown] == [f"{teacher.user_id} {teacher.class_id}"]
        assert "handoff" not in at.query_params
        again = AppTest.from_function(_signed_in_page, default_timeout=60)
        again.query_params["handoff"] = token
        again.run(timeout=60)
        assert [m.value for m in again.markdown] == ["nobody None"]
    finally:
        resources._injected = None


def _signed_in_page() -> None:
    import streamlit as st

    from ui import state
    from ui.views import signin

    signin.redeem_handoff()
    who = state.account()
    st.markdown(f"{who.user_id if who else 'nobody'} {state.get(state.CLASS)}")


def test_an_lms_administrator_becomes_a_read_only_leader_never_an_admin(
    client: TestClient, school: Assistant, lms: FakeLms
) -> None:
    before = counts(school)
    state, nonce = login(client)
    token = lms.id_token(
        nonce,
        "lms-admin",
        ["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"],
        context="course-admin-only",
    )
    user, class_id = landed(school, launch(client, token, state), "school")
    assert school.access.viewer(user).role == "leader" and class_id is None
    after = counts(school)
    assert after["classes"] == before["classes"]  # an administrator's look creates no class
    # an Instructor who is also an institution Administrator teaches the course
    state, nonce = login(client)
    both = lms.id_token(
        nonce,
        "teaching-admin",
        ["Instructor", "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"],
    )
    teacher, _ = landed(school, launch(client, both, state), "classes")
    assert school.access.viewer(teacher).role == "teacher"
    # the system administrator of the LMS too: leader, never Waypoint's admin
    state, nonce = login(client)
    system = lms.id_token(
        nonce, "lms-root", ["http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator"]
    )
    root, _ = landed(school, launch(client, system, state), "school")
    assert school.access.viewer(root).role == "leader"
