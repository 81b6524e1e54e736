"""Mine or general: whether a message asks about the asker's own data (or a learner or class
they may see) or about how things work. Learner data needs an anchor in the message: first
person with progress words, a named learner, a class, or a follow-up on steps just shown.
Everything else is answered from the guides."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from assistant.chat.answers.overview import asks_all_children
from assistant.chat.learner_data import LearnerRef

Route = Literal["own_data", "class", "general"]

FIRST_PERSON = re.compile(
    r"\b(i|i'?m|im|me|my|mine|myself|yo|mi|mis|me|voy|estoy|tengo|debo|puedo|sigo|empiezo)\b",
    re.I,
)
CHILD = re.compile(
    r"\b(my|our)\s+(son|daughter|child|kid|boy|girl|kids|children|student)\b"
    r"|\b(mi|nuestr[oa])\s+(hij[oa]s?|niñ[oa]|chic[oa])\b|\b(he|she|him|her|él|ella)\b",
    re.I,
)
DATA_WORDS = re.compile(
    r"\bnext\b|\bwork(ing)? on\b|\blevels?\b|\bprogress\b|\bdoing\b|\bhow am i\b|\bscores?\b"
    r"|\bgrades?\b|\bmaster(ed|y)?\b.*\b(yet|so far|already)\b|\bready (for|to)\b"
    r"|\bbehind\b|\bahead\b"
    r"|\bwhere (am i|is (he|she))\b|\bfocus on\b|\bpractice next\b|\btackle\b"
    r"|\bsiguiente\b|\bnivel(es)?\b|\bprogreso\b|\bc[oó]mo (va|voy)\b|\bqu[eé] sigue\b"
    r"|\bpr[oó]ximos? pasos?\b|\batrasad[oa]\b|\badelantad[oa]\b|\btrabajar\b|\bestudiar ahora\b"
    r"|\bqu[eé] (tengo que|debo|puedo) hacer\b|\bqu[eé] hago ahora\b|\bwhat do i do now\b"
    r"|\b(which|what) (skill|competency|one|unit|topic)s? (should|do|can|could|shall) (i|we)"
    r" (start|do|learn|pick|begin|work|tackle)\b"
    r"|\bqu[eé] habilidad (sigo|empiezo|comienzo|debo|tengo que|puedo)\b",
    re.I,
)
CLASS_ID = re.compile(
    r"\b(?:class|clase|section|grupo)?\s*([0-9]{1,2}[A-Z]|[A-Z]{2,5}[0-9]{1,2})\b"
)
MY_CLASS = re.compile(
    r"\bmy (class(es)?|students|kids|section|period|group|advisory|homeroom)\b"
    r"|\bmi(s)? (clase|estudiantes|alumnos)\b",
    re.I,
)
CLASS_NEED = re.compile(r"stuck|behind|struggl|group|doing|progress|atascad|atrasad|grupo", re.I)
CLASS_WORDS = re.compile(
    r"\bwho('?s| is| are)\b.{0,20}\b(stuck|behind|struggling|ready|ahead)\b"
    r"|\bqui[eé]n(es)? (est[aá]n?|va)\b.{0,20}\b(atascad|atrasad)"
    r"|\bgroup(s|ing)?\b.{0,30}\b(class|this week|tomorrow|tmrw|today|monday|students)\b"
    r"|\b(class|clase) (report|informe)\b|\bheat ?map\b"
    # "which kids in advisory need help with asking questions"
    r"|\bwhich (kids|students|learners)\b.{0,40}\b(need|stuck|behind|struggl|ready|ahead)"
    r"|\bqu[eé] (estudiantes|alumnos|chicos)\b.{0,40}\b(necesitan|atascad|atrasad|atorad)",
    re.I,
)
POINTS_BACK = re.compile(
    r"^\W*(why|how come|por ?qu[eé])\b|\b(it|that|this|those|these|them|the next one|"
    r"the other one|eso|esto|esa|ese|lo|la siguiente|el siguiente)\b",
    re.I,
)


@dataclass(frozen=True)
class Anchor:
    route: Route
    learner: LearnerRef | None = None
    class_id: str | None = None
    stranger: bool = False  # a parent named someone who is not their child
    # (students and parents) a learner is named but nothing asks about their data ("Maya has
    # an IEP, will that change her grades?"): a general question keeps its general answer
    by_name: bool = False


def class_in(message: str, classes: Sequence[str]) -> str | None:
    """A class id the message names, among the asker's classes (case-insensitive)."""
    known = {c.casefold(): c for c in classes}
    for match in CLASS_ID.finditer(message):
        found = known.get(match.group(1).casefold())
        if found:
            return found
    for class_id in classes:
        if re.search(rf"(?<![\w.]){re.escape(class_id)}(?![\w.])", message, re.I):
            return class_id
    return None


