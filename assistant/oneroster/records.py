"""The rows of a OneRoster set as typed records, field by field as the binding defines them.

Each record keeps the file and line it came from, so that a broken reference found later is
named where it is. A row with a bad cell becomes no record (its problems are listed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from assistant.learners.attributes import (
    attribute_columns,
    column_problems,
    parse_values,
)
from assistant.oneroster.errors import Problem
from assistant.oneroster.fields import Cells
from assistant.oneroster.reader import OneRosterSet
from assistant.oneroster.record_types import (
    NAME_COLUMN,
    Category,
    Course,
    Demographic,
    Enrollment,
    Klass,
    LineItem,
    Link,
    Objective,
    Org,
    Records,
    Result,
    Role,
    ScoreScale,
    Session,
    User,
    Where,
)
from assistant.oneroster.spec import (
    ACADEMIC_SESSION_TYPES,
    CLASS_TYPES,
    ENROLLMENT_ROLES,
    OBJECTIVE_SOURCES,
    ORG_TYPES,
    ROLE_TYPES,
    ROLES,
    SCORE_STATUSES,
)

T = TypeVar("T")


def parse_records(found: OneRosterSet) -> Records:
    """Every row of the set as a record; problems are added to `found.problems`."""
    records = Records()
    _each(found, "orgs", records.orgs, _org)
    _each(found, "academicSessions", records.sessions, _session)
    _each(found, "courses", records.courses, _course)
    _each(found, "classes", records.classes, _class)
    _each(found, "users", records.users, _user)
    _each(found, "roles", records.roles, _role)
    _each(found, "enrollments", records.enrollments, _enrollment)
    _each(found, "categories", records.categories, _category)
    _each(found, "lineItems", records.line_items, _line_item)
    _each(found, "results", records.results, _result)
    _each(found, "scoreScales", records.score_scales, _score_scale)
    _each(found, "lineItemScoreScales", records.line_item_scales, _line_item_scale)
    _each(found, "lineItemLearningObjectiveIds", records.line_item_objectives, _line_objective)
    _each(found, "resultLearningObjectiveIds", records.result_objectives, _result_objective)
    demographics = found.files.get("demographics")
    columns = attribute_columns(demographics.header, "metadata.") if demographics else ()
    if demographics is not None and columns:
        found.problems.extend(Problem(demographics.name, 1, r) for r in column_problems(columns))

        def demographic(cells: Cells, at: Where) -> Demographic:
            reasons: list[str] = []
            values = parse_values(columns, cells.row.values, reasons)
            for reason in reasons:
                cells.problem(reason)
            return Demographic(at, values)

        _each(found, "demographics", records.demographics, demographic)
    for table in ("demographics", "userProfiles", "resultScoreScales"):
        if table == "demographics" and columns:
            continue
        if table in found.files:
            source = found.files[table]
            records.ignored[source.name] = len(source.rows)
            _each(found, table, {}, lambda cells, at: at)  # checked, never used
    return records


def _each(
    found: OneRosterSet,
    table: str,
    into: dict[str, T],
    build: Callable[[Cells, Where], T],
) -> None:
    source = found.files.get(table)
    if source is None:
        return
    first: dict[str, int] = {}
    for row in source.rows:
        cells = Cells(source.name, source.mode, row, found.problems)
        sourced_id = cells.guid("sourcedId", required=True)
        status = cells.status()
        at = Where(source.name, row.line, sourced_id, status)
        record = build(cells, at)
        if sourced_id in first:
            cells.problem(f"sourcedId {sourced_id!r} is already on line {first[sourced_id]}")
        elif sourced_id:
            first[sourced_id] = row.line
        if not cells.failed:
            into[sourced_id] = record


def _org(cells: Cells, at: Where) -> Org:
    name = cells.text("name", required=True)
    return Org(at, name, cells.choice("type", ORG_TYPES, required=True))


def _session(cells: Cells, at: Where) -> Session:
    title = cells.text("title", required=True)
    kind = cells.choice("type", ACADEMIC_SESSION_TYPES, required=True)
    start = cells.day("startDate", required=True)
    end = cells.day("endDate", required=True)
    cells.guid("parentSourcedId")
    cells.year("schoolYear", required=True)
    if start and end and end < start:
        cells.problem(f"endDate {end} is before startDate {start}")
    return Session(at, title, kind)


def _course(cells: Cells, at: Where) -> Course:
    cells.guid("schoolYearSourcedId")
    title = cells.text("title", required=True)
    code = cells.text("courseCode")
    return Course(at, title, code, cells.guid("orgSourcedId", required=True))


def _class(cells: Cells, at: Where) -> Klass:
    title = cells.text("title", required=True)
    course = cells.guid("courseSourcedId", required=True)
    cells.choice("classType", CLASS_TYPES, required=True)
    school = cells.guid("schoolSourcedId", required=True)
    terms = cells.guids("termSourcedIds", required=True)
    return Klass(at, title, course, school, terms)


def _user(cells: Cells, at: Where) -> User:
    enabled = cells.flag("enabledUser", required=True)
    username = cells.text("username", required=True)
    given = cells.text("givenName", required=True)
    family = cells.text("familyName", required=True)
    name = cells.text(NAME_COLUMN) or " ".join(part for part in (given, family) if part)
    cells.guid("primaryOrgSourcedId")
    agents = cells.guids("agentSourcedIds")
    has_agents = "agentsourcedids" in cells.row.values
    grades = cells.texts("grades") if "grades" in cells.row.values else None
    return User(at, bool(enabled), username, name, agents, grades, has_agents)


def _role(cells: Cells, at: Where) -> Role:
    user = cells.guid("userSourcedId", required=True)
    role_type = cells.choice("roleType", ROLE_TYPES, required=True, ext=False)
    role = cells.choice("role", ROLES, required=True)
    cells.day("beginDate")
    cells.day("endDate")
    cells.guid("userProfileSourcedId")
    return Role(at, user, role_type, role, cells.guid("orgSourcedId", required=True))


def _enrollment(cells: Cells, at: Where) -> Enrollment:
    klass = cells.guid("classSourcedId", required=True)
    school = cells.guid("schoolSourcedId", required=True)
    user = cells.guid("userSourcedId", required=True)
    role = cells.choice("role", ENROLLMENT_ROLES, required=True)
    cells.flag("primary")
    cells.day("beginDate")
    cells.day("endDate")
    return Enrollment(at, klass, school, user, role)


def _category(cells: Cells, at: Where) -> Category:
    title = cells.text("title", required=True)
    cells.number("weight")
    return Category(at, title)


def _line_item(cells: Cells, at: Where) -> LineItem:
    title = cells.text("title", required=True)
    cells.day("assignDate", required=True)
    cells.day("dueDate", required=True)
    klass = cells.guid("classSourcedId", required=True)
    category = cells.guid("categorySourcedId", required=True)
    session = cells.guid("academicSessionSourcedId", required=True)
    minimum = cells.number("resultValueMin")
    maximum = cells.number("resultValueMax")
    school = cells.guid("schoolSourcedId", required=True)
    if minimum is not None and maximum is not None and minimum >= maximum:
        cells.problem(f"resultValueMin {minimum:g} is not below resultValueMax {maximum:g}")
    return LineItem(at, title, klass, category, session, school, minimum, maximum)


def _result(cells: Cells, at: Where) -> Result:
    line_item = cells.guid("lineItemSourcedId", required=True)
    student = cells.guid("studentSourcedId", required=True)
    status = cells.choice("scoreStatus", SCORE_STATUSES, required=True)
    score = cells.number("score")
    when = cells.day("scoreDate", required=True)
    comment = cells.text("comment")
    cells.guid("classSourcedId")
    for flag in ("inProgress", "incomplete", "late", "missing"):
        cells.flag(flag)
    return Result(at, line_item, student, status, score, when, comment)


def _score_scale(cells: Cells, at: Where) -> ScoreScale:
    cells.text("title", required=True)
    cells.text("type", required=True)
    for column in ("orgSourcedId", "courseSourcedId", "classSourcedId"):
        cells.guid(column, required=True)
    values = _scale_values(cells.text("scoreScaleValue", required=True))
    if values is None:
        cells.problem("scoreScaleValue is not a list of {value:label} pairs")
        values = ()
    return ScoreScale(at, values)


def _scale_values(text: str) -> tuple[str, ...] | None:
    """The left-hand values of `{lhs:rhs},{lhs:rhs}`; None when it is not in that form."""
    parts = [p.strip() for p in text.split("},") if p.strip()]
    found: list[str] = []
    for part in parts:
        item = part if part.endswith("}") else part + "}"
        if not (item.startswith("{") and ":" in item):
            return None
        found.append(item[1:-1].split(":", 1)[0].strip())
    return tuple(found)


def _line_item_scale(cells: Cells, at: Where) -> Link:
    cells.text("title")
    owner = cells.guid("lineItemSourcedId", required=True)
    return Link(at, owner, cells.guid("scoreScaleSourcedId", required=True))


def _line_objective(cells: Cells, at: Where) -> Objective:
    owner = cells.guid("lineItemSourcedId", required=True)
    source = cells.choice("source", OBJECTIVE_SOURCES, required=True)
    identifier = cells.text("learningObjectiveId", required=True)
    return Objective(at, owner, source, identifier, None)


def _result_objective(cells: Cells, at: Where) -> Objective:
    owner = cells.guid("resultSourcedId", required=True)
    source = cells.choice("source", OBJECTIVE_SOURCES, required=True)
    identifier = cells.text("learningObjectiveId", required=True)
    score = cells.number("score")
    cells.text("textScore")
    return Objective(at, owner, source, identifier, score)
