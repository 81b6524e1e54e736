"""Conversation turns that read learner data: next steps, progress, follow-ups, and refusals
that never reveal who exists. Uses the demo school."""

from __future__ import annotations

import re

import pytest

from assistant.chat.learner_answers import STEPS_KEPT
from assistant.chat.types import AskContext
from assistant.container import Assistant
from assistant.learners.access import Viewer

STUDENT, PARENT, TEACHER = "stu.L001", "par.001", "t.okafor"  # Maya Lindgren (L001), 6A


def recommended_codes(assistant: Assistant, user: str, learner: str) -> list[str]:
    viewer: Viewer = assistant.access.viewer(user)
    # as many as a chat answer keeps (a student or a parent sees the first written out)
    report = assistant.recommender.for_learner(viewer, learner, limit=STEPS_KEPT)
    return [step.code for step in report.steps]


def test_student_next_steps_with_reasons_and_sources(demo_assistant: Assistant) -> None:
    answer = demo_assistant.chat.ask(
        "what should I work on next?", AskContext(role="student", user_id=STUDENT)
    )
    assert answer.intent == "next_steps"
    codes = [str(step["code"]) for step in answer.steps]
    assert codes == recommended_codes(demo_assistant, STUDENT, "L001")
    assert codes and answer.text.startswith("Your next step:")
    step = answer.steps[0]
    # one short line for the step: title, code, where you are; the reason is on the card
    line = re.search(rf"^(.+) \({re.escape(str(step['code']))}\): (.+)$", answer.text, re.M)
    assert line is not None, answer.text
    assert line.group(1) == step["title"]
    assert len(line.group(2).split()) < 60
    assert not any(f"({later['code']})" in answer.text for later in answer.steps[1:])
    assert answer.citations[0].code == codes[0]
    assert all(step["reason"] for step in answer.steps)
    assert str(answer.steps[0]["reason"]) not in answer.text


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
    assert "Maya" in answer.text
    # what needs attention with its level, then the skills at the goal counted
    assert re.search(
        r"below the goal of 3 Proficient on: .+ \(M\.6\.RP\.5, 2 Developing\)", answer.text
    )
    assert re.search(r"^Maya is at the goal or above on \d+ skills", answer.text, re.M)


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


# mine or general ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "user", "message"),
    [
        ("student", STUDENT, "how do i prove mastery"),
        ("student", STUDENT, "is a 2 bad??"),
        ("parent", PARENT, "how do teachers decide mastery?"),
        ("parent", PARENT, "what does a 3 mean on a report card"),
        ("parent", PARENT, "¿Qué significa un 2?"),
        ("student", STUDENT, "¿cómo demuestro que ya sé algo?"),
    ],
)
def test_general_questions_get_the_guides_never_a_list_of_learners(
    demo_assistant: Assistant, role: str, user: str, message: str
) -> None:
    answer = demo_assistant.chat.ask(message, AskContext(role=role, user_id=user))  # type: ignore[arg-type]
    assert answer.intent not in ("next_steps", "progress"), answer.text
    assert not answer.abstained and answer.citations
    assert "Which learner" not in answer.text and "estudiante habla" not in answer.text
    others = {r.name for r in demo_assistant.chat_learners.visible_learners(None)}
    assert not any(name in answer.text for name in others - {"Maya Lindgren"})


def test_a_parent_naming_someone_else_is_told_whom_waypoint_can_show(
    demo_assistant: Assistant,
) -> None:
    for question in ("How is Liam doing in math?", "what is Zara's level in ratios?"):
        answer = demo_assistant.chat.ask(question, AskContext(role="parent", user_id=PARENT))
        assert answer.text == "I can only show you how Maya is doing."
        assert answer.steps == () and answer.citations == ()


def test_spanish_learner_answers_are_spanish_throughout(demo_assistant: Assistant) -> None:
    answer = demo_assistant.chat.ask("¿Cómo va mi hija?", AskContext(role="parent", user_id=PARENT))
    assert answer.language == "es" and answer.intent == "progress"
    for english in ("Proficient", "Developing", "Beginning", "Advanced", " Tip:", "Practice:"):
        assert english not in answer.text, answer.text
    assert "Competente" in answer.text or "En desarrollo" in answer.text


# a teacher's class ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("user", "message", "opening"),
    [
        # "ratios" is in most ratio competencies' titles: the whole stuck report answers
        (TEACHER, "who in 6A needs help with ratios right now", "Stuck in 6A"),
        # two words of one title name that competency
        (TEACHER, "anyone in 6A stuck on unit rates", "M.6.RP.2 Understand unit rates in 6A"),
        # meaning alone, no shared word ("planning" and "Plan and manage my time")
        ("t.haddad", "ADV6 anyone stuck on planning their work?", "H.SD.A.3"),
    ],
)
def test_a_class_question_names_one_competency_only_by_words_few_titles_share(
    demo_assistant: Assistant, user: str, message: str, opening: str
) -> None:
    answer = demo_assistant.chat.ask(message, AskContext(role="teacher", user_id=user))
    assert answer.intent == "class_report"
    assert answer.text.startswith(opening), answer.text