def asks_about_own_data(message: str, role: str) -> bool:
    """First person (or, for a parent, their child) together with progress words; a question
    about how things work is not about anyone's data."""
    if not DATA_WORDS.search(message) or HOW_IT_WORKS.search(message):
        return False
    if role == "parent":
        return bool(CHILD.search(message) or FIRST_PERSON.search(message))
    return bool(FIRST_PERSON.search(message))


# "How do teachers decide…", "why does the report…": how things work, not anyone's data.
HOW_IT_WORKS = re.compile(
    r"^\W*(how|why|when) (do|does|will|would|can|should) (the )?(teachers?|schools?|"
    r"levels?|grades?|reports?|reassessments?|you)\b|^\W*(c[oó]mo|por qu[eé]) "
    r"(saben|deciden|decide|funciona)",
    re.I,
)


def asks_about_class(message: str) -> bool:
    """ "Who is stuck", "group … this week", or "my class" with what it needs."""
    if CLASS_WORDS.search(message):
        return True
    return bool(MY_CLASS.search(message) and CLASS_NEED.search(message))


def points_back(message: str) -> bool:
    """The message refers to what was just said ("why?", "that", "the next one")."""
    return bool(POINTS_BACK.search(message))


def route(
    message: str,
    role: str,
    *,
    named: LearnerRef | None = None,
    class_id: str | None = None,
    steps_shown: bool = False,
    stranger: bool = False,
) -> Anchor:
    """Where a message should be answered from. `named`: a learner the asker may see whom the
    message names; `class_id`: a class of theirs it names; `stranger`: (parents) it names
    someone who is not their child."""
    if role in ("teacher", "admin"):
        if named is not None:  # "Sofia in 6A": the learner; the class only says which Sofia
            return Anchor("own_data", learner=named)
        if class_id is not None:
            return Anchor("class", class_id=class_id)
        if asks_about_class(message):
            return Anchor("class")
        return Anchor("general")
    if role == "parent" and stranger:
        return Anchor("own_data", stranger=True)
    if role == "parent" and asks_all_children(message):
        return Anchor("own_data")  # "which of my two kids needs more help"
    if asks_about_own_data(message, role):
        return Anchor("own_data", learner=named)
    if named is not None:  # "how is Maya doing" asks for data; "Maya has an IEP, will…" not
        return Anchor("own_data", learner=named, by_name=not DATA_WORDS.search(message))
    if steps_shown and points_back(message):
        return Anchor("own_data")
    return Anchor("general")


NAME_LIKE = re.compile(
    r"\b(?:is|are|for|about|of|does|did|should|can|has|was|with|de|para|sobre|est[aá]|va)"
    r"\s+([A-ZÁÉÍÓÚÑ][a-záéíóúñ]{2,})\b|\b([A-ZÁÉÍÓÚÑ][a-záéíóúñ]{2,})'s\b"
)
NOT_NAMES = frozenset(
    {
        "Waypoint",
        "CBE",
        "Proficient",
        "Beginning",
        "Developing",
        "Advanced",
        "Competente",
        "Inicial",
        "Avanzado",
        "English",
        "Spanish",
        "Español",
        "Inglés",
        "Math",
        "Maths",
        "Mathematics",
        "Science",
        "Reading",
        "Writing",
        "Tier",
        "Ratios",
        "Ratio",
        "Unit",
        "Rates",
        "Expressions",
        "Equations",
        "Habits",
        "Level",
        "Levels",
    }
)


def names_someone_else(message: str, own: Sequence[LearnerRef]) -> bool:
    """A parent's message about someone's progress names a person who is none of their
    children ("How is Liam doing?", "Liam's level"): a capitalised name after a verb or
    preposition, or before 's, that is not a child's name or a known term."""
    if not DATA_WORDS.search(message):
        return False
    mine = {part.casefold() for ref in own for part in ref.name.split()}
    for match in NAME_LIKE.finditer(message):
        word = match.group(1) or match.group(2)
        if word in NOT_NAMES or word.casefold() in mine:
            continue
        return True
    return False
