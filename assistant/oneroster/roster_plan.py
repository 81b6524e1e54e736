"""From OneRoster records to Waypoint's roster: people, classes and memberships to write.

- A user's Waypoint role comes from roles.csv (primary roles first): student; teacher;
  parent or guardian -> parent; site, district or system administrator -> admin; principal
  -> leader (one already an admin in Waypoint, imported before leaders existed, stays one).
  Aides, counselors, proctors and relatives get no access in Waypoint and are skipped. A user
  whose roles map to two Waypoint roles (or a student who is also staff) is refused.
- A student is a learner whose id is the sourcedId; their login is the username when
  enabledUser is true. Everyone else's login is their sourcedId.
- A class takes its framework from the course map (by courseCode), else from a courseCode that
  names a framework, else the default framework, else the one it already has.
- A class's course (courseSourcedId, named by its title in courses.csv) groups it with the
  other sections of that course (teaching teams share what worked).
- Memberships: a bulk enrollments file is the whole membership of the classes the set names;
  a delta one adds (active) and removes (tobedeleted) single enrollments. A user's
  agentSourcedIds link parents and guardians to students (either side may list the other).
- tobedeleted: a class is removed with its memberships; a user's login is removed with their
  memberships (a student's learner record and evidence stay).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from assistant.imports.roster_checks import MAX_LENGTH
from assistant.imports.roster_write import ClassRow, PersonRow
from assistant.oneroster.record_types import Enrollment
from assistant.oneroster.roster_people import (
    Pair,
    PeoplePlanner,
    Person,
    RosterPlan,
    change_of,
    check_id,
)


class RosterPlanner(PeoplePlanner):
    def make(self) -> RosterPlan:
        roles = self._roles()
        self._people(roles)
        classes = self._classes()
        enrolments, teaching = self._memberships(classes)
        guardians = self._guardians()
        self._person_rows(enrolments, teaching, guardians)
        self._count_memberships(enrolments, teaching, guardians)
        self.plan.enrolments = enrolments
        self.plan.learners = set(self.known.learners) | {
            p.sourced_id for p in self.people.values() if p.role == "student"
        }
        return self.plan

    # classes ------------------------------------------------------------------------------
    def _classes(self) -> set[str]:
        """Check and plan the set's classes; the ids of the classes that exist afterwards."""
        existing = set(self.known.classes)
        counts = self._counter("classes")
        for klass in self.records.classes.values():
            at = klass.at
            if not at.active:
                if at.sourced_id in existing:
                    self.plan.removed_classes.append(at.sourced_id)
                    existing.discard(at.sourced_id)
                    counts["removed"] += 1
                continue
            reasons: list[str] = []
            check_id(at.sourced_id, "sourcedId", reasons)
            check_id(klass.course, "courseSourcedId", reasons)
            if len(klass.title) > MAX_LENGTH["name"]:
                reasons.append(f"title is longer than {MAX_LENGTH['name']} characters")
            self.problems.extend(at.problem(r) for r in reasons)
            self._check_ref(at, "courses", klass.course, "courseSourcedId")
            self._check_ref(at, "orgs", klass.school, "schoolSourcedId")
            for term in klass.terms:
                self._check_ref(at, "academicSessions", term, "termSourcedIds")
            if reasons:
                continue
            framework = self._framework(klass.course, at.sourced_id)
            before = self.known.classes.get(at.sourced_id)
            counts[change_of(before, (klass.title, framework))] += 1
            course = self.records.courses.get(klass.course)
            self.plan.classes.append(
                ClassRow(
                    at.sourced_id,
                    klass.title,
                    framework,
                    (),
                    False,
                    (klass.course, course.title[: MAX_LENGTH["name"]] if course else ""),
                    True,
                )
            )
            existing.add(at.sourced_id)
        return existing

    def _framework(self, course_id: str, class_id: str) -> str | None:
        course = self.records.courses.get(course_id)
        code = course.code if course else ""
        if code and code in self.frameworks.by_course_code:
            return self.frameworks.by_course_code[code]
        if code and code in self.framework_of_code:
            return self.framework_of_code[code]
        if self.frameworks.default:
            return self.frameworks.default
        before = self.known.classes.get(class_id)
        return before[1] if before else None

    # memberships --------------------------------------------------------------------------
    def _memberships(self, classes: set[str]) -> tuple[set[Pair], set[Pair]]:
        removed = set(self.plan.removed_classes)
        gone_teachers = set(self.plan.removed_logins)
        enrolments = {p for p in self.known.enrolments if p[0] not in removed} - {
            (c, lr) for c, lr in self.known.enrolments if lr in self._removed_learners
        }
        teaching = {
            p for p in self.known.teaching if p[0] not in removed and p[1] not in gone_teachers
        }
        mode = self.found.mode("enrollments")
        if mode == "bulk":
            scope = {c.at.sourced_id for c in self.records.classes.values()} | {
                e.klass for e in self.records.enrollments.values()
            }
            enrolments = {p for p in enrolments if p[0] not in scope}
            teaching = {p for p in teaching if p[0] not in scope}
        for enrollment in self.records.enrollments.values():
            pair = self._enrollment(enrollment, classes)
            if pair is None:
                continue
            kind, found = pair
            target = enrolments if kind == "student" else teaching
            if enrollment.at.active:
                target.add(found)
            else:
                target.discard(found)
        return enrolments, teaching

    def _enrollment(self, item: Enrollment, classes: set[str]) -> tuple[str, Pair] | None:
        at = item.at
        if item.role in ("administrator", "proctor") or item.role.startswith("ext:"):
            self._skip(f"enrollments as {item.role} (Waypoint admins see every class)")
            return None
        if item.user in self.skipped_users:
            self._skip("enrollments of users Waypoint gives no access")
            return None
        role = self._role_of(item.user)
        if not at.active:  # deleting what is not there is nothing to do
            return (role or "", (item.klass, item.user)) if role in ("student", "teacher") else None
        self._check_ref(at, "orgs", item.school, "schoolSourcedId")
        reasons: list[str] = []
        if item.klass not in classes:
            reasons.append(f"unknown class {item.klass!r}")
        if role is None:
            reasons.append(f"unknown user {item.user!r}")
        elif role != item.role:
            reasons.append(
                f"user {item.user!r} is enrolled as a {item.role} but is a {role} in Waypoint"
            )
        self.problems.extend(at.problem(r) for r in reasons)
        return None if reasons or role is None else (role, (item.klass, item.user))

    def _role_of(self, sourced_id: str) -> str | None:
        person = self.people.get(sourced_id)
        if person is not None:
            return person.role
        if sourced_id in self.records.users:  # in the set, but refused or skipped
            return None
        return self._database_role(sourced_id)

    def _guardians(self) -> set[Pair]:
        links = {p for p in self.known.guardians if p[1] not in self._removed_learners} - {
            p for p in self.known.guardians if p[0] in self.plan.removed_logins
        }
        declared: set[Pair] = set()
        authoritative: set[str] = set()
        for user in self.records.users.values():
            person = self.people.get(user.at.sourced_id)
            if person is None or person.role not in ("student", "parent"):
                continue
            if user.has_agents:
                authoritative.add(person.sourced_id)
            wanted = "parent" if person.role == "student" else "student"
            for agent in user.agents:
                role = self._role_of(agent)
                if role != wanted:
                    what = "unknown user" if role is None else f"a {role}"
                    reason = f"agentSourcedIds names {agent!r}, {what}, not a {wanted}"
                    self.problems.append(user.at.problem(reason))
                    continue
                pair = (
                    (agent, person.sourced_id)
                    if wanted == "parent"
                    else (
                        person.sourced_id,
                        agent,
                    )
                )
                declared.add(pair)
        links = {p for p in links if p[0] not in authoritative and p[1] not in authoritative}
        return links | declared

    # what to write ------------------------------------------------------------------------
    def _person_rows(
        self, enrolments: set[Pair], teaching: set[Pair], guardians: set[Pair]
    ) -> None:
        classes_of = _group(((lr, c) for c, lr in enrolments))
        taught_by = _group(((t, c) for c, t in teaching))
        children_of = _group(guardians)
        known_classes = _group(((lr, c) for c, lr in self.known.enrolments))
        known_taught = _group(((t, c) for c, t in self.known.teaching))
        known_children = _group(self.known.guardians)
        learners = set(self.known.learners) | {
            p.sourced_id for p in self.people.values() if p.role == "student"
        }
        rows: list[PersonRow] = []
        demographics = self.records.demographics
        for sourced_id, found in sorted(demographics.items()):
            if sourced_id not in learners:
                self.problems.append(
                    found.at.problem(f"user {sourced_id!r} is not a student of the set or school")
                )
        for learner in sorted(learners):
            person = self.people.get(learner)
            changed = classes_of.get(learner, set()) != known_classes.get(learner, set())
            if person is None and not changed and learner not in demographics:
                continue
            if person is None:
                name, grade, login = self.known.learners[learner]
                if learner in self._removed_learners:
                    login = None
                person = Person("student", learner, name, grade, login)
            self._count_person(person)
            rows.append(
                PersonRow(
                    "student",
                    person.login,
                    person.name,
                    learner,
                    person.grade,
                    tuple(sorted(classes_of.get(learner, set()))),
                    None,
                    attributes=demographics[learner].attributes if learner in demographics else (),
                    source=demographics[learner].at.file if learner in demographics else "",
                )
            )
        others = {p.sourced_id for p in self.people.values() if p.role != "student"}
        others |= {t for t, cs in taught_by.items() if cs != known_taught.get(t, set())}
        others |= {t for t in known_taught if taught_by.get(t, set()) != known_taught[t]}
        others |= {p for p, cs in children_of.items() if cs != known_children.get(p, set())}
        others |= {p for p in known_children if children_of.get(p, set()) != known_children[p]}
        for user_id in sorted(others - set(self.plan.removed_logins)):
            person = self.people.get(user_id)
            if person is None:
                role, name = self.known.users[user_id]
                person = Person(role, user_id, name, "", user_id)
            else:
                self._count_person(person)
            rows.append(
                PersonRow(
                    person.role,
                    user_id,
                    person.name,
                    None,
                    "",
                    tuple(sorted(taught_by.get(user_id, set())))
                    if person.role == "teacher"
                    else None,
                    tuple(sorted(children_of.get(user_id, set())))
                    if person.role == "parent"
                    else None,
                )
            )
        self.plan.people = rows
        self._counter("people")["removed"] += len(set(self.plan.removed_logins))

    def _count_person(self, person: Person) -> None:
        counts = self._counter("people")
        before: tuple[object, ...] | None
        if person.role == "student":
            before = self.known.learners.get(person.sourced_id)
            state: tuple[object, ...] = (person.name, person.grade, person.login)
        else:
            found = self.known.users.get(person.sourced_id)
            before = (found[1],) if found else None
            state = (person.name,)
        counts[change_of(before, state)] += 1

    def _count_memberships(
        self, enrolments: set[Pair], teaching: set[Pair], guardians: set[Pair]
    ) -> None:
        for kind, after, before in (
            ("enrolments", enrolments, self.known.enrolments),
            ("teaching", teaching, self.known.teaching),
            ("guardianships", guardians, self.known.guardians),
        ):
            counts = self._counter(kind)
            counts["added"] += len(after - before)
            counts["removed"] += len(before - after)
            counts["unchanged"] += len(after & before)


def _group(pairs: Iterable[Pair]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for key, value in pairs:
        found[key].add(value)
    return dict(found)
