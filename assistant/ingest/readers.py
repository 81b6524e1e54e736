"""Read each file type a guide may come in (Markdown, text, HTML, PDF, DOCX) into front matter
and sections under their headings. Each reader is bounded before it parses: text must decode, a
PDF's page content and a DOCX's parts may expand only so far (see loaders.py for the limits on
the file itself and the checks on its front matter)."""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from assistant.errors import DocumentLoadError

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
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
