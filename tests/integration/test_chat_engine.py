"""The conversation engine over the real bundled knowledge: intents, grounding, language,
follow-ups and bounds. Learner-data turns are in test_chat_learners.py."""

from __future__ import annotations

import re

import pytest

from assistant.chat.engine import ChatEngine
from assistant.chat.guards import MessageRejectedError
from assistant.chat.types import AskContext, Role
from assistant.container import Assistant


@pytest.fixture(scope="module")
def engine(bundled_assistant: Assistant) -> ChatEngine:
    return bundled_assistant.chat


@pytest.mark.parametrize(
    ("role", "message", "intent", "cited"),
    [
        (
            "parent",
            "what is competency based education?",
            "explain_cbe",
            "guides/parents/what-is-cbe.en.md",
        ),
        ("student", "how do colleges see this kind of school?", "explain_cbe", "guides/"),
        (
            "teacher",
            "how do I run flexible groups without tracking?",
            "intervention",
            "guides/teachers/flexible-grouping.en.md",
        ),
        ("parent", "how can I help with percents at home?", "resources", ""),
        ("student", "give me practice for unit rates", "resources", "resources/math/"),
        (
            "teacher",
            "mini-lesson ideas for kids stuck on constant of proportionality",
            "intervention",
            "guides/teachers/",
        ),
        (
            "parent",
            "what does M.6.RP.2 mean?",
            "explain_competency",
            "Waypoint Middle-School Mathematics",
        ),
        (
            "student",
            "what comes after M.7.RP.3",
            "explain_competency",
            "Waypoint Middle-School Mathematics",
        ),
        (
            "parent",
            "my son got a 2 on M.7.EE.4, is that bad?",
            "explain_level",
            "Waypoint Middle-School Mathematics",
        ),
        ("teacher", "what does a 3 mean on the scale?", "explain_level", "guides/teachers/"),
    ],
)
def test_each_intent_gets_a_grounded_cited_answer(
    engine: ChatEngine, role: str, message: str, intent: str, cited: str
) -> None:
    answer = engine.ask(message, AskContext(role=role))  # type: ignore[arg-type]
    assert answer.intent == intent
    assert not answer.abstained
    assert answer.citations, answer.text
    assert any(c.source.startswith(cited) for c in answer.citations), answer.citations
    for citation in answer.citations:
        # each cited section's text is in the answer whole, not a sentence picked from it
        assert citation.snippet.split("\n")[0][:120] in answer.text, (citation, answer.text)
    # the answer says the thing first: no intro line before the first cited text
    first = answer.citations[0].snippet
    assert answer.text.startswith(first[:40]) or answer.text.split("\n")[0].startswith(
        ("A ", "Un ", "No.", "M.", "H.")
    ), answer.text


def test_students_are_never_addressed_as_parents(engine: ChatEngine) -> None:
    for question in ("how can I practice ratios at home?", "how do i get better at unit rates"):
        answer = engine.ask(question, AskContext(role="student"))
        for citation in answer.citations:
            assert "parent" not in (citation.section or "").lower(), citation
            assert not citation.source.startswith("guides/parents/"), citation
        assert "your child" not in answer.text.lower()


def test_competency_answer_names_prerequisites_and_cites_the_framework(engine: ChatEngine) -> None:
    answer = engine.ask("what does M.6.RP.5 mean?", AskContext(role="parent"))
    assert "M.6.RP.5" in answer.text
    # M.6.RP.5 builds on M.6.RP.2 and M.6.RP.4 in the bundled framework
    assert "M.6.RP.2" in answer.text and "M.6.RP.4" in answer.text
    assert answer.citations[0].code == "M.6.RP.5"


