"""Everything Waypoint holds about one learner, for the learner or a parent (right of access).

One JSON file with every table's rows about the learner (profile, account, enrolments,
guardians, evidence, overrides, estimates, feedback, audit entries) and one CSV file per table,
written with formula-safe cells (assistant/csv_safety.py). Who may ask: the learner's own student
account, a parent of theirs, an administrator; anyone else is refused in the same words as for
an id that does not exist. Each export is audited as a view of the learner, and a refusal as a
refused attempt.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from assistant.csv_safety import write_csv
from assistant.errors import AccessDeniedError, WaypointError
from assistant.learners.access import AccessPolicy, Viewer
from assistant.learners.db import (
    AuditRow,
    Enrolment,
    Evidence,
    Feedback,
    Guardianship,
    IssuedCredential,
    Learner,
    LearnerDatabase,
    MasteryEstimateRow,
    MasteryOverride,
    SchoolClass,
    User,
)

EXPORT_PURPOSE = "export of everything held about them (right of access)"
SUBJECT_ROLES = ("student", "parent", "admin")
JSON_FILE = "learner.json"


@dataclass(frozen=True)
class ExportTable:
    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]

    def as_json(self) -> list[dict[str, object]]:
        return [
            {column: _plain(value) for column, value in zip(self.columns, row, strict=True)}
            for row in self.rows
        ]


@dataclass(frozen=True)
class LearnerExport:
    learner_id: str
    exported_at: datetime  # UTC
    exported_by: str
    role: str
    tables: tuple[ExportTable, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "learner_id": self.learner_id,
            "exported_at": self.exported_at.isoformat(),
            "exported_by": {"user_id": self.exported_by, "role": self.role},
            "tables": {table.name: table.as_json() for table in self.tables},
        }


class LearnerExporter:
    def __init__(self, db: LearnerDatabase, access: AccessPolicy) -> None:
        self.db = db
        self.access = access

    def collect(self, viewer: Viewer, learner_id: str) -> LearnerExport:
        """Every row about the learner, if this viewer may have it (audited either way)."""
        if viewer.role not in SUBJECT_ROLES:
            self.access.audit.record(viewer, "refused", [learner_id], EXPORT_PURPOSE)
            raise AccessDeniedError(
                f"{viewer.user_id} ({viewer.role}) may not see learner {learner_id!r}"
            )
        self.access.grant(viewer, [learner_id], purpose=EXPORT_PURPOSE)
        with self.db.session() as session:
            tables = _tables(session, learner_id)
        return LearnerExport(
            learner_id, datetime.now(UTC), viewer.user_id, viewer.role, tuple(tables)
        )

    @staticmethod
    def write(export: LearnerExport, folder: Path) -> list[Path]:
        """learner.json and one CSV per table in `folder`, a new or empty folder, all or
        nothing; only the owner may read them (they hold personal data)."""
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise WaypointError(f"{folder} already exists and is not an empty folder")
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        names = [JSON_FILE] + [f"{table.name}.csv" for table in export.tables]
        try:
            text = json.dumps(export.as_json(), indent=2, ensure_ascii=False) + "\n"
            (staging / JSON_FILE).write_text(text, encoding="utf-8")
            for table in export.tables:
                rows = ([_cell(v) for v in row] for row in table.rows)
                write_csv(rows, table.columns, staging / f"{table.name}.csv", bom=True)
            for name in names:
                (staging / name).chmod(0o600)
            if folder.exists():
                folder.rmdir()
            os.replace(staging, folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return [folder / name for name in names]


def default_folder(learner_id: str) -> Path:
    """waypoint-export-ID in the current folder (the id made safe as a file name)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", learner_id).strip("._") or "learner"
    return Path(f"waypoint-export-{safe}")


def _tables(session: Session, learner_id: str) -> list[ExportTable]:
    learner = session.get(Learner, learner_id)
    account = learner.user_id if learner is not None else None
    own = [account] if account else []
    mine = (Feedback.learner_id == learner_id, Feedback.user_id.in_(own))
    about = (AuditRow.learner_id == learner_id, AuditRow.user_id.in_(own))
    return [
        _model_table(session, "profile", Learner, Learner.id == learner_id),
        _model_table(session, "account", User, User.id.in_(own)),
        _joined(
            session,
            "enrolments",
            ("class_id", "class_name"),
            select(Enrolment.class_id, SchoolClass.name)
            .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
            .where(Enrolment.learner_id == learner_id)
            .order_by(Enrolment.class_id),
        ),
        _joined(
            session,
            "guardians",
            ("parent_id", "parent_name"),
            select(Guardianship.parent_id, User.name)
            .join(User, User.id == Guardianship.parent_id)
            .where(Guardianship.learner_id == learner_id)
            .order_by(Guardianship.parent_id),
        ),
        _model_table(session, "evidence", Evidence, Evidence.learner_id == learner_id),
        _model_table(
            session, "overrides", MasteryOverride, MasteryOverride.learner_id == learner_id
        ),
        _model_table(
            session, "estimates", MasteryEstimateRow, MasteryEstimateRow.learner_id == learner_id
        ),
        _model_table(session, "feedback", Feedback, or_(*mine)),
        _model_table(session, "audit", AuditRow, or_(*about)),
        _model_table(
            session, "credentials", IssuedCredential, IssuedCredential.learner_id == learner_id
        ),
    ]


def _model_table(session: Session, name: str, model: Any, where: Any) -> ExportTable:
    columns = list(model.__table__.columns)
    order = list(model.__table__.primary_key.columns)
    rows = session.scalars(select(model).where(where).order_by(*order))
    return ExportTable(
        name,
        tuple(c.name for c in columns),
        tuple(tuple(getattr(row, c.key) for c in columns) for row in rows),
    )


def _joined(session: Session, name: str, columns: Sequence[str], query: Any) -> ExportTable:
    return ExportTable(name, tuple(columns), tuple(tuple(row) for row in session.execute(query)))


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _plain(value)
