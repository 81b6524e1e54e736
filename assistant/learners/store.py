"""Reads and writes of the learner database. Every read of learner data takes an AccessGrant."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, delete, func, insert, or_, select

from assistant.errors import UnknownRecordError
from assistant.learners.access import AccessGrant
from assistant.learners.bkt import BktParams
from assistant.learners.db import (
    BktParameters,
    ClassFocus,
    ClassTeacher,
    Enrolment,
    Evidence,
    Learner,
    LearnerDatabase,
    MasteryEstimateRow,
    MasteryOverride,
    SchoolClass,
)
from assistant.learners.types import (
    ClassInfo,
    LearnerProfile,
    MasteryEstimate,
    Observation,
    Override,
)

Histories = dict[str, dict[str, list[Observation]]]
Estimates = dict[str, dict[str, MasteryEstimate]]


@dataclass(frozen=True)
class SavedFit:
    """Saved BKT parameters: the generation they were fitted at and, per competency, the
    parameters and how many learners' evidence they were fitted to."""

    generation: str
    params: dict[str, BktParams]
    sequences: dict[str, int]


class LearnerStore:
    def __init__(self, db: LearnerDatabase) -> None:
        self.db = db

    # roster (not learner data: who is in a class, not how they are doing) ------------------
    def class_info(self, class_id: str) -> ClassInfo:
        with self.db.session() as session:
            found = session.get(SchoolClass, class_id)
            if found is None:
                raise UnknownRecordError(f"unknown class {class_id!r}")
            teachers = session.scalars(
                select(ClassTeacher.user_id).where(ClassTeacher.class_id == class_id)
            )
            learners = session.scalars(
                select(Enrolment.learner_id)
                .where(Enrolment.class_id == class_id)
                .order_by(Enrolment.learner_id)
            )
            focus = session.execute(
                select(ClassFocus.competency_id, ClassFocus.priority).where(
                    ClassFocus.class_id == class_id
                )
            )
            return ClassInfo(
                found.id,
                found.name,
                found.framework_id,
                tuple(sorted(teachers)),
                tuple(learners),
                {row[0]: float(row[1]) for row in focus},
            )

    def generation(self) -> str:
        """Changes whenever evidence or an override is added (rows are never deleted)."""
        with self.db.session() as session:
            evidence = session.scalar(select(func.max(Evidence.id))) or 0
            overrides = session.scalar(select(func.max(MasteryOverride.id))) or 0
        return f"{evidence}:{overrides}"

    # learner data -----------------------------------------------------------------------
    def profiles(self, grant: AccessGrant) -> dict[str, LearnerProfile]:
        ids = sorted(grant.learner_ids)
        with self.db.session() as session:
            classes: dict[str, list[str]] = defaultdict(list)
            for learner_id, class_id in session.execute(
                select(Enrolment.learner_id, Enrolment.class_id)
                .where(Enrolment.learner_id.in_(ids))
                .order_by(Enrolment.class_id)
            ):
                classes[learner_id].append(class_id)
            learners = session.scalars(select(Learner).where(Learner.id.in_(ids)))
            return {
                learner.id: LearnerProfile(
                    learner.id, learner.name, learner.grade, tuple(classes[learner.id])
                )
                for learner in learners
            }

    def focus(self, grant: AccessGrant) -> dict[str, dict[str, float]]:
        """Per learner, the teacher priorities of their classes (highest wins)."""
        found: dict[str, dict[str, float]] = defaultdict(dict)
        with self.db.session() as session:
            rows = session.execute(
                select(Enrolment.learner_id, ClassFocus.competency_id, ClassFocus.priority)
                .join(ClassFocus, ClassFocus.class_id == Enrolment.class_id)
                .where(Enrolment.learner_id.in_(sorted(grant.learner_ids)))
            )
            for learner_id, competency_id, priority in rows:
                current = found[learner_id].get(competency_id, 0.0)
                found[learner_id][competency_id] = max(current, float(priority))
        return dict(found)

    def histories(
        self,
        grant: AccessGrant,
        until: datetime | None = None,
        competencies: Collection[str] | None = None,
    ) -> Histories:
        """Each learner's observations per competency, oldest first (only on `competencies`
        when given)."""
        found: Histories = defaultdict(lambda: defaultdict(list))
        query = select(
            Evidence.learner_id,
            Evidence.competency_id,
            Evidence.observed_at,
            Evidence.level,
            Evidence.id,
        ).where(Evidence.learner_id.in_(sorted(grant.learner_ids)))
        if until is not None:
            query = query.where(Evidence.observed_at <= until)
        if competencies is not None:
            query = query.where(Evidence.competency_id.in_(sorted(competencies)))
        with self.db.session() as session:
            for learner_id, competency_id, at, level, row_id in session.execute(
                query.order_by(Evidence.observed_at, Evidence.id)
            ):
                found[learner_id][competency_id].append(Observation(at, float(level), row_id))
        return {learner: dict(by_competency) for learner, by_competency in found.items()}

    def evidence_dates(
        self, grant: AccessGrant, until: datetime | None = None
    ) -> dict[str, list[date]]:
        """The distinct days each learner has evidence on, in order."""
        query = select(Evidence.learner_id, Evidence.observed_at).where(
            Evidence.learner_id.in_(sorted(grant.learner_ids))
        )
        if until is not None:
            query = query.where(Evidence.observed_at <= until)
        days: dict[str, set[date]] = defaultdict(set)
        with self.db.session() as session:
            for learner_id, at in session.execute(query):
                days[learner_id].add(at.date())
        return {learner: sorted(found) for learner, found in days.items()}

    def overrides(
        self, grant: AccessGrant, until: datetime | None = None
    ) -> dict[str, dict[str, Override]]:
        """The standing override per learner and competency (the latest; withdrawals remove)."""
        query = select(MasteryOverride).where(
            MasteryOverride.learner_id.in_(sorted(grant.learner_ids))
        )
        if until is not None:
            query = query.where(MasteryOverride.decided_at <= until)
        standing: dict[str, dict[str, Override]] = defaultdict(dict)
        with self.db.session() as session:
            for row in session.scalars(query.order_by(MasteryOverride.id)):
                if row.level is None:
                    standing[row.learner_id].pop(row.competency_id, None)
                else:
                    standing[row.learner_id][row.competency_id] = Override(
                        row.level, row.decided_by, row.reason, row.decided_at
                    )
        return dict(standing)

    def cached_estimates(self, grant: AccessGrant, model_key: str, generation: str) -> Estimates:
        found: Estimates = defaultdict(dict)
        table = MasteryEstimateRow.__table__
        wanted = [c for c in table.columns if c.name not in ("generation", "computed_at")]
        with self.db.session() as session:
            # Plain rows, not ORM objects: a class's cached estimates are hundreds of rows.
            rows = session.execute(
                select(*wanted).where(
                    table.c.learner_id.in_(sorted(grant.learner_ids)),
                    table.c.model_key == model_key,
                    table.c.generation == generation,
                )
            )
            for row in rows:
                found[row.learner_id][row.competency_id] = _estimate(row)
        return dict(found)

    # writes -----------------------------------------------------------------------------
    def save_estimates(self, estimates: Estimates, model_key: str, generation: str) -> None:
        now = datetime.now()
        with self.db.session() as session:
            session.execute(
                delete(MasteryEstimateRow).where(
                    MasteryEstimateRow.learner_id.in_(list(estimates)),
                    MasteryEstimateRow.model_key == model_key,
                )
            )
            rows = [
                _row(learner_id, estimate, model_key, generation, now)
                for learner_id, by_competency in estimates.items()
                for estimate in by_competency.values()
                if estimate.first_observed is not None
            ]
            if rows:  # one executemany, not a unit of work over ORM objects
                session.execute(insert(MasteryEstimateRow), rows)

    def bkt_params(self, generation: str) -> dict[str, BktParams]:
        with self.db.session() as session:
            rows = session.scalars(
                select(BktParameters).where(BktParameters.generation == generation)
            )
            return {
                r.competency_id: BktParams(r.p_init, r.p_learn, r.p_guess, r.p_slip) for r in rows
            }

    def bkt_fit(self) -> SavedFit | None:
        """The saved parameters with the generation they were fitted at, if any."""
        with self.db.session() as session:
            rows = session.scalars(select(BktParameters)).all()
        generations = {r.generation for r in rows}
        if len(generations) != 1:
            return None
        return SavedFit(
            generations.pop(),
            {r.competency_id: BktParams(r.p_init, r.p_learn, r.p_guess, r.p_slip) for r in rows},
            {r.competency_id: r.sequences for r in rows},
        )

    def competencies_changed(
        self, generation: str, until: datetime | None = None
    ) -> set[str] | None:
        """Competencies whose evidence is not what it was at `generation` (evidence is only
        ever added; forgetting a learner deletes the saved fit), or, with `until`, not what
        it was at `generation` up to that time. None when the generation cannot tell."""
        evidence_id = _evidence_part(generation)
        if evidence_id is None:
            return None
        changed = Evidence.id > evidence_id
        if until is not None:
            changed = or_(changed, Evidence.observed_at > until)
        with self.db.session() as session:
            # no DISTINCT: SQLite would scan a whole index for it instead of the id range
            return set(session.scalars(select(Evidence.competency_id).where(changed)))

    def save_bkt_params(
        self, params: Mapping[str, BktParams], sequences: Mapping[str, int], generation: str
    ) -> None:
        with self.db.session() as session:
            session.execute(delete(BktParameters))
            session.add_all(
                BktParameters(
                    competency_id=key,
                    generation=generation,
                    p_init=p.p_init,
                    p_learn=p.p_learn,
                    p_guess=p.p_guess,
                    p_slip=p.p_slip,
                    sequences=sequences.get(key, 0),
                )
                for key, p in params.items()
            )

    def add_override(
        self,
        learner_id: str,
        competency_id: str,
        level: float | None,
        *,
        decided_by: str,
        reason: str,
        decided_at: datetime,
    ) -> None:
        with self.db.session() as session:
            session.add(
                MasteryOverride(
                    learner_id=learner_id,
                    competency_id=competency_id,
                    level=level,
                    reason=reason,
                    decided_by=decided_by,
                    decided_at=decided_at,
                )
            )


