"""Recording what a teaching team did: a flexible group that met or any intervention on a
competency for chosen learners, and a course team's go-to activity for a competency.

A teacher records only for a class they teach and learners enrolled in it (an admin for any);
each recording is audited as a change for every learner who attended. Marking a go-to needs a
teacher of one of the course's classes (or an admin) and is audited for the course.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.csv_rows import read_csv, split_list
from assistant.errors import (
    AccessDeniedError,
    CsvImportError,
    RowProblem,
    UnknownRecordError,
    WaypointError,
)
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.leaders.team_records import CourseInfo, courses
from assistant.learners.access import AccessPolicy, Viewer
from assistant.learners.audit import utc_now
from assistant.learners.db import ClassTeacher, Enrolment
from assistant.learners.db_teams import (
    INTERVENTION_KINDS,
    Intervention,
    InterventionLearner,
    TeamGoTo,
)

MAX_ACTIVITY = 200
INTERVENTION_COLUMNS = ("class_id", "competency", "activity", "met_on", "recorded_by", "learners")
MAX_NOTE = 2000


class InterventionError(WaypointError):
    """A recording that cannot be kept as given (the field is named)."""


class InterventionImportError(CsvImportError):
    """A recordings file with bad rows: nothing was recorded."""


@dataclass(frozen=True)
class Recorded:
    id: int
    kind: str
    class_id: str
    competency_id: str
    code: str
    activity: str
    met_on: date
    learners: tuple[str, ...]


class InterventionService:
    def __init__(
        self,
        policy: AccessPolicy,
        catalog: FrameworkCatalog,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.policy = policy
        self.catalog = catalog
        self.today = today

    def record(
        self,
        viewer: Viewer,
        class_id: str,
        competency: str,
        activity: str,
        learner_ids: Sequence[str],
        met_on: date,
        *,
        kind: str = "group",
        note: str = "",
    ) -> Recorded:
        """Record that a group met (kind "group") or an intervention happened."""
        found = self._check(viewer, class_id, competency, activity, learner_ids, met_on, kind, note)
        with self.policy.db.session() as session:
            return self._write(session, viewer, found, note)

    def import_file(self, path: Path, *, allow_future: bool = False) -> int:
        """Recordings from a CSV (INTERVENTION_COLUMNS; `learners` separated by ;), each checked
        as its recorder's own: all or nothing, every bad row named; one already recorded (same
        class, competency, activity, day and learners) is not added again. Returns rows added.
        `allow_future`: the demo school, whose term may lie ahead of today's date."""
        _, rows, _ = read_csv(path, INTERVENTION_COLUMNS, InterventionImportError)
        problems: list[RowProblem] = []
        ready: list[tuple[Viewer, Recorded, str]] = []
        for row in rows:
            try:
                viewer = self.policy.viewer(row.get("recorded_by"))
                found = self._check(
                    viewer,
                    row.get("class_id"),
                    row.get("competency"),
                    row.get("activity"),
                    split_list(row.get("learners")),
                    date.fromisoformat(row.get("met_on")),
                    row.get("kind") or "group",
                    row.get("note"),
                    allow_future=allow_future,
                )
            except (WaypointError, ValueError) as exc:
                problems.append(RowProblem(row.line, str(exc)))
            else:
                ready.append((viewer, found, row.get("note")))
        if problems:
            raise InterventionImportError(path.name, problems)
        added = 0
        with self.policy.db.session() as session:  # every row or none
            for viewer, found, note in ready:
                if not _recorded(session, found):
                    self._write(session, viewer, found, note)
                    added += 1
        return added

    def _check(
        self,
        viewer: Viewer,
        class_id: str,
        competency: str,
        activity: str,
        learner_ids: Sequence[str],
        met_on: date,
        kind: str,
        note: str,
        *,
        allow_future: bool = False,
    ) -> Recorded:
        self.policy.require_class(viewer, class_id)
        wanted = list(dict.fromkeys(learner_ids))
        self.policy.require_record(viewer, wanted)
        competency_id = self._competency(competency)
        activity = _text(activity, "activity", MAX_ACTIVITY, required=True)
        _text(note, "note", MAX_NOTE, required=False)
        if kind not in INTERVENTION_KINDS:
            raise InterventionError(f"kind {kind!r} is not one of {', '.join(INTERVENTION_KINDS)}")
        if not wanted:
            raise InterventionError("learners: choose at least one learner who attended")
        if met_on > self.today() and not allow_future:
            raise InterventionError(f"date {met_on.isoformat()} is in the future")
        with self.policy.db.session() as session:
            enrolled = set(
                session.scalars(select(Enrolment.learner_id).where(Enrolment.class_id == class_id))
            )
        outside = [lid for lid in wanted if lid not in enrolled]
        if outside:
            raise InterventionError(
                f"learners: {outside[0]!r} is not enrolled in class {class_id!r}"
            )
        code = self.catalog.entry(competency_id).code
        return Recorded(0, kind, class_id, competency_id, code, activity, met_on, tuple(wanted))

    def _write(self, session: Session, viewer: Viewer, found: Recorded, note: str) -> Recorded:
        row = Intervention(
            kind=found.kind,
            class_id=found.class_id,
            competency_id=found.competency_id,
            activity=found.activity,
            met_on=found.met_on,
            note=_text(note, "note", MAX_NOTE, required=False),
            recorded_by=viewer.user_id,
            recorded_at=utc_now(),
        )
        session.add(row)
        session.flush()
        session.add_all(
            InterventionLearner(intervention_id=row.id, learner_id=lid) for lid in found.learners
        )
        what = f"{found.kind} recorded {found.code}: {found.activity}"
        self.policy.audit.record(viewer, "change", found.learners, what, session=session)
        return replace(found, id=row.id)

    def mark_go_to(self, viewer: Viewer, course_id: str, competency: str, activity: str) -> None:
        """The course team's go-to activity for a competency (replaces the last one)."""
        course = self._course(course_id)
        if not self.may_team(viewer, course):
            self.policy.audit.record_scope(viewer, "refused", f"course {course_id}", "mark go-to")
            raise AccessDeniedError(
                f"{viewer.user_id} ({viewer.role}) may not mark the go-to of course {course_id!r}"
            )
        competency_id = self._competency(competency)
        activity = _text(activity, "activity", MAX_ACTIVITY, required=True)
        with self.policy.db.session() as session:
            session.merge(
                TeamGoTo(
                    course_id=course_id,
                    competency_id=competency_id,
                    activity=activity,
                    marked_by=viewer.user_id,
                    marked_at=utc_now(),
                )
            )
            code = self.catalog.entry(competency_id).code
            self.policy.audit.record_scope(
                viewer,
                "change",
                f"course {course_id}",
                f"go-to for {code}: {activity}",
                session=session,
            )

    def may_team(self, viewer: Viewer, course: CourseInfo) -> bool:
        """A teacher of one of the course's classes, or an admin."""
        if viewer.role == "admin":
            return True
        if viewer.role != "teacher":
            return False
        with self.policy.db.session() as session:
            return any(
                session.get(ClassTeacher, (class_id, viewer.user_id)) is not None
                for class_id in course.class_ids
            )

    def courses_of(self, viewer: Viewer) -> list[CourseInfo]:
        """The courses whose team results the viewer may see: a teacher's courses (those of
        the classes they teach), every course for a leader or an admin."""
        found = courses(self.policy)
        if viewer.role in ("leader", "admin"):
            return found
        mine = {class_id for class_id, _ in self.policy.classes_of(viewer)}
        return [c for c in found if mine & set(c.class_ids)]

    def course_of_class(self, class_id: str) -> CourseInfo | None:
        return next((c for c in courses(self.policy) if class_id in c.class_ids), None)

    def recorded(self, viewer: Viewer, class_id: str, limit: int = 20) -> list[Recorded]:
        """The newest recordings for a class (ids only: the page names learners it may show)."""
        self.policy.require_class(viewer, class_id)
        with self.policy.db.session() as session:
            rows = list(
                session.scalars(
                    select(Intervention)
                    .where(Intervention.class_id == class_id)
                    .order_by(Intervention.met_on.desc(), Intervention.id.desc())
                    .limit(limit)
                )
            )
            members: dict[int, list[str]] = {}
            for link in session.scalars(
                select(InterventionLearner).where(
                    InterventionLearner.intervention_id.in_([r.id for r in rows])
                )
            ):
                members.setdefault(link.intervention_id, []).append(link.learner_id)
        return [
            Recorded(
                r.id,
                r.kind,
                r.class_id,
                r.competency_id,
                _code(self.catalog, r.competency_id),
                r.activity,
                r.met_on,
                tuple(sorted(members.get(r.id, []))),
            )
            for r in rows
        ]

    def _competency(self, competency: str) -> str:
        entry = self.catalog.lookup(competency.strip())
        if entry is None or not self.catalog.is_assessable(entry.identifier):
            raise UnknownRecordError(f"competency: unknown competency {competency!r}")
        return entry.identifier

    def _course(self, course_id: str) -> CourseInfo:
        found = next((c for c in courses(self.policy) if c.id == course_id), None)
        if found is None:
            raise UnknownRecordError(f"unknown course {course_id!r}")
        return found


def _recorded(session: Session, found: Recorded) -> bool:
    """Whether the same recording (class, competency, activity, day, learners) exists."""
    for row in session.scalars(
        select(Intervention).where(
            Intervention.class_id == found.class_id,
            Intervention.competency_id == found.competency_id,
            Intervention.activity == found.activity,
            Intervention.met_on == found.met_on,
        )
    ):
        learners = session.scalars(
            select(InterventionLearner.learner_id).where(
                InterventionLearner.intervention_id == row.id
            )
        )
        if tuple(sorted(learners)) == tuple(sorted(found.learners)):
            return True
    return False


def _text(value: str, field: str, longest: int, *, required: bool) -> str:
    cleaned = " ".join(value.split())
    if required and not cleaned:
        raise InterventionError(f"{field} is empty")
    if len(cleaned) > longest:
        raise InterventionError(f"{field} is longer than {longest} characters")
    return cleaned


def _code(catalog: FrameworkCatalog, key: str) -> str:
    return catalog.entry(key).code if catalog.is_assessable(key) else key
