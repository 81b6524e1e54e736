"""Load guides and resources (Markdown, text, HTML, PDF, DOCX) as documents: titled sections
and checked front matter (the readers of each file type are in readers.py).

Whatever the file holds, loading ends in a GuideDocument or in a DocumentLoadError naming the
file: a file over the size limit is refused by its size before it is read, a DOCX that would
expand beyond a limit is refused before it is unpacked, front matter must be YAML whose fields
have the right types, and a parser's own error is reported as the file being unreadable.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import DocumentLoadError
from assistant.ingest.readers import READERS, Section
from assistant.types import AUDIENCES

GUIDE_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx")
SURROGATES = re.compile("[\ud800-\udfff]")
TEXT_FIELDS = ("title", "audience", "topic", "language")


@dataclass
class GuideDocument:
    """A loaded guide or resource: its front matter and its sections."""

    path: str
    title: str
    audience: str = "all"
    topic: str = ""
    language: str = "en"
    sources: tuple[str, ...] = ()
    competencies: tuple[str, ...] = ()
    doc_type: str = "guide"
    sections: list[Section] = field(default_factory=list)
    # the questions each section answers, by section name (its headings below the title)
    questions: dict[str, tuple[str, ...]] = field(default_factory=dict)


def load_guide(path: Path, relative: str, *, max_bytes: int) -> GuideDocument:
    """Load one file; raises DocumentLoadError naming the file when it cannot be used."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentLoadError(relative, f"cannot be read ({exc.strerror or exc})") from exc
    if size > max_bytes:
        raise DocumentLoadError(relative, f"is {size:,} bytes, over the {max_bytes:,}-byte limit")
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise DocumentLoadError(relative, f"has an unsupported file type {path.suffix!r}")
    try:
        meta, sections = reader(path)
    except DocumentLoadError as exc:
        raise DocumentLoadError(relative, exc.reason) from exc
    except Exception as exc:  # a parser's own error: report it as unreadable, by name
        detail = " ".join(str(exc).split())[:300]
        kind = path.suffix[1:].upper()
        reason = f"cannot be read as {kind} ({type(exc).__name__}: {detail})"
        raise DocumentLoadError(relative, reason) from exc
    sections = [_clean_section(s) for s in sections if s.text.strip()]
    if not sections:
        raise DocumentLoadError(relative, "has no text")
    return _document(relative, meta, sections)


def _clean_section(section: Section) -> Section:
    """Unpaired surrogates (from a PDF's text layer, say) cannot be stored: U+FFFD instead."""
    if not any(SURROGATES.search(text) for text in (section.text, *section.headings)):
        return section
    return Section(
        tuple(SURROGATES.sub("\ufffd", h) for h in section.headings),
        SURROGATES.sub("\ufffd", section.text),
        section.page,
    )


def _document(relative: str, meta: dict[str, Any], sections: list[Section]) -> GuideDocument:
    meta = {**meta, **{key: _scalar(meta.get(key), relative, key) for key in TEXT_FIELDS}}
    parts = Path(relative).parts
    audience = str(meta.get("audience") or _audience_from_folder(parts)).strip().lower()
    if audience not in AUDIENCES:
        allowed = " | ".join(AUDIENCES)
        raise DocumentLoadError(
            relative, f"front matter field audience is {audience!r}; expected {allowed}"
        )
    title = str(meta.get("title") or _first_heading(sections) or Path(relative).stem).strip()
    topic = str(meta.get("topic") or "")
    doc_type = "resource" if "resources" in parts or topic == "practice" else "guide"
    questions = _questions(meta.get("questions"), relative, title, sections)
    return GuideDocument(
        path=relative,
        title=title,
        audience=audience,
        topic=topic,
        language=str(meta.get("language") or "en").strip().lower(),
        sources=_strings(meta.get("sources"), relative, "sources"),
        competencies=_strings(meta.get("competencies"), relative, "competencies"),
        doc_type=doc_type,
        sections=sections,
        questions=questions,
    )


def section_name(headings: tuple[str, ...], title: str) -> str:
    """How a section is named in the index: its headings below the document's title."""
    if headings and headings[0] == title:
        headings = headings[1:]
    return " > ".join(headings)


def _questions(
    value: Any, relative: str, title: str, sections: list[Section]
) -> dict[str, tuple[str, ...]]:
    """Front matter `questions:` maps a section's heading to the questions it answers; a heading
    that names no section of the file is an error (a renamed heading would lose its questions)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise DocumentLoadError(
            relative, "front matter field questions must map section headings to lists"
        )
    names = {section_name(s.headings, title) for s in sections}
    found: dict[str, tuple[str, ...]] = {}
    for heading, listed in value.items():
        name = str(heading).strip()
        if name not in names:
            raise DocumentLoadError(
                relative, f"front matter field questions names {name!r}, which is not a section"
            )
        questions = _strings(listed, relative, f"questions[{name!r}]")
        found[name] = tuple(q.strip() for q in questions if q.strip())
    return found


def _scalar(value: Any, relative: str, name: str) -> str | None:
    """A front matter field that must be one value (text, a number or a date)."""
    if value is None:
        return None
    if isinstance(value, str | int | float | dt.date) and not isinstance(value, bool):
        return SURROGATES.sub("\ufffd", str(value))
    kind = "true/false (quote it)" if isinstance(value, bool) else type(value).__name__
    raise DocumentLoadError(relative, f"front matter field {name} must be text, not {kind}")


def _strings(value: Any, relative: str, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (SURROGATES.sub("\ufffd", value),)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return tuple(SURROGATES.sub("\ufffd", str(v)) for v in value)
    raise DocumentLoadError(relative, f"front matter field {name} must be a list of strings")


def _audience_from_folder(parts: tuple[str, ...]) -> str:
    for part in parts:
        if part in AUDIENCES:
            return part
    return "all"


def _first_heading(sections: list[Section]) -> str:
    for section in sections:
        if section.headings:
            return section.headings[0]
    return ""
