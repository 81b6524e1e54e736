"""Mastery credentials: Open Badges 3.0 and Comprehensive Learner Record 2.0.

- didkey.py: `did:key` identifiers of Ed25519 keys (multibase base58btc, multicodec ed25519-pub);
- keys.py: the school's signing key (a file under WAYPOINT_HOME, or one from configuration);
- integrity.py: Data Integrity proofs with the `eddsa-jcs-2022` cryptosuite (RFC 8785 JSON);
- vcjwt.py: the same credential as a VC-JWT (compact JWS, EdDSA);
- statuslist.py: revocation as a Bitstring Status List credential the school publishes;
- documents.py: the OpenBadgeCredential and ClrCredential documents themselves;
- verify.py: checking a credential file: proof, signer, revocation;
- service.py: `CredentialService`, who may issue, list, revoke, and the database rows.

JSON-LD contexts are named by URL as the specifications give them and never fetched.
"""
