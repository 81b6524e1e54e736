"""Mine or general: learner data only with an anchor in the message, per role, EN and ES."""

from __future__ import annotations

import pytest

from assistant.chat.answers.classes import STUCK
from assistant.chat.competency_focus import CLASS_TALK
from assistant.chat.learner_data import LearnerRef
from assistant.chat.routing import class_in, names_someone_else, points_back, route
from assistant.retrieval.lexical import tokens

MAYA = LearnerRef("L001", "Maya Lindgren")


@pytest.mark.parametrize(
    ("role", "message", "expected"),
    [
        ("student", "what should i work on next", "own_data"),
        ("student", "wat level am i on ratios", "own_data"),
        ("student", "¿qué debo estudiar ahora? ¿cuál es mi siguiente paso?", "own_data"),
        (
            "student",
            "finished the percent unit early, which skill do i start on monday",
            "own_data",
        ),
        ("student", "ya acabé, ¿qué habilidad sigo?", "own_data"),
        ("student", "how do i prove mastery", "general"),
        ("student", "how does reassessment work", "general"),
        ("student", "is a 2 bad??", "general"),
        ("student", "¿qué significa competente?", "general"),
        ("parent", "how is my daughter doing in math?", "own_data"),
        ("parent", "¿cómo va mi hijo?", "own_data"),
        ("parent", "what does a 3 mean on the report?", "general"),
        ("parent", "how do teachers decide mastery?", "general"),
        ("parent", "my son got a 2 in ratios, is he failing?", "general"),
        ("parent", "¿qué es la educación basada en competencias?", "general"),
        ("teacher", "who is stuck in my class?", "class"),
        ("teacher", "how should I group my students this week", "class"),
        ("teacher", "¿quiénes están atascados en mi clase?", "class"),
        ("teacher", "how do I write good evidence?", "general"),
        ("teacher", "what are the tiers in MTSS", "general"),
    ],
)
def test_mine_or_general(role: str, message: str, expected: str) -> None:
    assert route(message, role).route == expected


def test_a_named_learner_or_class_anchors_a_teacher() -> None:
    assert route("how is Maya doing", "teacher", named=MAYA).learner == MAYA
    found = route("what about 6B?", "teacher", class_id="6B")
    assert found.route == "class" and found.class_id == "6B"


def test_a_follow_up_on_shown_steps_is_about_them_only_when_it_points_back() -> None:
    assert route("why?", "student", steps_shown=True).route == "own_data"
    assert route("what does unit rate mean?", "student", steps_shown=True).route == "general"
    assert points_back("and the next one?") and not points_back("what is a unit rate")


def test_a_parent_naming_someone_else_is_a_stranger_question() -> None:
    assert names_someone_else("How is Liam doing?", [MAYA])
    assert names_someone_else("what is Liam's level in ratios", [MAYA])
    assert not names_someone_else("How is Maya doing?", [MAYA])
    assert not names_someone_else("How is my daughter doing in Ratios?", [MAYA])
    assert not names_someone_else("What does Proficient mean?", [MAYA])
    found = route("How is Liam doing?", "parent", stranger=True)
    assert found.route == "own_data" and found.stranger


def test_class_ids_are_found_among_the_askers_classes_only() -> None:
    assert class_in("who's stuck in 6a", ["6A", "6B"]) == "6A"
    assert class_in("grouping for 7A", ["6A", "6B"]) is None
    assert class_in("ADV6 groups please", ["ADV6"]) == "ADV6"


def test_naming_a_child_in_a_general_question_keeps_the_general_answer() -> None:
    """ "How can I help Maya at home, I'm not a math person": the guides answer; "what should
    we practice with Maya this week" or "how is Maya doing": her data does."""
    from assistant.chat.anchoring import routed

    general = route("How can I help Maya with unit rates at home?", "parent", named=MAYA)
    assert general.route == "own_data" and general.by_name and general.learner == MAYA
    assert (
        routed("resources", "How can I help Maya with unit rates at home?", general, "parent", True)
        == "resources"
    )
    practice = "what should we practice with Maya this week"
    assert (
        routed("resources", practice, route(practice, "parent", named=MAYA), "parent", True)
        == "next_steps"
    )
    doing = route("how is Maya doing?", "parent", named=MAYA)
    assert not doing.by_name
    assert routed("explain_cbe", "how is Maya doing?", doing, "parent", True) == "progress"


@pytest.mark.parametrize(
    "message",
    [
        "cual es la capital de francia? es pa la tarea de sociales",
        "what's the capital of peru",
        "can u just do problems 1-10 on my worksheet for me",
    ],
)
def test_another_subjects_homework_is_out_of_scope_by_rule(message: str) -> None:
    """The rules of prompts/intents.yaml, not the model's similarity, decline these."""
    from assistant.chat.intents import IntentClassifier, load_intent_spec
    from assistant.settings import Settings

    spec = load_intent_spec(Settings(profile="test").prompts_dir / "intents.yaml")
    classifier = IntentClassifier(spec, lambda texts: [[1.0] for _ in texts])
    decided = spec.decisive.get("out_of_scope", ())
    assert "out_of_scope" in classifier.rule_hits(message) or any(
        p.search(message) for p in decided
    )


@pytest.mark.parametrize(
    "question", ["quienes de mis alumnos de 6B estan atorados?", "¿hay alguien estancado en 6B?"]
)
def test_a_spanish_stuck_question_names_no_competency_and_asks_who_is_stuck(question: str) -> None:
    rest = CLASS_TALK.sub(" ", question.replace("6B", " "))
    assert len(tokens(rest)) < 2, rest  # nothing left to match a competency's title
    assert STUCK.search(question)
