"""The teacher's class page, the sign-in chrome and the session cookie through AppTest, on the
four scripted learners of tests/support_leaders.py (database only, no index or model: fast).

Class K1 holds Anna (proficient everywhere), Ben (M.6.RP.4 at 2 three times, no evidence on
M.6.RP.3) and Cleo (M.6.RP.1 raised to 3 by her teacher t1)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.app.learner_record import LearnerRecords
from assistant.app.sessions import SessionTokens
from assistant.container import Assistant
from assistant.learners.access import AccessDeniedError
from tests.conftest import REPO
from tests.support_leaders import NAMES, leader_school
from tests.support_pages import served
from ui import resources, session, state
from ui.views import teacher

APP = str(REPO / "ui" / "app.py")


@pytest.fixture
def school(tmp_path: Path) -> Iterator[Assistant]:
    built = leader_school(tmp_path)
    with served(built):
        yield built


def teacher_page(built: Assistant, tab: str = "Heat map") -> AppTest:
    """The class page with one tab open (only the open tab is drawn)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[state.ACCOUNT] = built.directory.account("t1", demo=True)
    at.session_state[state.TEACHER_TAB] = tab
    at.run()
    at.switch_page("screens/teacher.py").run()
    assert not at.exception, at.exception
    return at


def texts_of(at: AppTest) -> str:
    parts = [str(m.value) for m in [*at.markdown, *at.caption, *at.title, *at.subheader]]
    parts += [str(a.value) for a in [*at.success, *at.error, *at.info, *at.warning]]
    return "\n".join(parts)


# heat map ------------------------------------------------------------------------------------
def test_rows_come_most_need_first_and_cells_name_their_level(school: Assistant) -> None:
    report = school.class_reports.for_class(school.access.viewer("t1"), "K1")
    assert teacher.need_order(report) == ["B", "C", "A"]  # Ben has a level below proficient
    cells = teacher.heat_cells(report, school.catalog, resources.texts(), "en")
    ben = {c.code: c for c in cells if c.learner_id == "B"}
    assert (ben["M.6.RP.4"].band, ben["M.6.RP.4"].shown) == ("Developing", "2")
    assert (ben["M.6.RP.3"].band, ben["M.6.RP.3"].shown) == ("No evidence", "–")
    assert ben["M.6.RP.3"].title  # the competency's title, for the tooltip
    spanish = teacher.heat_cells(report, school.catalog, resources.texts(), "es")
    assert {c.band for c in spanish} >= {"En desarrollo", "Sin evidencias"}
    chart = teacher.heat_chart(
        cells,
        ["B", "C", "A"],
        {"A": "A", "B": "B", "C": "C"},
        ["No evidence", "Beginning", "Developing", "Proficient", "Advanced"],
        {},
    ).to_dict()
    colours = chart["layer"][0]["encoding"]["color"]["scale"]["range"]
    assert len(set(colours)) == 5  # four level colours and one for "no evidence"


def test_the_heat_map_page_opens_a_learner_s_evidence_on_a_competency(school: Assistant) -> None:
    at = teacher_page(school)
    text = texts_of(at)
    assert "3 learners · levels as of" in text and "scale" not in text.split("\n")[0]
    assert at.selectbox(key="heat_learner").options == [NAMES["B"], NAMES["C"], NAMES["A"]]
    at.selectbox(key="heat_learner").set_value("B")
    at.selectbox(key="heat_code").set_value("M.6.RP.4").run()
    assert not at.exception, at.exception
    assert "Evidence of Ben Baker on M.6.RP.4" in texts_of(at)
    evidence = at.dataframe[0].value
    assert list(evidence["Level"]) == ["2", "2", "2"] and set(evidence["Type"]) == {"classwork"}
    at.segmented_control(key="heat_sort").set_value("name").run()
    assert at.selectbox(key="heat_learner").options == [NAMES["A"], NAMES["B"], NAMES["C"]]


# names link to the learner -------------------------------------------------------------------
def _stuck_page() -> None:
    from types import SimpleNamespace

    from assistant.app.texts import load_ui_texts
    from tests.conftest import REPO
    from ui.views.teacher import _stuck

    item = SimpleNamespace(
        code="M.6.RP.4",
        title="Ratio tables",
        learners=("B", "C"),
        total=3,
        reteach=True,
        note="Two of three are stuck.",
    )
    row = SimpleNamespace
    report = SimpleNamespace(
        stuck=[item],
        matrix=[row(learner_id="B", name="Ben Baker"), row(learner_id="C", name="Cleo Cole")],
    )
    _stuck(report, load_ui_texts(REPO / "prompts"), "en")  # type: ignore[arg-type]


