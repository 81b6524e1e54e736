"""Learner data on competencies that a new framework version replaces or removes.

When a version names an item as replaced (`replacedBy`, or a new item `exactMatchOf` the old
one), the evidence, teacher decisions and class priorities recorded on the old item are moved
to the new item in one transaction, with an audit entry per learner; the cached estimates and
the saved model fit are dropped so they are computed again on the new items. Evidence that is
already recorded on the new item (same learner, time, type and source) stays where it was
rather than being merged: nothing is lost. Evidence on a removed item is never moved or deleted:
`evidence_on` counts it so it can be shown as retired.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from assistant.learners.audit import Actor, AuditLog
from assistant.learners.db import (
    BktParameters,
    ClassFocus,
    Evidence,
    LearnerDatabase,
    MasteryEstimateRow,
    MasteryOverride,
)

BATCH = 500
Identity = tuple[str, datetime, str, str]


@dataclass(frozen=True)
class Move:
    old: str
    new: str
    new_code: str


@dataclass
class MoveReport:
    evidence_moved: int = 0
    evidence_left: int = 0  # already recorded on the new item: kept on the old one
    overrides_moved: int = 0
    focus_moved: int = 0
    learners: set[str] = field(default_factory=set)

    def as_json(self) -> dict[str, int]:
        return {
            "evidence_moved": self.evidence_moved,
            "evidence_left": self.evidence_left,
            "overrides_moved": self.overrides_moved,
            "focus_moved": self.focus_moved,
            "learners": len(self.learners),
        }


def move_competencies(
    db: LearnerDatabase, moves: Sequence[Move], actor: Actor, what: str
) -> MoveReport:
    """Move what is recorded on each old item to its new item, all in one transaction."""
    report = MoveReport()
    if not moves:
        return report
    with db.session() as session:
        for move in moves:
            _move_evidence(session, move, report)
            report.overrides_moved += _move_overrides(session, move, report)
            report.focus_moved += _move_focus(session, move)
        if report.evidence_moved or report.overrides_moved:
            # Estimates and the fit are keyed by competency: computed again on the new items.
            session.execute(delete(MasteryEstimateRow))
            session.execute(delete(BktParameters))
        AuditLog(db).record(actor, "change", report.learners, what, session=session)
    return report


def evidence_on(db: LearnerDatabase, identifiers: Collection[str]) -> dict[str, tuple[int, int]]:
    """Per item with evidence: (evidence rows, learners)."""
    found: dict[str, tuple[int, int]] = {}
    wanted = sorted(set(identifiers))
    with db.session() as session:
        for start in range(0, len(wanted), BATCH):
            query = (
                select(
                    Evidence.competency_id,
                    func.count(Evidence.id),
                    func.count(Evidence.learner_id.distinct()),
                )
                .where(Evidence.competency_id.in_(wanted[start : start + BATCH]))
                .group_by(Evidence.competency_id)
            )
            for identifier, rows, learners in session.execute(query):
                found[str(identifier)] = (int(rows), int(learners))
    return found


def _move_evidence(session: Session, move: Move, report: MoveReport) -> None:
    columns = (Evidence.learner_id, Evidence.observed_at, Evidence.evidence_type, Evidence.source)
    on_new = session.execute(select(*columns).where(Evidence.competency_id == move.new))
    taken: set[Identity] = {(str(r[0]), r[1], str(r[2]), str(r[3])) for r in on_new}
    movable: list[int] = []
    on_old = session.execute(
        select(Evidence.id, *columns).where(Evidence.competency_id == move.old)
    )
    for row_id, learner_id, observed_at, evidence_type, source in on_old:
        key: Identity = (str(learner_id), observed_at, str(evidence_type), str(source))
        if key in taken:
            report.evidence_left += 1
            continue
        taken.add(key)
        movable.append(int(row_id))
        report.learners.add(str(learner_id))
    for start in range(0, len(movable), BATCH):
        session.execute(
            update(Evidence)
            .where(Evidence.id.in_(movable[start : start + BATCH]))
            .values(competency_id=move.new, competency_code=move.new_code)
        )
    report.evidence_moved += len(movable)


def _move_overrides(session: Session, move: Move, report: MoveReport) -> int:
    learners = session.scalars(
        select(MasteryOverride.learner_id).where(MasteryOverride.competency_id == move.old)
    ).all()
    report.learners.update(str(learner) for learner in learners)
    session.execute(
        update(MasteryOverride)
        .where(MasteryOverride.competency_id == move.old)
        .values(competency_id=move.new)
    )
    return len(learners)


def _move_focus(session: Session, move: Move) -> int:
    moved = 0
    for class_id, priority in session.execute(
        select(ClassFocus.class_id, ClassFocus.priority).where(ClassFocus.competency_id == move.old)
    ).all():
        current = session.get(ClassFocus, (class_id, move.new))
        if current is None:
            session.add(ClassFocus(class_id=class_id, competency_id=move.new, priority=priority))
        else:
            current.priority = max(current.priority, priority)
        session.execute(
            delete(ClassFocus).where(
                ClassFocus.class_id == class_id, ClassFocus.competency_id == move.old
            )
        )
        moved += 1
    return moved


class LearnerCompetencies:
    """The learner side of applying a framework version (version_log.LearnerSide)."""

    def __init__(self, db: LearnerDatabase, actor: Actor) -> None:
        self.db = db
        self.actor = actor

    def move(self, moves: Sequence[tuple[str, str, str]], what: str) -> dict[str, int]:
        wanted = [Move(old, new, code) for old, new, code in moves]
        return move_competencies(self.db, wanted, self.actor, what).as_json()

    def evidence_on(self, identifiers: Collection[str]) -> dict[str, tuple[int, int]]:
        return evidence_on(self.db, identifiers)
