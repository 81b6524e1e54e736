"""Conversation turns that read learner data: next steps, progress, follow-ups, and refusals
that never reveal who exists. Uses the demo school."""

from __future__ import annotations

import re

import pytest

from assistant.chat.types import AskContext
from assistant.container import Assistant
from assistant.learners.access import Viewer

STUDENT, PARENT, TEACHER = "stu.L001", "par.001", "t.okafor"  # Maya Lindgren (L001), 6A


def recommended_codes(assistant: Assistant, user: str, learner: str) -> list[str]:
    viewer: Viewer = assistant.access.viewer(user)
    report = assistant.recommender.for_learner(viewer, learner, limit=3)
    return [step.code for step in report.steps]


def test_student_next_steps_with_reasons_and_sources(demo_assistant: Assistant) -> None:
    answer = demo_assistant.chat.ask(
        "what should I work on next?", AskContext(role="student", user_id=STUDENT)
    )
    assert answer.intent == "next_steps"
    codes = [str(step["code"]) for step in answer.steps]
    assert codes == recommended_codes(demo_assistant, STUDENT, "L001")
    assert codes and answer.text.startswith("Here are your next steps:")
    for n, code in enumerate(codes, start=1):
        assert re.search(rf"^{n}\. {re.escape(code)} ", answer.text, re.M)
    assert answer.citations[0].code == codes[0]
    assert str(answer.steps[0]["reason"]) in answer.text


def test_why_and_next_one_follow_the_steps(demo_assistant: Assistant) -> None:
    chat = demo_assistant.chat
    conversation = chat.new_conversation()
    context = AskContext(role="student", user_id=STUDENT)
    first = chat.ask("what should I do next?", context, conversation)
    why = chat.ask("why?", context, conversation)
    assert why.steps[0]["code"] == first.steps[0]["code"]
    assert str(first.steps[0]["reason"]) in why.text
    following = chat.ask("what about the next one?", context, conversation)
    assert following.steps[0]["code"] == first.steps[1]["code"]


def test_parent_sees_their_childs_progress(demo_assistant: Assistant) -> None:
    answer = demo_assistant.chat.ask(
        "how is my child doing?", AskContext(role="parent", user_id=PARENT)
    )
    assert answer.intent == "progress"
    assert "Maya Lindgren" in answer.text
    assert re.search(
        r"^- M\.6\.\w+\.\d+ .+: [1-4] (Beginning|Developing|Proficient|Advanced)", answer.text, re.M
    )


@pytest.mark.parametrize(
    ("role", "user", "learner"),
    [
        ("student", STUDENT, "L002"),  # another student
        ("parent", PARENT, "L002"),  # a child who is not theirs
        ("teacher", TEACHER, "L051"),  # a learner in a class they do not teach (7A)
        ("teacher", TEACHER, "L999"),  # nobody: the same answer, so existence is not told
    ],
)
def test_refusals_do_not_leak_names_or_existence(
    demo_assistant: Assistant, role: str, user: str, learner: str
) -> None:
    answer = demo_assistant.chat.ask(
        "what should they work on next?", AskContext(role=role, user_id=user, learner_id=learner)
    )  # type: ignore[arg-type]
    assert answer.text == "I can't share information about that learner."
    assert answer.steps == () and answer.citations == ()


def test_teacher_without_a_learner_is_asked_which_one_from_their_own_classes(
    demo_assistant: Assistant,
) -> None:
    answer = demo_assistant.chat.ask(
        "next steps please", AskContext(role="teacher", user_id=TEACHER)
    )
    visible = {ref.name for ref in demo_assistant.chat_learners.visible_learners(TEACHER)}
    everyone = {ref.name for ref in demo_assistant.chat_learners.visible_learners(None)}
    assert answer.text.startswith("Which learner do you mean?")
    assert any(name in answer.text for name in visible)
    assert not any(name in answer.text for name in everyone - visible)
