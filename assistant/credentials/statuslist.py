"""Revocation through a Bitstring Status List (W3C Bitstring Status List v1.0).

Each credential carries a `BitstringStatusListEntry` with its index in the school's list; the
list is a `BitstringStatusListCredential` whose `encodedList` is the bitstring (index 0 is the
most significant bit of the first byte; a set bit means revoked), GZIP-compressed, then
multibase base64url without padding ("u…"). The list has at least 131,072 entries (16 KB), so
that one credential's index says little about who holds it.
"""

from __future__ import annotations

import base64
import binascii
import gzip
from collections.abc import Iterable
from typing import Any

from assistant.credentials.integrity import CredentialInvalid

MIN_ENTRIES = 131_072  # 16 KB of bits
PURPOSE = "revocation"
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"


def encode_list(revoked: Iterable[int], size: int = MIN_ENTRIES) -> str:
    bits = bytearray(max(size, MIN_ENTRIES) // 8)
    for index in revoked:
        if not 0 <= index < len(bits) * 8:
            raise ValueError(f"status index {index} is outside the list")
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def decode_list(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise CredentialInvalid("the status list is not multibase base64url (it must start 'u')")
    body = encoded[1:]
    try:
        bits = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, ValueError, OSError, EOFError) as exc:
        raise CredentialInvalid("the status list is not a GZIP-compressed bitstring") from exc
    if len(bits) * 8 < MIN_ENTRIES:
        raise CredentialInvalid(f"the status list has fewer than {MIN_ENTRIES} entries")
    return bits


def is_set(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise CredentialInvalid(f"status index {index} is outside the status list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_entry(list_url: str, index: int) -> dict[str, str]:
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def entry_index(status: Any) -> int | None:
    """The index of a credential's revocation entry; None when it has none."""
    entries = status if isinstance(status, list) else [status]
    for entry in entries:
        if (
            isinstance(entry, dict)
            and entry.get("type") == "BitstringStatusListEntry"
            and entry.get("statusPurpose") == PURPOSE
        ):
            try:
                return int(str(entry.get("statusListIndex")))
            except ValueError as exc:
                raise CredentialInvalid("the statusListIndex is not a number") from exc
    return None


def status_list_credential(
    list_url: str, issuer: str, valid_from: str, revoked: Iterable[int]
) -> dict[str, Any]:
    """The unsigned list credential (sign it with integrity.add_proof)."""
    return {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encode_list(revoked),
        },
    }
