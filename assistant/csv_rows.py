"""Reading CSV files for import: header check, rows with their line numbers, typed cells.

Whatever the bytes, reading ends in rows or in the importer's CsvImportError naming the file
and the line: a file over the upload limit is refused before it is read, text must be UTF-8
(a UTF-8, UTF-16 or UTF-32 byte-order mark is honoured), NUL characters and malformed CSV are
refused by line, and a column may not appear twice in the header.

`parse_csv` reads the rows one at a time from the file's bytes: the bytes (bounded by the upload
limit) are all that is held, never the file's text or all of its rows, so that an importer can
check a large file in bounded memory and read it again to write it.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import CsvImportError, RowProblem

if TYPE_CHECKING:
    from _csv import Reader

EXTRA = "\0extra"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Years a school record can have; the margin keeps date arithmetic (windows, reviews) in range.
MIN_YEAR, MAX_YEAR = 1900, 9998
SHOWN_CHARS = 60
CHUNK = 1 << 16  # bytes decoded at a time when checking a file's text
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)


@dataclass(frozen=True)
class CsvRow:
    """One non-blank record: the line it starts on and its cells by (lower-case) column."""

    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")

    @property
    def has_extra_cells(self) -> bool:
        return EXTRA in self.values


class DateRangeError(ValueError):
    """A well-formed date outside the years a school record can have."""


def shown(text: str) -> str:
    """A cell quoted for a message; a long one is cut so that the message stays one line."""
    if len(text) <= SHOWN_CHARS:
        return repr(text)
    return f"{text[:SHOWN_CHARS]!r}... ({len(text):,} characters)"


def read_csv(
    path: Path,
    required: Sequence[str],
    error: type[CsvImportError],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[list[str], list[CsvRow], bytes]:
    """Header, non-blank rows and the raw bytes; a missing column refuses the file."""
    raw = read_bytes(path, error, max_bytes)
    header, rows = parse_csv(raw, path, required, error)
    return header, list(rows), raw


def parse_csv(
    raw: bytes, path: Path, required: Sequence[str], error: type[CsvImportError]
) -> tuple[list[str], Iterator[CsvRow]]:
    """The header, checked now with the whole text (encoding, NULs, missing or repeated
    columns), and the non-blank rows, read one at a time as the iterator is consumed (a
    malformed record raises the error for its line then)."""
    encoding = _check_text(raw, path, error)
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(raw), encoding=encoding, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as exc:
        raise error(path.name, [RowProblem(reader.line_num, f"not valid CSV ({exc})")]) from exc
    missing = [name for name in required if name not in header]
    if not header or missing:
        reason = f"missing column{'s' if len(missing) != 1 else ''}: {', '.join(missing)}"
        raise error(path.name, [RowProblem(1, reason if header else "the file is empty")])
    twice = sorted(name for name, count in Counter(header).items() if name and count > 1)
    if twice:
        listed = ", ".join(shown(name) for name in twice)
        raise error(path.name, [RowProblem(1, f"more than one column named {listed}")])
    return header, _rows(reader, header, path, error)


def _rows(
    reader: Reader, header: list[str], path: Path, error: type[CsvImportError]
) -> Iterator[CsvRow]:
    line = reader.line_num + 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                values = {
                    name: (record[i].strip() if i < len(record) else "")
                    for i, name in enumerate(header)
                }
                if len(record) > len(header):
                    values[EXTRA] = "yes"
                yield CsvRow(line, values)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise error(path.name, [RowProblem(reader.line_num, f"not valid CSV ({exc})")]) from exc


def read_bytes(path: Path, error: type[CsvImportError], max_bytes: int) -> bytes:
    """The file's bytes; a file over max_bytes is refused by its size, without reading it."""

    def too_big(size: str) -> CsvImportError:
        reason = f"the file is {size} bytes, over the upload limit of {max_bytes:,} bytes"
        return error(path.name, [RowProblem(1, reason)])

    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                raise too_big(f"{size:,}")
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        reason = f"the file cannot be read ({exc.strerror or type(exc).__name__})"
        raise error(path.name, [RowProblem(1, reason)]) from exc
    if len(raw) > max_bytes:  # it grew after the size check
        raise too_big(f"more than {max_bytes:,}")
    return raw


def _check_text(raw: bytes, path: Path, error: type[CsvImportError]) -> str:
    """The codec to read the bytes with, once all of them are known to decode to text without
    a NUL character (decoded a chunk at a time, nothing kept)."""
    encoding, name = "utf-8", "UTF-8"
    for bom, codec, label in BOMS:
        if raw.startswith(bom):
            encoding, name = codec, label
            break
    # Before decoding, so that UTF-16 without a mark is named for its NULs, not a bad byte.
    if encoding == "utf-8" and (nul := raw.find(b"\0")) >= 0:
        raise _nul_error(raw.count(b"\n", 0, nul) + 1, path, error)
    decoder = codecs.getincrementaldecoder(encoding)()
    newlines = 0
    try:
        for start in range(0, max(len(raw), 1), CHUNK):
            text = decoder.decode(raw[start : start + CHUNK], final=start + CHUNK >= len(raw))
            if (nul := text.find("\0")) >= 0:
                raise _nul_error(newlines + text.count("\n", 0, nul) + 1, path, error)
            newlines += text.count("\n")
    except UnicodeDecodeError as exc:
        raise _decode_error(raw, encoding, name, path, error) from exc
    return encoding


def _decode_error(
    raw: bytes, encoding: str, name: str, path: Path, error: type[CsvImportError]
) -> CsvImportError:
    """The refusal of text that does not decode, naming the line of the first bad byte."""
    try:
        raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].decode(encoding, errors="replace").count("\n") + 1
        byte = raw[exc.start] if exc.start < len(raw) else 0
    else:  # pragma: no cover - the incremental decoder and this one agree
        line, byte = 1, 0
    reason = f"the file is not {name} text (byte {byte:#04x} on this line); save it as CSV UTF-8"
    return error(path.name, [RowProblem(line, reason)])


def _nul_error(line: int, path: Path, error: type[CsvImportError]) -> CsvImportError:
    reason = "has a NUL character: a binary file, or UTF-16 text without a byte-order mark?"
    return error(path.name, [RowProblem(line, reason)])


def parse_when(text: str) -> datetime:
    """An ISO date (midnight) or date-time; an aware time is converted to naive UTC.

    ValueError when it is not one, DateRangeError when its year is before MIN_YEAR or after
    MAX_YEAR."""
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time())
        else:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo:
                moment = moment.astimezone(UTC).replace(tzinfo=None)
    except OverflowError as exc:  # 0001-01-01T00:00+01:00 leaves the calendar in UTC
        raise DateRangeError(str(exc)) from exc
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise DateRangeError(f"year {moment.year} is outside {MIN_YEAR} to {MAX_YEAR}")
    return moment


def parse_number(
    text: str, name: str, reasons: list[str], *, optional: bool = False
) -> float | None:
    """A finite number, or None with the reason appended."""
    if not text:
        if not optional:
            reasons.append(f"{name} is empty")
        return None
    try:
        value = float(text)
    except ValueError:
        reasons.append(f"{name} {shown(text)} is not a number")
        return None
    if not math.isfinite(value):
        reasons.append(f"{name} {shown(text)} is not a finite number")
        return None
    return value


def split_list(text: str) -> list[str]:
    """Cells that hold several ids: separated by semicolons, commas or spaces; each id once."""
    parts = text.replace(",", ";").replace(" ", ";").split(";")
    return list(dict.fromkeys(part for part in parts if part))
