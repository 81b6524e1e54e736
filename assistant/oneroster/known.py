"""What the learner database holds now, read once before a OneRoster set is checked."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from assistant.learners.db import (
    ClassTeacher,
    Enrolment,
    Guardianship,
    Learner,
    LearnerDatabase,
    SchoolClass,
    User,
)


@dataclass(frozen=True)
class Known:
    users: dict[str, tuple[str, str]]  # id: (role, name)
    learners: dict[str, tuple[str, str, str | None]]  # id: (name, grade, user id)
    classes: dict[str, tuple[str, str | None]]  # id: (name, framework)
    enrolments: frozenset[tuple[str, str]]  # (class, learner)
    teaching: frozenset[tuple[str, str]]  # (class, teacher)
    guardians: frozenset[tuple[str, str]]  # (parent, learner)

    def learner_of(self, user_id: str) -> str | None:
        return next((lid for lid, (_, _, uid) in self.learners.items() if uid == user_id), None)


def read_known(db: LearnerDatabase) -> Known:
    with db.session() as session:
        users = {u.id: (u.role, u.name) for u in session.scalars(select(User))}
        learners = {
            lr.id: (lr.name, lr.grade, lr.user_id) for lr in session.scalars(select(Learner))
        }
        classes = {c.id: (c.name, c.framework_id) for c in session.scalars(select(SchoolClass))}
        enrolments = frozenset(
            (row[0], row[1])
            for row in session.execute(select(Enrolment.class_id, Enrolment.learner_id))
        )
        teaching = frozenset(
            (row[0], row[1])
            for row in session.execute(select(ClassTeacher.class_id, ClassTeacher.user_id))
        )
        guardians = frozenset(
            (row[0], row[1])
            for row in session.execute(select(Guardianship.parent_id, Guardianship.learner_id))
        )
    return Known(users, learners, classes, enrolments, teaching, guardians)
