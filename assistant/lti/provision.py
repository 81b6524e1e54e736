"""Just-in-time provisioning: the first launch of a person or a course creates its Waypoint
user (and learner record) or class; later launches find them by (platform, sub) and (platform,
context id). The launch's nonce is recorded in the same transaction, so a replay is refused
and a refused launch writes nothing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.learners.audit import AuditLog, utc_now
from assistant.learners.db import (
    ClassTeacher,
    Enrolment,
    Guardianship,
    Learner,
    LearnerDatabase,
    SchoolClass,
    User,
)
from assistant.learners.db_connect import (
    LtiClassLink,
    LtiClassService,
    LtiMentee,
    LtiNonce,
    LtiUserLink,
)
from assistant.learners.types import Role
from assistant.lti.launch import Launch, LaunchError


@dataclass(frozen=True)
class LtiActor:
    """Who the audit log says made a just-in-time change: the platform."""

    user_id: str
    role: str = "lti"


@dataclass(frozen=True)
class Provisioned:
    user_id: str
    role: Role
    class_id: str | None
    created: tuple[str, ...]  # what this launch created, for the audit log


def local_id(platform_id: int, kind: str, value: str) -> str:
    """A stable Waypoint id for a platform's sub or context id (ids there may be long)."""
    return f"lti{platform_id}-{kind}-{hashlib.sha256(value.encode()).hexdigest()[:12]}"


class Provisioner:
    def __init__(self, db: LearnerDatabase, audit: AuditLog) -> None:
        self.db = db
        self.audit = audit

    def provision(self, launch: Launch) -> Provisioned:
        platform = launch.platform.id
        expires = datetime.fromtimestamp(float(launch.claims.get("exp", 0)), UTC)
        try:
            with self.db.session() as session:
                session.add(
                    LtiNonce(
                        platform_id=platform,
                        nonce=launch.nonce,
                        expires_at=expires.replace(tzinfo=None),
                    )
                )
                session.flush()  # a replay fails here, before anything else is written
                created: list[str] = []
                user_id, role = self._user(session, launch, created)
                class_id = (
                    self._class(session, launch, role, created) if launch.context_id else None
                )
                if class_id is not None:
                    _keep_services(session, launch)
                learner_ids = self._memberships(session, launch, user_id, role, class_id, created)
                if created:
                    actor = LtiActor(f"lti:{platform}")
                    what = "lti launch created " + ", ".join(created)
                    if learner_ids:
                        self.audit.record(actor, "change", learner_ids, what, session=session)
                    else:
                        self.audit.record_scope(
                            actor, "change", f"user {user_id}", what, session=session
                        )
        except IntegrityError as exc:
            raise LaunchError("the id_token's nonce was used before (a replayed launch)") from exc
        return Provisioned(user_id, role, class_id, tuple(created))

    @staticmethod
    def _user(session: Session, launch: Launch, created: list[str]) -> tuple[str, Role]:
        link = session.get(LtiUserLink, (launch.platform.id, launch.sub))
        if link is not None:
            user = session.get(User, link.user_id)
            if user is not None:
                role: Role = user.role  # type: ignore[assignment]
                return user.id, role
        user_id = local_id(launch.platform.id, "user", launch.sub)
        if session.get(User, user_id) is None:
            session.add(User(id=user_id, name=launch.name, role=launch.role))
            created.append(f"user {user_id} ({launch.role})")
        if link is None:
            session.add(
                LtiUserLink(platform_id=launch.platform.id, sub=launch.sub, user_id=user_id)
            )
        else:
            link.user_id = user_id
        if launch.role == "student":
            session.flush()
            if session.scalar(select(Learner.id).where(Learner.user_id == user_id)) is None:
                session.add(Learner(id=user_id, name=launch.name, user_id=user_id))
                created.append(f"learner {user_id}")
        return user_id, launch.role

    @staticmethod
    def _class(session: Session, launch: Launch, role: Role, created: list[str]) -> str | None:
        """The course's class; created on its first launch (never by a leader's launch: an
        LMS administrator looking at a course does not make it a Waypoint class)."""
        assert launch.context_id is not None
        key = (launch.platform.id, launch.context_id)
        link = session.get(LtiClassLink, key)
        if link is not None and session.get(SchoolClass, link.class_id) is not None:
            return link.class_id
        if role == "leader":
            return None
        class_id = local_id(launch.platform.id, "class", launch.context_id)
        if session.get(SchoolClass, class_id) is None:
            session.add(
                SchoolClass(
                    id=class_id,
                    name=launch.context_title or class_id,
                    framework_id=launch.platform.framework_id,
                )
            )
            created.append(f"class {class_id}")
        if link is None:
            session.add(LtiClassLink(platform_id=key[0], context_id=key[1], class_id=class_id))
        else:
            link.class_id = class_id
        return class_id

    @staticmethod
    def _memberships(
        session: Session,
        launch: Launch,
        user_id: str,
        role: Role,
        class_id: str | None,
        created: list[str],
    ) -> list[str]:
        """Teacher of the class, learner in it, or parent of the mentored learners Waypoint
        knows; the learner ids whose records changed."""
        session.flush()
        changed: list[str] = []
        if role == "teacher" and class_id and not session.get(ClassTeacher, (class_id, user_id)):
            session.add(ClassTeacher(class_id=class_id, user_id=user_id))
            created.append(f"teacher of {class_id}")
        if role == "student" and class_id:
            learner = session.scalar(select(Learner.id).where(Learner.user_id == user_id))
            if learner and session.get(Enrolment, (class_id, learner)) is None:
                session.add(Enrolment(class_id=class_id, learner_id=learner))
                created.append(f"enrolment of {learner} in {class_id}")
                changed.append(learner)
        if role == "parent":
            for sub in launch.mentees:
                if session.get(LtiMentee, (launch.platform.id, user_id, sub[:255])) is None:
                    session.add(
                        LtiMentee(
                            platform_id=launch.platform.id, mentor_id=user_id, learner_sub=sub[:255]
                        )
                    )
            session.flush()
        if role in ("parent", "student"):
            for learner in link_mentees(session, launch.platform.id):
                created.append(f"parent of {learner}")
                changed.append(learner)
        return changed


