"""What Streamlit's Markdown would make of a text, checked with markdown-it-py (CommonMark with
GFM tables and strikethrough) plus the transforms Streamlit's renderer applies to the text
itself after parsing: GFM's bare-address links (remark-gfm), :shortcodes: and directives."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

WORD_JOINER = "\u2060"
PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# The text-level patterns of Streamlit's renderer (its bundled remark plugins).
BARE_URL = re.compile(r"(https?://|www(?=\.))[-.\w]+", re.IGNORECASE)
BARE_EMAIL = re.compile(r"[-.\w+]+@[-\w]+(\.[-\w]+)+")
SHORTCODE = re.compile(r":[\w+-]+:|:material/|:[a-z][a-z0-9-]*[\[{]")
UNESCAPED_DOLLAR = re.compile(r"(?<!\\)(?:\\\\)*\$")
PLAIN_BLOCKS = {"paragraph_open", "paragraph_close", "inline"}
PLAIN_INLINE = {"text", "softbreak", "hardbreak"}
LAYOUT_BLOCKS = PLAIN_BLOCKS | {
    "bullet_list_open",
    "bullet_list_close",
    "ordered_list_open",
    "ordered_list_close",
    "list_item_open",
    "list_item_close",
}
LAYOUT_INLINE = PLAIN_INLINE | {"strong_open", "strong_close"}


def tokens(markdown: str) -> list[Token]:
    """Every token, block and inline, that the Markdown parses into."""
    found: list[Token] = []
    for token in PARSER.parse(markdown):
        found.append(token)
        found.extend(token.children or [])
    return found


def shown_text(markdown: str) -> str:
    """The text a reader sees, line breaks as newlines (word joiners are invisible)."""
    pieces: list[str] = []
    for token in tokens(markdown):
        if token.type == "text":
            pieces.append(token.content)
        elif token.type in ("softbreak", "hardbreak", "paragraph_close"):
            pieces.append("\n")
    return "".join(pieces).replace(WORD_JOINER, "")


def problems(markdown: str, *, layout: bool = False) -> list[str]:
    """What in `markdown` would be more than text: tokens other than paragraphs and text (and,
    with `layout`, lists and bold), and bare addresses or shortcodes Streamlit would act on."""
    allowed = (LAYOUT_BLOCKS | LAYOUT_INLINE) if layout else (PLAIN_BLOCKS | PLAIN_INLINE)
    found = [f"{t.type} {t.attrs or ''}" for t in tokens(markdown) if t.type not in allowed]
    for token in tokens(markdown):
        if token.type == "text":
            for pattern in (BARE_URL, BARE_EMAIL, SHORTCODE):
                found += [f"text-level {m.group()!r}" for m in pattern.finditer(token.content)]
    if UNESCAPED_DOLLAR.search(markdown):
        found.append("an unescaped $ (LaTeX)")
    if ":material/" in markdown:
        found.append("a :material/ icon")
    return found
