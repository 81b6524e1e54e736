"""The hand-off from a launch to the app: a short-lived, single-use token signed with the
tool's key, carried in the redirect URL. The app redeems it once (the database row goes) and
signs the person in; the URL then holds nothing that works again."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from joserfc import jwt
from joserfc.errors import JoseError
from sqlalchemy import delete

from assistant.learners.audit import utc_now
from assistant.learners.db import LearnerDatabase
from assistant.learners.db_connect import LtiHandoff
from assistant.lti.keys import ToolKeys

AUDIENCE = "waypoint-app"
SECONDS = 60
PAGES = {"teacher": "classes", "student": "me", "parent": "child", "admin": "classes"}


@dataclass(frozen=True)
class Handoff:
    user_id: str
    class_id: str | None


class Handoffs:
    def __init__(self, db: LearnerDatabase, keys: ToolKeys) -> None:
        self.db = db
        self.keys = keys

    def issue(self, user_id: str, class_id: str | None) -> str:
        jti = secrets.token_urlsafe(24)
        now = int(time.time())
        key = self.keys.current()
        claims: dict[str, object] = {
            "sub": user_id,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + SECONDS,
            "jti": jti,
        }
        if class_id:
            claims["class"] = class_id
        with self.db.session() as session:
            session.execute(delete(LtiHandoff).where(LtiHandoff.expires_at < utc_now()))
            session.add(
                LtiHandoff(
                    jti=jti,
                    user_id=user_id,
                    expires_at=datetime.fromtimestamp(now + SECONDS, UTC).replace(tzinfo=None),
                )
            )
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    def redeem(self, token: str) -> Handoff | None:
        """The hand-off, once: None for a bad signature, an expired or a spent token."""
        try:
            found = jwt.decode(token, self.keys.key_set(), algorithms=["RS256"])
        except (JoseError, ValueError):
            return None
        claims = found.claims
        now = time.time()
        if claims.get("aud") != AUDIENCE or not isinstance(claims.get("exp"), int):
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
        class_id = claims.get("class")
        return Handoff(str(claims["sub"]), class_id if isinstance(class_id, str) else None)
