"""Plain-language reasons from the templates in prompts/reasons.yaml (English) and
prompts/reasons.<language>.yaml (one per language in LANGUAGES, e.g. reasons.es.yaml).

Each file is validated when loaded: every key in SPEC must be present, no other key is allowed,
and each template may only use the placeholders SPEC lists for it. A next_steps template may
instead be a mapping with a `self` and an `other` template (for the learner reading their own
steps, and for someone reading about the learner), for languages whose verbs change with the
person. A bad file fails fast with its name and the key. All prose, month names included, lives
in the files; this module only fills them in.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import TemplateError

TEMPLATE_FILE = "reasons.yaml"
DEFAULT_LANGUAGE = "en"
LANGUAGES = ("es",)  # besides English: each has reasons.<language>.yaml, checked at start
READERS = ("self", "other")
SPLIT_SECTIONS = frozenset({"next_steps"})  # whose templates may differ by reader
MONTHS = 12

SPEC: dict[str, dict[str, frozenset[str]]] = {
    "fragments": {
        "self_subject": frozenset(),
        "self_possessive": frozenset(),
        "other_possessive": frozenset({"name"}),
        "list_two": frozenset({"first", "second"}),
        "list_many": frozenset({"items", "last"}),
        "list_separator": frozenset(),
        "achievement": frozenset({"level", "codes", "date"}),
        "which_one": frozenset(),
        "which_two": frozenset(),
        "which_many": frozenset({"count"}),
        "piece": frozenset(),
        "pieces": frozenset(),
        "sentence_separator": frozenset(),
        "months": frozenset(),
        "day": frozenset({"day", "month"}),
        "day_year": frozenset({"day", "month", "year"}),
    },
    "next_steps": {
        "builds_on": frozenset({"subject", "achievements", "code", "which"}),
        "starting_point": frozenset({"code"}),
        "in_progress": frozenset(
            {"possessive", "code", "level", "label", "date", "count", "pieces", "bar", "bar_label"}
        ),
        "latest_higher": frozenset({"latest", "latest_label"}),
        "override": frozenset({"teacher", "code", "level", "date", "reason"}),
        "opens": frozenset({"bar", "opens"}),
        "started_beyond": frozenset({"subject", "started"}),
        "struggle": frozenset(),
        "focus": frozenset(),
        "prerequisite": frozenset({"code", "title"}),
        "prerequisite_level": frozenset({"code", "title", "level"}),
        "prerequisite_since": frozenset({"code", "title", "level", "date"}),
    },
    "groups": {
        "purpose": frozenset({"count", "targets", "bar", "focus"}),
        "review": frozenset({"review_by", "bar", "focus"}),
        "conference": frozenset({"focus", "targets"}),
    },
    "stuck": {
        "reteach": frozenset({"count", "total", "share"}),
        "small_group": frozenset({"count", "total"}),
    },
    "tiers": {
        "core": frozenset(),
        "stuck": frozenset({"codes", "bar", "days"}),
        "lowest": frozenset({"lowest", "codes"}),
        "chain": frozenset({"links", "chain"}),
        "many": frozenset({"count", "codes"}),
        "class_wide": frozenset({"codes"}),
        "absence": frozenset({"start", "end"}),
        "decision": frozenset(),
    },
}


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
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise TemplateError(path, f"cannot be read ({exc.strerror or exc})") from exc
        except yaml.YAMLError as exc:
            raise TemplateError(path, f"is not valid YAML ({exc})") from exc
        templates, others = _validated(path, data)
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


def _validated(
    path: Path, data: Any
) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    if not isinstance(data, dict):
        raise TemplateError(path, "must be a mapping of sections")
    if data.get("version") != 1:
        raise TemplateError(path, "version must be 1")
    unknown = set(data) - set(SPEC) - {"version"}
    if unknown:
        raise TemplateError(path, f"unknown section(s): {', '.join(sorted(unknown))}")
    checked: dict[str, dict[str, str]] = {}
    others: dict[str, dict[str, str]] = {}
    for section, keys in SPEC.items():
        found = data.get(section)
        if not isinstance(found, dict):
            raise TemplateError(path, f"section {section!r} is missing or not a mapping")
        missing = set(keys) - set(found)
        extra = set(found) - set(keys)
        if missing:
            raise TemplateError(path, f"{section}: missing key(s) {', '.join(sorted(missing))}")
        if extra:
            raise TemplateError(path, f"{section}: unknown key(s) {', '.join(sorted(extra))}")
        checked[section] = {}
        for key, allowed in keys.items():
            where, value = f"{section}.{key}", found[key]
            if isinstance(value, dict):
                if section not in SPLIT_SECTIONS:
                    raise TemplateError(
                        path, f"{where} must be a string (only next_steps may differ by reader)"
                    )
                if set(value) != set(READERS):
                    raise TemplateError(
                        path, f"{where} must be a string or have exactly the keys self and other"
                    )
                checked[section][key] = _template(path, f"{where}.self", value["self"], allowed)
                others.setdefault(section, {})[key] = _template(
                    path, f"{where}.other", value["other"], allowed
                )
            else:
                checked[section][key] = _template(path, where, value, allowed)
    if len(checked["fragments"]["months"].split()) != MONTHS:
        raise TemplateError(path, "fragments.months must list 12 month names, January first")
    return checked, others


def _template(path: Path, where: str, value: Any, allowed: frozenset[str]) -> str:
    if not isinstance(value, str):
        raise TemplateError(path, f"{where} must be a string")
    try:
        fields = list(string.Formatter().parse(value))
    except ValueError as exc:
        raise TemplateError(path, f"{where} has a malformed placeholder ({exc})") from exc
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in allowed:
            raise TemplateError(
                path,
                f"{where} uses unknown placeholder {{{name}}}"
                + (f" (allowed: {', '.join(sorted(allowed))})" if allowed else " (none allowed)"),
            )
        if spec or conversion:
            raise TemplateError(path, f"{where}: placeholders take no format or conversion")
    return value
