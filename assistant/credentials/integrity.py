"""Data Integrity proofs with the `eddsa-jcs-2022` cryptosuite (W3C vc-di-eddsa).

To sign: the proof options (type, cryptosuite, created, verificationMethod, proofPurpose, and
the document's @context) and the document without its proof are each canonicalised with JCS
(RFC 8785) and hashed with SHA-256; Ed25519 signs the proof-options hash followed by the
document hash; `proofValue` is the signature in multibase base58btc ("z…").
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from assistant.credentials.didkey import multibase_decode, multibase_encode
from assistant.credentials.keys import IssuerKey
from assistant.errors import WaypointError

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
PURPOSE = "assertionMethod"

KeyResolver = Callable[[str], Ed25519PublicKey]


class CredentialInvalid(WaypointError):
    """A credential that does not verify; the message says why."""


def timestamp(moment: datetime) -> str:
    """An XML Schema dateTime in UTC with a Z, to the second."""
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_proof(document: Mapping[str, Any], key: IssuerKey, created: datetime) -> dict[str, Any]:
    """The document with an eddsa-jcs-2022 proof by `key` (any earlier proof is replaced)."""
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": timestamp(created),
        "verificationMethod": key.method,
        "proofPurpose": PURPOSE,
    }
    signature = key.private.sign(hash_data(unsecured, options))
    return {**unsecured, "proof": {**options, "proofValue": multibase_encode(signature)}}


def hash_data(unsecured: Mapping[str, Any], options: Mapping[str, Any]) -> bytes:
    config = dict(options)
    if "@context" in unsecured:
        config["@context"] = unsecured["@context"]
    proof_hash = hashlib.sha256(rfc8785.dumps(config)).digest()
    document_hash = hashlib.sha256(rfc8785.dumps(dict(unsecured))).digest()
    return proof_hash + document_hash


def verify_proof(document: Mapping[str, Any], resolve: KeyResolver) -> str:
    """Check the document's eddsa-jcs-2022 proof; returns the verification method that signed.
    Raises CredentialInvalid saying what is wrong."""
    proof = document.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if not isinstance(proof, dict):
        raise CredentialInvalid("the credential has no proof")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        found = proof.get("cryptosuite") or proof.get("type")
        raise CredentialInvalid(f"the proof is {found!r}, not a {CRYPTOSUITE} DataIntegrityProof")
    if proof.get("proofPurpose") != PURPOSE:
        raise CredentialInvalid(f"the proof's purpose is not {PURPOSE}")
    method = proof.get("verificationMethod")
    value = proof.get("proofValue")
    if not isinstance(method, str) or not isinstance(value, str):
        raise CredentialInvalid("the proof lacks its verificationMethod or proofValue")
    unsecured = {name: item for name, item in document.items() if name != "proof"}
    if "@context" in proof and proof["@context"] != unsecured.get("@context"):
        raise CredentialInvalid("the proof's @context differs from the credential's")
    options = {name: item for name, item in proof.items() if name not in ("proofValue", "@context")}
    try:
        signature = multibase_decode(value)
    except WaypointError as exc:
        raise CredentialInvalid(str(exc)) from exc
    public = resolve(method)
    try:
        public.verify(signature, hash_data(unsecured, options))
    except InvalidSignature as exc:
        raise CredentialInvalid(
            "the proof's signature does not match: the credential was changed after it was "
            "signed, or signed with another key"
        ) from exc
    return method
