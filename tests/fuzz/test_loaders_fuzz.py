"""The guide loaders never crash: every file ends in a GuideDocument or a DocumentLoadError.

Inputs: Markdown with random front matter (YAML of every type, alias bombs, 0000-00-00 dates,
unpaired surrogates), random bytes under every suffix, the bundled guides and generated PDF,
DOCX and HTML truncated or with bytes changed, other encodings (UTF-16/32 with a byte-order
mark, Windows-1252, NUL bytes), a DOCX zip bomb (honest and lying sizes), a PDF with only a
drawing, a PDF whose few kilobytes inflate to megabytes of drawing operators, and a 100 MB file.
"""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from assistant.errors import DocumentLoadError
from assistant.ingest.chunking import GuideChunker
from assistant.ingest.loaders import (
    GUIDE_SUFFIXES,
    GuideDocument,
    _clean_section,
    _document,
    load_guide,
)
from assistant.ingest.readers import Section
from tests.fuzz.support import REPO, fuzz, peak_memory, sparse_file

LIMIT = 20 * 1024 * 1024
GUIDES = sorted((REPO / "knowledge" / "guides").rglob("*.md"))
CHUNKER = GuideChunker(1000, 150)


def load_or_refuse(path: Path, relative: str | None = None) -> GuideDocument | None:
    """The property: a document whose sections have text (and chunk), or a refusal by name."""
    name = relative or path.name
    try:
        document = load_guide(path, name, max_bytes=LIMIT)
    except DocumentLoadError as exc:
        assert str(exc).startswith(f"{name}: ") and "\n" not in str(exc), exc
        return None
    assert document.sections and all(s.text.strip() for s in document.sections)
    for text in (document.title, *(s.text for s in document.sections)):
        text.encode("utf-8")  # storable: no unpaired surrogates
    CHUNKER.chunks(document)
    return document


def _pdf(pages: list[str]) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setTitle("A generated guide")
    for text in pages:
        pdf.drawString(72, 720, text)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Teacher notes", level=1)
    document.add_paragraph("Group learners by the prerequisite they share.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Tier 2"
    table.rows[0].cells[1].text = "Targeted"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


HTML = (
    b"<html lang='es-MX'><head><title>Gu\xc3\xada</title><meta name='audience' "
    b"content='parents'></head><body><nav>skip</nav><h1>Razones</h1><p>Una raz\xc3\xb3n "
    b"compara dos cantidades.</p><ul><li>uno</li><li>dos</li></ul><script>x()</script>"
    b"</body></html>"
)
SAMPLES: dict[str, bytes] = {
    ".pdf": _pdf(["Page one talks about ratios.", "Page two talks about percents."]),
    ".docx": _docx(),
    ".html": HTML,
    ".md": GUIDES[0].read_bytes(),
    ".txt": b"Plain notes\n\nA line of text about rates.\n",
}


@fuzz(1.5)
@given(st.sampled_from(GUIDES + list(SAMPLES)), st.data())
def test_truncated_guides_load_or_are_refused_by_name(
    tmp_path_factory: pytest.TempPathFactory, source: Path | str, data: st.DataObject
) -> None:
    if isinstance(source, Path):
        raw, suffix = source.read_bytes(), source.suffix
    else:
        raw, suffix = SAMPLES[source], source
    cut = data.draw(st.integers(0, len(raw)), label="cut")
    path = tmp_path_factory.mktemp("cut") / f"guide{suffix}"
    path.write_bytes(raw[:cut])
    load_or_refuse(path)


@fuzz()
@given(
    st.sampled_from(sorted(SAMPLES)),
    st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.binary(max_size=6)), min_size=1, max_size=8
    ),
)
def test_guides_with_bytes_changed_load_or_are_refused(
    tmp_path_factory: pytest.TempPathFactory, suffix: str, edits: list[tuple[float, bytes]]
) -> None:
    raw = bytearray(SAMPLES[suffix])
    for where, replacement in edits:
        at = int(where * len(raw))
        raw[at : at + max(len(replacement), 1)] = replacement
    path = tmp_path_factory.mktemp("bytes") / f"changed{suffix}"
    path.write_bytes(bytes(raw))
    load_or_refuse(path)


@fuzz()
@given(st.sampled_from(GUIDE_SUFFIXES), st.binary(max_size=512))
def test_random_bytes_under_every_suffix_load_or_are_refused(
    tmp_path_factory: pytest.TempPathFactory, suffix: str, raw: bytes
) -> None:
    path = tmp_path_factory.mktemp("random") / f"noise{suffix}"
    path.write_bytes(raw)
    load_or_refuse(path, f"guides/teachers/noise{suffix}")


