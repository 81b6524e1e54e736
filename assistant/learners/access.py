"""Who may see (and record) which learner's data. Every read of learner data needs a grant.

A student sees only themself, a parent only their linked children, a teacher only the learners
enrolled in the classes they teach, an admin everyone. A leader (principal, coach) reads the
school's figures (`school_grant`: computed over everyone, showing no single learner) and a
class's learners only by drilling into that class (`class_grant`, audited per learner); no
learner record otherwise, and never a write. Store reads take an `AccessGrant`, which
only this policy can issue, so a read that skipped the policy cannot be written. Issuing a grant
is therefore where views are audited (see audit.py): `grant` writes one "view" row per learner
whose data is shown, `grant_visible` one row for the scope it covers (a class, a learner list);
every refusal writes a "refused" row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.errors import AccessDeniedError, UnknownRecordError
from assistant.learners.audit import AuditLog
from assistant.learners.db import (
    ClassTeacher,
    Enrolment,
    Guardianship,
    Learner,
    LearnerDatabase,
    SchoolClass,
    User,
)
from assistant.learners.types import Role

_SEAL = object()


@dataclass(frozen=True)
class Viewer:
    """The person asking."""

    user_id: str
    role: Role
    name: str = ""


# The person at the terminal when no --user is given: they own the database file anyway.
LOCAL_ADMIN = Viewer("local-admin", "admin", "local administrator")
# Fitting population parameters reads everyone's evidence but shows none of it to anyone.
MODEL_FITTING = Viewer("model-fitting", "admin", "mastery model fitting")
# What a view is recorded as in the audit log when the caller does not say.
DEFAULT_PURPOSE = "learner data"
# Roles that may read the school-wide figures and drill into any class (read-only).
SCHOOL_ROLES = ("leader", "admin")


@dataclass(frozen=True)
class AccessGrant:
    """Permission for one viewer to read these learners' data. Issued only by AccessPolicy."""

    viewer: Viewer
    learner_ids: frozenset[str]
    seal: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.seal is not _SEAL:
            raise TypeError("an AccessGrant can only be issued by AccessPolicy")

    def only(self, learner_ids: Iterable[str]) -> AccessGrant:
        """A narrower grant: these learners, if this grant covers them."""
        return AccessGrant(self.viewer, self.learner_ids & frozenset(learner_ids), _SEAL)


