"""Read guides and resources (Markdown, text, HTML, PDF, DOCX) into titled sections.

Whatever the file holds, loading ends in a GuideDocument or in a DocumentLoadError naming the
file: a file over the size limit is refused by its size before it is read, a DOCX that would
expand beyond a limit is refused before it is unpacked, front matter must be YAML whose fields
have the right types, and a parser's own error is reported as the file being unreadable.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from assistant.errors import DocumentLoadError
from assistant.types import AUDIENCES

GUIDE_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
SURROGATES = re.compile("[\ud800-\udfff]")
TEXT_FIELDS = ("title", "audience", "topic", "language")
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Section:
    """A run of text under one heading path; `page` for paginated formats."""

    headings: tuple[str, ...]
    text: str
    page: int | None = None


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


# Markdown and plain text -------------------------------------------------------------------
def read_markdown(path: Path) -> tuple[dict[str, Any], list[Section]]:
    text = _read_text(path)
    try:
        post = frontmatter.loads(text)
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        # ValueError: a date such as 0000-00-00; RecursionError: nesting too deep for Python.
        detail = " ".join(str(exc).split())[:200] or type(exc).__name__
        reason = f"has front matter that is not valid YAML ({detail})"
        raise DocumentLoadError(path.name, reason) from exc
    return dict(post.metadata), markdown_sections(post.content)


def markdown_sections(text: str) -> list[Section]:
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    lines: list[str] = []
    in_fence = False

    def flush() -> None:
        body = "\n".join(lines).strip()
        if body:
            sections.append(Section(tuple(title for _, title in stack), body))
        lines.clear()

    for line in text.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, match.group(2).strip()))
        else:
            lines.append(line)
    flush()
    if not sections and stack:
        # A file of headings only still has text: keep its title so it is not silently empty.
        return []
    return sections


def read_text(path: Path) -> tuple[dict[str, Any], list[Section]]:
    meta, sections = read_markdown(path)
    return meta, [Section(s.headings, s.text) for s in sections]


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    for bom, encoding in BOMS:  # UTF-16 and UTF-32 text say so with a byte-order mark
        if raw.startswith(bom) and encoding != "utf-8-sig":
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError as exc:
                reason = f"starts as {encoding.upper()} text but is not ({exc.reason})"
                raise DocumentLoadError(path.name, reason) from exc
            if "\x00" in text:
                raise DocumentLoadError(path.name, "is binary, not text")
            return text
    if b"\x00" in raw:
        raise DocumentLoadError(path.name, "is binary, not text")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentLoadError(path.name, "is not UTF-8 or Windows-1252 text")


# HTML --------------------------------------------------------------------------------------
def read_html(path: Path) -> tuple[dict[str, Any], list[Section]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_read_text(path), "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "nav", "footer"]):
        tag.decompose()
    meta: dict[str, Any] = {}
    for tag in soup.find_all("meta"):
        name, content = tag.get("name"), tag.get("content")
        if (
            isinstance(name, str)
            and isinstance(content, str)
            and name in ("audience", "topic", "language")
        ):
            meta[name] = content
    if soup.title and soup.title.string:
        meta["title"] = soup.title.string.strip()
    html_tag = soup.find("html")
    if html_tag is not None and "language" not in meta:
        lang = html_tag.get("lang")
        if isinstance(lang, str) and lang:
            meta["language"] = lang.split("-")[0]
    body = soup.body or soup
    parts: list[str] = []
    for element in body.find_all(
        ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "pre", "blockquote"]
    ):
        text = " ".join(element.get_text(" ", strip=True).split())
        if not text:
            continue
        name = str(element.name)
        if name.startswith("h"):
            parts.append("#" * int(name[1]) + " " + text)
        elif name == "li":
            parts.append("- " + text)
        else:
            parts.append(text)
    return meta, markdown_sections("\n\n".join(parts))


# PDF ---------------------------------------------------------------------------------------
# Text extraction reads every drawing operator (about a second per megabyte), so the page
# content a PDF may expand to is bounded: a few kilobytes of deflated operators must not keep
# the indexer busy for hours. Real PDFs deflate their content streams by 3 to 10 times.
PDF_CONTENT_FLOOR = 4 * 1024 * 1024
PDF_CONTENT_RATIO = 20


def read_pdf(path: Path) -> tuple[dict[str, Any], list[Section]]:
    from pypdf import PdfReader

    budget = max(PDF_CONTENT_FLOOR, PDF_CONTENT_RATIO * path.stat().st_size)
    reader = PdfReader(str(path))
    if reader.is_encrypted:
        raise DocumentLoadError(path.name, "is an encrypted PDF")
    meta: dict[str, Any] = {}
    if reader.metadata and reader.metadata.title:
        meta["title"] = str(reader.metadata.title)
    used = 0
    for number, page in enumerate(reader.pages, start=1):  # measure first: inflating is fast
        contents = page.get_contents()
        used += len(contents.get_data()) if contents is not None else 0
        if used > budget:
            raise DocumentLoadError(
                path.name,
                f"has page content that expands to more than {budget:,} bytes by page "
                f"{number} (a decompression bomb?)",
            )
    sections = []
    for number, page in enumerate(reader.pages, start=1):
        text = (page.extract_text() or "").strip()
        if text:
            sections.append(Section((), text, page=number))
    return meta, sections


# DOCX --------------------------------------------------------------------------------------
MAX_DOCX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_DOCX_PARTS = 10_000
DOCX_READ_CHUNK = 1024 * 1024


def read_docx(path: Path) -> tuple[dict[str, Any], list[Section]]:
    import docx

    document = docx.Document(_unpack_docx(path))
    meta: dict[str, Any] = {}
    if document.core_properties.title:
        meta["title"] = document.core_properties.title
    lines: list[str] = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        level = _heading_level(style)
        lines.append(("#" * level + " " + text) if level else text)
    for table in document.tables:
        for row in table.rows:
            cells = [cell.text.strip() for cell in row.cells if cell.text.strip()]
            if cells:
                lines.append(" | ".join(cells))
    return meta, markdown_sections("\n\n".join(lines))


def _unpack_docx(path: Path) -> io.BytesIO:
    """The DOCX re-packed in memory, each part inflated in bounded steps to at most its declared
    size (a part whose data does not match its declared size and CRC is refused by zipfile), so
    that python-docx never inflates more than the sizes the zip bomb guard has checked."""
    with zipfile.ZipFile(path) as archive:
        parts = [info for info in archive.infolist() if not info.is_dir()]
        if len(parts) > MAX_DOCX_PARTS:
            raise DocumentLoadError(path.name, f"has more than {MAX_DOCX_PARTS:,} parts")
        if sum(info.file_size for info in parts) > MAX_DOCX_UNCOMPRESSED:
            raise DocumentLoadError(path.name, "expands to more than 200 MB (a zip bomb?)")
        clean = io.BytesIO()
        with zipfile.ZipFile(clean, "w", compression=zipfile.ZIP_STORED) as copy:
            for info in parts:
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    raise DocumentLoadError(
                        path.name,
                        f"has a part compressed in a way DOCX does not use: {info.filename}",
                    )
                chunks: list[bytes] = []
                with archive.open(info) as member:
                    while chunk := member.read(DOCX_READ_CHUNK):
                        chunks.append(chunk)
                copy.writestr(info.filename, b"".join(chunks))
    clean.seek(0)
    return clean


def _heading_level(style: str) -> int:
    if style == "Title":
        return 1
    match = re.match(r"Heading (\d)", style)
    return min(int(match.group(1)), 6) if match else 0


READERS: dict[str, Callable[[Path], tuple[dict[str, Any], list[Section]]]] = {
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".txt": read_text,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
}
