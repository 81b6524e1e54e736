"""An LMS on loopback for LTI 1.3 tests: a real HTTP server (a thread) serving the platform's
side with the real wire formats, and the platform's side of a launch (it signs id_tokens with
its own RSA key).

Endpoints: `/jwks` (its keys); `/token` (OAuth2 client credentials: checks the tool's JWT client
assertion against the tool's public keys: signature, iss = sub = client id, aud = this token
URL, exp, a jti used once, the scopes asked for); `/nrps/<course>` (Names and Role Provisioning
2.0 membership containers, paged with `Link: <...>; rel="next"`); `/ags/<course>/lineitems`
(Assignment and Grade Services 2.0: list, filter by resource_id and tag, create) and
`/ags/<course>/lineitems/<n>/scores`. Each checks the bearer token, its scope, the Accept or
Content-Type media type. `fail` makes a path answer HTTP 500 or a body that is not JSON."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
ISSUER = "https://lms.example.edu"
CLIENT_ID = "waypoint-client"
DEPLOYMENT = "deployment-1"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS_SCOPES = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
)
NRPS_MEDIA = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
CONTAINER_MEDIA = "application/vnd.ims.lis.v2.lineitemcontainer+json"
LINEITEM_MEDIA = "application/vnd.ims.lis.v2.lineitem+json"
SCORE_MEDIA = "application/vnd.ims.lis.v1.score+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def new_key() -> RSAKey:
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, private=True)
    key.ensure_kid()
    return key


def member(
    sub: str, role: str, *, status: str = "Active", name: str | None = None
) -> dict[str, Any]:
    """A NRPS member as an LMS lists it."""
    return {
        "status": status,
        "name": name if name is not None else f"Person {sub}",
        "given_name": "Person",
        "family_name": sub,
        "email": f"{sub}@lms.example.edu",
        "user_id": sub,
        "roles": [role if "/" in role else ROLE + role],
    }


@dataclass
class FakeLms:
    port: int = 0
    key: RSAKey = field(default_factory=new_key)
    jwks_requests: int = 0
    tool_jwks: Callable[[], dict[str, Any]] | None = None  # the tool's public keys
    granted: tuple[str, ...] = (NRPS_SCOPE, *AGS_SCOPES)
    members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # course -> members
    page_size: int = 2
    line_items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # course -> items
    scores: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (line item, score)
    fail: dict[str, str] = field(default_factory=dict)  # path prefix -> "500" or "not json"
    refusals: list[str] = field(default_factory=list)  # why a request was refused
    token_requests: int = 0
    _tokens: dict[str, tuple[float, frozenset[str]]] = field(default_factory=dict)
    _jtis: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def registration(self) -> list[str]:
        """The `waypoint lti add-platform` arguments for this LMS."""
        return [
            "--issuer", ISSUER,
            "--client-id", CLIENT_ID,
            "--auth-url", f"{self.base}/auth",
            "--token-url", f"{self.base}/token",
            "--jwks-url", f"{self.base}/jwks",
            "--deployment", DEPLOYMENT,
        ]  # fmt: skip

    def service_claims(self, course: str = "course-1") -> dict[str, Any]:
        """The NRPS and AGS claims of a launch in `course` (every scope granted)."""
        return {
            NRPS_CLAIM: {
                "context_memberships_url": f"{self.base}/nrps/{course}",
                "service_versions": ["2.0"],
            },
            AGS_CLAIM: {
                "scope": list(AGS_SCOPES),
                "lineitems": f"{self.base}/ags/{course}/lineitems",
            },
        }

    def id_token(
        self,
        nonce: str,
        sub: str,
        roles: list[str] | None,
        *,
        context: str | None = "course-1",
        key: RSAKey | None = None,
        extra: dict[str, Any] | None = None,
        **changes: Any,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": sub,
            "exp": now + 300,
            "iat": now,
            "nonce": nonce,
            "name": f"Person {sub}",
            CLAIM + "message_type": "LtiResourceLinkRequest",
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": DEPLOYMENT,
            CLAIM + "target_link_uri": "http://127.0.0.1/lti/launch",
            CLAIM + "resource_link": {"id": "link-1"},
        }
        if roles is not None:
            claims[CLAIM + "roles"] = [ROLE + r if "/" not in r else r for r in roles]
        if context:
            claims[CLAIM + "context"] = {"id": context, "title": "Grade 6 Maths (LMS)"}
        claims.update(extra or {})
        for name, value in changes.items():
            claims[CLAIM + name[6:] if name.startswith("claim_") else name] = value
        claims = {k: v for k, v in claims.items() if v is not None}
        signer = key or self.key
        return jwt.encode({"alg": "RS256", "kid": signer.kid}, claims, signer)

    def deep_link_claims(self, return_url: str | None = None, **settings: Any) -> dict[str, Any]:
        """The claims that make a launch a deep-linking request."""
        found: dict[str, Any] = {
            "deep_link_return_url": return_url or f"{self.base}/deep-link-return",
            "accept_types": ["link", "ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": True,
            "data": "opaque-platform-data",
        }
        found.update(settings)
        return {
            CLAIM + "message_type": "LtiDeepLinkingRequest",
            CLAIM + "resource_link": None,
            DL_CLAIM + "deep_linking_settings": found,
        }

    def read_deep_link_response(self, token: str) -> dict[str, Any]:
        """What the platform does with the JWT posted to its return URL: verify it with the
        tool's keys and check it is for this platform."""
        assert self.tool_jwks is not None
        keys = KeySet.import_key_set(self.tool_jwks())  # type: ignore[arg-type]
        claims = dict(jwt.decode(token, keys, algorithms=["RS256"]).claims)
        assert claims["iss"] == CLIENT_ID and claims["aud"] == ISSUER
        assert claims[CLAIM + "message_type"] == "LtiDeepLinkingResponse"
        assert claims[CLAIM + "deployment_id"] == DEPLOYMENT
        assert claims["exp"] > time.time()
        return claims

    # the platform's services ----------------------------------------------------------------
    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_requests += 1
        if form.get("grant_type") != "client_credentials":
            return self._refuse(400, "unsupported_grant_type", "grant_type")
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return self._refuse(400, "invalid_client", "client_assertion_type")
        if self.tool_jwks is None:
            return self._refuse(401, "invalid_client", "no tool keys known")
        try:
            keys = KeySet.import_key_set(self.tool_jwks())  # type: ignore[arg-type]
            claims = dict(
                jwt.decode(form.get("client_assertion", ""), keys, algorithms=["RS256"]).claims
            )
        except (JoseError, ValueError) as exc:
            return self._refuse(401, "invalid_client", f"assertion signature: {exc}")
        if claims.get("iss") != CLIENT_ID or claims.get("sub") != CLIENT_ID:
            return self._refuse(401, "invalid_client", "assertion iss/sub")
        if claims.get("aud") != f"{self.base}/token":
            return self._refuse(401, "invalid_client", "assertion aud")
        if not isinstance(claims.get("exp"), int) or claims["exp"] < time.time():
            return self._refuse(401, "invalid_client", "assertion expired")
        jti = claims.get("jti")
        with self._lock:
            if not isinstance(jti, str) or jti in self._jtis:
                return self._refuse(401, "invalid_client", "assertion jti replayed")
            self._jtis.add(jti)
        asked = set(form.get("scope", "").split())
        if not asked or not asked <= set(self.granted):
            return self._refuse(400, "invalid_scope", f"scope {sorted(asked)}")
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = (time.time() + 3600, frozenset(asked))
        return 200, {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": " ".join(sorted(asked)),
        }

    def _refuse(self, status: int, error: str, why: str) -> tuple[int, dict[str, Any]]:
        self.refusals.append(why)
        return status, {"error": error, "error_description": why}

    def authorised(self, header: str | None, scope: str) -> bool:
        scheme, _, token = (header or "").partition(" ")
        with self._lock:
            found = self._tokens.get(token)
        ok = scheme == "Bearer" and found is not None and found[0] > time.time()
        if not ok or found is None or scope not in found[1]:
            self.refusals.append(f"bearer token for {scope}")
            return False
        return True


