"""Plain-language reasons from the templates in prompts/reasons.yaml (English) and
prompts/reasons.<language>.yaml (one per language in LANGUAGES, e.g. reasons.es.yaml).

Each file is read and validated by the one text loader (assistant/texts) against the schema in
texts/reasons_spec.py: every key in SPEC must be present, no other key is allowed, and each
template may only use the placeholders SPEC lists for it. A next_steps template may instead be
a mapping with a `self` and an `other` template (for the learner reading their own steps, and
for someone reading about the learner), for languages whose verbs change with the person. A bad
file fails fast with its name, the key and the placeholder. All prose, month names included,
lives in the files; this module only fills them in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from assistant.texts.files import load_yaml
from assistant.texts.reasons_spec import READERS, SPEC, reasons_schema

TEMPLATE_FILE = "reasons.yaml"
DEFAULT_LANGUAGE = "en"
LANGUAGES = ("es",)  # besides English: each has reasons.<language>.yaml, checked at start


@dataclass(frozen=True)
class ReasonTemplates:
    """Validated templates by section and key; `others` holds the next_steps templates that
    read differently for someone other than the learner (the rest serve both readers)."""

    source: str
    templates: Mapping[str, Mapping[str, str]]
    others: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    language: str = DEFAULT_LANGUAGE

    @classmethod
    def load(cls, path: Path, language: str = DEFAULT_LANGUAGE) -> ReasonTemplates:
        templates, others = _split(load_yaml(path, reasons_schema()))
        return cls(str(path), templates, others, language)

    def render(self, section: str, key: str, *, other: bool = False, **values: object) -> str:
        """The template filled in; `other`: worded for someone other than the learner."""
        template = self.others.get(section, {}).get(key) if other else None
        return (template or self.templates[section][key]).format(
            **{k: str(v) for k, v in values.items()}
        )

    def day(self, moment: date | datetime, as_of: date) -> str:
        """ "12 Oct" in this language, with the year when it is not the year of as_of."""
        day = moment.date() if isinstance(moment, datetime) else moment
        month = self.templates["fragments"]["months"].split()[day.month - 1]
        if day.year == as_of.year:
            return self.render("fragments", "day", day=day.day, month=month)
        return self.render("fragments", "day_year", day=day.day, month=month, year=day.year)

    # small shared pieces -------------------------------------------------------------------
    def join(self, items: Sequence[str]) -> str:
        if len(items) <= 1:
            return "".join(items)
        if len(items) == 2:
            return self.render("fragments", "list_two", first=items[0], second=items[1])
        separator = self.templates["fragments"]["list_separator"]
        return self.render(
            "fragments", "list_many", items=separator.join(items[:-1]), last=items[-1]
        )

    def sentences(self, parts: Sequence[str]) -> str:
        return self.templates["fragments"]["sentence_separator"].join(p for p in parts if p)

    def pieces(self, count: int) -> str:
        return self.render("fragments", "piece" if count == 1 else "pieces")

    def which(self, count: int) -> str:
        if count == 1:
            return self.render("fragments", "which_one")
        if count == 2:
            return self.render("fragments", "which_two")
        return self.render("fragments", "which_many", count=count)

    def subject(self, name: str | None) -> str:
        return name if name else self.render("fragments", "self_subject")

    def possessive(self, name: str | None) -> str:
        if not name:
            return self.render("fragments", "self_possessive")
        return self.render("fragments", "other_possessive", name=name)


def template_file(language: str) -> str:
    """reasons.yaml for English, reasons.<language>.yaml for another language."""
    return TEMPLATE_FILE if language == DEFAULT_LANGUAGE else f"reasons.{language}.yaml"


def load_reasons(prompts_dir: Path, language: str = DEFAULT_LANGUAGE) -> ReasonTemplates:
    return ReasonTemplates.load(prompts_dir / template_file(language), language)


def load_reason_languages(prompts_dir: Path) -> dict[str, ReasonTemplates]:
    """The templates of every language in LANGUAGES, each file checked like reasons.yaml."""
    return {language: load_reasons(prompts_dir, language) for language in LANGUAGES}


def day_label(moment: date | datetime, as_of: date) -> str:
    """ "12 Oct", with the year when it is not the year of as_of."""
    day = moment.date() if isinstance(moment, datetime) else moment
    text = f"{day.day} {day:%b}"
    return text if day.year == as_of.year else f"{text} {day.year}"


def level_label(level: float) -> str:
    return f"{level:g}"


def _split(data: Any) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """Checked data as the templates for both readers and the next_steps ones for others."""
    templates: dict[str, dict[str, str]] = {}
    others: dict[str, dict[str, str]] = {}
    for section in SPEC:
        templates[section] = {}
        for key, value in data[section].items():
            if isinstance(value, dict):
                templates[section][key] = value[READERS[0]]
                others.setdefault(section, {})[key] = value[READERS[1]]
            else:
                templates[section][key] = value
    return templates, others
