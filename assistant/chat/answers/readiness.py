"""Is a learner ready for one competency: each prerequisite with the learner's level on it and,
for one not yet at the bar, what it waits on in turn ("what does Theo need before M.7.RP.3")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.chat.templates import AnswerTemplates
from assistant.frameworks.catalog import CatalogEntry, FrameworkCatalog
from assistant.frameworks.translations import Translations

# "what does Theo need before M.7.RP.3", "am I ready for M.7.RP.4", "prerequisites of …"
READINESS = re.compile(
    r"\bneeds? (to \w+ )?(before|first|for)\b|\bbefore (he|she|they|i|we|you) (can|could)\b"
    r"|\bready (for|to start)\b|\bprerequisites?\b|\bwhat comes before\b"
    r"|\bqu[eé] (necesita|necesito|le falta|me falta)\b|\bantes de\b|\blist[oa] para\b"
    r"|\brequisitos?\b",
    re.I,
)
DEPTH = 2  # a missing prerequisite's own missing ones, one step further back


def asks_readiness(question: str) -> bool:
    return bool(READINESS.search(question))


@dataclass(frozen=True)
class Readiness:
    lines: tuple[str, ...]
    codes: tuple[str, ...]  # every competency the lines name, the target first


class ReadinessPlan:
    def __init__(self, templates: AnswerTemplates, translations: Translations) -> None:
        self.templates = templates
        self.translations = translations

    def answer(
        self,
        catalog: FrameworkCatalog,
        target: CatalogEntry,
        levels: dict[str, float],
        *,
        learner: str,
        own: bool,
        language: str,
    ) -> Readiness:
        """`levels`: the learner's current level by competency code (those with evidence)."""
        scale = catalog.scale(target.identifier)
        bar_name = self.translations.level_name(scale.level_at(scale.bar).label, language)
        lines = [
            self.templates.render(
                "readiness.heading",
                language,
                own=own,
                learner=learner,
                code=target.code,
                title=self._title(target, language),
                bar=f"{scale.bar:g}",
                bar_name=bar_name,
            )
        ]
        codes = [target.code]
        missing = self._rows(catalog, target, levels, 0, lines, codes, language)
        if not catalog.prerequisites(target.identifier):
            lines = [self.templates.render("readiness.none", language, code=target.code)]
        elif not missing:
            lines.append(
                self.templates.render("readiness.ready", language, own=own, learner=learner)
            )
        return Readiness(tuple(lines), tuple(codes))

    def _rows(
        self,
        catalog: FrameworkCatalog,
        entry: CatalogEntry,
        levels: dict[str, float],
        depth: int,
        lines: list[str],
        codes: list[str],
        language: str,
    ) -> int:
        """One line per prerequisite of `entry` (indented by depth); how many are not met."""
        missing = 0
        for identifier in catalog.prerequisites(entry.identifier):
            prerequisite = catalog.entry(identifier)
            if prerequisite.code in codes:
                continue
            codes.append(prerequisite.code)
            scale = catalog.scale(identifier)
            level = levels.get(prerequisite.code)
            met = level is not None and scale.is_proficient(level)
            label = (
                self.translations.level_name(scale.level_at(level).label, language)
                if level is not None
                else ""
            )
            line = self.templates.render(
                "readiness.row",
                language,
                code=prerequisite.code,
                title=self._title(prerequisite, language),
                level=f"{level:g}" if level is not None else "",
                label=label,
                met=met,
            )
            lines.append("  " * depth + f"- {line}")
            if not met:
                missing += 1
                if depth + 1 < DEPTH:
                    self._rows(catalog, prerequisite, levels, depth + 1, lines, codes, language)
        return missing

    def _title(self, entry: CatalogEntry, language: str) -> str:
        return self.translations.title(entry.item.identifier, language, entry.title)
