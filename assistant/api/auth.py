"""Who calls: the bearer token's principal (401 without one, 429 over its rate), and what a
service account's scopes allow. A user acts as themself under the access policy; a service
account's scopes are checked here first, then it acts as its own audited viewer."""

from __future__ import annotations

from typing import NoReturn

from sqlalchemy import select

from assistant.api.errors import ApiError
from assistant.api.limits import TokenBuckets
from assistant.errors import AccessDeniedError
from assistant.learners.access import Viewer
from assistant.learners.audit import AuditLog
from assistant.learners.db import Enrolment, LearnerDatabase
from assistant.learners.tokens import Principal, Scope, TokenStore


class Gate:
    def __init__(
        self, tokens: TokenStore, buckets: TokenBuckets, db: LearnerDatabase, audit: AuditLog
    ) -> None:
        self.tokens = tokens
        self.buckets = buckets
        self.db = db
        self.audit = audit

    def principal(self, authorization: str | None) -> Principal:
        scheme, _, secret = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise ApiError(401, "a bearer token is needed (Authorization: Bearer <token>)")
        found = self.tokens.authenticate(secret.strip())
        if found is None:
            raise ApiError(401, "unknown or revoked token")
        if not self.buckets.take(found.token_id):
            raise ApiError(429, f"token {found.token_id} made too many requests: slow down")
        return found

    # what a service account may do ---------------------------------------------------------
    def learner_reader(self, who: Principal, learner_id: str) -> Viewer:
        if not who.is_service:
            return who.viewer
        what = "read learner data"
        if not who.has("read:learners"):
            self._refuse(who, what, f"learner {learner_id}")
        if who.classes and "admin" not in who.scopes:
            with self.db.session() as session:
                enrolled = set(
                    session.scalars(
                        select(Enrolment.class_id).where(Enrolment.learner_id == learner_id)
                    )
                )
            if not enrolled & who.classes:  # same words for a learner who does not exist
                self._refuse(who, f"see learner {learner_id!r}", f"learner {learner_id}")
        return who.viewer

    def class_reader(self, who: Principal, class_id: str) -> Viewer:
        if not who.is_service:
            return who.viewer
        if not who.has("read:learners") or (
            who.classes and "admin" not in who.scopes and class_id not in who.classes
        ):
            self._refuse(who, f"see class {class_id!r}", f"class {class_id}")
        return who.viewer

    def scoped(self, who: Principal, scope: Scope, what: str) -> Viewer:
        """A user as themself (the importers ask the policy); a service with `scope`."""
        if who.is_service and not who.has(scope):
            self._refuse(who, f"{what} (needs the {scope} scope)", what)
        return who.viewer

    def _refuse(self, who: Principal, what: str, scope: str) -> NoReturn:
        self.audit.record_scope(who.viewer, "refused", scope, what)
        raise AccessDeniedError(f"{who.viewer.user_id} may not {what}")
