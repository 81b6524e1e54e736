"""The team parts of the leader and teacher pages through AppTest, on the scripted team
(tests/support_teams.py; database only, no index or embedding model)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.app.texts import load_ui_texts
from assistant.container import Assistant
from tests.conftest import REPO
from tests.support_pages import served
from tests.support_teams import END, START, team_school
from ui import state

APP = str(REPO / "ui" / "app.py")


@pytest.fixture
def school(tmp_path: Path) -> Iterator[Assistant]:
    built = team_school(tmp_path)
    with served(built):
        yield built


def page(built: Assistant, user: str, screen: str, language: str = "en") -> AppTest:
    """The screen; a teacher's class page with its groups tab open (only that tab is drawn)."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state[state.ACCOUNT] = built.directory.account(user, demo=True)
    at.session_state[state.LANGUAGE] = language
    at.session_state[state.TEACHER_TAB] = load_ui_texts(REPO / "prompts").t("groups", language)
    at.run()
    at.switch_page(screen).run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> str:
    parts = [str(m.value) for m in [*at.markdown, *at.caption, *at.title, *at.subheader]]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    return "\n".join(parts)


def test_the_leader_page_shows_what_worked_and_offers_the_review_pack(school: Assistant) -> None:
    at = page(school, "lead", "screens/leader.py")
    at.date_input(key="leader_from").set_value(START).run()
    at.date_input(key="leader_to").set_value(END).run()
    assert not at.exception, at.exception
    text = shown(at)
    assert "What worked" in text and "Quality review pack" in text
    assert "Double number line" in text and "1 of 1 reached Proficient, median 10 days" in text
    assert "not proof" in text  # said as a comparison
    assert not at.get("download_button")  # the pack is built only when asked for
    at.button(key="pack_build").click().run()
    assert not at.exception, at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert {"Download the pack (PDF)", "Download the pack (CSV)"} <= set(labels)


def test_a_teacher_sees_the_course_results_and_records_an_intervention(
    school: Assistant,
) -> None:
    at = page(school, "t2", "screens/teacher.py")
    text = shown(at)
    assert "Record a group meeting or an intervention" in text
    assert "Tape diagrams" in text  # K1's group, seen by K2's teacher (same course)
    assert "Quality review pack" not in text and "Equity" not in text
    at.radio(key="iv_kind_K2").set_value("intervention").run()
    code = at.selectbox(key="iv_code_K2").value
    at.multiselect(key=f"iv_learners_K2_intervention_{code}").set_value(["E", "F"]).run()
    at.text_input(key=f"iv_activity_K2_{code}").set_value("Ratio tables").run()
    at.date_input(key="iv_date_K2").set_value(date(2026, 10, 20)).run()
    at.button(key="iv_save_K2").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == [f"Recorded: Ratio tables on {code} with 2 learners."]
    found = school.interventions.recorded(school.access.viewer("t2"), "K2")
    assert (found[0].activity, found[0].learners) == ("Ratio tables", ("E", "F"))
    choice = at.selectbox(key="iv_go_to_K2")
    choice.set_value(choice.options.index("M.6.RP.4 · Tape diagrams")).run()
    at.button(key="iv_mark_K2").click().run()
    assert not at.exception, at.exception
    assert "Marked: Tape diagrams is the team's go-to for M.6.RP.4." in [
        s.value for s in at.success
    ]
