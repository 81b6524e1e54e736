"""A credential as a VC-JWT (Open Badges 3.0 §8.2): a compact JWS signed with EdDSA (Ed25519).

The header names the algorithm, the type and the verification method (`kid`); the payload is
the credential itself (without its Data Integrity proof) with the registered claims `iss` (the
issuer's id), `jti` (the credential's id), `nbf` (validFrom) and `sub` (the subject's id, when
it has one).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature

from assistant.credentials.integrity import CredentialInvalid, KeyResolver
from assistant.credentials.keys import IssuerKey

ALGORITHM = "EdDSA"
CLAIMS = ("iss", "jti", "nbf", "sub", "exp", "iat")


def sign_jwt(credential: Mapping[str, Any], key: IssuerKey) -> str:
    payload = {name: value for name, value in credential.items() if name != "proof"}
    payload["iss"] = issuer_id(payload)
    payload["jti"] = payload.get("id", "")
    valid_from = payload.get("validFrom")
    if isinstance(valid_from, str):
        payload["nbf"] = int(datetime.fromisoformat(valid_from.replace("Z", "+00:00")).timestamp())
    subject = payload.get("credentialSubject")
    if isinstance(subject, dict) and isinstance(subject.get("id"), str):
        payload["sub"] = subject["id"]
    header = {"alg": ALGORITHM, "typ": "JWT", "kid": key.method}
    signing_input = f"{_b64(_json(header))}.{_b64(_json(payload))}"
    signature = key.private.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{_b64(signature)}"


def verify_jwt(token: str, resolve: KeyResolver) -> tuple[dict[str, Any], str]:
    """The credential in a VC-JWT and the verification method that signed it; raises
    CredentialInvalid saying what is wrong."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise CredentialInvalid("not a compact JWS (three dot-separated parts)")
    header = _part(parts[0], "header")
    payload = _part(parts[1], "payload")
    if header.get("alg") != ALGORITHM:
        raise CredentialInvalid(f"the JWS algorithm is {header.get('alg')!r}, not {ALGORITHM}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise CredentialInvalid("the JWS header names no key (kid)")
    public = resolve(kid)
    try:
        public.verify(_unb64(parts[2], "signature"), f"{parts[0]}.{parts[1]}".encode("ascii"))
    except InvalidSignature as exc:
        raise CredentialInvalid(
            "the JWS signature does not match: the token was changed after it was signed, "
            "or signed with another key"
        ) from exc
    if payload.get("iss") != issuer_id(payload):
        raise CredentialInvalid("the JWT's iss is not the credential's issuer")
    if kid.split("#", 1)[0] != payload.get("iss"):
        raise CredentialInvalid("the signing key (kid) does not belong to the issuer")
    if payload.get("jti", payload.get("id")) != payload.get("id"):
        raise CredentialInvalid("the JWT's jti is not the credential's id")
    credential = {name: value for name, value in payload.items() if name not in CLAIMS}
    return credential, kid


def issuer_id(credential: Mapping[str, Any]) -> str:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        return str(issuer.get("id", ""))
    return str(issuer or "")


def _json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise CredentialInvalid(f"the JWS {what} is not base64url") from exc


def _part(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(_unb64(text, what))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CredentialInvalid(f"the JWS {what} is not JSON") from exc
    if not isinstance(value, dict):
        raise CredentialInvalid(f"the JWS {what} is not a JSON object")
    return value
