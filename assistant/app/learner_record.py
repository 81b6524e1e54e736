"""One learner's record as a teacher opens it from the class page: the evidence behind a level
on one competency, and the history of the levels teachers decided (overrides), newest first.

Every read goes through the access policy (a teacher of the learner, or an admin) and is
audited like any other view of the learner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from assistant.errors import UnknownRecordError
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.learners.access import AccessPolicy, Viewer
from assistant.learners.db import Evidence, LearnerDatabase, MasteryOverride


@dataclass(frozen=True)
class EvidenceLine:
    day: date
    level: float
    score: float
    max_score: float | None
    kind: str
    source: str
    note: str


@dataclass(frozen=True)
class LevelDecision:
    decided_at: datetime
    code: str
    title: str
    level: float | None  # None: the decision was withdrawn
    decided_by: str
    reason: str


class LearnerRecords:
    def __init__(self, access: AccessPolicy, db: LearnerDatabase, catalog: FrameworkCatalog):
        self.access = access
        self.db = db
        self.catalog = catalog

    def evidence(self, viewer: Viewer, learner_id: str, competency: str) -> list[EvidenceLine]:
        """The evidence on one competency (a code or identifier), newest first."""
        entry = self.catalog.lookup(competency)
        if entry is None:
            raise UnknownRecordError(f"unknown competency {competency!r}")
        self.access.grant(viewer, [learner_id], purpose=f"evidence {entry.code}")
        query = (
            select(Evidence)
            .where(Evidence.learner_id == learner_id, Evidence.competency_id == entry.identifier)
            .order_by(Evidence.observed_at.desc(), Evidence.id.desc())
        )
        with self.db.session() as session:
            return [
                EvidenceLine(
                    row.observed_at.date(),
                    float(row.level),
                    float(row.score),
                    row.max_score,
                    row.evidence_type,
                    row.source,
                    row.note,
                )
                for row in session.scalars(query)
            ]

    def decisions(self, viewer: Viewer, learner_id: str) -> list[LevelDecision]:
        """Every level decided for this learner (and withdrawn), newest first."""
        self.access.grant(viewer, [learner_id], purpose="level decisions")
        query = (
            select(MasteryOverride)
            .where(MasteryOverride.learner_id == learner_id)
            .order_by(MasteryOverride.decided_at.desc(), MasteryOverride.id.desc())
        )
        found: list[LevelDecision] = []
        with self.db.session() as session:
            for row in session.scalars(query):
                entry = self.catalog.lookup(row.competency_id)
                code = entry.code if entry else row.competency_id
                title = entry.title if entry else ""
                found.append(
                    LevelDecision(
                        row.decided_at, code, title, row.level, row.decided_by, row.reason
                    )
                )
        return found
