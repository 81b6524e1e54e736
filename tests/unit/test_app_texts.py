"""Page texts and safe rendering of content in the app."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.app.texts import load_ui_texts, plain
from assistant.settings import BUNDLED_PROMPTS
from tests.support_markdown import PARSER, problems, shown_text

UI = Path(__file__).resolve().parents[2] / "ui"


def test_every_english_key_reads_and_spanish_falls_back_to_english() -> None:
    texts = load_ui_texts(BUNDLED_PROMPTS)
    assert texts.t("progress_of", "es", name="Maya") == "Progreso de Maya"
    assert texts.t("app_title", "es") == texts.t("app_title", "en") == "Waypoint"
    assert texts.level_name("Proficient", "es") == "Competente"
    assert texts.level_name("Proficient", "en") == "Proficient"
    for role in ("student", "parent", "teacher", "admin"):
        assert texts.starters(role, "en") and texts.starters(role, "es")


HOST = "//127.0.0.1:9/x.png"
PAYLOADS = [
    f"![a [b] c]({HOST})",  # nested brackets
    f"![a\\]b]({HOST})",  # an escaped bracket
    f"![a]({HOST} 'title') and ![b](<{HOST}>)",
    f"[![inner]({HOST})](//127.0.0.1:9/page)",
    f"![x][r]\n\n[r]: {HOST}",  # a reference definition
    f"[click](http:{HOST}) <http:{HOST}> <a href='{HOST}'>a</a>",
    f'<img src="{HOST}"> <IMG SRC={HOST}> &lt;img src={HOST}&gt; &#60;img&#62;',
    f"<details><summary>x</summary><img src={HOST}></details>",
    f"https:{HOST} www.example.com/x name@example.com mailto:name@example.com",
    "# Heading\n- item\n+ item\n1. one\n2) two\n> quote\n    code\n```\nfence\n```\n---",
    "a | b\n--|--\n1 | 2\n\nTitle\n=====\n\n***\n\n[^1]\n\n[^1]: note",
    ":red[alarm] :material/warning: :streamlit: :smile: :small[x] :help[tip] $x^2$ $$y$$",
    "*em* _em_ **strong** ~~struck~~ `code` \\ \\* trailing\\",
    "   indented\n\t\ttabbed\r\nwindows\rold mac",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_content_is_shown_as_its_characters_and_can_load_or_link_nothing(payload: str) -> None:
    shown = plain(payload)
    assert problems(shown) == [], shown
    assert " ".join(shown_text(shown).split()) == " ".join(payload.split())
    assert "<img" not in PARSER.render(shown) and "<a " not in PARSER.render(shown)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_layout_keeps_lists_and_bold_and_nothing_else(payload: str) -> None:
    assert problems(plain(payload, layout=True), layout=True) == []


def test_layout_shows_an_answer_as_an_intro_and_a_list() -> None:
    answer = "The guides say:\n- A **3** means [1]\n- See ![x](//h/x.png) [2]\n3. Third"
    html = PARSER.render(plain(answer, layout=True))
    assert html.count("<li>") == 3 and "<ul>" in html and '<ol start="3">' in html
    assert "<strong>3</strong>" in html
    assert "![x](//h/x.png) [2]" in html and "<img" not in html


def test_line_breaks_are_kept_and_ordinary_text_is_left_as_it_is() -> None:
    assert plain("Score 3 of 4 on 6.RP.2, pages 12-14 (see the guide).") == (
        "Score 3 of 4 on 6.RP.2, pages 12-14 (see the guide)."
    )
    assert shown_text(plain("first line\nsecond line\n\nnew paragraph")) == (
        "first line\nsecond line\nnew paragraph\n"
    )


def test_no_page_renders_raw_html() -> None:
    for path in UI.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "unsafe_allow_html" not in source, path
        if path.name != "chrome.py":  # the app's own fixed style and scripts, nothing else
            assert "st.html(" not in source, path


def test_the_cookie_script_takes_only_a_token() -> None:
    from ui.chrome import cookie_script

    script = cookie_script("waypoint_session", "eyJ.abc-_9", 60)
    assert 'document.cookie = "waypoint_session=" + "eyJ.abc-_9"' in script
    assert "Max-Age=60" in script and "SameSite=Strict" in script  # over plain HTTP
    for inside_an_lms_iframe in ("SameSite=None", "Secure", "Partitioned"):  # over HTTPS
        assert inside_an_lms_iframe in script
    assert "Max-Age=0" in cookie_script("waypoint_session", None, 60)
    for bad in ('x"; alert(1); "', "</script><script>", "a b"):
        with pytest.raises(ValueError):
            cookie_script("waypoint_session", bad, 60)