def link_mentees(session: Session, platform_id: int) -> list[str]:
    """Make each mentor of this platform a parent of the learners they follow that Waypoint
    now knows (launched, or synced from the course roster); the learner ids linked."""
    changed: list[str] = []
    pending = session.execute(
        select(LtiMentee.mentor_id, Learner.id)
        .join(
            LtiUserLink,
            (LtiUserLink.platform_id == LtiMentee.platform_id)
            & (LtiUserLink.sub == LtiMentee.learner_sub),
        )
        .join(Learner, Learner.user_id == LtiUserLink.user_id)
        .where(LtiMentee.platform_id == platform_id)
    )
    for mentor, learner in pending:
        user = session.get(User, mentor)
        if user is None or user.role != "parent":
            continue
        if session.get(Guardianship, (mentor, learner)) is None:
            session.add(Guardianship(parent_id=mentor, learner_id=learner))
            changed.append(learner)
    return changed


def _keep_services(session: Session, launch: Launch) -> None:
    """The course's NRPS and AGS URLs as this launch gives them (a later launch updates them;
    a launch without them leaves what an earlier one gave)."""
    if launch.memberships_url is None and launch.lineitems_url is None:
        return
    assert launch.context_id is not None
    row = session.get(LtiClassService, (launch.platform.id, launch.context_id))
    if row is None:
        row = LtiClassService(
            platform_id=launch.platform.id, context_id=launch.context_id, ags_scopes=""
        )
        session.add(row)
    if launch.memberships_url is not None:
        row.memberships_url = launch.memberships_url
    if launch.lineitems_url is not None:
        row.lineitems_url = launch.lineitems_url
        row.ags_scopes = " ".join(launch.ags_scopes)[:2000]
    row.updated_at = utc_now()
