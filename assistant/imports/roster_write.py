"""Writing validated roster rows: upserts, and memberships replaced per person or class."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from assistant.learners.db import (
    ClassFocus,
    ClassTeacher,
    Enrolment,
    Guardianship,
    Learner,
    SchoolClass,
    User,
)
from assistant.learners.db_teams import Course, CourseClass


@dataclass(frozen=True)
class ClassRow:
    id: str
    name: str
    framework_id: str | None
    focus: tuple[str, ...]
    has_focus: bool
    course: tuple[str, str] | None = None  # (course id, course name)
    has_course: bool = False  # the source says which course (None: in none)


@dataclass(frozen=True)
class PersonRow:
    role: str
    user_id: str | None
    name: str
    learner_id: str | None
    grade: str
    classes: tuple[str, ...] | None
    children: tuple[str, ...] | None
    # Attributes for equity figures (learners/attributes.py), written by the importer.
    attributes: tuple[tuple[str, str | None], ...] = ()
    source: str = ""


def write_class(session: Session, item: ClassRow) -> None:
    session.merge(SchoolClass(id=item.id, name=item.name, framework_id=item.framework_id))
    if item.has_course:
        write_course(session, item.id, item.course)
    if item.has_focus:
        session.execute(delete(ClassFocus).where(ClassFocus.class_id == item.id))
        session.add_all(
            ClassFocus(class_id=item.id, competency_id=c, priority=1.0) for c in item.focus
        )


def write_course(session: Session, class_id: str, course: tuple[str, str] | None) -> None:
    """Put a class in a course (created, or renamed unless the name is empty), or in none."""
    session.flush()
    session.execute(delete(CourseClass).where(CourseClass.class_id == class_id))
    if course is not None:
        found = session.get(Course, course[0])
        if found is None:
            session.add(Course(id=course[0], name=course[1] or course[0]))
        elif course[1]:
            found.name = course[1]
        session.flush()
        session.add(CourseClass(class_id=class_id, course_id=course[0]))


def write_person(session: Session, person: PersonRow, *, demo: bool = False) -> None:
    """Upsert a person. `demo` marks a user this write creates (never one that existed)."""
    if person.user_id:
        if demo and session.get(User, person.user_id) is None:
            session.add(User(id=person.user_id, name=person.name, role=person.role, demo=True))
        else:
            session.merge(User(id=person.user_id, name=person.name, role=person.role))
        session.flush()
    if person.learner_id:
        session.merge(
            Learner(
                id=person.learner_id, name=person.name, grade=person.grade, user_id=person.user_id
            )
        )
        session.flush()
        if person.classes is not None:
            session.execute(delete(Enrolment).where(Enrolment.learner_id == person.learner_id))
            session.add_all(
                Enrolment(class_id=c, learner_id=person.learner_id) for c in person.classes
            )
    if person.role == "teacher" and person.classes is not None and person.user_id:
        session.execute(delete(ClassTeacher).where(ClassTeacher.user_id == person.user_id))
        session.add_all(ClassTeacher(class_id=c, user_id=person.user_id) for c in person.classes)
    if person.role == "parent" and person.children is not None and person.user_id:
        session.execute(delete(Guardianship).where(Guardianship.parent_id == person.user_id))
        session.add_all(
            Guardianship(parent_id=person.user_id, learner_id=c) for c in person.children
        )


def remove_class(session: Session, class_id: str) -> None:
    """Delete a class with its teachers, enrolments and focus (evidence is not about classes)."""
    for table in (ClassFocus, ClassTeacher, Enrolment, CourseClass):
        session.execute(delete(table).where(table.class_id == class_id))
    session.execute(delete(SchoolClass).where(SchoolClass.id == class_id))


def remove_login(session: Session, user_id: str) -> None:
    """Delete a user's login with their teaching and guardianships. A student's learner record
    and evidence stay, no longer linked to a login (forgetting a learner is another command)."""
    session.execute(delete(ClassTeacher).where(ClassTeacher.user_id == user_id))
    session.execute(delete(Guardianship).where(Guardianship.parent_id == user_id))
    session.execute(update(Learner).where(Learner.user_id == user_id).values(user_id=None))
    session.execute(delete(User).where(User.id == user_id))
