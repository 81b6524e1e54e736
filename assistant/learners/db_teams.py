"""Tables of teaching teams (issue 19): courses, recorded interventions and a team's go-to.

Registered on the learner database's `Base` (schema.py imports this module), so Alembic's
migration and `compare_metadata` see them.

- A course groups classes (sections of the same course, e.g. 6A and 6B): `courses` and
  `course_classes` (a class is in at most one course). Imported from a classes file's
  `course` column or OneRoster's courses.csv (a class's courseSourcedId).
- An intervention is a suggested flexible group that met, or any intervention a teacher logs on
  one competency for chosen learners: the day, the activity, who attended
  (`intervention_learners`). Forgetting a learner deletes their attendance.
- A team's go-to is the activity the teachers of a course chose for one competency.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.learners.base import COMPETENCY_ID, ID, Base

ACTIVITY = String(200)
INTERVENTION_KINDS = ("group", "intervention")


class Course(Base):
    __tablename__ = "courses"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")


class CourseClass(Base):
    __tablename__ = "course_classes"
    class_id: Mapped[str] = mapped_column(ForeignKey("classes.id"), primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"), index=True)


class Intervention(Base):
    """A group that met or an intervention logged, on one competency, on one day."""

    __tablename__ = "interventions"
    __table_args__ = (
        CheckConstraint(f"kind IN {INTERVENTION_KINDS!r}", name="ck_interventions_kind"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    class_id: Mapped[str] = mapped_column(ID, index=True)
    competency_id: Mapped[str] = mapped_column(COMPETENCY_ID, index=True)
    activity: Mapped[str] = mapped_column(ACTIVITY)
    met_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(ID)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class InterventionLearner(Base):
    __tablename__ = "intervention_learners"
    intervention_id: Mapped[int] = mapped_column(ForeignKey("interventions.id"), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), primary_key=True, index=True)


class TeamGoTo(Base):
    """The activity a course's teachers marked as their go-to for one competency."""

    __tablename__ = "team_go_to"
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"), primary_key=True)
    competency_id: Mapped[str] = mapped_column(COMPETENCY_ID, primary_key=True)
    activity: Mapped[str] = mapped_column(ACTIVITY)
    marked_by: Mapped[str] = mapped_column(ID)
    marked_at: Mapped[datetime] = mapped_column(DateTime)
