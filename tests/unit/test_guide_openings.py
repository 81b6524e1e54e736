"""A guide section's yes-no opening belongs to yes-no questions only."""

from __future__ import annotations

import pytest

from assistant.chat.answers.guides import fitted_opening
from assistant.chat.answers.kinds import kind_of

LEAD = "Not necessarily. In a competency-based school, children work on different skills."


@pytest.mark.parametrize(
    ("question", "kept"),
    [
        ("is my child behind?", True),
        ("how far behind is he now", False),
        ("why does my daughter work on other skills than her friends", False),
    ],
)
def test_a_yes_no_opening_is_kept_only_for_a_yes_no_question(question: str, kept: bool) -> None:
    text = fitted_opening(LEAD, kind_of(question))
    assert text.startswith("Not necessarily.") is kept
    assert text.endswith("children work on different skills.")


@pytest.mark.parametrize(
    "lead", ["No necesariamente. En una escuela basada en competencias…", "No. A 2 is not a D."]
)
def test_the_opening_goes_in_spanish_too_and_the_rest_stays_whole(lead: str) -> None:
    text = fitted_opening(lead, "how_to")
    assert lead.endswith(text) and text[0].isupper() and not text.startswith("No")
