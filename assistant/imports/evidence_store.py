"""Evidence as recorded: a checked piece, its identity, the pieces already recorded, and
writing new ones. Shared by the evidence CSV import and OneRoster's results.

A piece of evidence is identified by learner, competency, observed_at, evidence_type and source;
a piece with a recorded identity and the same score, max_score and note is the same piece.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Executable, and_, bindparam, insert, or_, select
from sqlalchemy.orm import Session

from assistant.errors import RowProblem
from assistant.learners.db import Evidence, EvidenceImport

Identity = tuple[str, str, datetime, str, str]
Recorded = tuple[float, float | None, str]  # score, max_score, note of recorded evidence
# Rows per batch: each row's identity is 5 bound parameters in one query, far below any
# database's limit on bound parameters (999 in old SQLite).
BATCH = 150


@dataclass(frozen=True)
class EvidencePiece:
    """A checked piece of evidence, as the CSV import and other importers (OneRoster results)
    build it."""

    line: int
    learner_id: str
    competency_id: str
    code: str
    score: float
    max_score: float | None
    level: float
    observed_at: datetime
    evidence_type: str
    source: str
    note: str

    @property
    def identity(self) -> Identity:
        return (
            self.learner_id,
            self.competency_id,
            self.observed_at,
            self.evidence_type,
            self.source,
        )


def sort_evidence(
    session: Session, pieces: Sequence[EvidencePiece]
) -> tuple[list[EvidencePiece], list[tuple[EvidencePiece, RowProblem]]]:
    """Of these pieces, those not recorded yet, and those whose identity is recorded with
    another score (each with the problem naming it). Identical ones are in neither list."""
    new: list[EvidencePiece] = []
    conflicts: list[tuple[EvidencePiece, RowProblem]] = []
    for start in range(0, len(pieces), BATCH):
        batch = list(pieces[start : start + BATCH])
        existing = recorded(session, batch)
        for item in batch:
            before = existing.get(item.identity)
            if before is None:
                new.append(item)
            elif not same(before, item):
                conflicts.append((item, conflict(item, before)))
    return new, conflicts


def record_evidence(
    session: Session, pieces: Sequence[EvidencePiece], record: EvidenceImport
) -> set[str]:
    """Insert these new pieces as evidence of `record` (added to the session here); the
    learners they are about."""
    record.added = len(pieces)
    session.add(record)
    session.flush()
    if pieces:
        session.execute(insert(Evidence), [evidence_row(item, record.id) for item in pieces])
    return {item.learner_id for item in pieces}


def digest(identity: Identity) -> bytes:
    """16 bytes standing for an identity (in place of its five values, for a large file)."""
    text = "\x1f".join((*identity[:2], identity[2].isoformat(), *identity[3:]))
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


IDENTITY = (
    Evidence.learner_id,
    Evidence.competency_id,
    Evidence.observed_at,
    Evidence.evidence_type,
    Evidence.source,
)


def recorded(session: Session, parsed: Sequence[EvidencePiece]) -> dict[Identity, Recorded]:
    """The recorded evidence with the identity of one of these rows (at most BATCH)."""
    if not parsed:
        return {}
    identities = [item.identity for item in parsed]
    size = lookup_size(len(identities))
    identities += [identities[0]] * (size - len(identities))  # a few shapes, each compiled once
    values = {f"v{i}_{j}": value for i, row in enumerate(identities) for j, value in enumerate(row)}
    return {
        (row[0], row[1], row[2], row[3], row[4]): (row[5], row[6], row[7])
        for row in session.execute(_lookup(size), values)
    }


def lookup_size(rows: int) -> int:
    """The identities one lookup asks for, for this many rows (at least one): the next power of
    two, at most BATCH. A file of a few rows does not pay to compile the query for BATCH (tens
    of milliseconds on each new connection pool), and there are only a handful of shapes."""
    return min(BATCH, 1 << (rows - 1).bit_length())


@cache
def _lookup(size: int) -> Executable:
    """Recorded evidence by identity, for `size` identities. One equality per column and row
    (not a row-value IN, which SQLite answers with a scan): each row is one index seek."""
    matches = (
        and_(*(column == bindparam(f"v{i}_{j}") for j, column in enumerate(IDENTITY)))
        for i in range(size)
    )
    return select(*IDENTITY, Evidence.score, Evidence.max_score, Evidence.note).where(or_(*matches))


def conflict(item: EvidencePiece, before: Recorded) -> RowProblem:
    return RowProblem(
        item.line,
        f"conflicts with evidence already recorded for this learner, competency, date, type "
        f"and source (score {before[0]:g}); add a new dated piece of evidence instead of "
        "changing an old one",
    )


def same(before: Recorded, item: EvidencePiece) -> bool:
    score, max_score, note = before
    same_max = (max_score is None and item.max_score is None) or (
        max_score is not None
        and item.max_score is not None
        and math.isclose(max_score, item.max_score)
    )
    return math.isclose(score, item.score) and same_max and note == item.note


def evidence_row(item: EvidencePiece, import_id: int) -> dict[str, Any]:
    return {
        "learner_id": item.learner_id,
        "competency_id": item.competency_id,
        "competency_code": item.code,
        "score": item.score,
        "max_score": item.max_score,
        "level": item.level,
        "observed_at": item.observed_at,
        "evidence_type": item.evidence_type,
        "source": item.source,
        "note": item.note,
        "import_id": import_id,
    }
