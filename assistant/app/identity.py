"""Who is signed in: demo accounts, or a school identity (OIDC) mapped to a Waypoint user.

Waypoint never trusts a name typed into the page. A demo account is one of the users of the
bundled demo school (offered only while `demo_school` is on); an OIDC identity is mapped to a
user by an explicit table in the app's secrets (`[waypoint.identities]`, email -> user id) or,
failing that, by a user whose id is that email address. An identity with no user gets no data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from assistant.learners.access import AccessPolicy, Viewer
from assistant.learners.db import ClassTeacher, Guardianship, Learner, SchoolClass, User
from assistant.learners.types import Role

ROLE_ORDER: dict[str, int] = {"student": 0, "parent": 1, "teacher": 2, "admin": 3}
DEMO_ROLES: tuple[Role, ...] = ("student", "parent", "teacher", "admin")


@dataclass(frozen=True)
class Account:
    """A signed-in person: the access-policy viewer plus what the pages need to know."""

    viewer: Viewer
    learner_ids: tuple[str, ...] = ()  # a student: themself; a parent: their children
    demo: bool = False
    email: str = ""

    @property
    def user_id(self) -> str:
        return self.viewer.user_id

    @property
    def role(self) -> Role:
        return self.viewer.role

    @property
    def name(self) -> str:
        return self.viewer.name or self.viewer.user_id


@dataclass(frozen=True)
class DemoAccount:
    user_id: str
    name: str
    role: Role
    detail: str  # e.g. "student in 6A", "parent of Maya Lindgren"


class Directory:
    """Turns a user id or a verified identity into an Account."""

    def __init__(self, access: AccessPolicy) -> None:
        self.access = access

    def account(self, user_id: str, *, demo: bool = False, email: str = "") -> Account:
        viewer = self.access.viewer(user_id)
        return Account(viewer, self._learners_of(viewer), demo=demo, email=email)

    def from_identity(
        self, claims: Mapping[str, object], identities: Mapping[str, str]
    ) -> Account | None:
        """The Waypoint user for verified OIDC claims, or None when the school has no such user.

        Only a verified email counts when the provider says whether it is verified."""
        email = str(claims.get("email") or "").strip().lower()
        if not email or claims.get("email_verified") is False:
            return None
        table = {key.strip().lower(): value for key, value in identities.items()}
        candidates = [table[email]] if email in table else [email]
        with self.access.db.session() as session:
            for candidate in candidates:
                user = session.get(User, candidate)
                if user is None:
                    user = session.scalar(select(User).where(User.id.ilike(candidate)))
                if user is not None:
                    return self.account(user.id, email=email)
        return None

    def demo_accounts(self, per_role: int = 4) -> list[DemoAccount]:
        """A few users of each role to try the app with, students and parents first."""
        with self.access.db.session() as session:
            users = list(session.scalars(select(User).order_by(User.id)))
            own = {
                row.user_id: row
                for row in session.scalars(select(Learner).where(Learner.user_id.is_not(None)))
            }
            names = {row.id: row.name for row in session.scalars(select(Learner))}
            children: dict[str, list[str]] = {}
            for link in session.scalars(select(Guardianship)):
                children.setdefault(link.parent_id, []).append(names.get(link.learner_id, ""))
        found: list[DemoAccount] = []
        for role in DEMO_ROLES:
            of_role = [u for u in users if u.role == role][:per_role]
            if role == "parent":  # show a parent of several children too, if there is one
                several = [u for u in users if len(children.get(u.id, [])) > 1]
                if several and several[0] not in of_role:
                    of_role = [*of_role[: per_role - 1], several[0]]
            for user in of_role:
                if role == "student" and user.id in own:
                    detail = f"student {own[user.id].name}, grade {own[user.id].grade}"
                elif role == "parent":
                    detail = "parent of " + ", ".join(sorted(children.get(user.id, [])))
                else:
                    detail = role
                found.append(DemoAccount(user.id, user.name, role, detail))
        return found

    def classes_of(self, viewer: Viewer) -> list[tuple[str, str]]:
        """(class id, name) of the classes whose report this viewer may open."""
        query = select(SchoolClass.id, SchoolClass.name).order_by(SchoolClass.id)
        if viewer.role == "teacher":
            query = query.join(ClassTeacher, ClassTeacher.class_id == SchoolClass.id).where(
                ClassTeacher.user_id == viewer.user_id
            )
        elif viewer.role != "admin":
            return []
        with self.access.db.session() as session:
            return [(row[0], row[1]) for row in session.execute(query)]

    def _learners_of(self, viewer: Viewer) -> tuple[str, ...]:
        with self.access.db.session() as session:
            if viewer.role == "student":
                rows = session.scalars(select(Learner.id).where(Learner.user_id == viewer.user_id))
            elif viewer.role == "parent":
                rows = session.scalars(
                    select(Guardianship.learner_id).where(Guardianship.parent_id == viewer.user_id)
                )
            else:
                return ()
            return tuple(sorted(rows))
