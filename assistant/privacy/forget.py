"""Deleting every row about one learner, and redacting their name in other people's records.

Everything the learner database holds about one learner goes in one transaction: evidence (and
import records left empty), mastery estimates, overrides, enrolments, guardianships, the
attributes a school imported for equity figures, their attendance at recorded interventions,
the learner, their own student account, feedback about them, by them or naming them, and their
audit rows. Mentions of the learner in other rows' free text (another learner's evidence note
or source, an override reason, an import file name, an audit description) are replaced by
"[removed]". Caches computed from everyone's data (fitted BKT parameters and the estimates made
with them, the leaders' precomputed school figures) are dropped and recomputed on demand. The
learner's issued credentials are emptied but their rows stay, revoked, holding their
status-list index.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from assistant.errors import WaypointError
from assistant.index.records import IndexRecords
from assistant.learners.audit import utc_now
from assistant.learners.db import (
    AuditRow,
    BktParameters,
    Enrolment,
    Evidence,
    EvidenceImport,
    Feedback,
    Guardianship,
    IssuedCredential,
    LeaderSnapshot,
    Learner,
    LearnerAttribute,
    MasteryEstimateRow,
    MasteryOverride,
    User,
)
from assistant.learners.db_connect import ApiToken, LtiMentee, LtiUserLink
from assistant.learners.db_teams import InterventionLearner
from assistant.privacy.proof import ProofReport
from assistant.privacy.retention import count
from assistant.privacy.subject import FREE_TEXT, Subject
from assistant.retrieval.embeddings import content_key

_FEEDBACK_TEXT = (Feedback.question, Feedback.answer, Feedback.comment, Feedback.citations)


@dataclass(frozen=True)
class ForgetReport:
    learner_id: str
    audit_key: str  # the anonymous learner id of the "delete" audit row
    deleted: dict[str, int]
    redacted: dict[str, int]
    # Vectors of typed questions that an earlier version kept in the embedding cache.
    legacy_query_vectors_dropped: int
    parents_without_children: tuple[str, ...]
    proof: ProofReport

    def as_json(self) -> dict[str, object]:
        return {
            "learner_id": self.learner_id,
            "audit_key": self.audit_key,
            "deleted": dict(self.deleted),
            "redacted": dict(self.redacted),
            "legacy_query_vectors_dropped": self.legacy_query_vectors_dropped,
            "parents_without_children": list(self.parents_without_children),
            "proof": self.proof.as_json(),
        }


@dataclass(frozen=True)
class Deletion:
    deleted: dict[str, int]
    redacted: dict[str, int]
    parents_without_children: tuple[str, ...]


def delete_all(session: Session, subject: Subject) -> Deletion:
    """Delete the learner's rows and redact mentions of them, in the caller's transaction."""
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
    deleted["feedback"] = count(session, delete(Feedback).where(Feedback.id.in_(doomed)))
    by = [AuditRow.learner_id == lid] + ([AuditRow.user_id == account] if account else [])
    deleted["audit_log"] = count(session, delete(AuditRow).where(or_(*by)))
    deleted["mastery_estimates"] = count(
        session,
        delete(MasteryEstimateRow).where(
            or_(MasteryEstimateRow.learner_id == lid, MasteryEstimateRow.model_key.like("bkt:%"))
        ),
    )
    deleted["bkt_parameters"] = count(session, delete(BktParameters))
    deleted["mastery_overrides"] = count(
        session, delete(MasteryOverride).where(MasteryOverride.learner_id == lid)
    )
    imports = set(
        session.scalars(
            select(Evidence.import_id).where(
                Evidence.learner_id == lid, Evidence.import_id.is_not(None)
            )
        )
    )
    deleted["evidence"] = count(session, delete(Evidence).where(Evidence.learner_id == lid))
    deleted["issued_credentials"] = _forget_credentials(session, lid)
    still_used = set(
        session.scalars(select(Evidence.import_id).where(Evidence.import_id.in_(imports)))
    )
    deleted["evidence_imports"] = count(
        session, delete(EvidenceImport).where(EvidenceImport.id.in_(imports - still_used))
    )
    parents = set(
        session.scalars(select(Guardianship.parent_id).where(Guardianship.learner_id == lid))
    )
    deleted["enrolments"] = count(session, delete(Enrolment).where(Enrolment.learner_id == lid))
    deleted["intervention_learners"] = count(
        session, delete(InterventionLearner).where(InterventionLearner.learner_id == lid)
    )
    deleted["guardianships"] = count(
        session, delete(Guardianship).where(Guardianship.learner_id == lid)
    )
    deleted["learner_attributes"] = count(
        session, delete(LearnerAttribute).where(LearnerAttribute.learner_id == lid)
    )
    deleted["leader_snapshots"] = count(session, delete(LeaderSnapshot))
    deleted["learners"] = count(session, delete(Learner).where(Learner.id == lid))
    if account:  # the ways the account signed in from elsewhere: LMS launches, API tokens
        for platform, sub in session.execute(
            select(LtiUserLink.platform_id, LtiUserLink.sub).where(LtiUserLink.user_id == account)
        ).all():  # a mentor's link to this learner (LTI role_scope_mentor)
            deleted["lti_mentees"] = deleted.get("lti_mentees", 0) + count(
                session,
                delete(LtiMentee).where(
                    LtiMentee.platform_id == platform, LtiMentee.learner_sub == sub
                ),
            )
        deleted["lti_user_links"] = count(
            session, delete(LtiUserLink).where(LtiUserLink.user_id == account)
        )
        deleted["api_tokens"] = count(session, delete(ApiToken).where(ApiToken.user_id == account))
    deleted["users"] = (
        count(session, delete(User).where(User.id == account, User.role == "student"))
        if account
        else 0
    )
    redacted = {
        f"{model.__tablename__}.{name}": _redact(session, model, name, subject)
        for model, name in FREE_TEXT
    }
    still_parents = set(
        session.scalars(select(Guardianship.parent_id).where(Guardianship.parent_id.in_(parents)))
    )
    return Deletion(deleted, redacted, tuple(sorted(parents - still_parents)))


def _forget_credentials(session: Session, learner_id: str) -> int:
    """Empty the learner's credential rows (who, what, the documents) but keep each row's
    status-list index, revoked: copies may live on in a wallet, and the published list must
    keep saying they are revoked (and never give the index to another credential)."""
    rows = IssuedCredential.learner_id == learner_id
    now = utc_now().replace(microsecond=0)
    session.execute(
        update(IssuedCredential)
        .where(rows, IssuedCredential.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return count(
        session,
        update(IssuedCredential)
        .where(rows)
        .values(
            credential_id=None,
            learner_id=None,
            competency_id=None,
            issued_by="",
            document=None,
            jwt=None,
        ),
    )


def _redact(session: Session, model: Any, name: str, subject: Subject) -> int:
    column = getattr(model, name)
    limit = getattr(model.__table__.columns[name].type, "length", None)
    changed = 0
    query = select(model.id, column).where(subject.like(column, weak=True))
    for row_id, text in session.execute(query).all():
        if isinstance(text, str) and subject.named_in(text, weak=True):
            new = subject.redact(text, weak=True)
            new = new[:limit] if limit else new
            if model is Evidence and name == "source":
                new = _unique_source(session, row_id, new, limit)
            session.execute(update(model).where(model.id == row_id).values({name: new}))
            changed += 1
    return changed


def _unique_source(session: Session, row_id: int, source: str, limit: int | None) -> str:
    """A redacted evidence source that keeps the row distinct from the learner's other evidence
    (the source is part of an evidence row's identity): "[removed] (row 12)" if needed."""
    row = session.get_one(Evidence, row_id)
    twin = select(Evidence.id).where(
        Evidence.learner_id == row.learner_id,
        Evidence.competency_id == row.competency_id,
        Evidence.observed_at == row.observed_at,
        Evidence.evidence_type == row.evidence_type,
        Evidence.source == source,
        Evidence.id != row_id,
    )
    if session.scalar(twin) is None:
        return source
    suffix = f" (row {row_id})"
    return (source[: limit - len(suffix)] if limit else source) + suffix


def drop_legacy_query_vectors(
    records: IndexRecords, embedder_name: Callable[[], str] | None
) -> int:
    """Once per installation: the embedding cache of a version that also cached vectors of
    typed questions (which may name a learner) keeps only the vectors of indexed knowledge.
    Skipped (and tried again next time) when the embedding model's name is not known, so the
    two cannot be told apart; nothing else is dropped."""
    if records.holds_only_document_vectors():
        return 0
    try:
        name = embedder_name() if embedder_name else None
    except WaypointError:
        return 0
    if not name:
        return 0
    return records.keep_only_vectors([content_key(name, text) for text in records.chunk_texts()])
