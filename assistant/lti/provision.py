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
from assistant.learners.db_connect import LtiClassLink, LtiNonce, LtiUserLink
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
                class_id = self._class(session, launch, created) if launch.context_id else None
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
    def _class(session: Session, launch: Launch, created: list[str]) -> str:
        assert launch.context_id is not None
        key = (launch.platform.id, launch.context_id)
        link = session.get(LtiClassLink, key)
        if link is not None and session.get(SchoolClass, link.class_id) is not None:
            return link.class_id
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
                link = session.get(LtiUserLink, (launch.platform.id, sub))
                if link is None:
                    continue  # not launched yet: linked on a later launch
                learner = session.scalar(select(Learner.id).where(Learner.user_id == link.user_id))
                if learner and session.get(Guardianship, (user_id, learner)) is None:
                    session.add(Guardianship(parent_id=user_id, learner_id=learner))
                    created.append(f"parent of {learner}")
                    changed.append(learner)
        return changed
