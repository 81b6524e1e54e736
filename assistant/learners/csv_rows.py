"""Reading CSV files for import: header check, rows with their line numbers, typed cells."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from assistant.errors import CsvImportError, RowProblem

EXTRA = "\0extra"
MAX_BYTES = 50 * 1024 * 1024


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


def read_csv(
    path: Path, required: Sequence[str], error: type[CsvImportError]
) -> tuple[list[str], list[CsvRow], bytes]:
    """Header, non-blank rows and the raw bytes; a missing column refuses the file."""
    if path.stat().st_size > MAX_BYTES:
        raise error(path.name, [RowProblem(1, f"the file is larger than {MAX_BYTES} bytes")])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(path.name, [RowProblem(1, "the file is not UTF-8 text")]) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        missing = [name for name in required if name not in header]
        if not header or missing:
            reason = f"missing column{'s' if len(missing) != 1 else ''}: {', '.join(missing)}"
            raise error(path.name, [RowProblem(1, reason if header else "the file is empty")])
        rows: list[CsvRow] = []
        line = reader.line_num + 1
        for record in reader:
            if any(cell.strip() for cell in record):
                values = {
                    name: (record[i].strip() if i < len(record) else "")
                    for i, name in enumerate(header)
                }
                if len(record) > len(header):
                    values[EXTRA] = "yes"
                rows.append(CsvRow(line, values))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise error(path.name, [RowProblem(reader.line_num, f"not valid CSV ({exc})")]) from exc
    return header, rows, raw


def parse_when(text: str) -> datetime:
    """An ISO date (midnight) or date-time; an aware time is converted to naive UTC."""
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time())
    moment = datetime.fromisoformat(text)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


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
        reasons.append(f"{name} {text!r} is not a number")
        return None
    if not math.isfinite(value):
        reasons.append(f"{name} {text!r} is not a finite number")
        return None
    return value


def split_list(text: str) -> list[str]:
    """Cells that hold several ids: separated by semicolons, commas or spaces."""
    return [part for part in text.replace(",", ";").replace(" ", ";").split(";") if part]
