"""Teacher overrides: a level a teacher decides, recorded with who, when and why.

An override wins over the mastery model until it is withdrawn (a row with no level). Only a
teacher of the learner or an admin may record one, the level must be a level of the
competency's scale, and the reason is required. An overrides CSV (learner_id, competency,
level, decided_by, reason, decided_at) is imported all-or-nothing; a row already recorded
(same learner, competency, level, teacher and time) is skipped.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from assistant.csv_rows import (
    DEFAULT_MAX_BYTES,
    CsvRow,
    DateRangeError,
    parse_number,
    parse_when,
    read_csv,
    shown,
)
from assistant.errors import OverrideImportError, RowProblem, UnknownRecordError, WaypointError
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.learners.access import AccessPolicy, Viewer
from assistant.learners.db import LearnerDatabase, MasteryOverride
from assistant.learners.store import LearnerStore
from assistant.learners.types import Override

COLUMNS = ("learner_id", "competency", "level", "decided_by", "reason", "decided_at")
MAX_REASON = 2000


class OverrideService:
    def __init__(
        self,
        db: LearnerDatabase,
        store: LearnerStore,
        catalog: FrameworkCatalog,
        policy: AccessPolicy,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.db = db
        self.store = store
        self.catalog = catalog
        self.policy = policy
        self.max_bytes = max_bytes

    def record(
        self,
        viewer: Viewer,
        learner_id: str,
        competency: str,
        level: float | None,
        reason: str,
        *,
        when: datetime | None = None,
    ) -> Override | None:
        """Record (or with level None, withdraw) an override; returns what now stands."""
        self.policy.require_record(viewer, [learner_id])
        competency_id = self._check(competency, level, reason)
        moment = when or datetime.now().replace(microsecond=0)
        self.store.add_override(
            learner_id,
            competency_id,
            level,
            decided_by=viewer.user_id,
            reason=reason.strip(),
            decided_at=moment,
        )
        code = self.catalog.entry(competency_id).code
        what = f"override {code}" if level is not None else f"override withdrawn {code}"
        self.policy.audit.record(viewer, "change", [learner_id], what)
        if level is None:
            return None
        return Override(level, viewer.user_id, reason.strip(), moment)

    def import_file(self, path: Path) -> int:
        """Overrides from a CSV, each checked against its own teacher; returns rows added."""
        _, rows, _ = read_csv(path, COLUMNS, OverrideImportError, max_bytes=self.max_bytes)
        problems: list[RowProblem] = []
        ready: list[tuple[Viewer, CsvRow, float, datetime]] = []
        for row in rows:
            reasons: list[str] = []
            level = parse_number(row.get("level"), "level", reasons)
            when = _when(row.get("decided_at"), reasons)
            try:
                viewer = self.policy.viewer(row.get("decided_by"))
                self.policy.require_record(viewer, [row.get("learner_id")])
                self._check(row.get("competency"), level, row.get("reason"))
            except WaypointError as exc:
                reasons.append(str(exc))
            problems.extend(RowProblem(row.line, reason) for reason in reasons)
            if not reasons and level is not None and when is not None:
                ready.append((viewer, row, level, when))
        if problems:
            raise OverrideImportError(path.name, problems)
        new: list[tuple[Viewer, CsvRow, str, float, datetime]] = []
        for viewer, row, level, when in ready:
            competency_id = self._check(row.get("competency"), level, row.get("reason"))
            if not self._recorded(row.get("learner_id"), competency_id, level, viewer, when):
                new.append((viewer, row, competency_id, level, when))
        with self.db.session() as session:  # every row or none
            for viewer, row, competency_id, level, when in new:
                session.add(
                    MasteryOverride(
                        learner_id=row.get("learner_id"),
                        competency_id=competency_id,
                        level=level,
                        reason=row.get("reason").strip(),
                        decided_by=viewer.user_id,
                        decided_at=when,
                    )
                )
                code = self.catalog.entry(competency_id).code
                self.policy.audit.record(
                    viewer, "change", [row.get("learner_id")], f"override {code}", session=session
                )
        return len(new)

    def _check(self, competency: str, level: float | None, reason: str) -> str:
        entry = self.catalog.lookup(competency)
        if entry is None or not self.catalog.is_assessable(entry.identifier):
            raise UnknownRecordError(f"unknown competency {competency!r}")
        if not reason.strip():
            raise WaypointError("an override needs a reason")
        if len(reason) > MAX_REASON:
            raise WaypointError(f"the reason is longer than {MAX_REASON} characters")
        if level is not None:
            scale = self.catalog.scale(entry.identifier)
            allowed = [lv.score for lv in scale.levels]
            if all(abs(level - score) > 1e-9 for score in allowed):
                listed = ", ".join(f"{score:g}" for score in allowed)
                raise WaypointError(
                    f"level {level:g} is not on the scale of {entry.code} ({listed})"
                )
        return entry.identifier

    def _recorded(
        self, learner_id: str, competency_id: str, level: float, viewer: Viewer, when: datetime
    ) -> bool:
        with self.db.session() as session:
            found = session.scalar(
                select(MasteryOverride.id).where(
                    MasteryOverride.learner_id == learner_id,
                    MasteryOverride.competency_id == competency_id,
                    MasteryOverride.level == level,
                    MasteryOverride.decided_by == viewer.user_id,
                    MasteryOverride.decided_at == when,
                )
            )
            return found is not None


def _when(text: str, reasons: list[str]) -> datetime | None:
    if not text:
        reasons.append("decided_at is empty")
        return None
    try:
        return parse_when(text)
    except DateRangeError as exc:
        reasons.append(f"decided_at {shown(text)} is not a plausible date ({exc})")
    except ValueError:
        reasons.append(f"decided_at {shown(text)} is not a date")
    return None