def test_level_question_quotes_that_levels_descriptor(engine: ChatEngine) -> None:
    answer = engine.ask("what does a 2 on M.6.RP.1 mean?", AskContext(role="parent"))
    assert answer.text.startswith("A 2 means Developing"), answer.text
    catalog = engine._catalog()
    entry = catalog.lookup("M.6.RP.1")
    assert entry is not None
    descriptor = catalog.scale(entry.identifier).level_at(2.0).description
    assert descriptor in answer.text
    assert any(c.code == "M.6.RP.1" for c in answer.citations)
    assert "3 Proficient" not in answer.text.split("\n")[0]


def test_level_question_without_a_code_uses_the_scale_not_other_competencies(
    engine: ChatEngine,
) -> None:
    answer = engine.ask("what does a 3 mean on the report card?", AskContext(role="parent"))
    assert answer.text.startswith("A 3 means Proficient")
    assert all(c.code is None for c in answer.citations), answer.citations
    assert any("proficiency-levels" in c.source for c in answer.citations)


@pytest.mark.parametrize(
    "message",
    [
        "what's the weather tomorrow?",
        "who won the football game last night?",
        "write my essay on the civil war",
        "¿cuál es la capital de Mongolia?",
    ],
)
def test_out_of_scope_questions_are_declined_without_sources(
    engine: ChatEngine, message: str
) -> None:
    answer = engine.ask(message, AskContext(role="student"))
    assert answer.abstained
    assert answer.citations == ()
    assert "guess" in answer.text or "adivinar" in answer.text


@pytest.mark.parametrize(
    ("role", "message", "says"),
    [
        ("student", "when do report cards come out", "does not know the dates"),
        ("parent", "when is the next report card and parent conference", "does not know them"),
        ("parent", "cuando entregan las boletas", "Waypoint no las conoce"),
        ("student", "¿cuándo nos dan las boletas?", "Waypoint no conoce las fechas"),
    ],
)
def test_school_dates_are_not_known_and_the_answer_says_whom_to_ask(
    engine: ChatEngine, role: Role, message: str, says: str
) -> None:
    answer = engine.ask(message, AskContext(role=role))
    first = answer.text.split(". ")[0]
    assert says in first, answer.text
    # from the asker's own guides
    assert answer.citations and answer.citations[0].source.startswith(f"guides/{role}s/")


@pytest.mark.parametrize(
    ("message", "opening", "section"),
    [
        (
            "his report says 'in progress' on two skills, what does that mean",
            "A 2 means Developing",
            "Why a 2 is not a failing grade",
        ),
        (
            "que quiere decir que mi hija esta 'en progreso'? va a reprobar?",
            "Un 2 significa En desarrollo",
            "Por qué un 2 no es una nota reprobatoria",
        ),
    ],
)
def test_a_level_named_as_report_cards_name_it_is_that_level_not_a_tier_of_support(
    engine: ChatEngine, message: str, opening: str, section: str
) -> None:
    answer = engine.ask(message, AskContext(role="parent"))
    assert answer.intent == "explain_level"
    assert answer.text.startswith(opening), answer.text
    assert [c.section for c in answer.citations] == [section]


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("what skill is H.CM.A.3? the teacher wrote it in her note", "H.CM.A.3"),
        ("¿qué habilidad es M.6.RP.3? viene en el informe de mi hija", "M.6.RP.3"),
    ],
)
def test_asked_which_skill_a_code_is_the_competency_itself_comes_first(
    engine: ChatEngine, message: str, code: str
) -> None:
    answer = engine.ask(message, AskContext(role="parent"))
    assert answer.intent == "explain_competency"
    assert answer.text.startswith(f"{code} —"), answer.text
    assert answer.citations[0].code == code


