"""Issued Open Badges credentials, by their index in the school's revocation status list.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "issued_credentials",
        sa.Column("status_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("credential_id", sa.String(length=100), nullable=True),
        sa.Column("learner_id", sa.String(length=64), nullable=True),
        sa.Column("competency_id", sa.String(length=255), nullable=True),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("document", sa.Text(), nullable=True),
        sa.Column("jwt", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("status_index"),
        sa.UniqueConstraint("credential_id"),
    )
    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_issued_credentials_learner_id"), ["learner_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issued_credentials_learner_id"))
    op.drop_table("issued_credentials")
