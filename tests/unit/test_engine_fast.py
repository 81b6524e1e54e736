"""The conversation engine's routing and answer plans in seconds: the engine as production
composes it, over the fakes (tests/fakes: word-stem vectors instead of the embedding model, an
in-memory search of the bundled knowledge instead of Chroma) and the real demo school.

Only what the fakes cannot change is asserted: who gets learner data and who a guide, the
scale's and the framework's own words, refusals, follow-ups. Which guide section reads best
is the real model's job (tests/integration/test_chat_engine.py)."""

from __future__ import annotations

import re

import pytest

from assistant.chat.answers.guides import Composed
from assistant.chat.engine import ChatEngine
from assistant.chat.learner_answers import STEPS_KEPT
from assistant.chat.memory import Conversation
from assistant.chat.types import Answer, AskContext, Citation, Role
from assistant.container import Assistant
from tests.fakes.retriever import FakeRetriever

STUDENT, PARENT, TEACHER = "stu.L001", "par.001", "t.okafor"  # Maya Lindgren (L001), 6A
LEARNER_INTENTS = ("next_steps", "progress", "class_report")


def ask(
    engine: ChatEngine,
    message: str,
    role: Role,
    user: str | None = None,
    conversation: Conversation | None = None,
) -> Answer:
    return engine.ask(message, AskContext(role=role, user_id=user), conversation)


def everyone(school: Assistant) -> set[str]:
    """The full name of every learner of the school."""
    return {ref.name for ref in school.chat_learners.visible_learners(None)}


def recommended(school: Assistant, user: str, learner: str) -> list[str]:
    """The recommender's first steps for a learner, as many as a chat answer keeps."""
    viewer = school.access.viewer(user)
    report = school.recommender.for_learner(viewer, learner, limit=STEPS_KEPT)
    return [step.code for step in report.steps]


def test_students_and_parents_see_one_next_step_and_teachers_three(
    fake_engine: ChatEngine, fake_school: Assistant
) -> None:
    """Shorter for families: the one thing to do now, with its practice, and how to ask for the
    next; staff plan with three. Every answer keeps three steps for the follow-ups."""
    written, kept = {}, {}
    for role, user, message in [
        ("student", STUDENT, "what should I work on next?"),
        ("parent", PARENT, "what should Maya work on next?"),
        ("teacher", TEACHER, "what should Maya Lindgren work on next?"),
    ]:
        answer = ask(fake_engine, message, role, user)
        codes = [str(step["code"]) for step in answer.steps]
        written[role] = sum(f"({code}):" in answer.text for code in codes)
        kept[role] = len(codes)
        if role != "teacher":
            assert answer.text.splitlines()[-1].startswith("Ask “what's the next one?”")
            assert {c.code for c in answer.citations if c.code} == {codes[0]}
    assert written == {"student": 1, "parent": 1, "teacher": 3}
    assert kept == {"student": 3, "parent": 3, "teacher": 3}


@pytest.mark.parametrize(
    ("first", "again", "language"),
    [
        ("what should I work on next?", "what's the next one?", "en"),
        ("¿qué debo trabajar ahora?", "¿y la siguiente?", "es"),
    ],
)
def test_the_next_one_a_single_step_offers_is_the_following_step(
    fake_engine: ChatEngine, first: str, again: str, language: str
) -> None:
    conversation = fake_engine.new_conversation()
    context = AskContext(role="student", user_id=STUDENT, language=language)
    shown = fake_engine.ask(first, context, conversation)
    assert again in shown.text.splitlines()[-1]
    following = fake_engine.ask(again, context, conversation)
    assert following.steps[0]["code"] == shown.steps[1]["code"], following.text


@pytest.mark.parametrize(
    ("role", "user", "message", "met"),
    [
        ("parent", PARENT, "how is maya doing", "Maya is at the goal or above on {n} skills"),
        ("student", STUDENT, "how am i doing", "You are at the goal or above on {n} skills"),
        (
            "parent",
            PARENT,
            "¿cómo va maya?",
            "Maya está en la meta o por encima en {n} habilidades",
        ),
    ],
)
def test_a_familys_progress_answer_counts_the_skills_at_the_goal_instead_of_listing_them(
    fake_engine: ChatEngine, fake_school: Assistant, role: Role, user: str, message: str, met: str
) -> None:
    view = fake_school.chat_learners.next_steps(STUDENT, "L001", 3, with_levels=True)
    at_goal = [code for code, _, level, _ in view.levels if level >= 3]
    below = [code for code, _, level, _ in view.levels if level < 3]
    answer = ask(fake_engine, message, role, user)
    assert answer.intent == "progress", answer.text
    first, second = answer.text.splitlines()[:2]
    assert below and all(code in first for code in below), answer.text
    assert second.startswith(met.format(n=len(at_goal))), answer.text
    assert not any(line.startswith("- ") for line in answer.text.splitlines()), answer.text


def test_a_teachers_progress_answer_still_lists_every_level(fake_engine: ChatEngine) -> None:
    answer = ask(fake_engine, "what are maya lindgren's levels", "teacher", TEACHER)
    assert answer.intent == "progress"
    assert sum(line.startswith("- ") for line in answer.text.splitlines()) >= 4, answer.text


