"""What stored leader figures were computed from: the data's stamp (evidence, decisions,
roster, attributes, interventions), the catalog's, and the mastery model's fitted parameters.
A stored snapshot is current while its stamp matches; `changed_learners` says whose stored
records a newer stamp may have changed."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from datetime import time as day_time

from sqlalchemy import func, or_, select

from assistant.frameworks.catalog import FrameworkCatalog
from assistant.learners.db import (
    Enrolment,
    Evidence,
    Learner,
    LearnerAttribute,
    LearnerDatabase,
    MasteryOverride,
    SchoolClass,
)
from assistant.learners.db_teams import Intervention, InterventionLearner
from assistant.learners.mastery import BayesianKnowledgeTracing, MasteryModel


def data_stamp(db: LearnerDatabase) -> str:
    """Changes whenever anything the figures read changes (a few aggregate queries)."""
    return ":".join(data_parts(db))


def data_parts(db: LearnerDatabase) -> list[str]:
    """The evidence's (newest id, rows), the decisions' (newest id, rows), then the roster's,
    the attributes' and the interventions' counts."""
    with db.session() as session:
        parts = [
            session.scalar(select(func.max(Evidence.id))),
            session.scalar(select(func.count(Evidence.id))),
            session.scalar(select(func.max(MasteryOverride.id))),
            session.scalar(select(func.count(MasteryOverride.id))),
            session.scalar(select(func.count(Learner.id))),
            session.scalar(select(func.count(SchoolClass.id))),
            session.scalar(select(func.count()).select_from(Enrolment)),
            session.scalar(select(func.count()).select_from(LearnerAttribute)),
            session.scalar(select(func.max(LearnerAttribute.recorded_at))),
            session.scalar(select(func.max(Intervention.id))),
            session.scalar(select(func.count(Intervention.id))),
            session.scalar(select(func.count()).select_from(InterventionLearner)),
        ]
    return ["" if p is None else str(p).replace(":", "-").replace("|", "-") for p in parts]


def catalog_stamp(catalog: FrameworkCatalog) -> str:
    """The competencies and their prerequisites (what the replay reads of the catalog)."""
    digest = hashlib.sha256()
    for entry in sorted(catalog.assessable(), key=lambda e: e.identifier):
        digest.update(entry.identifier.encode())
        digest.update(",".join(catalog.prerequisites(entry.identifier)).encode())
        digest.update(b"\n")
    return digest.hexdigest()[:16]


def model_params(model: MasteryModel) -> dict[str, str]:
    """The fitted parameters per competency (BKT), as text: a competency whose parameters
    changed is replayed again for every learner with evidence on it."""
    if isinstance(model, BayesianKnowledgeTracing):
        return {key: repr(value) for key, value in sorted(model.params.items())}
    return {}


def changed_learners(
    db: LearnerDatabase,
    stamp: str,
    old_params: dict[str, str],
    parts: list[str],
    params: dict[str, str],
    until: date,
    *,
    catalog: str | None,
    model: str,
) -> set[str] | None:
    """The learners whose records may differ from the stored ones (stamped `stamp`), or
    None when they cannot be known (evidence or decisions deleted, another catalog or
    model, an earlier end date)."""
    fields = stamp.split("|")
    if len(fields) < 4 or fields[1] != catalog:
        return None
    if "|".join(fields[2:-1]) != model:
        return None
    old = fields[0].split(":")
    try:
        old_until = date.fromisoformat(fields[-1])
        ev_max, ev_rows, ov_max, ov_rows = (int(v or 0) for v in old[:4])
        ev_now, ov_now = int(parts[1] or 0), int(parts[3] or 0)
    except ValueError:
        return None
    if len(old) != len(parts) or until < old_until:
        return None
    was_end = datetime.combine(old_until, day_time.max)
    end = datetime.combine(until, day_time.max)
    changed = sorted(
        {*old_params, *params} - {k for k, v in params.items() if old_params.get(k) == v}
    )
    with db.session() as session:
        added = session.scalar(select(func.count(Evidence.id)).where(Evidence.id > ev_max))
        decided = session.scalar(
            select(func.count(MasteryOverride.id)).where(MasteryOverride.id > ov_max)
        )
        if ev_now - ev_rows != added or ov_now - ov_rows != decided:
            return None  # rows were deleted
        touched = set(
            session.scalars(
                select(Evidence.learner_id)
                .where(
                    or_(
                        Evidence.id > ev_max,
                        Evidence.observed_at.between(was_end, end),
                        Evidence.competency_id.in_(changed),
                    )
                )
                .distinct()
            )
        )
        touched |= set(
            session.scalars(
                select(MasteryOverride.learner_id)
                .where(
                    or_(
                        MasteryOverride.id > ov_max,
                        MasteryOverride.decided_at.between(was_end, end),
                        MasteryOverride.competency_id.in_(changed),
                    )
                )
                .distinct()
            )
        )
    return touched
