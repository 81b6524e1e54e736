"""CSV exports that a spreadsheet cannot turn into formulas (CSV / formula injection).

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return may be run as a formula
when the file is opened in Excel, LibreOffice or Google Sheets (`=cmd|' /C calc'!A0`,
`=HYPERLINK(...)`). Following the OWASP recommendation, such a cell is written with a leading
apostrophe, which spreadsheets show as text. Plain negative numbers ("-3", "-0.5", "-1e-05") are
left as they are so that scores stay numbers. Quotes, separators and line breaks inside cells
are quoted by the csv module as usual.

Every CSV writer in Waypoint goes through `write_csv` (or `safe_cell` for one cell).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
_NEGATIVE_NUMBER = re.compile(r"-(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def safe_cell(value: object) -> str:
    """The text of one cell, with an apostrophe in front when it could start a formula.

    None is the empty cell; anything else is written as `str(value)`."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES) and not _NEGATIVE_NUMBER.fullmatch(text):
        return ESCAPE + text
    return text


def unescape_cell(text: str) -> str:
    """The cell as it was before `safe_cell`: the apostrophe it put in front of a cell that
    could start a formula is taken off (so that a file Waypoint wrote reads back exactly)."""
    if text.startswith(ESCAPE) and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def write_csv(
    rows: Iterable[Sequence[object]],
    header: Sequence[object],
    out: Path | TextIO,
    *,
    bom: bool = False,
) -> int:
    """Write the header and the rows with every cell made safe; returns the rows written.

    `out` is a file path (written as UTF-8, with a byte-order mark when `bom` is set, which
    Excel needs to recognise UTF-8) or an open text stream (opened with newline="")."""
    if isinstance(out, Path):
        encoding = "utf-8-sig" if bom else "utf-8"
        with out.open("w", encoding=encoding, newline="") as handle:
            return _write(rows, header, handle)
    if bom:
        out.write("\ufeff")
    return _write(rows, header, out)


def csv_text(rows: Iterable[Sequence[object]], header: Sequence[object]) -> str:
    """The same as write_csv, as one string (for downloads)."""
    buffer = io.StringIO(newline="")
    write_csv(rows, header, buffer)
    return buffer.getvalue()


def _write(rows: Iterable[Sequence[object]], header: Sequence[object], out: TextIO) -> int:
    # Records end in "\n", but the csv module quotes only cells holding a character of its
    # line terminator: with "\r\n" a cell holding a lone CR is quoted too, not a line break.
    record = io.StringIO(newline="")
    writer = csv.writer(record, lineterminator="\r\n")

    def emit(cells: Sequence[object]) -> None:
        record.seek(0)
        record.truncate()
        writer.writerow([safe_cell(cell) for cell in cells])
        out.write(record.getvalue()[:-2] + "\n")

    emit(header)
    count = 0
    for row in rows:
        emit(row)
        count += 1
    return count
