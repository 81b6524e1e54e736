"""Mine or general: what a message is anchored to (the asker's own data, a learner or class
they may see, or nothing), and the intent that anchor and the classifier's intent settle on."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.chat.answers.levels import ENOUGH_FOR, MEANS, TIER_WORDS, level_asked
from assistant.chat.answers.readiness import asks_readiness
from assistant.chat.learner_data import LearnerAccessError, LearnerData
from assistant.chat.memory import Conversation
from assistant.chat.names import named_learner
from assistant.chat.routing import (
    DATA_WORDS,
    Anchor,
    class_in,
    names_someone_else,
    points_back,
    route,
)
from assistant.chat.types import AskContext, Intent
from assistant.frameworks.codes import codes_in

WHAT_NEXT = re.compile(
    r"next|work(ing)? on|focus|give (him|her|them)|siguiente|trabaj|enfoc|practic|repas"
    r"|\b(start|begin|tackle|learn)\b|\b(empiezo|comienzo|sigo)\b",
    re.I,
)
LEARNER_INTENTS: tuple[Intent, ...] = ("next_steps", "progress")
# What to ask the teacher ("what should I ask Mateo's teacher at the conference"): the guides'
# questions answer, even when a child is named.
ASK_THE_TEACHER = re.compile(
    r"\b(what|which) (questions? )?(should|can|could|do) (i|we) ask\b|\bquestions? (to|i should) "
    r"ask\b|\bqu[eé] (le )?(debo|puedo|podemos|deber[ií]a) preguntar\b|\bqu[eé] preguntas?\b",
    re.I,
)
LEVEL_NAME = re.compile(
    r"\b(beginning|developing|proficient|advanced|inicial|en desarrollo|competente|avanzado)\b",
    re.I,
)
# A teacher asking for one of their learners' steps without saying whose.
STAFF_ASKS = re.compile(r"\bnext( steps?)?\b|\bwork on\b|\bhow is\b.{0,30}\bdoing\b", re.I)
# A question about learners in general ("a student who…"), not about one of the asker's.
ANY_LEARNER = re.compile(
    r"\b(a|any|every|each|some) (student|learner|kid|child)\b|\b(students|learners|kids) who\b"
    r"|\bun (estudiante|alumno)\b",
    re.I,
)


def anchor_of(
    text: str,
    context: AskContext,
    memory: Conversation,
    learners_of: Callable[[], LearnerData] | None,
) -> Anchor:
    """What the message is anchored to: the asker's own data, a learner or class they may
    see, or nothing (general knowledge)."""
    if learners_of is None or (context.user_id is None and context.role != "admin"):
        return Anchor("general")  # nobody signed in: general answers only
    if context.learner_id and (DATA_WORDS.search(text) or points_back(text)):
        return Anchor("own_data")  # the app or --learner chose whom it is about
    learners = learners_of()
    try:
        if context.role in ("teacher", "admin"):
            classes = [c for c, _ in learners.classes(context.user_id)]
            named = named_learner(text, learners.names_to_hide(context.user_id))
            found = route(text, context.role, named=named, class_id=class_in(text, classes))
            if found.route == "class" and found.class_id is None:
                in_focus = context.class_id or class_focus(memory)
                if in_focus is None and len(classes) == 1:
                    in_focus = classes[0]
                return Anchor("class", class_id=in_focus)
            return found
        own = learners.own_learners(context.user_id)
    except LearnerAccessError:
        return route(text, context.role)
    stranger = context.role == "parent" and names_someone_else(text, own)
    named = named_learner(text, own) if context.role == "parent" else None
    steps_shown = memory.last is not None and bool(memory.last.answer.steps)
    return route(text, context.role, named=named, steps_shown=steps_shown, stranger=stranger)


def routed(intent: Intent, text: str, anchor: Anchor, role: str, signed_in: bool) -> Intent:
    """Learner-data intents need an anchor; without one the guides answer (a teacher who
    asks for next steps without saying whose is asked which learner). An anchored question
    about one's own progress is a learner-data question whatever it resembled."""
    if anchor.stranger:
        return "progress"
    if role in ("parent", "student") and ASK_THE_TEACHER.search(text):
        return "explain_cbe"
    if intent == "explain_competency" and LEVEL_NAME.search(text):
        return "explain_level"
    if (
        intent in ("explain_cbe", "resources")
        and anchor.route == "general"
        and level_asked(text) is not None
        and (MEANS.search(text) or ENOUGH_FOR.search(text))
        and not TIER_WORDS.search(text)
    ):
        # "que significa que tengo 1", "what does it mean I got a 2", "is my inequality work
        # good enough for a 3"
        return "explain_level"
    if intent in LEARNER_INTENTS and anchor.route == "general":
        staff = role in ("teacher", "admin") and signed_in
        if staff and STAFF_ASKS.search(text) and not ANY_LEARNER.search(text):
            return intent
        return "explain_level" if level_asked(text) is not None else "explain_cbe"
    if anchor.route == "own_data" and asks_readiness(text) and codes_in(text):
        return "next_steps"  # "what does Theo need before M.7.RP.3": his prerequisites
    general = ("explain_cbe", "explain_level", "resources", "intervention", "out_of_scope")
    if anchor.route == "own_data" and level_asked(text) is not None and MEANS.search(text):
        return "explain_level"  # "what does a 3 mean on Maya's report": the scale, not data
    if anchor.route == "own_data" and intent in general:
        if WHAT_NEXT.search(text):
            return "next_steps"  # "what should we practice with Noah this week"
        if not anchor.by_name:
            return "progress"
    return intent


def class_focus(memory: Conversation) -> str | None:
    """The class the conversation was last about."""
    for turn in reversed(memory.turns):
        class_id = turn.answer.topic.get("class")
        if class_id:
            return str(class_id)
    return None
