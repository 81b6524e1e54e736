"""Which learner a question names, among the learners the asker may see."""

from __future__ import annotations

import pytest

from assistant.chat.learner_data import LearnerRef
from assistant.chat.names import named_learner as _named

CLASS = [
    LearnerRef("L1", "Aisha Sato"),
    LearnerRef("L2", "Maya Lindgren"),
    LearnerRef("L3", "Maya Chen"),
]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How is Aisha doing?", "L1"),
        ("how is aisha doing", "L1"),
        ("What should Maya Lindgren work on next?", "L2"),
        ("How is Maya doing?", None),  # two Mayas: ask which
        ("How is Aisha Hernandez doing?", None),  # another Aisha, not the class's Aisha Sato
        ("How is Zorblax doing?", None),
        ("What should I work on next?", None),
    ],
)
def test_a_learner_is_named_only_when_unambiguous(question: str, expected: str | None) -> None:
    found = _named(question, CLASS)
    assert (found.id if found else None) == expected
