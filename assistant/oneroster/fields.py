"""Typed cells of one OneRoster row, each bad one a Problem naming the file, line and field.

Formats are the binding's: GUIDs of letters, digits and `. / @ _ -` (at most 255), dates
`YYYY-MM-DD`, date-times `YYYY-MM-DDTHH:MM:SS[.sss]Z`, years `YYYY`, booleans `true`/`false`,
lists separated by commas, vocabularies with `ext:` values of one's own where the binding
allows them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date, datetime

from assistant.csv_rows import CsvRow, shown
from assistant.oneroster.errors import Problem
from assistant.oneroster.spec import BOOLEANS, EXTENSION, STATUSES

GUID = re.compile(r"[0-9A-Za-z./@_-]{1,255}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")
YEAR = re.compile(r"\d{4}")


class Cells:
    """Reads the cells of one row; every problem is added to `problems`."""

    def __init__(self, file: str, mode: str, row: CsvRow, problems: list[Problem]) -> None:
        self.file = file
        self.mode = mode
        self.row = row
        self.problems = problems
        self.failed = False
        if row.has_extra_cells:
            self.problem("more cells than the header has columns")

    @property
    def line(self) -> int:
        return self.row.line

    def problem(self, reason: str) -> None:
        self.failed = True
        self.problems.append(Problem(self.file, self.row.line, reason))

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.row.get(column.lower())
        if required and not value:
            self.problem(f"{column} is empty")
        return value

    def guid(self, column: str, *, required: bool = False) -> str:
        value = self.text(column, required=required)
        if value and not GUID.fullmatch(value):
            self.problem(
                f"{column} {shown(value)} is not a sourcedId (letters, digits and . / @ _ -, "
                "at most 255)"
            )
            return ""
        return value

    def guids(self, column: str, *, required: bool = False) -> tuple[str, ...]:
        values = self.texts(column, required=required)
        for value in values:
            if not GUID.fullmatch(value):
                self.problem(f"{column} has {shown(value)}, which is not a sourcedId")
                return ()
        return values

    def texts(self, column: str, *, required: bool = False) -> tuple[str, ...]:
        value = self.text(column, required=required)
        return tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))

    def choice(
        self, column: str, values: Sequence[str], *, required: bool = False, ext: bool = True
    ) -> str:
        value = self.text(column, required=required)
        if not value or value in values:
            return value
        if ext and value.startswith(EXTENSION) and len(value) > len(EXTENSION):
            return value
        allowed = ", ".join(values) + (", ext:…" if ext else "")
        self.problem(f"{column} {shown(value)} is not one of {allowed}")
        return ""

    def day(self, column: str, *, required: bool = False) -> date | None:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            if not DATE.fullmatch(value):
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            self.problem(f"{column} {shown(value)} is not a date (YYYY-MM-DD)")
            return None

    def moment(self, column: str, *, required: bool = False) -> datetime | None:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            if not DATE_TIME.fullmatch(value):
                raise ValueError
            return datetime.fromisoformat(value)
        except ValueError:
            self.problem(
                f"{column} {shown(value)} is not a date-time (YYYY-MM-DDTHH:MM:SS.sssZ, in UTC)"
            )
            return None

    def year(self, column: str, *, required: bool = False) -> str:
        value = self.text(column, required=required)
        if value and not YEAR.fullmatch(value):
            self.problem(f"{column} {shown(value)} is not a year (YYYY)")
            return ""
        return value

    def number(self, column: str, *, required: bool = False) -> float | None:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            self.problem(f"{column} {shown(value)} is not a number")
            return None
        return number

    def flag(self, column: str, *, required: bool = False) -> bool | None:
        value = self.choice(column, BOOLEANS, required=required, ext=False)
        return None if not value else value == "true"

    def status(self) -> str:
        """active or tobedeleted. A bulk file lists what exists: its rows leave status blank
        (`active` is accepted); a delta file must say which each row is."""
        value = self.text("status")
        modified = self.moment("dateLastModified", required=self.mode == "delta")
        del modified
        if self.mode == "bulk":
            if value == "tobedeleted":
                self.problem("status tobedeleted is for delta files; a bulk file lists what is")
            elif value not in ("", "active"):
                self.problem(f"status {shown(value)} is not active (or blank in a bulk file)")
            return "active"
        if value not in STATUSES:
            self.problem(
                f"status {shown(value)} is not active or tobedeleted (a delta file needs one)"
            )
        return value
