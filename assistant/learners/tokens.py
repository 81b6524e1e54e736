"""API bearer tokens: per user (acting as that user under the access policy) or per service
account with scopes. A token is shown once when created; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import select, update

from assistant.errors import UnknownRecordError, WaypointError
from assistant.learners.access import AccessPolicy, Viewer
from assistant.learners.audit import utc_now
from assistant.learners.db import LearnerDatabase, SchoolClass, User
from assistant.learners.db_connect import ApiToken

Scope = Literal["read:learners", "write:evidence", "admin"]
SCOPES: tuple[Scope, ...] = get_args(Scope)
PREFIX = "wp_"
SERVICE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


class TokenError(WaypointError):
    """A token that cannot be created as asked (unknown user, scope or class)."""


@dataclass(frozen=True)
class Principal:
    """Who calls the API: a user, or a service account with scopes (and classes, if limited)."""

    token_id: str
    viewer: Viewer
    service: str | None = None
    scopes: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()  # read:learners only these; empty: the school

    @property
    def is_service(self) -> bool:
        return self.service is not None

    def has(self, scope: Scope) -> bool:
        return "admin" in self.scopes or scope in self.scopes


@dataclass(frozen=True)
class TokenInfo:
    id: str
    owner: str  # "user t1" or "service sis-sync"
    scopes: tuple[str, ...]
    classes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "owner": self.owner,
            "scopes": list(self.scopes),
            "classes": list(self.classes),
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def service_viewer(name: str) -> Viewer:
    """The viewer a service account acts as once its scopes allowed the call; its id names it
    in the audit log."""
    return Viewer(f"service:{name}", "admin", f"service account {name}")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class TokenStore:
    def __init__(self, db: LearnerDatabase, access: AccessPolicy) -> None:
        self.db = db
        self.access = access

    def create_for_user(self, user_id: str) -> tuple[str, str]:
        """(token id, secret) for a user; the secret is not kept."""
        self.access.viewer(user_id)  # UnknownRecordError for an unknown user
        return self._create(user_id=user_id, service=None, scopes=(), classes=())

    def create_for_service(
        self, name: str, scopes: list[str], classes: list[str] | None = None
    ) -> tuple[str, str]:
        if not SERVICE_NAME.match(name):
            raise TokenError(
                f"service name {name!r}: lowercase letters, digits and ._- only (at most 63)"
            )
        unknown = [s for s in scopes if s not in SCOPES]
        if unknown or not scopes:
            raise TokenError(
                f"unknown scope {unknown[0]!r}"
                if unknown
                else f"a service token needs a scope (one of {', '.join(SCOPES)})"
            )
        wanted = sorted({c.strip() for c in classes or [] if c.strip()})
        if wanted and "read:learners" not in scopes:
            raise TokenError("--classes limits read:learners: give that scope too")
        with self.db.session() as session:
            known = set(session.scalars(select(SchoolClass.id).where(SchoolClass.id.in_(wanted))))
            if session.get(User, f"service:{name}") is not None:
                raise TokenError(f"a user is called service:{name}: choose another name")
        missing = [c for c in wanted if c not in known]
        if missing:
            raise UnknownRecordError(f"unknown class {missing[0]!r}")
        return self._create(user_id=None, service=name, scopes=tuple(scopes), classes=wanted)

    def _create(
        self,
        *,
        user_id: str | None,
        service: str | None,
        scopes: tuple[str, ...],
        classes: list[str] | tuple[str, ...],
    ) -> tuple[str, str]:
        token_id = "tok_" + secrets.token_hex(6)
        secret = PREFIX + secrets.token_urlsafe(32)
        with self.db.session() as session:
            session.add(
                ApiToken(
                    id=token_id,
                    secret_sha256=digest(secret),
                    user_id=user_id,
                    service=service,
                    scopes=" ".join(dict.fromkeys(scopes)),
                    classes=",".join(classes),
                    created_at=utc_now(),
                )
            )
        return token_id, secret

    def tokens(self) -> list[TokenInfo]:
        with self.db.session() as session:
            rows = list(session.scalars(select(ApiToken).order_by(ApiToken.created_at)))
        return [
            TokenInfo(
                row.id,
                f"user {row.user_id}" if row.user_id else f"service {row.service}",
                tuple(row.scopes.split()) if row.scopes else (),
                tuple(row.classes.split(",")) if row.classes else (),
                row.created_at,
                row.revoked_at,
            )
            for row in rows
        ]

    def revoke(self, token_id: str) -> None:
        with self.db.session() as session:
            done = session.execute(
                update(ApiToken)
                .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
                .values(revoked_at=utc_now())
            )
            if not getattr(done, "rowcount", 0):
                found = session.get(ApiToken, token_id)
                if found is None:
                    raise UnknownRecordError(f"unknown token {token_id!r}")

    def authenticate(self, secret: str) -> Principal | None:
        """The principal of a live token, or None (unknown, revoked, or its user is gone)."""
        if not secret.startswith(PREFIX) or len(secret) > 200:
            return None
        with self.db.session() as session:
            row = session.scalar(select(ApiToken).where(ApiToken.secret_sha256 == digest(secret)))
        if row is None or row.revoked_at is not None:
            return None
        if row.service:
            return Principal(
                row.id,
                service_viewer(row.service),
                row.service,
                frozenset(row.scopes.split()),
                frozenset(c for c in row.classes.split(",") if c),
            )
        if row.user_id is None:
            return None
        try:
            viewer = self.access.viewer(row.user_id)
        except UnknownRecordError:
            return None
        return Principal(row.id, viewer)
