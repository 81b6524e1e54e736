"""What one ingest run did: files and chunks added, changed and removed, problems named."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class IngestReport:
    files: int = 0
    files_changed: int = 0
    files_removed: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    chunks_unchanged: int = 0
    embedded: int = 0
    vectors_restored: int = 0
    orphans_removed: int = 0
    vectors_rewritten: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}
