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

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from assistant.csv_rows import DEFAULT_MAX_BYTES, CsvRow, read_csv, shown, split_list
from assistant.errors import RosterImportError, RowProblem
from assistant.frameworks.catalog import FrameworkCatalog
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

ID_PATTERN = re.compile(r"^[A-Za-z0-9._@+-]{1,64}$")
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
# The lengths of the database columns (a server database refuses longer text).
MAX_LENGTH = {"name": 200, "grade": 16}


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


@dataclass
class _Known:
    roles: dict[str, str]
    learner_users: dict[str, str | None]
    classes: set[str]
    first_line: dict[str, tuple[str, int]] = field(default_factory=dict)
    user_learners: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for learner_id, user_id in self.learner_users.items():
            if user_id:
                self.user_learners[user_id] = learner_id

    def link(self, learner_id: str, user_id: str | None) -> None:
        """The learner now belongs to this user (or to none), in both directions."""
        before = self.learner_users.get(learner_id)
        if before and self.user_learners.get(before) == learner_id:
            del self.user_learners[before]
        self.learner_users[learner_id] = user_id
        if user_id:
            self.user_learners[user_id] = learner_id


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
            for line, reason in _missing_links(parsed, known):
                _report(problems, line, [reason], path, len(paths) > 1)
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
                _require_columns(path, header, ("user_id", "role", "name"))
                bad = column_problems(attribute_columns(header))
                if bad:
                    raise RosterImportError(path.name, [RowProblem(1, r) for r in bad])
                people.append((path, rows))
            elif "class_id" in header:
                _require_columns(path, header, ("class_id", "name"))
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

    def _known(self) -> _Known:
        with self.db.session() as session:
            roles = {u.id: u.role for u in session.scalars(select(User))}
            learners = {lr.id: lr.user_id for lr in session.scalars(select(Learner))}
            classes = set(session.scalars(select(SchoolClass.id)))
        return _Known(roles, learners, classes)

    def _class(
        self, row: CsvRow, path: Path, known: _Known, problems: list[RowProblem], multiple: bool
    ) -> ClassRow | None:
        reasons: list[str] = []
        class_id, name = row.get("class_id"), row.get("name")
        _check_id(class_id, "class_id", reasons)
        if not name:
            reasons.append("name is empty")
        _check_lengths(row, ("name",), reasons)
        _first(known, f"class:{class_id}", path, row.line, reasons)
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
            _check_id(course, "course", reasons)
        _report(problems, row.line, reasons, path, multiple)
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
        self, row: CsvRow, path: Path, known: _Known, problems: list[RowProblem], multiple: bool
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
            _check_id(user_id, "user_id", reasons)
            _first(known, f"user:{user_id}", path, row.line, reasons)
            before = known.roles.get(user_id)
            if role and before and before != role:
                reasons.append(f"user {user_id!r} is already a {before}; a user keeps one role")
        if not row.get("name"):
            reasons.append("name is empty")
        _check_lengths(row, ("name", "grade"), reasons)
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
        _report(problems, row.line, reasons, path, multiple)
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
            _column(row, "classes"),
            _column(row, "children"),
            attributes,
            path.name,
        )

    def _check_learner(
        self,
        learner_id: str | None,
        user_id: str | None,
        path: Path,
        line: int,
        known: _Known,
        reasons: list[str],
    ) -> None:
        if learner_id is None:
            reasons.append("learner_id is empty (every student row needs one)")
            return
        _check_id(learner_id, "learner_id", reasons)
        _first(known, f"learner:{learner_id}", path, line, reasons)
        owner = known.learner_users.get(learner_id)
        if owner and user_id and owner != user_id:
            reasons.append(f"learner {learner_id!r} already belongs to user {owner!r}")
        other = known.user_learners.get(user_id) if user_id else None
        if other is not None and other != learner_id:
            reasons.append(f"user {user_id!r} already belongs to learner {other!r}")


def _missing_links(
    people: Sequence[tuple[int, PersonRow | None]], known: _Known
) -> list[tuple[int, str]]:
    """Classes and children named in people rows must exist (in these files or already)."""
    found: list[tuple[int, str]] = []
    for line, person in people:
        if person is None:
            continue
        for class_id in person.classes or ():
            if class_id not in known.classes:
                found.append((line, f"unknown class {shown(class_id)}"))
        for child in person.children or ():
            if child not in known.learner_users:
                found.append((line, f"unknown learner {shown(child)} in children"))
    return found


def _column(row: CsvRow, column: str) -> tuple[str, ...] | None:
    return tuple(split_list(row.get(column))) if column in row.values else None


def _check_id(value: str, name: str, reasons: list[str]) -> None:
    if not value:
        reasons.append(f"{name} is empty")
    elif not ID_PATTERN.fullmatch(value):
        reasons.append(f"{name} {shown(value)} may only use letters, digits and . _ @ + - (max 64)")


def _check_lengths(row: CsvRow, columns: Sequence[str], reasons: list[str]) -> None:
    for column in columns:
        if len(row.get(column)) > MAX_LENGTH[column]:
            reasons.append(f"{column} is longer than {MAX_LENGTH[column]} characters")


def _require_columns(path: Path, header: Sequence[str], required: Sequence[str]) -> None:
    missing = [name for name in required if name not in header]
    if missing:
        reason = f"missing column{'s' if len(missing) != 1 else ''}: {', '.join(missing)}"
        raise RosterImportError(path.name, [RowProblem(1, reason)])


def _first(known: _Known, key: str, path: Path, line: int, reasons: list[str]) -> None:
    if key in known.first_line:
        where, first = known.first_line[key]
        same = where == path.name
        reasons.append(
            f"{key.split(':', 1)[0]} {key.split(':', 1)[1]!r} is already on line {first}"
            + ("" if same else f" of {where}")
        )
    else:
        known.first_line[key] = (path.name, line)


def _report(
    problems: list[RowProblem], line: int, reasons: list[str], path: Path, multiple: bool
) -> None:
    prefix = f"{path.name}: " if multiple else ""
    problems.extend(RowProblem(line, prefix + reason) for reason in reasons)
