"""Tables on the pages: st.dataframe's own toolbar downloads them as CSV, so a text cell that a
spreadsheet would run as a formula is shown (and downloaded) with a leading apostrophe."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from assistant.app.texts import plain
from ui.views.common import table


def test_formula_cells_are_escaped_and_numbers_stay_numbers() -> None:
    frame = table(
        [
            {"learner": '=HYPERLINK("http://x.example","x")', "level": 3, "note": "-2+3"},
            {"learner": "@SUM(A1:A2)", "level": None, "note": "-0.5"},
            {"learner": "Maya Lindgren", "level": 2.5, "note": "\t=1+1"},
        ]
    )
    assert list(frame["learner"]) == [
        '\'=HYPERLINK("http://x.example","x")',
        "'@SUM(A1:A2)",
        "Maya Lindgren",
    ]
    assert list(frame["note"]) == ["'-2+3", "-0.5", "'\t=1+1"]
    assert frame["level"].tolist()[0] == 3 and frame["level"].tolist()[2] == 2.5


def _tiers_page() -> None:
    from types import SimpleNamespace

    from assistant.app.texts import load_ui_texts
    from tests.conftest import REPO
    from ui.views.teacher import _tiers

    tier = SimpleNamespace(
        learner_id="L1",
        name="=cmd|' /C calc'!A0",
        tier="targeted",
        reasons=["+1 below the class", "stuck on M.6.RP.2"],
        decision="@review",
    )
    report = SimpleNamespace(tiers=[tier])
    _tiers(report, load_ui_texts(REPO / "prompts"), "en")  # type: ignore[arg-type]


def test_the_tiers_show_names_and_reasons_as_plain_text() -> None:
    at = AppTest.from_function(_tiers_page, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert [b.label for b in at.button] == [plain("=cmd|' /C calc'!A0")]  # a name, as text
    shown = [m.value for m in at.markdown]
    assert "**Targeted support** (1)" in shown
    assert "- \\+1 below the class" in shown  # a reason, never a list or a formula
