"""OIDC third-party-initiated login and the launch's `id_token` validation (LTI 1.3 core and
the IMS Security Framework): the state sent at login is spent at the launch, the token is
signed by a key of the platform's JWKS, and its iss, aud, azp, exp, iat, nonce, version,
message type, deployment and roles are checked, in that order, before anything is written.
The launch also carries the course's LTI Advantage service URLs (NRPS, AGS) and, for a deep-
linking request, where the chosen links go back to."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jws import extract_compact
from sqlalchemy import delete

from assistant.errors import WaypointError
from assistant.learners.audit import utc_now
from assistant.learners.db import LearnerDatabase
from assistant.learners.db_connect import LtiNonce, LtiState
from assistant.learners.types import Role
from assistant.lti.platforms import JwksCache, Platform, PlatformError, PlatformRegistry
from assistant.lti.roles import waypoint_role

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"
MESSAGE_TYPES = (RESOURCE_LINK, DEEP_LINKING)
TARGET = "waypoint_target"  # the custom parameter a deep-linked link carries
STATE_MINUTES = 10
LEEWAY = 60  # seconds of clock difference allowed on exp and iat
MAX_AGE = timedelta(hours=1)  # an iat older than this is refused as stale


class LaunchError(WaypointError):
    """A launch refused: its reason is shown to the person in the LMS."""

    status = 400


@dataclass(frozen=True)
class DeepLinkRequest:
    """What a deep-linking request asks for: where to post the chosen links back."""

    return_url: str
    data: str | None  # given back to the platform unchanged
    accept_multiple: bool = False
    title: str = ""


@dataclass(frozen=True)
class Launch:
    platform: Platform
    deployment_id: str
    sub: str
    role: Role
    nonce: str
    name: str = ""
    email: str = ""
    context_id: str | None = None
    context_title: str = ""
    mentees: tuple[str, ...] = ()  # subs of the learners a mentor follows
    memberships_url: str | None = None  # NRPS: the course's membership service
    lineitems_url: str | None = None  # AGS: the course's line items
    ags_scopes: tuple[str, ...] = ()
    target: str = ""  # custom waypoint_target of a deep-linked resource link
    document_target: str = ""  # iframe, window or frame (launch_presentation)
    deep_link: DeepLinkRequest | None = None
    claims: Mapping[str, Any] = field(default_factory=dict, repr=False)


class LaunchValidator:
    def __init__(self, db: LearnerDatabase, platforms: PlatformRegistry, jwks: JwksCache) -> None:
        self.db = db
        self.platforms = platforms
        self.jwks = jwks

    # step 1: the platform asks the tool to start a login -----------------------------------
    def login(self, params: Mapping[str, str], redirect_uri: str) -> str:
        """The platform's authorisation URL to send the browser to, with a new state and
        nonce (kept STATE_MINUTES for the launch)."""
        issuer = params.get("iss", "")
        if not issuer or not params.get("login_hint"):
            raise LaunchError("the login needs iss and login_hint")
        platform = self.platforms.find(issuer, params.get("client_id"))
        if platform is None:
            raise LaunchError(f"unknown platform {issuer!r}: register it with lti add-platform")
        deployment = params.get("lti_deployment_id")
        if deployment and deployment not in platform.deployments:
            raise LaunchError(f"unknown deployment {deployment!r} of {issuer}")
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = utc_now()
        with self.db.session() as session:
            session.execute(delete(LtiState).where(LtiState.expires_at < now))
            session.add(
                LtiState(
                    state=state,
                    nonce=nonce,
                    platform_id=platform.id,
                    expires_at=now + timedelta(minutes=STATE_MINUTES),
                )
            )
        query = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": platform.client_id,
            "redirect_uri": redirect_uri,
            "login_hint": params["login_hint"],
            "state": state,
            "nonce": nonce,
        }
        if params.get("lti_message_hint"):
            query["lti_message_hint"] = params["lti_message_hint"]
        separator = "&" if "?" in platform.auth_url else "?"
        return f"{platform.auth_url}{separator}{urlencode(query)}"

    # step 2: the platform posts the id_token ------------------------------------------------
    def validate(self, id_token: str, state: str) -> Launch:
        if not id_token or not state:
            raise LaunchError("the launch needs id_token and state")
        expected_nonce, platform = self._spend_state(state)
        try:
            header = extract_compact(id_token.encode("ascii")).headers()
        except (JoseError, ValueError, UnicodeError) as exc:
            raise LaunchError("the id_token is not a signed JWT") from exc
        if header.get("alg") != "RS256":
            raise LaunchError("the id_token must be signed with RS256")
        try:
            keys = self.jwks.keys(platform.jwks_url, header.get("kid"))
            token = jwt.decode(id_token, keys, algorithms=["RS256"])
        except PlatformError:
            raise
        except (JoseError, ValueError) as exc:
            raise LaunchError("the id_token's signature does not verify") from exc
        claims = dict(token.claims)
        self._check_registration(claims, platform)
        self._check_times(claims)
        if claims.get("nonce") != expected_nonce:
            raise LaunchError("the id_token's nonce is not the one sent at login")
        with self.db.session() as session:
            used = session.get(LtiNonce, (platform.id, str(claims["nonce"])))
        if used is not None:
            raise LaunchError("the id_token's nonce was used before (a replayed launch)")
        return self._launch(claims, platform)

    def _spend_state(self, state: str) -> tuple[str, Platform]:
        """The nonce and platform of a login; the state can be used once only."""
        with self.db.session() as session:
            row = session.get(LtiState, state[:64])
            if row is not None:
                session.delete(row)
        if row is None or row.state != state or row.expires_at < utc_now():
            raise LaunchError("unknown or expired state: start the launch again from the LMS")
        return row.nonce, self.platforms.get(row.platform_id)

    @staticmethod
    def _check_registration(claims: Mapping[str, Any], platform: Platform) -> None:
        if claims.get("iss") != platform.issuer:
            raise LaunchError("the id_token's issuer is not the platform's")
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if platform.client_id not in audiences:
            raise LaunchError("the id_token's audience is not this tool's client id")
        azp = claims.get("azp")
        if (len(audiences) > 1 or azp is not None) and azp != platform.client_id:
            raise LaunchError("the id_token's azp is not this tool's client id")

    @staticmethod
    def _check_times(claims: Mapping[str, Any]) -> None:
        now = time.time()
        expires, issued = claims.get("exp"), claims.get("iat")
        if not isinstance(expires, int | float) or not isinstance(issued, int | float):
            raise LaunchError("the id_token needs exp and iat")
        if expires < now - LEEWAY:
            raise LaunchError("the id_token has expired")
        if issued > now + LEEWAY or issued < now - MAX_AGE.total_seconds():
            raise LaunchError("the id_token's iat is out of range")

    def _launch(self, claims: Mapping[str, Any], platform: Platform) -> Launch:
        if claims.get(CLAIM + "version") != "1.3.0":
            raise LaunchError("only LTI 1.3.0 launches are accepted")
        kind = claims.get(CLAIM + "message_type")
        if kind not in MESSAGE_TYPES:
            raise LaunchError(
                f"message type {kind!r} is not supported (resource links and deep linking)"
            )
        deployment = str(claims.get(CLAIM + "deployment_id") or "")
        if deployment not in platform.deployments:
            raise LaunchError(
                f"unknown deployment {deployment!r}: register it with lti add-platform"
            )
        sub = str(claims.get("sub") or "")
        if not sub or len(sub) > 255:
            raise LaunchError("the id_token has no usable sub")
        roles = claims.get(CLAIM + "roles")
        if not isinstance(roles, list):
            raise LaunchError("the launch has no roles claim")
        role = waypoint_role(str(r) for r in roles)
        if role is None:
            raise LaunchError(
                "the launch has no role Waypoint knows (Instructor, Learner, Mentor, Administrator)"
            )
        context = _object(claims.get(CLAIM + "context"))
        deep_link = _deep_linking(claims, role) if kind == DEEP_LINKING else None
        if deep_link is not None and not context.get("id"):
            raise LaunchError("deep linking needs a course: add Waypoint from inside a course")
        mentees = claims.get(CLAIM + "role_scope_mentor")
        nrps = _object(claims.get(NRPS_CLAIM))
        ags = _object(claims.get(AGS_CLAIM))
        scopes = ags.get("scope")
        custom = _object(claims.get(CLAIM + "custom"))
        presentation = _object(claims.get(CLAIM + "launch_presentation"))
        return Launch(
            platform=platform,
            deployment_id=deployment,
            sub=sub,
            role=role,
            nonce=str(claims["nonce"]),
            name=str(claims.get("name") or claims.get("given_name") or "")[:200],
            email=str(claims.get("email") or ""),
            context_id=str(context["id"])[:255] if context.get("id") else None,
            context_title=str(context.get("title") or context.get("label") or "")[:200],
            mentees=tuple(str(m) for m in mentees) if isinstance(mentees, list) else (),
            memberships_url=_url(nrps.get("context_memberships_url")),
            lineitems_url=_url(ags.get("lineitems")),
            ags_scopes=tuple(str(s) for s in scopes) if isinstance(scopes, list) else (),
            target=str(custom.get(TARGET) or "")[:300],
            document_target=str(presentation.get("document_target") or "")[:20],
            deep_link=deep_link,
            claims=claims,
        )

    def forget_old(self) -> None:
        """Drop expired states and nonces (a nonce is kept until its token has expired)."""
        now = utc_now()
        with self.db.session() as session:
            session.execute(delete(LtiState).where(LtiState.expires_at < now))
            session.execute(delete(LtiNonce).where(LtiNonce.expires_at < now))


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _url(value: object) -> str | None:
    """A service URL from a claim: http(s) and at most 500 characters, else None."""
    if not isinstance(value, str) or len(value) > 500:
        return None
    return value if value.startswith(("https://", "http://")) else None


def _deep_linking(claims: Mapping[str, Any], role: Role) -> DeepLinkRequest:
    """The settings of a deep-linking request (LTI Deep Linking 1.0): teachers only, and the
    platform must say where the answer goes and accept resource links."""
    if role != "teacher":
        raise LaunchError("only a teacher (Instructor) can add Waypoint links to a course")
    settings = _object(claims.get(DL_CLAIM + "deep_linking_settings"))
    return_url = _url(settings.get("deep_link_return_url"))
    if return_url is None:
        raise LaunchError("the deep-linking request has no deep_link_return_url")
    accepted = settings.get("accept_types")
    if not isinstance(accepted, list) or "ltiResourceLink" not in accepted:
        raise LaunchError("the platform does not accept ltiResourceLink items here")
    data = settings.get("data")
    return DeepLinkRequest(
        return_url=return_url,
        data=data if isinstance(data, str) else None,
        accept_multiple=settings.get("accept_multiple") is True,
        title=str(settings.get("title") or "")[:200],
    )
