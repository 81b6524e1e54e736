"""Evidence CSV import: all-or-nothing per file, idempotent, every bad row listed.

Columns: learner_id, competency, score, observed_at (required) and max_score, evidence_type,
source, note (optional); other columns are ignored. `competency` is a code, a CASE identifier,
URI or alias. `score` is on the competency's proficiency scale unless max_score is given, when
score/max_score maps linearly onto the scale. `observed_at` is an ISO date or date-time.

A piece of evidence is identified by learner, competency, observed_at, evidence_type and source.
A row identical to one already recorded is skipped (so re-importing a file adds nothing); a row
with that identity but a different score is refused: evidence is never silently rewritten.

Memory stays bounded whatever the size of the file (up to the upload limit): the file is read
twice from its bytes, a batch of rows at a time. The first reading checks every row and lists
every bad one, keeping only a digest of each row's identity (to name duplicates); the second,
in one transaction, writes the rows that are new. A file with a bad row writes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from assistant.csv_rows import (
    DEFAULT_MAX_BYTES,
    CsvRow,
    DateRangeError,
    parse_csv,
    parse_number,
    parse_when,
    read_bytes,
    shown,
)
from assistant.errors import EvidenceImportError, RowProblem
from assistant.frameworks.catalog import CatalogEntry, FrameworkCatalog
from assistant.imports.evidence_store import (
    BATCH,
    EvidencePiece,
    conflict,
    digest,
    evidence_row,
    recorded,
    same,
)
from assistant.learners.access import AccessPolicy, Viewer
from assistant.learners.db import Evidence, EvidenceImport, LearnerDatabase

REQUIRED = ("learner_id", "competency", "score", "observed_at")
LIMITS = {"evidence_type": 100, "source": 200, "note": 2000}


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
        # Called after an import that added evidence (the leaders' figures are recomputed).
        self.after_import: Callable[[], None] | None = None

    def import_file(
        self, path: Path, viewer: Viewer, *, allow_future: bool = False
    ) -> ImportReport:
        """Import every row or none. allow_future accepts dates after today (fixed demo data
        on a machine whose clock is behind)."""
        raw = read_bytes(path, EvidenceImportError, self.max_bytes)
        _, rows = parse_csv(raw, path, REQUIRED, EvidenceImportError)
        if viewer.role not in ("teacher", "admin"):
            self.policy.require_record(viewer, [])
        visible = _Visible(self.policy, viewer)
        count, problems = self._check(rows, visible, viewer, allow_future)
        if problems:
            raise EvidenceImportError(path.name, problems)
        _, rows = parse_csv(raw, path, REQUIRED, EvidenceImportError)
        record = EvidenceImport(
            file_name=path.name,
            sha256=hashlib.sha256(raw).hexdigest(),
            rows=count,
            added=0,
            imported_by=viewer.user_id,
            imported_at=datetime.now(),
        )
        with self.db.session() as session:
            learners = self._write(session, rows, visible, viewer, allow_future, record)
            if record.added:
                self.policy.audit.record(
                    viewer, "change", learners, f"evidence import {path.name}", session=session
                )
        if record.added and self.after_import is not None:
            self.after_import()
        return ImportReport(path.name, count, record.added, count - record.added)

    def _check(
        self, rows: Iterator[CsvRow], visible: _Visible, viewer: Viewer, allow_future: bool
    ) -> tuple[int, list[RowProblem]]:
        """Read every row: how many there are and every problem, by line."""
        problems: list[RowProblem] = []
        first_line: dict[bytes, int] = {}  # a digest of each identity: the line it is on
        count = 0
        with self.db.session() as session:
            for batch in _batches(rows):
                count += len(batch)
                allowed = visible.among(row.get("learner_id") for row in batch)
                parsed: list[EvidencePiece] = []
                for row in batch:
                    found, reasons = self._parse(row, allowed, viewer, allow_future)
                    problems.extend(RowProblem(row.line, reason) for reason in reasons)
                    if found is None:
                        continue
                    key = digest(found.identity)
                    if key in first_line:
                        problems.append(
                            RowProblem(row.line, f"duplicate of line {first_line[key]}")
                        )
                        continue
                    first_line[key] = row.line
                    parsed.append(found)
                existing = recorded(session, parsed)
                problems.extend(
                    conflict(item, existing[item.identity])
                    for item in parsed
                    if item.identity in existing and not same(existing[item.identity], item)
                )
        return count, problems

    def _write(
        self,
        session: Session,
        rows: Iterator[CsvRow],
        visible: _Visible,
        viewer: Viewer,
        allow_future: bool,
        record: EvidenceImport,
    ) -> set[str]:
        """Write the rows not recorded yet, as evidence of `record` (added to the session with
        the first of them); the learners they are about."""
        learners: set[str] = set()
        for batch in _batches(rows):
            allowed = visible.among(row.get("learner_id") for row in batch)
            parsed = [self._parse(row, allowed, viewer, allow_future)[0] for row in batch]
            checked = [item for item in parsed if item is not None]
            existing = recorded(session, checked)
            new: list[EvidencePiece] = []
            for item in checked:
                before = existing.get(item.identity)
                if before is None:
                    new.append(item)
                elif not same(before, item):  # recorded since the file was checked
                    raise EvidenceImportError(record.file_name, [conflict(item, before)])
            if not new:
                continue
            if record.id is None:
                session.add(record)
                session.flush()
            session.execute(insert(Evidence), [evidence_row(item, record.id) for item in new])
            record.added += len(new)
            learners.update(item.learner_id for item in new)
        return learners

    def _parse(
        self, row: CsvRow, allowed: frozenset[str], viewer: Viewer, allow_future: bool
    ) -> tuple[EvidencePiece | None, list[str]]:
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
        return EvidencePiece(
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


class _Visible:
    """Which learners the viewer may record evidence on, asked once per learner."""

    def __init__(self, policy: AccessPolicy, viewer: Viewer) -> None:
        self.policy = policy
        self.viewer = viewer
        self._known: dict[str, bool] = {}

    def among(self, learner_ids: Iterable[str]) -> frozenset[str]:
        """Those of these learners the viewer may record evidence on."""
        wanted = {i for i in learner_ids if i}
        unknown = sorted(wanted - self._known.keys())
        if unknown:
            allowed = self.policy.visible(self.viewer, unknown)
            self._known.update((i, i in allowed) for i in unknown)
        return frozenset(i for i in wanted if self._known[i])


def _batches(rows: Iterator[CsvRow]) -> Iterator[list[CsvRow]]:
    while batch := list(islice(rows, BATCH)):
        yield batch