def test_who_is_stuck_in_a_class_names_learners_from_the_class_report(
    demo_assistant: Assistant,
) -> None:
    chat = demo_assistant.chat
    conversation = chat.new_conversation()
    context = AskContext(role="teacher", user_id=TEACHER)
    answer = chat.ask("who's stuck in 6A and what should I do?", context, conversation)
    assert answer.intent == "class_report"
    report = demo_assistant.class_reports.for_class(demo_assistant.access.viewer(TEACHER), "6A")
    names = {row.learner_id: row.name for row in report.matrix}
    for stuck in report.stuck[:2]:
        assert stuck.code in answer.text
        assert all(names[i] in answer.text for i in stuck.learners)
    other = chat.ask("what about 6B?", context, conversation)
    assert other.intent == "class_report" and "6B" in other.text and other.text != answer.text


def test_grouping_a_class_gives_groups_with_activity_and_exit_check(
    demo_assistant: Assistant,
) -> None:
    answer = demo_assistant.chat.ask(
        "how should I group 6A this week?", AskContext(role="teacher", user_id=TEACHER)
    )
    report = demo_assistant.class_reports.for_class(demo_assistant.access.viewer(TEACHER), "6A")
    first = report.groups[0]
    assert all(member.name in answer.text for member in first.members)
    assert first.activity is not None and first.activity.exit_check
    assert first.activity.exit_check in answer.text
    assert any(c.source == first.activity.path for c in answer.citations)


def test_a_teacher_cannot_open_a_class_they_do_not_teach(demo_assistant: Assistant) -> None:
    answer = demo_assistant.chat.ask(
        "who is stuck in 7A?", AskContext(role="teacher", user_id=TEACHER)
    )
    report_names = {
        row.name
        for row in demo_assistant.class_reports.for_class(
            demo_assistant.access.viewer("t.lindqvist"), "7A"
        ).matrix
    }
    assert not any(name in answer.text for name in report_names)


def test_explain_that_to_my_parent_after_steps_gives_home_help(demo_assistant: Assistant) -> None:
    chat = demo_assistant.chat
    conversation = chat.new_conversation()
    context = AskContext(role="student", user_id=STUDENT)
    steps = chat.ask("what should I work on next?", context, conversation)
    parent = chat.ask("explain that to my mom", context, conversation)
    assert parent.text != steps.text
    assert parent.citations and all("parent" in (c.section or "").lower() for c in parent.citations)
    first_code = str(steps.steps[0]["code"])
    assert first_code in parent.text


def test_a_new_question_after_steps_is_not_about_the_previous_competency(
    demo_assistant: Assistant,
) -> None:
    chat = demo_assistant.chat
    conversation = chat.new_conversation()
    context = AskContext(role="student", user_id=STUDENT)
    chat.ask("what should I work on next?", context, conversation)
    answer = chat.ask("what does exponent mean?", context, conversation)
    assert "exponent" in answer.text.lower()
    assert answer.topic.get("code") in (None, "M.6.EE.1")


def test_without_a_signed_in_user_a_student_or_teacher_gets_no_learner_data(
    demo_assistant: Assistant,
) -> None:
    for role in ("student", "parent", "teacher"):
        answer = demo_assistant.chat.ask(
            "what should my child work on next?",
            AskContext(role=role),  # type: ignore[arg-type]
        )
        assert answer.steps == ()
        assert "Maya" not in answer.text and "L001" not in answer.text


def test_a_parent_asking_what_to_ask_the_teacher_gets_questions_even_naming_the_child(
    demo_assistant: Assistant,
) -> None:
    answer = demo_assistant.chat.ask(
        "what should I ask Mateo's teacher at the conference next week",
        AskContext(role="parent", user_id="par.004"),
    )
    assert answer.intent == "explain_cbe", answer.text
    assert answer.citations[0].source == "guides/parents/questions-to-ask-the-teacher.en.md"
    assert not answer.steps


def test_which_kids_in_a_teachers_only_class_need_help_answers_from_its_report(
    demo_assistant: Assistant,
) -> None:
    answer = demo_assistant.chat.ask(
        "which kids in advisory need help with asking questions",
        AskContext(role="teacher", user_id="t.haddad"),
    )
    assert answer.intent == "class_report", answer.text
    assert "ADV6" in answer.text
    assert [c.code for c in answer.citations if c.code] == ["H.CM.A.2"], answer.citations


