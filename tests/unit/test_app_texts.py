"""Page texts and safe rendering of content in the app."""

from __future__ import annotations

from pathlib import Path

from assistant.app.texts import load_ui_texts, plain
from assistant.settings import BUNDLED_PROMPTS

UI = Path(__file__).resolve().parents[2] / "ui"


def test_every_english_key_reads_and_spanish_falls_back_to_english() -> None:
    texts = load_ui_texts(BUNDLED_PROMPTS)
    assert texts.t("progress_of", "es", name="Maya") == "Progreso de Maya"
    assert texts.t("app_title", "es") == texts.t("app_title", "en") == "Waypoint"
    assert texts.level_name("Proficient", "es") == "Competente"
    assert texts.level_name("Proficient", "en") == "Proficient"
    for role in ("student", "parent", "teacher", "admin"):
        assert texts.starters(role, "en") and texts.starters(role, "es")


def test_content_cannot_load_images_links_or_html() -> None:
    shown = plain('See ![x](http://evil.example/t.png) [click](http://evil.example) <img src=x>')
    assert "](" not in shown and "<img" not in shown
    assert "click (http://evil.example)" in shown
    assert "&lt;img src=x&gt;" in shown


def test_no_page_renders_raw_html() -> None:
    for path in UI.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "unsafe_allow_html" not in source, path
        assert "st.html(" not in source, path
