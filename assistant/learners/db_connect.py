"""Tables of the systems that connect to Waypoint: API tokens and LTI 1.3 platforms.

Registered on the learner database's `Base` (schema.py imports this module), so Alembic's
migration 0004 and `compare_metadata` see them. User ids here are plain strings, as in the
feedback table: a token or a link outlives roster changes until it is revoked or removed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assistant.learners.base import COMPETENCY_ID, ID, Base

URL = String(500)
LTI_ID = String(255)  # issuer, client id, deployment id, sub, context id: the spec caps them


class ApiToken(Base):
    """A bearer token: acts as a user, or a service account with scopes. Only a hash is kept."""

    __tablename__ = "api_tokens"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str | None] = mapped_column(ID)
    service: Mapped[str | None] = mapped_column(String(100))
    scopes: Mapped[str] = mapped_column(String(200), default="")  # space-separated
    classes: Mapped[str] = mapped_column(Text, default="")  # comma-separated; "" = the school
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class LtiPlatform(Base):
    """An LMS registered by `waypoint lti add-platform`: where to log in and find its keys."""

    __tablename__ = "lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id", name="uq_lti_platform"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuer: Mapped[str] = mapped_column(LTI_ID)
    client_id: Mapped[str] = mapped_column(LTI_ID)
    auth_url: Mapped[str] = mapped_column(URL)
    token_url: Mapped[str] = mapped_column(URL)
    jwks_url: Mapped[str] = mapped_column(URL)
    framework_id: Mapped[str | None] = mapped_column(COMPETENCY_ID)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class LtiDeployment(Base):
    __tablename__ = "lti_deployments"
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"), primary_key=True)
    deployment_id: Mapped[str] = mapped_column(LTI_ID, primary_key=True)


class LtiUserLink(Base):
    """The Waypoint user a platform's `sub` is (created on the first launch)."""

    __tablename__ = "lti_user_links"
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"), primary_key=True)
    sub: Mapped[str] = mapped_column(LTI_ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(ID, index=True)


class LtiClassLink(Base):
    """The Waypoint class a platform's course (LTI context) is."""

    __tablename__ = "lti_class_links"
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"), primary_key=True)
    context_id: Mapped[str] = mapped_column(LTI_ID, primary_key=True)
    class_id: Mapped[str] = mapped_column(ID, index=True)


class LtiState(Base):
    """A login initiation waiting for its launch: the state and the nonce sent with it."""

    __tablename__ = "lti_states"
    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64))
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"))
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class LtiNonce(Base):
    """A nonce of an accepted launch: a second launch with it is a replay."""

    __tablename__ = "lti_nonces"
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"), primary_key=True)
    nonce: Mapped[str] = mapped_column(LTI_ID, primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class LtiHandoff(Base):
    """A hand-off token issued to the app at the end of a launch, until it is redeemed."""

    __tablename__ = "lti_handoffs"
    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ID)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class LtiClassService(Base):
    """The LTI Advantage services of a course, as its last launch named them: the membership
    service (NRPS) and the gradebook's line items (AGS, with the scopes the platform granted)."""

    __tablename__ = "lti_class_services"
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"), primary_key=True)
    context_id: Mapped[str] = mapped_column(LTI_ID, primary_key=True)
    memberships_url: Mapped[str | None] = mapped_column(URL)
    lineitems_url: Mapped[str | None] = mapped_column(URL)
    ags_scopes: Mapped[str] = mapped_column(Text, default="")  # space-separated
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class LtiMentee(Base):
    """A learner (by the platform's sub) a mentor follows (`role_scope_mentor`): the mentor
    becomes a parent of that learner once Waypoint knows them (a launch or a roster sync)."""

    __tablename__ = "lti_mentees"
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"), primary_key=True)
    mentor_id: Mapped[str] = mapped_column(ID, primary_key=True)
    learner_sub: Mapped[str] = mapped_column(LTI_ID, primary_key=True)
