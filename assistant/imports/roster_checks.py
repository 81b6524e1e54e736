"""The checks a roster import makes on its rows: ids, lengths, columns, each person and class
once, links to classes and children that exist; and what it already knows (`Known`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.csv_rows import CsvRow, shown, split_list
from assistant.errors import RosterImportError, RowProblem
from assistant.imports.roster_write import PersonRow

ID_PATTERN = re.compile(r"^[A-Za-z0-9._@+-]{1,64}$")
# The lengths of the database columns (a server database refuses longer text).
MAX_LENGTH = {"name": 200, "grade": 16}


@dataclass
class Known:
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


def missing_links(
    people: Sequence[tuple[int, PersonRow | None]], known: Known
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


def listed(row: CsvRow, column: str) -> tuple[str, ...] | None:
    return tuple(split_list(row.get(column))) if column in row.values else None


def check_id(value: str, name: str, reasons: list[str]) -> None:
    if not value:
        reasons.append(f"{name} is empty")
    elif not ID_PATTERN.fullmatch(value):
        reasons.append(f"{name} {shown(value)} may only use letters, digits and . _ @ + - (max 64)")


def check_lengths(row: CsvRow, columns: Sequence[str], reasons: list[str]) -> None:
    for column in columns:
        if len(row.get(column)) > MAX_LENGTH[column]:
            reasons.append(f"{column} is longer than {MAX_LENGTH[column]} characters")


def require_columns(path: Path, header: Sequence[str], required: Sequence[str]) -> None:
    missing = [name for name in required if name not in header]
    if missing:
        reason = f"missing column{'s' if len(missing) != 1 else ''}: {', '.join(missing)}"
        raise RosterImportError(path.name, [RowProblem(1, reason)])


def first_seen(known: Known, key: str, path: Path, line: int, reasons: list[str]) -> None:
    if key in known.first_line:
        where, first = known.first_line[key]
        same = where == path.name
        reasons.append(
            f"{key.split(':', 1)[0]} {key.split(':', 1)[1]!r} is already on line {first}"
            + ("" if same else f" of {where}")
        )
    else:
        known.first_line[key] = (path.name, line)


def add_problems(
    problems: list[RowProblem], line: int, reasons: list[str], path: Path, multiple: bool
) -> None:
    prefix = f"{path.name}: " if multiple else ""
    problems.extend(RowProblem(line, prefix + reason) for reason in reasons)
