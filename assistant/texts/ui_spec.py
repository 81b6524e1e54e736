"""The schema of prompts/ui.yaml, the words of the app's pages: English (`en`) is the list of
keys, every other language has exactly the same keys with the same placeholders, and a key takes
only the placeholders listed in UI_NAMES (the names its callers pass; a key not listed takes
none). `starters` are each role's example questions per language; `level_names` translates a
scale's level labels (English shows them as they are)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from assistant.errors import TemplateError
from assistant.texts.placeholders import format_names
from assistant.texts.schema import (
    LANGUAGES,
    Each,
    Free,
    Many,
    Node,
    Section,
    Text,
    check,
    in_languages,
)

REFERENCE = "en"
LEVEL_NAMES = "level_names"
STARTER_ROLES = frozenset({"student", "parent", "teacher", "leader", "admin"})


def names(*found: str) -> frozenset[str]:
    return frozenset(found)


UI_NAMES: dict[str, frozenset[str]] = {
    "practice_for": names("code"),
    "unknown_identity": names("email"),
    "signed_in_as": names("name", "role"),
    "preparation_failed": names("message"),
    "message_too_long": names("limit"),
    "progress_of": names("name"),
    "evidence_count": names("count", "day"),
    "override_saved": names("code", "level", "name"),
    "imported": names("added", "path", "unchanged"),
    "import_refused": names("path"),
    "uploaded": names("path"),
    "reindexed": names("added", "removed", "seconds", "unchanged"),
    "period_caption": names("days", "end", "start"),
    "fig_stuck_days": names("longest", "median"),
    "fig_time_value": names("count", "median", "q1", "q3"),
    "fig_pace_value": names("value"),
    "ww_result": names("days", "learners", "reached"),
    "ww_result_none": names("learners", "reached"),
    "ww_marked": names("activity", "code"),
    "ww_team_pick": names("activity"),
    "ww_team_pick_result": names("classes", "learners", "reached"),
    "iv_saved": names("activity", "code", "count"),
    "pack_period": names("period"),
    "rows_capped": names("count", "shown"),
    "rows_show_all": names("count"),
    "equity_small": names("minimum"),
    "equity_gap": names("gap", "high", "low", "value"),
    "equity_worse": names("figure"),
    "equity_attr_group": names("name"),
    "equity_method_bootstrap": names("resamples", "seed"),
    "equity_method_suppression": names("minimum"),
    "figures_precomputed": names("at", "seconds"),
    "figures_stale": names("at"),
    "class_caption": names("count", "day"),
    "evidence_of": names("name", "what"),
    "stuck_share": names("count", "total"),
    "group_part": names("part", "parts"),
    "review_by": names("day"),
    "conference": names("focus", "name"),
    "decided_by": names("who"),
    "evidence_limits": names("mb"),
    "preview": names("rows", "shown"),
    "preview_failed": names("reason"),
    "knowledge_limits": names("mb"),
    "removed": names("path"),
    "step_next": names("title"),
    "step_at_self": names("bar", "bar_label", "label", "level"),
    "step_at_other": names("bar", "bar_label", "label", "level", "name"),
    "step_new_self": names("bar", "bar_label"),
    "step_new_other": names("bar", "bar_label", "name"),
    "step_opens": names("bar"),
    "step_aim": names("bar", "bar_label"),
    "step_code": names("code", "framework"),
    "path_after": names("titles"),
    "chart_bar": names("label"),
    "summary_mastered_zero": names("name"),
    "summary_mastered_one": names("name", "total"),
    "summary_mastered": names("count", "name", "total"),
    "summary_working": names("titles"),
    "summary_ready": names("count"),
    "summary_later": names("count"),
    "report_title": names("name"),
    "report_as_of": names("day"),
    "report_later": names("count"),
}


def ui_schema(keys: Iterable[str]) -> Section:
    """The schema for a file whose English section has these keys."""
    words: dict[str, Node] = {
        key: Text(UI_NAMES.get(key, frozenset()), specs=True) for key in keys if key != LEVEL_NAMES
    }
    words[LEVEL_NAMES] = Each(Free())
    language = Section(words, optional=frozenset({LEVEL_NAMES}))
    starters = in_languages(Each(Many(Free()), STARTER_ROLES))
    return Section({**dict.fromkeys(LANGUAGES, language), "starters": starters})


def check_ui(path: Path, data: Any) -> None:
    """The file against ui_schema, then each language's placeholders against English's."""
    english = data.get(REFERENCE) if isinstance(data, dict) else None
    if not isinstance(english, dict):
        raise TemplateError(path, f"expected an {REFERENCE!r} section of page texts")
    check(path, data, ui_schema(english))
    for language in LANGUAGES:
        for key, text in data[language].items():
            if key == LEVEL_NAMES:
                continue
            where = f"{language}.{key}"
            found = format_names(path, where, text, specs=True)
            wanted = format_names(path, f"{REFERENCE}.{key}", english[key], specs=True)
            if found != wanted:
                raise TemplateError(
                    path,
                    f"{where} uses placeholders {_listed(found)}, English {_listed(wanted)}",
                )


def _listed(found: set[str]) -> str:
    return "{" + ", ".join(sorted(found)) + "}" if found else "none"
