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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from assistant.chat.types import Citation
from assistant.frameworks.catalog import CatalogEntry, FrameworkCatalog
from assistant.frameworks.translations import Translations
from assistant.index.records import IndexRecords
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
            return _section_text([c for c in chunks if _section(c) == section]) or None
        untitled = [c for c in chunks if not _section(c)]
        if untitled:
            return _section_text(untitled) or None
        names = list(dict.fromkeys(_section(c) for c in chunks))
        parts = [
            f"**{name}**\n\n{_section_text([c for c in chunks if _section(c) == name])}"
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


def _section(chunk: Chunk) -> str:
    return str(chunk.metadata.get("section") or "")


def _number(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _section_text(chunks: Sequence[Chunk]) -> str:
    """One section from its chunks: page by page, part by part. Two sections that share a
    name (a heading repeated in one file) follow one another instead of being interleaved."""
    ordered = sorted(
        chunks, key=lambda c: (_number(c.metadata.get("page")), _number(c.metadata.get("part")))
    )
    runs: list[list[str]] = []
    seen: dict[tuple[int, int], int] = {}
    for chunk in ordered:
        key = (_number(chunk.metadata.get("page")), _number(chunk.metadata.get("part")))
        run = seen.get(key, 0)
        seen[key] = run + 1
        if run == len(runs):
            runs.append([])
        runs[run].append(_body(chunk))
    return "\n\n".join(text for text in (_joined(run) for run in runs) if text)


def _body(chunk: Chunk) -> str:
    """A chunk's text without the heading line the chunker starts each part with."""
    title = str(chunk.metadata.get("title") or "")
    name = _section(chunk)
    heading = f"{title} — {name}" if name else title
    prefix = f"{heading}\n\n"
    text = chunk.text[len(prefix) :] if chunk.text.startswith(prefix) else chunk.text
    return text.strip()


def _joined(pieces: Iterable[str]) -> str:
    """Consecutive parts of one section as one text: the start of a part that repeats the end
    of the one before (the splitter's overlap) is dropped; a part that starts at a ". "
    boundary continues its sentence; any other part starts a new paragraph."""
    text = ""
    for piece in pieces:
        if not text:
            text = piece
            continue
        shared = _overlap(text, piece)
        if shared:
            text += piece[shared:]
        elif piece.startswith("."):
            text += piece
        else:
            text += "\n\n" + piece
    return text


def _overlap(before: str, after: str) -> int:
    """How many leading characters of `after` repeat the end of `before`, counting only runs
    that start and end where the splitter cuts (at whitespace, or a kept ". " separator)."""
    cuts = [size for size in range(1, min(len(before), len(after)) + 1) if _cut_after(after, size)]
    for size in reversed(cuts):
        head = after[:size]
        starts = size == len(before) or before[-size - 1].isspace() or head.startswith(".")
        if starts and before.endswith(head):
            return size
    return 0


def _cut_after(text: str, size: int) -> bool:
    return size == len(text) or text[size].isspace() or text.startswith(". ", size)