def test_the_stuck_tab_names_learners_and_a_name_opens_their_tab() -> None:
    at = AppTest.from_function(_stuck_page, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    names = [b.label for b in at.button]
    assert names == ["Ben Baker", "Cleo Cole"]  # names, never ids
    assert "2 of 3 learners · reteach to the class" in at.markdown[0].value
    at.button[1].click().run()
    assert at.session_state[state.TEACHER_LEARNER] == "C"
    assert at.session_state[state.TEACHER_TAB] == "Learner"


def test_tiers_come_by_tier_with_the_rule_and_the_decision_said_once(school: Assistant) -> None:
    at = teacher_page(school, "Tiers")
    text = texts_of(at)
    assert text.count("the teacher decides") == 1
    assert "Intensive: a gap reaching back" in text
    targeted, core = text.index("**Targeted support** (1)"), text.index("**Core teaching** (2)")
    assert targeted < core


# changing a level ----------------------------------------------------------------------------
def test_the_level_change_form_starts_empty_keeps_choices_and_shows_the_history(
    school: Assistant,
) -> None:
    at = teacher_page(school, "Learner")
    at.selectbox(key=state.TEACHER_LEARNER).set_value("B").run()
    code, level = at.selectbox(key="override_code"), at.selectbox(key="override_level")
    assert code.value is None and level.value is None  # nothing chosen for the teacher
    assert "3 – Proficient" in level.options
    mastered = next(m.value for m in at.metric if m.label.endswith("Mastered"))
    at.button(key="override_save").click().run()
    assert "Choose a competency and a level first." in texts_of(at)
    at.selectbox(key="override_code").set_value("M.6.RP.4").run()
    assert "**Level now:** 2 – Developing" in texts_of(at)  # and its evidence below
    assert "Evidence of Ben Baker on M.6.RP.4" in texts_of(at)
    at.selectbox(key="override_level").set_value(3.0)
    at.button(key="override_save").click().run()  # no reason: refused
    assert any("needs a reason" in e.value for e in at.error)
    assert at.selectbox(key="override_code").value == "M.6.RP.4"  # the choices are kept
    assert at.selectbox(key="override_level").value == 3.0
    at.text_area(key="override_reason").set_value("Explained it in a conference")
    at.button(key="override_save").click().run()
    assert not at.exception, at.exception
    assert any("Recorded: M.6.RP.4 is now level 3 for Ben Baker" in s.value for s in at.success)
    assert at.selectbox(key="override_code").value is None  # a fresh form
    after = next(m.value for m in at.metric if m.label.endswith("Mastered"))
    assert int(after) == int(mastered) + 1  # the counts are the new ones
    history = at.dataframe[-1].value
    assert list(history["Level"]) == ["3"]
    assert list(history["Reason (kept with the decision)"]) == ["Explained it in a conference"]


def test_a_learner_s_record_is_read_through_the_access_policy(school: Assistant) -> None:
    records = LearnerRecords(school.access, school.learner_db, school.catalog)
    decisions = records.decisions(school.access.viewer("t1"), "C")
    assert [(d.code, d.level, d.decided_by) for d in decisions] == [("M.6.RP.1", 3.0, "t1")]
    with pytest.raises(AccessDeniedError):
        records.evidence(school.access.viewer("sA"), "B", "M.6.RP.4")


# upload --------------------------------------------------------------------------------------
def test_the_upload_states_its_real_limit_offers_a_template_and_previews_rows(
    school: Assistant,
) -> None:
    at = teacher_page(school, "Upload evidence")
    assert "up to 10 MB" in texts_of(at)
    template = teacher.evidence_template(
        school.class_reports.for_class(school.access.viewer("t1"), "K1"), school.catalog
    )
    assert template.splitlines()[0].startswith("learner_id,competency,score,observed_at")
    csv = "learner_id,competency,score,observed_at\nA,M.6.RP.1,3,2026-11-02\nB,M.6.RP.4,2,x\n"
    at.file_uploader(key="evidence").set_value(("quiz.csv", csv.encode(), "text/csv")).run()
    assert not at.exception, at.exception
    assert "Preview: the first 2 of 2 rows" in texts_of(at)
    assert list(at.dataframe[-1].value["learner_id"]) == ["A", "B"]


# language and session ------------------------------------------------------------------------
def test_the_language_switch_is_in_the_sidebar_and_kept_for_the_session(school: Assistant) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()  # the sign-in page has it too
    at.sidebar.segmented_control(key=state.LANGUAGE_SWITCH).set_value("es").run()
    assert at.session_state[state.LANGUAGE] == "es"
    at.session_state[state.ACCOUNT] = school.directory.account("t1", demo=True)
    at.run()
    at.switch_page("screens/teacher.py").run()
    assert not at.exception, at.exception
    assert [t.label for t in at.tabs][:2] == ["Mapa de calor", "Estancados"]
    assert "Sesión de Tess One (docente)" in "\n".join(m.value for m in at.sidebar.markdown)
    at.sidebar.button(key="sign_out").click().run()
    assert state.ACCOUNT not in at.session_state
    assert at.session_state[state.LANGUAGE] == "es"  # the language outlives the sign-out


def test_a_session_token_is_good_once_and_only_as_a_session_token(school: Assistant) -> None:
    tokens = SessionTokens(school.lti.handoffs, school.directory)
    first = tokens.issue(school.directory.account("t1"), "K1")
    restored = tokens.exchange(first)
    assert restored is not None
    assert (restored.account.user_id, restored.class_id) == ("t1", "K1")
    assert tokens.exchange(first) is None  # spent
    launch = school.lti.handoffs.issue("t1", "K1")
    assert tokens.exchange(launch) is None  # a launch's token is not a session's
    assert school.lti.handoffs.redeem(restored.token) is None  # nor the other way round
    tokens.revoke(restored.token)
    assert tokens.exchange(restored.token) is None  # signed out
    assert tokens.exchange(first[:-4] + "AAAA") is None  # forged


def test_a_new_page_load_with_the_cookie_is_signed_in_again(
    school: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = SessionTokens(school.lti.handoffs, school.directory).issue(
        school.directory.account("t1")
    )
    monkeypatch.setattr(session, "cookie", lambda: token)  # what the browser sent
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert "Signed in as Tess One (teacher)" in "\n".join(m.value for m in at.sidebar.markdown)
    assert at.session_state[state.SESSION_TOKEN] != token  # a fresh one for the next load
    again = AppTest.from_file(APP, default_timeout=60)
    again.run()  # the same cookie, once more: spent
    assert not again.sidebar.markdown or "Signed in" not in again.sidebar.markdown[0].value
