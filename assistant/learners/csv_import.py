"""Evidence CSV import: all-or-nothing per file, idempotent, every bad row listed.

Columns: learner_id, competency, score, observed_at (required) and max_score, evidence_type,
source, note (optional); other columns are ignored. `competency` is a code, a CASE identifier,
URI or alias. `score` is on the competency's proficiency scale unless max_score is given, when
score/max_score maps linearly onto the scale. `observed_at` is an ISO date or date-time.

A piece of evidence is identified by learner, competency, observed_at, evidence_type and source.
A row identical to one already recorded is skipped (so re-importing a file adds nothing); a row
with that identity but a different score is refused: evidence is never silently rewritten.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.errors import EvidenceImportError, RowProblem
from assistant.frameworks.catalog import CatalogEntry, FrameworkCatalog
from assistant.learners.access import AccessPolicy, Viewer
from assistant.learners.csv_rows import (
    DEFAULT_MAX_BYTES,
    CsvRow,
    DateRangeError,
    parse_number,
    parse_when,
    read_csv,
    shown,
)
from assistant.learners.db import Evidence, EvidenceImport, LearnerDatabase

REQUIRED = ("learner_id", "competency", "score", "observed_at")
LIMITS = {"evidence_type": 100, "source": 200, "note": 2000}
Identity = tuple[str, str, datetime, str, str]
BATCH = 500  # ids per query: far below any database's limit on bound parameters


@dataclass(frozen=True)
class ImportReport:
    path: str
    rows: int
    added: int
    unchanged: int

    def as_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "rows": self.rows,
            "added": self.added,
            "unchanged": self.unchanged,
        }


@dataclass(frozen=True)
class _Parsed:
    line: int
    learner_id: str
    competency_id: str
    code: str
    score: float
    max_score: float | None
    level: float
    observed_at: datetime
    evidence_type: str
    source: str
    note: str

    @property
    def identity(self) -> Identity:
        return (
            self.learner_id,
            self.competency_id,
            self.observed_at,
            self.evidence_type,
            self.source,
        )


class EvidenceImporter:
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

    def import_file(
        self, path: Path, viewer: Viewer, *, allow_future: bool = False
    ) -> ImportReport:
        """Import every row or none. allow_future accepts dates after today (fixed demo data
        on a machine whose clock is behind)."""
        _, rows, raw = read_csv(path, REQUIRED, EvidenceImportError, max_bytes=self.max_bytes)
        if viewer.role not in ("teacher", "admin"):
            self.policy.require_record(viewer, [])
        learner_ids = sorted({row.values["learner_id"] for row in rows})
        allowed = frozenset[str]().union(
            *(
                self.policy.visible(viewer, learner_ids[start : start + BATCH])
                for start in range(0, len(learner_ids), BATCH)
            )
        )
        problems: list[RowProblem] = []
        parsed: list[_Parsed] = []
        first_line: dict[Identity, int] = {}
        for row in rows:
            found, reasons = self._parse(row, allowed, viewer, allow_future)
            problems.extend(RowProblem(row.line, reason) for reason in reasons)
            if found is None:
                continue
            if found.identity in first_line:
                problems.append(
                    RowProblem(row.line, f"duplicate of line {first_line[found.identity]}")
                )
                continue
            first_line[found.identity] = row.line
            parsed.append(found)
        with self.db.session() as session:
            existing = self._existing(session, parsed)
            new: list[_Parsed] = []
            for item in parsed:
                before = existing.get(item.identity)
                if before is None:
                    new.append(item)
                elif not _same(before, item):
                    problems.append(
                        RowProblem(
                            item.line,
                            f"conflicts with evidence already recorded for this learner, "
                            f"competency, date, type and source (score {before[0]:g}); add a "
                            "new dated piece of evidence instead of changing an old one",
                        )
                    )
            if problems:
                raise EvidenceImportError(path.name, problems)
            if new:
                record = EvidenceImport(
                    file_name=path.name,
                    sha256=hashlib.sha256(raw).hexdigest(),
                    rows=len(rows),
                    added=len(new),
                    imported_by=viewer.user_id,
                    imported_at=datetime.now(),
                )
                session.add(record)
                session.flush()
                session.add_all(_evidence(item, record.id) for item in new)
                self.policy.audit.record(
                    viewer,
                    "change",
                    {item.learner_id for item in new},
                    f"evidence import {path.name}",
                    session=session,
                )
        return ImportReport(path.name, len(rows), len(new), len(parsed) - len(new))

    def _parse(
        self, row: CsvRow, allowed: frozenset[str], viewer: Viewer, allow_future: bool
    ) -> tuple[_Parsed | None, list[str]]:
        reasons: list[str] = []
        if row.has_extra_cells:
            reasons.append("more cells than the header has columns")
        learner_id = row.get("learner_id")
        if not learner_id:
            reasons.append("learner_id is empty")
        elif learner_id not in allowed:
            reasons.append(
                f"unknown learner {shown(learner_id)}"
                if viewer.role == "admin"
                else f"learner {shown(learner_id)} is not one of {viewer.user_id}'s learners"
            )
        competency = self._competency(row.get("competency"), reasons)
        score, max_score = self._score(row, competency, reasons)
        observed_at = self._when(row.get("observed_at"), reasons, allow_future)
        for name, limit in LIMITS.items():
            if len(row.get(name)) > limit:
                reasons.append(f"{name} is longer than {limit} characters")
        if reasons or competency is None or score is None or observed_at is None:
            return None, reasons
        scale = self.catalog.scale(competency.identifier)
        return _Parsed(
            line=row.line,
            learner_id=learner_id,
            competency_id=competency.identifier,
            code=competency.code,
            score=score,
            max_score=max_score,
            level=round(scale.from_raw(score, max_score), 6),
            observed_at=observed_at,
            evidence_type=row.get("evidence_type"),
            source=row.get("source"),
            note=row.get("note"),
        ), []

    def _competency(self, key: str, reasons: list[str]) -> CatalogEntry | None:
        if not key:
            reasons.append("competency is empty")
            return None
        matches = self.catalog.matches(key)
        if not matches:
            reasons.append(f"unknown competency {shown(key)}")
        elif len(matches) > 1:
            where = ", ".join(m.framework_title for m in matches)
            reasons.append(f"competency code {shown(key)} is ambiguous ({where})")
        elif not self.catalog.is_assessable(matches[0].identifier):
            kind = matches[0].item.item_type or "group"
            reasons.append(
                f"{matches[0].code} is a {kind} of competencies, not a competency evidence "
                "can be recorded on"
            )
        else:
            return matches[0]
        return None

    def _score(
        self, row: CsvRow, competency: CatalogEntry | None, reasons: list[str]
    ) -> tuple[float | None, float | None]:
        score = parse_number(row.get("score"), "score", reasons)
        max_score = parse_number(row.get("max_score"), "max_score", reasons, optional=True)
        if max_score is not None and max_score <= 0:
            reasons.append(f"max_score must be above 0, not {max_score:g}")
            return None, None
        if score is None:
            return None, max_score
        if max_score is not None:
            if not 0 <= score <= max_score:
                reasons.append(f"score {score:g} is outside 0 to {max_score:g} (max_score)")
                return None, max_score
            return score, max_score
        if competency is not None:
            scale = self.catalog.scale(competency.identifier)
            if not scale.minimum <= score <= scale.maximum:
                reasons.append(
                    f"score {score:g} is outside the proficiency scale {scale.minimum:g} to "
                    f"{scale.maximum:g} of {competency.code} (give max_score for raw marks)"
                )
                return None, None
        return score, None

    def _when(self, text: str, reasons: list[str], allow_future: bool) -> datetime | None:
        if not text:
            reasons.append("observed_at is empty")
            return None
        try:
            moment = parse_when(text)
        except DateRangeError as exc:
            reasons.append(f"observed_at {shown(text)} is not a plausible date ({exc})")
            return None
        except ValueError:
            reasons.append(f"observed_at {shown(text)} is not a date (use YYYY-MM-DD)")
            return None
        if not allow_future and moment.date() > self.today():
            reasons.append(f"observed_at {text} is in the future")
            return None
        return moment

    @staticmethod
    def _existing(
        session: Session, parsed: Sequence[_Parsed]
    ) -> dict[Identity, tuple[float, float | None, str]]:
        learners = sorted({p.learner_id for p in parsed})
        found: dict[Identity, tuple[float, float | None, str]] = {}
        for start in range(0, len(learners), BATCH):
            batch = learners[start : start + BATCH]
            for row in session.scalars(select(Evidence).where(Evidence.learner_id.in_(batch))):
                identity = (
                    row.learner_id,
                    row.competency_id,
                    row.observed_at,
                    row.evidence_type,
                    row.source,
                )
                found[identity] = (row.score, row.max_score, row.note)
        return found


def _same(before: tuple[float, float | None, str], item: _Parsed) -> bool:
    score, max_score, note = before
    same_max = (max_score is None and item.max_score is None) or (
        max_score is not None
        and item.max_score is not None
        and math.isclose(max_score, item.max_score)
    )
    return math.isclose(score, item.score) and same_max and note == item.note


def _evidence(item: _Parsed, import_id: int) -> Evidence:
    return Evidence(
        learner_id=item.learner_id,
        competency_id=item.competency_id,
        competency_code=item.code,
        score=item.score,
        max_score=item.max_score,
        level=item.level,
        observed_at=item.observed_at,
        evidence_type=item.evidence_type,
        source=item.source,
        note=item.note,
        import_id=import_id,
    )
