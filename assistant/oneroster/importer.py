"""`waypoint import-oneroster`: a OneRoster 1.2 CSV set into the learner database.

All or nothing: the whole set is read and checked (every problem listed by file and line)
before anything is written, then people, classes, memberships and evidence are written in one
transaction through the roster writer and the evidence writer the other importers use. A dry
run does the same checks and reports what would change without writing. Demographics and user
profiles are read and checked but imported nowhere.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from assistant.csv_rows import DEFAULT_MAX_BYTES
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.imports.evidence_store import EvidencePiece, record_evidence, sort_evidence
from assistant.imports.roster_write import remove_class, remove_login, write_class, write_person
from assistant.learners.access import AccessPolicy, Viewer
from assistant.learners.attributes import attribute_state, write_attributes
from assistant.learners.audit import learner_state, utc_now
from assistant.learners.db import EvidenceImport, LearnerDatabase
from assistant.oneroster.course_map import read_course_map
from assistant.oneroster.errors import OneRosterImportError, Problem
from assistant.oneroster.evidence_plan import EvidencePlan, EvidencePlanner
from assistant.oneroster.known import read_known
from assistant.oneroster.reader import read_set
from assistant.oneroster.records import parse_records
from assistant.oneroster.roster_people import Frameworks, RosterPlan
from assistant.oneroster.roster_plan import RosterPlanner

KINDS = ("classes", "people", "enrolments", "teaching", "guardianships", "evidence")


@dataclass(frozen=True)
class OneRosterReport:
    source: str
    dry_run: bool
    counts: dict[str, dict[str, int]]
    skipped: dict[str, int] = field(default_factory=dict)
    ignored: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "counts": self.counts,
            "skipped": self.skipped,
            "ignored": self.ignored,
        }

    def lines(self) -> list[str]:
        head = "would change (dry run, nothing written)" if self.dry_run else "imported"
        found = [f"{self.source}: {head}"]
        for kind in KINDS:
            counts = self.counts.get(kind, {})
            parts = [f"{counts.get(k, 0)} {k}" for k in ("added", "updated", "removed")]
            parts.append(f"{counts.get('unchanged', 0)} unchanged")
            found.append(f"  {kind}: {', '.join(parts)}")
        for what, count in sorted(self.skipped.items()):
            found.append(f"  skipped: {count} {what}")
        for name, count in sorted(self.ignored.items()):
            found.append(f"  ignored: {name} ({count} rows read and checked, imported nowhere yet)")
        return found


class OneRosterImporter:
    def __init__(
        self,
        db: LearnerDatabase,
        catalog: FrameworkCatalog,
        policy: AccessPolicy,
        *,
        today: Callable[[], date] = date.today,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.policy = policy
        self.today = today
        self.max_bytes = max_bytes
        # Called after an import that wrote (the leaders' figures are recomputed).
        self.after_import: Callable[[], None] | None = None

    def import_set(
        self,
        path: Path,
        viewer: Viewer,
        *,
        framework: str | None = None,
        course_map: Path | None = None,
        dry_run: bool = False,
        allow_future: bool = False,
        demo: bool = False,
    ) -> OneRosterReport:
        """Check the whole set, then write all of it (or, in a dry run, nothing)."""
        self.policy.require_roster(viewer)
        found = read_set(path, self.max_bytes)
        frameworks = self._frameworks(framework, course_map, found.problems)
        records = parse_records(found)
        known = read_known(self.db)
        codes = {
            course.code: fw.identifier
            for course in records.courses.values()
            if course.code and (fw := self.catalog.framework(course.code)) is not None
        }
        roster = RosterPlanner(found, records, known, frameworks, codes).make()
        classes = set(known.classes) - set(roster.removed_classes)
        classes |= {c.id for c in roster.classes}
        evidence = EvidencePlanner(
            found,
            records,
            self.catalog,
            roster.learners,
            classes,
            today=self.today,
            allow_future=allow_future,
        ).make()
        new = self._new_evidence(evidence, found.problems)
        if found.problems:
            raise OneRosterImportError(path.name, found.problems)
        counts = dict(roster.counts)
        counts["evidence"] = {
            "added": len(new),
            "updated": 0,
            "removed": 0,
            "unchanged": len(evidence.pieces) - len(new),
        }
        report = OneRosterReport(
            path.name,
            dry_run,
            counts,
            {**roster.skipped, **evidence.skipped},
            records.ignored,
        )
        if not dry_run:
            self._write(path, viewer, roster, new, demo=demo)
            if self.after_import is not None:
                self.after_import()
        return report

    def _frameworks(
        self, default: str | None, course_map: Path | None, problems: list[Problem]
    ) -> Frameworks:
        chosen = None
        if default:
            framework = self.catalog.framework(default)
            if framework is None:
                problems.append(Problem("--framework", 1, f"unknown framework {default!r}"))
            else:
                chosen = framework.identifier
        mapped = (
            read_course_map(course_map, self.catalog, problems, self.max_bytes)
            if course_map
            else {}
        )
        return Frameworks(mapped, chosen)

    def _new_evidence(self, plan: EvidencePlan, problems: list[Problem]) -> list[EvidencePiece]:
        pieces = [piece for _, piece in plan.pieces]
        where = {id(piece): at for at, piece in plan.pieces}
        with self.db.session() as session:
            new, conflicts = sort_evidence(session, pieces)
        problems.extend(where[id(item)].problem(p.reason) for item, p in conflicts)
        return new

    def _write(
        self,
        path: Path,
        viewer: Viewer,
        roster: RosterPlan,
        new: list[EvidencePiece],
        *,
        demo: bool,
    ) -> None:
        touched = {p.learner_id for p in roster.people if p.learner_id}
        touched |= {child for p in roster.people for child in p.children or ()}
        with self.db.session() as session:
            before = learner_state(session, touched)
            for item in roster.classes:
                write_class(session, item)
            session.flush()
            attributes_before = attribute_state(session, touched)
            for person in roster.people:
                write_person(session, person, demo=demo)
            session.flush()
            now = utc_now()
            for person in roster.people:
                if person.learner_id and person.attributes:
                    write_attributes(
                        session, person.learner_id, person.attributes, person.source, now
                    )
            for login in roster.removed_logins:
                remove_login(session, login)
            for class_id in roster.removed_classes:
                remove_class(session, class_id)
            session.flush()
            attributes_after = attribute_state(session, touched)
            changed = [
                k
                for k, state in learner_state(session, touched).items()
                if before.get(k) != state or attributes_before.get(k) != attributes_after.get(k)
            ]
            what = f"OneRoster import {path.name}"
            if new:
                record = EvidenceImport(
                    file_name=path.name[:255],
                    sha256=_digest(path),
                    rows=len(new),
                    added=0,
                    imported_by=viewer.user_id,
                    imported_at=datetime.now(),
                )
                changed = sorted(set(changed) | record_evidence(session, new, record))
            self.policy.audit.record(viewer, "change", changed, what, session=session)


def _digest(path: Path) -> str:
    """The sha256 of the zip file, or of the folder's files in name order."""
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.iterdir() if p.is_file())
    for file in files:
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()
