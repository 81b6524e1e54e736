"""Answers straight from the frameworks: the competencies asked for, and a competency's exit
check (the one its teacher guide's mini-lesson ends with)."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.chat.answers.listing import listed
from assistant.chat.catalog_words import CatalogWords
from assistant.chat.citations import competency_citation
from assistant.chat.templates import AnswerTemplates
from assistant.chat.types import Answer, AskContext, Citation
from assistant.frameworks.catalog import CatalogEntry, FrameworkCatalog
from assistant.frameworks.codes import codes_in
from assistant.frameworks.practice import Activity

# Asking for an exit check on a competency: the one its mini-lesson ends with.
EXIT_CHECK = re.compile(
    r"\bexit (check|ticket|slip|question)s?\b|\bticket out( the door)?\b"
    r"|\b(boleto|pregunta|ticket) de salida\b",
    re.I,
)


class CatalogAnswers:
    def __init__(
        self,
        templates: AnswerTemplates,
        catalog: Callable[[], FrameworkCatalog],
        words: CatalogWords,
    ) -> None:
        self.templates = templates
        self._catalog = catalog
        self.words = words

    def listing(self, question: str, context: AskContext) -> Answer:
        """The competencies asked for, one line each, straight from the frameworks."""
        language = context.language or "en"
        entries = listed(self._catalog(), question)
        lines: list[str] = []
        rows: list[str] = []
        for framework in dict.fromkeys(e.framework_title for e in entries):
            mine = [e for e in entries if e.framework_title == framework]
            if lines:
                lines.append("")
            lines.append(
                self.templates.render("listing", language, count=len(mine), framework=framework)
            )
            rows += [f"- {entry.code} {self.words.title(entry, language)}" for entry in mine]
            lines += rows[-len(mine) :]
        return Answer(
            "\n".join(lines),
            "explain_competency",
            language,
            tuple(competency_citation(e, self.words.title(e, language)) for e in entries),
            facts=tuple(rows),
        )

    def exit_check(self, question: str, context: AskContext) -> Answer | None:
        """An exit check asked for on a named competency: the one its teacher guide's
        mini-lesson ends with (None when not asked, or the competency has none)."""
        if not EXIT_CHECK.search(question):
            return None
        catalog = self._catalog()
        entry = next(filter(None, (catalog.lookup(code) for code in codes_in(question))), None)
        entry = entry or self.words.titled(EXIT_CHECK.sub(" ", question), context.language or "en")
        if entry is None:
            return None
        checks = [a for a in catalog.activities(entry.identifier) if a.exit_check]
        return self._exit_check_answer(entry, checks[0], context) if checks else None

    def _exit_check_answer(
        self, entry: CatalogEntry, activity: Activity, context: AskContext
    ) -> Answer:
        language = context.language or "en"
        text = self.templates.render(
            "exit_check",
            language,
            code=entry.code,
            title=self.words.title(entry, language),
            check=activity.exit_check,
            section=activity.section,
            guide=activity.guide,
        )
        citation = Citation(activity.path, activity.guide, activity.section, None, text)
        return Answer(
            f"{text} [1]",
            "explain_competency",
            language,
            (citation, competency_citation(entry, self.words.title(entry, language))),
            topic={"code": entry.code},
            facts=(text,),
        )
