"""Roster import: people (with roles and links) and classes, all-or-nothing, idempotent.

Each file is recognised by its header (see knowledge/demo/README.md):
- a people file has `user_id, role, name` and optionally `learner_id, grade, classes, children`
  and, on students' rows, the attributes a school chooses to import for equity figures (`iep`,
  `section_504`, `english_learner`, `group_<name>`: see attributes.py);
- a classes file has `class_id, name` and optionally `framework, focus, course` (a course
  groups classes, e.g. the sections 6A and 6B; its id is the cell's text, empty: in none).
Files given together are checked together (people may name classes from the classes file) and
written in one transaction. A row is authoritative for its person or class: re-importing
updates names and replaces that person's enrolments, teaching or children when the file has
that column; people and classes not in the file are left as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from assistant.csv_rows import DEFAULT_MAX_BYTES, CsvRow, read_csv, shown, split_list
from assistant.errors import RosterImportError, RowProblem
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.imports.roster_checks import (
    Known,
    add_problems,
    check_id,
    check_lengths,
    first_seen,
    listed,
    missing_links,
    require_columns,
)
from assistant.imports.roster_write import ClassRow, PersonRow, write_class, write_person
from assistant.learners.access import AccessPolicy, Viewer
from assistant.learners.attributes import (
    attribute_columns,
    attribute_state,
    column_problems,
    parse_values,
    write_attributes,
)
from assistant.learners.audit import learner_state, utc_now
from assistant.learners.db import Learner, LearnerDatabase, SchoolClass, User

ROLE_NAMES = {
    "student": "student",
    "learner": "student",
    "parent": "parent",
    "guardian": "parent",
    "teacher": "teacher",
    "leader": "leader",
    "principal": "leader",
    "coach": "leader",
    "admin": "admin",
    "administrator": "admin",
}
ONLY_FOR = {
    "learner_id": ("student",),
    "grade": ("student",),
    "classes": ("student", "teacher"),
    "children": ("parent",),
}


@dataclass(frozen=True)
class RosterReport:
    files: tuple[str, ...]
    classes: int
    people: int
    learners: int

    def as_json(self) -> dict[str, object]:
        return {
            "files": list(self.files),
            "classes": self.classes,
            "people": self.people,
            "learners": self.learners,
        }


class RosterImporter:
    def __init__(
        self,
        db: LearnerDatabase,
        catalog: FrameworkCatalog,
        policy: AccessPolicy,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.policy = policy
        self.max_bytes = max_bytes
        # Called after every import (the leaders' figures are recomputed).
        self.after_import: Callable[[], None] | None = None

    def import_files(
        self, paths: Sequence[Path], viewer: Viewer, *, demo: bool = False
    ) -> RosterReport:
        """`demo`: the demo-school loader; users this import creates are marked as demo users
        (the only accounts the sign-in page may offer without a password)."""
        self.policy.require_roster(viewer)
        classes_files, people_files = self._sort(paths)
        known = self._known()
        problems: list[RowProblem] = []
        classes: list[ClassRow] = []
        for path, rows in classes_files:
            for row in rows:
                found = self._class(row, path, known, problems, len(paths) > 1)
                classes.extend([found] if found else [])
        people: list[PersonRow] = []
        for path, rows in people_files:
            parsed = [
                (row.line, self._person(row, path, known, problems, len(paths) > 1)) for row in rows
            ]
            for line, reason in missing_links(parsed, known):
                add_problems(problems, line, [reason], path, len(paths) > 1)
            people.extend(person for _, person in parsed if person is not None)
        if problems:
            raise RosterImportError(", ".join(p.name for p in paths), problems)
        touched = {p.learner_id for p in people if p.learner_id} | {
            child for p in people for child in p.children or ()
        }
        with self.db.session() as session:
            before = learner_state(session, touched)
            attributes_before = attribute_state(session, touched)
            for item in classes:
                write_class(session, item)
            session.flush()
            for person in people:
                write_person(session, person, demo=demo)
            session.flush()
            now = utc_now()
            for person in people:
                if person.learner_id and person.attributes:
                    write_attributes(
                        session, person.learner_id, person.attributes, person.source, now
                    )
            session.flush()
            after = learner_state(session, touched)
            attributes_after = attribute_state(session, touched)
            changed = [
                key
                for key, state in after.items()
                if before.get(key) != state
                or attributes_before.get(key) != attributes_after.get(key)
            ]
            what = f"roster import {', '.join(p.name for p in paths)}"
            self.policy.audit.record(viewer, "change", changed, what, session=session)
        learners = sum(1 for p in people if p.learner_id)
        if self.after_import is not None:
            self.after_import()
        return RosterReport(tuple(p.name for p in paths), len(classes), len(people), learners)

    def _sort(
        self, paths: Sequence[Path]
    ) -> tuple[list[tuple[Path, list[CsvRow]]], list[tuple[Path, list[CsvRow]]]]:
        classes, people = [], []
        for path in paths:
            header, rows, _ = read_csv(path, (), RosterImportError, max_bytes=self.max_bytes)
            if "role" in header:
                require_columns(path, header, ("user_id", "role", "name"))
                bad = column_problems(attribute_columns(header))
                if bad:
                    raise RosterImportError(path.name, [RowProblem(1, r) for r in bad])
                people.append((path, rows))
            elif "class_id" in header:
                require_columns(path, header, ("class_id", "name"))
                classes.append((path, rows))
            else:
                raise RosterImportError(
                    path.name,
                    [
                        RowProblem(
                            1,
                            "not a roster file: a people file needs a role column, a "
                            "classes file a class_id column",
                        )
                    ],
                )
        return classes, people

    def _known(self) -> Known:
        with self.db.session() as session:
            roles = {u.id: u.role for u in session.scalars(select(User))}
            learners = {lr.id: lr.user_id for lr in session.scalars(select(Learner))}
            classes = set(session.scalars(select(SchoolClass.id)))
        return Known(roles, learners, classes)

    def _class(
        self, row: CsvRow, path: Path, known: Known, problems: list[RowProblem], multiple: bool
    ) -> ClassRow | None:
        reasons: list[str] = []
        class_id, name = row.get("class_id"), row.get("name")
        check_id(class_id, "class_id", reasons)
        if not name:
            reasons.append("name is empty")
        check_lengths(row, ("name",), reasons)
        first_seen(known, f"class:{class_id}", path, row.line, reasons)
        framework_id = None
        if row.get("framework"):
            framework = self.catalog.framework(row.get("framework"))
            if framework is None:
                reasons.append(f"unknown framework {shown(row.get('framework'))}")
            else:
                framework_id = framework.identifier
        focus: list[str] = []
        for code in split_list(row.get("focus")):
            entry = self.catalog.lookup(code)
            if entry is None or not self.catalog.is_assessable(entry.identifier):
                reasons.append(f"unknown competency {shown(code)} in focus")
            elif entry.identifier not in focus:  # a code and its identifier: one focus
                focus.append(entry.identifier)
        course = row.get("course")
        if course:
            check_id(course, "course", reasons)
        add_problems(problems, row.line, reasons, path, multiple)
        if reasons:
            return None
        known.classes.add(class_id)
        return ClassRow(
            class_id,
            name,
            framework_id,
            tuple(focus),
            "focus" in row.values,
            (course, course) if course else None,
            "course" in row.values,
        )

    def _person(
        self, row: CsvRow, path: Path, known: Known, problems: list[RowProblem], multiple: bool
    ) -> PersonRow | None:
        reasons: list[str] = []
        role = ROLE_NAMES.get(row.get("role").casefold(), "")
        if not role:
            reasons.append(
                f"unknown role {shown(row.get('role'))} (student, parent, teacher, leader, admin)"
            )
        user_id = row.get("user_id") or None
        if user_id is None and role != "student":
            reasons.append("user_id is empty")
        elif user_id is not None:
            check_id(user_id, "user_id", reasons)
            first_seen(known, f"user:{user_id}", path, row.line, reasons)
            before = known.roles.get(user_id)
            if role and before and before != role:
                reasons.append(f"user {user_id!r} is already a {before}; a user keeps one role")
        if not row.get("name"):
            reasons.append("name is empty")
        check_lengths(row, ("name", "grade"), reasons)
        for column, roles in ONLY_FOR.items():
            if role and row.get(column) and role not in roles:
                reasons.append(f"{column} is only for {' and '.join(r + 's' for r in roles)}")
        learner_id = row.get("learner_id") or None
        if role == "student":
            self._check_learner(learner_id, user_id, path, row.line, known, reasons)
        columns = attribute_columns(row.values)
        attributes = parse_values(columns, row.values, reasons)
        if role and role != "student" and any(value for _, value in attributes):
            reasons.append(
                "learner attributes (iep, section_504, english_learner, group_*) "
                "are only for students"
            )
        add_problems(problems, row.line, reasons, path, multiple)
        if reasons:
            return None
        if user_id:
            known.roles[user_id] = role
        if learner_id:
            known.link(learner_id, user_id)
        return PersonRow(
            role,
            user_id,
            row.get("name"),
            learner_id,
            row.get("grade"),
            listed(row, "classes"),
            listed(row, "children"),
            attributes,
            path.name,
        )

    def _check_learner(
        self,
        learner_id: str | None,
        user_id: str | None,
        path: Path,
        line: int,
        known: Known,
        reasons: list[str],
    ) -> None:
        if learner_id is None:
            reasons.append("learner_id is empty (every student row needs one)")
            return
        check_id(learner_id, "learner_id", reasons)
        first_seen(known, f"learner:{learner_id}", path, line, reasons)
        owner = known.learner_users.get(learner_id)
        if owner and user_id and owner != user_id:
            reasons.append(f"learner {learner_id!r} already belongs to user {owner!r}")
        other = known.user_learners.get(user_id) if user_id else None
        if other is not None and other != learner_id:
            reasons.append(f"user {user_id!r} already belongs to learner {other!r}")
