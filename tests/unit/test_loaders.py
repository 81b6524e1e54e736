"""Guide loaders: every format gives titled sections; bad files are refused by name."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from assistant.errors import DocumentLoadError
from assistant.ingest.chunking import GuideChunker
from assistant.ingest.loaders import load_guide

GUIDE = """---
title: Helping at home
audience: parents
topic: home-help
language: en
sources: ["Aurora Institute"]
competencies: [M.6.RP.1]
---
# Helping at home

A short welcome.

## Ratios in the kitchen

Double a recipe together.

### A worked example

Two cups of flour for every cup of milk.

## Questions to ask

What did you try first?
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_markdown_front_matter_and_heading_paths(tmp_path: Path) -> None:
    doc = load_guide(
        write(tmp_path, "home.en.md", GUIDE), "guides/parents/home.en.md", max_bytes=10_000
    )
    assert (doc.title, doc.audience, doc.language, doc.topic) == (
        "Helping at home",
        "parents",
        "en",
        "home-help",
    )
    assert doc.competencies == ("M.6.RP.1",)
    assert doc.sources == ("Aurora Institute",)
    assert [s.headings for s in doc.sections] == [
        ("Helping at home",),
        ("Helping at home", "Ratios in the kitchen"),
        ("Helping at home", "Ratios in the kitchen", "A worked example"),
        ("Helping at home", "Questions to ask"),
    ]
    assert doc.doc_type == "guide"


def test_chunks_carry_section_path_and_audience(tmp_path: Path) -> None:
    doc = load_guide(
        write(tmp_path, "home.en.md", GUIDE), "guides/parents/home.en.md", max_bytes=10_000
    )
    chunks = GuideChunker(1000, 100).chunks(doc)
    sections = [c.metadata["section"] for c in chunks]
    assert "Ratios in the kitchen > A worked example" in sections
    assert all(c.metadata["audience"] == "parents" for c in chunks)
    assert chunks[1].text.startswith("Helping at home — Ratios in the kitchen")
    again = GuideChunker(1000, 100).chunks(doc)
    assert [c.id for c in chunks] == [c.id for c in again]


WITH_QUESTIONS = GUIDE.replace(
    "competencies: [M.6.RP.1]\n",
    "competencies: [M.6.RP.1]\nquestions:\n"
    '  "Ratios in the kitchen":\n    - how do i help with ratios\n    - cooking and math?\n'
    '  "Ratios in the kitchen > A worked example":\n    - show me an example\n',
)


def test_listed_questions_become_chunks_that_point_to_their_section(tmp_path: Path) -> None:
    doc = load_guide(
        write(tmp_path, "home.en.md", WITH_QUESTIONS), "guides/parents/h.en.md", max_bytes=10_000
    )
    assert doc.questions == {
        "Ratios in the kitchen": ("how do i help with ratios", "cooking and math?"),
        "Ratios in the kitchen > A worked example": ("show me an example",),
    }
    chunks = GuideChunker(1000, 100).chunks(doc)
    asked = [c for c in chunks if c.metadata["doc_type"] == "question"]
    assert [(c.text, c.metadata["section"], c.metadata["part"]) for c in asked] == [
        ("how do i help with ratios", "Ratios in the kitchen", 1),
        ("cooking and math?", "Ratios in the kitchen", 2),
        ("show me an example", "Ratios in the kitchen > A worked example", 1),
    ]
    assert all(c.metadata["answers"] == "guide" for c in asked)
    opening = next(
        c
        for c in chunks
        if c.metadata["section"] == "Ratios in the kitchen" and c.metadata["doc_type"] == "guide"
    )
    assert opening.metadata["part"] == 0
    assert opening.metadata["questions"] == "how do i help with ratios\ncooking and math?"


@pytest.mark.parametrize(
    ("questions", "expected"),
    [
        ('questions:\n  "Ratios at the shop":\n    - x\n', "'Ratios at the shop', which is not"),
        ("questions: [a, b]\n", "questions must map section headings"),
        ('questions:\n  "Questions to ask": {a: 1}\n', "must be a list of strings"),
    ],
)
def test_questions_for_a_missing_section_or_of_the_wrong_shape_are_refused(
    tmp_path: Path, questions: str, expected: str
) -> None:
    text = GUIDE.replace("competencies: [M.6.RP.1]\n", f"competencies: [M.6.RP.1]\n{questions}")
    with pytest.raises(DocumentLoadError) as caught:
        load_guide(write(tmp_path, "q.en.md", text), "guides/parents/q.en.md", max_bytes=10_000)
    assert caught.value.path == "guides/parents/q.en.md"
    assert expected in str(caught.value)


