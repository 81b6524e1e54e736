"""Long tables on the leader pages show their first rows, and all of them when asked."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import REPO


def script(repo: str, count: int) -> None:
    from pathlib import Path

    from assistant.app.texts import load_ui_texts
    from ui.views.leader_tables import capped_table

    rows = [{"class": f"C{i:03d}", "learners": i} for i in range(count)]
    capped_table(rows, "all_rows", load_ui_texts(Path(repo) / "prompts"), "en")


def test_a_long_table_shows_its_first_rows_until_all_are_asked_for() -> None:
    at = AppTest.from_function(script, args=(str(REPO), 120), default_timeout=60).run()
    assert not at.exception, at.exception
    assert len(at.dataframe[0].value) == 50
    assert "The first 50 of 120 rows." in [c.value for c in at.caption]
    at.toggle(key="all_rows").set_value(True).run()
    assert len(at.dataframe[0].value) == 120 and not at.caption


def test_a_short_table_is_shown_whole_without_a_toggle() -> None:
    at = AppTest.from_function(script, args=(str(REPO), 12), default_timeout=60).run()
    assert len(at.dataframe[0].value) == 12 and not at.toggle
