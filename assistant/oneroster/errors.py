"""A OneRoster set refused as a whole, with every problem named by file and line."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.errors import CsvImportError, WaypointError


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file} line {self.line}: {self.reason}"


class OneRosterImportError(WaypointError):
    """Every problem of a OneRoster set (or a course map), nothing written."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.reason))
        count = len(self.problems)
        listed = "; ".join(str(p) for p in self.problems)
        super().__init__(
            f"{source}: {count} problem{'s' if count != 1 else ''}, nothing imported "
            f"(OneRoster): {listed}"
        )


class OneRosterFileError(CsvImportError):
    """One file of a set that cannot be read as CSV (turned into Problems by the reader)."""

    kind = "OneRoster"
