"""`CredentialService`: issue, list, revoke and verify the school's mastery credentials.

Issuing needs a teacher of the learner or an admin, and the learner at or above the mastery bar
on the competency (by evidence or a teacher's decision) as the mastery model says today. Every
issue, revocation and view goes through the access policy and is in the audit log. A credential
is stored signed (Data Integrity proof) and as a VC-JWT, under a random free index of the
revocation status list.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from assistant.credentials import documents as docs
from assistant.credentials.integrity import add_proof, timestamp
from assistant.credentials.keys import IssuerKey, did_document
from assistant.credentials.statuslist import MIN_ENTRIES, status_entry, status_list_credential
from assistant.credentials.vcjwt import sign_jwt
from assistant.credentials.verify import Verification, Verifier
from assistant.errors import AccessDeniedError, UnknownRecordError, WaypointError
from assistant.frameworks.catalog import CatalogEntry, FrameworkCatalog
from assistant.learners.access import AccessPolicy, Viewer
from assistant.learners.audit import utc_now
from assistant.learners.db import IssuedCredential, LearnerDatabase
from assistant.learners.estimates import MasteryService
from assistant.learners.store import LearnerStore
from assistant.learners.types import MasteryEstimate


@dataclass(frozen=True)
class CredentialRecord:
    """One issued credential as listed (the document only where it is handed out)."""

    credential_id: str
    learner_id: str
    competency_code: str
    title: str
    status_index: int
    issued_by: str
    issued_at: datetime  # UTC
    revoked_at: datetime | None
    document: str = ""
    jwt: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.credential_id,
            "learner": self.learner_id,
            "competency": self.competency_code,
            "title": self.title,
            "status_index": self.status_index,
            "issued_by": self.issued_by,
            "issued_at": self.issued_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


class CredentialService:
    def __init__(
        self,
        db: LearnerDatabase,
        catalog: FrameworkCatalog,
        policy: AccessPolicy,
        store: LearnerStore,
        mastery: MasteryService,
        key: Callable[[], IssuerKey],
        *,
        school: str,
        status_url: str | None = None,
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.policy = policy
        self.store = store
        self.mastery = mastery
        self._key = key
        self.school = school
        self._status_url = status_url

    @property
    def key(self) -> IssuerKey:
        return self._key()

    @property
    def status_url(self) -> str:
        return self._status_url or docs.stable_id(self.key.issuer, "status-list")

    # issue --------------------------------------------------------------------------------
    def issue(self, viewer: Viewer, learner_id: str, competency: str) -> CredentialRecord:
        entry = self._competency(competency)
        self._require_issuer(viewer, "issue credentials")
        grant = self.policy.grant(viewer, [learner_id], purpose=f"credential check {entry.code}")
        estimate = self.mastery.estimates(grant).get(learner_id, {}).get(entry.identifier)
        scale = self.catalog.scale(entry.identifier)
        if estimate is None or not estimate.proficient:
            level = f"level {estimate.level:g}" if estimate is not None else "no evidence"
            raise WaypointError(
                f"learner {learner_id!r} is not proficient on {entry.code} ({level}; "
                f"the bar is {scale.bar:g})"
            )
        profile = self.store.profiles(grant)[learner_id]
        now = utc_now().replace(microsecond=0)
        key = self.key
        with self.db.session() as session:
            held = session.scalar(
                select(IssuedCredential.credential_id).where(
                    IssuedCredential.learner_id == learner_id,
                    IssuedCredential.competency_id == entry.identifier,
                    IssuedCredential.revoked_at.is_(None),
                )
            )
            if held is not None:
                raise WaypointError(
                    f"learner {learner_id!r} already holds {held} for {entry.code} "
                    "(revoke it first to issue a new one)"
                )
            index = _free_index(set(session.scalars(select(IssuedCredential.status_index))))
            credential_id = docs.new_id()
            unsigned = docs.open_badge(
                credential_id=credential_id,
                issuer=docs.profile(key.issuer, self.school),
                recipient=docs.Recipient(learner_id, profile.name),
                competence=_competence(entry),
                attainment=self._attainment(estimate, entry),
                issued=now,
                status=status_entry(self.status_url, index),
            )
            signed = add_proof(unsigned, key, now)
            row = IssuedCredential(
                status_index=index,
                credential_id=credential_id,
                learner_id=learner_id,
                competency_id=entry.identifier,
                issued_by=viewer.user_id,
                issued_at=now,
                revoked_at=None,
                document=json.dumps(signed, ensure_ascii=False, indent=2),
                jwt=sign_jwt(unsigned, key),
            )
            session.add(row)
            self.policy.audit.record(
                viewer, "change", [learner_id], f"credential issued {entry.code}", session=session
            )
        return self._record(row, with_document=True)

    # read ---------------------------------------------------------------------------------
    def listed(self, viewer: Viewer, learner_id: str | None = None) -> list[CredentialRecord]:
        """Credentials of one learner, or of every learner the viewer may see."""
        with self.db.session() as session:
            query = select(IssuedCredential).where(IssuedCredential.learner_id.is_not(None))
            if learner_id is not None:
                query = query.where(IssuedCredential.learner_id == learner_id)
            rows = list(session.scalars(query.order_by(IssuedCredential.issued_at)))
        if learner_id is not None:
            self.policy.grant(viewer, [learner_id], purpose="credentials")
            allowed = {learner_id}
        else:
            owners = {row.learner_id for row in rows if row.learner_id}
            grant = self.policy.grant_visible(
                viewer, owners, purpose="credentials", scope="credential list"
            )
            allowed = set(grant.learner_ids)
        return [self._record(row) for row in rows if row.learner_id in allowed]

    def for_learner(self, viewer: Viewer, learner_id: str) -> list[CredentialRecord]:
        """The learner's standing (not revoked) credentials with their documents, to download."""
        self.policy.grant(viewer, [learner_id], purpose="credentials")
        with self.db.session() as session:
            rows = session.scalars(
                select(IssuedCredential)
                .where(
                    IssuedCredential.learner_id == learner_id,
                    IssuedCredential.revoked_at.is_(None),
                )
                .order_by(IssuedCredential.issued_at)
            )
            return [self._record(row, with_document=True) for row in rows]

    def transcript(self, viewer: Viewer, learner_id: str) -> dict[str, Any]:
        """A signed ClrCredential bundling the learner's standing credentials."""
        badges = [json.loads(r.document) for r in self.for_learner(viewer, learner_id)]
        if not badges:
            raise WaypointError(f"learner {learner_id!r} holds no credentials to bundle")
        profile = self.store.profiles(self.policy.grant(viewer, [learner_id], purpose="clr"))
        now = utc_now().replace(microsecond=0)
        unsigned = docs.transcript(
            credential_id=docs.new_id(),
            issuer=docs.profile(self.key.issuer, self.school),
            recipient=docs.Recipient(learner_id, profile[learner_id].name),
            badges=badges,
            issued=now,
        )
        return add_proof(unsigned, self.key, now)

    # revoke and publish --------------------------------------------------------------------
    def revoke(self, viewer: Viewer, credential_id: str) -> CredentialRecord:
        self._require_issuer(viewer, "revoke credentials")
        with self.db.session() as session:
            row = session.scalar(
                select(IssuedCredential).where(IssuedCredential.credential_id == credential_id)
            )
            learner_id = row.learner_id if row is not None else None
        if row is None or learner_id is None:
            raise UnknownRecordError(f"unknown credential {credential_id!r}")
        self.policy.grant(viewer, [learner_id], purpose="credential revoke")
        if row.revoked_at is not None:
            raise WaypointError(f"{credential_id} was already revoked on {row.revoked_at:%Y-%m-%d}")
        code = self._code(row.competency_id)
        with self.db.session() as session:
            found = session.get_one(IssuedCredential, row.status_index)
            found.revoked_at = utc_now().replace(microsecond=0)
            self.policy.audit.record(
                viewer, "change", [learner_id], f"credential revoked {code}", session=session
            )
            row = found
        return self._record(row)

    def status_list(self) -> dict[str, Any]:
        """The signed revocation list to publish at the status URL."""
        with self.db.session() as session:
            revoked = session.scalars(
                select(IssuedCredential.status_index).where(
                    IssuedCredential.revoked_at.is_not(None)
                )
            ).all()
        now = utc_now().replace(microsecond=0)
        unsigned = status_list_credential(self.status_url, self.key.issuer, timestamp(now), revoked)
        return add_proof(unsigned, self.key, now)

    def did_document(self) -> dict[str, object]:
        return did_document(self.key)

    def verify(self, text: str) -> Verification:
        return Verifier(self.key, self.status_url, self._revoked_at).verify_text(text)

    # helpers --------------------------------------------------------------------------------
    def _revoked_at(self, index: int) -> datetime | None:
        with self.db.session() as session:
            row = session.get(IssuedCredential, index)
            return row.revoked_at if row is not None else None

    def _require_issuer(self, viewer: Viewer, what: str) -> None:
        if viewer.role not in ("teacher", "admin"):
            self.policy.audit.record_scope(viewer, "refused", "credentials", what)
            raise AccessDeniedError(f"{viewer.user_id} ({viewer.role}) may not {what}")

    def _competency(self, competency: str) -> CatalogEntry:
        entry = self.catalog.lookup(competency)
        if entry is None or not self.catalog.is_assessable(entry.identifier):
            raise UnknownRecordError(f"unknown competency {competency!r}")
        return entry

    def _attainment(self, estimate: MasteryEstimate, entry: CatalogEntry) -> docs.Attainment:
        scale = self.catalog.scale(entry.identifier)
        override = estimate.override
        return docs.Attainment(
            level=estimate.level,
            scale=tuple(docs.ScaleLevel(lv.score, lv.label, lv.description) for lv in scale.levels),
            bar=scale.bar,
            evidence_count=estimate.evidence_count,
            first_observed=estimate.first_observed,
            last_observed=estimate.last_observed,
            decided_at=override.decided_at if override is not None else None,
        )

    def _code(self, competency_id: str | None) -> str:
        if competency_id is None:
            return ""
        try:
            return self.catalog.entry(competency_id).code
        except KeyError:
            return competency_id

    def _record(self, row: IssuedCredential, *, with_document: bool = False) -> CredentialRecord:
        title = ""
        if row.competency_id is not None:
            try:
                title = self.catalog.entry(row.competency_id).title
            except KeyError:
                title = ""
        return CredentialRecord(
            credential_id=row.credential_id or "",
            learner_id=row.learner_id or "",
            competency_code=self._code(row.competency_id),
            title=title,
            status_index=row.status_index,
            issued_by=row.issued_by,
            issued_at=row.issued_at.replace(tzinfo=UTC),
            revoked_at=row.revoked_at.replace(tzinfo=UTC) if row.revoked_at else None,
            document=(row.document or "") if with_document else "",
            jwt=(row.jwt or "") if with_document else "",
        )


def _competence(entry: CatalogEntry) -> docs.Competence:
    return docs.Competence(
        identifier=entry.identifier,
        code=entry.code,
        title=entry.title,
        statement=entry.item.statement,
        framework=entry.framework_title,
        uri=entry.item.uri,
    )


def _free_index(used: Iterable[int]) -> int:
    """A random index not used yet (random, so an index says nothing about issue order)."""
    taken = set(used)
    if len(taken) >= MIN_ENTRIES:
        raise WaypointError(f"the status list is full ({MIN_ENTRIES} credentials)")
    while True:
        index = secrets.randbelow(MIN_ENTRIES)
        if index not in taken:
            return index
