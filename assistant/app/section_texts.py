"""The whole text a citation names, for a reader who opens it.

A guide or resource section comes back as all its indexed parts, in order, without the heading
line the chunker puts on each part and without the text the parts overlap by; the questions a
section lists (chunks of doc_type "question") are never part of it. A citation that names a
document but no section gets the whole document. A competency comes back as its statement and
its level descriptors from the framework catalog, in the asked language where the framework's
translations have it. Anything else (the class report, a source no longer indexed) has no text
here: None, and the page shows the citation's snippet instead. No Streamlit here.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from assistant.chat.types import Citation
from assistant.frameworks.catalog import CatalogEntry, FrameworkCatalog
from assistant.frameworks.translations import Translations
from assistant.index.records import IndexRecords
from assistant.index.section_text import section_name, section_text
from assistant.types import QUESTION, Chunk

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SectionTexts:
    records: IndexRecords
    catalog: Callable[[], FrameworkCatalog]
    translations: Translations

    def for_citation(self, citation: Citation, language: str = "en") -> str | None:
        """The text to show when a citation is opened; None when there is none to show."""
        if citation.code:
            found = self.competency_text(citation.source, citation.code, language)
            if found:
                return found
        return self.section_text(citation.source, citation.section, code=citation.code)

    def section_text(
        self, source: str, section: str | None, *, code: str | None = None
    ) -> str | None:
        """The full text of one indexed section of `source` (a guide's path, a framework's
        title): with `section` None, the section without a heading, or else the whole document;
        with `code`, only that competency's chunks. None when nothing of it is indexed."""
        chunks = self._chunks(source, code)
        if section is not None:
            return section_text([c for c in chunks if section_name(c) == section]) or None
        untitled = [c for c in chunks if not section_name(c)]
        if untitled:
            return section_text(untitled) or None
        names = list(dict.fromkeys(section_name(c) for c in chunks))
        parts = [
            f"**{name}**\n\n{section_text([c for c in chunks if section_name(c) == name])}"
            for name in names
        ]
        return "\n\n".join(parts) or None

    def competency_text(self, framework: str, code: str, language: str = "en") -> str | None:
        """A competency's statement and what each of its proficiency levels looks like."""
        entry = self._entry(framework, code)
        if entry is None:
            return None
        statement = self.translations.statement(entry.identifier, language, entry.item.statement)
        lines = [statement.strip(), ""]
        for level in self.catalog().scale(entry.identifier).levels:
            name = self.translations.level_name(level.label, language)
            description = self.translations.descriptor(
                entry.code, level.score, language, level.description
            ).strip()
            line = f"- {level.score:g} {name}"
            lines.append(f"{line}: {description}" if description else line)
        return "\n".join(lines).strip()

    def _entry(self, framework: str, code: str) -> CatalogEntry | None:
        found = self.catalog().matches(code)
        named = [e for e in found if framework in (e.framework_title, e.framework_id)]
        if len(named) == 1:
            return named[0]
        return found[0] if len(found) == 1 else None

    def _chunks(self, source: str, code: str | None) -> list[Chunk]:
        """The source's chunks as recorded from one root (the first one that has it), never
        its listed questions; with `code`, only the chunks of that competency."""
        try:
            recorded = self.records.source_chunks(source)
        except sqlite3.Error as exc:
            log.warning("index records unreadable, a source is shown by its snippet: %s", exc)
            return []
        roots = [root for root, _ in recorded]
        return [
            chunk
            for root, chunk in recorded
            if root == roots[0]
            and chunk.metadata.get("doc_type") != QUESTION
            and (code is None or str(chunk.metadata.get("code") or "") == code)
        ]