class AccessPolicy:
    def __init__(self, db: LearnerDatabase, audit: AuditLog | None = None) -> None:
        self.db = db
        self.audit = audit or AuditLog(db)

    def viewer(self, user_id: str | None) -> Viewer:
        """The viewer for a user id; the local administrator when none is given."""
        if user_id is None:
            return LOCAL_ADMIN
        with self.db.session() as session:
            user = session.get(User, user_id)
            if user is None:
                raise UnknownRecordError(f"unknown user {user_id!r}")
            return Viewer(user.id, _role(user.role), user.name)

    def visible(self, viewer: Viewer, learner_ids: Iterable[str]) -> frozenset[str]:
        """The subset of these learners the viewer may see."""
        with self.db.session() as session:
            return self._visible(session, viewer, learner_ids)

    @staticmethod
    def _visible(session: Session, viewer: Viewer, learner_ids: Iterable[str]) -> frozenset[str]:
        wanted = frozenset(learner_ids)
        if not wanted:
            return frozenset()
        query = select(Learner.id).where(Learner.id.in_(wanted))
        if viewer.role == "admin":
            pass
        elif viewer.role == "student":
            query = query.where(Learner.user_id == viewer.user_id)
        elif viewer.role == "parent":
            query = query.join(Guardianship, Guardianship.learner_id == Learner.id).where(
                Guardianship.parent_id == viewer.user_id
            )
        elif viewer.role == "teacher":
            query = (
                query.join(Enrolment, Enrolment.learner_id == Learner.id)
                .join(ClassTeacher, ClassTeacher.class_id == Enrolment.class_id)
                .where(ClassTeacher.user_id == viewer.user_id)
            )
        else:
            return frozenset()
        return frozenset(session.scalars(query.distinct()))

    def may_view(self, viewer: Viewer, learner_id: str) -> bool:
        return learner_id in self.visible(viewer, [learner_id])

    def grant(
        self, viewer: Viewer, learner_ids: Iterable[str], *, purpose: str = DEFAULT_PURPOSE
    ) -> AccessGrant:
        """A grant for all of these learners, or AccessDeniedError naming the first refused.

        The view is audited (one row per learner, `purpose` says what was looked at) in the
        same transaction as the check; a refusal records one "refused" row instead."""
        wanted = list(dict.fromkeys(learner_ids))
        with self.db.session() as session:
            refused = self._first_refused(wanted, self._visible(session, viewer, wanted))
            if refused is None:
                self._audit_view(session, viewer, wanted, purpose)
        if refused is not None:
            self._refuse(viewer, purpose, learner_id=refused)
        return AccessGrant(viewer, frozenset(wanted), _SEAL)

    def grant_visible(
        self,
        viewer: Viewer,
        learner_ids: Iterable[str],
        *,
        purpose: str = DEFAULT_PURPOSE,
        scope: str = "",
    ) -> AccessGrant:
        """A grant for whichever of these learners the viewer may see.

        Audited as one row for the whole scope ("class 6A"; by default "learner list of N"),
        not one per learner: a list or a class view shows no single learner's record."""
        with self.db.session() as session:
            allowed = self._visible(session, viewer, learner_ids)
            if allowed and viewer != MODEL_FITTING:
                label = scope or f"learner list of {len(allowed)}"
                self.audit.record_scope(viewer, "view", label, purpose, session=session)
        return AccessGrant(viewer, allowed, _SEAL)

    @staticmethod
    def _first_refused(wanted: list[str], allowed: frozenset[str]) -> str | None:
        return next((learner_id for learner_id in wanted if learner_id not in allowed), None)

    def _refuse(
        self, viewer: Viewer, what: str, *, learner_id: str | None = None, scope: str = ""
    ) -> NoReturn:
        """Record a refused attempt, then raise: unknown for an admin (who may see everyone),
        denied for anyone else, with the same words for a hidden learner as a made-up one."""
        if learner_id is not None:
            self.audit.record(viewer, "refused", [learner_id], what)
            if viewer.role == "admin":
                raise UnknownRecordError(f"unknown learner {learner_id!r}")
            raise AccessDeniedError(
                f"{viewer.user_id} ({viewer.role}) may not see learner {learner_id!r}"
            )
        self.audit.record_scope(viewer, "refused", scope, what)
        raise AccessDeniedError(f"{viewer.user_id} ({viewer.role}) may not {what}")

    def _audit_view(
        self, session: Session, viewer: Viewer, learner_ids: Iterable[str], purpose: str
    ) -> None:
        if viewer != MODEL_FITTING:
            self.audit.record(viewer, "view", learner_ids, purpose, session=session)

    def classes_of(self, viewer: Viewer) -> list[tuple[str, str]]:
        """(class id, name) of the classes whose report this viewer may open."""
        query = select(SchoolClass.id, SchoolClass.name).order_by(SchoolClass.id)
        if viewer.role == "teacher":
            query = query.join(ClassTeacher, ClassTeacher.class_id == SchoolClass.id).where(
                ClassTeacher.user_id == viewer.user_id
            )
        elif viewer.role != "admin":
            return []
        with self.db.session() as session:
            return [(row[0], row[1]) for row in session.execute(query)]

    def own_learners(self, viewer: Viewer) -> list[tuple[str, str]]:
        """(id, name) of a student's own record or a parent's children, by id: who they are,
        not their data, so no audit row."""
        query = select(Learner.id, Learner.name).order_by(Learner.id)
        if viewer.role == "student":
            query = query.where(Learner.user_id == viewer.user_id)
        elif viewer.role == "parent":
            query = query.join(Guardianship, Guardianship.learner_id == Learner.id).where(
                Guardianship.parent_id == viewer.user_id
            )
        else:
            return []
        with self.db.session() as session:
            return [(row[0], row[1]) for row in session.execute(query)]

    def may_view_class(self, viewer: Viewer, class_id: str) -> bool:
        if viewer.role == "admin":
            return True
        if viewer.role != "teacher":
            return False
        with self.db.session() as session:
            found = session.get(ClassTeacher, (class_id, viewer.user_id))
            return found is not None

    def require_class(self, viewer: Viewer, class_id: str) -> None:
        if not self.may_view_class(viewer, class_id):
            self._refuse(viewer, f"see class {class_id!r}", scope=f"class {class_id}")

    def require_record(self, viewer: Viewer, learner_ids: Iterable[str]) -> None:
        """Recording evidence or a level: teachers of the learner and admins only."""
        wanted = list(dict.fromkeys(learner_ids))
        if viewer.role not in ("teacher", "admin"):
            self._refuse(viewer, "record evidence or levels", scope="records")
        refused = self._first_refused(wanted, self.visible(viewer, wanted))
        if refused is not None:
            self._refuse(viewer, "record evidence or levels", learner_id=refused)

    def require_roster(self, viewer: Viewer) -> None:
        if viewer.role != "admin":
            self._refuse(viewer, "change the roster", scope="roster")

    def school_grant(self, viewer: Viewer, *, purpose: str = "school figures") -> AccessGrant:
        """Every learner, for figures over the whole school that show no single learner:
        leaders and admins only. Audited as one row for the scope "school"."""
        if viewer.role not in SCHOOL_ROLES:
            self._refuse(viewer, f"see {purpose}", scope="school")
        with self.db.session() as session:
            everyone = frozenset(session.scalars(select(Learner.id)))
            self.audit.record_scope(viewer, "view", "school", purpose, session=session)
        return AccessGrant(viewer, everyone, _SEAL)

    def class_grant(self, viewer: Viewer, class_id: str, *, purpose: str) -> AccessGrant:
        """The learners of one class, by name, for a leader or admin drilling into it: one
        "view" row per learner, as any view of a learner's data; others are refused."""
        if viewer.role not in SCHOOL_ROLES:
            self._refuse(viewer, f"see {purpose} of class {class_id!r}", scope=f"class {class_id}")
        with self.db.session() as session:
            if session.get(SchoolClass, class_id) is None:
                raise UnknownRecordError(f"unknown class {class_id!r}")
            members = list(
                session.scalars(
                    select(Enrolment.learner_id)
                    .where(Enrolment.class_id == class_id)
                    .order_by(Enrolment.learner_id)
                )
            )
            self._audit_view(session, viewer, members, purpose)
        return AccessGrant(viewer, frozenset(members), _SEAL)

    def course_grant(
        self, viewer: Viewer, class_ids: Iterable[str], *, purpose: str, scope: str
    ) -> AccessGrant:
        """The learners of a course's classes, for a team's figures that name no learner: a
        teacher of one of those classes, a leader or an admin; audited as one row for the
        scope ("course M6"). The caller passes the course's classes (learners/db_teams.py)."""
        classes = sorted(set(class_ids))
        with self.db.session() as session:
            teaches = viewer.role == "teacher" and any(
                session.get(ClassTeacher, (class_id, viewer.user_id)) is not None
                for class_id in classes
            )
        if not (teaches or viewer.role in SCHOOL_ROLES):
            self._refuse(viewer, f"see {purpose}", scope=scope)
        with self.db.session() as session:
            members = frozenset(
                session.scalars(select(Enrolment.learner_id).where(Enrolment.class_id.in_(classes)))
            )
            self.audit.record_scope(viewer, "view", scope, purpose, session=session)
        return AccessGrant(viewer, members, _SEAL)

    def fitting_grant(self) -> AccessGrant:
        """Every learner, for fitting population parameters; never for showing data."""
        with self.db.session() as session:
            everyone = frozenset(session.scalars(select(Learner.id)))
        return AccessGrant(MODEL_FITTING, everyone, _SEAL)


def _role(value: str) -> Role:
    if value == "student":
        return "student"
    if value == "parent":
        return "parent"
    if value == "teacher":
        return "teacher"
    if value == "leader":
        return "leader"
    if value == "admin":
        return "admin"
    raise UnknownRecordError(f"unknown role {value!r}")
