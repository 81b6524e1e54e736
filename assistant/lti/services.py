"""Calling an LMS's LTI Advantage services (NRPS, AGS) as the tool: an OAuth2 access token from
the platform's token endpoint (client credentials, authenticated by a JWT client assertion
signed with the tool's key, RFC 7523 as the IMS Security Framework profiles it), kept until it
expires, then requests with it. Every failure is one `LtiServiceError` naming the URL and what
went wrong; callers change nothing until every request they need has succeeded."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from joserfc import jwt

from assistant.errors import WaypointError
from assistant.lti.keys import ToolKeys
from assistant.lti.platforms import Platform

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TIMEOUT = 20.0  # seconds per request
MAX_BYTES = 5 * 1024 * 1024  # one response (a page of members, of line items)
MAX_PAGES = 200
EARLY = 30  # seconds: a token is renewed this long before it expires


class LtiServiceError(WaypointError):
    """An LMS service could not be used (HTTP error, bad answer): nothing was changed."""


Clock = Callable[[], float]


class ServiceClient:
    def __init__(
        self,
        keys: ToolKeys,
        *,
        client: Callable[[], httpx.Client] | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.keys = keys
        self.make_client = client or (lambda: httpx.Client(timeout=TIMEOUT))
        self.clock = clock
        self._tokens: dict[tuple[int, str], tuple[float, str]] = {}
        self._lock = threading.Lock()

    # the access token ------------------------------------------------------------------------
    def assertion(self, platform: Platform) -> str:
        """The JWT the tool authenticates with at the platform's token endpoint."""
        now = int(self.clock())
        key = self.keys.current()
        claims = {
            "iss": platform.client_id,
            "sub": platform.client_id,
            "aud": platform.token_url,
            "iat": now,
            "exp": now + 300,
            "jti": secrets.token_urlsafe(24),
        }
        return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)

    def token(self, platform: Platform, scopes: tuple[str, ...]) -> str:
        wanted = " ".join(sorted(set(scopes)))
        with self._lock:
            kept = self._tokens.get((platform.id, wanted))
        if kept is not None and kept[0] > self.clock():
            return kept[1]
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.assertion(platform),
            "scope": wanted,
        }
        response = self._send("POST", platform.token_url, "the token endpoint", data=form)
        data = json_object(response, "the token endpoint")
        token, seconds = data.get("access_token"), data.get("expires_in", 3600)
        if not isinstance(token, str) or not token:
            raise LtiServiceError(
                f"the LMS's token endpoint {platform.token_url} gave no access_token"
            )
        lifetime = float(seconds) if isinstance(seconds, int | float) else 3600.0
        with self._lock:
            self._tokens[(platform.id, wanted)] = (self.clock() + lifetime - EARLY, token)
        return token

    # requests --------------------------------------------------------------------------------
    def request(
        self,
        platform: Platform,
        scopes: tuple[str, ...],
        method: str,
        url: str,
        what: str,
        *,
        accept: str,
        body: dict[str, Any] | None = None,
        content_type: str | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token(platform, scopes)}", "Accept": accept}
        content = None
        if body is not None:
            headers["Content-Type"] = content_type or "application/json"
            content = json.dumps(body).encode("utf-8")
        return self._send(method, url, what, headers=headers, content=content, params=params)

    def pages(
        self,
        platform: Platform,
        scopes: tuple[str, ...],
        url: str,
        what: str,
        *,
        accept: str,
        params: dict[str, str] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Each page of a paged container, following `Link: <...>; rel="next"`."""
        following: str | None = url
        for _ in range(MAX_PAGES):
            if following is None:
                return
            response = self.request(
                platform, scopes, "GET", following, what, accept=accept, params=params
            )
            yield json_object(response, what)
            following, params = response.links.get("next", {}).get("url"), None
        raise LtiServiceError(f"the LMS's {what} at {url} has more than {MAX_PAGES} pages")

    def _send(self, method: str, url: str, what: str, **options: Any) -> httpx.Response:
        try:
            with self.make_client() as client:
                response = client.request(method, url, **options)
        except httpx.HTTPError as exc:
            raise LtiServiceError(f"the LMS's {what} at {url} cannot be reached: {exc}") from exc
        if len(response.content) > MAX_BYTES:
            raise LtiServiceError(
                f"the LMS's {what} at {url} answered more than {MAX_BYTES:,} bytes"
            )
        if response.status_code >= 400:
            detail = _error_detail(response)
            raise LtiServiceError(
                f"the LMS's {what} at {url} answered HTTP {response.status_code}{detail}"
            )
        return response


def json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError as exc:
        raise LtiServiceError(
            f"the LMS's {what} at {response.request.url} did not answer JSON"
        ) from exc
    if not isinstance(data, dict):
        raise LtiServiceError(
            f"the LMS's {what} at {response.request.url} did not answer a JSON object"
        )
    return data


def _error_detail(response: httpx.Response) -> str:
    """The OAuth2 `error` (and its description) of a refusal, if the body has one."""
    try:
        data = response.json()
    except ValueError:
        return ""
    if not isinstance(data, dict) or not isinstance(data.get("error"), str):
        return ""
    said = str(data.get("error_description") or "")
    return f" ({data['error']}{': ' + said[:200] if said else ''})"
