"""The schemas of the optional language model's prompts: prompts/llm_system.md and
llm_user.md (Jinja, the names chat/llm.py passes) and llm_tones.yaml (one tone per role)."""

from __future__ import annotations

from assistant.texts.schema import Section, Text, Version

ROLES = ("student", "parent", "teacher", "admin")
SYSTEM = Text(frozenset({"audience", "tone", "language_name"}), "jinja")
USER = Text(frozenset({"question", "facts", "passages"}), "jinja")


def tones_schema() -> Section:
    return Section({"version": Version(), "tones": Section(dict.fromkeys(ROLES, Text()))})
