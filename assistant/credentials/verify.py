"""Checking a credential: its proof (Data Integrity or VC-JWT), that the issuer's own key signed
it, and, for this school's credentials, that it is not revoked.

Keys are resolved offline: a `did:key` carries its key; a `did:web` issuer is resolved only
when it is this school (its DID document is not fetched).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from assistant.credentials.didkey import DID_KEY, key_from_did
from assistant.credentials.integrity import CredentialInvalid, verify_proof
from assistant.credentials.keys import IssuerKey
from assistant.credentials.statuslist import entry_index
from assistant.credentials.vcjwt import issuer_id, verify_jwt
from assistant.errors import WaypointError

KNOWN_TYPES = ("OpenBadgeCredential", "AchievementCredential", "ClrCredential")
RevokedAt = Callable[[int], datetime | None]


@dataclass(frozen=True)
class Verification:
    valid: bool
    reason: str  # why not, when not valid
    kind: str = ""
    credential_id: str = ""
    issuer: str = ""
    form: str = ""  # "data-integrity" or "vc-jwt"
    notes: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "reason": self.reason,
            "type": self.kind,
            "id": self.credential_id,
            "issuer": self.issuer,
            "format": self.form,
            "notes": list(self.notes),
        }


class Verifier:
    def __init__(self, key: IssuerKey, status_url: str, revoked_at: RevokedAt) -> None:
        self.key = key
        self.status_url = status_url
        self.revoked_at = revoked_at

    def verify_text(self, text: str) -> Verification:
        stripped = text.strip()
        form = "data-integrity" if stripped.startswith("{") else "vc-jwt"
        document: dict[str, Any] = {}
        try:
            if form == "vc-jwt":
                document, method = verify_jwt(stripped, self.resolve)
            else:
                document = _json_object(stripped)
                method = verify_proof(document, self.resolve)
            notes = self._check(document, method)
        except CredentialInvalid as exc:
            return Verification(False, str(exc), _kind(document), *_ids(document), form)
        return Verification(True, "", _kind(document), *_ids(document), form, tuple(notes))

    def resolve(self, method: str) -> Ed25519PublicKey:
        if method == self.key.method:
            return self.key.public
        if method.startswith(DID_KEY):
            try:
                return key_from_did(method)
            except WaypointError as exc:
                raise CredentialInvalid(str(exc)) from exc
        raise CredentialInvalid(
            f"the signing key {method} cannot be resolved offline (only did:key and this "
            "school's own key can)"
        )

    def _check(self, document: dict[str, Any], method: str) -> list[str]:
        issuer = issuer_id(document)
        if method.split("#", 1)[0] != issuer:
            raise CredentialInvalid(f"signed by {method}, which is not the issuer {issuer}")
        if _kind(document) not in KNOWN_TYPES:
            raise CredentialInvalid("not an OpenBadgeCredential or ClrCredential")
        notes = self._status(document)
        if _kind(document) == "ClrCredential":
            notes += self._bundled(document)
        return notes

    def _status(self, document: dict[str, Any]) -> list[str]:
        status = document.get("credentialStatus")
        index = entry_index(status) if status is not None else None
        if index is None:
            return []
        entries = status if isinstance(status, list) else [status]
        lists = {e.get("statusListCredential") for e in entries if isinstance(e, dict)}
        if issuer_id(document) != self.key.issuer or self.status_url not in lists:
            return ["revocation not checked: the status list is another issuer's"]
        revoked = self.revoked_at(index)
        if revoked is not None:
            raise CredentialInvalid(f"revoked on {revoked.date().isoformat()}")
        return []

    def _bundled(self, document: dict[str, Any]) -> list[str]:
        subject = document.get("credentialSubject")
        badges = subject.get("verifiableCredential") if isinstance(subject, dict) else None
        if not isinstance(badges, list) or not badges:
            raise CredentialInvalid("the transcript bundles no credentials")
        notes: list[str] = []
        for number, badge in enumerate(badges, start=1):
            if not isinstance(badge, dict):
                raise CredentialInvalid(f"bundled credential {number} is not a JSON object")
            try:
                notes += self._check(badge, verify_proof(badge, self.resolve))
            except CredentialInvalid as exc:
                raise CredentialInvalid(f"bundled credential {number}: {exc}") from exc
        return notes


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CredentialInvalid(f"not JSON (line {exc.lineno}: {exc.msg})") from exc
    if not isinstance(value, dict):
        raise CredentialInvalid("not a JSON object")
    return value


def _kind(document: dict[str, Any]) -> str:
    types = document.get("type")
    names = types if isinstance(types, list) else [types]
    return next((str(t) for t in names if t in KNOWN_TYPES), "")


def _ids(document: dict[str, Any]) -> tuple[str, str]:
    return str(document.get("id", "")), issuer_id(document)
