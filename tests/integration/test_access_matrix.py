"""Every role against every learner-data path: the CLI, the services the app pages use, the chat
engine. Each asks about a learner it may not see; each is refused, and no refusal names the
learner or says whether they exist (a made-up learner id gets the very same reply)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assistant.chat.types import AskContext
from assistant.cli import main
from assistant.container import Assistant
from assistant.errors import AccessDeniedError, WaypointError
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.db import User

# (user, role, a learner outside their reach, a class they don't teach)
CASES = [
    ("stu.L001", "student", "L002", "6A"),
    ("par.001", "parent", "L002", "6A"),
    ("t.okafor", "teacher", None, "7A"),  # None: a learner of 7A, found below
    ("t.lindqvist", "teacher", "L001", "6A"),
]
MADE_UP = "L99999"


def _forbidden(assistant: Assistant, learner: str | None) -> str:
    if learner is not None:
        return learner
    return sorted(assistant.learner_store.class_info("7A").learner_ids)[0]


def _name(assistant: Assistant, learner_id: str) -> str:
    return assistant.progress.for_learner(LOCAL_ADMIN, learner_id).learner.name


@pytest.mark.parametrize(("user", "role", "learner", "class_id"), CASES)
def test_cli_refuses_other_learners_and_classes_without_leaking(
    demo_assistant: Assistant,
    capsys: pytest.CaptureFixture[str],
    user: str,
    role: str,
    learner: str | None,
    class_id: str,
) -> None:
    other = _forbidden(demo_assistant, learner)
    name = _name(demo_assistant, other)
    replies = []
    for target in (other, MADE_UP):
        code = main(
            ["next-steps", "--learner", target, "--user", user],
            make_assistant=lambda: demo_assistant,
        )
        captured = capsys.readouterr()
        assert code == 1 and captured.out == ""
        assert name not in captured.err and name.split()[0] not in captured.err
        replies.append(captured.err.replace(target, "<id>"))
    if role != "admin":
        assert replies[0] == replies[1], replies  # existence is not revealed
    code = main(
        ["class-report", "--class", class_id, "--user", user], make_assistant=lambda: demo_assistant
    )
    assert code == 1 and name not in capsys.readouterr().err


@pytest.mark.parametrize(("user", "role", "learner", "class_id"), CASES)
def test_app_services_refuse_other_learners_and_classes(
    demo_assistant: Assistant, user: str, role: str, learner: str | None, class_id: str
) -> None:
    other = _forbidden(demo_assistant, learner)
    viewer = demo_assistant.access.viewer(user)
    account = demo_assistant.directory.account(user)
    assert other not in account.learner_ids
    for read in (
        lambda: demo_assistant.progress.for_learner(viewer, other),
        lambda: demo_assistant.recommender.for_learner(viewer, other),
        lambda: demo_assistant.class_reports.for_class(viewer, class_id),
    ):
        with pytest.raises(WaypointError) as refused:
            read()
        assert isinstance(refused.value, AccessDeniedError)
        assert _name(demo_assistant, other) not in str(refused.value)
    assert class_id not in [c for c, _ in demo_assistant.directory.classes_of(viewer)]
    visible = {ref.id for ref in demo_assistant.chat_learners.visible_learners(user)}
    assert other not in visible


@pytest.mark.parametrize(("user", "role", "learner", "class_id"), CASES)
def test_chat_refuses_other_learners_the_same_way_as_nobody(
    demo_assistant: Assistant, user: str, role: str, learner: str | None, class_id: str
) -> None:
    other = _forbidden(demo_assistant, learner)
    name = _name(demo_assistant, other)
    answers = []
    for target in (other, MADE_UP):
        context = AskContext(role=role, user_id=user, learner_id=target)  # type: ignore[arg-type]
        answer = demo_assistant.chat.ask("What should they work on next?", context)
        assert answer.abstained and not answer.steps
        assert name not in answer.text and target not in answer.text
        answers.append(answer.text)
    assert answers[0] == answers[1]


# sign-in ------------------------------------------------------------------------------------
IDENTITIES = {
    "maya.student@school.example": "stu.L001",
    "parent.one@school.example": "par.001",
    "amara.okafor@school.example": "t.okafor",
    "dana.reyes@school.example": "admin.reyes",
}


@pytest.mark.parametrize("email", sorted(IDENTITIES))
def test_oidc_signs_in_only_the_exact_verified_email(demo_assistant: Assistant, email: str) -> None:
    directory = demo_assistant.directory
    verified = {"email": email.upper(), "email_verified": True}
    found = directory.from_identity(verified, IDENTITIES)
    assert found is not None and found.user_id == IDENTITIES[email]
    local, domain = email.split("@")
    for look_alike in (
        local.replace(".", "_", 1) + "@" + domain,
        "%" + local[2:] + "@" + domain,
        "%",
        local + "@" + domain + "%",
    ):
        assert (
            directory.from_identity({"email": look_alike, "email_verified": True}, IDENTITIES)
            is None
        )
        # nor does a look-alike match a user id directly
        assert directory.from_identity({"email": look_alike, "email_verified": True}, {}) is None
    assert directory.from_identity({"email": email}, IDENTITIES) is None  # not verified


def test_demo_accounts_are_demo_users_only_and_none_with_school_sign_in(
    demo_assistant: Assistant,
) -> None:
    offer = demo_assistant.directory.demo_offer(school_sign_in=False)
    assert {a.role for a in offer.accounts} == {"student", "parent", "teacher", "leader", "admin"}
    with demo_assistant.learner_db.session() as session:
        demo_users = set(session.scalars(select(User.id).where(User.demo)))
    assert {a.user_id for a in offer.accounts} <= demo_users
    closed = demo_assistant.directory.demo_offer(school_sign_in=True)
    assert closed.accounts == () and closed.reason == "demo_off_school_sign_in"
