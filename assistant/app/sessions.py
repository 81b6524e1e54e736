"""Staying signed in across a browser refresh or a page opened by its address.

Streamlit forgets a browser's session when the page reloads, and it cannot set a cookie from
Python. The app therefore uses the LTI launch's hand-off tokens (`Handoffs.issue_once` and
`redeem_once` in `assistant.lti.handoff`, with an audience of their own, so a session token is
no launch token nor the other way round): signed, expiring, single-use. At sign-in the app
issues one, and a few lines of script on the page (ui/chrome.py) keep it in a cookie (`COOKIE`;
`SameSite=None; Secure; Partitioned` over HTTPS, so that it works inside an LMS iframe;
`SameSite=Strict` otherwise). A new page load reads the cookie, redeems the token once (it
cannot be used again) and gets a fresh one in its place; sign-out redeems the standing token
and removes the cookie. Nothing that works twice is ever in the page's address.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # the sign-in page reads the cookie's name before the database loads
    from assistant.app.identity import Account, Directory

COOKIE = "waypoint_session"
SESSION_SECONDS = 8 * 3600  # a school day: a token not exchanged by then signs nobody in


AUDIENCE = "waypoint-session"  # not the launch's: neither token opens the other's door


class OnceTokens(Protocol):
    """What `assistant.lti.handoff.Handoffs` offers (the app depends on no more than this)."""

    def issue_once(
        self, user_id: str, audience: str, extra: dict[str, object], seconds: int
    ) -> str: ...

    def redeem_once(self, token: str, audience: str) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class Restored:
    account: Account
    class_id: str | None
    token: str  # the fresh token that replaces the one redeemed


class SessionTokens:
    def __init__(
        self, handoffs: OnceTokens, directory: Directory, *, seconds: int = SESSION_SECONDS
    ) -> None:
        self.handoffs = handoffs
        self.directory = directory
        self.seconds = seconds

    def issue(self, who: Account, class_id: str | None = None) -> str:
        """A token for the browser's cookie, good once within `seconds`."""
        extra: dict[str, object] = {"class": class_id} if class_id else {}
        return self.handoffs.issue_once(who.user_id, AUDIENCE, extra, self.seconds)

    def exchange(self, token: str) -> Restored | None:
        """The account a cookie's token stands for, and its replacement; None for a token that
        is forged, expired, spent, or whose user is gone."""
        if not token or len(token) > 8192:
            return None
        claims = self.handoffs.redeem_once(token, AUDIENCE)
        if claims is None:
            return None
        user_id = str(claims.get("sub") or "")
        class_id = claims.get("class") if isinstance(claims.get("class"), str) else None
        from assistant.learners.db import User

        with self.directory.access.db.session() as session:
            user = session.get(User, user_id)
            if user is None:
                return None
            demo = bool(user.demo)
        who = self.directory.account(user_id, demo=demo)
        return Restored(who, class_id, self.issue(who, class_id))

    def revoke(self, token: str) -> None:
        """Spend the token (sign-out): a copy of the cookie opens nothing afterwards."""
        if token:
            self.handoffs.redeem_once(token, AUDIENCE)
