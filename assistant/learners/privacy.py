"""Forgetting a learner completely, proving it, and deleting old audit and feedback rows.

`PrivacyService.forget` deletes everything the learner database holds about one learner in one
transaction: evidence (and import records left empty), mastery estimates, overrides,
enrolments, guardianships, the learner, their own student account, feedback about them, by them
or naming them, and their audit rows, which are replaced by one anonymous "delete" row whose
learner id is a salted hash (so the deletion is auditable without identifying anyone). Mentions
of the learner in other rows' free text (another learner's evidence note, an override reason,
an import file name) are replaced by "[removed]". Caches computed from everyone's data (fitted
BKT parameters and the estimates made with them) are dropped and recomputed on demand.

Outside the learner database: the vector index holds only knowledge chunks written by
`waypoint ingest` (never learner data); the embedding cache beside it also keeps vectors of
typed questions, which may name a learner and are stored under a hash that cannot be searched,
so every cached vector that is not of an indexed knowledge chunk is dropped.

`prove` then scans every text column of every table of the learner database and of the index
records (and the embedded Chroma file when there is one) for the learner's id, name and account
id, and reports the rows found per table: all must be 0.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    MetaData,
    String,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from assistant.errors import AccessDeniedError, UnknownRecordError, WaypointError
from assistant.ingest.records import IndexRecords
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.audit import Actor, AuditLog, as_utc_naive, utc_now
from assistant.learners.db import (
    AuditRow,
    BktParameters,
    Enrolment,
    Evidence,
    EvidenceImport,
    Feedback,
    Guardianship,
    Learner,
    LearnerDatabase,
    MasteryEstimateRow,
    MasteryOverride,
    User,
)
from assistant.retrieval.embeddings import content_key

REMOVED = "[removed]"
FORGOTTEN_PREFIX = "forgotten:"
VECTOR_INDEX_NOTE = (
    "vector index: holds only knowledge chunks (guides, resources, framework entries) that "
    "`waypoint ingest` reads from files; learner data is never indexed. Its documents are the "
    "chunks table of the index records, scanned above."
)


def phrase_pattern(phrase: str, *, ignore_case: bool = True) -> re.Pattern[str]:
    """The phrase as a whole (any spacing between words), not as part of a longer word or id:
    "L001" matches in "stu.L001" but not in "L0012"."""
    body = r"\s+".join(re.escape(word) for word in phrase.split())
    return re.compile(rf"(?<![^\W_]){body}(?![^\W_])", re.IGNORECASE if ignore_case else 0)


@dataclass(frozen=True)
class TableScan:
    database: str
    table: str
    rows: int  # rows with a text column that names the learner

    def as_json(self) -> dict[str, object]:
        return {"database": self.database, "table": self.table, "rows": self.rows}


@dataclass(frozen=True)
class ProofReport:
    learner_id: str
    tables: tuple[TableScan, ...]
    notes: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        return all(scan.rows == 0 for scan in self.tables)

    @property
    def remaining(self) -> int:
        return sum(scan.rows for scan in self.tables)

    def as_json(self) -> dict[str, object]:
        return {
            "learner_id": self.learner_id,
            "clean": self.clean,
            "remaining": self.remaining,
            "tables": [scan.as_json() for scan in self.tables],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class ForgetReport:
    learner_id: str
    audit_key: str  # the anonymous learner id of the "delete" audit row
    deleted: dict[str, int]
    redacted: dict[str, int]
    cached_vectors_dropped: int
    parents_without_children: tuple[str, ...]
    proof: ProofReport

    def as_json(self) -> dict[str, object]:
        return {
            "learner_id": self.learner_id,
            "audit_key": self.audit_key,
            "deleted": dict(self.deleted),
            "redacted": dict(self.redacted),
            "cached_vectors_dropped": self.cached_vectors_dropped,
            "parents_without_children": list(self.parents_without_children),
            "proof": self.proof.as_json(),
        }


@dataclass(frozen=True)
class RetentionReport:
    applied: bool
    audit_before: datetime  # UTC
    feedback_before: datetime  # UTC
    audit_rows: int
    feedback_rows: int

    def as_json(self) -> dict[str, object]:
        return {
            "applied": self.applied,
            "audit_before": self.audit_before.isoformat(),
            "feedback_before": self.feedback_before.isoformat(),
            "audit_rows": self.audit_rows,
            "feedback_rows": self.feedback_rows,
        }


@dataclass
class _Subject:
    learner_id: str
    name: str
    account: str | None  # the learner's own student account
    patterns: list[re.Pattern[str]] = field(default_factory=list)
    needles: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, learner_id: str, name: str, account: str | None) -> _Subject:
        terms = list(dict.fromkeys(t for t in (learner_id, name.strip(), account or "") if t))
        return cls(
            learner_id,
            name,
            account,
            [phrase_pattern(term) for term in terms],
            [_needle(term) for term in terms],
        )

    def named_in(self, *texts: object) -> bool:
        return any(
            isinstance(text, str) and pattern.search(text)
            for text in texts
            for pattern in self.patterns
        )

    def redact(self, text: str) -> str:
        for pattern in self.patterns:
            text = pattern.sub(REMOVED, text)
        return text

    def like(self, column: Any) -> ColumnElement[bool]:
        """A cheap SQL prefilter: the column contains one of the terms (any case)."""
        lowered = func.lower(column)
        return or_(*(lowered.like(f"%{needle}%", escape="\\") for needle in self.needles))


class PrivacyService:
    def __init__(
        self,
        db: LearnerDatabase,
        records: IndexRecords,
        *,
        salt_path: Path,
        audit_retention_days: int = 730,
        feedback_retention_days: int = 365,
        embedder_name: Callable[[], str] | None = None,
        chroma_file: Path | None = None,
        audit: AuditLog | None = None,
    ) -> None:
        self.db = db
        self.records = records
        self.salt_path = salt_path
        self.audit_retention_days = audit_retention_days
        self.feedback_retention_days = feedback_retention_days
        self.embedder_name = embedder_name
        self.chroma_file = chroma_file
        self.audit = audit or AuditLog(db)

    # forget ------------------------------------------------------------------------------
    def forget(self, learner_id: str, viewer: Actor = LOCAL_ADMIN) -> ForgetReport:
        """Delete everything about one learner (one transaction), then prove it."""
        if viewer.role != "admin":
            raise AccessDeniedError(
                f"{viewer.user_id} ({viewer.role}) may not delete a learner's data"
            )
        with self.db.session() as session:
            learner = session.get(Learner, learner_id)
            if learner is None:
                raise UnknownRecordError(f"unknown learner {learner_id!r}")
            account = learner.user_id
            if account is not None:
                user = session.get(User, account)
                account = account if user is not None and user.role == "student" else None
            subject = _Subject.of(learner.id, learner.name, account)
        # The cache is another database, so it cannot join the transaction below; it goes
        # first because dropping a cache is harmless even if the deletion then fails.
        dropped = self.drop_cached_query_vectors()
        key = self.deletion_key(learner_id)
        try:
            with self.db.session() as session:
                deleted, redacted, parents = self._delete_all(session, subject)
                self.audit.record(
                    viewer,
                    "delete",
                    [key],
                    "forget-learner: every record of one learner deleted",
                    session=session,
                )
        except SQLAlchemyError as exc:
            reason = str(exc).splitlines()[0][:200]
            raise WaypointError(
                f"forgetting learner {learner_id!r} failed and nothing was deleted: {reason}"
            ) from exc
        proof = self.prove(learner_id, subject.name, account=subject.account)
        return ForgetReport(learner_id, key, deleted, redacted, dropped, parents, proof)

    def _delete_all(
        self, session: Session, subject: _Subject
    ) -> tuple[dict[str, int], dict[str, int], tuple[str, ...]]:
        lid, account = subject.learner_id, subject.account
        deleted: dict[str, int] = {}
        about = [Feedback.learner_id == lid]
        if account:
            about.append(Feedback.user_id == account)
        mentions = or_(*(subject.like(c) for c in _FEEDBACK_TEXT))
        doomed = [
            row.id
            for row in session.scalars(select(Feedback).where(or_(*about, mentions)))
            if row.learner_id == lid
            or (account and row.user_id == account)
            or subject.named_in(row.question, row.answer, row.comment, row.citations)
        ]
        deleted["feedback"] = _count(session, delete(Feedback).where(Feedback.id.in_(doomed)))
        by = [AuditRow.learner_id == lid] + ([AuditRow.user_id == account] if account else [])
        deleted["audit_log"] = _count(session, delete(AuditRow).where(or_(*by)))
        deleted["mastery_estimates"] = _count(
            session,
            delete(MasteryEstimateRow).where(
                or_(
                    MasteryEstimateRow.learner_id == lid, MasteryEstimateRow.model_key.like("bkt:%")
                )
            ),
        )
        deleted["bkt_parameters"] = _count(session, delete(BktParameters))
        deleted["mastery_overrides"] = _count(
            session, delete(MasteryOverride).where(MasteryOverride.learner_id == lid)
        )
        imports = set(
            session.scalars(
                select(Evidence.import_id).where(
                    Evidence.learner_id == lid, Evidence.import_id.is_not(None)
                )
            )
        )
        deleted["evidence"] = _count(session, delete(Evidence).where(Evidence.learner_id == lid))
        still_used = set(
            session.scalars(select(Evidence.import_id).where(Evidence.import_id.in_(imports)))
        )
        deleted["evidence_imports"] = _count(
            session, delete(EvidenceImport).where(EvidenceImport.id.in_(imports - still_used))
        )
        parents = set(
            session.scalars(select(Guardianship.parent_id).where(Guardianship.learner_id == lid))
        )
        deleted["enrolments"] = _count(
            session, delete(Enrolment).where(Enrolment.learner_id == lid)
        )
        deleted["guardianships"] = _count(
            session, delete(Guardianship).where(Guardianship.learner_id == lid)
        )
        deleted["learners"] = _count(session, delete(Learner).where(Learner.id == lid))
        deleted["users"] = (
            _count(session, delete(User).where(User.id == account, User.role == "student"))
            if account
            else 0
        )
        redacted = {
            f"{model.__tablename__}.{name}": _redact(session, model, name, subject)
            for model, name in _FREE_TEXT
        }
        still_parents = set(
            session.scalars(
                select(Guardianship.parent_id).where(Guardianship.parent_id.in_(parents))
            )
        )
        return deleted, redacted, tuple(sorted(parents - still_parents))

    def deletion_key(self, learner_id: str) -> str:
        """The anonymous id a forgotten learner has in the audit log: an HMAC of the id with
        this installation's secret salt (so ids cannot be guessed from the log alone, and an
        administrator can still check whether a given id was forgotten)."""
        digest = hmac.new(self._salt(), learner_id.encode(), hashlib.sha256).hexdigest()
        return f"{FORGOTTEN_PREFIX}{digest[:40]}"

    def _salt(self) -> bytes:
        if not self.salt_path.exists():
            self.salt_path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.salt_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32))
        return self.salt_path.read_text(encoding="ascii").strip().encode()

    def drop_cached_query_vectors(self) -> int:
        """Drop every cached embedding that is not of an indexed knowledge chunk (typed
        questions, which may name a learner, and other recomputable vectors)."""
        try:
            name = self.embedder_name() if self.embedder_name else None
        except WaypointError:
            name = None
        with closing(_open(self.records.db_path)) as conn, conn:
            keep = (
                [(content_key(name, text),) for (text,) in conn.execute("SELECT text FROM chunks")]
                if name
                else []
            )
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS keep_vectors (key TEXT PRIMARY KEY)")
            conn.execute("DELETE FROM keep_vectors")
            conn.executemany("INSERT OR IGNORE INTO keep_vectors VALUES (?)", keep)
            cursor = conn.execute(
                "DELETE FROM embedding_cache WHERE key NOT IN (SELECT key FROM keep_vectors)"
            )
            return max(cursor.rowcount, 0)

    # proof -------------------------------------------------------------------------------
    def prove(self, learner_id: str, name: str, *, account: str | None = None) -> ProofReport:
        """Rows that still name this learner (id, name or account id), per table of the
        learner database, the index records and the embedded vector store file."""
        subject = _Subject.of(learner_id, name, account)
        notes = [VECTOR_INDEX_NOTE]
        tables = self._scan_learner_db(subject)
        tables += _scan_sqlite("index records", self.records.db_path, subject, notes)
        if self.chroma_file is not None and self.chroma_file.is_file():
            tables += _scan_sqlite("vector store", self.chroma_file, subject, notes)
        else:
            notes.append("vector store: no embedded Chroma file here (server mode or not built)")
        return ProofReport(learner_id, tuple(tables), tuple(notes))

    def _scan_learner_db(self, subject: _Subject) -> list[TableScan]:
        meta = MetaData()
        meta.reflect(self.db.engine)
        found = []
        with self.db.session() as session:
            for table in meta.sorted_tables:
                columns = [c for c in table.columns if isinstance(c.type, String)]
                rows = 0
                if columns:
                    query = select(*columns).where(or_(*(subject.like(c) for c in columns)))
                    rows = sum(1 for row in session.execute(query) if subject.named_in(*row))
                found.append(TableScan("learner database", table.name, rows))
        return found

    # retention ---------------------------------------------------------------------------
    def retention(self, *, apply: bool = False, now: datetime | None = None) -> RetentionReport:
        """Audit entries and feedback older than their retention; deleted only with apply."""
        moment = as_utc_naive(now) if now is not None else utc_now()
        audit_before = moment - timedelta(days=self.audit_retention_days)
        feedback_before = moment - timedelta(days=self.feedback_retention_days)
        old_audit = AuditRow.at < audit_before
        old_feedback = Feedback.created_at < feedback_before
        with self.db.session() as session:
            if apply:
                audit_rows = _count(session, delete(AuditRow).where(old_audit))
                feedback_rows = _count(session, delete(Feedback).where(old_feedback))
            else:
                audit_rows = _scalar(session, old_audit, AuditRow.id)
                feedback_rows = _scalar(session, old_feedback, Feedback.id)
        return RetentionReport(apply, audit_before, feedback_before, audit_rows, feedback_rows)


_FEEDBACK_TEXT = (Feedback.question, Feedback.answer, Feedback.comment, Feedback.citations)
# Free text of other records that may mention a learner by name: redacted, not deleted.
_FREE_TEXT: tuple[tuple[Any, str], ...] = (
    (Evidence, "note"),
    (Evidence, "source"),
    (EvidenceImport, "file_name"),
    (MasteryOverride, "reason"),
    (AuditRow, "what"),
)


def _needle(term: str) -> str:
    """The longest word of a term, lower-cased and escaped for LIKE (the regex confirms)."""
    word = max(term.split(), key=len).lower()
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _count(session: Session, statement: Any) -> int:
    result = cast(CursorResult[Any], session.execute(statement))
    return max(result.rowcount, 0)


def _scalar(session: Session, condition: ColumnElement[bool], column: Any) -> int:
    return int(session.scalar(select(func.count(column)).where(condition)) or 0)


def _redact(session: Session, model: Any, name: str, subject: _Subject) -> int:
    column = getattr(model, name)
    limit = getattr(model.__table__.columns[name].type, "length", None)
    changed = 0
    for row_id, text in session.execute(select(model.id, column).where(subject.like(column))):
        if isinstance(text, str) and subject.named_in(text):
            new = subject.redact(text)
            session.execute(
                update(model)
                .where(model.id == row_id)
                .values({name: new[:limit] if limit else new})
            )
            changed += 1
    return changed


def _open(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    return sqlite3.connect(path, timeout=30)


def _scan_sqlite(label: str, path: Path, subject: _Subject, notes: list[str]) -> list[TableScan]:
    """Rows naming the learner in every table (text columns) of a SQLite file."""
    if not path.is_file():
        return []
    found = []
    conn = _open(path, read_only=True)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "ORDER BY name"
            )
        ]
        for table in tables:
            columns = _text_columns(conn, table)
            if not columns:
                found.append(TableScan(label, table, 0))
                continue
            where = " OR ".join(
                f"lower(\"{c}\") LIKE ? ESCAPE '\\'" for c in columns for _ in subject.needles
            )
            params = [f"%{n}%" for _ in columns for n in subject.needles]
            names = ", ".join(f'"{c}"' for c in columns)
            try:
                cursor = conn.execute(f'SELECT {names} FROM "{table}" WHERE {where}', params)
                rows = sum(1 for row in cursor if subject.named_in(*row))
            except sqlite3.DatabaseError as exc:
                # e.g. a full-text index whose module this Python lacks: its text is also in
                # its content table, which is scanned.
                notes.append(f"{label}: {table} not scanned ({exc})")
                continue
            found.append(TableScan(label, table, rows))
    finally:
        conn.close()
    return found


def _text_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    columns = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
    return [
        str(column[1])
        for column in columns
        if not column[2] or any(t in str(column[2]).upper() for t in ("TEXT", "CHAR", "CLOB"))
    ]
