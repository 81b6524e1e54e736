"""An LMS on loopback for LTI 1.3 tests: a real HTTP server (a thread) serving the platform's
JWKS, and the platform's side of a launch: it signs id_tokens with its own RSA key."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
ISSUER = "https://lms.example.edu"
CLIENT_ID = "waypoint-client"
DEPLOYMENT = "deployment-1"


def new_key() -> RSAKey:
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, private=True)
    key.ensure_kid()
    return key


@dataclass
class FakeLms:
    port: int = 0
    key: RSAKey = field(default_factory=new_key)
    jwks_requests: int = 0

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

    def id_token(
        self,
        nonce: str,
        sub: str,
        roles: list[str] | None,
        *,
        context: str | None = "course-1",
        key: RSAKey | None = None,
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
        for name, value in changes.items():
            claims[CLAIM + name[6:] if name.startswith("claim_") else name] = value
        claims = {k: v for k, v in claims.items() if v is not None}
        signer = key or self.key
        return jwt.encode({"alg": "RS256", "kid": signer.kid}, claims, signer)


@contextmanager
def running_lms() -> Iterator[FakeLms]:
    lms = FakeLms()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/jwks":
                self.send_error(404)
                return
            lms.jwks_requests += 1
            body = json.dumps({"keys": [lms.key.as_dict(private=False)]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    lms.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield lms
    finally:
        server.shutdown()
        server.server_close()
