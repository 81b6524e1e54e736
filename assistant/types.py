"""Small value types shared across packages."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

Audience = Literal["students", "parents", "teachers", "all"]
AUDIENCES: tuple[Audience, ...] = ("students", "parents", "teachers", "all")
# The doc_type of the chunks holding the questions a guide section says it answers.
QUESTION = "question"
DocType = Literal["competency", "guide", "resource"]
MetadataValue = str | int | float | bool


@dataclass(frozen=True)
class Chunk:
    """One indexable passage with its metadata. `id` is derived from content."""

    id: str
    source: str
    text: str
    metadata: dict[str, MetadataValue] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return str(self.metadata.get("title", self.source))


def chunk_id(source: str, text: str, metadata: dict[str, MetadataValue]) -> str:
    """A content hash: the same text and metadata always give the same id."""
    payload = json.dumps([source, text, metadata], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def make_chunk(source: str, text: str, metadata: dict[str, MetadataValue]) -> Chunk:
    """A chunk whose id is its content hash, so writing it twice is idempotent."""
    return Chunk(id=chunk_id(source, text, metadata), source=source, text=text, metadata=metadata)


@dataclass(frozen=True)
class SearchHit:
    """A retrieved chunk with its fused score and the ranks that produced it."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    code_match: bool = False

    def as_json(self) -> dict[str, object]:
        meta = self.chunk.metadata
        code = meta.get("code")
        return {
            "id": self.chunk.id,
            "source": self.chunk.source,
            "title": self.chunk.title,
            "section": meta.get("section") or None,
            "code": code if code else None,
            "audience": meta.get("audience", "all"),
            "doc_type": meta.get("doc_type"),
            "text": self.chunk.text,
            "score": round(self.score, 6),
        }


@dataclass(frozen=True)
class TableRows:
    """What a store found in one table for a privacy scan: the text values of each row that may
    name someone, the same rows' free-text values apart (checked for weaker terms too), or why
    the table could not be read."""

    table: str
    rows: tuple[tuple[object, ...], ...] = ()
    free_text: tuple[tuple[object, ...], ...] = ()  # empty, or one tuple per row
    problem: str = ""


class PrivacyScannable(Protocol):
    """A store that says where a learner may still appear in it, for the proof that a forgotten
    learner is gone (privacy confirms each row with its own patterns, and reads the files)."""

    @property
    def scan_label(self) -> str:
        """How the proof names the store, e.g. "index records"."""
        ...

    def rows_naming(
        self,
        needles: Sequence[str],
        weak_needles: Sequence[str] = (),
        free_text: frozenset[str] = frozenset(),
    ) -> list[TableRows]:
        """Every table (text columns), with its rows whose text holds one of the lower-case
        needles; in the free-text columns ("table.column") also one of the weak needles."""
        ...

    def scan_files(self) -> list[Path]:
        """The store's SQLite files on this machine, for the byte scan; none when it has none
        here (a server)."""
        ...