yaml_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.dates()
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)
front_matter = st.one_of(
    st.dictionaries(
        st.sampled_from(
            ["title", "audience", "topic", "language", "sources", "competencies", "other"]
        ),
        yaml_values
        | st.sampled_from(["parents", "teachers", "students", "all", "Parents ", "=1+1"]),
    ).map(lambda meta: yaml.safe_dump(meta, allow_unicode=True)),
    st.text(max_size=80),
    st.sampled_from(
        [
            "title: 0000-00-00",
            "title: 2026-02-30",
            'title: "\\ud800 broken"',
            "title: [unclosed",
            "audience: !!python/object/apply:os.system ['true']",
            "title: &a [*a]",
            "sources: " + "[" * 500 + "]" * 500,
            "title: yes",
            "\t- tab",
        ]
    ),
)


@fuzz(2)
@given(front_matter, st.text(max_size=200), st.sampled_from([".md", ".txt"]))
def test_markdown_with_any_front_matter_loads_or_is_refused(
    tmp_path_factory: pytest.TempPathFactory, meta: str, body: str, suffix: str
) -> None:
    path = tmp_path_factory.mktemp("front") / f"guide{suffix}"
    path.write_text(f"---\n{meta}\n---\n# Heading\n\n{body}\nSome text.\n", encoding="utf-8")
    document = load_or_refuse(path, f"guides/parents/guide{suffix}")
    if document is not None:
        assert document.audience in ("all", "students", "parents", "teachers")


def refusal(path: Path, raw: bytes, relative: str | None = None) -> str:
    path.write_bytes(raw)
    name = relative or path.name
    with pytest.raises(DocumentLoadError) as caught:
        load_guide(path, name, max_bytes=LIMIT)
    message = str(caught.value)
    assert message.startswith(f"{name}: ") and "\n" not in message, message
    return message


def test_front_matter_of_the_wrong_kind_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "g.md"
    zero = refusal(path, b"---\ntitle: 0000-00-00\n---\nText.\n")
    assert "front matter that is not valid YAML (year 0 is out of range)" in zero
    listed = refusal(path, b"---\ntitle: [a, b]\n---\nText.\n")
    assert "front matter field title must be text, not list" in listed
    boolean = refusal(path, b"---\naudience: yes\n---\nText.\n")
    assert "must be text, not true/false (quote it)" in boolean
    deep = refusal(path, b"---\ntitle: " + b"[" * 5000 + b"]" * 5000 + b"\n---\nText.\n")
    assert "front matter" in deep


