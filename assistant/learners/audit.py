"""The audit log: who viewed or changed which learner's data, when, and what.

Views are recorded where every read of learner data starts: `AccessPolicy.grant` writes one
row per learner whose data is shown, `grant_visible` one row for the whole scope it covers (a
class, a learner list) with no learner id. Refused attempts are recorded as "refused" rows.
Changes are recorded by the evidence importer, the roster importer and the override service;
`forget-learner` replaces a learner's rows by one anonymous "delete" row. Times are UTC (stored
without a zone).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from assistant.learners.db import AuditRow, Enrolment, Guardianship, Learner, LearnerDatabase

Action = Literal["view", "change", "delete", "refused"]
MAX_WHAT = 300
MAX_SCOPE = 200


class Actor(Protocol):
    """Who acts: an access-policy Viewer, or anything with a user id and a role."""

    @property
    def user_id(self) -> str: ...

    @property
    def role(self) -> str: ...


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime  # UTC, timezone-aware
    user_id: str
    role: str
    action: str
    learner_id: str | None
    what: str
    scope: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "user_id": self.user_id,
            "role": self.role,
            "action": self.action,
            "learner_id": self.learner_id,
            "scope": self.scope,
            "what": self.what,
        }


def utc_now() -> datetime:
    """Now in UTC, without a zone (how the learner database stores audit and feedback times)."""
    return datetime.now(UTC).replace(tzinfo=None)


def as_utc_naive(moment: datetime) -> datetime:
    """A datetime in UTC without a zone; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


class AuditLog:
    def __init__(self, db: LearnerDatabase) -> None:
        self.db = db

    def record(
        self,
        actor: Actor,
        action: Action,
        learner_ids: Iterable[str],
        what: str,
        *,
        session: Session | None = None,
        at: datetime | None = None,
    ) -> int:
        """One row per learner (in one executemany); in `session` when given, so the entry
        commits or rolls back with the change it records. Returns the rows written."""
        moment = as_utc_naive(at) if at is not None else utc_now()
        rows: list[dict[str, object]] = [
            {
                "at": moment,
                "user_id": actor.user_id,
                "role": actor.role,
                "action": action,
                "learner_id": learner_id,
                "scope": "",
                "what": what[:MAX_WHAT],
            }
            for learner_id in sorted(set(learner_ids))
        ]
        return self._write(rows, session)

    def record_scope(
        self,
        actor: Actor,
        action: Action,
        scope: str,
        what: str,
        *,
        session: Session | None = None,
    ) -> int:
        """One row for an access to a whole scope ("class 6A", "learner list of 42") that
        shows no single learner's data; no learner id."""
        row = {
            "at": utc_now(),
            "user_id": actor.user_id,
            "role": actor.role,
            "action": action,
            "learner_id": None,
            "scope": scope[:MAX_SCOPE],
            "what": what[:MAX_WHAT],
        }
        return self._write([row], session)

    def _write(self, rows: list[dict[str, object]], session: Session | None) -> int:
        if not rows:
            return 0
        if session is not None:
            session.execute(insert(AuditRow), rows)
        else:
            with self.db.session() as own:
                own.execute(insert(AuditRow), rows)
        return len(rows)

    def entries(
        self, *, learner_id: str | None = None, user_id: str | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        """The newest entries first, optionally only about one learner and/or by one user."""
        query = select(AuditRow)
        if learner_id is not None:
            query = query.where(AuditRow.learner_id == learner_id)
        if user_id is not None:
            query = query.where(AuditRow.user_id == user_id)
        query = query.order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(max(limit, 0))
        with self.db.session() as session:
            return [
                AuditEntry(
                    row.id,
                    row.at.replace(tzinfo=UTC),
                    row.user_id,
                    row.role,
                    row.action,
                    row.learner_id,
                    row.what,
                    row.scope,
                )
                for row in session.scalars(query)
            ]


LearnerState = tuple[str, str, str | None, tuple[str, ...], tuple[str, ...]]


def learner_state(session: Session, learner_ids: Iterable[str]) -> dict[str, LearnerState]:
    """Name, grade, account, classes and guardians of these learners: what a roster import can
    change, compared before and after so that only real changes are audited."""
    ids = sorted(set(learner_ids))
    classes: dict[str, list[str]] = defaultdict(list)
    guardians: dict[str, list[str]] = defaultdict(list)
    found: dict[str, LearnerState] = {}
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        for learner_id, class_id in session.execute(
            select(Enrolment.learner_id, Enrolment.class_id).where(Enrolment.learner_id.in_(batch))
        ):
            classes[learner_id].append(class_id)
        for learner_id, parent_id in session.execute(
            select(Guardianship.learner_id, Guardianship.parent_id).where(
                Guardianship.learner_id.in_(batch)
            )
        ):
            guardians[learner_id].append(parent_id)
        for learner in session.scalars(select(Learner).where(Learner.id.in_(batch))):
            found[learner.id] = (
                learner.name,
                learner.grade,
                learner.user_id,
                tuple(sorted(classes[learner.id])),
                tuple(sorted(guardians[learner.id])),
            )
    return found
