"""Open Badges 3.0 and CLR 2.0 credentials: issue, verify (with other implementations), tamper,
revoke, status list, transcript, forgetting, keys and the CLI (the download on the page is in
tests/pages/test_credentials_page.py)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import stat
import warnings
from pathlib import Path
from typing import Any

import base58
import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import OKPKey
from sqlalchemy import select

from assistant.cli import main
from assistant.container import Assistant, build_assistant
from assistant.credentials.integrity import add_proof
from assistant.credentials.keys import KEY_FILE, IssuerKey
from assistant.credentials.vcjwt import sign_jwt
from assistant.errors import AccessDeniedError, WaypointError
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.db import AuditRow, IssuedCredential
from assistant.settings import Settings
from tests.support_learners import credentials_school, evidence_file, small_school

CODE = "M.6.RP.1"
VC2 = "https://www.w3.org/ns/credentials/v2"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


@pytest.fixture
def school(tmp_path: Path) -> Assistant:
    """A proficient on M.6.RP.1 by evidence (three 3s); B at 2 on it."""
    return credentials_school(tmp_path, CODE)


def issued(school: Assistant, learner: str = "A", user: str = "t1") -> dict[str, Any]:
    record = school.credentials.issue(school.access.viewer(user), learner, CODE)
    document: dict[str, Any] = json.loads(record.document)
    return document


# independent checks (no Waypoint code) ------------------------------------------------------
def public_key_of_did(did: str) -> Ed25519PublicKey:
    """did:key:z… -> base58btc -> 0xed 0x01 + 32 bytes (decoded here, not by Waypoint)."""
    raw = base58.b58decode(did.removeprefix("did:key:").split("#")[0][1:])
    assert raw[:2] == b"\xed\x01" and len(raw) == 34
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def check_eddsa_jcs_2022(document: dict[str, Any], public: Ed25519PublicKey) -> None:
    """The eddsa-jcs-2022 verification algorithm, written out from the specification."""
    proof = dict(document["proof"])
    signature = base58.b58decode(proof.pop("proofValue")[1:])
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config = {**proof, "@context": unsecured["@context"]}
    data = (
        hashlib.sha256(rfc8785.dumps(config)).digest()
        + hashlib.sha256(rfc8785.dumps(unsecured)).digest()
    )
    public.verify(signature, data)


def joserfc_verify(token: str, public: Ed25519PublicKey) -> dict[str, Any]:
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    key = OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": x})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc notes RFC 9864 prefers "Ed25519" to "EdDSA"
        found = jws.deserialize_compact(token, key, algorithms=["EdDSA"])
    payload: dict[str, Any] = json.loads(found.payload)
    assert found.protected["alg"] == "EdDSA"
    assert found.protected["kid"].startswith(payload["iss"] + "#")
    return payload


# issuing --------------------------------------------------------------------------------------
def test_a_proficient_learner_gets_an_open_badge_aligned_to_the_case_item(
    school: Assistant,
) -> None:
    doc = issued(school)
    assert doc["@context"] == [VC2, OB3]
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["issuer"]["name"] == "Waypoint School"
    assert doc["issuer"]["id"].startswith("did:key:z6Mk")
    subject = doc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert {"identityType": "name", "identityHash": "Anna Able"}.items() <= subject["identifier"][
        0
    ].items()
    achievement = subject["achievement"]
    entry = school.catalog.lookup(CODE)
    assert entry is not None
    (alignment,) = achievement["alignment"]
    assert alignment["targetType"] == "CFItem" and alignment["targetCode"] == CODE
    assert alignment["targetUrl"] == (entry.item.uri or f"urn:uuid:{entry.identifier}")
    levels = achievement["resultDescription"][0]["rubricCriterionLevel"]
    reached = next(lv for lv in levels if lv["id"] == subject["result"][0]["achievedLevel"])
    assert reached["points"] == "3" and reached["level"] == "Proficient"
    evidence = doc["evidence"][0]["description"]
    assert evidence == "3 pieces of evidence from 2026-09-01 to 2026-10-01."
    assert "private note" not in json.dumps(doc)
    status = doc["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    assert 0 <= int(status["statusListIndex"]) < 131072


def test_issue_then_verify_with_implementations_other_than_the_issuer(school: Assistant) -> None:
    record = school.credentials.issue(school.access.viewer("t1"), "A", CODE)
    doc = json.loads(record.document)
    public = public_key_of_did(doc["issuer"]["id"])
    assert doc["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert doc["proof"]["verificationMethod"].startswith(doc["issuer"]["id"] + "#")
    check_eddsa_jcs_2022(doc, public)  # recomputed from the spec with cryptography + rfc8785
    payload = joserfc_verify(record.jwt, public)  # the VC-JWT through joserfc
    assert payload["iss"] == doc["issuer"]["id"] and payload["jti"] == doc["id"]
    claims = {"iss", "jti", "nbf", "sub"}
    unsigned = {k: v for k, v in doc.items() if k != "proof"}
    assert {k: v for k, v in payload.items() if k not in claims} == unsigned
    assert school.credentials.verify(record.document).valid
    assert school.credentials.verify(record.jwt).valid


def test_a_teachers_decision_at_proficient_can_be_credentialed_too(school: Assistant) -> None:
    with pytest.raises(WaypointError, match=r"^learner 'B' is not proficient on M\.6\.RP\.1"):
        issued(school, "B")
    school.overrides.record(school.access.viewer("t1"), "B", CODE, 3.0, "conference")
    doc = issued(school, "B")
    description = doc["evidence"][0]["description"]
    assert description.startswith("1 piece of evidence from 2026-10-01 to 2026-10-01; level")
    assert "decided by a teacher on" in description and "conference" not in json.dumps(doc)


def test_refusals_are_one_line_audited_and_write_nothing(school: Assistant) -> None:
    with pytest.raises(AccessDeniedError, match=r"^p1 \(parent\) may not issue credentials$"):
        issued(school, "A", "p1")
    with pytest.raises(AccessDeniedError, match=r"^t2 \(teacher\) may not see learner 'A'$"):
        issued(school, "A", "t2")
    with pytest.raises(WaypointError, match="unknown competency 'NOPE'"):
        school.credentials.issue(LOCAL_ADMIN, "A", "NOPE")
    with school.learner_db.session() as session:
        assert session.scalars(select(IssuedCredential)).all() == []
        refused = session.scalars(select(AuditRow.user_id).where(AuditRow.action == "refused"))
        assert {"p1", "t2"} <= set(refused)
    issued(school)
    with pytest.raises(WaypointError, match="already holds urn:uuid:"):
        issued(school)


# tampering and revocation ---------------------------------------------------------------------
def test_tampered_credentials_fail_with_a_clear_reason(school: Assistant) -> None:
    record = school.credentials.issue(LOCAL_ADMIN, "A", CODE)
    doc = json.loads(record.document)
    verify = school.credentials.verify

    changed = json.loads(record.document)
    changed["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    result = verify(json.dumps(changed))
    assert not result.valid and "signature does not match" in result.reason
    with pytest.raises(InvalidSignature):  # the independent check agrees
        check_eddsa_jcs_2022(changed, public_key_of_did(doc["issuer"]["id"]))

    other = Ed25519PrivateKey.generate()
    from assistant.credentials.didkey import did_key, did_key_method

    impostor = IssuerKey(other, did_key(other.public_key()), did_key_method(other.public_key()))
    forged = add_proof(doc, impostor, record.issued_at)  # claims the school, signed by another
    result = verify(json.dumps(forged))
    assert not result.valid and "which is not the issuer" in result.reason
    forged["proof"]["verificationMethod"] = doc["proof"]["verificationMethod"]
    result = verify(json.dumps(forged))
    assert not result.valid and "signature does not match" in result.reason

    forged_jwt = sign_jwt({k: v for k, v in doc.items() if k != "proof"}, impostor)
    assert verify(forged_jwt).reason == "the signing key (kid) does not belong to the issuer"
    head, body, tail = record.jwt.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["name"] = "Advanced everything"
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    result = verify(f"{head}.{body}.{tail}")
    assert not result.valid and "JWS signature does not match" in result.reason
    with pytest.raises(BadSignatureError), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = public_key_of_did(doc["issuer"]["id"]).public_bytes(Encoding.Raw, PublicFormat.Raw)
        x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        jws.deserialize_compact(
            f"{head}.{body}.{tail}",
            OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": x}),
            algorithms=["EdDSA"],
        )
    assert verify("not a credential").reason == "not a compact JWS (three dot-separated parts)"
    assert verify("{").reason.startswith("not JSON (line 1")

    school.credentials.revoke(school.access.viewer("t1"), doc["id"])
    for text in (record.document, record.jwt):
        result = verify(text)
        assert not result.valid and result.reason.startswith("revoked on 20")


def test_the_status_list_is_a_signed_gzip_bitstring_with_the_revoked_index_set(
    school: Assistant,
) -> None:
    doc = issued(school)
    index = int(doc["credentialStatus"]["statusListIndex"])
    with pytest.raises(AccessDeniedError, match="may not revoke credentials"):
        school.credentials.revoke(school.access.viewer("s1"), doc["id"])
    with pytest.raises(WaypointError, match="unknown credential 'urn:uuid:nope'"):
        school.credentials.revoke(LOCAL_ADMIN, "urn:uuid:nope")

    def bits() -> bytes:
        published = school.credentials.status_list()
        assert published["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
        assert published["id"] == doc["credentialStatus"]["statusListCredential"]
        check_eddsa_jcs_2022(published, public_key_of_did(published["issuer"]))
        encoded = published["credentialSubject"]["encodedList"]
        assert encoded.startswith("u")
        body = encoded[1:]
        return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))

    before = bits()
    assert len(before) * 8 >= 131072 and not any(before)
    school.credentials.revoke(school.access.viewer("t1"), doc["id"])
    after = bits()
    assert after[index // 8] == 0x80 >> (index % 8) and sum(map(bool, after)) == 1
    with pytest.raises(WaypointError, match="was already revoked"):
        school.credentials.revoke(LOCAL_ADMIN, doc["id"])
    issued(school)  # a revoked badge may be issued again, under another index
    listed = school.credentials.listed(LOCAL_ADMIN, "A")
    assert len(listed) == 2 and len({r.status_index for r in listed}) == 2


# transcript, forgetting, keys ------------------------------------------------------------------
def test_a_clr_transcript_bundles_the_learners_badges_and_verifies(school: Assistant) -> None:
    badge = issued(school)
    clr = school.credentials.transcript(school.access.viewer("p1"), "A")
    assert clr["type"] == ["VerifiableCredential", "ClrCredential"]
    assert "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json" in clr["@context"]
    assert clr["credentialSubject"]["verifiableCredential"] == [badge]
    check_eddsa_jcs_2022(clr, public_key_of_did(clr["issuer"]["id"]))
    assert school.credentials.verify(json.dumps(clr)).valid
    bundled = json.loads(json.dumps(clr))
    bundled["credentialSubject"]["verifiableCredential"][0]["name"] = "changed"
    resigned = add_proof(bundled, school.issuer_key, badge_time(badge))
    result = school.credentials.verify(json.dumps(resigned))
    assert not result.valid and result.reason.startswith("bundled credential 1: the proof's")
    with pytest.raises(WaypointError, match="holds no credentials to bundle"):
        school.credentials.transcript(LOCAL_ADMIN, "B")
    with pytest.raises(AccessDeniedError):
        school.credentials.transcript(school.access.viewer("p1"), "B")


def badge_time(badge: dict[str, Any]) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(badge["validFrom"].replace("Z", "+00:00"))


def test_forgetting_a_learner_deletes_their_credentials_but_keeps_the_index_revoked(
    school: Assistant,
) -> None:
    doc = issued(school)
    school.overrides.record(LOCAL_ADMIN, "B", CODE, 4.0, "portfolio")
    kept = issued(school, "B")
    index = int(doc["credentialStatus"]["statusListIndex"])
    report = school.privacy.forget("A")
    assert report.deleted["issued_credentials"] == 1
    with school.learner_db.session() as session:
        row = session.get_one(IssuedCredential, index)
        assert (row.learner_id, row.credential_id, row.document, row.jwt) == (None,) * 4
        assert row.competency_id is None and row.revoked_at is not None
    assert not school.credentials.verify(json.dumps(doc)).valid  # the wallet copy: revoked
    assert school.credentials.verify(json.dumps(kept)).valid
    assert [r.learner_id for r in school.credentials.listed(LOCAL_ADMIN)] == ["B"]
    encoded = school.credentials.status_list()["credentialSubject"]["encodedList"][1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    assert bits[index // 8] & (0x80 >> (index % 8))
    with school.learner_db.session() as session:
        documents = session.scalars(select(IssuedCredential.document)).all()
    assert len(documents) == 2 and not any("Anna" in (d or "") for d in documents)


def bare(home: Path, **settings: Any) -> Assistant:
    return build_assistant(Settings(profile="test", home=home, **settings))


def test_the_key_file_is_private_and_a_configured_key_is_shared(tmp_path: Path) -> None:
    first = bare(tmp_path / "one")
    key = first.issuer_key
    path = first.settings.home / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "private" not in repr(key) and bare(tmp_path / "one").issuer_key.issuer == key.issuer
    pem = key.private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    replicas = [bare(tmp_path / n, credential_signing_key=pem) for n in ("r1", "r2")]
    assert {r.issuer_key.issuer for r in replicas} == {key.issuer}
    assert not (replicas[0].settings.home / KEY_FILE).exists()
    assert "BEGIN" not in repr(replicas[0].settings)
    seed = base64.urlsafe_b64encode(
        key.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    ).decode()
    assert bare(tmp_path / "s", credential_signing_key=seed).issuer_key.issuer == key.issuer
    with pytest.raises(WaypointError) as caught:
        bare(tmp_path / "bad", credential_signing_key="not-a-key").issuer_key  # noqa: B018
    assert "not-a-key" not in str(caught.value)


def test_a_did_web_issuer_signs_and_verifies_offline(tmp_path: Path) -> None:
    web = small_school(tmp_path, credential_issuer_host="school.example:8443")
    rows = [["A", CODE, "4", "2026-10-01", "", "", "", ""]]
    web.evidence_importer.import_file(evidence_file(tmp_path, rows), LOCAL_ADMIN)
    record = web.credentials.issue(LOCAL_ADMIN, "A", CODE)
    doc = json.loads(record.document)
    assert doc["issuer"]["id"] == "did:web:school.example%3A8443"
    assert doc["credentialStatus"]["statusListCredential"] == (
        "https://school.example:8443/credentials/status-list.json"
    )
    did = web.credentials.did_document()
    (method,) = did["verificationMethod"]  # type: ignore[misc]
    public = public_key_of_did("did:key:" + method["publicKeyMultibase"])
    check_eddsa_jcs_2022(doc, public)
    assert web.credentials.verify(record.document).valid


# the command line and the page ------------------------------------------------------------------
def run(school: Assistant, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), make_assistant=lambda: school)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_issue_verify_revoke_status_list_and_clr(
    school: Assistant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    badge, token = tmp_path / "badge.json", tmp_path / "badge.jwt"
    token.write_text("")
    code, out, _ = run(
        school, capsys, "credentials", "issue", "--learner", "A", "--competency", CODE,
        "--as", "t1", "--out", str(badge), "--json",
    )  # fmt: skip
    assert code == 0
    credential_id = json.loads(out)["id"]
    code, out, _ = run(school, capsys, "credentials", "verify", str(token))
    assert code == 1  # not written: --out was the JSON file
    code, _, err = run(
        school, capsys, "credentials", "issue", "--learner", "B", "--competency", CODE
    )
    assert code == 1 and err.strip().startswith("waypoint: error: learner 'B' is not proficient")
    code, out, _ = run(school, capsys, "credentials", "verify", str(badge))
    assert code == 0 and out.startswith(f"{badge}: valid OpenBadgeCredential {credential_id}")
    code, out, _ = run(school, capsys, "credentials", "list", "--as", "p1", "--json")
    assert code == 0 and [r["competency"] for r in json.loads(out)] == [CODE]
    clr = tmp_path / "clr.json"
    code, out, _ = run(school, capsys, "credentials", "clr", "--learner", "A", "--out", str(clr))
    assert code == 0 and out.strip() == f"transcript of 1 credentials written to {clr}"
    code, out, _ = run(school, capsys, "credentials", "verify", str(clr))
    assert code == 0 and "valid ClrCredential" in out
    code, _, err = run(school, capsys, "credentials", "revoke", credential_id, "--as", "s1")
    assert code == 1 and err == "waypoint: error: s1 (student) may not revoke credentials\n"
    code, out, _ = run(school, capsys, "credentials", "revoke", credential_id)
    assert code == 0 and out.startswith(f"revoked {credential_id}")
    code, _, err = run(school, capsys, "credentials", "verify", str(badge))
    assert code == 1 and err.startswith(f"waypoint: error: {badge}: not valid: revoked on ")
    assert err.count("\n") == 1
    code, out, _ = run(school, capsys, "credentials", "verify", str(badge), "--json")
    assert code == 1 and json.loads(out)["valid"] is False
    published = tmp_path / "status.json"
    code, _, _ = run(school, capsys, "credentials", "status-list", "--out", str(published))
    assert code == 0 and "BitstringStatusListCredential" in published.read_text()
    missing = tmp_path / "no-such-dir" / "status.json"
    code, _, err = run(school, capsys, "credentials", "status-list", "--out", str(missing))
    assert code == 1 and not missing.parent.exists() and err.count("\n") == 1


def test_the_right_of_access_export_includes_the_learners_credentials(school: Assistant) -> None:
    from assistant.privacy import LearnerExporter

    doc = issued(school)
    export = LearnerExporter(school.learner_db, school.access).collect(LOCAL_ADMIN, "A")
    (table,) = [t for t in export.tables if t.name == "credentials"]
    assert table.as_json()[0]["credential_id"] == doc["id"]