@pytest.mark.parametrize(
    ("message", "language", "intro", "heading"),
    [
        ("give me a unit rate problem to try", "en", "Here are some problems to try", "Try these"),
        (
            "dame un problema de tasas unitarias para practicar",
            "es",
            "Aquí tienes unos problemas para practicar",
            "Prueba estos",
        ),
    ],
)
def test_asked_for_a_problem_to_try_the_practice_gives_its_own_problems(
    engine: ChatEngine, message: str, language: str, intro: str, heading: str
) -> None:
    answer = engine.ask(message, AskContext(role="student", language=language))
    assert answer.text.startswith(intro), answer.text
    assert answer.text.split("\n")[1].startswith("- ")  # then the problems, one a line
    assert answer.citations[0].section == heading
    # a unit-rate practice (M.6.RP.2, M.6.RP.5 or M.7.RP.1)
    assert re.match(r"resources/math/m-\d-rp-\d-unit-", answer.citations[0].source), (
        answer.citations
    )


@pytest.mark.parametrize(
    ("role", "message", "not_from"),
    [
        ("student", "teacher gave me a 2 but i think i deserve a 3", "What a 2 means"),
        (
            "parent",
            "why does my daughter have a 4 in one skill and a 1 in another, is that normal",
            "Why a 4 is not extra credit",
        ),
    ],
)
def test_two_levels_named_but_not_compared_do_not_pin_the_answer_to_either(
    engine: ChatEngine, role: Role, message: str, not_from: str
) -> None:
    answer = engine.ask(message, AskContext(role=role))
    assert answer.citations, answer.text
    assert answer.citations[0].section != not_from, answer.text


def test_a_student_is_answered_from_a_practice_before_a_teachers_mini_lesson(
    engine: ChatEngine,
) -> None:
    answer = engine.ask(
        "whats an inequality and how do u graph it on a number line", AskContext(role="student")
    )
    assert answer.citations, answer.text
    assert not answer.citations[0].source.startswith("guides/teachers/"), answer.text
    assert "guide for teachers" not in answer.text


def test_a_question_naming_no_level_is_not_answered_with_the_scale(engine: ChatEngine) -> None:
    answer = engine.ask(
        "whats the difference between a 504 and an IEP, and does my kid still have to show "
        "the same skills as everyone",
        AskContext(role="parent"),
    )
    assert not answer.text.startswith("The levels run from"), answer.text
    assert answer.citations[0].source == "guides/parents/supporting-learners-with-iep.en.md"


def test_a_quoted_example_never_opens_the_answer(engine: ChatEngine) -> None:
    """The section's model script illustrates its answer; the answer comes first."""
    answer = engine.ask(
        "how do i ask to retake my ratios test, i think i get it now", AskContext(role="student")
    )
    assert answer.citations[0].section == "How to ask to be reassessed", answer.text
    assert answer.text.startswith("To be reassessed"), answer.text


def test_beside_a_competencys_descriptor_only_a_guide_section_on_the_question_joins(
    engine: ChatEngine,
) -> None:
    teacher = engine.ask(
        "what would advanced work on M.6.RP.6 look like for kids done early",
        AskContext(role="teacher"),
    )
    assert [c.code for c in teacher.citations] == ["M.6.RP.6"], teacher.citations
    parent = engine.ask("what does a 3 mean on M.6.RP.3", AskContext(role="parent"))
    assert parent.citations[0].code == "M.6.RP.3"
    assert parent.citations[1].section == "What a 3 on a standard means", parent.citations


@pytest.mark.parametrize(
    ("message", "language"),
    [("M.6.EE.7?? is that the equations one", "en"), ("que es M.6.RP.2", "es")],
)
def test_a_student_asking_about_a_competency_gets_no_other_audiences_or_languages_guide(
    engine: ChatEngine, message: str, language: str
) -> None:
    answer = engine.ask(message, AskContext(role="student", language=language))
    assert answer.intent == "explain_competency"
    for citation in answer.citations:
        assert not citation.source.startswith(("guides/parents/", "guides/teachers/"))
        if citation.source.startswith("guides/"):
            assert citation.source.endswith(f".{language}.md"), answer.citations


def test_spanish_question_gets_a_spanish_answer_from_spanish_guides(engine: ChatEngine) -> None:
    answer = engine.ask("¿Qué es la educación basada en competencias?", AskContext(role="parent"))
    assert answer.language == "es"
    assert answer.citations and all(c.source.endswith(".es.md") for c in answer.citations)
    assert answer.text.startswith(answer.citations[0].snippet[:40])


