"""Domain exceptions. Each carries enough to be shown as one clear sentence at the edge."""

from __future__ import annotations

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
