"""The learner tables: people, classes, evidence, overrides, estimates, feedback, credentials,
attributes, leader snapshots and the audit log (SQLAlchemy 2 models on `base.Base`).

The tables of connecting systems are in `db_connect`, those of teaching teams in `db_teams`;
`schema` registers them all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from assistant.learners.base import COMPETENCY_ID, ID, Base

ROLES = ("student", "parent", "teacher", "leader", "admin")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="ck_users_role"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    # Created by the demo-school loader: only such users are offered as demo accounts.
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Learner(Base):
    __tablename__ = "learners"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    grade: Mapped[str] = mapped_column(String(16), default="")
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), unique=True)


class SchoolClass(Base):
    __tablename__ = "classes"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    framework_id: Mapped[str | None] = mapped_column(COMPETENCY_ID)


class ClassTeacher(Base):
    __tablename__ = "class_teachers"
    class_id: Mapped[str] = mapped_column(ForeignKey("classes.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class Enrolment(Base):
    __tablename__ = "enrolments"
    class_id: Mapped[str] = mapped_column(ForeignKey("classes.id"), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), primary_key=True, index=True)


class Guardianship(Base):
    __tablename__ = "guardianships"
    parent_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), primary_key=True, index=True)


class ClassFocus(Base):
    """A competency a teacher made a priority for a class: ranks it up in next steps."""

    __tablename__ = "class_focus"
    class_id: Mapped[str] = mapped_column(ForeignKey("classes.id"), primary_key=True)
    competency_id: Mapped[str] = mapped_column(COMPETENCY_ID, primary_key=True)
    priority: Mapped[float] = mapped_column(Float, default=1.0)


class EvidenceImport(Base):
    __tablename__ = "evidence_imports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    added: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(ID)
    imported_at: Mapped[datetime] = mapped_column(DateTime)


class Evidence(Base):
    """One dated judgement on one competency. Never updated: corrections are new evidence."""

    __tablename__ = "evidence"
    __table_args__ = (
        UniqueConstraint(
            "learner_id",
            "competency_id",
            "observed_at",
            "evidence_type",
            "source",
            name="uq_evidence_identity",
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), index=True)
    competency_id: Mapped[str] = mapped_column(COMPETENCY_ID, index=True)
    competency_code: Mapped[str] = mapped_column(String(100), default="")
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    level: Mapped[float] = mapped_column(Float)
    observed_at: Mapped[datetime] = mapped_column(DateTime)
    evidence_type: Mapped[str] = mapped_column(String(100), default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    import_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_imports.id"))


class MasteryOverride(Base):
    """A teacher's decision on a level, with who and why. A row with no level withdraws one."""

    __tablename__ = "mastery_overrides"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), index=True)
    competency_id: Mapped[str] = mapped_column(COMPETENCY_ID)
    level: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(ID)
    decided_at: Mapped[datetime] = mapped_column(DateTime)


class MasteryEstimateRow(Base):
    """A cached model estimate; valid while its generation matches the evidence's."""

    __tablename__ = "mastery_estimates"
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), primary_key=True)
    competency_id: Mapped[str] = mapped_column(COMPETENCY_ID, primary_key=True)
    model_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    generation: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    level: Mapped[float] = mapped_column(Float)
    proficient: Mapped[bool] = mapped_column(Boolean)
    progress: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    probability: Mapped[float | None] = mapped_column(Float)
    evidence_count: Mapped[int] = mapped_column(Integer)
    first_observed: Mapped[datetime] = mapped_column(DateTime)
    last_observed: Mapped[datetime] = mapped_column(DateTime)
    recent: Mapped[str] = mapped_column(String(400))
    computed_at: Mapped[datetime] = mapped_column(DateTime)


class BktParameters(Base):
    """Fitted Bayesian Knowledge Tracing parameters for one competency."""

    __tablename__ = "bkt_parameters"
    competency_id: Mapped[str] = mapped_column(COMPETENCY_ID, primary_key=True)
    generation: Mapped[str] = mapped_column(String(40))
    p_init: Mapped[float] = mapped_column(Float)
    p_learn: Mapped[float] = mapped_column(Float)
    p_guess: Mapped[float] = mapped_column(Float)
    p_slip: Mapped[float] = mapped_column(Float)
    sequences: Mapped[int] = mapped_column(Integer)


class Feedback(Base):
    """A thumbs up (1) or down (0) on one answer, with the question, answer and citations.

    Times are UTC. user_id and learner_id are plain strings (no foreign keys): feedback outlives
    roster changes until retention or forget-learner removes it."""

    __tablename__ = "feedback"
    __table_args__ = (CheckConstraint("rating IN (0, 1)", name="ck_feedback_rating"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[str | None] = mapped_column(ID, index=True)
    role: Mapped[str] = mapped_column(String(16))
    learner_id: Mapped[str | None] = mapped_column(ID, index=True)
    conversation_id: Mapped[str] = mapped_column(String(100), default="", index=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(40), default="")
    citations: Mapped[str] = mapped_column(Text, default="[]")
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)


class IssuedCredential(Base):
    """An Open Badges 3.0 credential the school signed, by its place in the revocation list.

    Forgetting the learner empties the row (no learner, competency or document) and keeps it
    revoked: copies may live on in a wallet, and the status list must keep saying so."""

    __tablename__ = "issued_credentials"
    status_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    credential_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    learner_id: Mapped[str | None] = mapped_column(ID, index=True)
    competency_id: Mapped[str | None] = mapped_column(COMPETENCY_ID)
    issued_by: Mapped[str] = mapped_column(ID, default="")
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    document: Mapped[str | None] = mapped_column(Text)
    jwt: Mapped[str | None] = mapped_column(Text)


class LearnerAttribute(Base):
    """A learner attribute the school chose to import (IEP, 504, English learner, a group of
    its own), as the roster said it: never inferred. Read only for leaders' equity figures."""

    __tablename__ = "learner_attributes"
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(300), default="")  # the file it came from
    recorded_at: Mapped[datetime] = mapped_column(DateTime, index=True)  # UTC, last import


class LeaderSnapshot(Base):
    """School figures computed after an import (assistant/leaders/precompute.py), valid while
    the data's stamp matches: aggregates only, small groups already suppressed."""

    __tablename__ = "leader_snapshots"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    stamp: Mapped[str] = mapped_column(String(300))
    computed_at: Mapped[datetime] = mapped_column(DateTime)
    seconds: Mapped[float] = mapped_column(Float)
    data: Mapped[str] = mapped_column(Text)


AUDIT_ACTIONS = ("view", "change", "delete", "refused")


class AuditRow(Base):
    """Who viewed or changed which learner's data, when, and what (UTC times).

    A row is about one learner (`learner_id`), or about a whole scope (`scope`: a class, a
    learner list) with no learner id when the access showed no single learner's data."""

    __tablename__ = "audit_log"
    __table_args__ = (CheckConstraint(f"action IN {AUDIT_ACTIONS!r}", name="ck_audit_log_action"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[str] = mapped_column(ID, index=True)
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    learner_id: Mapped[str | None] = mapped_column(ID, index=True)
    what: Mapped[str] = mapped_column(String(300), default="")
    scope: Mapped[str] = mapped_column(String(200), default="", server_default="")