def test_long_section_is_split_with_overlap(tmp_path: Path) -> None:
    body = " ".join(f"Sentence number {n} talks about unit rates." for n in range(200))
    doc = load_guide(
        write(tmp_path, "long.md", f"# Long\n\n## Part\n\n{body}\n"), "long.md", max_bytes=100_000
    )
    chunks = GuideChunker(500, 100).chunks(doc)
    assert len(chunks) > 10
    assert all(len(c.text) <= 500 + 40 for c in chunks)
    first, second = (c.text.split("\n\n", 1)[1] for c in chunks[:2])
    assert first[-60:].split()[-1] in second  # overlap carries the end of one into the next


def test_folder_gives_audience_when_front_matter_is_silent(tmp_path: Path) -> None:
    doc = load_guide(
        write(tmp_path, "x.md", "# Title\n\nSome text."), "guides/teachers/x.md", max_bytes=10_000
    )
    assert doc.audience == "teachers"
    resource = load_guide(
        write(tmp_path, "y.md", "# Task\n\nDo it."), "resources/math/y.md", max_bytes=10_000
    )
    assert resource.doc_type == "resource"


def test_bad_audience_is_refused_naming_the_field(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.md", "---\ntitle: X\naudience: robots\n---\n# X\n\ntext\n")
    with pytest.raises(DocumentLoadError, match="audience is 'robots'"):
        load_guide(path, "bad.md", max_bytes=10_000)


def test_empty_and_heading_only_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DocumentLoadError, match="empty.md: has no text"):
        load_guide(write(tmp_path, "empty.md", "   \n"), "empty.md", max_bytes=10_000)
    with pytest.raises(DocumentLoadError, match="has no text"):
        load_guide(write(tmp_path, "h.md", "# Only a title\n"), "h.md", max_bytes=10_000)


def test_binary_file_posing_as_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "blob.txt"
    path.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(DocumentLoadError, match="binary"):
        load_guide(path, "blob.txt", max_bytes=10_000)


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path, "big.md", "# Big\n\n" + "x" * 5000)
    with pytest.raises(DocumentLoadError, match="over the 1,024-byte limit"):
        load_guide(path, "big.md", max_bytes=1024)


def test_html_headings_become_sections_and_scripts_vanish(tmp_path: Path) -> None:
    html = """<html lang="es"><head><title>Guía</title><meta name="audience" content="parents">
    <script>alert('x')</script></head><body><h1>Guía</h1><p>Hola familias.</p>
    <h2>Niveles</h2><p>Un 3 significa competente.</p><ul><li>Nivel 1</li></ul></body></html>"""
    doc = load_guide(write(tmp_path, "g.html", html), "g.html", max_bytes=10_000)
    assert (doc.title, doc.audience, doc.language) == ("Guía", "parents", "es")
    assert doc.sections[1].headings == ("Guía", "Niveles")
    assert "- Nivel 1" in doc.sections[1].text
    assert all("alert" not in s.text for s in doc.sections)


def test_pdf_pages_keep_their_numbers(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    path = tmp_path / "guide.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.drawString(72, 720, "Page one talks about ratios.")
    pdf.showPage()
    pdf.drawString(72, 720, "Page two talks about percents.")
    pdf.save()
    doc = load_guide(path, "guide.pdf", max_bytes=1_000_000)
    assert [s.page for s in doc.sections] == [1, 2]
    assert "percents" in doc.sections[1].text


def test_pdf_without_text_and_corrupt_pdf_are_refused(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    blank = tmp_path / "blank.pdf"
    pdf = canvas.Canvas(str(blank))
    pdf.showPage()
    pdf.save()
    with pytest.raises(DocumentLoadError, match="blank.pdf: has no text"):
        load_guide(blank, "blank.pdf", max_bytes=1_000_000)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nthis is not really a pdf")
    with pytest.raises(DocumentLoadError, match="broken.pdf: cannot be read as PDF"):
        load_guide(broken, "broken.pdf", max_bytes=1_000_000)


def test_docx_headings_and_tables(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Teacher notes", level=1)
    document.add_paragraph("Intro paragraph.")
    document.add_heading("Grouping", level=2)
    document.add_paragraph("Group by shared prerequisite.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Tier 2"
    table.rows[0].cells[1].text = "Targeted"
    path = tmp_path / "notes.docx"
    document.save(str(path))
    doc = load_guide(path, "guides/teachers/notes.docx", max_bytes=1_000_000)
    assert doc.title == "Teacher notes"
    assert doc.sections[1].headings == ("Teacher notes", "Grouping")
    assert "Tier 2 | Targeted" in doc.sections[-1].text


def test_docx_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fake.docx"
    path.write_text("not a zip")
    with pytest.raises(DocumentLoadError, match="fake.docx: cannot be read as DOCX"):
        load_guide(path, "fake.docx", max_bytes=1_000_000)


def test_docx_zip_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("word/document.xml", b"\x00" * (210 * 1024 * 1024))
    with pytest.raises(DocumentLoadError, match="zip bomb"):
        load_guide(path, "bomb.docx", max_bytes=10_000_000)
