"""The leader page's equity section through AppTest, on the demo school over the fakes: its
roster's `english_learner` column (21 yes, 43 no) and `iep` column (4 yes: too few to show)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from assistant.container import Assistant
from tests.conftest import REPO
from tests.support_pages import served
from ui import state

SCREEN = str(REPO / "ui" / "screens" / "leader.py")


@pytest.fixture(scope="module")
def school(fake_school: Assistant) -> Iterator[Assistant]:
    with served(fake_school):
        yield fake_school


def leader_page(school: Assistant, language: str = "en") -> AppTest:
    at = AppTest.from_file(SCREEN, default_timeout=60)
    at.session_state[state.ACCOUNT] = school.directory.account("lead.ramos", demo=True)
    at.session_state[state.LANGUAGE] = language
    at.run()
    assert not at.exception, at.exception
    return at


def text_of(at: AppTest) -> str:
    parts = [str(m.value) for m in [*at.markdown, *at.caption, *at.subheader, *at.info]]
    return "\n".join(parts)


def frames(at: AppTest) -> list[list[dict[str, object]]]:
    """The equity tables in order (one per attribute, sorted by name), as rows."""
    return [
        frame.value.to_dict("records")
        for frame in at.dataframe
        if {"Group", "Grupo"} & set(frame.value.columns)
    ]


def test_the_equity_section_shows_groups_gaps_flags_and_hides_small_groups(
    school: Assistant,
) -> None:
    at = leader_page(school)
    text = text_of(at)
    assert "Equity: the same figures by group" in text
    assert "**English learner**" in text and "**IEP**" in text
    english, iep = frames(at)
    no, yes = english
    assert (no["Group"], no["Learners"], yes["Group"], yes["Learners"]) == ("no", "43", "yes", "21")
    assert yes["Pace"] == "1.0 (gap -1.0; 90%: -2.0 to -1.0)"
    assert yes["Flagged"] == "Pace worse"
    # IEP: yes (4) is under 10, so no (60), the only other group, is hidden too
    assert [(row["Group"], row["Learners"]) for row in iep] == [
        ("no", "hidden"),
        ("yes", "fewer than 10"),
    ]
    assert all(row["Pace"] == "–" and row["Flagged"] == "" for row in iep)
    for definition in (
        "Wilson score intervals",
        "bootstrap percentile interval",
        "1000 resamples",
        "whole interval lies on the worse side",
        "fewer than 10 learners",
    ):
        assert definition in text, definition


def test_the_equity_section_speaks_spanish(school: Assistant) -> None:
    at = leader_page(school, "es")
    text = text_of(at)
    assert "Equidad: las mismas cifras por grupo" in text and "intervalos de Wilson" in text
    english, _ = frames(at)
    assert [row["Grupo"] for row in english] == ["no", "sí"]
    assert english[1]["Señalado"] == "Ritmo peor"
