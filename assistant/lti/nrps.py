"""Names and Role Provisioning Services 2.0: a class's roster from its course's membership
service (`waypoint lti sync CLASS`, and after a teacher's launch).

Every page of the membership is read and checked before anything is written; then people,
enrolments and teaching are written in one transaction through the roster writer the CSV and
OneRoster imports use, audited like them. Active Learners are enrolled in the class and
Instructors teach it (their other classes are kept); members of this LMS who left the course
(no longer listed, or Inactive) leave the class; people Waypoint knows from other imports are
left as they are. Mentors become parents of the learners their launches named once those
learners are known. A Waypoint user keeps one role: a member whose LMS role differs is skipped
and named in the report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from assistant.errors import UnknownRecordError
from assistant.imports.roster_write import PersonRow, write_person
from assistant.learners.audit import AuditLog, learner_state
from assistant.learners.db import ClassTeacher, Enrolment, Learner, LearnerDatabase, User
from assistant.learners.db_connect import LtiClassLink, LtiClassService, LtiUserLink
from assistant.learners.types import Role
from assistant.lti.platforms import Platform, PlatformRegistry
from assistant.lti.provision import link_mentees, local_id
from assistant.lti.roles import waypoint_role
from assistant.lti.services import LtiServiceError, ServiceClient

SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
WHAT = "membership service (NRPS)"
SYNCED_ROLES: tuple[Role, ...] = ("teacher", "student", "parent")


class Actor(Protocol):
    @property
    def user_id(self) -> str: ...

    @property
    def role(self) -> str: ...


@dataclass(frozen=True)
class Member:
    sub: str
    name: str
    role: Role | None
    active: bool


@dataclass(frozen=True)
class ClassService:
    platform: Platform
    context_id: str
    class_id: str
    memberships_url: str | None
    lineitems_url: str | None
    ags_scopes: tuple[str, ...]


@dataclass(frozen=True)
class SyncReport:
    class_id: str
    members: int
    created: int  # Waypoint users this sync created
    learners: int  # learners in the class afterwards (from this LMS)
    teachers: int
    left: int  # enrolments and teaching removed
    skipped: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "class": self.class_id,
            "members": self.members,
            "created": self.created,
            "learners": self.learners,
            "teachers": self.teachers,
            "left": self.left,
            "skipped": list(self.skipped),
        }

    def line(self) -> str:
        said = (
            f"class {self.class_id}: {self.members} members read; {self.learners} learners and "
            f"{self.teachers} teachers from the LMS, {self.created} new, {self.left} left"
        )
        return said + "".join(f"\n  skipped: {reason}" for reason in self.skipped)


def class_service(db: LearnerDatabase, platforms: PlatformRegistry, class_id: str) -> ClassService:
    """The LMS course a class is, with the service URLs its last launch gave."""
    with db.session() as session:
        link = session.scalar(select(LtiClassLink).where(LtiClassLink.class_id == class_id))
        if link is None:
            raise UnknownRecordError(
                f"class {class_id!r} was not launched from an LMS (no LTI course is linked to it)"
            )
        service = session.get(LtiClassService, (link.platform_id, link.context_id))
        found = (link.platform_id, link.context_id)
        urls = (
            (service.memberships_url, service.lineitems_url, tuple(service.ags_scopes.split()))
            if service is not None
            else (None, None, ())
        )
    return ClassService(platforms.get(found[0]), found[1], class_id, *urls)


class RosterSync:
    def __init__(
        self,
        db: LearnerDatabase,
        audit: AuditLog,
        platforms: PlatformRegistry,
        client: ServiceClient,
    ) -> None:
        self.db = db
        self.audit = audit
        self.platforms = platforms
        self.client = client

    def sync(self, class_id: str, actor: Actor) -> SyncReport:
        service = class_service(self.db, self.platforms, class_id)
        if service.memberships_url is None:
            raise LtiServiceError(
                f"class {class_id!r}: the LMS has not offered its membership service (turn on "
                "Names and Role Provisioning for Waypoint in the LMS, then launch once as a "
                "teacher)"
            )
        members = self.members(service.platform, service.memberships_url)
        return self._write(service, members, actor)

    def members(self, platform: Platform, url: str) -> list[Member]:
        """Every member over every page; a member that cannot be read stops the sync."""
        found: list[Member] = []
        for page in self.client.pages(platform, (SCOPE,), url, WHAT, accept=MEDIA_TYPE):
            listed = page.get("members")
            if not isinstance(listed, list):
                raise LtiServiceError(f"the LMS's {WHAT} at {url} answered no members list")
            for item in listed:
                found.append(_member(item, len(found) + 1, url))
        return found

    def _write(self, service: ClassService, members: Sequence[Member], actor: Actor) -> SyncReport:
        platform, class_id = service.platform.id, service.class_id
        plan = _Plan()
        with self.db.session() as session:
            enrolled_before = set(
                session.scalars(select(Enrolment.learner_id).where(Enrolment.class_id == class_id))
            )
            seen: set[str] = set()
            for member in members:
                if member.sub in seen:
                    continue
                seen.add(member.sub)
                if member.active and member.role in SYNCED_ROLES:
                    self._person(session, platform, class_id, member, plan)
                elif member.active:
                    plan.skipped.append(f"{member.sub}: no role Waypoint syncs")
            removed = self._leavers(session, platform, class_id, plan)
            touched = enrolled_before | plan.learners | removed
            before = learner_state(session, touched)
            for person in plan.people:
                write_person(session, person)
            session.flush()
            for user_id, sub in plan.links:
                session.add(LtiUserLink(platform_id=platform, sub=sub, user_id=user_id))
            for learner_id in removed:
                session.execute(
                    delete(Enrolment).where(
                        Enrolment.class_id == class_id, Enrolment.learner_id == learner_id
                    )
                )
            for user_id in plan.teachers_leaving:
                session.execute(
                    delete(ClassTeacher).where(
                        ClassTeacher.class_id == class_id, ClassTeacher.user_id == user_id
                    )
                )
            session.flush()
            mentored = link_mentees(session, platform)
            touched |= set(mentored)
            after = learner_state(session, touched)
            changed = [key for key, state in after.items() if before.get(key) != state]
            what = f"LMS roster sync of class {class_id}"
            self.audit.record(actor, "change", changed, what, session=session)
        return SyncReport(
            class_id,
            len(members),
            plan.created,
            len(plan.learners),
            len(plan.teachers),
            len(removed) + len(plan.teachers_leaving),
            tuple(plan.skipped),
        )

    @staticmethod
    def _person(
        session: Session, platform: int, class_id: str, member: Member, plan: _Plan
    ) -> None:
        assert member.role is not None
        link = session.get(LtiUserLink, (platform, member.sub))
        user = session.get(User, link.user_id) if link is not None else None
        if user is None:
            user = session.get(User, local_id(platform, "user", member.sub))
        if user is not None and user.role != member.role:
            plan.skipped.append(
                f"{member.sub}: is a {user.role} in Waypoint, the LMS says {member.role} (a user "
                "keeps one role)"
            )
            return
        user_id = user.id if user is not None else local_id(platform, "user", member.sub)
        if link is None:
            plan.links.append((user_id, member.sub))
        if user is None:
            plan.created += 1
        name = member.name or (user.name if user is not None else "") or member.sub[:200]
        if member.role == "student":
            learner = session.scalar(select(Learner).where(Learner.user_id == user_id))
            learner_id = learner.id if learner is not None else user_id
            classes = set(
                session.scalars(
                    select(Enrolment.class_id).where(Enrolment.learner_id == learner_id)
                )
            )
            grade = learner.grade if learner is not None else ""
            plan.people.append(
                PersonRow(
                    "student",
                    user_id,
                    name,
                    learner_id,
                    grade or "",
                    tuple(sorted(classes | {class_id})),
                    None,
                )
            )
            plan.learners.add(learner_id)
        elif member.role == "teacher":
            classes = set(
                session.scalars(
                    select(ClassTeacher.class_id).where(ClassTeacher.user_id == user_id)
                )
            )
            plan.people.append(
                PersonRow(
                    "teacher", user_id, name, None, "", tuple(sorted(classes | {class_id})), None
                )
            )
            plan.teachers.add(user_id)
        else:
            plan.people.append(PersonRow("parent", user_id, name, None, "", None, None))

    @staticmethod
    def _leavers(session: Session, platform: int, class_id: str, plan: _Plan) -> set[str]:
        """Learners and teachers of the class from this LMS that the membership no longer
        lists (or lists as Inactive); people from other imports stay."""
        from_lms = select(LtiUserLink.user_id).where(LtiUserLink.platform_id == platform)
        enrolled = session.execute(
            select(Enrolment.learner_id)
            .join(Learner, Learner.id == Enrolment.learner_id)
            .where(Enrolment.class_id == class_id, Learner.user_id.in_(from_lms))
        )
        leaving = {row[0] for row in enrolled} - plan.learners
        teaching = session.scalars(
            select(ClassTeacher.user_id).where(
                ClassTeacher.class_id == class_id, ClassTeacher.user_id.in_(from_lms)
            )
        )
        plan.teachers_leaving = sorted(set(teaching) - plan.teachers)
        return leaving


@dataclass
class _Plan:
    people: list[PersonRow] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (user id, sub) to link
    learners: set[str] = field(default_factory=set)
    teachers: set[str] = field(default_factory=set)
    teachers_leaving: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    created: int = 0


def _member(item: Any, number: int, url: str) -> Member:
    where = f"member {number} of the LMS's {WHAT} at {url}"
    if not isinstance(item, dict):
        raise LtiServiceError(f"{where} is not a JSON object")
    sub = item.get("user_id")
    if not isinstance(sub, str) or not sub or len(sub) > 255:
        raise LtiServiceError(f"{where} has no usable user_id")
    roles = item.get("roles")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise LtiServiceError(f"{where} ({sub}) has no roles list")
    status = item.get("status", "Active")
    if status not in ("Active", "Inactive", "Deleted"):
        raise LtiServiceError(f"{where} ({sub}) has an unknown status {status!r}")
    name = item.get("name") or " ".join(
        str(item.get(part) or "") for part in ("given_name", "family_name")
    )
    role = waypoint_role(roles)
    return Member(sub, str(name).strip()[:200], role, status == "Active")