# mine or general -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("message", "opening", "language"),
    [
        ("what should I work on next?", "Your next step:", "en"),
        ("¿qué debo trabajar ahora?", "Tu próximo paso:", "es"),
        # "trabajo" is not the teamwork habit's title
        ("que tengo que hacer ahora, en que trabajo", "Tu próximo paso:", "es"),
    ],
)
def test_a_students_next_steps_come_from_their_own_learner_data(
    fake_engine: ChatEngine, fake_school: Assistant, message: str, opening: str, language: str
) -> None:
    answer = ask(fake_engine, message, "student", STUDENT)
    assert answer.intent == "next_steps" and answer.language == language
    assert answer.text.startswith(opening), answer.text
    codes = [str(step["code"]) for step in answer.steps]
    assert codes and codes == recommended(fake_school, STUDENT, "L001")
    assert answer.citations[0].code == codes[0]


@pytest.mark.parametrize(
    ("message", "language"),
    [("how is my child doing?", "en"), ("¿Cómo va mi hija?", "es")],
)
def test_a_parent_asking_about_their_child_gets_the_childs_levels(
    fake_engine: ChatEngine, fake_school: Assistant, message: str, language: str
) -> None:
    answer = ask(fake_engine, message, "parent", PARENT)
    assert answer.intent == "progress" and answer.language == language
    assert "Maya Lindgren" in answer.text
    assert "M.6.RP.1" in answer.text
    # what needs attention comes first: the skills below the bar, and only those
    view = fake_school.chat_learners.next_steps(PARENT, "L001", 1, with_levels=True)
    catalog = fake_school.catalog
    below = {
        code
        for code, _title, level, _label in view.levels
        if not catalog.scale(catalog.lookup(code).identifier).is_proficient(level)  # type: ignore[union-attr]
    }
    first = answer.text.splitlines()[0]
    assert below and first.startswith("Maya "), first
    shown = {code for code, *_ in view.levels if code in first}
    assert shown == below, first


@pytest.mark.parametrize(
    ("role", "user", "message", "language"),
    [
        ("student", STUDENT, "how does my teacher decide mastery?", "en"),
        ("student", STUDENT, "¿cómo decide mi maestro si ya domino algo?", "es"),
        ("parent", PARENT, "how do teachers decide mastery?", "en"),
        ("parent", PARENT, "¿cómo deciden los maestros si mi hijo ya domina una habilidad?", "es"),
        ("teacher", TEACHER, "how do I run flexible groups without tracking?", "en"),
        ("teacher", TEACHER, "¿cómo se decide el dominio de una competencia?", "es"),
        ("student", None, "what should I work on next?", "en"),  # nobody signed in
    ],
)
def test_how_things_work_comes_from_the_guides_never_with_learner_names(
    fake_engine: ChatEngine,
    fake_school: Assistant,
    role: Role,
    user: str | None,
    message: str,
    language: str,
) -> None:
    answer = ask(fake_engine, message, role, user)
    assert answer.intent not in LEARNER_INTENTS, answer.text
    assert answer.language == language
    assert not answer.abstained and answer.steps == ()
    assert answer.citations and answer.citations[0].source.startswith("guides/")
    assert "Which learner do you mean" not in answer.text
    assert "De qué estudiante habla" not in answer.text
    named = [name for name in everyone(fake_school) if name in answer.text]
    assert not named, answer.text


@pytest.mark.parametrize(
    ("message", "reply"),
    [
        ("How is Liam doing in math?", "I can only show you how Maya is doing."),
        ("what is Zara's level in ratios?", "I can only show you how Maya is doing."),
        ("¿Cómo va Liam en matemáticas?", "Solo puedo mostrarle cómo va Maya."),
    ],
)
def test_a_parent_naming_someone_elses_child_is_told_whom_waypoint_can_show(
    fake_engine: ChatEngine, message: str, reply: str
) -> None:
    answer = ask(fake_engine, message, "parent", PARENT)
    assert answer.text == reply
    assert answer.steps == () and answer.citations == ()


@pytest.mark.parametrize(
    ("message", "heading"),
    [
        ("who is stuck in 6B?", "Stuck in 6B"),
        ("¿quiénes están atascados en 6B?", "Atascados en 6B"),
        ("quienes de mis alumnos de 6B estan atorados?", "Atascados en 6B"),
    ],
)
def test_who_is_stuck_in_a_class_names_them_from_the_class_report(
    fake_engine: ChatEngine, fake_school: Assistant, message: str, heading: str
) -> None:
    answer = ask(fake_engine, message, "teacher", TEACHER)
    assert answer.intent == "class_report"
    assert answer.text.startswith(heading), answer.text
    report = fake_school.class_reports.for_class(fake_school.access.viewer(TEACHER), "6B")
    names = {row.learner_id: row.name for row in report.matrix}
    assert report.stuck
    for stuck in report.stuck[:2]:
        assert stuck.code in answer.text
        assert all(names[learner] in answer.text for learner in stuck.learners), answer.text
    assert answer.citations[0].source == "Waypoint class report"
    # each competency the answer reports on is cited too, once
    cited = [c.code for c in answer.citations if c.code]
    assert len(cited) == len(set(cited))
    assert {s.code for s in report.stuck[:2]} <= set(cited)