def _estimate(row: Row[Any]) -> MasteryEstimate:
    return MasteryEstimate(
        competency_id=row.competency_id,
        model=row.model_key.split(":", 1)[0],
        value=row.value,
        level=row.level,
        proficient=row.proficient,
        progress=row.progress,
        confidence=row.confidence,
        evidence_count=row.evidence_count,
        first_observed=row.first_observed,
        last_observed=row.last_observed,
        recent=_floats(row.recent.split(",")),
        probability=row.probability,
    )


def _row(
    learner_id: str, estimate: MasteryEstimate, model_key: str, generation: str, now: datetime
) -> dict[str, Any]:
    assert estimate.first_observed is not None and estimate.last_observed is not None
    return {
        "learner_id": learner_id,
        "competency_id": estimate.competency_id,
        "model_key": model_key,
        "generation": generation,
        "value": estimate.value,
        "level": estimate.level,
        "proficient": estimate.proficient,
        "progress": estimate.progress,
        "confidence": estimate.confidence,
        "probability": estimate.probability,
        "evidence_count": estimate.evidence_count,
        "first_observed": estimate.first_observed,
        "last_observed": estimate.last_observed,
        "recent": ",".join(f"{round(x, 4):g}" for x in estimate.recent[-50:]),
        "computed_at": now,
    }


def _evidence_part(generation: str) -> int | None:
    """The newest evidence id in a generation from `generation()`."""
    head = generation.split(":", 1)[0]
    return int(head) if head.isdigit() else None


def _floats(parts: Iterable[str]) -> tuple[float, ...]:
    return tuple(float(p) for p in parts if p)
