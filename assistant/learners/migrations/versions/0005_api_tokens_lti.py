"""API tokens (stored hashed) and LTI 1.3: platforms, deployments, user and class links, login
states, used nonces and hand-off tokens.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

LTI_ID = sa.String(length=255)
PLATFORM = "lti_platforms.id"


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(length=32), primary_key=True),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False, unique=True),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("service", sa.String(length=100), nullable=True),
        sa.Column("scopes", sa.String(length=200), nullable=False),
        sa.Column("classes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "lti_platforms",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("issuer", LTI_ID, nullable=False),
        sa.Column("client_id", LTI_ID, nullable=False),
        sa.Column("auth_url", sa.String(length=500), nullable=False),
        sa.Column("token_url", sa.String(length=500), nullable=False),
        sa.Column("jwks_url", sa.String(length=500), nullable=False),
        sa.Column("framework_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("issuer", "client_id", name="uq_lti_platform"),
    )
    op.create_table(
        "lti_deployments",
        sa.Column("platform_id", sa.Integer(), sa.ForeignKey(PLATFORM), primary_key=True),
        sa.Column("deployment_id", LTI_ID, primary_key=True),
    )
    for name, column, target in (
        ("lti_user_links", "sub", "user_id"),
        ("lti_class_links", "context_id", "class_id"),
    ):
        op.create_table(
            name,
            sa.Column("platform_id", sa.Integer(), sa.ForeignKey(PLATFORM), primary_key=True),
            sa.Column(column, LTI_ID, primary_key=True),
            sa.Column(target, sa.String(length=64), nullable=False),
        )
        op.create_index(f"ix_{name}_{target}", name, [target])
    op.create_table(
        "lti_states",
        sa.Column("state", sa.String(length=64), primary_key=True),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("platform_id", sa.Integer(), sa.ForeignKey(PLATFORM), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "lti_nonces",
        sa.Column("platform_id", sa.Integer(), sa.ForeignKey(PLATFORM), primary_key=True),
        sa.Column("nonce", LTI_ID, primary_key=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "lti_handoffs",
        sa.Column("jti", sa.String(length=64), primary_key=True),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    for name in ("lti_states", "lti_nonces", "lti_handoffs"):
        op.create_index(f"ix_{name}_expires_at", name, ["expires_at"])


def downgrade() -> None:
    for name in (
        "lti_handoffs",
        "lti_nonces",
        "lti_states",
        "lti_class_links",
        "lti_user_links",
        "lti_deployments",
        "lti_platforms",
        "api_tokens",
    ):
        op.drop_table(name)
