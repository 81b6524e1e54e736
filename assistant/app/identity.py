"""Who is signed in: demo accounts, or a school identity (OIDC) mapped to a Waypoint user.

Waypoint never trusts a name typed into the page. A demo account is one of the users of the
bundled demo school (offered only while `demo_school` is on); an OIDC identity is mapped to a
user by an explicit table in the app's secrets (`[waypoint.identities]`, email -> user id) or,
failing that, by a user whose id is that email address. An identity with no user gets no data.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import func, select

from assistant.learners.access import AccessPolicy, Viewer
from assistant.learners.db import Guardianship, Learner, User
from assistant.learners.types import Role

ROLE_ORDER: dict[str, int] = {"student": 0, "parent": 1, "teacher": 2, "leader": 3, "admin": 4}
DEMO_ROLES: tuple[Role, ...] = ("student", "parent", "teacher", "leader", "admin")


@dataclass(frozen=True)
class Account:
    """A signed-in person: the access-policy viewer plus what the pages need to know."""

    viewer: Viewer
    learner_ids: tuple[str, ...] = ()  # a student: themself; a parent: their children
    demo: bool = False
    email: str = ""
    learner_names: tuple[tuple[str, str], ...] = ()  # (id, name) of learner_ids

    def learner_name(self, learner_id: str) -> str:
        """The name of one of this account's own learners (a parent's child), else the id."""
        return dict(self.learner_names).get(learner_id, learner_id)

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


@dataclass(frozen=True)
class DemoOffer:
    accounts: tuple[DemoAccount, ...]
    reason: str = ""  # the ui.yaml text that says why no demo account is offered


class Directory:
    """Turns a user id or a verified identity into an Account."""

    def __init__(self, access: AccessPolicy) -> None:
        self.access = access

    def account(self, user_id: str, *, demo: bool = False, email: str = "") -> Account:
        """The account of a user; a student's or parent's own learners with their names (read
        once at sign-in, so the pages need no learner list, and no audit row per render)."""
        viewer = self.access.viewer(user_id)
        learners = self._learners_of(viewer)
        return Account(viewer, tuple(i for i, _ in learners), demo, email, learners)

    def from_identity(
        self,
        claims: Mapping[str, object],
        identities: Mapping[str, str],
        *,
        unverified_issuers: Collection[str] = (),
    ) -> Account | None:
        """The Waypoint user for verified OIDC claims, or None when the school has no such user.

        The email must be verified (`email_verified: true`), except from an identity provider
        listed in `unverified_issuers` (by its `iss`), one that never sends the claim; an explicit
        `email_verified: false` is refused from any provider. The email then matches an entry of
        the identity table, or a user id, by exact case-insensitive equality: no pattern
        matching, and an email that matches two users matches none."""
        email = str(claims.get("email") or "").strip().lower()
        if not email or not _verified(claims, unverified_issuers):
            return None
        table = {key.strip().lower(): value for key, value in identities.items()}
        with self.access.db.session() as session:
            if email in table:
                user = session.get(User, table[email])
                found = [user.id] if user is not None else []
            else:
                found = list(session.scalars(select(User.id).where(func.lower(User.id) == email)))
        if len(found) != 1:
            return None
        return self.account(found[0], email=email)

    def demo_offer(self, *, school_sign_in: bool) -> DemoOffer:
        """The demo accounts the sign-in page may offer without a password, or why none.

        Only users created by the demo-school loader are ever offered, and none at all when the
        school signs in through its identity provider or the database holds any other user."""
        if school_sign_in:
            return DemoOffer((), "demo_off_school_sign_in")
        with self.access.db.session() as session:
            real = session.scalar(select(func.count()).select_from(User).where(~User.demo))
        if real:
            return DemoOffer((), "demo_off_real_users")
        accounts = self.demo_accounts()
        return DemoOffer(tuple(accounts), "" if accounts else "demo_off_none")

    def demo_accounts(self, per_role: int = 4) -> list[DemoAccount]:
        """A few demo users of each role to try the app with, students and parents first."""
        with self.access.db.session() as session:
            users = list(session.scalars(select(User).where(User.demo).order_by(User.id)))
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
                elif role == "leader":
                    detail = "school leader (principal, coach)"
                else:
                    detail = role
                found.append(DemoAccount(user.id, user.name, role, detail))
        return found

    def classes_of(self, viewer: Viewer) -> list[tuple[str, str]]:
        """(class id, name) of the classes whose report this viewer may open."""
        return self.access.classes_of(viewer)

    def _learners_of(self, viewer: Viewer) -> tuple[tuple[str, str], ...]:
        return tuple(self.access.own_learners(viewer))


def _verified(claims: Mapping[str, object], unverified_issuers: Collection[str]) -> bool:
    verified = claims.get("email_verified")
    if verified is True or (isinstance(verified, str) and verified.lower() == "true"):
        return True
    if verified is None:
        issuer = str(claims.get("iss") or "").rstrip("/")
        return bool(issuer) and issuer in {i.rstrip("/") for i in unverified_issuers}
    return False
