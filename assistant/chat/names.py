"""Which learner a message names, among the learners the asker may see."""

from __future__ import annotations

import re

from assistant.chat.learner_data import LearnerRef


def named_learner(question: str, visible: list[LearnerRef]) -> LearnerRef | None:
    """The one visible learner the question names (full name, or a first name only one of
    them has); None when it names none or several. Learners the asker may not see are never
    considered, so the reply to a hidden learner's name is the same as to a made-up one."""
    words = question.casefold()
    by_id = [
        r for r in visible if re.search(rf"(?<![\w.]){re.escape(r.id)}(?![\w.])", question, re.I)
    ]
    if len(by_id) == 1:
        return by_id[0]  # "how is L006 doing"
    full = [r for r in visible if r.name and r.name.casefold() in words]
    if len(full) == 1:
        return full[0]
    first = [r for r in visible if r.name and _first_name_alone(question, r.name.split()[0])]
    return first[0] if len(first) == 1 else None


def _first_name_alone(question: str, first: str) -> bool:
    """The first name appears as a word not followed by a capitalised word (another surname:
    "Aisha Hernandez" must not pick the class's Aisha Sato)."""
    pattern = rf"(?i:\b{re.escape(first)}\b)(?!\s+[A-ZÁÉÍÓÚÑ])"
    return re.search(pattern, question) is not None