def test_a_learner_held_up_twice_is_named_once_for_a_conference(
    fake_engine: ChatEngine, fake_school: Assistant
) -> None:
    report = fake_school.class_reports.for_class(fake_school.access.viewer(TEACHER), "6B")
    names = [c.name for c in report.conferences]
    assert len(names) > len(set(names))  # the demo school has one: one conference per blocker
    answer = ask(fake_engine, "which students in 6B need intervention", "teacher", TEACHER)
    [line] = [x for x in answer.text.splitlines() if any(n in x for n in names) and "- " not in x]
    assert all(line.count(name) == 1 for name in set(names)), line


@pytest.mark.parametrize(
    ("message", "language"),
    [("whats my level in unit rates", "en"), ("¿cómo voy en tasas unitarias?", "es")],
)
def test_a_progress_question_on_a_topic_shows_the_few_competencies_it_names(
    fake_engine: ChatEngine, fake_school: Assistant, message: str, language: str
) -> None:
    answer = ask(fake_engine, message, "student", STUDENT)
    assert answer.intent == "progress" and answer.language == language
    view = fake_school.chat_learners.next_steps(STUDENT, "L001", 3, with_levels=True)
    catalog = fake_school.catalog
    unit_rates = {
        code
        for code, *_ in view.levels
        if "unit rate" in (catalog.lookup(code).title.lower() if catalog.lookup(code) else "")
    }
    assert len(unit_rates) >= 2
    shown = {code for code, *_ in view.levels if code in answer.text}
    assert shown == unit_rates, answer.text
    cited = [c.code for c in answer.citations if c.code]
    assert len(cited) == len(set(cited)) and set(cited) <= unit_rates


def test_the_next_unit_is_no_topic_of_a_few_competencies(
    fake_engine: ChatEngine, fake_school: Assistant
) -> None:
    answer = ask(fake_engine, "what should i work on next unit", "student", STUDENT)
    codes = [str(step["code"]) for step in answer.steps]
    assert codes == recommended(fake_school, STUDENT, "L001")


def test_a_teacher_sees_no_one_from_a_class_they_do_not_teach(
    fake_engine: ChatEngine, fake_school: Assistant
) -> None:
    answer = ask(fake_engine, "who is stuck in 7A?", "teacher", TEACHER)
    viewer = fake_school.access.viewer("t.lindqvist")  # who teaches 7A
    others = {row.name for row in fake_school.class_reports.for_class(viewer, "7A").matrix}
    assert others and not any(name in answer.text for name in others), answer.text


def test_a_teacher_asking_for_next_steps_is_asked_which_of_their_learners(
    fake_engine: ChatEngine, fake_school: Assistant
) -> None:
    answer = ask(fake_engine, "next steps please", "teacher", TEACHER)
    assert answer.text.startswith("Which learner do you mean?")
    mine = {ref.name for ref in fake_school.chat_learners.visible_learners(TEACHER)}
    assert any(name in answer.text for name in mine)
    others = everyone(fake_school) - mine
    assert not any(name in answer.text for name in others)


# levels and competencies ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "message", "lead"),
    [
        ("parent", "what does a 3 mean?", "A 3 means Proficient"),
        ("parent", "¿qué significa un 3?", "Un 3 significa Competente"),
        ("student", "is a 2 bad??", "A 2 means Developing"),
        ("teacher", "what does a 3 mean on the scale?", "A 3 means Proficient"),
    ],
)
def test_a_level_question_starts_with_the_scales_own_words(
    fake_engine: ChatEngine, role: Role, message: str, lead: str
) -> None:
    answer = ask(fake_engine, message, role)
    assert answer.intent == "explain_level"
    assert answer.text.startswith(lead), answer.text
    # the scale, explained by a guide; no competency's descriptor when none was named
    assert answer.citations and all(c.code is None for c in answer.citations), answer.citations


def test_a_level_on_a_named_competency_quotes_its_descriptor(
    fake_engine: ChatEngine, fake_school: Assistant
) -> None:
    answer = ask(fake_engine, "what does a 2 on M.6.RP.1 mean?", "parent")
    assert answer.intent == "explain_level"
    assert answer.text.startswith("A 2 means Developing"), answer.text
    catalog = fake_school.catalog
    entry = catalog.lookup("M.6.RP.1")
    assert entry is not None
    assert catalog.scale(entry.identifier).level_at(2.0).description in answer.text
    assert any(c.code == "M.6.RP.1" for c in answer.citations)


