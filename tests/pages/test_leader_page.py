"""The leader's page through AppTest, on the four scripted learners (database only: the
start-up preparation is held at "school ready", so no index or embedding model is loaded)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from assistant.container import Assistant
from assistant.learners.db import AuditRow
from tests.conftest import REPO
from tests.support_leaders import NAMES, leader_school
from tests.support_pages import served
from ui import state

APP = str(REPO / "ui" / "app.py")


@pytest.fixture
def school(tmp_path: Path) -> Iterator[Assistant]:
    built = leader_school(tmp_path)
    with served(built):
        yield built


def signed_in(built: Assistant, user_id: str, language: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[state.ACCOUNT] = built.directory.account(user_id, demo=True)
    at.session_state[state.LANGUAGE] = language
    at.run()
    assert not at.exception, at.exception
    return at


def school_page(built: Assistant, user_id: str, language: str = "en") -> AppTest:
    at = signed_in(built, user_id, language)
    at.switch_page("screens/leader.py").run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> str:
    parts = [str(m.value) for m in [*at.markdown, *at.caption, *at.title, *at.subheader]]
    parts += [f"{m.label}={m.value}" for m in at.metric]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    return "\n".join(parts)


def set_period(at: AppTest) -> AppTest:
    at.date_input(key="leader_from").set_value(date(2026, 10, 1)).run()
    at.date_input(key="leader_to").set_value(date(2026, 10, 30)).run()
    assert not at.exception, at.exception
    return at


def test_the_leader_sees_the_school_and_its_classes_with_definitions_and_no_names(
    school: Assistant,
) -> None:
    at = set_period(school_page(school, "lead"))
    text = shown(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Not ready for"] == "25%" and metrics["Already mastered"] == "8%"
    assert metrics["No evidence for 14+ days"] == "3" and metrics["Stuck"] == "1"
    assert metrics["Days to proficiency"] == "3.5" and metrics["Pace"] == "1"
    assert "median 3.5 (middle half 0–12), 4 reached" in text
    classes = at.dataframe[0].value
    assert list(classes["Class"]) == ["K1: Maths K1", "K2: Advisory K2"]
    assert list(classes["Evidence in the period"]) == [11, 1]
    for definition in ("was not ready", "already mastered", "14 days or more", "interquartile"):
        assert definition in text
    assert not any(name in text for name in NAMES.values())  # no learner until a class opens


def test_opening_a_class_shows_its_learners_and_audits_each(school: Assistant) -> None:
    at = set_period(school_page(school, "lead"))
    at.selectbox(key="leader_class").select("K1").run()
    assert not at.exception, at.exception
    learners = at.dataframe[-1].value
    assert list(learners["Learner"]) == [NAMES["A"], NAMES["B"], NAMES["C"]]
    assert list(learners["Stuck on (days)"]) == ["", "M.6.RP.4 (10)", ""]
    with school.learner_db.session() as session:
        viewed = set(
            session.scalars(
                select(AuditRow.learner_id).where(
                    AuditRow.user_id == "lead", AuditRow.learner_id.is_not(None)
                )
            )
        )
    assert viewed == {"A", "B", "C"}  # not Dev, who is not in K1


def test_the_page_speaks_spanish(school: Assistant) -> None:
    at = set_period(school_page(school, "lead", "es"))
    assert "Respuesta de la escuela" in shown(at)
    assert {m.label for m in at.metric} >= {"Sin preparación previa", "Ya dominada", "Ritmo"}


def test_an_admin_sees_the_same_page(school: Assistant) -> None:
    at = set_period(school_page(school, "adm"))
    assert {m.label: m.value for m in at.metric}["Not ready for"] == "25%"


@pytest.mark.parametrize("user", ["t1", "sA", "pA"])
def test_teachers_students_and_parents_cannot_open_the_page(school: Assistant, user: str) -> None:
    at = signed_in(school, user)
    with pytest.raises(ValueError):  # not among their pages
        at.switch_page("screens/leader.py")
