"""`did:key` for Ed25519 public keys: "did:key:z" + base58btc(0xed 0x01 + the 32 key bytes).

The verification method of a `did:key` is the DID with its own multibase key as the fragment.
"""

from __future__ import annotations

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from assistant.errors import WaypointError

ED25519_PUB = b"\xed\x01"  # the multicodec prefix of an Ed25519 public key (varint 0xed)
DID_KEY = "did:key:"


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def multibase_key(key: Ed25519PublicKey) -> str:
    """The key as a multibase string: "z" (base58btc) + base58(multicodec + raw key)."""
    return "z" + base58.b58encode(ED25519_PUB + public_bytes(key)).decode("ascii")


def did_key(key: Ed25519PublicKey) -> str:
    return DID_KEY + multibase_key(key)


def did_key_method(key: Ed25519PublicKey) -> str:
    """The verification method: `did:key:z6Mk…#z6Mk…`."""
    encoded = multibase_key(key)
    return f"{DID_KEY}{encoded}#{encoded}"


def key_from_did(did_or_method: str) -> Ed25519PublicKey:
    """The Ed25519 public key a `did:key` (or one of its verification methods) names."""
    did = did_or_method.split("#", 1)[0]
    if not did.startswith(DID_KEY + "z"):
        raise WaypointError(f"{did_or_method!r} is not an Ed25519 did:key")
    try:
        raw = base58.b58decode(did[len(DID_KEY) + 1 :])
    except ValueError as exc:
        raise WaypointError(f"{did_or_method!r} is not valid base58") from exc
    if len(raw) != 34 or not raw.startswith(ED25519_PUB):
        raise WaypointError(f"{did_or_method!r} does not hold an Ed25519 public key")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def multibase_decode(value: str) -> bytes:
    """Bytes of a base58btc multibase string ("z…")."""
    if not value.startswith("z"):
        raise WaypointError("the proof value is not multibase base58btc (it must start with 'z')")
    try:
        return base58.b58decode(value[1:])
    except ValueError as exc:
        raise WaypointError("the proof value is not valid base58") from exc


def multibase_encode(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode("ascii")