@pytest.mark.parametrize(
    ("role", "message", "first", "second"),
    [
        ("parent", "whats the difference between a 3 and a 2", "A 2 means", "A 3 means"),
        ("student", "is developing better than beginning?", "A 1 means", "A 2 means"),
        ("parent", "¿qué diferencia hay entre un 2 y un 3?", "Un 2 significa", "Un 3 significa"),
    ],
)
def test_two_levels_compared_are_each_named_and_explained_in_order(
    fake_engine: ChatEngine, role: Role, message: str, first: str, second: str
) -> None:
    answer = ask(fake_engine, message, role)
    paragraphs = answer.text.split("\n\n")
    assert paragraphs[0].startswith(first) and paragraphs[1].startswith(second), answer.text
    assert len(answer.citations) == 2 and all(
        c.source.startswith("guides/") and c.snippet in answer.text for c in answer.citations
    ), answer.citations


def test_how_to_explain_two_levels_is_not_answered_as_a_comparison(
    fake_engine: ChatEngine,
) -> None:
    answer = ask(fake_engine, "proficient vs advanced, how do I explain it to families", "teacher")
    assert not answer.text.startswith("A 3 means"), answer.text


@pytest.mark.parametrize(
    ("message", "language"),
    [("cuál es mi siguiente paso", "es"), ("what's the next ratio thing i should do", "en")],
)
def test_a_common_word_in_a_next_steps_question_does_not_pick_one_competency(
    fake_engine: ChatEngine, fake_school: Assistant, message: str, language: str
) -> None:
    """ "paso" is in one competency's title and "ratio" in many: neither narrows the steps."""
    answer = ask(fake_engine, message, "student", STUDENT)
    assert [str(step["code"]) for step in answer.steps] == recommended(
        fake_school, STUDENT, "L001"
    ), answer.text


def test_my_kids_in_the_plural_covers_every_child(fake_engine: ChatEngine) -> None:
    answer = ask(fake_engine, "how are my kids doing", "parent", "par.010")
    assert answer.text.startswith("Lucas: ") and "\nTariq: " in answer.text, answer.text


def test_a_teacher_can_name_a_learner_by_id(
    fake_engine: ChatEngine, fake_school: Assistant
) -> None:
    answer = ask(fake_engine, "how is L006 doing", "teacher", TEACHER)
    name = next(
        r.name for r in fake_school.chat_learners.visible_learners(TEACHER) if r.id == "L006"
    )
    assert name in answer.text and answer.intent == "progress", answer.text


@pytest.mark.parametrize(
    "message",
    [
        "me ayudas con mi tarea de historia sobre los aztecas",
        "cual es la capital de francia? es pa la tarea de sociales",
        "cual es el mejor celular para un niño de 12 años",
        "best laptop for a 6th grader?",
    ],
)
def test_other_subjects_homework_and_gadgets_are_out_of_scope(
    fake_engine: ChatEngine, message: str
) -> None:
    answer = ask(fake_engine, message, "parent")
    assert answer.abstained and not answer.citations, answer.text


def test_an_exit_check_asked_by_topic_is_the_one_of_the_competency_titled_so(
    fake_engine: ChatEngine, fake_school: Assistant
) -> None:
    entry = fake_school.catalog.lookup("M.6.RP.2")  # "Understand unit rates"
    assert entry is not None
    activity = next(a for a in fake_school.catalog.activities(entry.identifier) if a.exit_check)
    answer = ask(fake_engine, "what's a good exit ticket for unit rates", "teacher")
    assert "(M.6.RP.2)" in answer.text.split(":")[0] and activity.exit_check in answer.text


def test_a_question_naming_a_competency_is_never_declined(fake_engine: ChatEngine) -> None:
    answer = ask(
        fake_engine, "kid keeps getting 2s on M.6.RP.4 — what intervention should i try", "teacher"
    )
    assert not answer.abstained and "M.6.RP.4" in answer.text
    assert any(c.code == "M.6.RP.4" for c in answer.citations)


@pytest.mark.parametrize(
    ("role", "message", "opening"),
    [
        ("student", "is a 2 bad? i got one AGAIN", "That sounds frustrating"),
        ("student", "que significa que tengo 1 en una habilidad, soy malo?", "Entiendo que es"),
        ("parent", "should i be worried about a 2", "That is an understandable worry."),
    ],
)
def test_distress_is_acknowledged_in_one_line_before_the_answer(
    fake_engine: ChatEngine, role: Role, message: str, opening: str
) -> None:
    answer = ask(fake_engine, message, role)
    assert answer.text.startswith(opening), answer.text
    assert len(answer.text.split(".")[0]) < 60  # one short line, then the answer


def test_no_acknowledgement_without_distress_or_for_teachers(fake_engine: ChatEngine) -> None:
    assert ask(fake_engine, "what does a 2 mean", "parent").text.startswith("A 2 means")
    teacher = ask(fake_engine, "so many kids are failing M.6.RP.4, worried", "teacher")
    assert not teacher.text.startswith(("That sounds", "That is an"))


def test_a_spanish_question_about_what_a_level_means_is_answered_from_the_scale(
    fake_engine: ChatEngine,
) -> None:
    answer = ask(fake_engine, "que significa que tengo 1 en una habilidad?", "student")
    assert answer.intent == "explain_level" and answer.text.startswith("Un 1 significa Inicial")


