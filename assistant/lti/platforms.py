"""LMS platforms registered with Waypoint (`waypoint lti add-platform`), and their public keys
fetched over HTTP and cached."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlparse

import httpx
from joserfc.jwk import KeySet
from sqlalchemy import select

from assistant.errors import UnknownRecordError, WaypointError
from assistant.learners.audit import utc_now
from assistant.learners.db import LearnerDatabase
from assistant.learners.db_connect import LtiDeployment, LtiPlatform

JWKS_TIMEOUT = 10.0  # seconds
MAX_JWKS_BYTES = 256 * 1024


class PlatformError(WaypointError):
    """A platform registration that cannot be stored as given."""


@dataclass(frozen=True)
class Platform:
    id: int
    issuer: str
    client_id: str
    auth_url: str
    token_url: str
    jwks_url: str
    framework_id: str | None
    deployments: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "issuer": self.issuer,
            "client_id": self.client_id,
            "auth_url": self.auth_url,
            "token_url": self.token_url,
            "jwks_url": self.jwks_url,
            "framework": self.framework_id,
            "deployments": list(self.deployments),
        }


def _check_url(field: str, value: str) -> str:
    parsed = urlparse(value)
    local = parsed.hostname in ("127.0.0.1", "localhost", "::1")
    if parsed.scheme != "https" and not (parsed.scheme == "http" and local):
        raise PlatformError(f"--{field} {value!r}: an https:// URL is needed")
    return value


class PlatformRegistry:
    def __init__(self, db: LearnerDatabase) -> None:
        self.db = db

    def add(
        self,
        *,
        issuer: str,
        client_id: str,
        auth_url: str,
        token_url: str,
        jwks_url: str,
        deployments: list[str],
        framework_id: str | None = None,
    ) -> Platform:
        """Register a platform, or add deployments to (and update the URLs of) a known one."""
        if not issuer.strip() or not client_id.strip():
            raise PlatformError("--issuer and --client-id must not be empty")
        if not deployments or not all(d.strip() for d in deployments):
            raise PlatformError("--deployment: at least one deployment id is needed")
        urls = {
            "auth_url": _check_url("auth-url", auth_url),
            "token_url": _check_url("token-url", token_url),
            "jwks_url": _check_url("jwks-url", jwks_url),
        }
        with self.db.session() as session:
            row = session.scalar(
                select(LtiPlatform).where(
                    LtiPlatform.issuer == issuer, LtiPlatform.client_id == client_id
                )
            )
            if row is None:
                row = LtiPlatform(issuer=issuer, client_id=client_id, created_at=utc_now(), **urls)
                session.add(row)
            else:
                for name, value in urls.items():
                    setattr(row, name, value)
            if framework_id is not None:
                row.framework_id = framework_id
            session.flush()
            for deployment in deployments:
                if session.get(LtiDeployment, (row.id, deployment)) is None:
                    session.add(LtiDeployment(platform_id=row.id, deployment_id=deployment))
            platform_id = row.id
        return self.get(platform_id)

    def platforms(self) -> list[Platform]:
        with self.db.session() as session:
            ids = list(session.scalars(select(LtiPlatform.id).order_by(LtiPlatform.id)))
        return [self.get(i) for i in ids]

    def get(self, platform_id: int) -> Platform:
        with self.db.session() as session:
            row = session.get(LtiPlatform, platform_id)
            if row is None:
                raise UnknownRecordError(f"unknown platform {platform_id}")
            deployments = session.scalars(
                select(LtiDeployment.deployment_id)
                .where(LtiDeployment.platform_id == platform_id)
                .order_by(LtiDeployment.deployment_id)
            )
            return Platform(
                row.id,
                row.issuer,
                row.client_id,
                row.auth_url,
                row.token_url,
                row.jwks_url,
                row.framework_id,
                tuple(deployments),
            )

    def find(self, issuer: str, client_id: str | None = None) -> Platform | None:
        """The platform of an issuer (and client id: one issuer may register several)."""
        query = select(LtiPlatform.id).where(LtiPlatform.issuer == issuer)
        if client_id:
            query = query.where(LtiPlatform.client_id == client_id)
        with self.db.session() as session:
            found = list(session.scalars(query))
        return self.get(found[0]) if len(found) == 1 else None


Fetch = Callable[[str], dict[str, object]]


def fetch_jwks(url: str) -> dict[str, object]:
    response = httpx.get(url, timeout=JWKS_TIMEOUT, follow_redirects=False)
    response.raise_for_status()
    if len(response.content) > MAX_JWKS_BYTES:
        raise ValueError("the key set is too large")
    data = response.json()
    if not isinstance(data, dict):
        raise ValueError("the key set is not a JSON object")
    return data


class JwksCache:
    """A platform's key set, fetched on first use and kept `seconds`; fetched again at once
    when a token names a key it lacks (the platform rotated)."""

    def __init__(
        self, seconds: int, fetch: Fetch = fetch_jwks, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.fetch = fetch
        self.clock = clock
        self._sets: dict[str, tuple[float, KeySet]] = {}
        self._lock = threading.Lock()

    def keys(self, url: str, kid: str | None) -> KeySet:
        with self._lock:
            cached = self._sets.get(url)
        fresh = cached is not None and self.clock() - cached[0] < self.seconds
        if cached is not None and fresh and _has(cached[1], kid):
            return cached[1]
        try:
            key_set = KeySet.import_key_set(self.fetch(url))  # type: ignore[arg-type]
        except (httpx.HTTPError, ValueError, TypeError, KeyError) as exc:
            raise PlatformError(f"the platform's keys at {url} cannot be read: {exc}") from exc
        with self._lock:
            self._sets[url] = (self.clock(), key_set)
        return key_set


def _has(key_set: KeySet, kid: str | None) -> bool:
    return kid is None or any(key.kid == kid for key in key_set.keys)
