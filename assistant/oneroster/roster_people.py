"""From OneRoster users and roles to Waypoint people: the plan's types, each user's role and
person, logins claimed once, deleted users; the checks and counters the whole roster plan
shares (`roster_plan.RosterPlanner` builds on `PeoplePlanner`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from assistant.csv_rows import shown
from assistant.imports.roster_checks import ID_PATTERN, MAX_LENGTH
from assistant.imports.roster_write import ClassRow, PersonRow
from assistant.oneroster.known import Known
from assistant.oneroster.reader import OneRosterSet
from assistant.oneroster.record_types import Records, Role, User, Where
from assistant.oneroster.spec import WAYPOINT_ROLES

Pair = tuple[str, str]


@dataclass(frozen=True)
class Person:
    role: str
    sourced_id: str
    name: str
    grade: str
    login: str | None


@dataclass
class RosterPlan:
    classes: list[ClassRow] = field(default_factory=list)
    removed_classes: list[str] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)
    removed_logins: list[str] = field(default_factory=list)
    learners: set[str] = field(default_factory=set)  # every learner once written
    enrolments: set[Pair] = field(default_factory=set)  # (class, learner) once written
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Frameworks:
    by_course_code: dict[str, str]
    default: str | None


class PeoplePlanner:
    """The first half of planning a roster: each user's Waypoint role and person, and the
    shared checks and counters; `roster_plan.RosterPlanner` adds classes and memberships."""

    def __init__(
        self,
        found: OneRosterSet,
        records: Records,
        known: Known,
        frameworks: Frameworks,
        framework_of_code: dict[str, str],
    ) -> None:
        self.found = found
        self.records = records
        self.known = known
        self.frameworks = frameworks
        self.framework_of_code = framework_of_code  # course codes that name a framework
        self.problems = found.problems
        self.plan = RosterPlan()
        self.people: dict[str, Person] = {}
        self.logins: dict[str, tuple[str, Where]] = {}  # login: (role, where)
        self._removed_learners: set[str] = set()
        self.skipped_users: set[str] = set()

    # roles and people ---------------------------------------------------------------------
    def _roles(self) -> dict[str, str]:
        """The Waypoint role of each user that roles.csv gives one."""
        by_user: dict[str, list[Role]] = defaultdict(list)
        for role in self.records.roles.values():
            if role.at.active:
                self._check_ref(role.at, "orgs", role.org, "orgSourcedId")
                by_user[role.user].append(role)
        found: dict[str, str] = {}
        for user, held in by_user.items():
            if user not in self.records.users and not self._in_database(user):
                self.problems.append(held[0].at.problem(f"unknown user {user!r}"))
                continue
            mapped = [(r, WAYPOINT_ROLES.get(r.role)) for r in held]
            primary = [(r, w) for r, w in mapped if w and r.role_type == "primary"]
            chosen = primary or [(r, w) for r, w in mapped if w]
            kinds = {w for _, w in chosen}
            if any(w == "student" for _, w in mapped) and any(
                w and w != "student" for _, w in mapped
            ):
                kinds |= {w for _, w in mapped if w}
            if len(kinds) > 1:
                listed = " and ".join(f"{r.role} (line {r.at.line})" for r, w in mapped if w)
                self.problems.append(
                    held[-1].at.problem(
                        f"user {user!r} is {listed}: Waypoint gives a person one role"
                    )
                )
            elif kinds:
                found[user] = kinds.pop()
            else:
                self.skipped_users.add(user)
                self._skip(f"users with a role Waypoint gives no access ({held[0].role})")
        return found

    def _in_database(self, sourced_id: str) -> bool:
        return sourced_id in self.known.learners or sourced_id in self.known.users

    def _people(self, roles: dict[str, str]) -> None:
        for user in self.records.users.values():
            if not user.at.active:
                self._delete_user(user)
                continue
            role = roles.get(user.at.sourced_id) or self._database_role(user.at.sourced_id)
            if role == "leader" and self._database_role(user.at.sourced_id) == "admin":
                role = "admin"  # a principal imported before leaders existed stays an admin
            if role is None:
                if not any(r.user == user.at.sourced_id for r in self.records.roles.values()):
                    self.problems.append(user.at.problem("the user has no role in roles.csv"))
                continue
            person = self._person(user, role)
            if person is not None:
                self.people[user.at.sourced_id] = person

    def _database_role(self, sourced_id: str) -> str | None:
        if sourced_id in self.known.learners:
            return "student"
        found = self.known.users.get(sourced_id)
        return found[0] if found else None

    def _person(self, user: User, role: str) -> Person | None:
        at = user.at
        reasons: list[str] = []
        check_id(at.sourced_id, "sourcedId", reasons)
        if len(user.name) > MAX_LENGTH["name"]:
            reasons.append(f"the name is longer than {MAX_LENGTH['name']} characters")
        grade = _grade(user.grades[0]) if user.grades and role == "student" else ""
        before_learner = self.known.learners.get(at.sourced_id)
        if user.grades is None and before_learner is not None:
            grade = before_learner[1]
        if len(grade) > MAX_LENGTH["grade"]:
            reasons.append(f"grades {shown(grade)} is longer than {MAX_LENGTH['grade']}")
        login: str | None = at.sourced_id
        if role == "student":
            login = user.username if user.enabled else None
            if login:
                check_id(login, "username", reasons)
            self._check_learner(at.sourced_id, login, reasons)
        else:
            before = self.known.users.get(at.sourced_id)
            if before and before[0] != role:
                reasons.append(
                    f"user {at.sourced_id!r} is already a {before[0]} in Waypoint; a user keeps "
                    "one role"
                )
        if login:
            self._claim_login(login, role, at, reasons)
        self.problems.extend(at.problem(r) for r in reasons)
        return None if reasons else Person(role, at.sourced_id, user.name, grade, login)

    def _check_learner(self, learner_id: str, login: str | None, reasons: list[str]) -> None:
        before = self.known.learners.get(learner_id)
        if before and before[2] and login and before[2] != login:
            reasons.append(f"learner {learner_id!r} already has the login {before[2]!r}")
        if login:
            owner = self.known.learner_of(login)
            if owner is not None and owner != learner_id:
                reasons.append(f"login {login!r} already belongs to learner {owner!r}")
            existing = self.known.users.get(login)
            if existing and existing[0] != "student":
                reasons.append(f"login {login!r} is already a {existing[0]} in Waypoint")

    def _claim_login(self, login: str, role: str, at: Where, reasons: list[str]) -> None:
        if login in self.logins:
            other_role, where = self.logins[login]
            reasons.append(
                f"login {login!r} is already used on line {where.line} of {where.file}"
                + (f" (a {other_role})" if other_role != role else "")
            )
        else:
            self.logins[login] = (role, at)

    def _delete_user(self, user: User) -> None:
        sourced_id = user.at.sourced_id
        if sourced_id in self.known.learners:
            login = self.known.learners[sourced_id][2]
            if login:
                self.plan.removed_logins.append(login)
            self._removed_learners.add(sourced_id)
        elif sourced_id in self.known.users:
            self.plan.removed_logins.append(sourced_id)

    # helpers ------------------------------------------------------------------------------
    def _check_ref(self, at: Where, table: str, sourced_id: str, column: str) -> None:
        """A reference to a file Waypoint does not store can be checked only when that file
        is bulk in this set (a delta file lists only what changed)."""
        if not sourced_id or self.found.mode(table) != "bulk":
            return
        tables: dict[str, Mapping[str, object]] = {
            "orgs": self.records.orgs,
            "courses": self.records.courses,
            "academicSessions": self.records.sessions,
        }
        if sourced_id not in tables[table]:
            self.problems.append(at.problem(f"{column} {sourced_id!r} is not in {table}.csv"))

    def _counter(self, kind: str) -> dict[str, int]:
        return self.plan.counts.setdefault(
            kind, {"added": 0, "updated": 0, "removed": 0, "unchanged": 0}
        )

    def _skip(self, what: str) -> None:
        self.plan.skipped[what] = self.plan.skipped.get(what, 0) + 1


def change_of(before: object, after: object) -> str:
    if before is None:
        return "added"
    return "unchanged" if before == after else "updated"


def check_id(value: str, name: str, reasons: list[str]) -> None:
    if value and not ID_PATTERN.fullmatch(value):
        reasons.append(
            f"{name} {shown(value)} is too long for Waypoint or has characters it does not "
            "allow in ids (letters, digits and . _ @ + -, at most 64)"
        )


def _grade(text: str) -> str:
    """A OneRoster grade as Waypoint keeps it: CEDS "06" is grade "6"."""
    return text.lstrip("0") or text if text.isdigit() else text