def test_asking_for_a_homework_answer_is_declined_and_a_fraction_is_no_level(
    fake_engine: ChatEngine,
) -> None:
    answer = ask(fake_engine, "can u just tell me the answer to 3/4 divided by 1/2", "student")
    assert answer.abstained and "means" not in answer.text


@pytest.mark.parametrize(
    ("message", "language", "says"),
    [
        ("can u just do problems 1-10 on my worksheet for me", "en", "I can't do the work"),
        ("hazme la tarea de razones porfa", "es", "No puedo hacer el trabajo"),
    ],
)
def test_asking_waypoint_to_do_the_work_is_declined_with_what_it_can_do_instead(
    fake_engine: ChatEngine, message: str, language: str, says: str
) -> None:
    answer = fake_engine.ask(
        message, AskContext(role="student", user_id=STUDENT, language=language)
    )
    assert answer.abstained and answer.intent == "out_of_scope" and not answer.citations
    assert answer.text.startswith(says), answer.text


@pytest.mark.parametrize(
    ("message", "opening"),
    [
        ("am i behind everyone else", "So far you have "),
        ("voy atrasada?? mis amigas ya van mas adelante", "Hasta ahora tienes "),
    ],
)
def test_a_student_asking_if_they_are_behind_gets_where_they_are_then_pace(
    fake_engine: ChatEngine, fake_school: Assistant, message: str, opening: str
) -> None:
    answer = ask(fake_engine, message, "student", STUDENT)
    mastered, _below = mastered_and_below(fake_school, STUDENT, "L001")
    assert answer.text.startswith(f"{opening}{mastered} "), answer.text


def test_what_do_i_do_now_in_spanish_gives_a_students_next_steps(
    fake_engine: ChatEngine, fake_school: Assistant
) -> None:
    answer = ask(fake_engine, "que tengo que hacer ahora", "student", STUDENT)
    assert [str(s["code"]) for s in answer.steps] == recommended(fake_school, STUDENT, "L001")


@pytest.mark.parametrize(("role", "other"), [("parent", "students"), ("student", "parents")])
def test_a_level_is_explained_from_the_askers_own_guides(
    fake_engine: ChatEngine, role: Role, other: str
) -> None:
    answer = ask(fake_engine, "what does a 3 mean", role)
    assert not any(c.source.startswith(f"guides/{other}/") for c in answer.citations), (
        answer.citations
    )


def test_a_teachers_level_question_on_a_competency_gives_both_levels_descriptors_first(
    fake_engine: ChatEngine, fake_school: Assistant
) -> None:
    """ "Kids at 2 on X, what do they need to show to get a 3": X's own descriptors of the level
    aimed at and the one they are at, before any guide, and no family guide's "your child"."""
    answer = ask(
        fake_engine, "kids at 2 on M.6.EE.8, what do they need to show to get a 3?", "teacher"
    )
    catalog = fake_school.catalog
    entry = catalog.lookup("M.6.EE.8")
    assert entry is not None
    scale = catalog.scale(entry.identifier)
    three, two = scale.level_at(3.0).description, scale.level_at(2.0).description
    paragraphs = answer.text.split("\n\n")
    assert paragraphs[0].startswith("A 3 means Proficient"), answer.text
    assert three in paragraphs[1] and two in paragraphs[2], answer.text
    assert "your child" not in answer.text.lower()


def readiness_rows(school: Assistant, user: str, learner: str, code: str) -> dict[str, bool]:
    """Each direct prerequisite of `code`: whether the learner is at the bar on it."""
    catalog = school.catalog
    entry = catalog.lookup(code)
    assert entry is not None
    view = school.chat_learners.next_steps(user, learner, 1, with_levels=True)
    levels = {row[0]: row[2] for row in view.levels}
    rows = {}
    for identifier in catalog.prerequisites(entry.identifier):
        prerequisite = catalog.entry(identifier)
        level = levels.get(prerequisite.code)
        rows[prerequisite.code] = level is not None and catalog.scale(identifier).is_proficient(
            level
        )
    return rows


@pytest.mark.parametrize(
    ("role", "user", "message", "learner", "name"),
    [
        ("student", STUDENT, "am I ready for M.7.RP.1?", "L001", "you need"),
        ("parent", PARENT, "what does Maya need before M.7.RP.1?", "L001", "Maya needs"),
        (
            "teacher",
            TEACHER,
            "what does Maya Lindgren need before she can do M.7.RP.3",
            "L001",
            "Maya needs",
        ),
    ],
)
def test_what_a_learner_needs_before_a_competency_lists_its_prerequisites_with_their_levels(
    fake_engine: ChatEngine,
    fake_school: Assistant,
    role: Role,
    user: str,
    message: str,
    learner: str,
    name: str,
) -> None:
    answer = ask(fake_engine, message, role, user)
    code = re.findall(r"M\.\d\.RP\.\d", message)[0]
    rows = readiness_rows(fake_school, user, learner, code)
    assert rows, "the competency asked about has prerequisites"
    lines = answer.text.splitlines()
    assert f"({code}) builds on" in lines[0] and name in lines[0], answer.text
    for prerequisite, met in rows.items():
        line = next(line for line in lines if f"({prerequisite})" in line and line.startswith("-"))
        assert line.endswith(", done.") == met, line
    assert answer.citations[0].code == code
    assert ("ready to start" in answer.text) == all(rows.values())


