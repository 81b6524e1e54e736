"""The words of the app's pages (prompts/ui.yaml), in English and Spanish, and safe rendering.

Text from guides, frameworks, users or a model is shown as Markdown without HTML; `plain`
also defuses Markdown images and links so no content can make the browser fetch anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import TemplateError

LANGUAGES = ("en", "es")
IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
LINK = re.compile(r"\[([^\]]+)\]\(([^)]*)\)")
AUTOLINK = re.compile(r"<(https?://[^>]+)>")
HTML_TAG = re.compile(r"<(/?[A-Za-z][^>]*)>")


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
    path = prompts_dir / "ui.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateError(path, f"cannot read the page texts: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("en"), dict):
        raise TemplateError(path, "expected an 'en' section of page texts")
    words = {lang: dict(data.get(lang) or {}) for lang in LANGUAGES}
    starters = data.get("starters") or {}
    return UiTexts(words, {lang: dict(starters.get(lang) or {}) for lang in LANGUAGES})


def plain(text: str) -> str:
    """Markdown that cannot load or link anything: images dropped to their alt text, links
    shown as text with their address, raw tags escaped."""
    text = IMAGE.sub(lambda m: m.group(1), text)
    text = LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})" if m.group(2) else m.group(1), text)
    text = AUTOLINK.sub(lambda m: m.group(1), text)
    return HTML_TAG.sub(lambda m: f"&lt;{m.group(1)}&gt;", text)
