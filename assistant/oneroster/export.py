"""`waypoint export-oneroster CLASS`: a class report's levels as a OneRoster 1.2 gradebook.

One line item per competency of the report (linked to its CASE item in
lineItemLearningObjectiveIds.csv), one result per learner and competency with a level
(`score` the level, `scoreStatus` fully graded, with the same level per learning objective in
resultLearningObjectiveIds.csv), plus the roster files that make the set load on its own: the
class, its course (whose courseCode is the class's framework identifier), the school, a term,
the learners and teachers the report shows, their roles and enrollments. Only what the asking
user may see: the class report's access policy decides (and audits) it. Users carry their
Waypoint name whole in the extension column `metadata.waypoint.name`, so that names read back
exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from assistant.frameworks.catalog import CatalogEntry, FrameworkCatalog
from assistant.learners.access import Viewer
from assistant.learners.db import Learner, LearnerDatabase, User
from assistant.oneroster.record_types import NAME_COLUMN
from assistant.oneroster.writer import ceds_grade, guid, set_files, split_name, write_files
from assistant.recommend.class_report import ClassReport
from assistant.recommend.service import ClassReportService

SCHOOL = "waypoint-school"
CATEGORY = "waypoint-level"
CATEGORY_TITLE = "Waypoint level"


@dataclass(frozen=True)
class ExportReport:
    class_id: str
    out: str
    learners: int
    line_items: int
    results: int

    def as_json(self) -> dict[str, object]:
        return {
            "class": self.class_id,
            "out": self.out,
            "learners": self.learners,
            "line_items": self.line_items,
            "results": self.results,
        }


class OneRosterExporter:
    def __init__(
        self, db: LearnerDatabase, catalog: FrameworkCatalog, reports: ClassReportService
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.reports = reports

    def export_class(
        self, viewer: Viewer, class_id: str, out: Path, *, as_of: date | None = None
    ) -> ExportReport:
        report = self.reports.for_class(viewer, class_id, as_of=as_of)
        files, counts = self.files(report)
        write_files(files, out)
        return ExportReport(class_id, str(out), *counts)

    def files(self, report: ClassReport) -> tuple[dict[str, str], tuple[int, int, int]]:
        info, day = report.school_class, report.as_of
        start = date(day.year if day.month >= 8 else day.year - 1, 8, 1)
        end = date(start.year + 1, 7, 31)
        term = f"waypoint-{start.year}-{end.year}"
        framework = self.catalog.framework(info.framework_id) if info.framework_id else None
        course = guid(f"{info.id}.course")
        tables: dict[str, list[dict[str, str]]] = {
            "orgs": [{"sourcedId": SCHOOL, "name": "Waypoint school", "type": "school"}],
            "academicSessions": [
                {
                    "sourcedId": term,
                    "title": f"{start.year}-{end.year}",
                    "type": "term",
                    "startDate": start.isoformat(),
                    "endDate": end.isoformat(),
                    "schoolYear": str(end.year),
                }
            ],
            "courses": [
                {
                    "sourcedId": course,
                    "title": framework.title if framework else info.name,
                    "courseCode": framework.identifier if framework else "",
                    "orgSourcedId": SCHOOL,
                }
            ],
            "classes": [
                {
                    "sourcedId": info.id,
                    "title": info.name,
                    "courseSourcedId": course,
                    "classCode": info.id,
                    "classType": "scheduled",
                    "schoolSourcedId": SCHOOL,
                    "termSourcedIds": term,
                }
            ],
            "categories": [{"sourcedId": CATEGORY, "title": CATEGORY_TITLE}],
        }
        users, roles, enrollments = self._people(report)
        tables |= {"users": users, "roles": roles, "enrollments": enrollments}
        items, objectives, results, result_objectives = self._gradebook(report, term)
        tables |= {
            "lineItems": items,
            "lineItemLearningObjectiveIds": objectives,
            "results": results,
            "resultLearningObjectiveIds": result_objectives,
        }
        files = set_files(tables, {"users": (NAME_COLUMN,)})
        return files, (len(report.matrix), len(items), len(results))

    def _people(
        self, report: ClassReport
    ) -> tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]]:
        info = report.school_class
        learner_ids = [row.learner_id for row in report.matrix]
        with self.db.session() as session:
            teachers = {
                u.id: u.name
                for u in session.scalars(select(User).where(User.id.in_(info.teacher_ids)))
            }
            learners = {
                lr.id: (lr.name, lr.grade, lr.user_id)
                for lr in session.scalars(select(Learner).where(Learner.id.in_(learner_ids)))
            }
        users, roles, enrollments = [], [], []
        people = [(t, "teacher", teachers[t], "", t) for t in sorted(teachers)]
        people += [
            (lid, "student", name, grade, login or "")
            for lid, (name, grade, login) in sorted(learners.items())
        ]
        for sourced_id, role, name, grade, login in people:
            given, family = split_name(name)
            users.append(
                {
                    "sourcedId": sourced_id,
                    "enabledUser": "true" if login else "false",
                    "username": login or sourced_id,
                    "givenName": given,
                    "familyName": family,
                    "grades": ceds_grade(grade),
                    "primaryOrgSourcedId": SCHOOL,
                    NAME_COLUMN: name,
                }
            )
            roles.append(
                {
                    "sourcedId": guid(f"{sourced_id}.role"),
                    "userSourcedId": sourced_id,
                    "roleType": "primary",
                    "role": role,
                    "orgSourcedId": SCHOOL,
                }
            )
            enrollments.append(
                {
                    "sourcedId": guid(f"{info.id}.{sourced_id}"),
                    "classSourcedId": info.id,
                    "schoolSourcedId": SCHOOL,
                    "userSourcedId": sourced_id,
                    "role": role,
                    "primary": "true" if role == "teacher" else "",
                }
            )
        return users, roles, enrollments

    def _gradebook(
        self, report: ClassReport, term: str
    ) -> tuple[
        list[dict[str, str]], list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]
    ]:
        info, day = report.school_class, report.as_of.isoformat()
        items, objectives, results, result_objectives = [], [], [], []
        for column, code in enumerate(report.competencies):
            entry = self._entry(code, info.framework_id)
            scale = self.catalog.scale(entry.identifier)
            item = guid(f"{info.id}.{code}")
            items.append(
                {
                    "sourcedId": item,
                    "title": code,
                    "description": entry.title,
                    "assignDate": day,
                    "dueDate": day,
                    "classSourcedId": info.id,
                    "categorySourcedId": CATEGORY,
                    "academicSessionSourcedId": term,
                    "resultValueMin": f"{scale.minimum:g}",
                    "resultValueMax": f"{scale.maximum:g}",
                    "schoolSourcedId": SCHOOL,
                }
            )
            objectives.append(
                {
                    "sourcedId": guid(f"{item}.objective"),
                    "lineItemSourcedId": item,
                    "source": "case",
                    "learningObjectiveId": entry.identifier,
                }
            )
            for row in report.matrix:
                level = row.levels[column]
                if level is None:
                    continue
                result = guid(f"{item}.{row.learner_id}")
                results.append(
                    {
                        "sourcedId": result,
                        "lineItemSourcedId": item,
                        "studentSourcedId": row.learner_id,
                        "scoreStatus": "fully graded",
                        "score": f"{level:g}",
                        "scoreDate": day,
                        "classSourcedId": info.id,
                    }
                )
                result_objectives.append(
                    {
                        "sourcedId": guid(f"{result}.objective"),
                        "resultSourcedId": result,
                        "source": "case",
                        "learningObjectiveId": entry.identifier,
                        "score": f"{level:g}",
                    }
                )
        return items, objectives, results, result_objectives

    def _entry(self, code: str, framework_id: str | None) -> CatalogEntry:
        matches = self.catalog.matches(code)
        inside = [m for m in matches if m.framework_id == framework_id]
        return (inside or matches)[0]