def mastered_and_below(school: Assistant, user: str, learner: str) -> tuple[int, int]:
    view = school.chat_learners.next_steps(user, learner, 1, with_levels=True)
    catalog, mastered, below = school.catalog, 0, 0
    for code, _title, level, _label in view.levels:
        entry = catalog.lookup(code)
        assert entry is not None
        if catalog.scale(entry.identifier).is_proficient(level):
            mastered += 1
        else:
            below += 1
    return mastered, below


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("which of my two kids needs more help right now", "en"),
        ("¿cuál de mis hijos necesita más ayuda?", "es"),
    ],
)
def test_a_parent_asking_about_all_their_children_gets_each_in_a_line_and_who_needs_more(
    fake_engine: ChatEngine, fake_school: Assistant, message: str, language: str
) -> None:
    parent = "par.010"  # two children in the demo school
    children = fake_school.chat_learners.own_learners(parent)
    assert len(children) == 2
    answer = ask(fake_engine, message, "parent", parent)
    lines = answer.text.splitlines()
    shares = {}
    for child, line in zip(children, lines, strict=False):
        mastered, below = mastered_and_below(fake_school, parent, child.id)
        first = child.name.split()[0]
        assert line.startswith(f"{first}: {mastered} "), answer.text
        assert f", {below} " in line, line
        shares[first] = below / (mastered + below)
    neediest = max(shares, key=lambda name: shares[name])
    assert lines[-1].startswith(neediest), answer.text
    others = everyone(fake_school) - {child.name for child in children}
    assert not any(name in answer.text for name in others)


def test_is_my_child_ahead_gives_where_the_child_is_then_the_guides_on_pace(
    fake_engine: ChatEngine, fake_school: Assistant
) -> None:
    answer = ask(fake_engine, "is Maya ahead of her class?", "parent", PARENT)
    mastered, below = mastered_and_below(fake_school, PARENT, "L001")
    first, *rest = answer.text.split("\n\n")
    assert first.startswith(f"Maya: {mastered} ") and f", {below} " in first, answer.text
    assert rest and any(c.source.startswith("guides/") for c in answer.citations), answer.text
    others = everyone(fake_school) - {"Maya Lindgren"}
    assert not any(name in answer.text for name in others)  # no other child's data


@pytest.mark.parametrize(
    ("message", "wanted"),
    [
        ("all the 6th grade expressions & equations standards pls", r"M\.6\.EE\.\d"),
        ("list the M.7.RP skills", r"M\.7\.RP\.\d"),
        ("which skills are in grade 8 functions?", r"M\.8\.F\.\d"),
        ("list all the collaboration skills", r"H\.CL\.[AB]\.\d"),
    ],
)
def test_a_request_for_a_list_of_competencies_lists_exactly_those_from_the_framework(
    fake_engine: ChatEngine, fake_school: Assistant, message: str, wanted: str
) -> None:
    answer = ask(fake_engine, message, "teacher")
    expected = [e.code for e in fake_school.catalog.assessable() if re.fullmatch(wanted, e.code)]
    shown = re.findall(r"^- (\S+) ", answer.text, re.M)
    assert shown == expected, answer.text
    assert [c.code for c in answer.citations] == expected


@pytest.mark.parametrize(
    "message", ["exit ticket for M.6.RP.3 pls", "ticket out the door, M.6.RP.3"]
)
def test_an_exit_check_on_a_competency_is_the_one_its_mini_lesson_ends_with(
    fake_engine: ChatEngine, fake_school: Assistant, message: str
) -> None:
    entry = fake_school.catalog.lookup("M.6.RP.3")
    assert entry is not None
    activity = next(a for a in fake_school.catalog.activities(entry.identifier) if a.exit_check)
    answer = ask(fake_engine, message, "teacher")
    assert answer.text.startswith("Exit check for ") and activity.exit_check in answer.text
    assert answer.citations[0].source == activity.path
    assert answer.citations[0].section == activity.section


@pytest.mark.parametrize(
    ("message", "language"), [("what is M.6.RP.2?", "en"), ("¿qué es M.6.RP.2?", "es")]
)
def test_a_code_is_answered_from_the_framework_with_what_it_builds_on_and_leads_to(
    fake_engine: ChatEngine, fake_school: Assistant, message: str, language: str
) -> None:
    answer = ask(fake_engine, message, "student")
    assert answer.intent == "explain_competency" and answer.language == language
    assert answer.text.startswith("M.6.RP.2"), answer.text
    assert answer.citations[0].code == "M.6.RP.2"
    catalog = fake_school.catalog
    entry = catalog.lookup("M.6.RP.2")
    assert entry is not None
    linked = [*catalog.prerequisites(entry.identifier), *catalog.dependents(entry.identifier)]
    assert linked
    for identifier in linked:
        assert catalog.entry(identifier).code in answer.text
    assert (entry.item.statement in answer.text) == (language == "en")


