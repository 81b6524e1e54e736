"""Teaching teams: what worked per sticking point across a course's sections, through the access
policy, and the team's pick for the class report.

A teacher sees the results of the courses they teach in (every section of the course: figures
that name no learner, audited as one row for the course) or, for a class in no course, of that
class; a leader or an admin sees any course and the whole school.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from assistant.frameworks.catalog import FrameworkCatalog
from assistant.leaders.interventions import InterventionService
from assistant.leaders.period import Period
from assistant.leaders.replay import LearnerRecord, Replayer
from assistant.leaders.school import replay
from assistant.leaders.team_records import (
    CourseInfo,
    all_class_ids,
    attendances_in,
    attendances_until,
    class_ids_in,
    courses,
    go_tos,
)
from assistant.leaders.what_worked import (
    ActivityResult,
    Attendance,
    Result,
    StickingPoint,
    what_worked,
)
from assistant.learners.access import SCHOOL_ROLES, AccessGrant, AccessPolicy, Viewer
from assistant.learners.db import LearnerDatabase
from assistant.learners.estimates import MasteryService
from assistant.recommend.groups import TeamSuggestion
from assistant.settings_groups import ClassRules

PURPOSE = "team results"
PICK_DAYS = 90  # the class report's team pick looks back this many days


@dataclass(frozen=True)
class PointView:
    competency_id: str
    code: str
    title: str
    activities: tuple[ActivityResult, ...]  # best first
    comparison: Result
    go_to: str | None

    def pick(self) -> tuple[str, bool] | None:
        """(activity, is the go-to): the team's go-to, else the best-performing activity."""
        if self.go_to:
            return self.go_to, True
        best = self.activities[0] if self.activities else None
        return (best.activity, False) if best is not None and best.result.reached else None


@dataclass(frozen=True)
class TeamResults:
    scope: str  # "course M6", "class 7A", "school"
    name: str
    class_ids: tuple[str, ...]
    period: Period
    points: tuple[PointView, ...]

    def point(self, code: str) -> PointView | None:
        return next((p for p in self.points if code in (p.code, p.competency_id)), None)


class TeamService:
    def __init__(
        self,
        access: AccessPolicy,
        mastery: MasteryService,
        catalog: FrameworkCatalog,
        rules: ClassRules,
        interventions: InterventionService,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.access = access
        self.mastery = mastery
        self.catalog = catalog
        self.rules = rules
        self.interventions = interventions
        self.today = today

    def teams_of(self, viewer: Viewer) -> list[CourseInfo]:
        """The teams the viewer may open: their courses, and each class they teach that is in
        no course as a team of one (a leader or an admin: every course)."""
        found = self.interventions.courses_of(viewer)
        if viewer.role in SCHOOL_ROLES:
            return found
        in_course = {c for course in courses(self.access) for c in course.class_ids}
        alone = [
            CourseInfo(f"class:{class_id}", name, (class_id,))
            for class_id, name in self.access.classes_of(viewer)
            if class_id not in in_course
        ]
        return found + alone

    def results(self, viewer: Viewer, team: CourseInfo, period: Period) -> TeamResults:
        scope = _scope(team)
        grant = self.access.course_grant(viewer, team.class_ids, purpose=PURPOSE, scope=scope)
        marked = {} if team.id.startswith("class:") else go_tos(self.access, team.id)
        return self._results(grant, team.class_ids, scope, team.name, period, marked)

    def school(self, viewer: Viewer, period: Period) -> TeamResults:
        """Every recorded intervention in the school (leaders and admins)."""
        grant = self.access.school_grant(viewer, purpose=PURPOSE)
        class_ids = tuple(all_class_ids(self.access))
        return self._results(grant, class_ids, "school", "", period, {})

    def suggestions(self, viewer: Viewer, class_id: str, as_of: date) -> dict[str, TeamSuggestion]:
        """Per competency code: the team's go-to, else its best-performing activity over the
        last PICK_DAYS days (a viewer who may not see the class gets none)."""
        if not self.access.may_view_class(viewer, class_id):
            return {}
        team = self.interventions.course_of_class(class_id) or CourseInfo(
            f"class:{class_id}", class_id, (class_id,)
        )
        marked = {} if team.id.startswith("class:") else go_tos(self.access, team.id)
        if not marked and not attendances_until(self.access, team.class_ids, as_of):
            return {}
        found = self.results(viewer, team, Period.ending(as_of, PICK_DAYS))
        picks: dict[str, TeamSuggestion] = {}
        for point in found.points:
            chosen = point.pick()
            if chosen is None:
                continue
            activity, go_to = chosen
            done = next((a for a in point.activities if a.activity == activity), None)
            picks[point.code] = TeamSuggestion(
                activity,
                go_to,
                done.result.learners if done else 0,
                done.result.reached if done else 0,
                done.result.median_days if done else None,
                done.classes if done else (),
            )
        return picks

    def _results(
        self,
        grant: AccessGrant,
        class_ids: Sequence[str],
        scope: str,
        name: str,
        period: Period,
        marked: dict[str, str],
    ) -> TeamResults:
        records = replay(self.access.db, grant, period.end, self._replayer())
        attendance = [
            Attendance(*row)
            for row in attendances_until(self.access, class_ids, period.end)
            if row[0] in grant.learner_ids
        ]
        points = what_worked(attendance, records, grant.learner_ids, period)
        views = point_views(self.catalog, points, marked)
        return TeamResults(scope, name, tuple(class_ids), period, views)

    def _replayer(self) -> Replayer:
        return Replayer(self.catalog, self.mastery.ready_model(), self.mastery.scale, self.rules)


def _scope(team: CourseInfo) -> str:
    if team.id.startswith("class:"):
        return f"class {team.id.removeprefix('class:')}"
    return f"course {team.id}"


def point_views(
    catalog: FrameworkCatalog, points: Sequence[StickingPoint], marked: dict[str, str]
) -> tuple[PointView, ...]:
    """The sticking points named from the catalog, with the team's go-tos."""
    found = {p.competency_id: p for p in points}
    keys = sorted({*found, *(k for k in marked if k in found or catalog.is_assessable(k))})
    views = []
    for key in keys:
        point = found.get(key)
        entry = catalog.entry(key) if catalog.is_assessable(key) else None
        views.append(
            PointView(
                key,
                entry.code if entry else key,
                entry.title if entry else "",
                point.activities if point else (),
                point.comparison if point else Result(0, 0, None),
                marked.get(key),
            )
        )
    return tuple(views)


def school_results(
    db: LearnerDatabase,
    catalog: FrameworkCatalog,
    grant: AccessGrant,
    records: Mapping[str, LearnerRecord],
    period: Period,
) -> TeamResults:
    """Every recorded intervention in the school, from learners already replayed up to the
    period's end (what the leaders' precomputed figures hold)."""
    class_ids = tuple(class_ids_in(db))
    attendance = [
        Attendance(*row)
        for row in attendances_in(db, class_ids, period.end)
        if row[0] in grant.learner_ids
    ]
    points = what_worked(attendance, records, grant.learner_ids, period)
    return TeamResults("school", "", class_ids, period, point_views(catalog, points, {}))
