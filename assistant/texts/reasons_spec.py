"""The schema of prompts/reasons.yaml and reasons.<language>.yaml: each section's keys and the
placeholders (str.format) the recommend/ code passes to each. A next_steps template may be a
mapping with a `self` and an `other` template instead (for the learner reading their own steps,
and for someone reading about the learner); fragments.months lists the 12 month names."""

from __future__ import annotations

from assistant.texts.schema import Either, Node, Section, Text, Version, Words

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


def reasons_schema() -> Section:
    sections: dict[str, Node] = {"version": Version()}
    for section, keys in SPEC.items():
        sections[section] = Section(
            {key: _node(section, key, names) for key, names in keys.items()}
        )
    return Section(sections)


def _node(section: str, key: str, names: frozenset[str]) -> Node:
    if section == "fragments" and key == "months":
        return Words(MONTHS, "month names, January first")
    if section not in SPLIT_SECTIONS:
        return Text(names)
    by_reader = Section(dict.fromkeys(READERS, Text(names)))
    return Either(Text(names), by_reader, "a string or have exactly the keys self and other")