# follow-ups ------------------------------------------------------------------------------------
def test_why_and_the_next_one_follow_the_steps(fake_engine: ChatEngine) -> None:
    conversation = fake_engine.new_conversation()
    steps = ask(fake_engine, "what should I work on next?", "student", STUDENT, conversation)
    why = ask(fake_engine, "why?", "student", STUDENT, conversation)
    assert why.steps[0]["code"] == steps.steps[0]["code"]
    assert str(steps.steps[0]["reason"]) in why.text
    following = ask(fake_engine, "what about the next one?", "student", STUDENT, conversation)
    assert following.steps[0]["code"] == steps.steps[1]["code"]


@pytest.mark.parametrize("message", ["explain that to my mom", "explain it to my dad"])
def test_explain_that_to_my_mom_after_steps_tells_a_parent_how_to_help_at_home(
    fake_engine: ChatEngine, message: str
) -> None:
    conversation = fake_engine.new_conversation()
    steps = ask(fake_engine, "what should I work on next?", "student", STUDENT, conversation)
    parent = ask(fake_engine, message, "student", STUDENT, conversation)
    assert parent.text != steps.text
    assert parent.citations
    assert all("parent" in (c.section or "").lower() for c in parent.citations)
    assert str(steps.steps[0]["code"]) in parent.text


def test_explain_that_to_my_parent_retells_a_general_answer_from_other_sections(
    fake_engine: ChatEngine,
) -> None:
    conversation = fake_engine.new_conversation()
    first = ask(fake_engine, "what does proficient mean?", "student", None, conversation)
    again = ask(fake_engine, "explain that to my parent", "student", None, conversation)
    assert again.intent == first.intent == "explain_level"
    assert again.text != first.text
    assert again.citations
    assert not any(c.source.startswith("guides/students/") for c in again.citations)
    shown = {(c.source, c.section) for c in first.citations}
    assert not shown & {(c.source, c.section) for c in again.citations}


def test_tell_me_more_goes_on_from_the_last_answer(fake_engine: ChatEngine) -> None:
    conversation = fake_engine.new_conversation()
    first = ask(fake_engine, "what is competency based education?", "parent", None, conversation)
    more = ask(fake_engine, "tell me more", "parent", None, conversation)
    assert more.intent == first.intent
    assert len(more.text.split()) > len(first.text.split())
    assert more.text.startswith(first.text.split(" [")[0][:80])


def test_an_answer_never_ends_on_a_lead_in_whose_list_was_left_out(
    fake_engine: ChatEngine,
) -> None:
    """The opening chunk of "What flexible grouping means…" ends with "Good flexible groups
    share four features:" (the list is in the next chunk): the answer must not end there."""
    conversation = fake_engine.new_conversation()
    for message in ("what is flexible grouping?", "tell me more"):
        answer = ask(fake_engine, message, "teacher", None, conversation)
        assert answer.citations, answer.text
        assert not re.search(r":\s*\[\d+\]\s*$", answer.text), answer.text


# refusals and a broken index ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("what's the weather tomorrow?", "won't guess"),
        ("who won the football game last night?", "won't guess"),
        ("write my essay on the civil war", "won't guess"),
        ("¿cuál es la capital de Mongolia?", "no adivinar"),
        ("cuéntame un chiste", "no adivinar"),
    ],
)
def test_out_of_scope_questions_are_declined_without_sources(
    fake_engine: ChatEngine, message: str, words: str
) -> None:
    answer = ask(fake_engine, message, "student", STUDENT)
    assert answer.abstained and answer.intent == "out_of_scope"
    assert answer.citations == () and answer.steps == ()
    assert words in answer.text


def test_with_the_vector_store_down_the_guides_still_answer_by_keywords_and_say_so(
    fake_engine: ChatEngine, fake_retriever: FakeRetriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fake_retriever, "vector_store_down", True)
    answer = ask(fake_engine, "what is competency based education?", "parent")
    assert not answer.abstained and answer.citations
    assert answer.notice is not None and "keyword search" in answer.notice
    monkeypatch.undo()
    assert ask(fake_engine, "what is competency based education?", "parent").notice is None


@pytest.mark.parametrize(
    ("message", "lead"),
    [
        ("what does a 3 mean on maya's report?", "A 3 means Proficient"),
        ("¿qué significa el 2 que sacó Maya?", "Un 2 significa En desarrollo"),
    ],
)
def test_what_a_level_means_is_the_scale_even_when_a_parent_names_their_child(
    fake_engine: ChatEngine, message: str, lead: str
) -> None:
    answer = ask(fake_engine, message, "parent", PARENT)
    assert answer.intent == "explain_level", answer.text
    assert answer.text.startswith(lead), answer.text
    assert "Lindgren" not in answer.text and not answer.steps