def test_follow_up_explain_to_my_parent_answers_again_for_a_parent(engine: ChatEngine) -> None:
    conversation = engine.new_conversation()
    first = engine.ask("what does proficient mean?", AskContext(role="student"), conversation)
    again = engine.ask("explain that to my parent", AskContext(role="student"), conversation)
    assert again.intent == first.intent
    assert again.text != first.text
    assert again.citations and all(
        not c.source.startswith("guides/students/") for c in again.citations
    )
    shown = {(c.source, c.section) for c in first.citations}
    assert not shown & {(c.source, c.section) for c in again.citations}


def test_tell_me_more_adds_to_the_last_answer(engine: ChatEngine) -> None:
    conversation = engine.new_conversation()
    first = engine.ask("what is flexible grouping?", AskContext(role="teacher"), conversation)
    more = engine.ask("tell me more", AskContext(role="teacher"), conversation)
    assert more.intent == first.intent
    assert len(more.text.split()) > len(first.text.split())
    assert more.text.startswith(first.text.split(" [")[0][:80])


def test_memory_is_bounded(engine: ChatEngine) -> None:
    conversation = engine.new_conversation()
    for _ in range(engine.limits.max_turns + 3):
        engine.ask("hi", AskContext(role="student"), conversation)
    assert len(conversation.turns) == engine.limits.max_turns


def test_overlong_and_empty_messages_are_refused(engine: ChatEngine) -> None:
    with pytest.raises(MessageRejectedError, match="limit"):
        engine.ask("x" * (engine.limits.max_message_chars + 1), AskContext(role="parent"))
    with pytest.raises(MessageRejectedError, match="empty"):
        engine.ask(" \u200b ", AskContext(role="parent"))


def test_streaming_gives_the_same_text_as_the_answer(engine: ChatEngine) -> None:
    pieces = list(engine.stream("what is a unit rate?", AskContext(role="student")))
    final = pieces[-1]
    text = "".join(p for p in pieces[:-1] if isinstance(p, str))
    assert not isinstance(final, str)
    assert text == final.text
    assert len(pieces) > 5


@pytest.mark.parametrize(
    "message", ["what does M.6.RP.4 unlock", "does M.7.EE.4 need M.7.EE.1 first?"]
)
def test_a_question_about_a_competencys_place_in_the_map_gets_its_statement_alone(
    engine: ChatEngine, message: str
) -> None:
    """What comes before and after answers it; a mini-lesson on the skill does not join."""
    answer = engine.ask(message, AskContext(role="teacher"))
    assert answer.intent == "explain_competency"
    assert [c.code for c in answer.citations] == [answer.citations[0].code], answer.citations
    assert re.search(r"leads to|builds on", answer.text, re.I)


def test_beside_a_competency_a_guide_section_joins_only_when_it_is_on_that_competency(
    engine: ChatEngine,
) -> None:
    """ "Rubric" in the question does not bring the guide on writing descriptors."""
    answer = engine.ask(
        "H.CL.B.1 on the advisory rubric, what does it cover?", AskContext(role="teacher")
    )
    assert answer.citations[0].code == "H.CL.B.1"
    assert all(
        c.code == "H.CL.B.1" or c.source.startswith("resources/habits/h-cl-b-1")
        for c in answer.citations
    ), answer.citations


def test_a_students_spanish_question_is_answered_from_the_students_guides(
    engine: ChatEngine,
) -> None:
    answer = engine.ask(
        "cuando estoy listo para pasar a la siguiente habilidad",
        AskContext(role="student", language="es"),
    )
    assert answer.citations[0].source.startswith("guides/students/"), answer.citations
    assert "guía para familias" not in answer.text


