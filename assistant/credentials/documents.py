"""The credential documents: an OpenBadgeCredential for one competency at Proficient, and a
ClrCredential that bundles a learner's badges as a mastery transcript.

Open Badges 3.0 and CLR 2.0 on the VC data model 2.0. The Achievement is aligned to the CASE
item (`targetType` CFItem); the result is the level reached on the competency's scale (a
RubricCriterionLevel of the Achievement's ResultDescription); the evidence is a summary of
counts and dates, with no teacher's or learner's free text.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assistant.credentials.integrity import timestamp

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
CLR_SCHEMA = (
    "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
)
SCHEMA_TYPE = "1EdTechJsonSchemaValidator2019"
CRITERIA = (
    "Reached {bar} or above on this competency's proficiency scale, shown by evidence or "
    "decided by a teacher."
)


@dataclass(frozen=True)
class ScaleLevel:
    score: float
    label: str
    description: str = ""


@dataclass(frozen=True)
class Competence:
    """The CASE item the badge is for."""

    identifier: str
    code: str
    title: str
    statement: str
    framework: str
    uri: str = ""


@dataclass(frozen=True)
class Attainment:
    """Where the learner stands: the level, the scale, and how it was established."""

    level: float
    scale: tuple[ScaleLevel, ...]
    bar: float
    evidence_count: int
    first_observed: datetime | None
    last_observed: datetime | None
    decided_at: datetime | None  # a teacher's decision, when the level is one


@dataclass(frozen=True)
class Recipient:
    learner_id: str
    name: str


def profile(issuer: str, school: str) -> dict[str, Any]:
    return {"id": issuer, "type": ["Profile"], "name": school}


def new_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def stable_id(*parts: str) -> str:
    """A URN that is the same every time for the same parts (an achievement, its levels)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, '|'.join(parts))}"


def open_badge(
    *,
    credential_id: str,
    issuer: dict[str, Any],
    recipient: Recipient,
    competence: Competence,
    attainment: Attainment,
    issued: datetime,
    status: dict[str, str] | None,
) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential."""
    achievement = _achievement(str(issuer["id"]), competence, attainment)
    described = achievement["resultDescription"][0]
    reached = _level_id(str(achievement["id"]), attainment.level)
    label = _label(attainment.scale, attainment.level)
    document: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{competence.code} {competence.title}: {label}",
        "issuer": issuer,
        "validFrom": timestamp(issued),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": _identifiers(recipient),
            "achievement": achievement,
            "result": [
                {
                    "type": ["Result"],
                    "resultDescription": described["id"],
                    "achievedLevel": reached,
                }
            ],
        },
        "evidence": [_evidence(attainment)],
        "credentialSchema": [{"id": OB_SCHEMA, "type": SCHEMA_TYPE}],
    }
    if status is not None:
        document["credentialStatus"] = status
    return document


def transcript(
    *,
    credential_id: str,
    issuer: dict[str, Any],
    recipient: Recipient,
    badges: Sequence[dict[str, Any]],
    issued: datetime,
) -> dict[str, Any]:
    """An unsigned ClrCredential bundling signed badges (each keeps its own proof)."""
    achievements = [badge["credentialSubject"]["achievement"] for badge in badges]
    return {
        "@context": [VC_CONTEXT, CLR_CONTEXT, OB_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "ClrCredential"],
        "name": f"Mastery transcript: {recipient.name}",
        "issuer": issuer,
        "validFrom": timestamp(issued),
        "credentialSubject": {
            "type": ["ClrSubject"],
            "identifier": _identifiers(recipient),
            "achievement": achievements,
            "verifiableCredential": list(badges),
        },
        "credentialSchema": [{"id": CLR_SCHEMA, "type": SCHEMA_TYPE}],
    }


def _achievement(issuer: str, competence: Competence, attainment: Attainment) -> dict[str, Any]:
    achievement_id = stable_id(issuer, "achievement", competence.identifier)
    bar = _label(attainment.scale, attainment.bar)
    alignment: dict[str, Any] = {
        "type": ["Alignment"],
        "targetName": competence.title,
        "targetDescription": competence.statement,
        "targetCode": competence.code,
        "targetFramework": competence.framework,
        "targetType": "CFItem",
    }
    target = competence.uri or _uuid_urn(competence.identifier)
    if target:
        alignment["targetUrl"] = target
    return {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": "Competency",
        "name": f"{competence.code} {competence.title}",
        "description": competence.statement,
        "humanCode": competence.code,
        "criteria": {"narrative": CRITERIA.format(bar=f"{attainment.bar:g} {bar}")},
        "alignment": [alignment],
        "resultDescription": [
            {
                "id": stable_id(achievement_id, "levels"),
                "type": ["ResultDescription"],
                "name": "Level on the proficiency scale",
                "resultType": "RubricCriterionLevel",
                "requiredLevel": _level_id(achievement_id, attainment.bar),
                "rubricCriterionLevel": [
                    {
                        "id": _level_id(achievement_id, level.score),
                        "type": ["RubricCriterionLevel"],
                        "name": level.label,
                        "level": level.label,
                        "points": f"{level.score:g}",
                        **({"description": level.description} if level.description else {}),
                    }
                    for level in attainment.scale
                ],
            }
        ],
    }


def _evidence(attainment: Attainment) -> dict[str, Any]:
    parts: list[str] = []
    first, last = attainment.first_observed, attainment.last_observed
    if attainment.evidence_count and first is not None and last is not None:
        pieces = "piece" if attainment.evidence_count == 1 else "pieces"
        parts.append(
            f"{attainment.evidence_count} {pieces} of evidence from {first.date().isoformat()} "
            f"to {last.date().isoformat()}"
        )
    if attainment.decided_at is not None:
        parts.append(f"level decided by a teacher on {attainment.decided_at.date().isoformat()}")
    return {
        "type": ["Evidence"],
        "name": "Evidence summary",
        "description": "; ".join(parts) + ".",
        "genre": "Summary",
    }


def _identifiers(recipient: Recipient) -> list[dict[str, Any]]:
    return [
        {
            "type": "IdentityObject",
            "identityHash": recipient.name,
            "identityType": "name",
            "hashed": False,
        },
        {
            "type": "IdentityObject",
            "identityHash": recipient.learner_id,
            "identityType": "studentId",
            "hashed": False,
        },
    ]


def _level_id(achievement_id: str, score: float) -> str:
    return stable_id(achievement_id, "level", f"{score:g}")


def _label(scale: Sequence[ScaleLevel], score: float) -> str:
    for level in scale:
        if abs(level.score - score) < 1e-9:
            return level.label
    return f"{score:g}"


def _uuid_urn(identifier: str) -> str:
    try:
        return f"urn:uuid:{uuid.UUID(identifier)}"
    except ValueError:
        return ""
