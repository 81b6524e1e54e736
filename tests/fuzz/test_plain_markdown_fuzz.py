"""Any text made plain is shown as exactly its characters: no Markdown, HTML, address or
shortcode in it comes alive, whatever it is built from (assistant/app/texts.py)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from assistant.app.texts import plain
from tests.fuzz.support import fuzz
from tests.support_markdown import problems, shown_text

# Pieces of Markdown, HTML and Streamlit syntax, and the characters they are made of.
PIECES = st.sampled_from(
    [
        "![",
        "](",
        "[",
        "]",
        "(",
        ")",
        "\\",
        "<",
        ">",
        "<img src=//127.0.0.1:9/x.png>",
        "//127.0.0.1:9/x.png",
        "http://",
        "https://",
        "www.",
        "@",
        "name@host.example",
        ":",
        ":material/",
        ":red[",
        ":streamlit:",
        "$",
        "&",
        "&lt;",
        "&#60;",
        "*",
        "**",
        "_",
        "`",
        "```",
        "~",
        "|",
        "#",
        "-",
        "+",
        "=",
        ".",
        "1.",
        "2)",
        "!",
        "{",
        "}",
        "\n",
        "\n\n",
        " ",
        "    ",
        "\t",
        "\r\n",
        "word",
        "3",
    ]
)
TEXTS = st.one_of(st.lists(PIECES, max_size=30).map("".join), st.text(max_size=80))


@fuzz()
@given(TEXTS)
def test_plain_text_shows_its_characters_and_nothing_else(text: str) -> None:
    shown = plain(text)
    assert problems(shown) == [], (text, shown)
    visible = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)  # dropped by plain
    assert shown_text(shown).split() == visible.split(), (text, shown)


@fuzz()
@given(TEXTS)
def test_layout_adds_only_lists_and_bold(text: str) -> None:
    shown = plain(text, layout=True)
    assert problems(shown, layout=True) == [], (text, shown)
