"""Domain exceptions. Each carries enough to be shown as one clear sentence at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class WaypointError(Exception):
    """Base class for errors shown to a user as one line."""


class FrameworkImportError(WaypointError):
    """A CASE package that cannot be imported; names the file, the item and the field."""

    def __init__(
        self, path: Path | str, reason: str, *, item: str | None = None, field: str | None = None
    ) -> None:
        self.path = str(path)
        self.item = item
        self.field = field
        self.reason = reason
        where = self.path
        if item:
            where += f", item {item}"
        if field:
            where += f", field {field}"
        super().__init__(f"{where}: {reason}")


class DocumentLoadError(WaypointError):
    """A guide or resource file that cannot be read or holds no text."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class StoreUnavailableError(WaypointError):
    """The vector store cannot be reached or opened."""


@dataclass(frozen=True)
class RowProblem:
    """One bad row of an imported file: its line number and why it was refused."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class CsvImportError(WaypointError):
    """A CSV file refused as a whole; lists every bad row by line number and reason."""

    kind = "file"

    def __init__(self, path: Path | str, problems: list[RowProblem]) -> None:
        self.path = str(path)
        self.problems = sorted(problems, key=lambda p: p.line)
        count = len(self.problems)
        listed = "; ".join(str(p) for p in self.problems)
        super().__init__(
            f"{self.path}: {count} bad row{'s' if count != 1 else ''}, nothing imported "
            f"({self.kind}): {listed}"
        )


class EvidenceImportError(CsvImportError):
    """An evidence CSV refused as a whole."""

    kind = "evidence"


class RosterImportError(CsvImportError):
    """A roster or classes CSV refused as a whole."""

    kind = "roster"


class AccessDeniedError(WaypointError):
    """The user asking may not see (or change) this learner's or this class's data."""


class UnknownRecordError(WaypointError):
    """A learner, class, user or competency that is not in the database or the catalog."""


class TemplateError(WaypointError):
    """A prompt or reason template file that is missing, malformed or uses unknown fields."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class OverrideImportError(CsvImportError):
    """An overrides CSV refused as a whole."""

    kind = "overrides"