class LmsServer(ThreadingHTTPServer):
    lms: FakeLms


class Handler(BaseHTTPRequestHandler):
    """The LMS's HTTP side; its state is the server's FakeLms."""

    server: LmsServer

    @property
    def lms(self) -> FakeLms:
        return self.server.lms

    def _answer(
        self,
        status: int,
        body: Any,
        media: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        path = urlsplit(self.path).path
        failing = next(
            (how for where, how in self.lms.fail.items() if path.startswith(where)), None
        )
        data = json.dumps(body).encode() if body is not None else b""
        if failing == "500":
            status, data, media = 500, b'{"error": "server_error"}', "application/json"
        elif failing == "not json":
            status, data, media = 200, b"<html>Service unavailable</html>", "text/html"
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        steps = parts.path.strip("/").split("/")
        if parts.path == "/jwks":
            self.lms.jwks_requests += 1
            self._answer(200, {"keys": [self.lms.key.as_dict(private=False)]})
        elif steps[0] == "nrps" and len(steps) == 2:
            self._memberships(steps[1], int(query.get("page", "1")))
        elif steps[0] == "ags" and len(steps) == 3 and steps[2] == "lineitems":
            self._line_items(steps[1], query)
        else:
            self._answer(404, {"error": "not found"})

    def _memberships(self, course: str, page: int) -> None:
        if not self.lms.authorised(self.headers.get("Authorization"), NRPS_SCOPE):
            self._answer(401, {"error": "invalid_token"})
            return
        if NRPS_MEDIA not in (self.headers.get("Accept") or ""):
            self.lms.refusals.append("NRPS Accept")
            self._answer(406, {"error": "not acceptable"})
            return
        everyone = self.lms.members.get(course, [])
        start = (page - 1) * self.lms.page_size
        url = f"{self.lms.base}/nrps/{course}"
        headers = {}
        if start + self.lms.page_size < len(everyone):
            headers["Link"] = f'<{url}?page={page + 1}>; rel="next"'
        body = {
            "id": url,
            "context": {"id": course, "label": course, "title": "Grade 6 Maths (LMS)"},
            "members": everyone[start : start + self.lms.page_size],
        }
        self._answer(200, body, NRPS_MEDIA, headers)

    def _line_items(self, course: str, query: dict[str, str]) -> None:
        if not self.lms.authorised(self.headers.get("Authorization"), AGS_SCOPES[0]):
            self._answer(401, {"error": "invalid_token"})
            return
        if CONTAINER_MEDIA not in (self.headers.get("Accept") or ""):
            self.lms.refusals.append("AGS container Accept")
            self._answer(406, {"error": "not acceptable"})
            return
        items = [
            item
            for item in self.lms.line_items.get(course, [])
            if all(
                item.get(field) == query[name]
                for name, field in (("resource_id", "resourceId"), ("tag", "tag"))
                if name in query
            )
        ]
        self._answer(200, items, CONTAINER_MEDIA)

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        steps = parts.path.strip("/").split("/")
        raw = self._body()
        if parts.path == "/token":
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            status, body = self.lms.token(form)
            self._answer(status, body)
        elif steps[0] == "ags" and len(steps) == 3 and steps[2] == "lineitems":
            self._create(steps[1], raw)
        elif steps[0] == "ags" and len(steps) == 5 and steps[4] == "scores":
            self._score(steps[1], steps[3], raw)
        else:
            self._answer(404, {"error": "not found"})

    def _create(self, course: str, raw: bytes) -> None:
        if not self.lms.authorised(self.headers.get("Authorization"), AGS_SCOPES[0]):
            self._answer(401, {"error": "invalid_token"})
            return
        if self.headers.get("Content-Type") != LINEITEM_MEDIA:
            self.lms.refusals.append("line item Content-Type")
            self._answer(415, {"error": "unsupported media type"})
            return
        item = json.loads(raw)
        maximum = item.get("scoreMaximum")
        if not isinstance(maximum, int | float) or maximum <= 0 or not item.get("label"):
            self.lms.refusals.append("line item body")
            self._answer(400, {"error": "scoreMaximum and label are required"})
            return
        items = self.lms.line_items.setdefault(course, [])
        item["id"] = f"{self.lms.base}/ags/{course}/lineitems/{len(items) + 1}"
        items.append(item)
        self._answer(201, item, LINEITEM_MEDIA)

    def _score(self, course: str, number: str, raw: bytes) -> None:
        if not self.lms.authorised(self.headers.get("Authorization"), AGS_SCOPES[2]):
            self._answer(401, {"error": "invalid_token"})
            return
        if self.headers.get("Content-Type") != SCORE_MEDIA:
            self.lms.refusals.append("score Content-Type")
            self._answer(415, {"error": "unsupported media type"})
            return
        score = json.loads(raw)
        needed = ("userId", "activityProgress", "gradingProgress", "timestamp")
        given, maximum = score.get("scoreGiven"), score.get("scoreMaximum")
        if any(not score.get(name) for name in needed) or not (
            isinstance(given, int | float) and isinstance(maximum, int | float)
        ):
            self.lms.refusals.append("score body")
            self._answer(400, {"error": "bad score"})
            return
        item = f"{self.lms.base}/ags/{course}/lineitems/{number}"
        if not any(i["id"] == item for i in self.lms.line_items.get(course, [])):
            self._answer(404, {"error": "no such line item"})
            return
        self.lms.scores.append((item, score))
        self._answer(204, None)

    def log_message(self, *_: Any) -> None:
        pass


@contextmanager
def running_lms() -> Iterator[FakeLms]:
    lms = FakeLms()
    server = LmsServer(("127.0.0.1", 0), Handler)
    server.lms = lms
    lms.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield lms
    finally:
        server.shutdown()
        server.server_close()
