"""The hand-off from a launch to the app: a short-lived, single-use token signed with the
tool's key, carried in the redirect URL. The app redeems it once (the database row goes) and
signs the person in; the URL then holds nothing that works again.

It needs no cookie, so it works inside the LMS's iframe when the browser blocks or partitions
third-party cookies: the launch's state and nonce are kept in the database, not in cookies, and
the token is redeemed by the app's server over its own connection."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from sqlalchemy import delete

from assistant.learners.audit import utc_now
from assistant.learners.db import LearnerDatabase
from assistant.learners.db_connect import LtiHandoff
from assistant.lti.keys import ToolKeys

AUDIENCE = "waypoint-app"
SECONDS = 60
PAGES = {
    "teacher": "classes",
    "student": "me",
    "parent": "child",
    "leader": "school",
    "admin": "classes",
}
# The attributes a cookie of the app needs inside the LMS's iframe: the app is a third party
# there, so a cookie must be cross-site (SameSite=None, which needs Secure) and, where browsers
# partition third-party storage (CHIPS), Partitioned. The sign-in itself never needs one: the
# hand-off token travels in the URL and is redeemed on the server.
EMBEDDED_COOKIE = "Path=/; Secure; SameSite=None; Partitioned"


@dataclass(frozen=True)
class Handoff:
    """Who a redeemed hand-off signs in, on which class; `competency` (a CASE identifier) when
    the launch was a deep-linked practice resource; `embedded` when the LMS opened Waypoint in
    its iframe (cookies of the app there need EMBEDDED_COOKIE's attributes)."""

    user_id: str
    class_id: str | None
    competency: str | None = None
    embedded: bool = False


class Handoffs:
    def __init__(self, db: LearnerDatabase, keys: ToolKeys) -> None:
        self.db = db
        self.keys = keys

    def issue(
        self,
        user_id: str,
        class_id: str | None,
        *,
        competency: str | None = None,
        embedded: bool = False,
    ) -> str:
        extra: dict[str, object] = {}
        if class_id:
            extra["class"] = class_id
        if competency:
            extra["competency"] = competency
        if embedded:
            extra["embedded"] = True
        return self.issue_once(user_id, AUDIENCE, extra, SECONDS)

    def redeem(self, token: str) -> Handoff | None:
        """The hand-off, once: None for a bad signature, an expired or a spent token."""
        claims = self.redeem_once(token, AUDIENCE)
        if claims is None:
            return None
        class_id, competency = claims.get("class"), claims.get("competency")
        return Handoff(
            str(claims["sub"]),
            class_id if isinstance(class_id, str) else None,
            competency if isinstance(competency, str) else None,
            claims.get("embedded") is True,
        )

    # single-use signed tokens (the hand-off, the deep-linking picker) ----------------------
    def issue_once(
        self, user_id: str, audience: str, extra: dict[str, object], seconds: int
    ) -> str:
        jti = secrets.token_urlsafe(24)
        now = int(time.time())
        key = self.keys.current()
        claims: dict[str, object] = {
            **extra,
            "sub": user_id,
            "aud": audience,
            "iat": now,
            "exp": now + seconds,
            "jti": jti,
        }
        with self.db.session() as session:
            session.execute(delete(LtiHandoff).where(LtiHandoff.expires_at < utc_now()))
            session.add(
                LtiHandoff(
                    jti=jti,
                    user_id=user_id,
                    expires_at=datetime.fromtimestamp(now + seconds, UTC).replace(tzinfo=None),
                )
            )
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    def redeem_once(self, token: str, audience: str) -> dict[str, Any] | None:
        """The claims of a token issued for `audience`, once; None when it is forged, for
        another audience, expired or spent."""
        try:
            found = jwt.decode(token, self.keys.key_set(), algorithms=["RS256"])
        except (JoseError, ValueError):
            return None
        claims = dict(found.claims)
        now = time.time()
        if claims.get("aud") != audience or not isinstance(claims.get("exp"), int):
            return None
        if claims["exp"] < now or not isinstance(claims.get("jti"), str):
            return None
        with self.db.session() as session:
            spent = session.execute(
                delete(LtiHandoff).where(
                    LtiHandoff.jti == claims["jti"], LtiHandoff.user_id == claims.get("sub")
                )
            )
        if getattr(spent, "rowcount", 0) != 1:  # spent already, or never issued here
            return None
        return claims