def test_a_yaml_alias_bomb_in_front_matter_is_refused_at_once(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    bomb = "---\n" + "\n".join(lines) + "\ntitle: *a9\n---\nBody text.\n"
    started = time.perf_counter()
    message = refusal(tmp_path / "bomb.md", bomb.encode())
    assert time.perf_counter() - started < 5
    assert "front matter field title must be text, not list" in message


def test_unpaired_surrogates_in_front_matter_are_refused_or_replaced(tmp_path: Path) -> None:
    # libyaml refuses the escape; the pure-Python YAML loader decodes it to a lone surrogate,
    # which the loader replaces (it could not be stored in the index otherwise).
    path = tmp_path / "s.md"
    path.write_bytes(b'---\ntitle: "Half \\ud800 pair"\nsources: ["\\udfff"]\n---\nText.\n')
    document = load_or_refuse(path)
    assert document is None or (document.title, document.sources) == (
        "Half \ufffd pair",
        ("\ufffd",),
    )
    python_yaml = yaml.load('title: "Half \\ud800 pair"', Loader=yaml.SafeLoader)
    section = Section(("\udc80 heading",), "text \ud800", 1)
    loaded = _document("s.md", python_yaml, [_clean_section(section)])
    assert loaded.title == "Half \ufffd pair"
    assert loaded.sections[0] == Section(("\ufffd heading",), "text \ufffd", 1)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig", "utf-16-be"])
def test_unicode_guides_with_a_byte_order_mark_load_as_utf8(tmp_path: Path, encoding: str) -> None:
    text = GUIDES[0].read_text(encoding="utf-8")
    plain = load_guide(GUIDES[0], "g.md", max_bytes=LIMIT)
    path = tmp_path / "g.md"
    raw = text.encode(encoding)
    if encoding == "utf-16-be":
        raw = b"\xfe\xff" + raw
    path.write_bytes(raw)
    again = load_guide(path, "g.md", max_bytes=LIMIT)
    assert (again.title, again.sections) == (plain.title, plain.sections)


def test_windows_1252_loads_and_nul_bytes_or_utf16_without_a_mark_are_refused(
    tmp_path: Path,
) -> None:
    path = tmp_path / "w.md"
    path.write_bytes("# Élève\n\nLes fractions – et les “ratios”.\n".encode("cp1252"))
    assert load_guide(path, "w.md", max_bytes=LIMIT).sections[0].text.endswith("“ratios”.")
    late_nul = b"# Title\n\n" + b"words " * 2000 + b"\x00 and more\n"
    assert refusal(tmp_path / "n.md", late_nul).endswith("is binary, not text")
    no_mark = "# Title\n\nText.\n".encode("utf-16-le")
    assert refusal(tmp_path / "u.md", no_mark).endswith("is binary, not text")
    broken = b"\xff\xfe" + "# Title\n".encode("utf-16-le") + b"\x00\xd8"
    assert "starts as UTF-16 text but is not" in refusal(tmp_path / "b.md", broken)
    undefined = b"# Title\n\n\x81\x8d\x8f\x90\x9d\n"  # not UTF-8, not Windows-1252
    assert "is not UTF-8 or Windows-1252 text" in refusal(tmp_path / "x.md", undefined)


def test_a_pdf_with_only_a_drawing_has_no_text(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    path = tmp_path / "drawing.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.setStrokeColorRGB(0.2, 0.4, 0.8)
    pdf.circle(300, 400, 120, stroke=1, fill=1)
    pdf.line(72, 72, 500, 700)
    pdf.rect(100, 100, 200, 50)
    pdf.showPage()
    pdf.save()
    with pytest.raises(DocumentLoadError, match=r"^drawing\.pdf: has no text$"):
        load_guide(path, "drawing.pdf", max_bytes=LIMIT)


def _inflating_pdf(pages: int, megabytes: int) -> bytes:
    """A PDF whose page content streams are megabytes of text operators deflated to KBs."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, StreamObject

    unit = b"BT /F1 12 Tf (a) Tj ET\n"
    chunk = unit * (1024 * 1024 // len(unit))
    squeeze = zlib.compressobj(9)
    content = b"".join(squeeze.compress(chunk) for _ in range(megabytes)) + squeeze.flush()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf(["seed"] * pages))))
    for page in writer.pages:
        stream = StreamObject()
        stream._data = content
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        page[NameObject("/Contents")] = writer._add_object(stream)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_pdf_that_inflates_to_megabytes_of_operators_is_refused_quickly(
    tmp_path: Path,
) -> None:
    # About a second of text extraction per megabyte: 40 pages of 1 MB from 120 KB of file.
    raw = _inflating_pdf(pages=40, megabytes=1)
    assert len(raw) < 200_000
    started = time.perf_counter()
    message = refusal(tmp_path / "bomb.pdf", raw)
    assert time.perf_counter() - started < 5
    assert "a decompression bomb?" in message and "by page 5" in message


def _docx_with_document(xml_chunks: int, chunk: bytes) -> bytes:
    """A real DOCX whose word/document.xml is replaced by a (large) streamed one."""
    source = zipfile.ZipFile(io.BytesIO(SAMPLES[".docx"]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                archive.writestr(info, source.read(info))
        with archive.open("word/document.xml", "w", force_zip64=True) as handle:
            handle.write(b'<?xml version="1.0"?><w:document xmlns:w="urn:w"><w:body>')
            for _ in range(xml_chunks):
                handle.write(chunk)
            handle.write(b"</w:body></w:document>")
    return buffer.getvalue()


def test_a_docx_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    raw = _docx_with_document(210, b" " * (1024 * 1024))  # 210 MB of XML in about 200 KB
    assert len(raw) < 1024 * 1024
    with peak_memory() as peak:
        message = refusal(tmp_path / "bomb.docx", raw)
    assert message == "bomb.docx: expands to more than 200 MB (a zip bomb?)"
    assert peak[0] < 10 * 1024 * 1024, peak[0]


def _lie_about_sizes(raw: bytes, name: bytes, size: int) -> bytes:
    """Rewrite the uncompressed size that the zip headers declare for one member."""
    data = bytearray(raw)
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:  # central directory entries
        length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + length]) == name:
            struct.pack_into("<I", data, at + 24, size)
            local = struct.unpack_from("<I", data, at + 42)[0]
            struct.pack_into("<I", data, local + 22, size)
        at += 4
    return bytes(data)


def test_a_docx_that_lies_about_its_sizes_is_refused(tmp_path: Path) -> None:
    honest = _docx_with_document(30, b"<w:p/>" * (1024 * 1024 // 6))  # 30 MB, 30 KB zipped
    raw = _lie_about_sizes(honest, b"word/document.xml", 1000)
    with peak_memory() as peak:
        message = refusal(tmp_path / "liar.docx", raw)
    assert "cannot be read as DOCX" in message
    assert peak[0] < 10 * 1024 * 1024, peak[0]


@pytest.mark.parametrize("suffix", GUIDE_SUFFIXES)
def test_a_100_mb_file_is_refused_by_its_size_without_being_read(
    tmp_path: Path, suffix: str
) -> None:
    path = sparse_file(tmp_path / f"huge{suffix}", 100 * 1024 * 1024)
    started = time.perf_counter()
    with peak_memory() as peak, pytest.raises(DocumentLoadError) as caught:
        load_guide(path, f"huge{suffix}", max_bytes=LIMIT)
    assert time.perf_counter() - started < 2
    assert peak[0] < 1024 * 1024, peak[0]
    assert (
        str(caught.value) == f"huge{suffix}: is 104,857,600 bytes, over the 20,971,520-byte limit"
    )


def test_deeply_nested_html_loads_or_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.html"
    path.write_bytes(b"<html><body>" + b"<div>" * 20_000 + b"<p>deep text</p>" + b"</div>" * 20_000)
    document = load_or_refuse(path)
    assert document is None or "deep text" in document.sections[0].text