@pytest.mark.parametrize(
    ("message", "language", "codes"),
    [
        (
            "how can i tell if my inequality work is good enough for a 3",
            "en",
            {"M.6.EE.8", "M.7.EE.5"},
        ),
        ("what does a 4 look like in ratio tables", "en", {"M.6.RP.4"}),
        (
            "el trabajo de mi hija en desigualdades es suficiente para un 3?",
            "es",
            {"M.6.EE.8", "M.7.EE.5"},
        ),
    ],
)
def test_a_level_asked_about_a_skill_named_by_its_topic_quotes_that_skills_descriptor(
    engine: ChatEngine, message: str, language: str, codes: set[str]
) -> None:
    answer = engine.ask(message, AskContext(role="student", language=language))
    assert answer.intent == "explain_level", answer.text
    assert {c.code for c in answer.citations if c.code} & codes, answer.citations


@pytest.mark.parametrize(
    "message",
    [
        "what does a 3 mean on the scale?",  # the scale is no scale drawing
        "a mi niña le pusieron 2 en matemáticas y me preocupa que vaya a reprobar",
        "no entiendo que significa nivel 2",
    ],
)
def test_a_level_asked_about_no_skill_is_answered_with_the_scale(
    engine: ChatEngine, message: str
) -> None:
    answer = engine.ask(message, AskContext(role="parent"))
    assert answer.intent == "explain_level"
    assert answer.citations and all(c.code is None for c in answer.citations), answer.citations
    assert not any("Ejemplo" in (c.section or "") for c in answer.citations), answer.citations


@pytest.mark.parametrize(
    ("message", "language", "source", "section"),
    [
        (
            "how do i solve two step equations",
            "en",
            "resources/math/m-7-ee-4-two-step-equations.en.md",
            "Worked example",
        ),
        (
            "how do you find a unit rate",
            "en",
            "resources/math/m-6-rp-2-unit-rate-meaning.en.md",
            "Worked example",
        ),
        (
            "no entiendo como resolver ecuaciones de dos pasos",
            "es",
            "resources/math/m-7-ee-4-two-step-equations.es.md",
            "La actividad",
        ),
    ],
)
def test_how_to_do_a_skill_named_by_its_title_gets_its_practices_worked_example(
    engine: ChatEngine, message: str, language: str, source: str, section: str
) -> None:
    answer = engine.ask(message, AskContext(role="student", language=language))
    assert not answer.abstained
    assert (answer.citations[0].source, answer.citations[0].section) == (source, section)


def test_a_parent_asking_how_to_help_with_a_skill_gets_its_practices_section_for_parents(
    engine: ChatEngine,
) -> None:
    answer = engine.ask("how do i help him with ratio tables at home", AskContext(role="parent"))
    assert answer.citations[0].source.startswith("resources/math/m-6-rp-4"), answer.citations
    assert answer.citations[0].section == "How a parent can help"


def test_asking_how_to_ask_for_help_is_answered_from_the_guide_on_it(engine: ChatEngine) -> None:
    answer = engine.ask("how do i ask for help", AskContext(role="student"))
    assert answer.intent == "explain_cbe", answer.text
    assert answer.citations[0].source == "guides/students/asking-for-help.en.md"


def test_a_section_that_clearly_leads_on_its_listed_questions_answers_a_terse_question(
    engine: ChatEngine,
) -> None:
    answer = engine.ask(
        "im scared to ask questions in class bc ppl will laugh", AskContext(role="student")
    )
    assert not answer.abstained, answer.text
    assert answer.citations[0].source == "guides/students/asking-for-help.en.md"


@pytest.mark.parametrize(
    ("message", "language"), [("solve 3x+5=20 for me", "en"), ("resuelve 2x+3=9", "es")]
)
def test_asked_to_solve_a_problem_it_declines_and_offers_to_teach(
    engine: ChatEngine, message: str, language: str
) -> None:
    answer = engine.ask(message, AskContext(role="student", language=language))
    assert answer.abstained and not answer.citations
    assert re.search(r"can't do the work|No puedo hacer el trabajo", answer.text), answer.text


