"""Plain-language reasons from the templates in prompts/reasons.yaml.

The file is validated when loaded: every key in SPEC must be present, no other key is allowed,
and each template may only use the placeholders SPEC lists for it. A bad file fails fast with
its name. All prose lives in the file; this module only fills it in.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import TemplateError

TEMPLATE_FILE = "reasons.yaml"

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
    },
    "next_steps": {
        "builds_on": frozenset({"subject", "achievements", "code", "which"}),
        "starting_point": frozenset({"code"}),
        "in_progress": frozenset(
            {"possessive", "code", "level", "label", "date", "count", "pieces", "bar", "bar_label"}
        ),
        "override": frozenset({"teacher", "code", "level", "date", "reason"}),
        "opens": frozenset({"bar", "opens"}),
        "started_beyond": frozenset({"subject", "started"}),
        "struggle": frozenset(),
        "focus": frozenset(),
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
    """Validated templates by section and key."""

    source: str
    templates: Mapping[str, Mapping[str, str]]

    @classmethod
    def load(cls, path: Path) -> ReasonTemplates:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise TemplateError(path, f"cannot be read ({exc.strerror or exc})") from exc
        except yaml.YAMLError as exc:
            raise TemplateError(path, f"is not valid YAML ({exc})") from exc
        return cls(str(path), _validated(path, data))

    def render(self, section: str, key: str, **values: object) -> str:
        template = self.templates[section][key]
        return template.format(**{k: str(v) for k, v in values.items()})

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


def load_reasons(prompts_dir: Path) -> ReasonTemplates:
    return ReasonTemplates.load(prompts_dir / TEMPLATE_FILE)


def day_label(moment: date | datetime, as_of: date) -> str:
    """ "12 Oct", with the year when it is not the year of as_of."""
    day = moment.date() if isinstance(moment, datetime) else moment
    text = f"{day.day} {day:%b}"
    return text if day.year == as_of.year else f"{text} {day.year}"


def level_label(level: float) -> str:
    return f"{level:g}"


def _validated(path: Path, data: Any) -> dict[str, dict[str, str]]:
    if not isinstance(data, dict):
        raise TemplateError(path, "must be a mapping of sections")
    if data.get("version") != 1:
        raise TemplateError(path, "version must be 1")
    unknown = set(data) - set(SPEC) - {"version"}
    if unknown:
        raise TemplateError(path, f"unknown section(s): {', '.join(sorted(unknown))}")
    checked: dict[str, dict[str, str]] = {}
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
            checked[section][key] = _template(path, f"{section}.{key}", found[key], allowed)
    return checked


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
