"""`PrivacyService`: forget a learner and prove it (rows and bytes), and apply retention."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from assistant.errors import AccessDeniedError, UnknownRecordError, WaypointError
from assistant.index.records import IndexRecords
from assistant.index.vectorstore import EmbeddedStoreFile
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.audit import Actor, AuditLog
from assistant.learners.db import Learner, LearnerDatabase, User
from assistant.learners.text_scan import LearnerDatabaseScan, sqlite_file
from assistant.privacy.forget import ForgetReport, delete_all, drop_legacy_query_vectors
from assistant.privacy.proof import LEARNER_DB, ProofReport, Prover
from assistant.privacy.retention import RetentionReport, apply_retention
from assistant.privacy.sqlite_files import Checkpoint, checkpoint, vacuum
from assistant.privacy.subject import Subject, load_subject

FORGOTTEN_PREFIX = "forgotten:"


class PrivacyService:
    def __init__(
        self,
        db: LearnerDatabase,
        records: IndexRecords,
        *,
        salt_path: Path,
        audit_retention_days: int = 730,
        feedback_retention_days: int = 365,
        attribute_retention_days: int = 400,
        embedder_name: Callable[[], str] | None = None,
        chroma_file: Path | None = None,
        audit: AuditLog | None = None,
    ) -> None:
        self.db = db
        self.records = records
        self.salt_path = salt_path
        self.audit_retention_days = audit_retention_days
        self.feedback_retention_days = feedback_retention_days
        self.attribute_retention_days = attribute_retention_days
        self.embedder_name = embedder_name
        self.chroma_file = chroma_file
        self.audit = audit or AuditLog(db)
        self.prover = Prover([LearnerDatabaseScan(db), records, EmbeddedStoreFile(chroma_file)])

    # forget ------------------------------------------------------------------------------
    def forget(self, learner_id: str, viewer: Actor = LOCAL_ADMIN) -> ForgetReport:
        """Delete everything about one learner (one transaction), overwrite what the deleted
        rows left on disk, then prove it."""
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
            subject = load_subject(session, learner.id, learner.name, account)
        # Another database, so not part of the transaction below; harmless if that then fails.
        dropped = drop_legacy_query_vectors(self.records, self.embedder_name)
        key = self.deletion_key(learner_id)
        try:
            with self.db.session() as session:
                deletion = delete_all(session, subject)
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
        proof = self._overwrite_and_prove(subject, index_changed=dropped > 0)
        return ForgetReport(
            learner_id,
            key,
            deletion.deleted,
            deletion.redacted,
            dropped,
            deletion.parents_without_children,
            proof,
        )

    def _overwrite_and_prove(self, subject: Subject, *, index_changed: bool) -> ProofReport:
        """Checkpoint the SQLite files that changed, so the zeros secure_delete wrote reach the
        database file and the log with the old pages is emptied; rebuild the learner database
        file if bytes from before secure_delete are still found; then prove."""
        learner_file = sqlite_file(self.db.url)
        files = [p for p in (learner_file,) if p is not None]
        files += [self.records.db_path] if index_changed else []
        results = {path: checkpoint(path) for path in files}
        proof = self._prove(subject, results)
        if (
            learner_file is not None
            and results[learner_file].complete
            and proof.places_in(LEARNER_DB)
        ):
            results[learner_file] = vacuum(learner_file)
            proof = self._prove(subject, results, rebuilt=True)
        return proof

    def _prove(
        self, subject: Subject, results: dict[Path, Checkpoint], *, rebuilt: bool = False
    ) -> ProofReport:
        notes = [_pending_note(path, result) for path, result in results.items()]
        if rebuilt:
            notes.append(
                "learner database: bytes of rows deleted before secure_delete was on were "
                "found, so the file was rebuilt from its live rows (VACUUM)"
            )
        proof = self.prover.prove(
            subject, removal_pending=not all(r.complete for r in results.values())
        )
        return replace(proof, notes=proof.notes + tuple(n for n in notes if n))

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

    # proof -------------------------------------------------------------------------------
    def prove(self, learner_id: str, name: str, *, account: str | None = None) -> ProofReport:
        """Rows that still name this learner (id, account or name), per table of the learner
        database, the index records and the embedded vector store file, and places in those
        files' raw bytes that still hold them."""
        with self.db.session() as session:
            subject = load_subject(session, learner_id, name, account)
        return self.prover.prove(subject)

    # retention ---------------------------------------------------------------------------
    def retention(self, *, apply: bool = False, now: datetime | None = None) -> RetentionReport:
        """Audit entries, feedback and learner attributes older than their retention; deleted
        only with apply."""
        return apply_retention(
            self.db,
            audit_days=self.audit_retention_days,
            feedback_days=self.feedback_retention_days,
            attribute_days=self.attribute_retention_days,
            apply=apply,
            now=now,
        )


def _pending_note(path: Path, result: Checkpoint) -> str:
    if result.complete:
        return ""
    why = (
        result.error
        or f"{result.copied_frames} of {result.log_frames} logged pages could be copied"
    )
    return (
        f"{path.name}: another program (the app) has this database open, so the old copies of "
        f"the deleted rows could not be overwritten yet ({why}); physical removal completes "
        "when the app restarts"
    )