def test_a_guides_paragraph_that_repeats_the_levels_lead_replaces_it(engine: ChatEngine) -> None:
    answer = engine.ask("is my work good enough for a 3", AskContext(role="student"))
    assert answer.text.count("A 3 means Proficient") == 1, answer.text


def test_a_run_of_levels_asks_how_evidence_over_time_makes_a_level(engine: ChatEngine) -> None:
    answer = engine.ask(
        "kid went 1,1,2,3,3 on two-step equations, what do i record", AskContext(role="teacher")
    )
    assert answer.citations[0].section == (
        "Recency versus averaging when evidence changes over time"
    ), answer.citations
    assert "recent" in answer.text


@pytest.mark.parametrize(
    ("role", "message", "section"),
    [
        ("student", "im done with everything and bored what do i do", "If the work feels too easy"),
        (
            "parent",
            "mi hija se aburre en clase porque ya sabe todo",
            "¿Qué hago si mi hijo se aburre porque va adelantado?",
        ),
    ],
)
def test_bored_or_finding_it_too_easy_is_answered_by_the_section_on_being_ahead(
    engine: ChatEngine, role: Role, message: str, section: str
) -> None:
    answer = engine.ask(message, AskContext(role=role))
    assert not answer.abstained, answer.text
    assert answer.citations[0].section == section, answer.citations


def test_showing_a_skill_one_has_is_answered_by_the_guides_on_evidence_not_a_practice(
    engine: ChatEngine,
) -> None:
    answer = engine.ask(
        "how do i show my teacher i know one step equations now", AskContext(role="student")
    )
    assert answer.citations[0].source.startswith("guides/students/"), answer.citations


def test_late_and_missing_work_have_a_direct_answer(engine: ChatEngine) -> None:
    for message in ("late work policy in cbe?", "missing assignments - what do I enter?"):
        answer = engine.ask(message, AskContext(role="teacher"))
        assert answer.citations[0].section == "Late work and missing work", answer.citations
        assert answer.text.startswith("Do not take points off"), answer.text


def test_a_practice_problem_asked_without_a_skill_is_on_the_skill_just_talked_about(
    engine: ChatEngine,
) -> None:
    conversation = engine.new_conversation()
    context = AskContext(role="student")
    first = engine.ask("im stuck on unit rates i dont get it at all", context, conversation)
    assert first.citations[0].source.startswith("resources/math/m-6-rp-"), first.citations
    problem = engine.ask("can u give me a practice problem", context, conversation)
    assert problem.citations[0].source == first.citations[0].source, problem.citations
    assert problem.citations[0].section == "Try these"


def test_a_parent_whose_child_does_not_get_a_skill_gets_its_practices_section_for_parents(
    engine: ChatEngine,
) -> None:
    answer = engine.ask("he doesnt understand percents, what can i do", AskContext(role="parent"))
    assert answer.citations[0].source.startswith("resources/math/"), answer.citations
    assert answer.citations[0].section == "How a parent can help"


@pytest.mark.parametrize(
    "message",
    [
        "No entiendo este sistema de competencias. ¿Por qué mi hijo ya no tiene notas normales?",
        "mi hija tiene un plan 504, como la apoyan en este sistema?",
    ],
)
def test_this_system_of_learning_is_not_a_system_of_equations(
    engine: ChatEngine, message: str
) -> None:
    answer = engine.ask(message, AskContext(role="parent", language="es"))
    assert answer.citations[0].source.startswith("guides/parents/"), answer.citations


def test_practice_problems_for_a_named_skill_are_that_skills(engine: ChatEngine) -> None:
    answer = engine.ask(
        "can u give me some practice problems for one step equations", AskContext(role="student")
    )
    assert answer.citations[0].source == "resources/math/m-6-ee-7-one-step-equations.en.md"
    assert answer.citations[0].section == "Try these"
