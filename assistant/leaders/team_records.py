"""What teaching teams recorded, read back: the courses and their classes, every class id,
who attended which recorded intervention, and a course team's go-to activities (ids, names
and attendance only; the access policy is applied by the callers)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from assistant.learners.access import AccessPolicy
from assistant.learners.db import LearnerDatabase, SchoolClass
from assistant.learners.db_teams import (
    Course,
    CourseClass,
    Intervention,
    InterventionLearner,
    TeamGoTo,
)


@dataclass(frozen=True)
class CourseInfo:
    id: str
    name: str
    class_ids: tuple[str, ...]


def courses(policy: AccessPolicy) -> list[CourseInfo]:
    """Every course with its classes (course names and class ids: no learner's data)."""
    with policy.db.session() as session:
        names = {c.id: c.name for c in session.scalars(select(Course).order_by(Course.id))}
        classes: dict[str, list[str]] = {key: [] for key in names}
        for link in session.scalars(
            select(CourseClass)
            .join(SchoolClass, SchoolClass.id == CourseClass.class_id)
            .order_by(CourseClass.class_id)
        ):
            classes.setdefault(link.course_id, []).append(link.class_id)
    return [CourseInfo(key, names[key], tuple(classes[key])) for key in names]


def all_class_ids(policy: AccessPolicy) -> list[str]:
    """Every class id (ids only: no learner's data)."""
    return class_ids_in(policy.db)


def class_ids_in(db: LearnerDatabase) -> list[str]:
    with db.session() as session:
        return list(session.scalars(select(SchoolClass.id).order_by(SchoolClass.id)))


def attendances_until(
    policy: AccessPolicy, class_ids: Sequence[str], until: date
) -> list[tuple[str, str, str, str, date]]:
    """(learner, competency, activity, class, day) of the recordings in these classes."""
    return attendances_in(policy.db, class_ids, until)


def attendances_in(
    db: LearnerDatabase, class_ids: Sequence[str], until: date
) -> list[tuple[str, str, str, str, date]]:
    with db.session() as session:
        rows = session.execute(
            select(
                InterventionLearner.learner_id,
                Intervention.competency_id,
                Intervention.activity,
                Intervention.class_id,
                Intervention.met_on,
            )
            .join(Intervention, Intervention.id == InterventionLearner.intervention_id)
            .where(Intervention.class_id.in_(list(class_ids)), Intervention.met_on <= until)
            .order_by(Intervention.met_on, Intervention.id, InterventionLearner.learner_id)
        )
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def go_tos(policy: AccessPolicy, course_id: str) -> dict[str, str]:
    """Competency id: the activity the course's team marked as its go-to."""
    with policy.db.session() as session:
        return {
            row.competency_id: row.activity
            for row in session.scalars(select(TeamGoTo).where(TeamGoTo.course_id == course_id))
        }
