"""The schema of prompts/intents.yaml: per intent, regular expressions and example messages,
and optionally `decisive` expressions whose match settles the intent outright."""

from __future__ import annotations

from collections.abc import Iterable

from assistant.texts.schema import Each, Free, Many, Pattern, Section, Version


def intents_schema(intents: Iterable[str] | None = None) -> Section:
    """Only the intents named (chat/types.INTENTS when the classifier loads the file)."""
    entry = Section(
        {"patterns": Many(Pattern()), "examples": Many(Free()), "decisive": Many(Pattern())},
        optional=frozenset({"decisive"}),
    )
    allowed = frozenset(intents) if intents is not None else None
    return Section({"version": Version(), "intents": Each(entry, allowed)})
