"""Deleting audit entries, feedback and learner attributes older than their retention (a dry
run unless applied). A learner attribute's age is the time a roster import last recorded it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, delete, func, select
from sqlalchemy.orm import Session

from assistant.learners.audit import as_utc_naive, utc_now
from assistant.learners.db import AuditRow, Feedback, LearnerAttribute, LearnerDatabase


@dataclass(frozen=True)
class RetentionReport:
    applied: bool
    audit_before: datetime  # UTC
    feedback_before: datetime  # UTC
    audit_rows: int
    feedback_rows: int
    attributes_before: datetime | None = None  # UTC; None: attributes were not checked
    attribute_rows: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "applied": self.applied,
            "audit_before": self.audit_before.isoformat(),
            "feedback_before": self.feedback_before.isoformat(),
            "audit_rows": self.audit_rows,
            "feedback_rows": self.feedback_rows,
            "attributes_before": (
                self.attributes_before.isoformat() if self.attributes_before else None
            ),
            "attribute_rows": self.attribute_rows,
        }


def apply_retention(
    db: LearnerDatabase,
    *,
    audit_days: int,
    feedback_days: int,
    attribute_days: int | None = None,
    apply: bool = False,
    now: datetime | None = None,
) -> RetentionReport:
    """Audit entries, feedback and (given `attribute_days`) learner attributes older than
    their retention; deleted only with apply."""
    moment = as_utc_naive(now) if now is not None else utc_now()
    audit_before = moment - timedelta(days=audit_days)
    feedback_before = moment - timedelta(days=feedback_days)
    old_audit = AuditRow.at < audit_before
    old_feedback = Feedback.created_at < feedback_before
    attributes_before = (
        moment - timedelta(days=attribute_days) if attribute_days is not None else None
    )
    old_attributes = LearnerAttribute.recorded_at < (attributes_before or datetime.min)
    with db.session() as session:
        if apply:
            audit_rows = count(session, delete(AuditRow).where(old_audit))
            feedback_rows = count(session, delete(Feedback).where(old_feedback))
            attribute_rows = count(session, delete(LearnerAttribute).where(old_attributes))
        else:
            audit_rows = _matching(session, old_audit, AuditRow.id)
            feedback_rows = _matching(session, old_feedback, Feedback.id)
            attribute_rows = _matching(session, old_attributes, LearnerAttribute.learner_id)
    return RetentionReport(
        apply,
        audit_before,
        feedback_before,
        audit_rows,
        feedback_rows,
        attributes_before,
        attribute_rows if attributes_before is not None else 0,
    )


def count(session: Session, statement: Any) -> int:
    """The rows a DELETE or UPDATE statement changed."""
    result = cast(CursorResult[Any], session.execute(statement))
    return max(result.rowcount, 0)


def _matching(session: Session, condition: ColumnElement[bool], column: Any) -> int:
    return int(session.scalar(select(func.count(column)).where(condition)) or 0)
