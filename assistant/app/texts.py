"""The words of the app's pages (prompts/ui.yaml), in English and Spanish, and safe rendering.

Every text from guides, frameworks, the database, a user or a model reaches a page through
`plain`, which makes it Markdown that shows exactly its characters: nothing in it can become
an image, a link, HTML, a heading, a list, a table, code, LaTeX or a Streamlit directive or
icon, so no content can make the browser fetch anything or dress itself up as the app's own
words. Only the app's own templates (prompts/ui.yaml) are Markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.texts.files import load_ui

LANGUAGES = ("en", "es")
# Characters that mean something anywhere in a line: emphasis, code, links and images, HTML
# and entities, tables, strikethrough, LaTeX, Streamlit's directives (":red[...]") and icons.
INLINE = re.compile(r"[\\`*_\[\]<>&|~$:{}!]")
# At the start of a line any punctuation may open a block (# heading, - + list, > quote,
# = or - underline, ``` fence), and so may a number followed by . or ) (an ordered list).
LINE_START = re.compile(r"(\d+)([.)])|[!-/:-@\[-`{-~]")
# Streamlit links bare addresses (https://…, www.…, name@host) and replaces :shortcodes: in
# the text itself, after escapes are read: an invisible word joiner breaks each of them.
WORD_JOINER = "\u2060"
UNLINK = re.compile(r"(?<=[:@])(?=\S)|(?<=www)(?=\.)", re.IGNORECASE)
LIST_ITEM = re.compile(r"(?:[-*+•]|(\d{1,9})[.)])\s+(?=\S)")
BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
# Control characters show as nothing or as "�": they are dropped (tabs and line breaks stay).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class UiTexts:
    words: dict[str, dict[str, Any]]
    starters_by_language: dict[str, dict[str, list[str]]]

    def t(self, key: str, language: str = "en", **values: object) -> str:
        text = self.words.get(language, {}).get(key)
        if text is None:
            text = self.words["en"].get(key)
        if text is None:
            raise KeyError(f"no text {key!r} in prompts/ui.yaml")
        return str(text).format(**values) if values else str(text)

    def level_name(self, label: str, language: str) -> str:
        names = self.words.get(language, {}).get("level_names", {})
        return str(names.get(label, label))

    def starters(self, role: str, language: str = "en") -> list[str]:
        found = self.starters_by_language.get(language, {}).get(role)
        return list(found or self.starters_by_language["en"].get(role, []))


def load_ui_texts(prompts_dir: Path) -> UiTexts:
    """The page words, checked by the text loader against texts/ui_spec.py."""
    data = load_ui(prompts_dir / "ui.yaml")
    words = {lang: dict(data[lang]) for lang in LANGUAGES}
    starters = data["starters"]
    return UiTexts(words, {lang: dict(starters[lang]) for lang in LANGUAGES})


def plain(text: str, *, layout: bool = False) -> str:
    """Markdown that shows `text` as it is: every character that could mean something is
    escaped, each line break is kept, and indentation is dropped (it would make code).

    With `layout`, lines that start with "- " or "1. " stay list items and **bold** stays bold
    (the markers are ours, the text inside them is escaped): for answers and guide sections."""
    blocks: list[str] = []
    text = CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    for paragraph in re.split(r"\n[ \t]*\n", text):
        shown = ""
        was_item = False
        for line in filter(None, (line.strip() for line in paragraph.split("\n"))):
            item = LIST_ITEM.match(line) if layout else None
            if item is None:
                shown += ("  \n" if shown else "") + _literal_line(line, layout)
                was_item = False
                continue
            marker = f"{item.group(1)}. " if item.group(1) else "- "
            piece = marker + _literal_line(line[item.end() :], layout)
            shown += ("\n" if was_item else "\n\n" if shown else "") + piece
            was_item = True
        if shown:
            blocks.append(shown)
    return "\n\n".join(blocks)


def _literal_line(line: str, layout: bool) -> str:
    """One line of text, which starts a line of Markdown, shown character for character
    (with `layout`, its **bold** parts in bold)."""
    parts = BOLD.split(line) if layout else [line]
    shown = [_line_start(parts[0])]
    for index, part in enumerate(parts[1:], start=1):
        shown.append(f"**{_escaped(part)}**" if index % 2 else _escaped(part))
    return UNLINK.sub(WORD_JOINER, "".join(shown))


def _line_start(text: str) -> str:
    start = LINE_START.match(text)
    if start is None:
        return _escaped(text)
    head = f"{start.group(1)}\\{start.group(2)}" if start.group(1) else "\\" + start.group()
    return head + _escaped(text[start.end() :])


def _escaped(text: str) -> str:
    return INLINE.sub(lambda m: "\\" + m.group(), text)