# the school's figures (issue 19) ---------------------------------------------------------------
def test_a_teacher_sees_only_their_classes_least_responsive_first(
    fake_engine: ChatEngine, fake_school: Assistant
) -> None:
    answer = ask(
        fake_engine, "which of my classes are least responsive this month?", "teacher", TEACHER
    )
    assert answer.text.startswith("Least responsive first"), answer.text
    rows = [line for line in answer.text.splitlines() if line.startswith("- ")]
    assert [row.split()[1] for row in rows] and {row.split()[1] for row in rows} <= {"6A", "6B"}
    assert "Off target:" in answer.text and answer.citations
    assert not everyone(fake_school) & set(re.findall(r"[A-Z][a-z]+ [A-Z][a-z]+", answer.text))


def test_a_leader_sees_every_class_and_spanish_is_spanish(fake_engine: ChatEngine) -> None:
    answer = ask(fake_engine, "¿qué clases responden menos este mes?", "leader", "lead.ramos")
    assert answer.language == "es" and answer.text.startswith("Primero las que menos responden")
    rows = [line.split()[1] for line in answer.text.splitlines() if line.startswith("- ")]
    assert {"6A", "6B", "7A"} <= set(rows)


def test_what_worked_is_a_comparison_never_a_cause(fake_engine: ChatEngine) -> None:
    answer = ask(fake_engine, "what worked for learners stuck on M.6.RP.4?", "leader", "lead.ramos")
    assert answer.text.startswith("What was recorded for M.6.RP.4"), answer.text
    if "reached Proficient" in answer.text:
        assert "not proof that an activity caused" in answer.text


def test_students_and_parents_never_get_the_schools_figures(fake_engine: ChatEngine) -> None:
    for role, user in (("student", STUDENT), ("parent", PARENT)):
        answer = ask(fake_engine, "which classes are least responsive this month?", role, user)
        assert "Least responsive first" not in answer.text and "6B" not in answer.text


def test_a_heading_that_names_the_topic_holds_at_a_lower_similarity(
    fake_engine: ChatEngine,
) -> None:
    """A terse question ("rotation stations for 6B tmrw, how many and how long") matches the
    text of "Logistics: rotation stations and the workshop model" at about 0.34 with MiniLM,
    under the 0.35 a section needs; its heading names the topic word for word, so it answers."""
    citation = Citation(
        "guides/teachers/flexible-grouping.en.md", "Grouping", "Logistics", None, ""
    )
    context = AskContext(role="teacher")
    named = Composed(("Three or four stations. [1]",), (citation,), 0.34, named=True)
    unnamed = Composed(("Three or four stations. [1]",), (citation,), 0.34)
    faint = Composed(("Three or four stations. [1]",), (citation,), 0.2, named=True)
    assert not fake_engine._composed("explain_cbe", named, [], context, None).abstained
    assert fake_engine._composed("explain_cbe", unnamed, [], context, None).abstained
    assert fake_engine._composed("explain_cbe", faint, [], context, None).abstained


def test_a_teacher_asking_what_to_do_gets_who_needs_it_then_how_to_teach_it(
    fake_engine: ChatEngine,
) -> None:
    answer = ask(fake_engine, "mini-lesson ideas for M.6.RP.2 in 6A", "teacher", TEACHER)
    first, *rest = answer.text.splitlines()
    assert first.startswith("M.6.RP.2") and "6A" in first  # the class's data first
    assert rest, answer.text
    guide = [c for c in answer.citations if c.source.startswith("guides/teachers/")]
    assert guide and "M.6.RP.2" in (guide[0].section or ""), answer.citations


def test_a_class_answer_on_one_competency_counts_who_has_no_evidence_on_it(
    fake_engine: ChatEngine, fake_school: Assistant
) -> None:
    """ "Everyone with evidence is at 3" is not "everyone": the learners without any are
    counted, so 1 of 20 reaching it does not read as a contradiction."""
    answer = ask(fake_engine, "which of my 6B students are stuck on M.6.RP.6", "teacher", TEACHER)
    first = answer.text.splitlines()[0]
    assert first.startswith("M.6.RP.6") and "6B" in first, answer.text
    report = fake_school.class_reports.for_class(fake_school.access.viewer(TEACHER), "6B")
    column = report.competencies.index("M.6.RP.6")
    unseen = sum(1 for row in report.matrix if row.levels[column] is None)
    assert unseen > 0
    assert f"{unseen} have no evidence on it yet" in first, answer.text


def test_a_class_answer_in_spanish_is_spanish_throughout(fake_engine: ChatEngine) -> None:
    """Headings, the competency titles, the counts and the date: the class's own data in the
    asker's language (the teachers' guides an activity comes from are English-only)."""
    context = AskContext(role="teacher", user_id=TEACHER, language="es")
    answer = fake_engine.ask("¿quiénes están atascados en 6A?", context)
    assert answer.intent == "class_report" and answer.text.startswith("Atascados en 6A"), (
        answer.text
    )
    first = answer.text.splitlines()[1]
    assert re.search(r"\d+ de \d+ estudiantes", first), answer.text
    assert "learners" not in answer.text and " of " not in first, answer.text
    assert not re.search(
        r"\((\d+) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\)", answer.text
    )
    tiers = fake_engine.ask("qué estudiantes de 6A necesitan intervención de nivel 2", context)
    assert tiers.text.startswith("Niveles de apoyo sugeridos en 6A"), tiers.text
