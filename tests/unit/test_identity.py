"""Sign-in: a verified school email maps to exactly one Waypoint user, and only users the
demo loader created are ever offered as passwordless demo accounts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant.app.identity import Account
from assistant.container import Assistant, build_assistant
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.db import User
from assistant.settings import Settings
from tests.support_learners import CLASSES, PEOPLE, small_school, write_csv

ENTRA = "https://login.microsoftonline.com/0000-tenant/v2.0"
EMAIL_USERS = [
    ["user_id", "role", "name", "learner_id", "grade", "classes", "children"],
    ["t.okafor@school.org", "teacher", "Amara Okafor", "", "", "M1", ""],
    ["maria.lopez@school.org", "parent", "Maria Lopez", "", "", "", "A"],
    ["dana.reyes@school.org", "admin", "Dana Reyes", "", "", "", ""],
]


@pytest.fixture
def school(tmp_path: Path) -> Iterator[Assistant]:
    built = small_school(tmp_path)
    built.roster_importer.import_files(
        [write_csv(tmp_path / "c.csv", CLASSES), write_csv(tmp_path / "e.csv", EMAIL_USERS)],
        LOCAL_ADMIN,
    )
    yield built
    built.records.close()


def sign_in(school: Assistant, email: str, **claims: object) -> Account | None:
    given: dict[str, object] = {"email": email, "email_verified": True, **claims}
    return school.directory.from_identity(
        {k: v for k, v in given.items() if v is not None},
        {"amara@school.org": "t.okafor@school.org"},
        unverified_issuers=(ENTRA,),
    )


def test_a_verified_email_signs_in_as_its_own_user_whatever_its_case(school: Assistant) -> None:
    found = sign_in(school, "T.Okafor@School.ORG")
    assert found is not None and found.user_id == "t.okafor@school.org"
    assert found.role == "teacher" and found.email == "t.okafor@school.org"
    mapped = sign_in(school, "Amara@School.org")
    assert mapped is not None and mapped.user_id == "t.okafor@school.org"


@pytest.mark.parametrize(
    "email",
    [
        "t_okafor@school.org",  # `_` is a one-character wildcard in LIKE
        "maria_lopez@school.org",  # a separate mailbox
        "%reyes@school.org",
        "%",
        "%@school.org",
        "_%",
        "t.okafor@school.org%",
    ],
)
def test_look_alike_emails_sign_in_as_nobody(school: Assistant, email: str) -> None:
    assert sign_in(school, email) is None


def test_an_email_matching_two_users_by_case_matches_none(school: Assistant) -> None:
    with school.learner_db.session() as session:
        session.add(User(id="T.OKAFOR@school.org", name="Impostor", role="admin"))
    assert sign_in(school, "t.okafor@school.org") is None


@pytest.mark.parametrize("verified", [None, False, "false", 0, "yes"])
def test_an_unverified_email_is_refused(school: Assistant, verified: object) -> None:
    assert sign_in(school, "t.okafor@school.org", email_verified=verified) is None


def test_a_provider_that_never_sends_the_claim_can_be_trusted_by_its_issuer(
    school: Assistant,
) -> None:
    entra = sign_in(school, "t.okafor@school.org", email_verified=None, iss=ENTRA + "/")
    assert entra is not None and entra.user_id == "t.okafor@school.org"
    other = sign_in(school, "t.okafor@school.org", email_verified=None, iss="https://idp.example")
    assert other is None
    # an explicit "not verified" is refused even from a trusted issuer
    assert sign_in(school, "t.okafor@school.org", email_verified=False, iss=ENTRA) is None


def test_the_account_carries_the_names_of_its_own_learners(school: Assistant) -> None:
    parent = sign_in(school, "maria.lopez@school.org")
    assert parent is not None
    assert parent.learner_ids == ("A",)
    assert parent.learner_name("A") == "Anna Able"
    assert parent.learner_name("B") == "B"  # not theirs: no name


# demo accounts ------------------------------------------------------------------------------
DEMO = [
    ["user_id", "role", "name", "learner_id", "grade", "classes", "children"],
    ["demo.admin", "admin", "Demo Admin", "", "", "", ""],
    ["demo.t", "teacher", "Demo Teacher", "", "", "M1", ""],
    ["demo.s", "student", "Demo Student", "D1", "6", "M1", ""],
]


def demo_school(tmp_path: Path) -> Assistant:
    built = build_assistant(Settings(profile="test", home=tmp_path / "home"))
    built.roster_importer.import_files(
        [write_csv(tmp_path / "c.csv", CLASSES), write_csv(tmp_path / "d.csv", DEMO)],
        LOCAL_ADMIN,
        demo=True,
    )
    return built


def test_only_users_the_demo_loader_created_are_offered(tmp_path: Path) -> None:
    school = demo_school(tmp_path)
    offer = school.directory.demo_offer(school_sign_in=False)
    assert {a.user_id for a in offer.accounts} == {"demo.admin", "demo.t", "demo.s"}
    assert offer.reason == ""
    school.records.close()


def test_no_demo_account_when_the_school_signs_in_with_its_provider(tmp_path: Path) -> None:
    school = demo_school(tmp_path)
    offer = school.directory.demo_offer(school_sign_in=True)
    assert offer.accounts == () and offer.reason == "demo_off_school_sign_in"
    school.records.close()


def test_no_demo_account_once_a_real_user_exists(tmp_path: Path) -> None:
    school = demo_school(tmp_path)
    school.roster_importer.import_files(
        [write_csv(tmp_path / "c2.csv", CLASSES), write_csv(tmp_path / "r.csv", EMAIL_USERS[:2])],
        LOCAL_ADMIN,
    )
    offer = school.directory.demo_offer(school_sign_in=False)
    assert offer.accounts == () and offer.reason == "demo_off_real_users"
    school.records.close()


def test_a_real_school_database_offers_no_account_at_all(school: Assistant) -> None:
    offer = school.directory.demo_offer(school_sign_in=False)
    assert offer.accounts == ()
    assert offer.reason == "demo_off_real_users"
    assert school.directory.demo_accounts() == []


def test_the_demo_loader_never_marks_a_user_that_already_existed(school: Assistant) -> None:
    people = [PEOPLE[0], *[row for row in PEOPLE[1:] if row[0] == "adm"]]
    school.roster_importer.import_files(
        [write_csv(Path(school.settings.home) / "p.csv", people)], LOCAL_ADMIN, demo=True
    )
    with school.learner_db.session() as session:
        assert session.scalar(select(User.demo).where(User.id == "adm")) is False
