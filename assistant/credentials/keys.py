"""The school's Ed25519 signing key and the issuer identifier it goes with.

The key is read from configuration when given (server mode: every replica signs with the same
key), else from a file under WAYPOINT_HOME, created on first use with owner-only permissions.
The private key is never logged, printed or put in an error message. The issuer is the key's
`did:key` by default, or `did:web:<host>` when the school publishes a DID document (see
`did_document`) at https://<host>/.well-known/did.json.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from assistant.credentials.didkey import did_key, did_key_method, multibase_key
from assistant.errors import WaypointError

KEY_FILE = Path("credentials") / "issuer-ed25519.pem"
DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


@dataclass(frozen=True)
class IssuerKey:
    """The signing key, the issuer id (a DID) and the verification method that names the key."""

    private: Ed25519PrivateKey = field(repr=False)
    issuer: str
    method: str

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()


def load_issuer_key(home: Path, configured: str | None, web_host: str | None) -> IssuerKey:
    private = parse_key(configured) if configured else _key_file(home / KEY_FILE)
    public = private.public_key()
    if web_host:
        did = did_web(web_host)
        return IssuerKey(private, did, f"{did}#{multibase_key(public)}")
    return IssuerKey(private, did_key(public), did_key_method(public))


def did_web(host: str) -> str:
    """`did:web:` of a host (a port's colon percent-encoded, a path's slashes as colons)."""
    cleaned = host.strip().removeprefix("https://").rstrip("/")
    if not cleaned or any(c.isspace() for c in cleaned):
        raise WaypointError(f"credential_issuer_host {host!r} is not a host name")
    name, _, path = cleaned.partition("/")
    parts = [quote(name, safe="")] + [quote(p, safe="") for p in path.split("/") if p]
    return "did:web:" + ":".join(parts)


def did_document(key: IssuerKey) -> dict[str, object]:
    """The DID document to publish for a `did:web` issuer (at /.well-known/did.json)."""
    method = {
        "id": key.method,
        "type": "Multikey",
        "controller": key.issuer,
        "publicKeyMultibase": multibase_key(key.public),
    }
    return {
        "@context": DID_CONTEXTS,
        "id": key.issuer,
        "verificationMethod": [method],
        "assertionMethod": [key.method],
        "authentication": [key.method],
    }


def parse_key(text: str) -> Ed25519PrivateKey:
    """A key from configuration: a PEM (PKCS#8) Ed25519 private key, or the 32-byte seed in
    base64url. The error never repeats the value."""
    value = text.strip()
    if value.startswith("-----BEGIN"):
        try:
            key = load_pem_private_key(value.encode("ascii"), password=None)
        except (ValueError, TypeError) as exc:
            raise WaypointError("credential_signing_key is not a readable PEM private key") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise WaypointError("credential_signing_key must be an Ed25519 key")
        return key
    try:
        seed = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise WaypointError("credential_signing_key is neither PEM nor base64url") from exc
    if len(seed) != 32:
        raise WaypointError("credential_signing_key must be a 32-byte Ed25519 seed in base64url")
    return Ed25519PrivateKey.from_private_bytes(seed)


def _key_file(path: Path) -> Ed25519PrivateKey:
    """The key in `path`, created there (mode 0600) when there is none yet."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
        )
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            pass
        else:
            with os.fdopen(handle, "wb") as out:
                out.write(pem)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WaypointError(f"the signing key file {path} cannot be read") from exc
    try:
        key = load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise WaypointError(f"the signing key file {path} is not a PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise WaypointError(f"the signing key file {path} does not hold an Ed25519 key")
    return key
