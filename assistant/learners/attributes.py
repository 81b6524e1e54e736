"""Learner attributes a school chooses to import, for leaders' equity figures only.

Optional columns of a roster's people file (students' rows), or OneRoster extension columns:

- `iep` (an individualised education programme), `section_504` (or `504`: a Section 504 plan)
  and `english_learner` (or `ell`): yes or no (also y/n, true/false, 1/0, sí);
- `group_<name>` (any group the school defines, e.g. `group_house`): a value of its own.

An empty cell means "not recorded": a row with the column clears what an earlier import said,
a file without the column leaves it as it was. Nothing is ever inferred. The values are read
only by `school_attributes` (for the equity figures, behind a leader's or admin's school
grant); no page, chat answer, export or prompt for anyone else reads this table.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from assistant.errors import AccessDeniedError
from assistant.learners.access import SCHOOL_ROLES, AccessGrant
from assistant.learners.db import LearnerAttribute, LearnerDatabase

FLAGS = {
    "iep": "iep",
    "section_504": "section_504",
    "504": "section_504",
    "english_learner": "english_learner",
    "ell": "english_learner",
}
GROUP_PREFIX = "group_"
GROUP_NAME = re.compile(r"^group_[a-z0-9_]{1,58}$")
YES, NO = "yes", "no"
TRUE_WORDS = frozenset({"yes", "y", "true", "1", "si", "sí"})
FALSE_WORDS = frozenset({"no", "n", "false", "0"})
MAX_VALUE = 100

AttributeValues = tuple[tuple[str, str | None], ...]  # (name, value or None: not recorded)


@dataclass(frozen=True)
class AttributeColumn:
    column: str  # as in the file (lower case)
    name: str  # the attribute it records
    flag: bool  # yes/no, else free text


def attribute_columns(header: Iterable[str], prefix: str = "") -> tuple[AttributeColumn, ...]:
    """The header's attribute columns; `prefix` is stripped first (OneRoster: `metadata.`)."""
    found = []
    for column in header:
        if prefix and not column.startswith(prefix):
            continue
        bare = column.removeprefix(prefix)
        if bare in FLAGS:
            found.append(AttributeColumn(column, FLAGS[bare], True))
        elif bare.startswith(GROUP_PREFIX):
            found.append(AttributeColumn(column, bare, False))
    return tuple(found)


def column_problems(columns: Sequence[AttributeColumn]) -> list[str]:
    """A header's attribute columns that cannot be used: a bad group name, a name twice."""
    reasons = []
    seen: dict[str, str] = {}
    for column in columns:
        if not column.flag and not GROUP_NAME.fullmatch(column.name):
            reasons.append(
                f"column {column.column!r}: a group column is group_ and then lower-case "
                "letters, digits or _ (at most 64 characters in all)"
            )
        if column.name in seen:
            reasons.append(
                f"columns {seen[column.name]!r} and {column.column!r} both record {column.name}"
            )
        seen.setdefault(column.name, column.column)
    return reasons


def parse_values(
    columns: Sequence[AttributeColumn], cells: Mapping[str, str], reasons: list[str]
) -> AttributeValues:
    """One row's attributes (None: the cell is empty); a bad cell adds a reason naming it."""
    values: list[tuple[str, str | None]] = []
    for column in columns:
        cell = cells.get(column.column, "").strip()
        if not cell:
            values.append((column.name, None))
        elif column.flag:
            word = cell.casefold()
            if word in TRUE_WORDS:
                values.append((column.name, YES))
            elif word in FALSE_WORDS:
                values.append((column.name, NO))
            else:
                reasons.append(f"{column.column} {cell[:40]!r} is not yes or no")
        elif len(cell) > MAX_VALUE:
            reasons.append(f"{column.column} is longer than {MAX_VALUE} characters")
        else:
            values.append((column.name, cell))
    return tuple(values)


def write_attributes(
    session: Session, learner_id: str, values: AttributeValues, source: str, now: datetime
) -> None:
    """Record (or clear, for None) each attribute of one learner, in the caller's transaction."""
    for name, value in values:
        session.execute(
            delete(LearnerAttribute).where(
                LearnerAttribute.learner_id == learner_id, LearnerAttribute.name == name
            )
        )
        if value is not None:
            session.add(
                LearnerAttribute(
                    learner_id=learner_id,
                    name=name,
                    value=value,
                    source=source[:300],
                    recorded_at=now,
                )
            )


def attribute_state(session: Session, learner_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each learner's attributes as comparable text (an import audits the learners it changes)."""
    ids = sorted(set(learner_ids))
    found: dict[str, list[str]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(LearnerAttribute.learner_id, LearnerAttribute.name, LearnerAttribute.value)
            .where(LearnerAttribute.learner_id.in_(ids[start : start + 500]))
            .order_by(LearnerAttribute.name)
        )
        for learner_id, name, value in rows:
            found[learner_id].append(f"{name}={value}")
    return {key: tuple(values) for key, values in found.items()}


def school_attributes(db: LearnerDatabase, grant: AccessGrant) -> dict[str, dict[str, str]]:
    """Attribute name -> learner -> value, for the learners of a school grant (a leader's or an
    admin's: AccessPolicy.school_grant refuses anyone else and audits the read)."""
    if grant.viewer.role not in SCHOOL_ROLES:
        raise AccessDeniedError("learner attributes are for school leaders and admins only")
    found: dict[str, dict[str, str]] = defaultdict(dict)
    with db.session() as session:
        rows = session.execute(
            select(LearnerAttribute.name, LearnerAttribute.learner_id, LearnerAttribute.value)
        )
        for name, learner_id, value in rows:
            if learner_id in grant.learner_ids:
                found[name][learner_id] = value
    return {name: dict(values) for name, values in sorted(found.items())}
