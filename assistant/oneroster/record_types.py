"""The typed records of a OneRoster set, one class per file of the binding, each keeping the
file and line it came from (`Where`); `records.parse_records` builds them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from assistant.learners.attributes import AttributeValues
from assistant.oneroster.errors import Problem

NAME_COLUMN = "metadata.waypoint.name"  # the whole name as Waypoint keeps it (an extension)


@dataclass(frozen=True)
class Where:
    file: str
    line: int
    sourced_id: str
    status: str

    @property
    def active(self) -> bool:
        return self.status == "active"

    def problem(self, reason: str) -> Problem:
        return Problem(self.file, self.line, reason)


@dataclass(frozen=True)
class Org:
    at: Where
    name: str
    type: str


@dataclass(frozen=True)
class Session:
    at: Where
    title: str
    type: str


@dataclass(frozen=True)
class Course:
    at: Where
    title: str
    code: str
    org: str


@dataclass(frozen=True)
class Klass:
    at: Where
    title: str
    course: str
    school: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class User:
    at: Where
    enabled: bool
    username: str
    name: str
    agents: tuple[str, ...]
    grades: tuple[str, ...] | None  # None: no grades column (a delta keeps the grade)
    has_agents: bool


@dataclass(frozen=True)
class Role:
    at: Where
    user: str
    role_type: str
    role: str
    org: str


@dataclass(frozen=True)
class Enrollment:
    at: Where
    klass: str
    school: str
    user: str
    role: str


@dataclass(frozen=True)
class Category:
    at: Where
    title: str


@dataclass(frozen=True)
class LineItem:
    at: Where
    title: str
    klass: str
    category: str
    session: str
    school: str
    minimum: float | None
    maximum: float | None


@dataclass(frozen=True)
class Result:
    at: Where
    line_item: str
    student: str
    score_status: str
    score: float | None
    score_date: date | None
    comment: str


@dataclass(frozen=True)
class ScoreScale:
    at: Where
    values: tuple[str, ...]


@dataclass(frozen=True)
class Link:
    """A row of lineItemScoreScales (owner = lineItem) or resultScoreScales (owner = result)."""

    at: Where
    owner: str
    target: str


@dataclass(frozen=True)
class Objective:
    """A row of lineItemLearningObjectiveIds or resultLearningObjectiveIds."""

    at: Where
    owner: str
    source: str
    identifier: str
    score: float | None


@dataclass(frozen=True)
class Demographic:
    """A demographics row's learner attributes: its extension columns metadata.iep,
    metadata.section_504, metadata.english_learner and metadata.group_<name> (the binding's own
    fields are checked as read but imported nowhere). Its sourcedId is the user's."""

    at: Where
    attributes: AttributeValues


@dataclass
class Records:
    orgs: dict[str, Org] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    courses: dict[str, Course] = field(default_factory=dict)
    classes: dict[str, Klass] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    enrollments: dict[str, Enrollment] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    line_items: dict[str, LineItem] = field(default_factory=dict)
    results: dict[str, Result] = field(default_factory=dict)
    demographics: dict[str, Demographic] = field(default_factory=dict)
    score_scales: dict[str, ScoreScale] = field(default_factory=dict)
    line_item_scales: dict[str, Link] = field(default_factory=dict)
    line_item_objectives: dict[str, Objective] = field(default_factory=dict)
    result_objectives: dict[str, Objective] = field(default_factory=dict)
    ignored: dict[str, int] = field(default_factory=dict)  # file name: rows read, not used
