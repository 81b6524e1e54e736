"""CASE's vocabulary as Waypoint reads it: the association types it uses, and how a package's
field values are read (times, levels, keywords, sequence numbers, natural sort keys) and named
in errors (JSON types, short one-line labels)."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from assistant.frameworks.model import Framework

HIERARCHY = "isChildOf"
PREREQUISITE = "precedes"
ALIAS = "exactMatchOf"
LABEL_CHARS = 60


def normalized_time(text: str) -> str:
    """An ISO 8601 date-time in UTC (one with no zone is taken to be UTC); text that is not a
    date-time is kept as it is (publishers write what they write)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    return "a number"


def one_line(text: str) -> str:
    return " ".join(text.split())


def short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS] + "..."


def text_or_none(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def item_type(raw: dict[str, Any]) -> str:
    value = raw.get("CFItemType")
    if isinstance(value, str) and value:
        return value
    link = raw.get("CFItemTypeURI")
    if isinstance(link, dict) and isinstance(link.get("title"), str):
        return str(link["title"])
    return ""


def education_levels(raw: dict[str, Any]) -> tuple[str, ...]:
    value = raw.get("educationLevel", raw.get("educationalLevel"))
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return scalars(value)


def keywords(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(part.strip() for part in re.split(r"[,;]", value) if part.strip())
    return scalars(value)


def scalars(value: Any) -> tuple[str, ...]:
    """The text of the strings and numbers of a list (lists and objects in it are skipped)."""
    if not isinstance(value, list):
        return ()
    parts = (str(p).strip() for p in value if isinstance(p, str | int | float))
    return tuple(part for part in parts if part)


def sequence(value: Any) -> float:
    """A sortable sequence number; missing, unusable or not finite sorts last."""
    if value is None or isinstance(value, bool | dict | list):
        return math.inf
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return math.inf
    return number if math.isfinite(number) else math.inf


def enum_or_code(framework: Framework, identifier: str) -> str:
    item = framework.items.get(identifier)
    if item is None:
        return identifier
    return item.list_enumeration or item.code or ""


def natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """Runs of digits compare as numbers (by length once leading zeros are gone, then by
    digits, so that a run of thousands of digits needs no int conversion), the rest as text."""
    key: list[tuple[int, int, str]] = []
    for part in re.split(r"(\d+)", text):
        if not part:
            continue
        if part.isdecimal():
            digits = part.lstrip("0") or "0"
            key.append((0, len(digits), digits))
        else:
            key.append((1, 0, part.casefold()))
    return tuple(key)