def test_a_quick_update_on_a_child_is_their_progress(demo_assistant: Assistant) -> None:
    answer = demo_assistant.chat.ask(
        "quick update on maya pls, anything i should worry about?",
        AskContext(role="parent", user_id=PARENT),
    )
    assert answer.intent == "progress", answer.text
    assert "below the goal" in answer.text


def test_grouping_for_a_topic_shows_the_groups_on_its_competencies_citing_each_source_once(
    demo_assistant: Assistant,
) -> None:
    answer = demo_assistant.chat.ask(
        "need grouping ideas for unit rates tmrw, 6A", AskContext(role="teacher", user_id=TEACHER)
    )
    assert answer.intent == "class_report"
    assert re.search(r"^- M\.6\.RP\.5 .*Exit check", answer.text, re.M), answer.text
    sources = [c.code or (c.source, c.section) for c in answer.citations]
    assert len(sources) == len(set(sources)), answer.citations


def test_is_my_child_behind_is_answered_by_their_figures_without_the_guides_hedge(
    demo_assistant: Assistant,
) -> None:
    answer = demo_assistant.chat.ask(
        "Is Liam behind in math? I'm worried.", AskContext(role="parent", user_id="par.002")
    )
    assert "0 still below" in answer.text, answer.text
    assert "Not necessarily" not in answer.text
    assert len(answer.citations) == 2, answer.citations


def test_simpler_words_for_a_parent_stay_in_the_parents_voice(demo_assistant: Assistant) -> None:
    chat = demo_assistant.chat
    conversation = chat.new_conversation()
    context = AskContext(role="parent", user_id=PARENT)
    first = chat.ask("Maya got a 2 on something, is that bad?", context, conversation)
    simpler = chat.ask("can you explain that simpler", context, conversation)
    assert not simpler.abstained, simpler.text
    assert "you are on the way" not in simpler.text, simpler.text
    assert all(c.source.startswith("guides/parents/") for c in simpler.citations)
    assert len(simpler.text) < len(first.text)


def test_a_student_with_nothing_below_the_goal_asking_if_behind_is_not_told_they_are_stuck(
    demo_assistant: Assistant,
) -> None:
    answer = demo_assistant.chat.ask("am i behind", AskContext(role="student", user_id="stu.L002"))
    assert "0 still below" in answer.text, answer.text
    assert "stuck" not in (answer.citations[-1].section or "").lower(), answer.citations
    assert "Your level is still 2" not in answer.text


def test_who_is_ready_for_more_on_a_skill_lists_those_at_the_goal_highest_first(
    demo_assistant: Assistant,
) -> None:
    answer = demo_assistant.chat.ask(
        "who's ready for enrichment on proportional relationships",
        AskContext(role="teacher", user_id="t.lindqvist"),
    )
    assert answer.intent == "class_report"
    found = re.search(r"at 3 or above: (.+?)\.", answer.text)
    assert found is not None, answer.text
    levels = [float(level) for level in re.findall(r"\((\d)\)", found.group(1))]
    assert levels and min(levels) >= 3 and levels == sorted(levels, reverse=True)


def test_progress_on_a_topic_without_evidence_says_so_and_cites_the_skill(
    demo_assistant: Assistant,
) -> None:
    answer = demo_assistant.chat.ask(
        "how am i doing in inequalities", AskContext(role="student", user_id=STUDENT)
    )
    assert answer.intent == "progress"
    assert "no evidence yet" in answer.text, answer.text
    assert [c.code for c in answer.citations] in (["M.6.EE.8"], ["M.7.EE.5"])


def test_who_in_a_class_is_ready_for_more_lists_those_at_the_goal_on_everything(
    demo_assistant: Assistant,
) -> None:
    answer = demo_assistant.chat.ask(
        "who in 7A is ready for more challenge", AskContext(role="teacher", user_id="t.lindqvist")
    )
    assert answer.text.startswith("Ready for more in 7A"), answer.text
    assert "Stuck in" not in answer.text


def test_my_advisory_is_the_teachers_class(demo_assistant: Assistant) -> None:
    answer = demo_assistant.chat.ask(
        "how is my advisory doing on planning their time? anyone struggling",
        AskContext(role="teacher", user_id="t.haddad"),
    )
    assert answer.intent == "class_report", answer.text
    assert "ADV6" in answer.text and "Which learner" not in answer.text


def test_a_parent_whose_child_finds_math_too_easy_gets_the_section_on_being_ahead(
    demo_assistant: Assistant,
) -> None:
    answer = demo_assistant.chat.ask(
        "sofia keeps saying math class is boring and too easy. what should i do",
        AskContext(role="parent", user_id="par.005"),
    )
    assert answer.citations[-1].source == "guides/parents/faq-worries.en.md", answer.citations
    assert "bored" in (answer.citations[-1].section or ""), answer.citations
