"""What kind of reply a question wants: a definition, steps, a yes or no, a list, an example.
The kind decides how much of a section is kept and which sections suit it."""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["definition", "how_to", "yes_no", "list", "example", "comparison"]

LIST = re.compile(
    r"\b(what|which) (questions|signs|things|ways|tips|ideas|strategies|steps)\b"
    r"|\b(list|ideas|tips|ways to|questions (to|i should|should i)|signs)\b"
    r"|\bqu[eé] (preguntas|señales|ideas|cosas|maneras)\b|\bideas\b|\bconsejos\b",
    re.I,
)
EXAMPLE = re.compile(
    r"\b(examples?|exercises?|practice (problem|question|task)s?|exit (check|ticket)|tasks?|"
    r"problems? (to|i can) (try|do)|worksheet|quiz me|ejemplos?|ejercicios?|tarea|problemas|"
    r"(dame|ponme|quiero) (un|unos) problemas?|problemas? para (practicar|intentar|resolver)|"
    r"show me (an?|the|what)|(answer|work) looks? like)\b",
    re.I,
)
YES_NO = re.compile(
    r"^\W*(is|are|can|could|does|do|did|should|will|would|has|have|am|was|es|est[aá]|puede|"
    r"debo|debe|tiene|hay|significa que)\b",
    re.I,
)
HOW_TO = re.compile(r"\bhow (do|can|should|to|would|does)\b|\bc[oó]mo\b|\bwhat should i do\b", re.I)
COMPARISON = re.compile(r"\b(difference|vs\.?|versus|compared? (to|with)|diferencia)\b", re.I)
NEGATIVE_HEADING = re.compile(r"\b(not|isn'?t|aren'?t|no es|no son|no significa)\b", re.I)

KIND_WORDS: dict[Kind, tuple[str, ...]] = {
    "list": (r"questions", r"signs", r"ideas", r"tips", r"preguntas", r"señales"),
    "example": (r"try these", r"activity", r"exit", r"worked example", r"prueba", r"actividad"),
    "how_to": (r"how", r"steps", r"what to do", r"c[oó]mo", r"qu[eé] hacer"),
    "comparison": (r"differ", r"versus", r"not", r"diferencia"),
    "yes_no": (),
    "definition": (r"what", r"means?", r"at a glance", r"qu[eé] (es|significa)"),
}


def kind_of(question: str) -> Kind:
    if EXAMPLE.search(question):
        return "example"
    if LIST.search(question):
        return "list"
    if COMPARISON.search(question):
        return "comparison"
    if YES_NO.search(question.lstrip("¿¡ ")):
        return "yes_no"
    if HOW_TO.search(question):
        return "how_to"
    return "definition"


def heading_says_no(heading: str) -> bool:
    """A section titled with a negation ("Why a 2 is not a failing grade") answers a yes-no
    question on its subject with a no."""
    return bool(NEGATIVE_HEADING.search(heading))


# Bored, done early, finding the work too easy: the sections on being ahead answer, for a
# student ("if the work feels too easy") and a parent ("bored because they're ahead").
BORED = re.compile(
    r"\b(bored|boring|too easy|so easy|already know|aburr\w*|muy f[aá]cil|ya (me )?lo s[eé])\b",
    re.I,
)
AHEAD_HEADINGS: dict[str, tuple[str, ...]] = {
    "student": (r"too easy", r"muy f[aá]cil"),
    "parent": (r"\bahead\b", r"\bbored\b", r"adelantad", r"aburre"),
}
